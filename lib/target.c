/* target: what every target of stream-sink shares; see target.h. */
#include "target.h"

int64_t
target_no_mark(struct target *tg)
{
	(void)tg;
	return -1;
}

void
target_no_close(struct target *tg)
{
	(void)tg;
}
