/*
 * retry: a live source's reconnecting (--connect, --mqtt). An outage is
 * said once on standard error ("NAME: WHY; trying again"), the next try
 * waits 100 ms, then twice as long each time up to 5 s; being back is said
 * once too ("NAME: connected"). A zeroed struct retry is ready.
 */
#ifndef SK_RETRY_H
#define SK_RETRY_H

#include <stdint.h>

struct retry {
	int		 down;		/* the outage was said */
	int64_t		 at;		/* ms: the next try */
	int64_t		 wait;		/* ms: the wait after the next failure */
};

/* A try failed (or the connection was lost) at now, why. */
void	retry_failed(struct retry *, const char *name, const char *why,
	    int64_t now);
/* A try succeeded: back to the first wait. */
void	retry_ok(struct retry *, const char *name);
/* Whether the next try must wait at now: 1, *timeout (ms, -1: none)
 * lowered to the wait; 0 if it may be made. */
int	retry_wait(const struct retry *, int64_t now, int *timeout);

#endif
