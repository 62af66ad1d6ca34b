#include <stdint.h>
#include <string.h>

#include "cut.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void
cut_init(struct cutter *c, char sep, const char *att)
{
	size_t i, n = strlen(att);

	c->sep = sep;
	c->natt = n > 4 ? 4 : (unsigned)n;
	for (i = 0; i < 4; i++)
		c->att[i] = n == 0 ? sep : att[i < n ? i : 0];
}

/* Ends a field at s[at]; the next starts after it. */
#define EMIT(at) do {							\
	if (k < cap) {							\
		f[k].p = (char *)start;					\
		f[k].n = (size_t)(s + (at) - start);			\
	}								\
	k++;								\
	start = s + (at) + 1;						\
} while (0)

size_t
cut_line(const struct cutter *c, const char *s, size_t n, struct slice *f,
    size_t cap, unsigned *seen)
{
	const char *start = s;
	size_t i, k = 0;
	unsigned sn = 0;

#if defined(__SSE2__)
	if (n >= 16) {
		const __m128i vs = _mm_set1_epi8(c->sep);
		const __m128i a0 = _mm_set1_epi8(c->att[0]);
		const __m128i a1 = _mm_set1_epi8(c->att[1]);
		const __m128i a2 = _mm_set1_epi8(c->att[2]);
		const __m128i a3 = _mm_set1_epi8(c->att[3]);
		__m128i z0 = _mm_setzero_si128(), z1 = z0, z2 = z0, z3 = z0;

		for (i = 0; i < n; i += 16) {
			/* the last block overlaps the one before it */
			size_t at = i + 16 <= n ? i : n - 16;
			__m128i v = _mm_loadu_si128((const __m128i *)(s + at));
			unsigned m;

			z0 = _mm_or_si128(z0, _mm_cmpeq_epi8(v, a0));
			z1 = _mm_or_si128(z1, _mm_cmpeq_epi8(v, a1));
			z2 = _mm_or_si128(z2, _mm_cmpeq_epi8(v, a2));
			z3 = _mm_or_si128(z3, _mm_cmpeq_epi8(v, a3));
			m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vs));
			m &= ~0u << (i - at);	/* bytes done already */
			while (m != 0) {
				EMIT(at + (size_t)__builtin_ctz(m));
				m &= m - 1;
			}
		}
		sn = (_mm_movemask_epi8(z0) != 0) |
		    (_mm_movemask_epi8(z1) != 0) << 1 |
		    (_mm_movemask_epi8(z2) != 0) << 2 |
		    (_mm_movemask_epi8(z3) != 0) << 3;
	} else
#endif
	{
		for (i = 0; i < n; i++) {
			char b = s[i];

			if (b == c->sep)
				EMIT(i);
			else if (b == c->att[0] || b == c->att[1] ||
			    b == c->att[2] || b == c->att[3])
				sn |= (b == c->att[0]) | (b == c->att[1]) << 1 |
				    (b == c->att[2]) << 2 | (b == c->att[3]) << 3;
		}
	}
	EMIT(n);
	*seen = sn & ((1u << c->natt) - 1);
	return k;
}
