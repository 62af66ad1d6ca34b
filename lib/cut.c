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

/* --- the scanner --- */

#define SCAN_W 64

static uint64_t
valid_bits(const struct scanner *s)
{
	size_t v = (size_t)(s->end - s->win);

	return v >= SCAN_W ? ~(uint64_t)0 : ((uint64_t)1 << v) - 1;
}

static void
window_bytes(struct scanner *s)
{
	uint64_t nl = 0, sep = 0, att = 0, valid = valid_bits(s);
	unsigned i, k;

	for (i = 0; i < SCAN_W && (valid >> i & 1); i++) {
		char b = s->win[i];

		nl |= (uint64_t)(b == '\n') << i;
		sep |= (uint64_t)(b == s->c.sep) << i;
		for (k = 0; k < s->c.natt; k++)
			att |= (uint64_t)(b == s->c.att[k]) << i;
	}
	s->nl = nl;
	s->sep = sep;
	s->att = att;
}

#ifdef CUT_X86
/*
 * The masks of a window, W bytes a load. The unused attention slots repeat
 * the first, so all four compares can be made; with none at all they
 * repeat the separator, and are dropped.
 */
#define WINDOW_FN(NAME, ATTR, W, VEC, LOAD, SET1, EQ, OR, MASK, ZERO)	\
static ATTR void							\
NAME(struct scanner *s)							\
{									\
	const VEC a0 = SET1(s->c.att[0]), a1 = SET1(s->c.att[1]);	\
	const VEC a2 = SET1(s->c.att[2]), a3 = SET1(s->c.att[3]);	\
	const VEC nl = SET1('\n'), sep = SET1(s->c.sep);		\
	uint64_t valid = valid_bits(s), mnl = 0, msep = 0, matt = 0;	\
	unsigned i;							\
									\
	for (i = 0; i < SCAN_W / W; i++) {				\
		VEC v = LOAD((const VEC *)(s->win + W * i));		\
		VEC a = OR(OR(EQ(v, a0), EQ(v, a1)),			\
		    OR(EQ(v, a2), EQ(v, a3)));				\
									\
		mnl |= (uint64_t)(uint32_t)MASK(EQ(v, nl)) << W * i;	\
		msep |= (uint64_t)(uint32_t)MASK(EQ(v, sep)) << W * i;	\
		matt |= (uint64_t)(uint32_t)MASK(a) << W * i;		\
	}								\
	s->nl = mnl & valid;						\
	s->sep = msep & valid;						\
	s->att = s->c.natt > 0 ? matt & valid : 0;			\
}
#define WINDOW_FN_(...) WINDOW_FN(__VA_ARGS__)

WINDOW_FN_(window_sse2, , SSE2_ARGS)
WINDOW_FN_(window_avx2, __attribute__((target("avx2"))), AVX2_ARGS)
#endif

void
cut_copy_tabs(char *d, const char *s, size_t n, char sep)
{
	size_t i;

#ifdef CUT_X86
	const __m128i from = _mm_set1_epi8(sep), tab = _mm_set1_epi8('\t');

	for (i = 0; i < n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i m = _mm_cmpeq_epi8(v, from);

		_mm_storeu_si128((__m128i *)(d + i),
		    _mm_or_si128(_mm_andnot_si128(m, v), _mm_and_si128(m, tab)));
	}
#else
	for (i = 0; i < n; i++)
		d[i] = s[i] == sep ? '\t' : s[i];
#endif
}

void
scan_init(struct scanner *s, char sep, const char *att)
{
	memset(s, 0, sizeof(*s));
	cut_init(&s->c, sep, att);
	s->window = window_bytes;
#ifdef CUT_X86
	s->window = __builtin_cpu_supports("avx2") ? window_avx2 : window_sse2;
#endif
}

int
scan_force(struct scanner *s, const char *kind)
{
	if (cut_force(&s->c, kind) < 0)
		return -1;
	s->window = window_bytes;
#ifdef CUT_X86
	if (strcmp(kind, "sse2") == 0)
		s->window = window_sse2;
	else if (strcmp(kind, "avx2") == 0)
		s->window = window_avx2;
#endif
	s->pos = NULL;
	return 0;
}

/* Which attention bytes the n bytes at s have, as cut_line says. */
static unsigned
att_of(const struct cutter *c, const char *s, size_t n)
{
	unsigned a, sn = 0;

	for (a = 0; a < c->natt; a++)
		if (memchr(s, c->att[a], n) != NULL)
			sn |= 1u << a;
	return sn;
}

/* The fields of the line at s->pos up to its LF, which *lf is set to;
 * 0 if the data ends first. The masks are worked on in locals: the
 * stores to f could otherwise alias them. */
static int
scan_one(struct scanner *s, struct slice *f, size_t cap, size_t *nf,
    unsigned *seen, const char **lf)
{
	const char *line = s->pos, *start = line, *win = s->win, *q;
	uint64_t nl = s->nl, sep = s->sep;
	size_t k = 0;
	int att = 0;

	for (;;) {
		uint64_t lfbit = nl & -nl;	/* 0: no LF in this window */
		uint64_t before = lfbit ? lfbit - 1 : ~(uint64_t)0;
		uint64_t ms = sep & before;

		while (ms != 0) {		/* the separators before it */
			q = win + __builtin_ctzll(ms);
			if (k < cap) {
				f[k].p = (char *)start;
				f[k].n = (size_t)(q - start);
			}
			k++;
			start = q + 1;
			ms &= ms - 1;
		}
		if (lfbit != 0) {
			uint64_t done = before | lfbit;

			q = win + __builtin_ctzll(lfbit);
			if (k < cap) {
				f[k].p = (char *)start;
				f[k].n = (size_t)(q - start);
			}
			k++;
			att |= (s->att & done) != 0;
			s->att &= ~done;
			s->nl = nl & ~done;
			s->sep = sep & ~done;
			s->win = win;
			s->pos = q + 1;
			*nf = k;
			*seen = att ? att_of(&s->c, line, (size_t)(q - line)) : 0;
			*lf = q;
			return 1;
		}
		/* no LF left in this window: its attention bytes are ours */
		att |= s->att != 0;
		win += SCAN_W;
		s->win = win;
		if (win >= s->end)
			return 0;
		s->window(s);
		nl = s->nl;
		sep = s->sep;
	}
}

int
scan_getline(struct scanner *s, struct ibuf *ib, char **line, size_t *len,
    struct slice *f, size_t cap, size_t *nf, unsigned *seen)
{
	const char *lf;
	char *start;
	size_t n, avail, took;
	unsigned a;

	for (;;) {
		start = ib_unread(ib, &avail);
		if (s->pos != start || s->end != start + avail) {
			/* the buffer moved, was refilled or read by another */
			s->pos = s->win = start;
			s->end = start + avail;
			if (s->win < s->end)
				s->window(s);
		}
		if (s->win < s->end && scan_one(s, f, cap, nf, seen, &lf)) {
			n = (size_t)(lf - start);
			took = n + 1;
			break;
		}
		s->pos = NULL;		/* rescan from the line's start */
		if (ib->eof) {
			if (avail == 0)
				return 0;
			n = took = avail;	/* the rest, without a LF */
			*nf = cut_line(&s->c, start, n, f, cap, seen);
			break;
		}
		if (ib_fill(ib) < 0)
			return 0;
	}
	ib_take_line(ib, took);
	if (n > 0 && start[n - 1] == '\r') {	/* CRLF: the CR is not data */
		n--;
		if (*nf - 1 < cap)
			f[*nf - 1].n--;
		for (a = 0; a < s->c.natt; a++)
			if (s->c.att[a] == '\r') {
				*seen &= ~(1u << a);
				if (memchr(start, '\r', n) != NULL)
					*seen |= 1u << a;
			}
	}
	*line = start;
	*len = n;
	return 1;
}
