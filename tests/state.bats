#!/usr/bin/env bats
# stream-state: state across batches (updateStateByKey, mapWithState).

load helper

batches() {	# clients a, b, c over four 5 s batches; batch 3 is empty
	printf '#interval\t5000\n#fields\tk\tv\n'
	printf 'a\t1\nb\t2\n#end\t5000\n'
	printf 'a\t10\nc\t4\n#end\t10000\n'
	printf '#end\t15000\n'
	printf 'c\t1\n#end\t20000\n#eos\n'
}

@test "top 5 clients by cumulative amount*price equal an awk computation, every batch" {
	gen-orders -n 30000 --rate 100 > orders.txt
	stream-parse --csv "$SPEC" orders.txt |
	    stream-split --event-time time --interval 5s |
	    stream-state --by client --sum 'amount*price' --top 5 --name TOP5CLIENTS |
	    stream-sink > got.tsv
	awk_top_clients 5 5 < orders.txt > want.tsv
	[ "$(wc -l < want.tsv)" -eq $((61 * 5)) ]
	diff want.tsv got.tsv
}

@test "--emit all: the whole table each batch (stateSnapshots)" {
	run stream-state --by k --sum v --count < <(batches)
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\tcount\n#interval\t5000\na\t1\t1\nb\t2\t1\n#end\t5000\tstate.stream-state=2\na\t11\t2\nb\t2\t1\nc\t4\t1\n#end\t10000\tstate.stream-state=3\na\t11\t2\nb\t2\t1\nc\t4\t1\n#end\t15000\tstate.stream-state=3\na\t11\t2\nb\t2\t1\nc\t5\t2\n#end\t20000\tstate.stream-state=3\n#eos')"
}

@test "--emit updated: only the keys this batch updated (mapWithState)" {
	run stream-state --by k --sum v --emit updated < <(batches)
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\n#interval\t5000\na\t1\nb\t2\n#end\t5000\tstate.stream-state=2\na\t11\nc\t4\n#end\t10000\tstate.stream-state=3\n#end\t15000\tstate.stream-state=3\nc\t5\n#end\t20000\tstate.stream-state=3\n#eos')"
}

@test "--timeout: a key idle longer than the timeout is gone at the right batch" {
	# b was updated at 5000: idle 5 s at 10000, 10 s at 15000 (kept: not
	# longer than 10 s), 15 s at 20000 (gone); a, updated at 10000, is
	# idle 10 s at 20000: kept
	run stream-state --by k --sum v --timeout 10s < <(batches)
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\n#interval\t5000\na\t1\nb\t2\n#end\t5000\tstate.stream-state=2\na\t11\nb\t2\nc\t4\n#end\t10000\tstate.stream-state=3\na\t11\nb\t2\nc\t4\n#end\t15000\tstate.stream-state=3\na\t11\nc\t5\n#end\t20000\tstate.stream-state=2\n#eos')"
}

@test "--emit-removed: the removal is emitted, flagged" {
	run stream-state --by k --sum v --timeout 10s --emit-removed --emit updated < <(batches)
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\tremoved\n#interval\t5000\na\t1\t0\nb\t2\t0\n#end\t5000\tstate.stream-state=2\na\t11\t0\nc\t4\t0\n#end\t10000\tstate.stream-state=3\n#end\t15000\tstate.stream-state=3\nc\t5\t0\nb\t2\t1\n#end\t20000\tstate.stream-state=2\n#eos')"
}

@test "--initial: state starts from a record file (StateSpec.initialState)" {
	printf '#fields\tk\tv_sum\tcount\na\t100\t7\nz\t5\t1\n' > init.rec
	run stream-state --by k --sum v --count --initial init.rec < <(batches)
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\tcount\n#interval\t5000\na\t101\t8\nb\t2\t1\nz\t5\t1\n#end\t5000\tstate.stream-state=3\na\t111\t9\nb\t2\t1\nc\t4\t1\nz\t5\t1\n#end\t10000\tstate.stream-state=4\na\t111\t9\nb\t2\t1\nc\t4\t1\nz\t5\t1\n#end\t15000\tstate.stream-state=4\na\t111\t9\nb\t2\t1\nc\t5\t2\nz\t5\t1\n#end\t20000\tstate.stream-state=4\n#eos')"
}

@test "--initial keys time out from the first batch" {
	printf '#fields\tk\tv_sum\nz\t5\n' > init.rec
	run stream-state --by k --sum v --initial init.rec --timeout 5s < <(batches)
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\n#interval\t5000\na\t1\nb\t2\nz\t5\n#end\t5000\tstate.stream-state=3\na\t11\nb\t2\nc\t4\nz\t5\n#end\t10000\tstate.stream-state=4\na\t11\nc\t4\n#end\t15000\tstate.stream-state=2\nc\t5\n#end\t20000\tstate.stream-state=1\n#eos')"
}

@test "--emit top is the default with --top; --emit updated --top ranks the updated" {
	run stream-state --by k --sum v --top 1 < <(batches)
	assert_output "$(printf '#stream\tkeys=1\ttop=1\n#fields\tk\tv_sum\n#interval\t5000\nb\t2\n#end\t5000\tstate.stream-state=2\na\t11\n#end\t10000\tstate.stream-state=3\na\t11\n#end\t15000\tstate.stream-state=3\na\t11\n#end\t20000\tstate.stream-state=3\n#eos')"
	run stream-state --by k --sum v --top 1 --emit updated < <(batches)
	assert_output "$(printf '#stream\tkeys=1\ttop=1\n#fields\tk\tv_sum\n#interval\t5000\nb\t2\n#end\t5000\tstate.stream-state=2\na\t11\n#end\t10000\tstate.stream-state=3\n#end\t15000\tstate.stream-state=3\nc\t5\n#end\t20000\tstate.stream-state=3\n#eos')"
}

@test "a plain file of records is one batch" {
	printf '#fields\tk\tv\na\t1\na\t2\n' > in.rec
	run stream-state --by k --sum v in.rec
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\na\t3\n#eos')"
}

@test "a killed upstream: the unfinished batch is dropped, exit 1" {
	batches | head -n 7 > in.rec
	run --separate-stderr stream-state --by k --sum v in.rec
	assert_failure 1
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\n#interval\t5000\na\t1\nb\t2\n#end\t5000\tstate.stream-state=2')"
	assert_equal "$stderr" 'stream-state: in.rec: input ended without #eos: the tool before this one failed; its unfinished batch is dropped'
}

@test "bad usage: one message, the usage, exit 2" {
	usage_error 'stream-state: --emit top goes with --top' stream-state --by k --sum v --emit top
	usage_error 'stream-state: --emit-removed goes with --timeout' stream-state --by k --sum v --emit-removed
	usage_error 'stream-state: --initial: v_avg cannot start from a file (only counts, sums, min, max, first and last)' stream-state --by k --avg v --initial x
	usage_error 'stream-state: --emit sometimes: not all, updated or top' stream-state --by k --sum v --emit sometimes
	usage_error 'stream-state: --id, --checkpoint-every and --checkpoint-full-every go with --checkpoint' stream-state --by k --sum v --checkpoint-full-every 3
	usage_error 'stream-state: --checkpoint-full-every: --distinct keeps full snapshots only' stream-state --by k --distinct v --checkpoint ck --checkpoint-full-every 3
	usage_error 'stream-state: --checkpoint-full-every 0: too small (1 to 1000000)' stream-state --by k --sum v --checkpoint ck --checkpoint-full-every 0
}

@test "--initial: a missing file: exit 1" {
	run stream-state --by k --sum v --initial nosuch.rec
	assert_failure 1
	assert_output 'stream-state: nosuch.rec: No such file or directory'
}

@test "--initial: a file without the state's field: exit 1" {
	printf '#fields\tk\tother\na\t1\n' > init.rec
	run stream-state --by k --sum v --initial init.rec
	assert_failure 1
	assert_output 'stream-state: init.rec: no field v_sum'
}

@test "a full disk: exit 1" {
	run sh -c 'printf "#fields\tk\nx\n" | stream-state --by k > /dev/full'
	assert_failure 1
	assert_output 'stream-state: stdout: No space left on device'
}

@test "--initial without #fields says why it stops" {
	printf 'a\t1\n' > init.rec
	run stream-state --by k --sum v --initial init.rec < /dev/null
	assert_failure 1
	assert_output 'stream-state: init.rec:1: no #fields line before the records'
}

# 1000 keys in the first 1 s batch, then one key updated a batch for nine
# more, as CSV lines with their times
many_keys() {
	seq 1 1000 | sed 's/^/2016-03-22 20:00:01,key/; s/$/,1/'
	for b in 2 3 4 5 6 7 8 9 10; do
		printf '2016-03-22 20:00:%02d,key%d,%d\n' "$b" "$b" "$b"
	done
}

# the pipeline of the incremental tests, checkpointed in ck: the source,
# stream-state with $1 (options), the sink
incremental() {
	stream-split --checkpoint ck --checkpoint-every 1 --event-time 1 \
	    --interval 1s in.csv |
	    stream-parse --csv 'time:time,k,v:int' |
	    stream-state --by k --sum v --emit updated --checkpoint ck \
	    --checkpoint-full-every 4 ${1:-} |
	    stream-sink --checkpoint ck
}

@test "--checkpoint-full-every 4: a full snapshot, then increments that hold what changed, then a full one" {
	many_keys > in.csv
	incremental > out
	# the last snapshots (older ones may be kept too, depending on when
	# the sink committed): full, three increments, full, an increment
	run sh -c 'cd ck/stream-state && for f in $(ls snap-* | tail -n 6); do
	    s=$(wc -c < $f); [ "$s" -gt 30000 ] && echo "$f full" ||
	    { [ "$s" -lt 200 ] && echo "$f increment"; }; done'
	assert_output "snap-1458676806000 full
snap-1458676807000 increment
snap-1458676808000 increment
snap-1458676809000 increment
snap-1458676810000 full
snap-1458676811000 increment"
	# and the batches a run without a checkpoint writes
	run sh -c "stream-split --event-time 1 --interval 1s in.csv |
	    stream-parse --csv 'time:time,k,v:int' |
	    stream-state --by k --sum v --emit updated | stream-sink"
	assert_output "$(cat out)"
}

@test "--checkpoint-full-every 4 killed at each snapshot's rename and restarted: each restart from a full snapshot and its increments gives a run never killed" {
	many_keys > in.csv
	incremental > want
	for n in 1 2 3 4 5 6 7 8 9; do
		rm -rf ck
		stream-split --checkpoint ck --checkpoint-every 1 --event-time 1 \
		    --interval 1s in.csv |
		    stream-parse --csv 'time:time,k,v:int' |
		    kill_at rename "$n" stream-state --by k --sum v --emit updated \
		    --checkpoint ck --checkpoint-full-every 4 2> /dev/null |
		    stream-sink --checkpoint ck > one 2> /dev/null || true
		incremental > two
		run cat one two
		assert_output "$(cat want)"
	done
}

@test "--checkpoint-full-every: an increment whose full snapshot is gone is not used: the restart goes back to an older chain, or with none is refused" {
	many_keys > in.csv
	incremental > /dev/null
	rm ck/stream-state/snap-1458676810000
	run incremental
	assert_success
	assert_output ""
	# every full snapshot gone, and the source's log pruned (whether the
	# run pruned any depends on when the sink committed): no chain is whole
	for f in ck/stream-state/snap-*; do
		[ "$(wc -c < "$f")" -lt 30000 ] || rm "$f"
	done
	touch ck/stream-split/pruned
	run incremental
	assert_failure 1
	assert_output --partial "ck: no snapshot common to every tool at or before the committed batch 1458676811000: cannot recover"
}

# dedup_gen N: events of ids that repeat at gaps around 10 s (sorted by
# time, in 1 s batches), as raw lines ev.csv and batched records ev.rec
dedup_gen() {
	awk -v n="$1" 'BEGIN {
		srand(12)
		for (i = 0; i < n; i++)
			printf "%.0f,u%d,%d\n", 1458678328000 + i * 10, int(i / 7) + int(rand() * 40), i
	}' > ev.csv
	stream-split --event-time 1 --sep , --interval 1s ev.csv |
	    stream-parse --csv t:time,id,n:int > ev.rec
}

@test "--dedup --within: the first of a key passes, repeats within the bound are dropped and counted, later ones pass" {
	e=1970-01-01T00:00:0
	printf '#stream\n#interval\t1000\n#fields\tt\tid\tv\n%s1Z\ta\t1\n%s1.5Z\ta\t2\n%s1.2Z\tb\t3\n#end\t2000\n%s2.5Z\ta\t4\n%s3Z\ta\t5\n#end\t4000\n#eos\n' $e $e $e $e $e > in.rec
	run stream-state --dedup id --within 1500ms --event-time t in.rec
	assert_success
	assert_output "$(printf '#stream\n#interval\t1000\n#fields\tt\tid\tv\n%s1Z\ta\t1\n#at\tin.rec\t6\n%s1.2Z\tb\t3\n#end\t2000\tdup=1\tstate.stream-state=2\n#at\tin.rec\t9\n%s3Z\ta\t5\n#end\t4000\tdup=1\tstate.stream-state=1\n#eos' $e $e $e)"
}

@test "--dedup without --within: every repeat dropped, for ever" {
	printf '#fields\tk\tv\na\t1\nb\t2\na\t3\nb\t4\nc\t5\n' > in.rec
	run stream-state --dedup k in.rec
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tv\na\t1\nb\t2\n#at\tin.rec\t6\nc\t5\n#eos')"
}

@test "--dedup on two fields, records placed by #at where one was dropped" {
	printf '#fields\ta\tb\n1\tx\n1\ty\n1\tx\n2\tx\n' > in.rec
	stream-state --dedup a,b in.rec > out.rec
	run grep -v '^#' out.rec
	assert_output "$(printf '1\tx\n1\ty\n2\tx')"
	run grep '^#at' out.rec
	assert_output "$(printf '#at\tin.rec\t5')"
}

@test "--dedup --within 10s on 100,000 events equals an awk reference" {
	dedup_gen 100000
	stream-state --dedup id --within 10s --event-time t ev.rec > out.rec
	run sh -c "grep -v '^#' out.rec | cut -f3"
	awk -F, '{ if (($2 in last) && $1 - last[$2] <= 10000) next; last[$2] = $1; print $3 }' ev.csv > want
	[ "$(wc -l < want)" -lt 100000 ]
	assert_output "$(cat want)"
	run awk -F'\t' '/^#end/ { for (i = 3; i <= NF; i++) if ($i ~ /^dup=/) d += substr($i, 5) } END { print d }' out.rec
	assert_output "$((100000 - $(wc -l < want)))"
}

@test "--dedup --within keeps only the keys of the last DUR: as many keys held, and memory flat, when the input grows 10x" {
	rss() {
		dedup_gen "$1"
		# memory freed is memory given back, also under make sanitize
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
		    /usr/bin/time -f %M -o rss stream-state --dedup id --within 10s --event-time t ev.rec > out.rec
		# the most keys held after a batch (the #end's state.stream-state=)
		awk -F'\t' '/^#end/ { for (i = 3; i <= NF; i++) if ($i ~ /^state/) { sub(/.*=/, "", $i); if ($i + 0 > m) m = $i + 0 } } END { print m }' out.rec > keys
		echo "$(cat rss) $(cat keys)"
	}
	read -r small ksmall <<< "$(rss 200000)"
	read -r large klarge <<< "$(rss 2000000)"
	echo "peak RSS: $small KiB for 200k events, $large KiB for 2M; keys held: $ksmall, $klarge"
	# about 1,100 records in 11 s, of about 200 ids
	[ "$ksmall" -lt 300 ] && [ "$klarge" -lt 300 ]
	# the table's arena is let go in 1 MiB blocks: at most two more
	[ "$large" -lt $((small + 3 * 1024)) ]
}

@test "--dedup --checkpoint: killed at its snapshots' renames and restarted, the output of one run" {
	dedup_gen 3000
	cut -d, -f1-3 ev.csv > in.csv
	pipe() {
		stream-split --event-time 1 --sep , --interval 1s --checkpoint ck --checkpoint-every 2 in.csv |
		    stream-parse --csv t:time,id,n:int |
		    "$@" stream-state --dedup id --within 5s --event-time t --checkpoint ck |
		    stream-sink --checkpoint ck --append log.txt
	}
	each_rename_kill 1 2 3 4 6 9 12
}

@test "--dedup: bad usage" {
	usage_error 'stream-state: --dedup passes records on: no aggregation, --emit, --timeout or --initial' stream-state --dedup k --count
	usage_error "stream-state: --within needs --event-time: the records' times" stream-state --dedup k --within 5s
	usage_error 'stream-state: --event-time goes with --within' stream-state --dedup k --event-time t
	usage_error 'stream-state: --within and --event-time go with --dedup' stream-state --count --within 5s
	usage_error 'stream-state: --dedup a,: not a list of fields' stream-state --dedup a,
}

@test "--dedup: a missing key field stops it, named; a time that is not one is dropped and said" {
	printf '#fields\tk\n1\n' > in.rec
	run --separate-stderr stream-state --dedup x in.rec
	assert_failure 1
	assert_equal "$stderr" 'stream-state: in.rec: no field x (--dedup): its #fields has 1 field'
	printf '#stream\n#interval\t1000\n#fields\tt\tk\nsoon\ta\n#end\t1000\n#eos\n' > in.rec
	run --separate-stderr stream-state --dedup k --within 1s --event-time t in.rec
	assert_success
	assert_output "$(printf '#stream\n#interval\t1000\n#fields\tt\tk\n#end\t1000\tbad=1\tstate.stream-state=0\n#eos')"
	assert_equal "$stderr" 'stream-state: in.rec:4: t "soon" is not a timestamp: record dropped'
}
