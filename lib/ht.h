/*
 * ht: a hash table of byte-string keys with open addressing (linear probing,
 * deletion by backward shift). Each entry owns a copy of its key and a
 * zeroed value of vsize bytes, both carved from the table's arena: no
 * allocation per lookup, one per new key only when the arena needs a block.
 * Pointers to keys and values stay valid until ht_clear or ht_free.
 */
#ifndef SK_HT_H
#define SK_HT_H

#include <stddef.h>
#include <stdint.h>

struct arena {
	struct arena_block	*head;
	size_t			 used, total;
};

void	*arena_alloc(struct arena *, size_t);
void	 arena_reset(struct arena *);	/* keeps the first block */
void	 arena_free(struct arena *);

struct ht_ent {
	uint64_t	 hash;		/* 0: empty slot */
	char		*key;
	uint32_t	 klen;
	void		*val;
};

struct ht {
	struct ht_ent	*slots;
	size_t		 cap, n, vsize;
	struct arena	 arena;
};

uint64_t ht_hash(const void *, size_t);
void	ht_init(struct ht *, size_t vsize);
/* The value of key, created (zeroed) if absent; *created says which. */
void	*ht_get(struct ht *, const void *key, size_t klen, int *created);
void	*ht_find(const struct ht *, const void *key, size_t klen);
/* Removes key; the arena keeps its bytes until ht_clear. */
int	 ht_del(struct ht *, const void *key, size_t klen);
void	 ht_clear(struct ht *);
void	 ht_free(struct ht *);

#endif
