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

static int stdout_head;		/* --format records on standard output */

/* Each part's lines, with the batch time; --format records: a batch of
 * the stream, after its header if *head is 0. */
static void
put_parts(struct target *tg, struct obuf *o, int64_t t, struct batch **parts,
    int *head)
{
	const char *key = tg->u->format == F_JSON ?
	    union_json_time_key(tg->u) : NULL;
	size_t i;

	if (tg->u->format == F_RECORDS) {
		if (!*head)
			union_put_stream(tg->u, o);
		*head = 1;
		union_put_batch(tg->u, o, t, parts);
		return;
	}
	fmt_batch_head(o, tg->u->format, t);
	for (i = 0; i < tg->u->n; i++)
		if (parts[i] != NULL)
			fmt_timed(o, tg->u->format, t, &parts[i]->body, key);
}

static int64_t	append_mark(struct target *);

static void
append_publish(struct target *tg, int64_t t, struct batch **parts)
{
	struct target_append *a = (struct target_append *)tg;

	if (!a->head)	/* a restart may have cut it back to nothing */
		a->head = append_mark(tg) > 0;
	put_parts(tg, &a->buf, t, parts, &a->head);
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

	if (tg->u->format == F_RECORDS) {	/* the run ended well */
		if (!a->head && append_mark(tg) == 0)
			union_put_stream(tg->u, &a->buf);
		ob_puts(&a->buf, "#eos\n");
	}
	ob_flush(&a->buf);
	if (close(a->buf.fd) < 0)
		err(SK_EXIT_DATA, "%s", a->path);
	a->buf.fd = -1;
	ob_free(&a->buf);
}

static const struct target_ops append_ops = {
	append_publish, append_mark, append_close
};

/* --format records: the #eos of the last run is taken off; the batches
 * go on after its last. */
static void
cut_eos(struct target_append *a)
{
	char tail[5];
	struct stat st;

	if (fstat(a->buf.fd, &st) < 0)
		err(SK_EXIT_DATA, "%s", a->path);
	if (st.st_size < 5)
		return;
	if (pread(a->buf.fd, tail, 5, st.st_size - 5) != 5)
		err(SK_EXIT_DATA, "%s", a->path);
	if (memcmp(tail, "#eos\n", 5) == 0 && ftruncate(a->buf.fd,
	    st.st_size - 5) < 0)
		err(SK_EXIT_DATA, "%s", a->path);
}

void
target_append_open(struct target_append *a, const char *path)
{
	char parent[PATH_MAX];
	int fd;

	a->t.ops = &append_ops;
	a->path = path;
	if ((fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) < 0)
		err(SK_EXIT_DATA, "%s", path);
	ob_init(&a->buf, fd, path);
	if (a->t.u->format == F_RECORDS)
		cut_eos(a);
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
	put_parts(tg, tg->out, t, parts, &stdout_head);
}

static void
stdout_close(struct target *tg)
{
	if (tg->u->format != F_RECORDS)
		return;
	if (!stdout_head)
		union_put_stream(tg->u, tg->out);
	ob_puts(tg->out, "#eos\n");
}

static const struct target_ops stdout_ops = {
	stdout_publish, target_no_mark, stdout_close
};

void
target_stdout_open(struct target *tg)
{
	tg->ops = &stdout_ops;
}
