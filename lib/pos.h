/*
 * pos: where a record came from in the user's files, carried down a
 * pipeline by #at lines (stream-records(5)): "#at<TAB>file<TAB>line" says
 * the next data line is line `line` of `file` ("-": standard input), and
 * each data line after it the next line of that file, until the next #at.
 * A source writes #at only where that rule would be wrong (a new file, a
 * line left out, records put in another batch), so it costs nothing per
 * record.
 */
#ifndef SK_POS_H
#define SK_POS_H

#include <stdint.h>

#include "buf.h"

/* Reading: the position of the next data line. */
struct pos {
	char		*file;		/* NULL: standard input */
	uint64_t	 line;		/* 0: no #at read yet */
};

/* Takes an #at line, line `lineno` of the input `name`: 0, or -1 if it is
 * malformed, reported as such and left out (pos unchanged). */
int	pos_take(struct pos *, const char *name, uint64_t lineno,
	    const char *line, size_t len);
void	pos_free(struct pos *);

/* Writing: what the last data line written to one output was. */
struct pos_mark {
	uint64_t	 id;		/* its source (0: none yet) */
	uint64_t	 next;		/* the line that would follow it */
};

void	pos_put_at(struct obuf *, const char *file, uint64_t line);

/* Before a data line of line `line` of source id (named file, NULL for
 * standard input) is written to o: an #at line unless it follows the last. */
static inline void
pos_put(struct obuf *o, struct pos_mark *m, uint64_t id, const char *file,
    uint64_t line)
{
	if (id != m->id || line != m->next) {
		pos_put_at(o, file, line);
		m->id = id;
	}
	m->next = line + 1;
}

#endif
