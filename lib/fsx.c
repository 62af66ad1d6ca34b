#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsx.h"

int
fsx_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fsx_read_all(int fd, void *p, size_t n)
{
	char *s = p;

	while (n > 0) {
		ssize_t r = read(fd, s, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;	/* shorter than it said */
			return -1;
		}
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

int
fsx_write_file(const char *path, const void *p, size_t n, int sync)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644), e;

	if (fd < 0)
		return -1;
	if (fsx_write_all(fd, p, n) < 0 || (sync && fsync(fd) < 0)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int
fsx_create_excl(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
}

int
fsx_write_atomic(const char *path, const char *tmp, const void *p, size_t n)
{
	char dir[4096];
	int fd = fsx_create_excl(tmp), e;

	if (fd < 0)
		return -1;
	if (fsx_write_all(fd, p, n) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		return -1;
	return fsx_fsync_dir(fsx_dirname(path, dir, sizeof(dir)));
}

int
fsx_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

char *
fsx_dirname(const char *path, char *buf, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, cap, ".");
	else if (slash == path)
		snprintf(buf, cap, "/");
	else
		snprintf(buf, cap, "%.*s", (int)(slash - path), path);
	return buf;
}

int
fsx_replace_dir(const char *from, const char *to)
{
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
	char parent[4096];

	if (rename(from, to) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -1;
	if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to,
	    RENAME_EXCHANGE) < 0)
		return -1;
	/* the exchange is durable before the old tree goes */
	if (fsx_fsync_dir(fsx_dirname(to, parent, sizeof(parent))) < 0)
		return -1;
	return fsx_rmtree(from);	/* now the old tree */
}

int
fsx_rmtree(const char *path)
{
	char child[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (fsx_rmtree(child) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return rmdir(path);
}

int
fsx_mkdirs(const char *dir, int sync)
{
	char buf[4096], *p;
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0755) == 0) {
			/* a new directory lasts once its parent is synced */
			char parent[4096];

			if (sync && fsx_fsync_dir(fsx_dirname(buf, parent,
			    sizeof(parent))) < 0)
				return -1;
		} else if (errno != EEXIST)
			return -1;
		*p = c;
		if (c == '\0')
			break;
	}
	if (stat(dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}
