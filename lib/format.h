/*
 * format: how stream-sink writes records (stream-sink(1), --format): tsv as
 * they come, csv with RFC 4180 quoting, json one object a line with values
 * by type (valid UTF-8), spark as Spark's saveAsTextFiles writes tuples and
 * the (NAME,List(...)) lines of a named stream; records as a stream of
 * stream-records(5) again (lib/union and lib/target_file write it).
 */
#ifndef SK_FORMAT_H
#define SK_FORMAT_H

#include <stdint.h>

#include "buf.h"
#include "rec.h"

#define NO_TIME INT64_MIN	/* the one batch of a stream with no #end */

enum format { F_TSV, F_CSV, F_JSON, F_SPARK, F_TABLE, F_RECORDS };

/* What a stream's #stream and #fields lines say of its records. */
struct shape {
	char		*sname;		/* name=, or NULL */
	long		 top, keys;	/* top=, keys= */
	int		 labels;	/* labels=1: rows named by a label */
	struct schema	 sc;
};

/* The format named name, or -1. */
int	fmt_by_name(const char *name);
/* Writes one record (line, split into r unless tsv), the nrec'th of its
 * batch so far. */
void	fmt_record(struct obuf *, enum format, const struct shape *,
	    struct rec *r, char *line, size_t len, uint64_t nrec);
/* Ends a batch of nrec records (spark's one line of a --top stream). */
void	fmt_batch_end(struct obuf *, enum format, const struct shape *,
	    uint64_t nrec);
/* Before a batch's parts on a stream of batches (standard output,
 * --append): the table format's "Batch: T" banner, as Spark's console
 * sink prints it; nothing for the others. */
void	fmt_batch_head(struct obuf *, enum format, int64_t t);
/* Each line of body prefixed with batch time t (unless NO_TIME): a
 * column, or for json the member key; a table as it is. */
void	fmt_timed(struct obuf *, enum format, int64_t t, const struct obuf *body,
	    const char *key);
/* s (n bytes) as a JSON string: valid UTF-8 (U+FFFD for a byte that is
 * not), control characters escaped. */
void	fmt_json_string(struct obuf *, const char *s, size_t n);
/* The member that holds the batch time: "batch_time" unless a field of
 * one of the inputs has that name, then with as many _ before it as
 * needed. */
const char *fmt_json_time_key(const struct shape *const *, size_t n);

#endif
