/*
 * rec: the stream-records(5) line format. A struct rec holds the fields of
 * one data line as slices of the line itself (unescaped in place, so the
 * line's bytes are changed); it owns only its slice array. A struct schema
 * owns copies of the field names of a #fields line.
 */
#ifndef SK_REC_H
#define SK_REC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cut.h"

struct rec {
	struct slice	*f;
	size_t		 n, cap;
};

enum ctl {
	CTL_DATA,	/* not a control line */
	CTL_FIELDS,	/* #fields<TAB>name... */
	CTL_END,	/* #end<TAB>T[<TAB>key=value...] */
	CTL_EOS,	/* #eos */
	CTL_INTERVAL,	/* #interval<TAB>ms: the source's batch interval */
	CTL_STREAM,	/* #stream<TAB>key=value...: name and shape of a result */
	CTL_TYPES,	/* #types<TAB>type...: the types of the #fields */
	CTL_AT,		/* #at<TAB>file<TAB>line: where the next record is from */
	CTL_CHECKPOINT,	/* #checkpoint<TAB>every=N: the source's snapshots */
	CTL_OTHER	/* any other control line: passed through */
};

/* The type of a field (stream-records(5), #types): any is not known, so
 * a value is what it looks like. */
enum coltype { CT_ANY, CT_STR, CT_INT, CT_NUM, CT_TIME };

struct schema {
	char		**names;
	size_t		  n;
	unsigned char	 *types;	/* enum coltype each, or NULL: untyped */
};

/* What kind of line this is. */
enum ctl rec_ctl(const char *line, size_t len);
/* True if a first line shows a record stream (one that starts with a
 * control line the format defines), not raw text. */
int	rec_stream_start(const char *line, size_t len);
/* Splits a data line on TAB and unescapes each field in place. */
void	rec_split(struct rec *, char *line, size_t len);
/* The same for a line a scanner (lib/cut) cut into r->f: nf fields (cut
 * again if more than r->cap), seen: 1 if there is a backslash. */
void	rec_scanned(struct rec *, char *line, size_t len, size_t nf,
	    unsigned seen);
void	rec_free(struct rec *);
/* Cuts one line (n bytes, no LF) into nf fields left escaped, as slices
 * of it (a line's leading "\#" is undone: the field is "#..."): each
 * field's bytes are one-to-one with its text, so keys compare and fields
 * are written again as they are. Returns how many fields the line has
 * (those past nf are not kept, those missing are empty). */
size_t	rec_cut(char *line, size_t n, struct slice *f, size_t nf);

/* Writes one field, escaped; first says it starts a line (a leading # is
 * written as \#). */
void	rec_put_field(struct obuf *, const char *, size_t, int first);
/* True if the bytes need no escaping as a field. */
int	rec_field_plain(const char *, size_t);

/* Reads the names of a #fields line (the whole line). */
void	schema_parse(struct schema *, char *line, size_t len);
void	schema_set(struct schema *, char *const *names, size_t n);
void	schema_free(struct schema *);
/* Index of name, or -1; also accepts a 1-based column number "3". */
long	schema_find(const struct schema *, const char *name);
/* The column of field name, or dies (exit 1): "input: no field name
 * (what): its #fields has N fields". */
size_t	schema_need(const struct schema *, const char *name, const char *input,
	    const char *what);
/* Writes #fields, and #types if the schema has types. */
void	schema_put(struct obuf *, const struct schema *);
/* Takes the types of a #types line (the whole line) for the names; returns
 * 0, or -1 (and no types) if they are not one known type per name. */
int	schema_types(struct schema *, const char *line, size_t len);
/* Gives the schema the types t (n of them, one per name), or none. */
void	schema_set_types(struct schema *, const unsigned char *t);
void	schema_put_types(struct obuf *, const struct schema *);
enum coltype coltype_of(const struct schema *, size_t i);
const char *coltype_name(enum coltype);

#endif
