/*
 * ht: a hash table of byte-string keys with open addressing (linear probing,
 * deletion by backward shift). Each entry owns a zeroed value of vsize bytes
 * followed by its key's length and a copy of the key, carved together from
 * the table's arena: no allocation per lookup, one per new key only when
 * the arena needs a block. A slot is 16 bytes (hash and value). Pointers to
 * values and keys stay valid until ht_clear or ht_free.
 */
#ifndef SK_HT_H
#define SK_HT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct arena {
	struct arena_block	*head;
	size_t			 used, total;
};

void	*arena_alloc(struct arena *, size_t);
void	 arena_reset(struct arena *);	/* keeps the first block */
void	 arena_free(struct arena *);

struct ht_ent {
	uint64_t	 hash;		/* 0: empty slot */
	void		*val;		/* then a uint32_t key length, the key */
};

struct ht {
	struct ht_ent	*slots;
	size_t		 cap, n, vsize;
	size_t		 live;		/* arena bytes of the entries held */
	struct arena	 arena;
};

uint64_t ht_hash(const void *, size_t);
void	ht_init(struct ht *, size_t vsize);
/* The value of key, created (zeroed) if absent; *created says which. */
void	*ht_get(struct ht *, const void *key, size_t klen, int *created);
void	*ht_find(const struct ht *, const void *key, size_t klen);
/* The key stored with a value of the table, and its length. */
static inline const char *
ht_key(const struct ht *t, const void *val, size_t *klen)
{
	const char *p = (const char *)val + t->vsize;
	uint32_t n;

	memcpy(&n, p, sizeof(n));
	*klen = n;
	return p + sizeof(n);
}

/* The values in slot order: for (i = 0; (v = ht_next(t, &i)) != NULL;).
 * The table must not change while it is walked. */
static inline void *
ht_next(const struct ht *t, size_t *i)
{
	while (*i < t->cap)
		if (t->slots[(*i)++].hash != 0)
			return t->slots[*i - 1].val;
	return NULL;
}

/* Removes key; the arena keeps its bytes until ht_clear. */
int	 ht_del(struct ht *, const void *key, size_t klen);
void	 ht_clear(struct ht *);
/* When removed entries hold most of the arena (a table whose keys come
 * and go: a join's, a deduplication's), moves the live ones to a new
 * arena and slot array sized for them, so memory follows the keys held;
 * returns 1 if it did. Values move: no pointer to one survives it. */
int	 ht_compact(struct ht *);
void	 ht_free(struct ht *);

#endif
