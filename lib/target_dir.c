/* target_dir: --dir, a directory a batch; see target.h. */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsx.h"
#include "target.h"
#include "util.h"

static char tmpdir[PATH_MAX];		/* removed if we die while it exists */

static void
remove_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		(void)fsx_rmtree(tmpdir);
}

static void
dir_publish(struct target *tg, int64_t t, struct batch **parts)
{
	struct target_dir *d = (struct target_dir *)tg;
	const char *dir_prefix = d->prefix, *suffix = d->suffix;
	int durable = tg->durable;
	char final[PATH_MAX], parent[PATH_MAX], path[PATH_MAX];
	const char *base;
	size_t i;

	if (t == NO_TIME)
		epathf(final, sizeof(final), "%s%s%s", dir_prefix,
		    suffix ? "." : "", suffix ? suffix : "");
	else
		epathf(final, sizeof(final), "%s-%lld%s%s", dir_prefix,
		    (long long)t, suffix ? "." : "", suffix ? suffix : "");
	fsx_dirname(final, parent, sizeof(parent));
	base = strrchr(final, '/') ? strrchr(final, '/') + 1 : final;
	epathf(tmpdir, sizeof(tmpdir), "%s/.%s.tmp-%ld", parent, base,
	    (long)getpid());
	(void)fsx_rmtree(tmpdir);
	if (mkdir(tmpdir, 0755) < 0)
		err(SK_EXIT_DATA, "%s", tmpdir);
	ob_reset(&d->part);
	for (i = 0; i < tg->u->n; i++)
		if (parts[i] != NULL)
			ob_write(&d->part, parts[i]->body.p, parts[i]->body.len);
	epathf(path, sizeof(path), "%s/part-00000", tmpdir);
	if (fsx_write_file(path, d->part.p, d->part.len, durable) < 0)
		err(SK_EXIT_DATA, "%s", path);
	epathf(path, sizeof(path), "%s/_SUCCESS", tmpdir);
	if (fsx_write_file(path, "", 0, durable) < 0)
		err(SK_EXIT_DATA, "%s", path);
	if (durable && fsx_fsync_dir(tmpdir) < 0)
		err(SK_EXIT_DATA, "%s", tmpdir);
	if (fsx_replace_dir(tmpdir, final) < 0)
		err(SK_EXIT_DATA, "%s", final);
	tmpdir[0] = '\0';
	if (durable && fsx_fsync_dir(parent) < 0)
		err(SK_EXIT_DATA, "%s", parent);
}

/* Whether process pid runs: it exists and is not a zombie (a sink killed
 * with its parent is one until something reaps it). */
static int
running(long pid)
{
	char path[64], stat[256], *rp;
	ssize_t n;
	int fd;

	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno != ENOENT;	/* no /proc: kill(2) said it is */
	n = read(fd, stat, sizeof(stat) - 1);
	(void)close(fd);
	if (n <= 0)
		return 1;
	stat[n] = '\0';
	/* "pid (comm) S ...": the state after the last ')' */
	if ((rp = strrchr(stat, ')')) == NULL || rp[1] != ' ')
		return 1;
	return rp[2] != 'Z' && rp[2] != 'X';
}

/* Removes the temporary directories of --dir that a killed sink left
 * (".BASE....tmp-PID" beside the prefix, PID no longer running). */
static void
sweep_dir_leftovers(const char *dir_prefix)
{
	char parent[PATH_MAX], path[PATH_MAX];
	const char *base = strrchr(dir_prefix, '/');
	struct dirent *de;
	size_t blen;
	DIR *d;

	base = base ? base + 1 : dir_prefix;
	blen = strlen(base);
	if ((d = opendir(fsx_dirname(dir_prefix, parent, sizeof(parent)))) == NULL)
		err(SK_EXIT_DATA, "%s", parent);
	while ((de = readdir(d)) != NULL) {
		const char *tmp;
		char *end;
		long pid;

		if (de->d_name[0] != '.' || strncmp(de->d_name + 1, base, blen) != 0 ||
		    (tmp = strstr(de->d_name + 1 + blen, ".tmp-")) == NULL)
			continue;
		pid = strtol(tmp + 5, &end, 10);
		if (*end != '\0' || pid <= 0 || running(pid))
			continue;	/* another sink's, still at work */
		epathf(path, sizeof(path), "%s/%s", parent, de->d_name);
		if (fsx_rmtree(path) < 0)
			err(SK_EXIT_DATA, "%s", path);
	}
	closedir(d);
}

static void
dir_close(struct target *tg)
{
	ob_free(&((struct target_dir *)tg)->part);
}

static const struct target_ops dir_ops = { dir_publish, target_no_mark, dir_close };

void
target_dir_open(struct target_dir *d, const char *prefix, const char *suffix)
{
	char parent[PATH_MAX];

	d->t.ops = &dir_ops;
	d->prefix = prefix;
	d->suffix = suffix;
	ob_init(&d->part, -1, "part");
	fsx_dirname(prefix, parent, sizeof(parent));
	if (fsx_mkdirs(parent, d->t.durable) < 0)
		err(SK_EXIT_DATA, "%s", parent);
	sweep_dir_leftovers(prefix);
	atexit(remove_tmpdir);
}
