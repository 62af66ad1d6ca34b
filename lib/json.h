/*
 * json: stream-parse --json. Each line is one JSON value, parsed by libjq;
 * a --jq filter maps it to zero or more objects (flatMap), and the members
 * named by the spec become a record's fields, in the spec's order: a
 * string as its text, a number in its shortest form, true or false, null
 * or a missing member as an empty field, an array or an object as compact
 * JSON text. The fields are then checked against the spec's types like
 * any cut line's (lib/spec).
 */
#ifndef SK_JSON_H
#define SK_JSON_H

#include <stddef.h>

#include "cut.h"
#include "spec.h"

struct json;

/* A reader with filter (NULL: "."), for the fields of spec; NULL and why
 * (in why) if the filter does not compile. */
struct json *json_new(const char *filter, const struct spec *,
	    char *why, size_t cap);
void	json_free(struct json *);

/*
 * Starts on line s[0..n): 0, or -1 and why (in why) if it is not JSON.
 * Then json_next gives the objects the filter makes of it, one a call:
 * 1 with the spec's fields in f (pointing into the reader, valid until
 * the next call) and absent[i] set where member i was missing or null;
 * 0 when there are no more; -1 and why if the filter failed or gave what
 * is not an object (the line's other objects are dropped then).
 */
int	json_start(struct json *, const char *s, size_t n, char *why,
	    size_t cap);
int	json_next(struct json *, struct slice *f, unsigned char *absent,
	    char *why, size_t cap);

#endif
