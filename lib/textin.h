/*
 * textin: the text stream-parse reads. An input is a file of lines, or a
 * record stream (it begins with #stream or #fields) whose "line" field, or
 * first field, holds them; then its control lines go on in order (#end
 * and the rest), its #at lines place the text lines at the user's file
 * and line, and an input that ends inside a batch is broken. Lines too
 * long to keep, skipped by the ibuf, count as rejected lines.
 */
#ifndef SK_TEXTIN_H
#define SK_TEXTIN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "csv.h"
#include "rec.h"
#include "reject.h"

struct textin {
	struct csv	*csv;		/* cuts the lines as it reads them */
	int		 header;	/* --header: each input's first line */
	struct obuf	*flush;		/* before a read that may block */
	struct rejects	*rej;		/* counts lines too long */
	uint64_t	 id;		/* the place lines are read from (#at):
					 * a new one for each input and #at */
	/* a text line, line `line` of src (NULL: standard input); scanned:
	 * cut already by csv_getline (seen: its attention bits) */
	void		(*line)(void *arg, const char *src, uint64_t line,
			    char *s, size_t n, int scanned, unsigned seen);
	/* a control line to pass on */
	void		(*control)(void *arg, const char *s, size_t n, enum ctl);
	void		*arg;
};

/* Reads fd (named src; NULL: standard input) through: 0, or -1 if it
 * ended inside a batch (reported). */
int	textin_read(struct textin *, int fd, const char *src);
/* Reads each operand ("-": standard input), or standard input if there is
 * none; 0 if every one was read through, else 1 (an input that cannot be
 * opened is reported, and the next is read). */
int	textin_operands(struct textin *, char *const argv[]);

#endif
