/*
 * join_table: stream-join's --table, a file of records (stream-records(5))
 * joined with every batch of the stream: the stream-static join. The
 * file is read again when it changes (another inode, size or time), but
 * only between batches, so a batch is joined with one table whole; a new
 * table that cannot be read, or whose #fields changed, is said once and
 * the old one kept.
 */
#ifndef SK_JOIN_TABLE_H
#define SK_JOIN_TABLE_H

#include <sys/stat.h>

#include "join.h"

struct jtable {
	const char	*path;
	struct schema	 sc;
	struct jrows	 rows;
	struct obuf	 text;		/* its data lines */
	struct ht	 idx;		/* its keys: struct jkey */
	struct stat	 st;		/* of the file read */
	int		 loaded, indexed, warned;
	uint64_t	 loads;
};

/* Reads the table at the start: dies if it cannot (exit 1). */
void	jtable_open(struct jtable *, const char *path);
/* Before a batch: reads the file again if it changed; indexes the rows
 * for j (its schema made) if they are new. Returns 1 on a new table. */
int	jtable_refresh(struct jtable *, struct join *);
void	jtable_free(struct jtable *);

#endif
