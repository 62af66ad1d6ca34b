/*
 * rate: records paced at N a second. See rate.h.
 */
#include <time.h>

#include "rate.h"

/* How far behind the pace may fall before it begins afresh: a sleep
 * oversleeps, and a pace that forgot every late wake-up would run slow;
 * at most this much of the rate can then come at once. */
#define SLACK	20000000	/* ns */

int64_t
rate_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
rate_wait(struct rate *r, int64_t now)
{
	/* when the next record is due: t0 + taken / n s */
	int64_t due = r->t0 + (int64_t)((__int128)r->taken * 1000000000 /
	    (__int128)r->n);

	if (r->t0 == 0 || now - due > SLACK + 1000000000 / (int64_t)r->n) {
		r->t0 = now;		/* behind: begin afresh */
		r->taken = 0;
		due = now;
	}
	if (now < due)
		return due - now;
	r->taken++;
	return 0;
}
