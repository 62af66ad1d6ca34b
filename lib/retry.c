/*
 * retry: reconnecting with capped back-off, said once. See retry.h.
 */
#include <err.h>

#include "retry.h"

#define WAIT_FIRST	100	/* ms */
#define WAIT_MAX	5000

void
retry_failed(struct retry *r, const char *name, const char *why, int64_t now)
{
	if (!r->down)
		warnx("%s: %s; trying again", name, why);
	r->down = 1;
	if (r->wait == 0)
		r->wait = WAIT_FIRST;
	r->at = now + r->wait;
	r->wait = r->wait * 2 > WAIT_MAX ? WAIT_MAX : r->wait * 2;
}

void
retry_ok(struct retry *r, const char *name)
{
	if (r->down)
		warnx("%s: connected", name);
	r->down = 0;
	r->wait = WAIT_FIRST;
}

int
retry_wait(const struct retry *r, int64_t now, int *timeout)
{
	int64_t w = r->at - now;

	if (w <= 0)
		return 0;
	if (*timeout < 0 || w < *timeout)
		*timeout = (int)w;
	return 1;
}
