/*
 * ident: what a tool's command means, as its checkpoint remembers it, so
 * that a restart typed another way (--interval 5000ms for 5s, ./in for in,
 * options in another order) is the same pipeline, and one that means
 * something else is refused naming what differs. Strings returned are the
 * caller's.
 */
#ifndef SK_IDENT_H
#define SK_IDENT_H

#include <getopt.h>

/*
 * The identity of argv[1..argc-1] (the program's name, the checkpoint
 * options and -X's librdkafka properties left out), one "--name=value" or operand a line: durations in
 * ms, paths absolute, options sorted by name but the aggregations, which
 * keep their order (it is that of the output's fields), then operands.
 */
char	*ident_make(int argc, char *const argv[], const struct option *);
/* NULL if two identities are the same, else what differs:
 * "--sum=amount here, --count=1 before". */
char	*ident_diff(const char *here, const char *before);

#endif
