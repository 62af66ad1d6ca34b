#include <stdlib.h>
#include <string.h>

#include "ht.h"
#include "util.h"

struct arena_block {
	struct arena_block	*next;
	size_t			 cap;
	max_align_t		 data[];
};

#define ARENA_BLOCK (1024 * 1024)

/* What arena_alloc takes for n bytes. */
static size_t
arena_size(size_t n)
{
	return (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	void *p;

	n = arena_size(n);
	if (b == NULL || b->cap - a->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;

		b = emalloc(sizeof(*b) + cap);
		b->cap = cap;
		b->next = a->head;
		a->head = b;
		a->used = 0;
		a->total += cap;
	}
	p = (char *)b->data + a->used;
	a->used += n;
	return p;
}

void
arena_reset(struct arena *a)
{
	struct arena_block *b, *next;

	if (a->head == NULL)
		return;
	for (b = a->head->next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head->next = NULL;
	a->total = a->head->cap;
	a->used = 0;
}

void
arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
	a->total = 0;
}

/* A multiply-xorshift hash over 8-byte words: fast on short keys. */
uint64_t
ht_hash(const void *key, size_t n)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL), w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	if (n > 0) {	/* 1..7 bytes, read without a call or a loop */
		if (n >= 4) {
			uint32_t a, b;

			memcpy(&a, p, 4);
			memcpy(&b, p + n - 4, 4);
			w = (uint64_t)a << 32 | b;
		} else
			w = (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 |
			    p[n - 1];
		h = (h ^ w) * 0x94d049bb133111ebULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h | 1;	/* never 0: 0 marks an empty slot */
}

void
ht_init(struct ht *t, size_t vsize)
{
	memset(t, 0, sizeof(*t));
	t->vsize = vsize;
	t->cap = 64;
	t->slots = ecalloc(t->cap, sizeof(*t->slots));
}

/* The home slot of a hash: its low bit is always set (0 marks an empty
 * slot), so the index comes from the bits above it. */
static inline size_t
home(const struct ht *t, uint64_t h)
{
	return (size_t)(h >> 1) & (t->cap - 1);
}

static void
grow(struct ht *t)
{
	struct ht_ent *old = t->slots;
	size_t i, oldcap = t->cap;

	t->cap *= 2;
	t->slots = ecalloc(t->cap, sizeof(*t->slots));
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].hash == 0)
			continue;
		for (j = home(t, old[i].hash); t->slots[j].hash != 0;
		    j = (j + 1) & (t->cap - 1))
			;
		t->slots[j] = old[i];
	}
	free(old);
}

static size_t
probe(const struct ht *t, uint64_t h, const void *key, size_t klen)
{
	size_t j = home(t, h), n;
	const char *k;

	for (; t->slots[j].hash != 0; j = (j + 1) & (t->cap - 1)) {
		if (t->slots[j].hash != h)
			continue;
		k = ht_key(t, t->slots[j].val, &n);
		if (n == klen && bytes_equal(k, key, klen))
			break;
	}
	return j;
}

void *
ht_get(struct ht *t, const void *key, size_t klen, int *created)
{
	uint64_t h = ht_hash(key, klen);
	size_t j = probe(t, h, key, klen);
	struct ht_ent *e = &t->slots[j];

	if (e->hash != 0) {
		*created = 0;
		return e->val;
	}
	if ((t->n + 1) * 2 > t->cap) {	/* load factor 1/2: short probes */
		grow(t);
		e = &t->slots[probe(t, h, key, klen)];
	}
	{
		uint32_t n = (uint32_t)klen;

		e->hash = h;
		e->val = arena_alloc(&t->arena, t->vsize + sizeof(n) + klen);
		t->live += arena_size(t->vsize + sizeof(n) + klen);
		memset(e->val, 0, t->vsize);
		memcpy((char *)e->val + t->vsize, &n, sizeof(n));
		memcpy((char *)e->val + t->vsize + sizeof(n), key, klen);
	}
	t->n++;
	*created = 1;
	return e->val;
}

void *
ht_find(const struct ht *t, const void *key, size_t klen)
{
	const struct ht_ent *e = &t->slots[probe(t, ht_hash(key, klen), key,
	    klen)];

	return e->hash != 0 ? e->val : NULL;
}

int
ht_del(struct ht *t, const void *key, size_t klen)
{
	size_t i = probe(t, ht_hash(key, klen), key, klen), j, k;
	size_t mask = t->cap - 1;

	if (t->slots[i].hash == 0)
		return 0;
	t->live -= arena_size(t->vsize + sizeof(uint32_t) + klen);
	/* backward shift: move later entries of the run into the hole */
	for (j = i;;) {
		j = (j + 1) & mask;
		if (t->slots[j].hash == 0)
			break;
		k = home(t, t->slots[j].hash);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->n--;
	return 1;
}

void
ht_clear(struct ht *t)
{
	memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->n = 0;
	t->live = 0;
	arena_reset(&t->arena);
}

int
ht_compact(struct ht *t)
{
	struct ht nt;
	size_t i, klen;
	void *v, *nv;
	const char *k;
	int created;

	if (t->arena.total <= ARENA_BLOCK || t->arena.total < 4 * t->live)
		return 0;
	ht_init(&nt, t->vsize);
	for (i = 0; (v = ht_next(t, &i)) != NULL;) {
		k = ht_key(t, v, &klen);
		nv = ht_get(&nt, k, klen, &created);
		memcpy(nv, v, t->vsize);
	}
	ht_free(t);
	*t = nt;
	return 1;
}

void
ht_free(struct ht *t)
{
	free(t->slots);
	t->slots = NULL;
	arena_free(&t->arena);
}
