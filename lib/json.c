/*
 * json: a JSON line to records, through libjq. See json.h.
 */
#include <err.h>
#include <jq.h>
#include <jv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

struct json {
	jq_state	*jq;
	const struct spec *spec;
	jv		*keys;		/* the member of each field */
	char		*buf;		/* the fields' text */
	size_t		 cap;
	size_t		*off;		/* each field's, in buf */
	char		 err[256];	/* the last message of jq */
	int		 running;	/* jq_start'ed, outputs left */
};

/* libjq's messages (compile errors) are kept, not printed. */
static void
keep_error(void *arg, jv msg)
{
	struct json *j = arg;

	if (jv_get_kind(msg) == JV_KIND_STRING)
		snprintf(j->err, sizeof(j->err), "%s", jv_string_value(msg));
	else
		snprintf(j->err, sizeof(j->err), "the filter does not compile");
	jv_free(msg);
}

struct json *
json_new(const char *filter, const struct spec *sp, char *why, size_t cap)
{
	struct json *j = ecalloc(1, sizeof(*j));
	size_t i;

	if ((j->jq = jq_init()) == NULL)
		errx(SK_EXIT_DATA, "libjq: out of memory");
	jq_set_error_cb(j->jq, keep_error, j);
	if (!jq_compile(j->jq, filter != NULL ? filter : ".")) {
		snprintf(why, cap, "%s", j->err[0] ? j->err :
		    "the filter does not compile");
		jq_teardown(&j->jq);
		free(j);
		return NULL;
	}
	j->spec = sp;
	j->keys = ecalloc(sp->n, sizeof(*j->keys));
	j->off = ecalloc(sp->n + 1, sizeof(*j->off));
	for (i = 0; i < sp->n; i++)
		j->keys[i] = jv_string(sp->f[i].name);
	return j;
}

void
json_free(struct json *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->spec->n; i++)
		jv_free(j->keys[i]);
	free(j->keys);
	free(j->off);
	free(j->buf);
	jq_teardown(&j->jq);
	free(j);
}

/* A jv's message, or what kind it is: "why" for a reject. */
static void
message(jv v, const char *what, char *why, size_t cap)
{
	jv msg = jv_invalid_get_msg(v);

	if (jv_get_kind(msg) == JV_KIND_STRING)
		snprintf(why, cap, "%s: %s", what, jv_string_value(msg));
	else
		snprintf(why, cap, "%s", what);
	jv_free(msg);
}

int
json_start(struct json *j, const char *s, size_t n, char *why, size_t cap)
{
	jv v;

	if (n > INT_MAX) {
		snprintf(why, cap, "not JSON: too long");
		return -1;
	}
	v = jv_parse_sized(s, (int)n);
	if (!jv_is_valid(v)) {
		message(v, "not JSON", why, cap);
		j->running = 0;
		return -1;
	}
	jq_start(j->jq, v, 0);
	j->running = 1;
	return 0;
}

/* Appends b[0..n) to the fields' text. */
static void
put(struct json *j, size_t *len, const char *b, size_t n)
{
	if (*len + n + 8 > j->cap) {	/* 8: a field may be read 8 past */
		j->cap = (*len + n + 8) * 2;
		j->buf = erealloc(j->buf, j->cap);
	}
	memcpy(j->buf + *len, b, n);
	*len += n;
}

/* Member v's text, appended; returns whether it was there (not null). */
static int
put_value(struct json *j, size_t *len, jv v)
{
	jv text;
	int kind = jv_get_kind(v);

	switch (kind) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		jv_free(v);
		return 0;
	case JV_KIND_STRING:
		put(j, len, jv_string_value(v),
		    (size_t)jv_string_length_bytes(jv_copy(v)));
		jv_free(v);
		return 1;
	default:	/* numbers, true, false, arrays, objects: as JSON */
		text = jv_dump_string(v, 0);
		put(j, len, jv_string_value(text),
		    (size_t)jv_string_length_bytes(jv_copy(text)));
		jv_free(text);
		return 1;
	}
}

int
json_next(struct json *j, struct slice *f, unsigned char *absent, char *why,
    size_t cap)
{
	size_t i, len = 0, n = j->spec->n;
	jv out;

	if (!j->running)
		return 0;
	out = jq_next(j->jq);
	if (!jv_is_valid(out)) {
		j->running = 0;
		if (!jv_invalid_has_msg(jv_copy(out))) {
			jv_free(out);
			return 0;	/* no more */
		}
		message(out, "--jq", why, cap);
		return -1;
	}
	if (jv_get_kind(out) != JV_KIND_OBJECT) {
		snprintf(why, cap, "--jq gave %s, not an object",
		    jv_kind_name(jv_get_kind(out)));
		jv_free(out);
		j->running = 0;
		return -1;
	}
	for (i = 0; i < n; i++) {
		j->off[i] = len;
		absent[i] = !put_value(j, &len,
		    jv_object_get(jv_copy(out), jv_copy(j->keys[i])));
	}
	j->off[n] = len;
	jv_free(out);
	for (i = 0; i < n; i++) {
		f[i].p = j->buf != NULL ? j->buf + j->off[i] : (char *)"";
		f[i].n = j->off[i + 1] - j->off[i];
	}
	return 1;
}
