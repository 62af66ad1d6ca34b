#include <stdint.h>
#include <string.h>

#include "cut.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CUT_X86 1
#endif

/* Ends a field at s[at]; the next starts after it. */
#define EMIT(at) do {							\
	if (k < cap) {							\
		f[k].p = (char *)start;					\
		f[k].n = (size_t)(s + (at) - start);			\
	}								\
	k++;								\
	start = s + (at) + 1;						\
} while (0)

static size_t
cut_bytes(const struct cutter *c, const char *s, size_t n, struct slice *f,
    size_t cap, unsigned *seen)
{
	const char *start = s;
	size_t i, k = 0;
	unsigned sn = 0;

	for (i = 0; i < n; i++) {
		char b = s[i];

		if (b == c->sep)
			EMIT(i);
		else if (b == c->att[0] || b == c->att[1] || b == c->att[2] ||
		    b == c->att[3])
			sn |= (b == c->att[0]) | (b == c->att[1]) << 1 |
			    (b == c->att[2]) << 2 | (b == c->att[3]) << 3;
	}
	EMIT(n);
	*seen = sn & ((1u << c->natt) - 1);
	return k;
}

#ifdef CUT_X86
/*
 * W bytes at a time: a mask of the separators, walked bit by bit, and the
 * attention bytes ORed together for the end. The last block overlaps the
 * one before it (lines shorter than W go byte by byte), so nothing is read
 * outside the line. NATT is a constant in each copy: a line that watches
 * one byte compares once.
 */
#define CUT_BODY(W, VEC, LOAD, SET1, EQ, OR, MASK, ZERO, NATT) do {	\
	const VEC vs = SET1(c->sep);					\
	const VEC a0 = SET1(c->att[0]), a1 = SET1(c->att[1]);		\
	const VEC a2 = SET1(c->att[2]), a3 = SET1(c->att[3]);		\
	VEC z0 = ZERO(), z1 = z0, z2 = z0, z3 = z0;			\
									\
	for (i = 0; i < n; i += W) {					\
		size_t at = i + W <= n ? i : n - W;			\
		VEC v = LOAD((const VEC *)(s + at));			\
		uint32_t m;						\
									\
		z0 = OR(z0, EQ(v, a0));					\
		if (NATT > 1) {						\
			z1 = OR(z1, EQ(v, a1));				\
			z2 = OR(z2, EQ(v, a2));				\
			z3 = OR(z3, EQ(v, a3));				\
		}							\
		m = (uint32_t)MASK(EQ(v, vs));				\
		m &= ~(uint32_t)0 << (i - at);	/* done already */	\
		while (m != 0) {					\
			EMIT(at + (size_t)__builtin_ctz(m));		\
			m &= m - 1;					\
		}							\
	}								\
	sn = (MASK(z0) != 0);						\
	if (NATT > 1)							\
		sn |= (MASK(z1) != 0) << 1 | (MASK(z2) != 0) << 2 |	\
		    (MASK(z3) != 0) << 3;				\
} while (0)

#define SSE2_ARGS 16, __m128i, _mm_loadu_si128, _mm_set1_epi8,		\
	_mm_cmpeq_epi8, _mm_or_si128, _mm_movemask_epi8, _mm_setzero_si128
#define AVX2_ARGS 32, __m256i, _mm256_loadu_si256, _mm256_set1_epi8,	\
	_mm256_cmpeq_epi8, _mm256_or_si256, _mm256_movemask_epi8,	\
	_mm256_setzero_si256

#define CUT_BODY_(...) CUT_BODY(__VA_ARGS__)
#define CUT_FN(NAME, ATTR, W, ARGS)					\
static ATTR size_t							\
NAME(const struct cutter *c, const char *s, size_t n, struct slice *f,	\
    size_t cap, unsigned *seen)						\
{									\
	const char *start = s;						\
	size_t i, k = 0;						\
	unsigned sn = 0;						\
									\
	if (n < W)							\
		return cut_bytes(c, s, n, f, cap, seen);		\
	if (c->natt <= 1)						\
		CUT_BODY_(ARGS, 1);					\
	else								\
		CUT_BODY_(ARGS, 4);					\
	EMIT(n);							\
	*seen = sn & ((1u << c->natt) - 1);				\
	return k;							\
}

CUT_FN(cut_sse2, , 16, SSE2_ARGS)
CUT_FN(cut_avx2, __attribute__((target("avx2"))), 32, AVX2_ARGS)
#endif

void
cut_init(struct cutter *c, char sep, const char *att)
{
	size_t i, n = strlen(att);

	c->sep = sep;
	c->natt = n > 4 ? 4 : (unsigned)n;
	for (i = 0; i < 4; i++)
		c->att[i] = n == 0 ? sep : att[i < n ? i : 0];
	c->fn = cut_bytes;
#ifdef CUT_X86
	__builtin_cpu_init();
	c->fn = __builtin_cpu_supports("avx2") ? cut_avx2 : cut_sse2;
#endif
}

int
cut_force(struct cutter *c, const char *kind)
{
	if (strcmp(kind, "bytes") == 0) {
		c->fn = cut_bytes;
		return 0;
	}
#ifdef CUT_X86
	if (strcmp(kind, "sse2") == 0) {
		c->fn = cut_sse2;
		return 0;
	}
	if (strcmp(kind, "avx2") == 0 && __builtin_cpu_supports("avx2")) {
		c->fn = cut_avx2;
		return 0;
	}
#endif
	return -1;
}
