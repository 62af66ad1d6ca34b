#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck.h"
#include "fsx.h"
#include "ident.h"
#include "opt.h"
#include "rec.h"
#include "stream.h"
#include "util.h"

#define CK_MAGIC "SKCK"

static const char *const kind_names[] = { "source", "state", "sink" };

/* CRC-32 (zlib's), 8 bytes a step with 8 tables ("slicing-by-8"): a
 * snapshot of 1M keys is 89 MB, checked when written and when read. */
uint32_t
ck_crc32(uint32_t crc, const unsigned char *p, size_t n)
{
	static uint32_t t[8][256];
	uint32_t c = crc ^ 0xffffffffU;
	size_t i, k;

	if (t[0][1] == 0) {
		for (i = 0; i < 256; i++) {
			uint32_t v = (uint32_t)i;

			for (k = 0; k < 8; k++)
				v = (v & 1) ? 0xedb88320U ^ (v >> 1) : v >> 1;
			t[0][i] = v;
		}
		for (i = 0; i < 256; i++)
			for (k = 1; k < 8; k++)
				t[k][i] = (t[k - 1][i] >> 8) ^
				    t[0][t[k - 1][i] & 0xff];
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; n >= 8; p += 8, n -= 8) {
		uint32_t a, b;

		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		a ^= c;
		c = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^
		    t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^
		    t[3][b & 0xff] ^ t[2][(b >> 8) & 0xff] ^
		    t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
	}
#endif
	for (i = 0; i < n; i++)
		c = t[0][(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffU;
}

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Reads at most cap-1 bytes of a small text file, not through a link, NUL
 * terminated: its length, or -1 with errno set. */
static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Removes what a run killed while writing left half-made: the temporary
 * files of DIR (named ".NAME.tmp"), which only the holder of its lock
 * writes. */
static void
remove_leftovers(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n;

	if (d == NULL)
		err(SK_EXIT_DATA, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] != '.' || n < 6 ||
		    strcmp(de->d_name + n - 4, ".tmp") != 0)
			continue;
		epathf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) < 0 && errno != ENOENT)
			err(SK_EXIT_DATA, "%s", path);
	}
	closedir(d);
}

int
ck_option(struct ck_opts *o, int opt, const char *arg, const char *usage)
{
	switch (opt) {
	case CK_OPT_CHECKPOINT:
		o->root = arg;
		return 1;
	case CK_OPT_ID:
		o->id = arg;
		return 1;
	case CK_OPT_EVERY:
		o->every = opt_number(usage, "--checkpoint-every", arg, 1, 1000000);
		return 1;
	case CK_OPT_FULL_EVERY:
		o->full_every = opt_number(usage, "--checkpoint-full-every", arg,
		    1, 1000000);
		return 1;
	}
	return 0;
}

void
ck_opts_check(const struct ck_opts *o, const char *usage)
{
	if (o->root == NULL && (o->id != NULL || o->every > 0 ||
	    o->full_every > 0))
		usage_fail(usage, "--id, --checkpoint-every and "
		    "--checkpoint-full-every go with --checkpoint");
}

void
ck_open(struct ck *c, const struct ck_opts *o, const char *tool,
    enum ck_kind kind, int argc, char *const argv[])
{
	const char *root = o->root, *id = o->id ? o->id : tool;
	char path[PATH_MAX], tmp[PATH_MAX], *want, *cmd, *have;
	size_t wlen;
	char pidtext[32];
	struct stat st;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->every = o->every > 0 ? (long)o->every : 10;
	c->every_set = o->every > 0;
	c->keep = 2;
	c->restored = CK_NONE;
	c->frozen = CK_NONE;
	c->full_every = o->full_every > 0 ? (long)o->full_every : 1;
	c->last_file = CK_NONE;
	epathf(c->root, sizeof(c->root), "%s", root);
	if (id == NULL || *id == '\0' || strchr(id, '/') != NULL ||
	    id[0] == '.')
		errx(SK_EXIT_USAGE, "--id %s: not a plain name", id ? id : "");
	epathf(c->dir, sizeof(c->dir), "%s/%s", root, id);
	if (fsx_mkdirs(c->dir, 1) < 0)
		err(SK_EXIT_DATA, "%s", c->dir);
	if (lstat(c->dir, &st) < 0 || !S_ISDIR(st.st_mode))
		errx(SK_EXIT_DATA, "%s: not a directory (a link is not followed)",
		    c->dir);
	epathf(path, sizeof(path), "%s/lock", c->dir);
	if ((c->lockfd = flopen(path, O_RDWR | O_CREAT | O_NONBLOCK | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) < 0) {
		if (errno == ELOOP)
			errx(SK_EXIT_DATA, "%s: a link, not a lock file: refused",
			    path);
		if (errno != EWOULDBLOCK)
			err(SK_EXIT_DATA, "%s", path);
		pid = 0;
		if (read_small(path, pidtext, sizeof(pidtext)) < 0 ||
		    sscanf(pidtext, "%d", &pid) != 1)
			pid = 0;
		errx(SK_EXIT_DATA, "%s: checkpoint in use by process %ld "
		    "(another pipeline, or two tools with the same --id)", path,
		    (long)pid);
	}
	if (fstat(c->lockfd, &st) < 0 || !S_ISREG(st.st_mode))
		errx(SK_EXIT_DATA, "%s: not a regular file: refused", path);
	if (ftruncate(c->lockfd, 0) == 0)
		dprintf(c->lockfd, "%ld\n", (long)getpid());
	remove_leftovers(c->dir);

	cmd = ident_make(argc, argv, o->longopts);
	wlen = strlen(cmd) + 64;
	want = emalloc(wlen);
	snprintf(want, wlen, "stream-checkpoint %d\nkind %s\n%s",
	    CK_VERSION, kind_names[kind], cmd);
	epathf(path, sizeof(path), "%s/meta", c->dir);
	have = ecalloc(1, wlen + 2);	/* a longer meta differs anyway */
	if (read_small(path, have, wlen + 2) >= 0) {
		size_t head = strlen(want) - strlen(cmd);
		char *why;

		if (strncmp(have, want, head) != 0)
			errx(SK_EXIT_DATA, "%s: not the checkpoint of a %s of "
			    "version %d: use another --checkpoint or --id", c->dir,
			    kind_names[kind], CK_VERSION);
		if ((why = ident_diff(cmd, have + head)) != NULL)
			errx(SK_EXIT_DATA, "%s: written by another pipeline (%s): "
			    "use another --checkpoint or --id", c->dir, why);
	} else if (errno != ENOENT)
		err(SK_EXIT_DATA, "%s", path);
	else {
		epathf(tmp, sizeof(tmp), "%s/.meta.tmp", c->dir);
		if (fsx_write_atomic(path, tmp, want, strlen(want)) < 0)
			err(SK_EXIT_DATA, "%s", path);
	}
	free(have);
	free(want);
	free(cmd);
}

int
ck_aligned(const struct ck *c, int64_t t)
{
	if (c->interval <= 0)
		return 1;
	return ((t / c->interval) % c->every) == 0;
}

/* A write of f failed: its temporary file goes (a restart would remove
 * it anyway), and the error is said with its name. */
static void __attribute__((noreturn))
file_fail(const struct ck_file *f)
{
	int e = errno;

	(void)unlink(f->tmp);
	errno = e;
	err(SK_EXIT_DATA, "%s", f->tmp);
}

void
ck_file_begin(const struct ck *c, const char *name, struct ck_file *f)
{
	static const unsigned char zero[CK_HEADER];

	epathf(f->path, sizeof(f->path), "%s/%s", c->dir, name);
	epathf(f->tmp, sizeof(f->tmp), "%s/.%s.tmp", c->dir, name);
	f->dir = c->dir;
	f->crc = 0;
	f->len = 0;
	if ((f->fd = fsx_create_excl(f->tmp)) < 0 ||
	    fsx_write_all(f->fd, zero, sizeof(zero)) < 0)
		file_fail(f);
}

void
ck_file_write(void *arg, const void *p, size_t n)
{
	struct ck_file *f = arg;

	if (fsx_write_all(f->fd, p, n) < 0)
		file_fail(f);
	f->crc = ck_crc32(f->crc, p, n);
	f->len += n;
}

void
ck_header(unsigned char h[CK_HEADER], uint64_t len, uint32_t crc)
{
	memcpy(h, CK_MAGIC, 4);
	put_u32(h + 4, CK_VERSION);
	put_u32(h + 8, (uint32_t)len);
	put_u32(h + 12, (uint32_t)(len >> 32));
	put_u32(h + 16, crc);
	put_u32(h + 20, 0);
}

/* The header last: a file cut short has a zero header and is not used. */
void
ck_file_end(struct ck_file *f)
{
	unsigned char h[CK_HEADER];

	ck_header(h, f->len, f->crc);
	if (pwrite(f->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    fsync(f->fd) < 0 || close(f->fd) < 0)
		file_fail(f);
	if (rename(f->tmp, f->path) < 0)
		err(SK_EXIT_DATA, "%s", f->path);
	if (fsx_fsync_dir(f->dir) < 0)
		err(SK_EXIT_DATA, "%s", f->dir);
}

void
ck_put(const struct ck *c, const char *name, const void *p, size_t n)
{
	struct ck_file f;

	ck_file_begin(c, name, &f);
	ck_file_write(&f, p, n);
	ck_file_end(&f);
}

void *
ck_get(const char *path, size_t *n, const char **why)
{
	unsigned char h[CK_HEADER], *p;
	uint64_t len;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0) {
		*why = errno == ENOENT ? "missing" : errno == ELOOP ?
		    "a link, not followed" : strerror(errno);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		*why = "not a regular file";
		return NULL;
	}
	if (read(fd, h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    memcmp(h, CK_MAGIC, 4) != 0 || get_u32(h + 4) != CK_VERSION) {
		close(fd);
		*why = "not a checkpoint file of version 1, or torn";
		return NULL;
	}
	/* the length is the file's, never what the header claims alone */
	len = get_u32(h + 8) | (uint64_t)get_u32(h + 12) << 32;
	if (st.st_size < CK_HEADER || len != (uint64_t)st.st_size - CK_HEADER) {
		close(fd);
		*why = "torn or corrupt (its length is not the file's)";
		return NULL;
	}
	p = emalloc(len + 1);
	if (fsx_read_all(fd, p, len) < 0 || ck_crc32(0, p, len) != get_u32(h + 16)) {
		close(fd);
		free(p);
		*why = "torn or corrupt (checksum mismatch)";
		return NULL;
	}
	close(fd);
	*n = len;
	return p;
}

/* Reads "kind X" from DIR/meta: the kind, or -1. */
static int
dir_kind(const char *dir)
{
	char path[PATH_MAX], buf[512];
	struct stat st;
	int k;

	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return -1;	/* a link is not a tool's directory */
	epathf(path, sizeof(path), "%s/meta", dir);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	for (k = 0; k < 3; k++) {
		char want[32];

		snprintf(want, sizeof(want), "\nkind %s\n", kind_names[k]);
		if (strstr(buf, want) != NULL)
			return k;
	}
	return -1;
}

/* The tool directories of root, by kind (kind -1: all). */
static char **
list_dirs(const char *root, int kind, size_t *n)
{
	char **v = NULL, path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(root);

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		epathf(path, sizeof(path), "%s/%s", root, de->d_name);
		if (dir_kind(path) < 0 || (kind >= 0 && dir_kind(path) != kind))
			continue;
		v = ereallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = estrdup(path);
	}
	closedir(d);
	return v;
}

static void
free_list(char **v, size_t n)
{
	while (n-- > 0)
		free(v[n]);
	free(v);
}

static const char *
prefix_of(int kind)
{
	return kind == CK_SOURCE ? "log-" : "snap-";
}

static int
newest_first(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x > y ? -1 : x < y;
}

/* The batch times of the restorable files in dir, newest first. */
static int64_t *
list_times(const char *dir, int kind, size_t *n)
{
	const char *pre = prefix_of(kind);
	size_t plen = strlen(pre);
	int64_t *v = NULL;
	struct dirent *de;
	DIR *d = opendir(dir);

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long long t;

		if (strncmp(de->d_name, pre, plen) != 0)
			continue;
		errno = 0;
		t = strtoll(de->d_name + plen, &end, 10);
		if (*end != '\0' || errno != 0)
			continue;
		v = ereallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = t;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), newest_first);
	return v;
}

/*
 * An incremental snapshot's payload: CK_DELTA_MAGIC, the batch of the
 * snapshot it follows (its base), then the tool's bytes. A full one never
 * begins with the magic (tools begin theirs with a small version).
 */
#define CK_DELTA_MAGIC	0x61746c65646b6373ULL	/* "sckdelta" */
#define CK_DELTA_HEAD	16

/* The base of snapshot bytes p, or CK_NONE if they are a full snapshot. */
static int64_t
delta_base(const unsigned char *p, size_t n)
{
	uint64_t magic, base;

	if (n < CK_DELTA_HEAD)
		return CK_NONE;
	memcpy(&magic, p, 8);
	memcpy(&base, p + 8, 8);
	return magic == CK_DELTA_MAGIC ? (int64_t)base : CK_NONE;
}

/*
 * The files this process found valid, and their bases: a file is written
 * once, by rename, so the same inode of the same size and time need not
 * be read again (every prune works out the restore point; without this,
 * each read every snapshot of every tool whole).
 */
static struct checked {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	int64_t		 base;
} *checked;
static size_t nchecked, nallocated;
#define CHECKED_MAX 4096

static struct checked *
checked_find(const struct stat *st)
{
	size_t i;

	for (i = 0; i < nchecked; i++)
		if (checked[i].dev == st->st_dev && checked[i].ino == st->st_ino &&
		    checked[i].size == st->st_size &&
		    checked[i].mtime.tv_sec == st->st_mtim.tv_sec &&
		    checked[i].mtime.tv_nsec == st->st_mtim.tv_nsec)
			return &checked[i];
	return NULL;
}

/* A valid file of batch t: its base (CK_NONE: none), or 0 with why. */
static int
check_file(const char *path, int kind, int64_t *base, const char **why)
{
	struct checked *c;
	struct stat st;
	size_t n;
	void *p;

	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (c = checked_find(&st)) != NULL) {
		*base = c->base;
		return 1;
	}
	if ((p = ck_get(path, &n, why)) == NULL)
		return 0;
	*base = kind == CK_STATE ? delta_base(p, n) : CK_NONE;
	free(p);
	if (lstat(path, &st) == 0) {	/* the file ck_get read, unless it
					 * was replaced: then one more read */
		if (nchecked == CHECKED_MAX)	/* pruned ones pile up: start
						 * again, the newest are read
						 * once more */
			nchecked = 0;
		if (nchecked == nallocated) {
			nallocated += 64;
			checked = ereallocarray(checked, nallocated,
			    sizeof(*checked));
		}
		checked[nchecked++] = (struct checked){ st.st_dev, st.st_ino,
		    st.st_size, st.st_mtim, *base };
	}
	return 1;
}

/*
 * Whether the file of batch t is valid: it checks, and for a snapshot that
 * is an increment so does each one before it down to a full one (bases
 * strictly older, so a chain ends).
 */
static int
valid_at(const char *dir, int kind, int64_t t, int quiet)
{
	char path[PATH_MAX];
	const char *why;
	int64_t base;

	for (;;) {
		epathf(path, sizeof(path), "%s/%s%lld", dir, prefix_of(kind),
		    (long long)t);
		if (!check_file(path, kind, &base, &why)) {
			if (!quiet && strcmp(why, "missing") != 0)
				warnx("%s: %s: not used", path, why);
			return 0;
		}
		if (base == CK_NONE)
			return 1;
		if (base >= t) {
			if (!quiet)
				warnx("%s: an increment of a later snapshot: "
				    "not used", path);
			return 0;
		}
		t = base;
	}
}

/* The base of the snapshot file of batch t from its first bytes alone
 * (CK_NONE: full, or not readable): for pruning, which needs no check. */
static int64_t
peek_base(const char *dir, int64_t t)
{
	unsigned char h[CK_HEADER + CK_DELTA_HEAD];
	char path[PATH_MAX];
	int fd;
	ssize_t r;

	epathf(path, sizeof(path), "%s/%s%lld", dir, prefix_of(CK_STATE),
	    (long long)t);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return CK_NONE;
	r = read(fd, h, sizeof(h));
	close(fd);
	if (r != (ssize_t)sizeof(h))
		return CK_NONE;
	return delta_base(h + CK_HEADER, CK_DELTA_HEAD);
}

/* A commit's payload: T, then a sink's extra bytes (none, or 8). */
static int
commit_fits(size_t len)
{
	return len == 8 || len == 16;
}

int64_t
ck_committed(const char *root)
{
	char **sinks, path[PATH_MAX];
	size_t n, i, len;
	int64_t tc = CK_NONE, t;
	const char *why;
	unsigned char *p;

	sinks = list_dirs(root, CK_SINK, &n);
	for (i = 0; i < n; i++) {
		epathf(path, sizeof(path), "%s/commit", sinks[i]);
		if ((p = ck_get(path, &len, &why)) == NULL) {
			/* a damaged commit cannot be told from an older one:
			 * refuse rather than publish a batch again */
			if (strcmp(why, "missing") != 0)
				errx(SK_EXIT_DATA, "%s: %s", path, why);
			tc = CK_NONE;
			break;
		}
		if (!commit_fits(len))
			errx(SK_EXIT_DATA, "%s: %zu bytes: not a commit", path, len);
		memcpy(&t, p, 8);
		free(p);
		if (i == 0 || t < tc)
			tc = t;
	}
	free_list(sinks, n);
	return tc;
}

/* The restore point; quiet: no word of the files not used (said once, at
 * the start). */
static int64_t
restore_point(const char *root, int64_t tc, int quiet)
{
	char **dirs;
	int *kinds;
	size_t n, i, k, nt = 0;
	int64_t *times = NULL, ts = CK_NONE;
	int any_file = 0;

	if (tc == CK_NONE)
		return CK_NONE;
	dirs = list_dirs(root, -1, &n);
	kinds = ecalloc(n + 1, sizeof(*kinds));
	for (i = 0; i < n; i++) {
		kinds[i] = dir_kind(dirs[i]);
		if (kinds[i] != CK_SINK && times == NULL)
			times = list_times(dirs[i], kinds[i], &nt);
	}
	/* candidates, newest first: those of the first stateful tool */
	for (k = 0; k < nt && ts == CK_NONE; k++) {
		int ok = 1;

		if (times[k] > tc)
			continue;
		any_file = 1;
		for (i = 0; i < n && ok; i++)
			if (kinds[i] != CK_SINK)
				ok = valid_at(dirs[i], kinds[i], times[k], quiet);
		if (ok)
			ts = times[k];
	}
	if (ts == CK_NONE && any_file && !quiet) {
		/* a source whose log was never pruned can replay from the start */
		for (i = 0; i < n; i++) {
			char path[PATH_MAX];

			epathf(path, sizeof(path), "%s/pruned", dirs[i]);
			if (kinds[i] != CK_SINK && access(path, F_OK) == 0)
				errx(SK_EXIT_DATA, "%s: no snapshot common to every "
				    "tool at or before the committed batch %lld: "
				    "cannot recover", root, (long long)tc);
		}
	}
	free(times);
	free(kinds);
	free_list(dirs, n);
	return ts;
}

int64_t
ck_restore_point(const char *root, int64_t tc)
{
	return restore_point(root, tc, 0);
}

void
ck_name(const struct ck *c, int64_t t, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%lld", prefix_of(c->kind), (long long)t);
}

void
ck_save(const struct ck *c, int64_t t, const void *p, size_t n)
{
	char name[64];

	ck_name(c, t, name, sizeof(name));
	ck_put(c, name, p, n);
}

void *
ck_read(const struct ck *c, int64_t t, size_t *n, const char **why)
{
	char path[PATH_MAX];

	epathf(path, sizeof(path), "%s/%s%lld", c->dir, prefix_of(c->kind),
	    (long long)t);
	return ck_get(path, n, why);
}

void *
ck_load(const struct ck *c, int64_t t, size_t *n)
{
	const char *why;
	void *p;

	if ((p = ck_read(c, t, n, &why)) == NULL)
		errx(SK_EXIT_DATA, "%s/%s%lld: %s", c->dir, prefix_of(c->kind),
		    (long long)t, why);
	return p;
}

int64_t
ck_next(const struct ck *c, int64_t t)
{
	int64_t *times, next = CK_NONE;
	size_t n, k;

	times = list_times(c->dir, c->kind, &n);
	for (k = 0; k < n; k++)		/* newest first */
		if (t == CK_NONE || times[k] > t)
			next = times[k];
	free(times);
	return next;
}

int64_t *
ck_after(const struct ck *c, int64_t t, size_t *n)
{
	int64_t *times = list_times(c->dir, c->kind, n), *v;
	size_t k, m = 0;

	v = ereallocarray(NULL, *n + 1, sizeof(*v));
	for (k = *n; k-- > 0;)		/* newest first: oldest from the end */
		if (t == CK_NONE || times[k] > t)
			v[m++] = times[k];
	free(times);
	*n = m;
	return v;
}

/*
 * Deletes this tool's files that no restart can need: those before the
 * pipeline's restore point for tc and before the newest `keep` aligned ones
 * at or before tc. Never one at or after the restore point, which another
 * tool of a restart may be about to load. The pruned marker is durable
 * before the first file goes.
 */
void
ck_prune(const struct ck *c, int64_t tc)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int64_t *times, ts, floor = CK_NONE, base;
	size_t n, k, kept = 0;
	int marked = 0, any = 0;

	if (tc == CK_NONE)
		return;
	if ((ts = restore_point(c->root, tc, 1)) == CK_NONE)
		return;		/* nothing common yet: nothing to spare */
	times = list_times(c->dir, c->kind, &n);
	/* the oldest kept, and the snapshots its increments follow: kept
	 * too (each increment follows the snapshot written before it, so
	 * the chains of the newer ones are among them) */
	for (k = 0; k < n; k++) {
		if (times[k] > tc)
			continue;
		if (kept < (size_t)c->keep || times[k] >= ts) {
			kept += ck_aligned(c, times[k]);
			floor = times[k];
		}
	}
	while (c->kind == CK_STATE && floor != CK_NONE &&
	    (base = peek_base(c->dir, floor)) != CK_NONE && base < floor)
		floor = base;
	for (k = 0; k < n; k++) {
		if (times[k] > tc || floor == CK_NONE || times[k] >= floor)
			continue;
		if (!marked) {
			epathf(path, sizeof(path), "%s/pruned", c->dir);
			epathf(tmp, sizeof(tmp), "%s/.pruned.tmp", c->dir);
			if (access(path, F_OK) < 0 &&
			    fsx_write_atomic(path, tmp, "", 0) < 0)
				err(SK_EXIT_DATA, "%s", path);
			marked = 1;
		}
		epathf(path, sizeof(path), "%s/%s%lld", c->dir,
		    prefix_of(c->kind), (long long)times[k]);
		if (unlink(path) < 0 && errno != ENOENT)
			err(SK_EXIT_DATA, "%s", path);
		any = 1;
	}
	free(times);
	if (any && fsx_fsync_dir(c->dir) < 0)
		err(SK_EXIT_DATA, "%s", c->dir);
}

void
ck_commit(const struct ck *c, int64_t t, const void *extra, size_t n)
{
	unsigned char *p = emalloc(8 + n);

	memcpy(p, &t, 8);
	if (n > 0)
		memcpy(p + 8, extra, n);
	ck_put(c, "commit", p, 8 + n);
	free(p);
}

int64_t
ck_own_commit(const struct ck *c, void **extra, size_t *n)
{
	char path[PATH_MAX];
	const char *why = NULL;
	unsigned char *p;
	size_t len;
	int64_t t;

	*extra = NULL;
	*n = 0;
	epathf(path, sizeof(path), "%s/commit", c->dir);
	if ((p = ck_get(path, &len, &why)) == NULL) {
		if (strcmp(why, "missing") != 0)
			errx(SK_EXIT_DATA, "%s: %s", path, why);
		return CK_NONE;
	}
	if (len < 8)
		errx(SK_EXIT_DATA, "%s: too short", path);
	memcpy(&t, p, 8);
	if (len > 8) {
		*n = len - 8;
		*extra = emalloc(*n);
		memcpy(*extra, p + 8, *n);
	}
	free(p);
	return t;
}

void
ck_state_open(struct ck *c, const struct ck_opts *o, const char *tool,
    int argc, char *const argv[], const struct ck_snap_ops *ops)
{
	struct { void *p; size_t n; } *chain = NULL;
	size_t nchain = 0, n;
	const char *why;
	int64_t t, base;
	void *p;

	ck_open(c, o, tool, CK_STATE, argc, argv);
	c->frozen = ck_committed(o->root);
	c->restored = ck_restore_point(o->root, c->frozen);
	if (c->restored == CK_NONE)
		return;
	/* the snapshot, and down to a full one those it follows */
	for (t = c->restored;; t = base) {
		p = ck_load(c, t, &n);
		chain = ereallocarray(chain, nchain + 1, sizeof(*chain));
		chain[nchain].p = p;
		chain[nchain++].n = n;
		if ((base = delta_base(p, n)) == CK_NONE)
			break;
		if (ops->apply == NULL || base >= t)	/* valid_at said so */
			errx(SK_EXIT_DATA, "%s/snap-%lld: an increment %s",
			    c->dir, (long long)t, ops->apply == NULL ?
			    "this tool does not write" : "of a later snapshot");
	}
	why = ops->load(ops->arg, chain[nchain - 1].p, chain[nchain - 1].n);
	for (n = nchain - 1; why == NULL && n > 0; n--)	/* oldest first */
		why = ops->apply(ops->arg,
		    (const char *)chain[n - 1].p + CK_DELTA_HEAD,
		    chain[n - 1].n - CK_DELTA_HEAD);
	if (why != NULL)	/* a constant text, not in the files */
		errx(SK_EXIT_DATA, "%s/snap-%lld: %s", c->dir,
		    (long long)c->restored, why);
	for (n = 0; n < nchain; n++)
		free(chain[n].p);
	free(chain);
}

void
ck_state_batch(struct ck *c, int64_t bt, const struct ck_snap_ops *ops)
{
	struct ck_file f;
	struct obuf o;
	char name[64];
	int delta;

	if (c->restored != CK_NONE && bt <= c->restored)
		errx(SK_EXIT_DATA, "batch %lld is not after the restored snapshot "
		    "%lld: is the source checkpointed too?", (long long)bt,
		    (long long)c->restored);
	if (!ck_aligned(c, bt) || (c->frozen != CK_NONE && bt <= c->frozen))
		return;		/* not aligned, or replayed: kept as it is */
	/* an increment follows the last snapshot this run wrote: a run's
	 * first one is full */
	delta = ops->save_delta != NULL && c->full_every > 1 &&
	    c->last_file != CK_NONE && c->deltas + 1 < c->full_every;
	ck_name(c, bt, name, sizeof(name));
	ck_file_begin(c, name, &f);
	ob_init_sink(&o, ck_file_write, &f);
	if (delta) {
		ob_put_u64(&o, CK_DELTA_MAGIC);
		ob_put_u64(&o, (uint64_t)c->last_file);
		ops->save_delta(ops->arg, &o);
		c->deltas++;
	} else {
		ops->save(ops->arg, &o);
		c->deltas = 0;
	}
	ob_flush(&o);
	ob_free(&o);
	ck_file_end(&f);
	c->last_file = bt;
	ck_prune(c, ck_committed(c->root));
}

void
ck_state_control(struct ck *c, const struct item *it)
{
	if (it->kind == CTL_INTERVAL)
		c->interval = it->interval;
	if (it->kind == CTL_CHECKPOINT) {
		if (c->every_set && it->every != c->every)
			errx(SK_EXIT_USAGE, "--checkpoint-every %ld: the source "
			    "snapshots every %lld batches", c->every,
			    (long long)it->every);
		c->every = (long)it->every;
	}
}
