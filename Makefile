# streamkit: see README.md. Targets: all demo check sanitize bench install
# uninstall clean lint.

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

TOOLS	= split parse reduce state window sink
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

all: $(BINS) $(SCRIPTS_C) tests/unit tests/ckseal tests/tcpline tests/kafkamock tests/kafkalag tests/inject.so

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

bin/stream-parse: LDLIBS += -ljq
bin/stream-split: LDLIBS += -lmosquitto -lrdkafka
bin/stream-sink: LDLIBS += -lsqlite3 -lmicrohttpd

bin/stream-%: bin/stream-%.c $(LIB) lib/*.h .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

scripts/gen-orders: scripts/gen-orders.c $(LIB) lib/*.h .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

tests/unit: tests/unit.c $(LIB) lib/*.h .flags
	@$(if $(Q),echo "cc $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

tests/ckseal: tests/ckseal.c $(LIB) lib/*.h .flags
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

lint: $(MAN1) $(MAN5)
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -D__GNUC__ --std=c11 -Ilib lib bin scripts tests/unit.c tests/ckseal.c tests/tcpline.c tests/kafkamock.c tests/kafkalag.c

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
	rm -f $(BINS) $(LIB) $(LIBOBJ) $(SCRIPTS_C) tests/unit tests/ckseal tests/tcpline tests/kafkamock tests/kafkalag tests/inject.so .flags
	rm -rf out

.PHONY: all deps check lint sanitize demo bench install uninstall clean FORCE
