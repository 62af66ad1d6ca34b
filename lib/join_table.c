/* join_table: --table, read again when it changes; see join_table.h. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "join_table.h"
#include "util.h"

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int
same_schema(const struct schema *a, const struct schema *b)
{
	size_t i;

	if (a->n != b->n || (a->types == NULL) != (b->types == NULL))
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->names[i], b->names[i]) != 0 ||
		    (a->types != NULL && a->types[i] != b->types[i]))
			return 0;
	return 1;
}

/*
 * Reads path whole into text (its data lines) and sc: NULL, or why not
 * (errno's text, or what is wrong with it). A file that changes while it
 * is read is read again.
 */
static const char *
read_table(const char *path, struct obuf *text, struct schema *sc,
    struct stat *st)
{
	struct ibuf ib;
	struct stat after;
	char *s;
	size_t n;
	int fd, tries, fields;

	for (tries = 0; tries < 5; tries++) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return strerror(errno);
		if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
			close(fd);
			return "not a regular file";
		}
		ob_reset(text);
		schema_free(sc);
		fields = 0;
		ib_init(&ib, fd, path);
		for (;;) {
			enum ctl c;

			if (!ib_getline(&ib, &s, &n)) {
				if (ib.eof)
					break;
				continue;	/* a signal: read on */
			}
			c = rec_ctl(s, n);
			if (c == CTL_DATA) {
				ob_write(text, s, n);
				ob_putc(text, '\n');
			} else if (c == CTL_FIELDS && !fields) {
				schema_parse(sc, s, n);
				fields = 1;
			} else if (c == CTL_TYPES)
				(void)schema_types(sc, s, n);
		}
		ib_free(&ib);
		if (fstat(fd, &after) < 0)
			after = *st;
		close(fd);
		if (!same_file(st, &after))
			continue;
		if (!fields)
			return "no #fields line: a table is a file of records "
			    "(stream-records(5))";
		return NULL;
	}
	return "it kept changing while it was read";
}

void
jtable_open(struct jtable *jt, const char *path)
{
	const char *why;

	memset(jt, 0, sizeof(*jt));
	jt->path = path;
	ob_init(&jt->text, -1, "table");
	ht_init(&jt->idx, sizeof(struct jkey));
	if ((why = read_table(path, &jt->text, &jt->sc, &jt->st)) != NULL)
		errx(SK_EXIT_DATA, "%s: %s", path, why);
	jt->loaded = 1;
	jt->loads = 1;
}

int
jtable_refresh(struct jtable *jt, struct join *j)
{
	struct stat st;
	struct schema sc = { 0 };
	struct obuf text;
	const char *why;
	int fresh = !jt->indexed;

	if (stat(jt->path, &st) == 0 && !same_file(&st, &jt->st)) {
		ob_init(&text, -1, "table");
		why = read_table(jt->path, &text, &sc, &st);
		if (why == NULL && !same_schema(&sc, &jt->sc))
			why = "its #fields changed";
		if (why == NULL) {
			ob_free(&jt->text);
			jt->text = text;
			jt->st = st;
			jt->loads++;
			jt->warned = 0;
			fresh = 1;
		} else {
			if (!jt->warned)
				warnx("%s: %s: the table read before is kept",
				    jt->path, why);
			jt->warned = 1;
			ob_free(&text);
		}
		schema_free(&sc);
	}
	if (!fresh)
		return 0;
	jt->rows.nf = jt->sc.n;
	jt->rows.name = jt->path;
	join_cut(j, &jt->rows, 1, jt->text.p, jt->text.len, 0);
	ht_clear(&jt->idx);
	join_index(j, &jt->idx, &jt->rows, 1);
	jt->indexed = 1;
	return 1;
}

void
jtable_free(struct jtable *jt)
{
	schema_free(&jt->sc);
	free(jt->rows.f);
	free(jt->rows.row);
	ob_free(&jt->text);
	ht_free(&jt->idx);
}
