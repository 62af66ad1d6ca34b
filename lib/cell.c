/*
 * cell: one aggregation's value for one group. See cell.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "util.h"

void
cell_store(struct cell *c, const struct val *v)
{
	c->t = (int8_t)v->t;
	if (v->t == V_NUM) {
		cell_set_dec(c, v->d);
		return;
	}
	if (v->n > c->scap) {
		c->scap = (uint32_t)(v->n < 16 ? 16 : v->n);
		c->s = erealloc(c->s, c->scap);
	}
	if (v->n > 0)
		memcpy(c->s, v->s, v->n);
	c->slen = (uint32_t)v->n;
	c->t = V_TEXT;
}

int
cell_cmp(const struct cell *a, const struct cell *b)
{
	size_t n;
	int c;

	if (a->t == V_NUM && b->t == V_NUM)
		return dec_cmp(cell_dec(a), cell_dec(b));
	if (a->t == V_NUM)
		return -1;
	if (b->t == V_NUM)
		return 1;
	n = a->slen < b->slen ? a->slen : b->slen;
	if (n > 0 && (c = memcmp(a->s, b->s, n)) != 0)
		return c;
	return (a->slen > b->slen) - (a->slen < b->slen);
}

void
cell_append(struct cell *c, const struct val *v)
{
	char num[DEC_STRMAX];
	const char *s = v->s;
	size_t n = v->n, need;

	if (v->t == V_NUM) {
		n = dec_format(v->d, num);
		s = num;
	}
	need = c->slen + (c->slen > 0) + n;
	if (need > c->scap) {
		c->scap = (uint32_t)(need < 16 ? 16 : need * 2);
		c->s = erealloc(c->s, c->scap);
	}
	if (c->slen > 0)
		c->s[c->slen++] = ',';
	memcpy(c->s + c->slen, s, n);
	c->slen += (uint32_t)n;
	c->t = V_TEXT;
}

void
cell_extreme(struct cell *c, const struct val *v, int sign)
{
	struct cell nv = { 0 };
	int cmp;

	if (v->t == V_NULL)
		return;
	nv.t = (int8_t)v->t;
	if (v->t == V_NUM)
		cell_set_dec(&nv, v->d);
	else {
		nv.t = V_TEXT;
		nv.s = (char *)v->s;
		nv.slen = (uint32_t)v->n;
	}
	cmp = c->t == V_NULL ? sign : cell_cmp(&nv, c);
	if ((sign > 0 && cmp > 0) || (sign < 0 && cmp < 0))
		cell_store(c, v);
}

void
cell_value(enum agg_kind k, const struct cell *c, struct val *v)
{
	v->t = V_NULL;
	v->s = "";
	v->n = 0;
	switch (k) {
	case AGG_COUNT:
	case AGG_DISTINCT:
		v->t = V_NUM;
		v->d = dec_from_int(c->n);
		return;
	case AGG_SUM:
		if (c->n > 0) {
			v->t = V_NUM;
			v->d = cell_dec(c);
		}
		return;
	case AGG_AVG:
		if (c->n > 0 && dec_div(&v->d, cell_dec(c), dec_from_int(c->n)) ==
		    DEC_OK)
			v->t = V_NUM;
		return;
	default:
		v->t = (enum vtype)c->t;
		if (c->t == V_NUM)
			v->d = cell_dec(c);
		else if (c->t == V_TEXT) {
			v->s = c->s;
			v->n = c->slen;
		}
		return;
	}
}

void
cell_put_num(struct obuf *o, const struct cell *c)
{
	ob_put_u64(o, (uint64_t)c->n);
	ob_write(o, &c->m, sizeof(c->m));
	ob_put_u64(o, (uint64_t)c->scale);
}

void
cell_put(struct obuf *o, const struct cell *c)
{
	cell_put_num(o, c);
	ob_put_u64(o, (uint64_t)c->t);
	ob_put_bytes(o, c->s, c->slen);
}

void
cell_get_num(struct bin *b, struct cell *c)
{
	uint64_t scale;

	c->n = (int64_t)bin_u64(b);
	bin_raw(b, &c->m, sizeof(c->m));
	if ((scale = bin_u64(b)) > DEC_MAXSCALE)
		b->bad = 1;
	c->scale = b->bad ? 0 : (int8_t)scale;
}

void
cell_get(struct bin *b, struct cell *c)
{
	uint64_t t;
	size_t n;

	cell_get_num(b, c);
	if ((t = bin_u64(b)) > V_TEXT)
		b->bad = 1;
	c->t = b->bad ? V_NULL : (int8_t)t;
	c->s = (char *)bin_bytes(b, &n);
	if (n > UINT32_MAX)
		b->bad = 1;
	c->slen = b->bad ? 0 : (uint32_t)n;
}
