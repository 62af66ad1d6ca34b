/*
 * src_files: the source of standard input, or of file operands read one
 * after the other (FIFOs among them: opened without blocking, so that one
 * nobody writes yet does not stop the clock; poll(2) says when it has data
 * or its writer left). A restart resumes in the operand and at the offset
 * the log left off.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "src.h"

/* Opens the next input: 0, or -1 when there is none left. */
static int
next_input(struct src_files *f)
{
	struct reader *r = f->src.rd;
	struct position *c = &r->cur;
	int fd;

	if (f->paths == NULL) {
		if (f->next++ > 0)
			return -1;
		if (c->kind != SRC_STDIN)
			rd_enter(r, SRC_STDIN, NULL, -1, 0);
		rd_attach(r, STDIN_FILENO);
		return 0;
	}
	if (f->next >= f->n)
		return -1;
	{
		int k = f->next++;
		uint64_t off = c->kind == SRC_FILE && c->operand == k ? c->off : 0;

		if ((fd = rd_open_at(f->paths[k], off, O_NONBLOCK)) < 0) {
			if (errno == EINTR && *r->stop)
				return -1;
			warn("%s", f->paths[k]);
			rd_fail(r);
		}
		rd_enter(r, SRC_FILE, f->paths[k], k, off);
		rd_attach(r, fd);
	}
	return 0;
}

static int
files_more(struct source *s)
{
	return s->rd->fd >= 0 || next_input((struct src_files *)s) == 0;
}

static int
files_wait(struct source *s, struct pollfd *p, int64_t now, int *timeout)
{
	(void)now;
	(void)timeout;
	p[0] = (struct pollfd){ s->rd->fd, POLLIN, 0 };
	return 1;
}

static void
files_ready(struct source *s, const struct pollfd *p, int n)
{
	if (n > 0 && p[0].revents != 0)
		(void)rd_ready(s->rd);
}

static const struct source_ops files_ops = {
	files_more, files_wait, files_ready
};

void
src_files_init(struct src_files *f, struct reader *r, char *const *paths,
    int n)
{
	const struct position *c = &r->cur;

	f->src.ops = &files_ops;
	f->src.rd = r;
	f->paths = n > 0 ? paths : NULL;
	f->n = n;
	/* the operand to go on with: where a restart left off, or the first */
	f->next = c->kind == SRC_FILE && c->operand >= 0 ? (int)c->operand : 0;
}
