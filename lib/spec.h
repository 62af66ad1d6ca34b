/*
 * spec: a typed field spec ("time:time,client:int,price:num,side:B|S") and
 * the check of a line's fields against it. A field that fits is made
 * canonical so that keys group by value: an int or a num in its shortest
 * form (007 and +7 are 7, 51.00 is 51, -0.0 is 0), a time as ISO 8601 UTC.
 * The check runs loops of one type each over the line (spec_quick) and
 * falls back to a field-by-field look (spec_check) for any doubt and for
 * the reason a line does not fit. stream-parse(1) cuts lines with it; any
 * reader of typed text (JSON next) checks its values with it.
 */
#ifndef SK_SPEC_H
#define SK_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "cut.h"
#include "dec.h"
#include "ts.h"

enum ftype { T_STR, T_INT, T_NUM, T_TIME, T_ENUM };

struct field {
	char		*name;
	enum ftype	 type;
	char		**alts;		/* T_ENUM: the allowed values */
	size_t		*altlens;
	char		*altlist;	/* "is not B|S", for the message */
	size_t		 nalts;
	uint64_t	 onebyte[4];	/* its values of one byte, as a set */
};

struct spec {
	struct field	*f;
	size_t		 n;
	struct tz	*zone;		/* of times without one (zeroed: UTC) */
	const char	*time_format;	/* strptime(3), or NULL: ISO-like */
	struct ts_memo	*times;		/* one a field: a time field's last text
					 * and its ISO form */
	char		(*canon)[DEC_STRMAX];	/* a number's canonical text */
	/* the fields of each type, for the loops of spec_quick */
	size_t		*cols_int, *cols_num, *cols_enum, *cols_time;
	size_t		 nint, nnum, nenum, ntime;
	size_t		*numlen;	/* each num field's canonical length */
};

/*
 * A line's fields as the check sees them. plain: every field lies as it is
 * in the line and needs no escaping (the check clears it when it rewrites
 * one elsewhere); inplace: a field may be shortened in the line itself,
 * the fields after it moved up, so a plain line stays plain.
 */
struct line {
	struct slice	*f;
	size_t		 n;
	int		 plain;
	int		 inplace;
};

/* Parses spec text; NULL, or why not (in why). */
const char *spec_parse(struct spec *, const char *text, char *why, size_t cap);
void	spec_free(struct spec *);
/* The column type (rec.h's CT_*) of field i. */
unsigned char spec_coltype(const struct spec *, size_t i);
/*
 * True if every field of l (l->n == spec->n) fits, each then canonical;
 * false if spec_check must look (which it may also find fits).
 */
int	spec_quick(struct spec *, struct line *l);
/* Checks field i of l and makes it canonical; NULL, or why it does not
 * fit (in why: the name, the text and the reason). */
const char *spec_check(struct spec *, struct line *l, size_t i, char *why,
	    size_t cap);

#endif
