/*
 * buf: block I/O. An obuf collects output in one large buffer and writes it
 * with write(2); an ibuf reads large blocks and hands out lines as slices of
 * its buffer, valid until the next call on it. Both own their memory.
 * Write errors are fatal (the message names the file): no tool can go on
 * once its output is lost. An obuf with fd -1 only collects: it grows
 * instead of writing (ob_reset empties it).
 */
#ifndef SK_BUF_H
#define SK_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OBUF_SIZE (256 * 1024)
#define IBUF_SIZE (1024 * 1024)
#define IBUF_PAD 64		/* readable bytes after the buffer (lib/cut) */
#define PIPE_WIDE (1024 * 1024)	/* asked of pipes read or written */
#define IBUF_MAX_LINE (64 * 1024 * 1024)	/* a longer line is skipped */

struct obuf {
	int		 fd;
	int		 pipe;		/* fd is a pipe, FIFO or socket */
	const char	*name;		/* for messages: "stdout", a path */
	char		*p;
	size_t		 len, cap;
	/* if set, ob_flush hands the bytes here instead of to write(2) */
	void		(*sink)(void *, const void *, size_t);
	void		*sink_arg;
	struct {			/* more outputs of the same bytes */
		int		 fd;
		int		 pipe;
		const char	*name;
	}		*tee;
	size_t		 ntee;
	struct obuf	*next;		/* a list of outputs that ib_fill
					 * flushes together (ibuf.flush) */
};

void	ob_init(struct obuf *, int fd, const char *name);
/* An obuf that flushes into fn(arg, bytes, n). */
void	ob_init_sink(struct obuf *, void (*fn)(void *, const void *, size_t),
	    void *arg);
void	ob_flush(struct obuf *);	/* writes what is buffered; dies on error */
/* Every flush writes the same bytes to fd too, after the first output:
 * tee(1) without the copy through another process. */
void	ob_tee(struct obuf *, int fd, const char *name);
void	ob_free(struct obuf *);
/* Flushes and closes the output (and its tees): the last word on whether
 * everything written reached it (a full disk, a reader gone: exit 1). */
void	ob_close(struct obuf *);
void	ob_reset(struct obuf *);	/* forgets what is buffered */
void	ob_grow(struct obuf *, size_t need);

static inline void
ob_write(struct obuf *o, const void *s, size_t n)
{
	if (n == 0)		/* s may then be NULL, which memcpy forbids */
		return;
	if (o->cap - o->len < n)
		ob_grow(o, n);
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static inline void
ob_putc(struct obuf *o, char c)
{
	if (o->len == o->cap)
		ob_grow(o, 1);
	o->p[o->len++] = c;
}

static inline void
ob_puts(struct obuf *o, const char *s)
{
	ob_write(o, s, strlen(s));
}

void	ob_putint(struct obuf *, int64_t);
/* Dies (naming it) if a pipe this obuf or its tees write to has lost its
 * reader: revents as poll(2) gave them for o->fd, or 0 to ask poll. */
void	ob_check_reader(const struct obuf *);
/* Whether fd is a pipe, FIFO or socket. */
int	fd_is_pipe(int fd);

/*
 * Binary encoding for checkpoint files, in the machine's byte order (a
 * checkpoint is read back where it was written): fixed-size numbers, and
 * byte strings with a 64-bit length before them. A struct bin reads them
 * back; past its end it reads zeros and sets bad.
 */
void	ob_put_u64(struct obuf *, uint64_t);
void	ob_put_bytes(struct obuf *, const void *, size_t);

struct bin {
	const unsigned char	*p, *e;
	int			 bad;
};

void	bin_init(struct bin *, const void *, size_t);
uint64_t bin_u64(struct bin *);
void	bin_raw(struct bin *, void *, size_t);
/* A length-prefixed byte string, in place (not NUL-terminated). */
const char *bin_bytes(struct bin *, size_t *n);
/* The same, as a new NUL-terminated string. */
char	*bin_str(struct bin *);

struct ibuf {
	int		 fd;
	const char	*name;		/* for messages */
	char		*p;
	size_t		 cap, start, end;
	int		 eof;
	uint64_t	 lineno;	/* lines handed out so far */
	uint64_t	 base;		/* the file offset of p[0] */
	struct obuf	*flush;		/* flushed before a read that may block,
					 * with the obufs its next links; while
					 * the read waits, a reader of theirs
					 * that goes away stops the tool */
	int		 pipe;		/* fd is a pipe, FIFO or socket */
	int		 skipping;	/* inside a line too long to keep */
	uint64_t	 long_lines;	/* lines skipped as too long */
	int		 peer;		/* a socket: a read error is the end of
					 * it (eof, error set), not fatal */
	int		 error;		/* the errno that ended it, or 0 */
};

void	ib_init(struct ibuf *, int fd, const char *name);
void	ib_free(struct ibuf *);
/*
 * ib_next hands out the next complete line in the buffer (without its LF,
 * and without a CR before the LF) or, at EOF, the unterminated rest:
 * 1 if a line was set, 0 if more input is needed (or at EOF: done).
 */
int	ib_next(struct ibuf *, char **line, size_t *len);
/* Reads once: >0 bytes read, 0 at EOF, -1 if it would block or a signal
 * interrupted it. Dies on error, and when the reader of an output in
 * b->flush is gone while it waits for input. A line longer than
 * IBUF_MAX_LINE is reported ("name:line: ..."), counted in long_lines and
 * skipped: it is never handed out, and the lines after it keep their
 * numbers and offsets. */
ssize_t	ib_fill(struct ibuf *);
/* ib_next and ib_fill until a line or EOF: 1 line, 0 EOF (or interrupted:
 * eof is then still 0). */
int	ib_getline(struct ibuf *, char **line, size_t *len);
/* For a reader that finds lines itself (lib/cut's scanner): the bytes
 * read and not handed out yet, n of them. */
static inline char *
ib_unread(const struct ibuf *b, size_t *n)
{
	*n = b->end - b->start;
	return b->p + b->start;
}
/* Hands out the next line, of n bytes with its LF if it has one. */
static inline void
ib_take_line(struct ibuf *b, size_t n)
{
	b->start += n;
	b->lineno++;
}
/* The file offset just after the last line handed out. */
static inline uint64_t
ib_offset(const struct ibuf *b)
{
	return b->base + b->start;
}
/* At the end of a socket's input: drops an unterminated last line (a
 * connection cut mid-line) and returns its length. */
size_t	ib_drop_partial(struct ibuf *);
/* A filter's two ends: ib reads fd (named src, or "stdin" if NULL), out
 * writes standard output and is flushed before ib waits for input. */
void	ib_filter(struct ibuf *ib, int fd, const char *src, struct obuf *out);
/* Starts reading fd afresh at offset off (the caller has sought there). */
void	ib_reset(struct ibuf *, int fd, const char *name, uint64_t off);

#endif
