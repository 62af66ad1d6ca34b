/*
 * inject.so: fault injection for the tests, loaded with LD_PRELOAD.
 * INJECT_ENOSPC=text makes every write(2) to a file whose path contains
 * text fail with ENOSPC, as on a full disk. INJECT_FSYNC_LOG=file appends
 * a line "fsync" to file for every fsync(2) call, which still happens.
 * INJECT_EROFS=text makes the paths that contain text act as on a file
 * system mounted read-only (EROFS from open(2) to write or create, from
 * mkdir, rename, unlink); with INJECT_EROFS_FLAG=file, only while that
 * file exists (the file system remounted read-only mid-run, as ext4 does
 * after an I/O error). INJECT_NOSYNC=kind leaves out the fsync(2) calls
 * of one kind, as a build with that bug would (tests/powerloss finds each):
 * "dirs" (a rename or create whose directory is never synced), "files" (a
 * file renamed into place before its bytes are durable), "data" (a commit
 * or _SUCCESS durable before the data: every file but those), "snaps" (a
 * snapshot or source log replaced, its predecessor pruned, before it is
 * durable).
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char full[4096];	/* fds that act as on a full disk */

static void
mark(int fd, const char *path)
{
	const char *text = getenv("INJECT_ENOSPC");

	if (fd >= 0 && fd < (int)sizeof(full))
		full[fd] = text != NULL && *text != '\0' && strstr(path, text);
}

/* Whether path is on the "read-only file system". */
static int
readonly(const char *path)
{
	const char *text = getenv("INJECT_EROFS");
	const char *flag = getenv("INJECT_EROFS_FLAG");

	if (path == NULL || text == NULL || *text == '\0' ||
	    strstr(path, text) == NULL)
		return 0;
	return flag == NULL || *flag == '\0' || access(flag, F_OK) == 0;
}

int
mkdir(const char *path, mode_t mode)
{
	static int (*real)(const char *, mode_t);

	if (real == NULL)
		real = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
	if (readonly(path)) {	/* as Linux: what is there is there */
		errno = access(path, F_OK) == 0 ? EEXIST : EROFS;
		return -1;
	}
	return real(path, mode);
}

int
rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);

	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
		    "rename");
	if (readonly(from) || readonly(to)) {
		errno = EROFS;
		return -1;
	}
	return real(from, to);
}

int
unlink(const char *path)
{
	static int (*real)(const char *);

	if (real == NULL)
		real = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
	if (readonly(path)) {
		errno = EROFS;
		return -1;
	}
	return real(path);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	static int (*real)(int, const char *, int, ...);
	mode_t mode = 0;
	va_list ap;
	int fd;

	if (real == NULL)
		real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT,
		    "openat");
	va_start(ap, flags);
	if (flags & O_CREAT)
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if ((flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) &&
	    readonly(path)) {
		errno = EROFS;
		return -1;
	}
	fd = real(dirfd, path, flags, mode);
	mark(fd, path);
	return fd;
}

int
open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;
	int fd;

	if (real == NULL)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	va_start(ap, flags);
	if (flags & O_CREAT)
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if ((flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) &&
	    readonly(path)) {
		errno = EROFS;
		return -1;
	}
	fd = real(path, flags, mode);
	mark(fd, path);
	return fd;
}

ssize_t
write(int fd, const void *p, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
		    "write");
	if (fd >= 0 && fd < (int)sizeof(full) && full[fd] && n > 0) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, p, n);
}

/* Whether INJECT_NOSYNC leaves out an fsync of fd. */
static int
skip_sync(int fd)
{
	const char *kind = getenv("INJECT_NOSYNC"), *base;
	char link[64], path[4096];
	struct stat st;
	ssize_t n;

	if (kind == NULL || *kind == '\0' || fstat(fd, &st) < 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) < 0)
		return 0;
	path[n] = '\0';
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if (strcmp(kind, "dirs") == 0)
		return S_ISDIR(st.st_mode);
	if (strcmp(kind, "files") == 0)
		return S_ISREG(st.st_mode);
	if (strcmp(kind, "data") == 0)
		return S_ISREG(st.st_mode) && strstr(base, "commit") == NULL &&
		    strstr(base, "_SUCCESS") == NULL;
	if (strcmp(kind, "snaps") == 0)
		return S_ISREG(st.st_mode) && (strstr(base, "snap-") != NULL ||
		    strstr(base, "log-") != NULL);
	return 0;
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	return skip_sync(fd) ? 0 : real(fd);
}

int
fsync(int fd)
{
	static int (*real)(int);
	const char *log = getenv("INJECT_FSYNC_LOG");

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (skip_sync(fd))
		return 0;
	if (log != NULL && *log != '\0') {
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (lfd >= 0) {
			(void)!write(lfd, "fsync\n", 6);
			close(lfd);
		}
	}
	return real(fd);
}
