# streamkit: see README.md. Targets: all demo check sanitize bench install
# uninstall clean lint fuzz crashtest.

PREFIX	?= /usr/local
MANDIR	?= $(PREFIX)/share/man
CC	?= cc
# Link-time optimisation: the record's path crosses modules (cut, spec,
# views; agg and cell), and inlining across them is worth 13 % of
# stream-parse's instructions (lib/README.md). The objects keep their
# code too (fat), so a build without it still links.
CFLAGS	?= -O2 -g -flto=auto -ffat-lto-objects
AR_LTO	:= $(shell command -v gcc-ar 2>/dev/null || echo ar)
# Recursive (=) so that pkg-config runs after install-deps has run.
BSD_CFLAGS = $(shell pkg-config --cflags libbsd-overlay 2>/dev/null || echo -isystem /usr/include/bsd -DLIBBSD_OVERLAY)
BSD_LIBS = $(shell pkg-config --libs libbsd-overlay 2>/dev/null || echo -lbsd)
SK_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
	-Wstrict-prototypes -Wmissing-prototypes -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -Ilib $(BSD_CFLAGS)
LDLIBS	= $(BSD_LIBS) -pthread

TOOLS	= split parse reduce state window sink join
BINS	= $(TOOLS:%=bin/stream-%)
LIBSRC	= $(wildcard lib/*.c)
LIBOBJ	= $(LIBSRC:.c=.o)
LIB	= lib/libstream.a
SCRIPTS_C = scripts/gen-orders
# the scripts the README's pipelines use, installed beside the tools
SCRIPTS_SH = scripts/order-dashboard scripts/split-and-send \
	scripts/network-wordcount
MAN1	= $(TOOLS:%=man/man1/stream-%.1)
MAN5	= man/man5/stream-records.5 man/man5/stream-checkpoint.5

# the fuzz targets (tests/fuzz/fuzz-T.c): driver-T runs the regression
# inputs of tests/fuzz/corpus/T in make check; make fuzz runs libFuzzer
FUZZ	= time csv expr rec json ck
FUZZ_DRIVERS = $(FUZZ:%=tests/fuzz/driver-%)
# a refusal (errx, err) jumps back to the target: tests/fuzz/fuzz.h
FUZZ_WRAP = -Wl,--wrap=errx,--wrap=err
FUZZ_LIBS = $(LDLIBS) -ljq -lrdkafka -lmosquitto -lsqlite3 -lmicrohttpd

all: $(BINS) $(SCRIPTS_C) tests/unit tests/ckseal tests/powerloss tests/tcpline tests/kafkamock tests/kafkalag tests/inject.so $(FUZZ_DRIVERS)

# Rebuild everything when the flags change (make sanitize, then make).
.flags: FORCE
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
	    echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@
FORCE:

# V=1 shows the whole commands.
Q = $(if $(V),,@)

lib/%.o: lib/%.c lib/*.h .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	$(Q)rm -f $@
	$(Q)$(AR_LTO) rcs $@ $(LIBOBJ)

# -fno-lto: the wrapping applies to the objects' own code (LTO's IR would
# bind errx before the linker wraps it)
tests/fuzz/driver-%: tests/fuzz/fuzz-%.c tests/fuzz/driver.c tests/fuzz/harness.c tests/fuzz/fuzz.h $(LIB) lib/*.h .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) -Itests/fuzz $(CFLAGS) -fno-lto $(LDFLAGS) -o $@ \
	    $< tests/fuzz/driver.c tests/fuzz/harness.c $(LIB) $(FUZZ_WRAP) $(FUZZ_LIBS)

# make fuzz: each target under libFuzzer for FUZZ_SECONDS (60), from the
# regression inputs; what it finds goes to fuzz-out/T/ (crash-*, and the
# corpus it grew), never into tests/. FUZZ=csv runs one target.
FUZZ_SECONDS ?= 60
FUZZ_CC	?= clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
fuzz-deps: deps
	@sh scripts/install-deps --fuzz

fuzz-out/lf-%: tests/fuzz/fuzz-%.c tests/fuzz/harness.c tests/fuzz/fuzz.h $(LIBSRC) lib/*.h | fuzz-deps
	@mkdir -p fuzz-out
	$(FUZZ_CC) $(SK_CFLAGS) -Wno-error -Itests/fuzz $(FUZZ_FLAGS) -o $@ \
	    tests/fuzz/fuzz-$*.c tests/fuzz/harness.c $(LIBSRC) $(FUZZ_WRAP) $(FUZZ_LIBS)

fuzz: fuzz-deps $(FUZZ:%=fuzz-out/lf-%)
	@for t in $(FUZZ); do \
	    mkdir -p fuzz-out/$$t/corpus && \
	    echo "fuzz: $$t, $(FUZZ_SECONDS) s" && \
	    ASAN_OPTIONS=detect_leaks=0 fuzz-out/lf-$$t -max_total_time=$(FUZZ_SECONDS) \
		-timeout=10 -print_final_stats=1 -artifact_prefix=fuzz-out/$$t/ \
		fuzz-out/$$t/corpus tests/fuzz/corpus/$$t 2>&1 | \
		grep -E '^(stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|Done)' || exit 1; \
	    ! ls fuzz-out/$$t/crash-* fuzz-out/$$t/timeout-* fuzz-out/$$t/leak-* 2>/dev/null | grep -q . || \
		{ echo "fuzz: $$t: findings in fuzz-out/$$t/" >&2; exit 1; }; \
	done

bin/stream-parse: LDLIBS += -ljq
bin/stream-split: LDLIBS += -lmosquitto -lrdkafka
bin/stream-sink: LDLIBS += -lsqlite3 -lmicrohttpd -lrdkafka
tests/unit: LDLIBS += -lrdkafka

bin/stream-%: bin/stream-%.c $(LIB) lib/*.h .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

scripts/gen-orders: scripts/gen-orders.c $(LIB) lib/*.h .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

tests/unit: tests/unit.c $(LIB) lib/*.h .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

tests/ckseal tests/powerloss: %: %.c $(LIB) lib/*.h .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

tests/tcpline: tests/tcpline.c .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

tests/kafkamock tests/kafkalag: %: %.c .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -lrdkafka $(LDLIBS)

# The fault-injection shim is built plain: it is preloaded into any build.
tests/inject.so: tests/inject.c
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

deps:
	@sh scripts/install-deps

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory lint
	@sh tests/run

# the longer suites, kept out of make check's ten minutes
check-long: deps
	@$(MAKE) --no-print-directory all
	@PATH="$$PWD/bin:$$PWD/scripts:$$PATH" bats tests/long

lint: $(MAN1) $(MAN5)
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -D__GNUC__ --std=c11 -Ilib lib bin scripts tests/unit.c tests/ckseal.c tests/powerloss.c tests/tcpline.c tests/kafkamock.c tests/kafkalag.c tests/fuzz

SAN = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
# clang's UBSan sees more (a zero offset added to a null pointer) than gcc's
SAN_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
# The suites that run make (tests/docs.bats) build with the same flags, so
# every suite to the last tests the sanitized binaries; nm says so at the end.
sanitize: deps
	@$(MAKE) --no-print-directory CC='$(SAN_CC)' CFLAGS='$(SAN)' LDFLAGS='$(SAN)' all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    SK_CC='$(SAN_CC)' SK_CFLAGS='$(SAN)' SK_LDFLAGS='$(SAN)' sh tests/run
	@for b in $(BINS); do nm $$b | grep -q __asan_init || \
	    { echo "sanitize: $$b was rebuilt without the sanitizers" >&2; exit 1; }; done

# make crashtest: every state a power loss can leave, per workload
# (scripts/powerloss), then each deliberate bug (tests/inject.so's
# INJECT_NOSYNC) that must be caught
CRASH_BUGS = dirs files data snaps
crashtest: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/powerloss
	@for b in $(CRASH_BUGS); do sh scripts/powerloss --bug $$b 2>/dev/null || \
	    exit 1; done

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo

# BENCH=--quick for a small run
bench: deps
	@sh scripts/install-deps --bench
	@$(MAKE) --no-print-directory all
	@sh scripts/bench $(BENCH)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(SCRIPTS_C) $(SCRIPTS_SH) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/stream-%) \
	    $(DESTDIR)$(PREFIX)/bin/gen-orders $(DESTDIR)$(PREFIX)/bin/order-dashboard \
	    $(DESTDIR)$(PREFIX)/bin/split-and-send \
	    $(DESTDIR)$(PREFIX)/bin/network-wordcount \
	    $(TOOLS:%=$(DESTDIR)$(MANDIR)/man1/stream-%.1) \
	    $(DESTDIR)$(MANDIR)/man5/stream-records.5 \
	    $(DESTDIR)$(MANDIR)/man5/stream-checkpoint.5

clean:
	rm -f $(BINS) $(LIB) $(LIBOBJ) $(SCRIPTS_C) tests/unit tests/ckseal tests/powerloss tests/tcpline tests/kafkamock tests/kafkalag tests/inject.so $(FUZZ_DRIVERS) .flags
	rm -rf out fuzz-out

.PHONY: all deps fuzz-deps check check-long lint sanitize fuzz crashtest demo bench install uninstall clean FORCE
