/*
 * textin: the lines stream-parse reads, from text or a record stream.
 * See textin.h.
 */
#include <err.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pos.h"
#include "stream.h"
#include "textin.h"
#include "util.h"

/* One input as it is read. */
struct input {
	struct textin	*t;
	struct ibuf	 ib;
	struct sreader	 sr;
	int		 records;	/* a record stream */
	struct schema	 sc;		/* its fields */
	long		 col;		/* the one with the text */
	struct rec	 r;
	struct pos	 at;		/* the user's file and line (#at) */
	uint64_t	 lines;		/* its data lines so far */
	uint64_t	 long_seen;	/* lines too long, skipped by ib */
};

/* Lines too long that ib skipped (and reported) since the last look:
 * rejected lines, that count in the line numbers after them. */
static void
skipped_lines(struct input *in)
{
	for (; in->long_seen < in->ib.long_lines; in->long_seen++) {
		in->lines++;
		if (in->at.line > 0)
			in->at.line++;
		reject_count(in->t->rej);
	}
}

/*
 * A line of a record stream: 1 if it holds a text line to parse (then in
 * *s, *n; *scanned cleared if it is not the line as the scanner cut it),
 * 0 if it was a control line, handled.
 */
static int
record_line(struct input *in, char **s, size_t *n, unsigned seen,
    int *scanned)
{
	struct textin *t = in->t;
	struct item it;
	enum ctl c = sr_item(&in->sr, *s, *n, &it);

	switch (c) {
	case CTL_DATA:
		/* one field, nothing escaped: the raw line, cut */
		if (in->col == 0 && (seen & t->csv->att_raw) == 0 &&
		    (t->csv->sep != '\t' || t->csv->fields.n == 1))
			return 1;
		*scanned = 0;
		rec_split(&in->r, *s, *n);
		if ((size_t)in->col >= in->r.n)
			return 0;
		*s = in->r.f[in->col].p;
		*n = in->r.f[in->col].n;
		return 1;
	case CTL_FIELDS:	/* the field with the text */
		schema_parse(&in->sc, *s, *n);
		if ((in->col = schema_find(&in->sc, "line")) < 0)
			in->col = 0;
		return 0;
	case CTL_STREAM:	/* ours is written */
	case CTL_TYPES:		/* of the raw text: ours too */
	case CTL_EOS:		/* written after every input */
		return 0;
	case CTL_AT:		/* the user's file and line */
		if (pos_take(&in->at, in->ib.name, in->ib.lineno, *s, *n) == 0)
			t->id++;
		return 0;
	default:
		t->control(t->arg, *s, *n, c);
		return 0;
	}
}

int
textin_read(struct textin *t, int fd, const char *src)
{
	struct input in;
	char *s;
	size_t n;
	int first = 1, skip = t->header, broken, scanned;
	unsigned seen;

	memset(&in, 0, sizeof(in));
	in.t = t;
	t->id++;		/* a new input: its own lines, or its #at's */
	ib_init(&in.ib, fd, src ? src : "stdin");
	in.ib.flush = t->flush;
	sr_init(&in.sr, &in.ib, in.ib.name);
	while (!in.sr.end.eos && csv_getline(t->csv, &in.ib, &s, &n, &seen)) {
		if (first && rec_stream_start(s, n))
			in.records = 1;	/* a record stream: parse one field */
		first = 0;
		scanned = 1;
		if (in.records && !record_line(&in, &s, &n, seen, &scanned))
			continue;
		in.sr.end.lines = 1;
		skipped_lines(&in);
		in.lines++;
		if (skip) {
			skip = 0;
			continue;
		}
		if (in.at.line > 0)	/* where the source read it */
			t->line(t->arg, in.at.file, in.at.line++, s, n, scanned,
			    seen);
		else
			t->line(t->arg, src, in.lines, s, n, scanned, seen);
	}
	skipped_lines(&in);
	broken = sr_finish(&in.sr, NULL);
	ib_free(&in.ib);
	rec_free(&in.r);
	pos_free(&in.at);
	schema_free(&in.sc);
	return broken < 0 ? -1 : 0;
}

int
textin_operands(struct textin *t, char *const argv[])
{
	int fd, status = SK_EXIT_OK;

	if (*argv == NULL && textin_read(t, STDIN_FILENO, NULL) < 0)
		status = SK_EXIT_DATA;
	for (; *argv != NULL; argv++) {
		if (strcmp(*argv, "-") == 0) {
			if (textin_read(t, STDIN_FILENO, NULL) < 0)
				status = SK_EXIT_DATA;
			continue;
		}
		if ((fd = open(*argv, O_RDONLY)) < 0) {
			warn("%s", *argv);
			status = SK_EXIT_DATA;
			continue;
		}
		if (textin_read(t, fd, *argv) < 0)
			status = SK_EXIT_DATA;
		close(fd);
	}
	return status;
}
