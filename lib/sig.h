/*
 * sig: how a tool stops on SIGINT and SIGTERM (DESIGN §5). One Ctrl-C to a
 * pipeline reaches every process: the source closes its open batch and
 * ends the stream with #eos; a tool whose input is a stream (it began with
 * the #stream header) lets that first signal pass and finishes what the
 * source closed, then exits 0 at #eos. Any other tool, and any second
 * signal, stops at once (the default action: exit 130 or 143).
 */
#ifndef SK_SIG_H
#define SK_SIG_H

#include <signal.h>

/* Set once the input is a stream: the first signal waits for its #eos. */
extern volatile sig_atomic_t sig_stream;

/* Installs the handlers of a tool that reads a stream (not the source). */
void	sig_consumer(void);
/* The source's: fn(sig) runs on the first signal; a second stops at once
 * (one within 250 ms of the first is taken for the same stop). */
void	sig_source(void (*fn)(int));

#endif
