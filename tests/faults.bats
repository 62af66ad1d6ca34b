#!/usr/bin/env bats
# I/O faults at the checkpoint and the outputs: EIO from fsync (strace
# injects it at the Nth call), a checkpoint on another file system, a full
# or read-only one (tests/inject.so). Each:
# the path named, exit 1, nothing half-published, and a restart once the
# fault is gone finishes exactly once.

load helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit 1
	gen-orders -n 3000 --rate 100 --seed 9 > orders.txt
	stream-split --event-time 1 --interval 5s orders.txt | stream-parse --csv "$SPEC" > parsed.rec
	stream-reduce --by side --count parsed.rec > counts.rec
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit 1
	cp "$BATS_FILE_TMPDIR"/*.txt "$BATS_FILE_TMPDIR"/*.rec .
}

# eio N COMMAND...: COMMAND with its Nth fsync or fdatasync failing with
# EIO; eio_at CALLS N COMMAND...: its Nth of CALLS
eio_at() {
	local sc=$1 n=$2
	shift 2
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -o /dev/null -e trace="$sc" \
	    -e inject="$sc":error=EIO:when="$n" "$@"
}
eio() {
	eio_at fsync,fdatasync "$@"
}

@test "EIO from any fsync of the sink (--dir, --append, the checkpoint): the path named, exit 1, nothing half-made; the restart publishes every batch once" {
	stream-sink --dir ref/o --append ref.txt counts.rec
	for n in $(seq 1 16); do
		rm -rf ck out
		echo before > log.txt
		run eio "$n" stream-sink --checkpoint ck --dir out/o --append log.txt counts.rec
		assert_failure 1
		assert_output --regexp '^stream-sink: [^ ]+: Input/output error$'
		run find . -name '.*tmp*'
		assert_output ''
		run stream-sink --checkpoint ck --dir out/o --append log.txt counts.rec
		assert_success
		diff -r ref out
		run sh -c 'sed 1d log.txt | cmp - ref.txt'
		assert_success
	done
}

@test "EIO from an fsync of stream-state's snapshot or stream-split's log: named, exit 1; the pipeline run again gives the uninterrupted output" {
	stream-split --event-time 1 --interval 5s orders.txt | stream-parse --csv "$SPEC" |
	    stream-state --by client --sum amount --top 3 | stream-sink > want
	for n in 1 2 3 4 5; do
		rm -rf ck
		run eio "$n" stream-state --by client --sum amount --top 3 --checkpoint ck \
		    --checkpoint-every 1 parsed.rec
		assert_failure 1
		assert_line --regexp '^stream-state: ck/stream-state[^ ]*: Input/output error$'
		run eio "$n" stream-split --event-time 1 --interval 5s --checkpoint ck2.$n orders.txt
		assert_failure 1
		assert_line --regexp '^stream-split: ck2\.[0-9]+/stream-split[^ ]*: Input/output error$'
	done
	rm -rf ck
	run sh -c "stream-split --event-time 1 --interval 5s --checkpoint ck --checkpoint-every 2 orders.txt |
	    stream-parse --csv '$SPEC' | stream-state --by client --sum amount --top 3 --checkpoint ck |
	    stream-sink --checkpoint ck"
	assert_success
	assert_output "$(cat want)"
}

@test "EIO from SQLite's fdatasync: the database named, exit 1; the restart gives the uninterrupted table" {
	stream-sink --sqlite ref.db --table t counts.rec
	want=$(sqlite3 ref.db 'select * from t order by rowid')
	failed=0
	for n in $(seq 1 12); do
		rm -rf ck db db-wal db-shm
		run eio_at fdatasync "$n" stream-sink --checkpoint ck --sqlite db --table t counts.rec
		# SQLite itself shrugs off a failed sync of a directory
		if [ "$status" -ne 0 ]; then
			assert_failure 1
			assert_output --regexp '^stream-sink: db: .+: disk I/O error$'
			failed=$((failed + 1))
		fi
		run stream-sink --checkpoint ck --sqlite db --table t counts.rec
		assert_success
		run sqlite3 db 'select * from t order by rowid'
		assert_output "$want"
	done
	[ "$failed" -ge 6 ]
}

@test "the checkpoint on another file system than the output (/dev/shm): killed and restarted, every batch once" {
	[ -d /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" != "$(stat -f -c %T .)" ] || skip "no /dev/shm of another kind"
	ck=$(mktemp -d /dev/shm/streamkit-ck.XXXXXX)
	stream-sink --dir ref/o --append ref.txt counts.rec
	echo before > log.txt
	kill_at rename 5 stream-sink --checkpoint "$ck" --dir out/o --append log.txt counts.rec || true
	run stream-sink --checkpoint "$ck" --dir out/o --append log.txt counts.rec
	rm -rf "$ck"
	assert_success
	diff -r ref out
	run sh -c 'sed 1d log.txt | cmp - ref.txt'
	assert_success
}

@test "a full disk under the checkpoint (the sink's commit, the source's log, a snapshot): named, exit 1, nothing half-made; once there is room, the pipeline finishes exactly once" {
	stream-split --event-time 1 --interval 5s orders.txt | stream-parse --csv "$SPEC" |
	    stream-state --by client --sum amount --top 3 | stream-sink --dir want/o
	for what in stream-sink/.commit stream-split/.log- stream-state/.snap-; do
		rm -rf ck out
		run bash -c "export INJECT_ENOSPC='$what' LD_PRELOAD='$ROOT/tests/inject.so'
		    ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0
		    stream-split --event-time 1 --interval 5s --checkpoint ck --checkpoint-every 2 orders.txt |
		    stream-parse --csv '$SPEC' |
		    stream-state --by client --sum amount --top 3 --checkpoint ck |
		    stream-sink --checkpoint ck --dir out/o"
		assert_failure
		assert_output --regexp "ck/${what%%/*}/[^ ]+: No space left on device"
		run find . -name '.*tmp*'
		assert_output ''
		run sh -c "stream-split --event-time 1 --interval 5s --checkpoint ck --checkpoint-every 2 orders.txt |
		    stream-parse --csv '$SPEC' |
		    stream-state --by client --sum amount --top 3 --checkpoint ck |
		    stream-sink --checkpoint ck --dir out/o"
		assert_success
		diff -r want out
	done
}

# readonly_run: the pipeline of the full-disk test, its checkpoint on a file
# system that inject.so makes read-only (while ro.flag exists, with
# INJECT_EROFS_FLAG); extra options for stream-split in $1.
readonly_run() {
	INJECT_EROFS=ck/ INJECT_EROFS_FLAG=${FLAG:-} \
	    LD_PRELOAD="$ROOT/tests/inject.so" \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	    bash -c "stream-split --event-time 1 --interval 5s --checkpoint ck $1 orders.txt |
	    stream-parse --csv '$SPEC' |
	    stream-state --by client --sum amount --top 3 --checkpoint ck |
	    stream-sink --checkpoint ck --dir out/o"
}

@test "a read-only checkpoint: a restart on it names the path, exit 1, publishes nothing; once it is writable, every batch once" {
	stream-split --event-time 1 --interval 5s orders.txt | stream-parse --csv "$SPEC" |
	    stream-state --by client --sum amount --top 3 | stream-sink --dir want/o
	stream-split --event-time 1 --interval 5s --checkpoint ck orders.txt |
	    stream-parse --csv "$SPEC" |
	    stream-state --by client --sum amount --top 3 --checkpoint ck |
	    kill_at rename 12 stream-sink --checkpoint ck --dir out/o || true
	ls out > before
	[ -s before ]
	run readonly_run ''
	assert_failure
	assert_output --regexp "ck/stream-[a-z]+/lock: Read-only file system"
	run sh -c 'ls out | cmp - before'
	assert_success
	run sh -c "stream-split --event-time 1 --interval 5s --checkpoint ck orders.txt |
	    stream-parse --csv '$SPEC' |
	    stream-state --by client --sum amount --top 3 --checkpoint ck |
	    stream-sink --checkpoint ck --dir out/o"
	assert_success
	diff -r want out
}

@test "the checkpoint's file system remounted read-only mid-run: named, exit 1, nothing half-made; writable again, the pipeline finishes exactly once" {
	stream-split --event-time 1 --interval 5s orders.txt | stream-parse --csv "$SPEC" |
	    stream-state --by client --sum amount --top 3 | stream-sink --dir want/o
	FLAG=$PWD/ro.flag
	readonly_run '--max-rate 1000' > run.out 2>&1 &
	pid=$!
	BG_PIDS="${BG_PIDS:-} $pid"
	waitfor 10 sh -c '[ "$(ls out 2> /dev/null | wc -l)" -ge 2 ]'
	touch ro.flag
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -ne 0 ]
	run cat run.out
	assert_output --regexp "ck/stream-[a-z]+/[^ ]+: Read-only file system"
	run find . -name '.*tmp*'
	assert_output ''
	[ "$(ls out | wc -l)" -lt "$(ls want | wc -l)" ]
	rm ro.flag
	run sh -c "stream-split --event-time 1 --interval 5s --checkpoint ck orders.txt |
	    stream-parse --csv '$SPEC' |
	    stream-state --by client --sum amount --top 3 --checkpoint ck |
	    stream-sink --checkpoint ck --dir out/o"
	assert_success
	diff -r want out
}
