/* union: stream-sink's inputs merged by batch time; see union.h. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "union.h"
#include "util.h"

static struct batch *
batch_new(void)
{
	struct batch *b = ecalloc(1, sizeof(*b));

	b->t = NO_TIME;
	b->n = b->made = -1;
	ob_init(&b->body, -1, "batch");
	ob_init(&b->raw, -1, "raw");
	return b;
}

static void
read_stream_attrs(struct input *in, const struct item *it)
{
	free(in->sh.sname);
	in->sh.sname = it->name != NULL ? estrndup(it->name, it->namelen) : NULL;
	in->sh.top = (long)it->top;
	in->sh.keys = (long)it->keys;
	in->sh.labels = it->labels;
}

/* Inputs whose batches have other intervals are not merged: their batch
 * times would interleave as if they were one stream. */
static void
check_interval(struct sunion *u, const struct input *in, int64_t v)
{
	if (u->first_name == NULL) {
		u->first_name = in->name;
		u->first_interval = v;
	} else if (v != u->first_interval)
		errx(SK_EXIT_DATA, "%s: batches of %lld ms, but %s has %lld ms: "
		    "streams of other intervals are not merged", in->name,
		    (long long)v, u->first_name, (long long)u->first_interval);
}

static void
close_batch(struct sunion *u, struct input *in, int64_t t)
{
	struct batch *b = in->open;

	fmt_batch_end(&b->body, u->format, &in->sh, b->nrec);
	b->t = t;
	b->schema = in->schemas;
	b->sname = in->sh.sname ? estrdup(in->sh.sname) : NULL;
	b->keys = in->sh.keys;
	b->top = in->sh.top;
	b->labels = in->sh.labels;
	if (in->tail != NULL)
		in->tail->next = b;
	else
		in->head = b;
	in->tail = b;
	in->open = batch_new();
}

/* records: the inputs' #fields (and #types) lines must be the same. */
static void
same_header(struct sunion *u, const struct input *in, char **first,
    const char *s, size_t n)
{
	if (*first == NULL) {
		*first = estrndup(s, n);
		if (u->fields_name == NULL)
			u->fields_name = in->name;
	} else if (strlen(*first) != n || memcmp(*first, s, n) != 0)
		errx(SK_EXIT_DATA, "%s:%llu: %.*s: not the records of %s: "
		    "streams of other records are not merged", in->name,
		    (unsigned long long)in->ib.lineno, (int)n, s,
		    u->fields_name);
}

/* records: a data line, placed by an #at line where the last one does not
 * place it (the input's own #at lines, or, for lib/merge, the input
 * itself). */
static void
keep_record(const struct sunion *u, struct input *in, const char *s, size_t n)
{
	struct batch *b = in->open;

	if (in->at.line > 0)
		pos_put(&b->raw, &b->mark, in->at_id, in->at.file,
		    in->at.line++);
	else if (u->merging)
		pos_put(&b->raw, &b->mark, 1, in->ib.fd == STDIN_FILENO ?
		    NULL : in->name, in->ib.lineno);
	ob_write(&b->raw, s, n);
	ob_putc(&b->raw, '\n');
}

/* records: a control line of in that is not the union's own. */
static void
keep_control(struct sunion *u, struct input *in, enum ctl c, const char *s,
    size_t n)
{
	switch (c) {
	case CTL_AT:
		if (pos_take(&in->at, in->name, in->ib.lineno, s, n) == 0)
			in->at_id = in->at_id < 2 ? 2 : in->at_id + 1;
		return;
	case CTL_CHECKPOINT:
		if (in != &u->in[0] || !u->merging)
			return;		/* the same source's, once; a file of
					 * records is read by its own */
		break;
	case CTL_OTHER:
		break;
	default:
		return;
	}
	ob_write(&in->open->raw, s, n);
	ob_putc(&in->open->raw, '\n');
}

/* Takes the complete lines now in the buffer of in. */
static void
take_lines(struct sunion *u, struct input *in)
{
	struct item it;
	char *s;
	size_t n;

	while (!in->sr.end.eos && ib_next(&in->ib, &s, &n)) {
		enum ctl c = sr_item(&in->sr, s, n, &it);

		if (u->records) {
			if (c == CTL_DATA) {
				keep_record(u, in, s, n);
				in->open->nrec++;
				continue;
			}
			if (c == CTL_FIELDS)
				same_header(u, in, &u->fields, s, n);
			else if (c == CTL_TYPES)
				same_header(u, in, &u->types, s, n);
			keep_control(u, in, c, s, n);
		}
		switch (c) {
		case CTL_DATA:
			if (u->keep_raw || u->raw_only) {
				ob_write(&in->open->raw, s, n);
				ob_putc(&in->open->raw, '\n');
			}
			if (u->raw_only) {
				in->open->nrec++;
				break;
			}
			fmt_record(&in->open->body, u->format, &in->sh, &in->r, s,
			    n, in->open->nrec);
			in->open->nrec++;
			break;
		case CTL_FIELDS:
			schema_parse(&in->sh.sc, s, n);
			in->schemas++;
			break;
		case CTL_TYPES:
			if (schema_types(&in->sh.sc, s, n) < 0)
				warnx("%s:%llu: a #types line that does not fit "
				    "its #fields: left out", in->name,
				    (unsigned long long)in->ib.lineno);
			break;
		case CTL_STREAM:
			read_stream_attrs(in, &it);
			break;
		case CTL_INTERVAL:
			check_interval(u, in, it.interval);
			break;
		case CTL_CHECKPOINT:
			if (u->every == 0)
				u->every = it.every;
			break;
		case CTL_END:
			in->open->n = it.count;		/* -1: none */
			in->open->made = it.made;
			in->open->late = it.late;
			in->open->bad = it.bad;
			in->open->state = end_state(s, n);
			close_batch(u, in, it.t);
			break;
		default:
			break;
		}
	}
}

/* Publishes every batch that all inputs have completed. */
static void
publish_ready(struct sunion *u)
{
	struct batch **parts = ecalloc(u->n, sizeof(*parts));
	size_t i;

	for (;;) {
		int64_t t = INT64_MAX;
		int any = 0;

		for (i = 0; i < u->n; i++) {
			struct input *in = &u->in[i];

			if (in->head == NULL) {
				if (!in->done)
					goto out;	/* still to come */
				continue;
			}
			if (in->head->t < t)
				t = in->head->t;
			any = 1;
		}
		if (!any)
			break;
		for (i = 0; i < u->n && t == NO_TIME; i++)
			if (u->in[i].sr.end.batched)
				errx(SK_EXIT_DATA, "%s has batches, but another "
				    "input is a plain file of records: they cannot "
				    "be merged", u->in[i].name);
		for (i = 0; i < u->n; i++) {
			struct input *in = &u->in[i];

			parts[i] = NULL;
			if (in->head != NULL && in->head->t == t) {
				parts[i] = in->head;
				if ((in->head = in->head->next) == NULL)
					in->tail = NULL;
			}
		}
		u->publish(u->arg, t, parts);
		for (i = 0; i < u->n; i++)
			if (parts[i] != NULL) {
				ob_free(&parts[i]->body);
				ob_free(&parts[i]->raw);
				free(parts[i]->sname);
				free(parts[i]->state);
				free(parts[i]);
			}
	}
out:
	free(parts);
}

/*
 * The input has ended: dies if it broke (nothing more is published: what
 * every input completed is published already, and a broken input holds
 * the rest back for good), or if a plain file of records (one batch, with
 * no time) meets a checkpoint or inputs with batches.
 */
static void
finish_input(struct sunion *u, struct input *in)
{
	size_t i;

	in->done = 1;
	if (u->merging && stream_broken(&in->sr.end, &in->ib)) {
		u->broken = in->name;	/* lib/merge's reader says it */
		return;
	}
	if (sr_finish(&in->sr, "; nothing more is published") < 0)
		exit(SK_EXIT_DATA);
	if (in->sr.end.batched)
		return;
	if (u->committing)
		errx(SK_EXIT_DATA, "%s: a plain file of records, not a stream "
		    "of batches: nothing to commit to --checkpoint", in->name);
	for (i = 0; i < u->n; i++)
		if (u->in[i].sr.end.batched)
			errx(SK_EXIT_DATA, "%s: a plain file of records, but %s "
			    "has batches: they cannot be merged", in->name,
			    u->in[i].name);
	close_batch(u, in, NO_TIME);	/* a plain file: one batch */
}

void
union_open(struct sunion *u, int argc, char *const argv[])
{
	size_t i, n = argc > 0 ? (size_t)argc : 1;
	const char **names = ecalloc(n, sizeof(*names));
	int *fds = ecalloc(n, sizeof(*fds));

	for (i = 0; i < n; i++) {
		names[i] = argc > 0 ? argv[i] : "stdin";
		if (argc == 0 || strcmp(argv[i], "-") == 0)
			fds[i] = STDIN_FILENO;
		else if ((fds[i] = open(argv[i], O_RDONLY | O_CLOEXEC)) < 0)
			err(SK_EXIT_DATA, "%s", argv[i]);
	}
	union_open_fds(u, n, fds, names);
	free(fds);
	free(names);
}

void
union_open_fds(struct sunion *u, size_t n, const int *fds,
    const char *const *names)
{
	size_t i;

	u->n = n;
	u->in = ecalloc(n + 1, sizeof(*u->in));
	for (i = 0; i < n; i++) {
		struct input *in = &u->in[i];

		in->name = names[i];
		ib_init(&in->ib, fds[i], in->name);
		sr_init(&in->sr, &in->ib, in->name);
		in->open = batch_new();
	}
}

void
union_run(struct sunion *u)
{
	struct pollfd *pfd;
	size_t i, live;
	int more;

	pfd = ecalloc(u->n, sizeof(*pfd));
	for (;;) {
		for (i = 0, live = 0; i < u->n; i++) {
			pfd[i].fd = u->in[i].done ? -1 : u->in[i].ib.fd;
			pfd[i].events = POLLIN;
			live += !u->in[i].done;
		}
		if (live == 0)
			break;
		if (poll(pfd, u->n, -1) < 0) {
			if (errno == EINTR)
				continue;
			err(SK_EXIT_DATA, "poll");
		}
		for (i = 0; i < u->n; i++) {
			struct input *in = &u->in[i];

			if (in->done || pfd[i].revents == 0)
				continue;
			more = ib_fill(&in->ib) != 0;
			take_lines(u, in);
			if (!more || in->sr.end.eos) {
				publish_ready(u);	/* what it completed */
				finish_input(u, in);
				if (u->broken != NULL)
					goto out;	/* and nothing more */
			}
		}
		publish_ready(u);
	}
	publish_ready(u);
out:
	free(pfd);
}

const char *
union_json_time_key(const struct sunion *u)
{
	const struct shape **sh = ecalloc(u->n, sizeof(*sh));
	const char *key;
	size_t i;

	for (i = 0; i < u->n; i++)
		sh[i] = &u->in[i].sh;
	key = fmt_json_time_key(sh, u->n);
	free(sh);
	return key;
}

void
union_put_stream(const struct sunion *u, struct obuf *o)
{
	const struct shape *sh = &u->in[0].sh;

	ob_puts(o, "#stream");
	if (sh->keys > 0) {
		ob_puts(o, "\tkeys=");
		ob_putint(o, sh->keys);
	}
	if (sh->top > 0) {
		ob_puts(o, "\ttop=");
		ob_putint(o, sh->top);
	}
	if (sh->sname != NULL) {
		ob_puts(o, "\tname=");
		ob_puts(o, sh->sname);
	}
	if (sh->labels)
		ob_puts(o, "\tlabels=1");
	ob_putc(o, '\n');
	union_put_header(u, o);
}

void
union_put_header(const struct sunion *u, struct obuf *o)
{
	if (u->fields != NULL) {
		ob_puts(o, u->fields);
		ob_putc(o, '\n');
	}
	if (u->types != NULL) {
		ob_puts(o, u->types);
		ob_putc(o, '\n');
	}
	if (u->first_name != NULL) {
		ob_puts(o, "#interval\t");
		ob_putint(o, u->first_interval);
		ob_putc(o, '\n');
	}
}

void
union_put_batch(const struct sunion *u, struct obuf *o, int64_t t,
    struct batch **parts)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (parts[i] != NULL)
			ob_write(o, parts[i]->raw.p, parts[i]->raw.len);
	if (t != NO_TIME)
		union_put_end(u, o, t, parts, 0, 0, NULL);
}

void
union_put_end(const struct sunion *u, struct obuf *o, int64_t t,
    struct batch **parts, int64_t late, int64_t bad, const char *extra)
{
	int64_t n = 0, made = -1;
	char attrs[128], **st;
	struct obuf a;
	int len = 0;
	size_t i;

	for (i = 0; i < u->n; i++) {
		if (parts[i] == NULL)
			continue;
		if (parts[i]->n >= 0 && n >= 0)
			n += parts[i]->n;
		else
			n = -1;
		if (parts[i]->made > made)
			made = parts[i]->made;
		late += parts[i]->late;	/* partitions: each its own */
		bad += parts[i]->bad;
	}
	if (n >= 0)
		len = snprintf(attrs, sizeof(attrs), "n=%lld", (long long)n);
	if (made >= 0)
		len += snprintf(attrs + len, sizeof(attrs) - (size_t)len,
		    "%smade=%lld", len > 0 ? "\t" : "", (long long)made);
	if (late > 0)
		len += snprintf(attrs + len, sizeof(attrs) - (size_t)len,
		    "%slate=%lld", len > 0 ? "\t" : "", (long long)late);
	if (bad > 0)
		len += snprintf(attrs + len, sizeof(attrs) - (size_t)len,
		    "%sbad=%lld", len > 0 ? "\t" : "", (long long)bad);
	st = ecalloc(u->n, sizeof(*st));
	for (i = 0; i < u->n; i++)
		st[i] = parts[i] != NULL ? parts[i]->state : NULL;
	ob_init(&a, -1, "attrs");
	ob_write(&a, attrs, (size_t)len);
	if (a.len > 0)
		ob_putc(&a, '\t');
	state_merge(&a, st, u->n, 1, 1, '\t');
	if (a.len > 0 && a.p[a.len - 1] == '\t')
		a.len--;
	if (extra != NULL && *extra != '\0') {
		if (a.len > 0)
			ob_putc(&a, '\t');
		ob_puts(&a, extra);
	}
	put_end(o, t, a.p, a.len);
	ob_free(&a);
	free(st);
}
