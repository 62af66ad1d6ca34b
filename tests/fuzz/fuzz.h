/*
 * fuzz: the fuzz targets' harness. Each target defines
 * LLVMFuzzerTestOneInput; built with clang -fsanitize=fuzzer (make fuzz)
 * libFuzzer drives it, built with driver.c it runs the regression inputs
 * of tests/fuzz/corpus/<target>/ (make check). The library's errx and err
 * (what a tool does with input it refuses: says why and exits) are wrapped
 * (-Wl,--wrap=errx,--wrap=err) to jump back to the target instead: a
 * refusal is an answer, not a finding. Memory the refused input had
 * allocated is not freed then: make fuzz runs without leak detection.
 */
#ifndef SK_FUZZ_H
#define SK_FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

extern jmp_buf	fuzz_jmp;
extern int	fuzz_armed;

/* Where a refusal comes back to: FUZZ_REFUSED is true there. */
#define FUZZ_REFUSED	(fuzz_armed = 1, setjmp(fuzz_jmp) != 0)

/*
 * The input as a string: a copy with a NUL after it and IBUF_PAD readable
 * bytes in all, as the tools' read buffer has (lib/buf.h); freed by the
 * caller.
 */
char	*fuzz_str(const uint8_t *, size_t);

/* each(arg, line, len) for each line of the input (a copy, as fuzz_str's),
 * up to a refusal. */
void	fuzz_lines(const uint8_t *, size_t, void (*each)(void *, char *, size_t),
	    void *arg);

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
