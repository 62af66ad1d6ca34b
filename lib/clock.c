/* clock: the batch clock; see clock.h. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "util.h"

void
clock_init(struct clock *c, int64_t interval)
{
	memset(c, 0, sizeof(*c));
	c->interval = interval;
	c->max_ahead = 86400000;
	c->open_t = CLOCK_NONE;
	c->max_event = INT64_MIN;
}

void
clock_free(struct clock *c)
{
	size_t i;

	for (i = 0; i < c->npend; i++)
		ob_free(&c->pend[i].buf);
	free(c->pend);
	clock_early_done(c);
	free(c->lane_max);
	free(c->lane_idle);
	c->lane_max = NULL;
	c->lane_idle = NULL;
	c->nlanes = 0;
	c->pend = NULL;
	c->npend = c->cappend = 0;
}

int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t
clock_batch_of(const struct clock *c, int64_t t)
{
	return (floor_div(t, c->interval) + 1) * c->interval;
}

void
clock_tick_start(struct clock *c, int64_t now, int keep_open)
{
	if (c->open_t == CLOCK_NONE ||
	    (!keep_open && c->open_t < clock_batch_of(c, now)))
		c->open_t = clock_batch_of(c, now);	/* none for the time down */
}

enum clock_place
clock_place(struct clock *c, int64_t t, int64_t *bt)
{
	*bt = clock_batch_of(c, t);
	if (*bt < c->open_t) {
		c->late++;
		if (!c->late_next)
			return CLOCK_LATE;
		*bt = c->open_t;
	}
	if (*bt - c->open_t > c->max_ahead)
		return CLOCK_AHEAD;
	if (c->nlanes > 0) {
		if (t > c->lane_max[c->lane])
			clock_lane_set(c, c->lane, t, c->lane_idle[c->lane]);
	} else if (t > c->max_event)
		c->max_event = t;
	return *bt == c->open_t ? CLOCK_OPEN : CLOCK_LATER;
}

void
clock_lanes(struct clock *c, size_t n)
{
	size_t i;

	if (n <= c->nlanes)
		return;
	c->lane_max = ereallocarray(c->lane_max, n, sizeof(*c->lane_max));
	c->lane_idle = ereallocarray(c->lane_idle, n, sizeof(*c->lane_idle));
	for (i = c->nlanes; i < n; i++) {
		c->lane_max[i] = INT64_MIN;
		c->lane_idle[i] = 0;
	}
	c->nlanes = n;
}

void
clock_lane_set(struct clock *c, size_t lane, int64_t max, int idle)
{
	int64_t slowest = INT64_MAX, newest = INT64_MIN;
	size_t i;
	int busy = 0;

	c->lane_max[lane] = max;
	c->lane_idle[lane] = idle != 0;
	for (i = 0; i < c->nlanes; i++) {
		if (c->lane_max[i] > newest)
			newest = c->lane_max[i];
		if (!c->lane_idle[i]) {
			busy = 1;
			if (c->lane_max[i] < slowest)
				slowest = c->lane_max[i];
		}
	}
	if (!busy)
		slowest = newest;
	if (slowest > c->max_event)
		c->max_event = slowest;
}

int
clock_due(const struct clock *c)
{
	return c->max_event != INT64_MIN &&
	    c->open_t <= c->max_event - c->watermark;
}

void
clock_close(struct clock *c)
{
	c->open_t += c->interval;
	c->open_n = 0;
}

struct pending *
clock_opened(struct clock *c)
{
	if (c->npend > 0 && c->pend[0].t == c->open_t) {
		c->open_n = c->pend[0].n;
		return &c->pend[0];
	}
	return NULL;
}

void
pending_done(struct clock *c)
{
	ob_free(&c->pend[0].buf);
	memmove(c->pend, c->pend + 1, --c->npend * sizeof(*c->pend));
}

struct pending *
clock_pending(struct clock *c, int64_t t)
{
	size_t i, j;

	for (i = 0; i < c->npend && c->pend[i].t < t; i++)
		;
	if (i < c->npend && c->pend[i].t == t)
		return &c->pend[i];
	if (c->npend == c->cappend) {
		c->cappend = c->cappend ? c->cappend * 2 : 8;
		c->pend = ereallocarray(c->pend, c->cappend, sizeof(*c->pend));
	}
	for (j = c->npend++; j > i; j--)
		c->pend[j] = c->pend[j - 1];
	c->pend[i].t = t;
	c->pend[i].n = 0;
	c->pend[i].mark.id = 0;
	ob_init(&c->pend[i].buf, -1, "pending");
	return &c->pend[i];
}

int64_t
clock_last(const struct clock *c)
{
	int64_t last;

	if (c->open_t == CLOCK_NONE || c->max_event == INT64_MIN)
		return CLOCK_NONE;
	last = clock_batch_of(c, c->max_event);
	if (c->npend > 0 && c->pend[c->npend - 1].t > last)
		last = c->pend[c->npend - 1].t;
	return last;
}

static int64_t
distance(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

int
clock_agree(const struct clock *c, int64_t t, size_t *start)
{
	size_t i, j, k;

	for (k = 0; k < c->nearly; k++)
		if (distance(c->early[k].t, t) <= c->max_ahead)
			break;
	if (k == c->nearly && c->nearly < CLOCK_EARLY_MAX)
		return 0;
	/* the first waiting record that agrees with another */
	for (i = 0; i < k; i++) {
		for (j = i + 1; j < c->nearly; j++)
			if (distance(c->early[i].t, c->early[j].t) <=
			    c->max_ahead)
				break;
		if (j < c->nearly)
			break;
	}
	*start = k < c->nearly ? (i < k ? i : k) : 0;
	return 1;
}

void
clock_wait(struct clock *c, const char *line, size_t n, size_t fo, size_t fn,
    const char *src, uint64_t lineno, uint64_t id, int64_t t)
{
	struct early *e = &c->early[c->nearly++];

	e->line = estrndup(line, n);
	e->n = n;
	e->fo = fo;
	e->fn = fn;
	e->src = src ? estrdup(src) : NULL;
	e->lineno = lineno;
	e->id = id;
	e->t = t;
}

void
clock_go(struct clock *c, size_t start)
{
	c->open_t = clock_batch_of(c, c->early[start].t);
}

void
clock_early_done(struct clock *c)
{
	size_t i;

	for (i = 0; i < c->nearly; i++) {
		free(c->early[i].line);
		free(c->early[i].src);
	}
	c->nearly = 0;
}

const char *
clock_fits(const struct clock *c)
{
	size_t i;

	if (c->open_t != CLOCK_NONE && (c->open_t % c->interval != 0 ||
	    (c->max_event != INT64_MIN && c->max_event > c->open_t +
	    c->max_ahead + c->watermark)))
		return "batch times that do not fit --interval and --max-ahead";
	for (i = 0; i < c->npend; i++)
		/* a log is written as its batch closes, before the next
		 * batch takes its pending records: the first may be open_t */
		if (c->pend[i].t % c->interval != 0 || c->pend[i].t < c->open_t ||
		    c->pend[i].t - c->open_t > c->max_ahead + c->interval)
			return "a pending batch out of range";
	return NULL;
}
