#include <signal.h>
#include <string.h>
#include <time.h>

#include "sig.h"

volatile sig_atomic_t sig_stream;
static volatile sig_atomic_t signals;
static void (*source_fn)(int);

static void
die_now(int sig)
{
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
on_consumer(int sig)
{
	if (sig_stream && signals++ == 0)
		return;		/* the source closes the stream: finish it */
	die_now(sig);
}

/* ms on a clock that only goes forward (async-signal-safe) */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A signal within SAME_STOP_MS of the first is the same stop: a Ctrl-C
 * that reaches the group and a script that passes it on, or a SIGTERM to
 * the group and to the source alone. */
#define SAME_STOP_MS 250
static volatile long long first_ms;

static void
on_source(int sig)
{
	if (signals++ == 0) {
		first_ms = now_ms();
		source_fn(sig);
		return;
	}
	if (now_ms() - first_ms < SAME_STOP_MS)
		return;
	die_now(sig);
}

static void
install(void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void
sig_consumer(void)
{
	install(on_consumer, SA_RESTART);	/* reads go on as if nothing */
}

void
sig_source(void (*fn)(int))
{
	source_fn = fn;
	install(on_source, 0);	/* a stop interrupts poll(2) and read(2) */
}
