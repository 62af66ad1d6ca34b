/* src_watch: the source of a watched directory; see src.h. */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src.h"
#include "util.h"

int
src_watch_eligible(const struct src_watch *w, const char *name)
{
	if (name[0] == '.' || name[0] == '_')
		return 0;
	return w->glob == NULL || fnmatch(w->glob, name, 0) == 0;
}

static void
mark(struct ht *h, const char *name)
{
	int created;

	(void)ht_get(h, name, strlen(name), &created);
}

void
src_watch_taken(struct src_watch *w, const char *name)
{
	mark(&w->taken, name);
}

void
src_watch_put_set(struct obuf *o, const struct ht *h)
{
	const void *v;
	size_t i = 0;

	ob_put_u64(o, h->n);
	while ((v = ht_next(h, &i)) != NULL) {
		size_t klen;
		const char *key = ht_key(h, v, &klen);

		ob_put_bytes(o, key, klen);
	}
}

void
src_watch_get_set(struct bin *b, struct ht *h)
{
	uint64_t n = bin_u64(b), i;
	int created;

	for (i = 0; i < n && !b->bad; i++) {
		size_t len;
		const char *name = bin_bytes(b, &len);

		(void)ht_get(h, name, len, &created);
	}
}

static void
enqueue(struct src_watch *w, const char *name)
{
	int created;

	(void)ht_get(&w->seen, name, strlen(name), &created);
	if (!created || ht_find(&w->taken, name, strlen(name)) != NULL)
		return;
	if (w->qlen == w->qcap) {
		if (w->qhead > 0) {
			memmove(w->queue, w->queue + w->qhead,
			    (w->qlen - w->qhead) * sizeof(*w->queue));
			w->qlen -= w->qhead;
			w->qhead = 0;
		}
		if (w->qlen == w->qcap) {
			w->qcap = w->qcap ? w->qcap * 2 : 64;
			w->queue = ereallocarray(w->queue, w->qcap,
			    sizeof(*w->queue));
		}
	}
	w->queue[w->qlen++] = estrdup(name);
}

/* Orders "+name" and "-name" by name. */
static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/* Lists the directory; new eligible regular files are queued by name (or
 * only remembered as skipped, when skip: all of them, or with start_t0 set,
 * those that were there at the first start). */
static void
scan_dir(struct src_watch *w, int skip)
{
	char path[PATH_MAX], **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if ((d = opendir(w->dir)) == NULL)
		err(SK_EXIT_DATA, "%s", w->dir);
	while ((de = readdir(d)) != NULL) {
		if (!src_watch_eligible(w, de->d_name) || ht_find(&w->seen,
		    de->d_name, strlen(de->d_name)) != NULL)
			continue;
		epathf(path, sizeof(path), "%s/%s", w->dir, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		names = ereallocarray(names, n + 1, sizeof(*names));
		/* "+name": skipped; "-name": came after the first start */
		names[n] = emalloc(strlen(de->d_name) + 2);
		names[n][0] = skip && (w->start_t0 == 0 ||
		    (int64_t)st.st_ctim.tv_sec * 1000000000 +
		    st.st_ctim.tv_nsec <= w->start_t0) ? '+' : '-';
		strcpy(names[n++] + 1, de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (names[i][0] == '+') {
			mark(&w->seen, names[i] + 1);
			mark(&w->taken, names[i] + 1);
		} else
			enqueue(w, names[i] + 1);
		free(names[i]);
	}
	free(names);
}

static void
read_inotify(struct src_watch *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;
	char *p;

	while ((len = read(w->inotify_fd, buf, sizeof(buf))) > 0)
		for (p = buf; p < buf + len;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF |
			    IN_IGNORED)) {	/* the directory itself went */
				ob_flush(&w->src.rd->b->out);
				errx(SK_EXIT_DATA, "%s: removed or moved away while "
				    "watched", w->dir);
			}
			if (ev->len > 0 && src_watch_eligible(w, ev->name))
				enqueue(w, ev->name);
			if (ev->mask & IN_Q_OVERFLOW)
				scan_dir(w, 0);	/* events lost: look again */
			p += sizeof(*ev) + ev->len;
		}
	if (len < 0 && errno != EAGAIN && errno != EINTR)
		err(SK_EXIT_DATA, "inotify");
}

void
src_watch_start(struct src_watch *w, int first_start)
{
	struct stat st;

	if (stat(w->dir, &st) < 0)
		err(SK_EXIT_DATA, "%s", w->dir);
	if (!S_ISDIR(st.st_mode))
		errx(SK_EXIT_DATA, "%s: not a directory", w->dir);
	if (w->poll_every == 0 && !w->once) {
		/* watch before listing, so no file falls between the two */
		w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (w->inotify_fd < 0 || inotify_add_watch(w->inotify_fd, w->dir,
		    IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF |
		    IN_MOVE_SELF) < 0) {
			warn("inotify on %s: polling every second", w->dir);
			w->poll_every = 1000;
		}
	}
	/* at the first start, files already there are skipped (not so after a
	 * restart: they may have come while the pipeline was down) */
	scan_dir(w, first_start && !(w->take_all || w->once));
}

/* Takes queued files, as many as --max-files allows in this batch. */
static void
take_files(struct src_watch *w)
{
	struct reader *r = w->src.rd;
	char path[PATH_MAX];

	while (w->qhead < w->qlen && !*r->stop) {
		char *name;

		if (w->batch != r->b->closed) {	/* a new batch */
			w->batch = r->b->closed;
			w->files_in_batch = 0;
		}
		if (w->max_files > 0 && w->files_in_batch >= w->max_files)
			break;
		name = w->queue[w->qhead++];
		epathf(path, sizeof(path), "%s/%s", w->dir, name);
		mark(&w->taken, name);
		(void)rd_read_file(r, path, -1, 0, UINT64_MAX);
		free(name);
		if (w->batch != r->b->closed) {	/* closed while it was read */
			w->batch = r->b->closed;
			w->files_in_batch = 0;
		}
		w->files_in_batch++;
	}
}

/* A file a restart left half read is read on first. */
static void
resume(struct src_watch *w)
{
	struct position *c = &w->src.rd->cur;

	if (c->kind == SRC_FILE && c->operand < 0 && c->path != NULL)
		(void)rd_read_file(w->src.rd, c->path, -1, c->off, UINT64_MAX);
}

void
src_watch_once(struct src_watch *w)
{
	resume(w);
	while (w->qhead < w->qlen && !*w->src.rd->stop) {
		take_files(w);
		batcher_close(w->src.rd->b);
	}
}

static int
watch_more(struct source *s)
{
	const struct src_watch *w = (const struct src_watch *)s;

	return !w->once || w->rounds == 0;
}

static int
watch_wait(struct source *s, struct pollfd *p, int64_t now, int *timeout)
{
	struct src_watch *w = (struct src_watch *)s;

	if (w->rounds++ == 0)
		resume(w);
	if (!w->once && w->poll_every > 0 && now >= w->next_poll) {
		scan_dir(w, 0);
		w->next_poll = now + w->poll_every;
	}
	take_files(w);
	if (w->poll_every > 0 && (*timeout < 0 ||
	    w->next_poll - now < *timeout))
		*timeout = (int)(w->next_poll - now);
	if (w->inotify_fd < 0)
		return 0;
	p[0] = (struct pollfd){ w->inotify_fd, POLLIN, 0 };
	return 1;
}

static void
watch_ready(struct source *s, const struct pollfd *p, int n)
{
	if (n > 0 && p[0].revents != 0)
		read_inotify((struct src_watch *)s);
}

static const struct source_ops watch_ops = {
	watch_more, watch_wait, watch_ready
};

void
src_watch_init(struct src_watch *w, struct reader *r, const char *dir)
{
	memset(w, 0, sizeof(*w));
	w->src.ops = &watch_ops;
	w->src.rd = r;
	w->dir = dir;
	w->inotify_fd = -1;
	ht_init(&w->seen, 0);
	ht_init(&w->taken, 0);
}
