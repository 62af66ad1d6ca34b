#!/usr/bin/env bats
# Power loss (scripts/powerloss, tests/powerloss): the states a power loss
# can leave a checkpointed pipeline's files in, each recovered and
# compared with the run; a build with a missing fsync is caught; the
# explorer refuses what it cannot model. make crashtest runs every
# workload and every deliberate bug.

load helper

# hex TEXT: TEXT as strace -xx prints it
hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | sed 's/../\\x&/g'
}

# a root with one file, its copies before and after, and a trace
explorer_dir() {
	mkdir -p root init
	printf 'a\n' > root/f
	cp -a root/. init/
	cp -a root final
}

# make sanitize (SK_CFLAGS set): the first 40 states, each recovered by
# sanitized tools, a second or so each
limit=${SK_CFLAGS:+-n 40}

@test "powerloss state: every state after every call of a stateful pipeline recovers to the run's output" {
	run powerloss $limit state
	assert_success
	assert_output --regexp '^state: [0-9]+ calls, [0-9]+ states explored, 0 failed$'
}

@test "powerloss --bug dirs: a build that never syncs a directory is caught" {
	run powerloss --bug dirs state
	assert_success
	assert_line --index 1 "bug dirs: caught"
}

@test "powerloss: a write is replayed (durable, kept, torn three ways: 5 states); a FINAL the replay does not give is an error, exit 3" {
	explorer_dir
	r=$PWD/root
	printf '1 openat(AT_FDCWD<%s>, "%s", O_WRONLY|O_APPEND) = 3<%s>\n' \
	    "$(hex "$r")" "$(hex "$r/f")" "$(hex "$r/f")" > trace
	printf '1 write(3<%s>, "%s", 2) = 2\n' "$(hex "$r/f")" "$(hex "b
")" >> trace
	printf 'a\nb\n' > final/f
	run "$ROOT/tests/powerloss" -r "$r" -i init -f final -t trace
	assert_success
	assert_output "2 calls, 5 states explored, 0 failed"
	printf 'a\nc\n' > final/f
	run "$ROOT/tests/powerloss" -r "$r" -i init -f final -t trace
	assert_failure 3
	assert_output "powerloss: the 2 calls of trace replayed on init do not give final: final/f: other bytes (4 in the model, 4 there)"
}

@test "powerloss: a call on ROOT it cannot model stops it, naming the trace line, exit 3" {
	explorer_dir
	r=$PWD/root
	printf '7 symlinkat("%s", AT_FDCWD<%s>, "%s") = 0\n' "$(hex f)" \
	    "$(hex "$r")" "$(hex "$r/g")" > trace
	run "$ROOT/tests/powerloss" -r "$r" -i init -f final -t trace
	assert_failure 3
	assert_output "powerloss: trace line 1: symlinkat: a call on ROOT this model does not know"
}

@test "powerloss: usage errors exit 2" {
	run "$ROOT/tests/powerloss" -r relative -i a -f b -t c
	assert_failure 2
	assert_output "usage: powerloss -r root -i init -f final -t trace [-c command] [-n max] [-v]"
	run powerloss --bug none
	assert_failure 2
	assert_output "usage: powerloss [-k] [-n max] [--bin dir] [--bug kind] [workload ...]"
	run powerloss nosuch
	assert_failure 2
}
