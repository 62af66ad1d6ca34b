#!/usr/bin/env bats
# The manuals: mandoc-clean, and every --help prints its SYNOPSIS.

load helper
load examples

@test "mandoc -Tlint is quiet on every page" {
	run mandoc -Tlint -Wwarning "$ROOT"/man/man1/*.1 "$ROOT"/man/man5/*.5
	assert_success
	assert_output ''
}

@test "--help prints the man page's SYNOPSIS, word for word" {
	for page in "$ROOT"/man/man1/stream-*.1; do
		tool=$(basename "$page" .1)
		help=$("$tool" --help | sed '1s/^usage: //' | tr -d ' \t\n')
		synopsis=$(mandoc -Tascii "$page" | col -b |
		    awk '/^SYNOPSIS/ { f = 1; next } /^[A-Z]/ { f = 0 } f' | tr -d ' \t\n')
		assert_equal "$tool: $help" "$tool: $synopsis"
	done
}

@test "--version and -h" {
	for tool in stream-split stream-parse stream-reduce stream-state stream-window stream-sink stream-join; do
		run "$tool" --version
		assert_success
		assert_output "$tool 0.1.0"
		run "$tool" -h
		assert_success
		assert_line --index 0 --partial "usage: $tool"
	done
}

@test "the README's pipeline is the one the end-to-end test runs" {
	grep -q 'stream-split --watch in --interval 1s' "$ROOT/README.md"
	grep -q 'make demo' "$ROOT/README.md"
	grep -q 'make check' "$ROOT/README.md"
}

@test "make install and uninstall honour PREFIX and DESTDIR" {
	# with the flags the binaries were built with (make sanitize sets them)
	make -s -C "$ROOT" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr \
	    ${SK_CC:+CC="$SK_CC"} ${SK_CFLAGS:+CFLAGS="$SK_CFLAGS"} \
	    ${SK_LDFLAGS:+LDFLAGS="$SK_LDFLAGS"} > /dev/null
	for t in split parse reduce state window sink join; do
		[ -x "root/usr/bin/stream-$t" ]
		[ -f "root/usr/share/man/man1/stream-$t.1" ]
	done
	for s in gen-orders order-dashboard split-and-send; do
		[ -x "root/usr/bin/$s" ]
	done
	[ -f root/usr/share/man/man5/stream-records.5 ]
	[ -f root/usr/share/man/man5/stream-checkpoint.5 ]
	make -s -C "$ROOT" uninstall DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr > /dev/null
	[ -z "$(find root -type f)" ]
}

# Every man page's EXAMPLES, as typed (tests/examples.bash says how).
@test "the EXAMPLES of stream-split(1) run" {
	examples_fixtures
	examples_run "$ROOT/man/man1/stream-split.1"
}

@test "the EXAMPLES of stream-parse(1) run" {
	examples_fixtures
	examples_run "$ROOT/man/man1/stream-parse.1"
}

@test "the EXAMPLES of stream-reduce(1) run" {
	examples_fixtures
	examples_run "$ROOT/man/man1/stream-reduce.1"
}

@test "the EXAMPLES of stream-state(1) run" {
	examples_fixtures
	examples_run "$ROOT/man/man1/stream-state.1"
}

@test "the EXAMPLES of stream-window(1) run" {
	examples_fixtures
	examples_run "$ROOT/man/man1/stream-window.1"
}

@test "the EXAMPLES of stream-sink(1) run" {
	examples_fixtures
	examples_run "$ROOT/man/man1/stream-sink.1"
}

@test "the EXAMPLES of stream-join(1) run" {
	examples_fixtures
	examples_run "$ROOT/man/man1/stream-join.1"
}

@test "the EXAMPLES of stream-records(5) run" {
	examples_fixtures
	examples_run "$ROOT/man/man5/stream-records.5"
}

@test "the EXAMPLES of stream-checkpoint(5) run" {
	examples_fixtures
	examples_run "$ROOT/man/man5/stream-checkpoint.5"
}

@test "every man page has EXAMPLES that a test runs" {
	for page in "$ROOT"/man/man[15]/*.[15]; do
		grep -q '^\.Sh EXAMPLES' "$page" || { echo "$page: no EXAMPLES"; return 1; }
		grep -q "the EXAMPLES of $(basename "$page" | sed 's/\.\([15]\)$/(\1)/')" "$BATS_TEST_FILENAME" ||
		    { echo "$page: no test runs its EXAMPLES"; return 1; }
	done
}
