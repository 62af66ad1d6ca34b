#!/usr/bin/env bats
# The fuzz targets (tests/fuzz/fuzz-*.c) on their regression inputs
# (tests/fuzz/corpus/*/): what make fuzz once found stays found. Under
# make sanitize the drivers are built with the sanitizers, as make fuzz is.

load helper

# target T on its regression inputs: each taken, none crashed
# (a refusal jumps back past what the input had allocated: tests/fuzz/fuzz.h;
# make fuzz runs without leak detection too)
target() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    run "$ROOT/tests/fuzz/driver-$1" "$ROOT/tests/fuzz/corpus/$1"
	assert_success
	assert_output "$(find "$ROOT/tests/fuzz/corpus/$1" -type f | wc -l | tr -d ' ') inputs"
}

@test "fuzz time: timestamps and durations, parsed and formatted again" {
	target time
}

@test "fuzz csv: lines cut with CSV quotes and checked against a typed spec" {
	target csv
}

@test "fuzz expr: an expression compiled and run on records" {
	target expr
}

@test "fuzz rec: a record stream read, end markers and schemas parsed" {
	target rec
}

@test "fuzz json: JSON lines and jq paths cut into fields" {
	target json
}

@test "fuzz ck: snapshots, logs, Kafka's offsets and MQTT's journal read back" {
	target ck
}

@test "fuzz driver: a missing input is an error naming it, exit 2" {
	run "$ROOT"/tests/fuzz/driver-time "$BATS_TEST_TMPDIR/none"
	assert_failure 2
	assert_output --partial "$BATS_TEST_TMPDIR/none: No such file or directory"
}
