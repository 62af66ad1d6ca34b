/* target_file: --append and standard output, lines with their batch
 * time; see target.h. */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "fsx.h"
#include "target.h"
#include "util.h"

/* Each part's lines, with the batch time. */
static void
put_parts(struct target *tg, struct obuf *o, int64_t t, struct batch **parts)
{
	const char *key = tg->u->format == F_JSON ?
	    union_json_time_key(tg->u) : NULL;
	size_t i;

	fmt_batch_head(o, tg->u->format, t);
	for (i = 0; i < tg->u->n; i++)
		if (parts[i] != NULL)
			fmt_timed(o, tg->u->format, t, &parts[i]->body, key);
}

static void
append_publish(struct target *tg, int64_t t, struct batch **parts)
{
	struct target_append *a = (struct target_append *)tg;

	put_parts(tg, &a->buf, t, parts);
	ob_flush(&a->buf);
	if (tg->durable && fsync(a->buf.fd) < 0)
		err(SK_EXIT_DATA, "%s", a->path);
}

static int64_t
append_mark(struct target *tg)
{
	struct target_append *a = (struct target_append *)tg;
	off_t size = lseek(a->buf.fd, 0, SEEK_END);

	if (size < 0)
		err(SK_EXIT_DATA, "%s", a->path);
	return (int64_t)size;
}

static void
append_close(struct target *tg)
{
	struct target_append *a = (struct target_append *)tg;

	ob_flush(&a->buf);
	if (close(a->buf.fd) < 0)
		err(SK_EXIT_DATA, "%s", a->path);
	a->buf.fd = -1;
	ob_free(&a->buf);
}

static const struct target_ops append_ops = {
	append_publish, append_mark, append_close
};

void
target_append_open(struct target_append *a, const char *path)
{
	char parent[PATH_MAX];
	int fd;

	a->t.ops = &append_ops;
	a->path = path;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) < 0)
		err(SK_EXIT_DATA, "%s", path);
	ob_init(&a->buf, fd, path);
	if (a->t.durable && fsx_fsync_dir(fsx_dirname(path, parent,
	    sizeof(parent))) < 0)
		err(SK_EXIT_DATA, "%s", parent);
}

/*
 * At the first start the size of the file is committed with no batch
 * (T = CK_NONE), so that what a run that dies before its first commit
 * appended is cut off too.
 */
void
target_append_recover(struct target_append *a, const struct ck *ck,
    int64_t committed, const void *extra, size_t n)
{
	struct stat st;
	int64_t size;

	if (fstat(a->buf.fd, &st) < 0)
		err(SK_EXIT_DATA, "%s", a->path);
	if (n == 0 && committed == CK_NONE) {
		size = st.st_size;
		ck_commit(ck, CK_NONE, &size, sizeof(size));
		return;
	}
	if (n != sizeof(size))
		errx(SK_EXIT_DATA, "%s/commit: no size of %s in it", ck->dir,
		    a->path);
	memcpy(&size, extra, sizeof(size));
	if (size < 0 || st.st_size < size)
		errx(SK_EXIT_DATA, "%s: %lld bytes, less than the %lld committed: "
		    "changed outside the pipeline; refused", a->path,
		    (long long)st.st_size, (long long)size);
	if (st.st_size > size && (ftruncate(a->buf.fd, size) < 0 ||
	    fsync(a->buf.fd) < 0))
		err(SK_EXIT_DATA, "%s", a->path);
}


static void
stdout_publish(struct target *tg, int64_t t, struct batch **parts)
{
	put_parts(tg, tg->out, t, parts);
}

static const struct target_ops stdout_ops = {
	stdout_publish, target_no_mark, target_no_close
};

void
target_stdout_open(struct target *tg)
{
	tg->ops = &stdout_ops;
}
