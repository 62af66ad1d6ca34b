/* target_sqlite: --sqlite, a result table to query; see target.h. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "target.h"
#include "util.h"

#define COMMITS "streamkit_commits"

static const char *const mode_names[] = { "append", "update", "complete" };

int
target_sqlite_mode(const char *name)
{
	size_t i;

	for (i = 0; i < SK_NELEM(mode_names); i++)
		if (strcmp(name, mode_names[i]) == 0)
			return (int)i;
	return -1;
}

static void __attribute__((noreturn))
db_fail(const struct target_sqlite *q, const char *what)
{
	errx(SK_EXIT_DATA, "%s: %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

static void
db_exec(const struct target_sqlite *q, const char *sql)
{
	if (sqlite3_exec(q->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		db_fail(q, sql);
}

static sqlite3_stmt *
db_prepare(const struct target_sqlite *q, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		db_fail(q, sql);
	return st;
}

/* Runs a prepared statement that returns no row, and resets it. */
static void
db_step(const struct target_sqlite *q, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		db_fail(q, sqlite3_sql(st));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* An SQL identifier: name in double quotes, its quotes doubled. */
static void
put_ident(struct obuf *o, const char *name)
{
	ob_putc(o, '"');
	for (; *name != '\0'; name++) {
		if (*name == '"')
			ob_putc(o, '"');
		ob_putc(o, *name);
	}
	ob_putc(o, '"');
}

/* The finished text of o, NUL-terminated, for SQLite. */
static const char *
sql_of(struct obuf *o)
{
	ob_putc(o, '\0');
	return o->p;
}

/* A record type's column type (see stream-sink(1), --sqlite). */
static const char *
sql_type(enum coltype t)
{
	switch (t) {
	case CT_INT:
		return "INTEGER";
	case CT_NUM:
		return "NUMERIC";
	case CT_STR:
	case CT_TIME:
		return "TEXT";
	default:
		return "";
	}
}

/*
 * The columns the stream's fields make: the batch time first, then each
 * field but `removed` in update mode, "name TYPE" each, comma-separated;
 * what a table already there must have too.
 */
static void
put_columns(struct tsq_table *tb, struct obuf *o)
{
	const struct schema *sc = tb->sc;
	size_t i;

	put_ident(o, tb->time_col);
	ob_puts(o, " INTEGER");
	for (i = 0; i < sc->n; i++) {
		const char *ty = sql_type(coltype_of(sc, i));

		if ((long)i == tb->removed)
			continue;
		ob_puts(o, ", ");
		put_ident(o, sc->names[i]);
		if (*ty != '\0') {
			ob_putc(o, ' ');
			ob_puts(o, ty);
		}
	}
}

/* The columns of an existing table, as put_columns writes them; 0 if the
 * table does not exist. */
static int
existing_columns(const struct target_sqlite *q, const char *table,
    struct obuf *o)
{
	struct obuf sql;
	sqlite3_stmt *st;
	int n = 0, rc;

	ob_init(&sql, -1, "sql");
	ob_puts(&sql, "SELECT name, type FROM pragma_table_info(");
	ob_putc(&sql, '\'');
	for (; *table != '\0'; table++) {
		if (*table == '\'')
			ob_putc(&sql, '\'');
		ob_putc(&sql, *table);
	}
	ob_puts(&sql, "') ORDER BY cid");
	st = db_prepare(q, sql_of(&sql));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ty = (const char *)sqlite3_column_text(st, 1);

		if (n++ > 0)
			ob_puts(o, ", ");
		put_ident(o, (const char *)sqlite3_column_text(st, 0));
		if (ty != NULL && *ty != '\0') {
			ob_putc(o, ' ');
			ob_puts(o, ty);
		}
	}
	if (rc != SQLITE_DONE)
		db_fail(q, "table_info");
	sqlite3_finalize(st);
	ob_free(&sql);
	return n > 0;
}

/* The key fields of update mode: --key, or the first keys= fields the
 * stream declares. */
static void
find_keys(struct target_sqlite *q, struct tsq_table *tb, long declared)
{
	const struct schema *sc = tb->sc;
	char *list, *name, *p;
	long i;

	tb->nkeys = 0;
	tb->keys = ecalloc(sc->n + 1, sizeof(*tb->keys));
	if (q->keys == NULL) {
		if (declared <= 0)
			errx(SK_EXIT_DATA, "%s: table %s: --mode update needs "
			    "key fields: --key, or a stream that declares them "
			    "(#stream keys=)", q->path, tb->name);
		for (i = 0; i < declared && i < (long)sc->n; i++)
			tb->keys[tb->nkeys++] = i;
		return;
	}
	list = estrdup(q->keys);
	for (p = list; (name = strsep(&p, ",")) != NULL;) {
		if ((i = schema_find(sc, name)) < 0)
			errx(SK_EXIT_DATA, "%s: table %s: --key %s: not a field "
			    "of the stream", q->path, tb->name, name);
		tb->keys[tb->nkeys++] = i;
	}
	free(list);
}

/* The key columns, each followed by after (may be ""), joined by sep. */
static void
put_keys(struct obuf *o, const struct tsq_table *tb, const char *after,
    const char *sep)
{
	size_t k;

	for (k = 0; k < tb->nkeys; k++) {
		if (k > 0)
			ob_puts(o, sep);
		put_ident(o, tb->sc->names[tb->keys[k]]);
		ob_puts(o, after);
	}
}

/* The statements of a table whose columns are right. */
static void
prepare_statements(struct target_sqlite *q, struct tsq_table *tb)
{
	const struct schema *sc = tb->sc;
	struct obuf o;
	size_t i;

	ob_init(&o, -1, "sql");
	ob_puts(&o, "INSERT INTO ");
	put_ident(&o, tb->name);
	ob_puts(&o, " VALUES (?");
	for (i = 0; i < sc->n; i++)
		if ((long)i != tb->removed)
			ob_puts(&o, ", ?");
	ob_putc(&o, ')');
	if (q->mode == TSQ_UPDATE) {
		ob_puts(&o, " ON CONFLICT (");
		put_keys(&o, tb, "", ", ");
		ob_puts(&o, ") DO UPDATE SET ");
		put_ident(&o, tb->time_col);
		ob_puts(&o, " = excluded.");
		put_ident(&o, tb->time_col);
		for (i = 0; i < sc->n; i++) {
			if ((long)i == tb->removed)
				continue;
			ob_puts(&o, ", ");
			put_ident(&o, sc->names[i]);
			ob_puts(&o, " = excluded.");
			put_ident(&o, sc->names[i]);
		}
	}
	tb->insert = db_prepare(q, sql_of(&o));
	ob_reset(&o);
	ob_puts(&o, "DELETE FROM ");
	put_ident(&o, tb->name);
	if (q->mode == TSQ_UPDATE) {
		ob_puts(&o, " WHERE ");
		put_keys(&o, tb, " IS ?", " AND ");
	}
	tb->remove = db_prepare(q, sql_of(&o));
	ob_free(&o);
}

/* Input i's table, made or checked against the stream's fields at its
 * first batch. */
static void
open_table(struct target_sqlite *q, struct tsq_table *tb, size_t i)
{
	const struct input *in = &q->t.u->in[i];
	struct obuf want, have, sql;

	tb->sc = &in->sh.sc;
	tb->time_col = union_json_time_key(q->t.u);
	tb->removed = q->mode == TSQ_UPDATE ?
	    schema_find(tb->sc, "removed") : -1;
	if (q->mode == TSQ_UPDATE)
		find_keys(q, tb, in->sh.keys);
	ob_init(&want, -1, "sql");
	ob_init(&have, -1, "sql");
	ob_init(&sql, -1, "sql");
	put_columns(tb, &want);
	if (existing_columns(q, tb->name, &have)) {
		if (have.len != want.len || memcmp(have.p, want.p, have.len))
			errx(SK_EXIT_DATA, "%s: table %s has the columns (%.*s), "
			    "the stream (%.*s): a changed schema; give another "
			    "--table, or drop the table", q->path, tb->name,
			    (int)have.len, have.p, (int)want.len, want.p);
	} else {
		ob_puts(&sql, "CREATE TABLE ");
		put_ident(&sql, tb->name);
		ob_puts(&sql, " (");
		ob_write(&sql, want.p, want.len);
		ob_putc(&sql, ')');
		db_exec(q, sql_of(&sql));
	}
	if (q->mode == TSQ_UPDATE) {
		ob_reset(&sql);
		ob_puts(&sql, "CREATE UNIQUE INDEX IF NOT EXISTS ");
		ob_reset(&have);	/* now the index's name */
		ob_puts(&have, "streamkit_key_");
		ob_puts(&have, tb->name);
		put_ident(&sql, sql_of(&have));
		ob_puts(&sql, " ON ");
		put_ident(&sql, tb->name);
		ob_puts(&sql, " (");
		put_keys(&sql, tb, "", ", ");
		ob_putc(&sql, ')');
		db_exec(q, sql_of(&sql));
	}
	prepare_statements(q, tb);
	tb->open = 1;
	ob_free(&want);
	ob_free(&have);
	ob_free(&sql);
}

/* Binds field f (n bytes) of type ty as parameter p: empty is NULL for a
 * number, a number is bound as text that the column's type converts. */
static void
bind_field(const struct target_sqlite *q, sqlite3_stmt *st, int p,
    enum coltype ty, const char *f, size_t n)
{
	int rc;

	if (n == 0 && (ty == CT_INT || ty == CT_NUM))
		rc = sqlite3_bind_null(st, p);
	else
		rc = sqlite3_bind_text(st, p, f, (int)n, SQLITE_TRANSIENT);
	if (rc != SQLITE_OK)
		db_fail(q, "bind");
}

/* One record of the table's input: inserted, upserted or deleted. */
static void
put_record(struct target_sqlite *q, struct tsq_table *tb, int64_t t,
    char *line, size_t len)
{
	const struct schema *sc = tb->sc;
	struct rec *r = &q->r;
	int p = 1;
	size_t i, k;

	rec_split(r, line, len);
	if (tb->removed >= 0 && (size_t)tb->removed < r->n &&
	    r->f[tb->removed].n == 1 && r->f[tb->removed].p[0] == '1') {
		for (k = 0; k < tb->nkeys; k++) {
			size_t f = (size_t)tb->keys[k];

			bind_field(q, tb->remove, (int)k + 1,
			    coltype_of(sc, f), f < r->n ? r->f[f].p : "",
			    f < r->n ? r->f[f].n : 0);
		}
		db_step(q, tb->remove);
		return;
	}
	if (t == NO_TIME)
		sqlite3_bind_null(tb->insert, p++);
	else
		sqlite3_bind_int64(tb->insert, p++, t);
	for (i = 0; i < sc->n; i++) {
		if ((long)i == tb->removed)
			continue;
		bind_field(q, tb->insert, p++, coltype_of(sc, i),
		    i < r->n ? r->f[i].p : "", i < r->n ? r->f[i].n : 0);
	}
	db_step(q, tb->insert);
}

static void
sqlite_publish(struct target *tg, int64_t t, struct batch **parts)
{
	struct target_sqlite *q = (struct target_sqlite *)tg;
	char *s, *e, *nl;
	size_t i;

	if (tg->durable && t != NO_TIME && q->committed != NO_TIME &&
	    t <= q->committed)
		return;		/* in the database before a restart */
	db_exec(q, "BEGIN IMMEDIATE");
	for (i = 0; i < tg->u->n; i++) {
		struct tsq_table *tb = &q->tables[i];

		if (parts[i] == NULL)
			continue;	/* no batch t in this input */
		if (!tb->open)
			open_table(q, tb, i);
		if (q->mode == TSQ_COMPLETE)
			db_step(q, tb->remove);
		s = parts[i]->raw.p;
		e = s + parts[i]->raw.len;
		for (; s < e; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(e - s));
			put_record(q, tb, t, s, (size_t)(nl - s));
		}
	}
	for (i = 0; i < tg->u->n; i++) {
		if (t == NO_TIME)
			sqlite3_bind_null(q->commit, 2);
		else
			sqlite3_bind_int64(q->commit, 2, t);
		if (sqlite3_bind_text(q->commit, 1, q->tables[i].name, -1,
		    SQLITE_STATIC) != SQLITE_OK)
			db_fail(q, "bind");
		db_step(q, q->commit);
	}
	db_exec(q, "COMMIT");
	q->committed = t;
}

static void
sqlite_close(struct target *tg)
{
	struct target_sqlite *q = (struct target_sqlite *)tg;
	size_t i;

	for (i = 0; i < tg->u->n; i++) {
		sqlite3_finalize(q->tables[i].insert);
		sqlite3_finalize(q->tables[i].remove);
		free(q->tables[i].keys);
		free(q->tables[i].name);
	}
	sqlite3_finalize(q->commit);
	if (sqlite3_close(q->db) != SQLITE_OK)
		db_fail(q, "close");
	free(q->tables);
	rec_free(&q->r);
}

static const struct target_ops sqlite_ops = {
	sqlite_publish, target_no_mark, sqlite_close
};

/* The batch committed to every table of ours, or NO_TIME. */
static int64_t
db_committed(struct target_sqlite *q)
{
	sqlite3_stmt *st = db_prepare(q, "SELECT batch_time FROM " COMMITS
	    " WHERE tbl = ?");
	int64_t c = NO_TIME;
	size_t i;

	for (i = 0; i < q->t.u->n; i++) {
		if (sqlite3_bind_text(st, 1, q->tables[i].name, -1,
		    SQLITE_STATIC) != SQLITE_OK)
			db_fail(q, "bind");
		if (sqlite3_step(st) != SQLITE_ROW ||
		    sqlite3_column_type(st, 0) == SQLITE_NULL) {
			c = NO_TIME;	/* a table not yet committed */
			break;
		}
		if (i == 0 || sqlite3_column_int64(st, 0) < c)
			c = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return c;
}

const char *
target_sqlite_open(struct target_sqlite *q, const char *path,
    const char *tables, enum tsq_mode mode, const char *keys)
{
	size_t n = q->t.u->n, i;
	char *list, *p, *name;

	q->t.ops = &sqlite_ops;
	q->path = path;
	q->mode = mode;
	q->keys = keys;
	q->tables = ecalloc(n + 1, sizeof(*q->tables));
	list = estrdup(tables);
	for (i = 0, p = list; (name = strsep(&p, ",")) != NULL; i++) {
		if (i == n)
			break;
		if (*name == '\0' || strncmp(name, "streamkit_", 10) == 0) {
			free(list);
			return "a table name empty or starting streamkit_";
		}
		q->tables[i].name = estrdup(name);
	}
	free(list);
	if (i != n || name != NULL)
		return "not one table name for each input";
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		db_fail(q, "open");
	sqlite3_busy_timeout(q->db, 10000);	/* another writer */
	db_exec(q, "PRAGMA journal_mode = WAL");
	db_exec(q, q->t.durable ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL");
	db_exec(q, "CREATE TABLE IF NOT EXISTS " COMMITS " (tbl TEXT PRIMARY "
	    "KEY, batch_time INTEGER)");
	q->commit = db_prepare(q, "INSERT INTO " COMMITS " VALUES (?, ?) "
	    "ON CONFLICT (tbl) DO UPDATE SET batch_time = excluded.batch_time");
	q->committed = db_committed(q);
	return NULL;
}
