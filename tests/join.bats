#!/usr/bin/env bats
# stream-join: per-batch joins and cogroup against join(1), --table,
# --within against an awk reference, checkpoints, failures, usage.

load helper

TAB=$'\t'

# gen_pair SEED BATCHES: L.rec (k, lv) and R.rec (k, rv), batches of 1 s
# with 0-5 records each, keys k0-k4 (one side only, duplicates on both),
# and some batches empty on one side or both.
gen_pair() {
	awk -v seed="$1" -v nb="$2" 'BEGIN {
		srand(seed)
		for (f = 0; f < 2; f++) {
			out[f] = f ? "R.rec" : "L.rec"
			printf "#stream\n#interval\t1000\n#fields\tk\t%s\n",
			    f ? "rv" : "lv" > out[f]
		}
		for (b = 1; b <= nb; b++) {
			for (f = 0; f < 2; f++) {
				n = int(rand() * 6)
				if (b % (f ? 5 : 7) == 0)
					n = 0
				for (i = 0; i < n; i++)
					printf "k%d\t%s%d.%d\n", int(rand() * 5),
					    f ? "r" : "l", b, i > out[f]
			}
			for (f = 0; f < 2; f++)
				printf "#end\t%d\n", b * 1000 > out[f]
		}
		for (f = 0; f < 2; f++)
			print "#eos" > out[f]
	}'
}

# A stream's data lines as "T<TAB>line", T the batch they are in; sorted.
tagged() {
	awk -F'\t' '/^#end\t/ { for (i = 0; i < n; i++) print $2 "\t" l[i]; n = 0; next }
	    /^#/ { next } { l[n++] = $0 }' "$1" | LC_ALL=C sort
}

# join_ref OPTIONS...: the same with join(1), batch by batch, as tagged.
join_ref() {
	local b
	for b in $(awk -F'\t' '$1 == "#end" { print $2 }' L.rec); do
		for f in L R; do
			awk -F'\t' -v b="$b" '/^#end\t/ { if ($2 == b) { for (i = 0; i < n; i++) print l[i] } n = 0; next }
			    /^#/ { next } { l[n++] = $0 }' "$f.rec" | LC_ALL=C sort -t "$TAB" -k1,1 > "$f.b"
		done
		LC_ALL=C join -t "$TAB" "$@" -e '' -o 0,1.2,2.2 L.b R.b |
		    sed "s/^/$b$TAB/"
	done | LC_ALL=C sort
}

@test "an inner join per batch: every pair of the same key, left order, then right" {
	printf '#fields\tk\tv\n1\ta\n2\tb\n2\tc\n3\td\n' > L
	printf '#fields\tk\tw\n2\tX\n2\tY\n4\tZ\n' > R
	run stream-join --on k L R
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tv\tw\n2\tb\tX\n2\tb\tY\n2\tc\tX\n2\tc\tY\n#eos')"
}

@test "--left, --right and --full: the missing side's fields are empty" {
	printf '#fields\tk\tv\n1\ta\n2\tb\n' > L
	printf '#fields\tk\tw\n2\tX\n4\tZ\n' > R
	run stream-join --on k --left L R
	assert_output "$(printf '#stream\n#fields\tk\tv\tw\n1\ta\t\n2\tb\tX\n#eos')"
	run stream-join --on k --right L R
	assert_output "$(printf '#stream\n#fields\tk\tv\tw\n2\tb\tX\n4\t\tZ\n#eos')"
	run stream-join --on k --full L R
	assert_output "$(printf '#stream\n#fields\tk\tv\tw\n1\ta\t\n2\tb\tX\n4\t\tZ\n#eos')"
}

@test "--cogroup: one line a key, each side's values as a list" {
	printf '#fields\tk\tv\tn\n1\ta\t1\n2\tb\t2\n2\tc\t3\n' > L
	printf '#fields\tk\tw\n2\tX\n2\tY\n4\tZ\n' > R
	run stream-join --on k --cogroup L R
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tv\tn\tw\n1\ta\t1\t\n2\tb,c\t2,3\tX,Y\n4\t\t\tZ\n#eos')"
}

@test "inner, left, right and full joins equal join(1) batch by batch" {
	gen_pair 7 60
	for kind in "" --left --right --full; do
		case $kind in
		--left) ref=(-a1) ;; --right) ref=(-a2) ;; --full) ref=(-a1 -a2) ;; *) ref=() ;;
		esac
		stream-join --on k $kind L.rec R.rec > out.rec
		[ "$(grep -c '^#end' out.rec)" -eq 60 ]
		tagged out.rec > got
		join_ref "${ref[@]}" > want
		[ -s want ]
		run diff want got
		assert_output ''
	done
}

@test "--cogroup equals a reference made with awk, batch by batch" {
	gen_pair 11 40
	stream-join --on k --cogroup L.rec R.rec > out.rec
	tagged out.rec > got
	# per batch: the keys of both sides with their lists in input order
	awk -F'\t' '
	BEGIN { n = 0 }
	FNR == 1 { side = FILENAME == "R.rec" }
	$1 == "#end" {
		for (i = 0; i < n; i++) {
			k = r[i]
			v[side, $2, k] = v[side, $2, k] (cnt[side, $2, k]++ ? "," : "") val[i]
			keys[$2, k] = 1
		}
		n = 0
		next
	}
	/^#/ { next }
	{ r[n] = $1; val[n++] = $2 }
	END { for (bk in keys) { split(bk, p, SUBSEP); print p[1] "\t" p[2] "\t" v[0, p[1], p[2]] "\t" v[1, p[1], p[2]] } }' L.rec R.rec |
	    LC_ALL=C sort > want
	run diff want got
	assert_output ''
}

@test "empty batches on both sides keep their #end, with n= summed" {
	printf '#stream\n#interval\t1000\n#fields\tk\tv\n#end\t1000\tn=0\n1\ta\n#end\t2000\tn=1\n#eos\n' > L
	printf '#stream\n#interval\t1000\n#fields\tk\tw\n#end\t1000\tn=0\n#end\t2000\tn=3\n#eos\n' > R
	run stream-join --on k --left L R
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tv\tw\n#interval\t1000\n#end\t1000\tn=0\n1\ta\t\n#end\t2000\tn=4\n#eos')"
}

@test "two key fields, named left=right; names on both sides prefixed" {
	printf '#fields\ta\tb\tx\ty\n1\t2\tL\tl\n' > L
	printf '#fields\tc\td\tx\ta\n1\t2\tR\tr\n1\t3\tS\ts\n' > R
	run stream-join --on a=c,b=d L R
	assert_success
	assert_output "$(printf '#stream\n#fields\ta\tb\tleft_x\ty\tright_x\tright_a\n1\t2\tL\tl\tR\tr\n#eos')"
	run stream-join --on a=c,b=d --lp l. --rp r. --fields b,r.x L R
	assert_output "$(printf '#stream\n#fields\tb\tr.x\n2\tR\n#eos')"
}

@test "#types are kept; a field that starts a line with # keeps its escape" {
	printf '#fields\tk\tv\n#types\tstr\tint\n\\#1\t5\n' > L
	printf '#fields\tk\tw\n#types\tstr\tnum\n\\#1\t2.5\n' > R
	run stream-join --on k L R
	assert_output "$(printf '#stream\n#fields\tk\tv\tw\n#types\tstr\tint\tnum\n\\#1\t5\t2.5\n#eos')"
	run stream-join --on k --fields v,k L R
	assert_output "$(printf '#stream\n#fields\tv\tk\n#types\tint\tstr\n5\t#1\n#eos')"
}

@test "streams through FIFOs, written at different paces" {
	mkfifo l r
	gen_pair 3 20
	stream-join --on k l r > out.rec &
	{ sleep 0.2; cat L.rec; } > l &
	cat R.rec > r
	wait
	stream-join --on k L.rec R.rec > want.rec
	run diff want.rec out.rec
	assert_output ''
}

@test "--table: every batch joined with a table of records, the stream's shape kept" {
	printf '#fields\tclient\tname\n7\tAda\n12\tBob\n' > clients.rec
	printf '#stream\tkeys=1\ttop=3\tname=TOP\n#interval\t5000\n#fields\tclient\tvalue\n12\t50\n9\t30\n7\t10\n#end\t5000\n#eos\n' > top.rec
	run stream-join --on client --table clients.rec --fields name,value top.rec
	assert_success
	assert_output "$(printf '#stream\n#stream\tkeys=1\ttop=3\tname=TOP\n#fields\tname\tvalue\n#interval\t5000\nBob\t50\nAda\t10\n#end\t5000\n#eos')"
	run stream-join --on client --table clients.rec --left top.rec
	assert_line --index 5 "$(printf '9\t30\t')"
}

@test "the dashboard's top clients by name (stream-sink --format spark)" {
	gen-orders -n 3000 --rate 300 > orders.txt
	printf '#fields\tclient\tname\n' > clients.rec
	for i in $(seq 1 100); do printf '%d\tclient-%d\n' "$i" "$i"; done >> clients.rec
	stream-split --event-time 1 --sep , --interval 5s orders.txt |
	    stream-parse --csv "$SPEC" |
	    stream-state --by client --sum 'value=amount*price' --top 5 --name TOP5CLIENTS \
	    --emit top > top.rec
	stream-join --on client --table clients.rec --fields name top.rec |
	    stream-sink --format spark > named.txt
	stream-sink --format spark top.rec |
	    sed 's/\([(,] *\)\([0-9][0-9]*\)/\1client-\2/g' > want.txt
	run diff want.txt named.txt
	assert_output ''
	[ "$(wc -l < named.txt)" -ge 2 ]
}

@test "--table replaced mid-run: the next batch uses the new one, never mid-batch" {
	printf '#fields\tk\tname\n1\told\n' > t.rec
	mkfifo in
	stream-join --on k --table t.rec in > out.rec &
	exec 7> in
	printf '#stream\n#interval\t1000\n#fields\tk\n1\n' >&7
	printf '#fields\tk\tname\n1\tnew\n' > t2.rec
	mv t2.rec t.rec		# replaced while batch 1000 is open
	printf '1\n#end\t1000\n' >&7
	waitfor 5 grep -q '^#end' out.rec
	printf '#fields\tk\tname\n1\tnewer\n' > t3.rec
	mv t3.rec t.rec
	printf '1\n#end\t2000\n#eos\n' >&7
	exec 7>&-
	wait
	run cat out.rec
	assert_output "$(printf '#stream\n#fields\tk\tname\n#interval\t1000\n1\tnew\n1\tnew\n#end\t1000\n1\tnewer\n#end\t2000\n#eos')"
}

@test "--table: a table that cannot be read at the start stops it; later, the old one is kept" {
	run stream-join --on k --table nosuch.rec /dev/null
	assert_failure 1
	assert_output 'stream-join: nosuch.rec: No such file or directory'
	printf 'k\n1\n' > t.rec
	run stream-join --on k --table t.rec /dev/null
	assert_failure 1
	assert_output --partial 't.rec: no #fields line'
	printf '#fields\tk\tname\n1\tA\n' > t.rec
	mkfifo in
	stream-join --on k --table t.rec in > out.rec 2> err &
	exec 7> in
	printf '#stream\n#interval\t1000\n#fields\tk\n1\n#end\t1000\n' >&7
	waitfor 5 grep -q '^#end' out.rec
	printf '#fields\tk\tother\n1\tB\n' > t2.rec
	mv t2.rec t.rec
	printf '1\n#end\t2000\n#eos\n' >&7
	exec 7>&-
	wait
	run cat out.rec
	assert_output "$(printf '#stream\n#fields\tk\tname\n#interval\t1000\n1\tA\n#end\t1000\n1\tA\n#end\t2000\n#eos')"
	run cat err
	assert_output 'stream-join: t.rec: its #fields changed: the table read before is kept'
}

@test "--within: pairs within the bound across batches, outer rows when they expire" {
	printf '#interval\t10000\n#fields\tt\tk\tv\n1970-01-01T00:00:01Z\ta\tL1\n1970-01-01T00:00:08Z\tb\tL2\n#end\t10000\n1970-01-01T00:00:12Z\ta\tL3\n#end\t20000\n#end\t30000\n#eos\n' > L
	printf '#interval\t10000\n#fields\tt\tk\tw\n1970-01-01T00:00:05Z\ta\tR1\n#end\t10000\n1970-01-01T00:00:16Z\ta\tR2\n1970-01-01T00:00:19Z\tc\tR3\n#end\t20000\n#end\t30000\n#eos\n' > R
	run stream-join --on k --within 5s --event-time t --full L R
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tleft_t\tv\tright_t\tw\n#interval\t10000
a\t1970-01-01T00:00:01Z\tL1\t1970-01-01T00:00:05Z\tR1
#end\t10000\tstate.stream-join=2
a\t1970-01-01T00:00:12Z\tL3\t1970-01-01T00:00:16Z\tR2
b\t1970-01-01T00:00:08Z\tL2\t\t
#end\t20000\tstate.stream-join=2
c\t\t\t1970-01-01T00:00:19Z\tR3
#end\t30000\tstate.stream-join=0
#eos')"
}

@test "--within: exactly the bound joins, a millisecond more does not; late records counted" {
	e=1970-01-01T00:00:0
	printf '#interval\t1000\n#fields\tt\tk\n%s1Z\ta\n%s1Z\tb\n#end\t2000\n%s0.5Z\ta\n#end\t3000\n#eos\n' $e $e $e > L
	printf '#interval\t1000\n#fields\tt\tk\n%s1.5Z\ta\n%s1.501Z\tb\n#end\t2000\n#end\t3000\n#eos\n' $e $e > R
	run stream-join --on k --within 500ms --event-time t L R
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tleft_t\tright_t\n#interval\t1000\na\t%s1Z\t%s1.5Z\n#end\t2000\tstate.stream-join=2\n#end\t3000\tlate=1\tstate.stream-join=0\n#eos' $e $e)"
}

# within_gen N SEED: buys and sells of 50 symbols, 200 a second of event
# time, each up to 3 s out of order, in 1 s batches closed by stream-split.
within_gen() {
	awk -v n="$1" -v seed="$2" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++) {
			t = 1458678328000 + int(i * 5 + rand() * 3000)
			printf "%.0f,%d,S%02d,%s\n", t, i, int(rand() * 50), rand() < 0.5 ? "B" : "S"
		}
	}' > ev.csv
	for side in B S; do
		stream-split --event-time 1 --sep , --interval 1s --watermark 3s ev.csv |
		    stream-parse --csv t:time,id:int,sym,side --where "side == \"$side\"" > "$side.rec"
	done
}

# The pairs of buys and sells of one symbol within 10 s, by awk from the
# raw events sorted by symbol and time: "buy-id<TAB>sell-id" lines, sorted.
within_ref() {
	LC_ALL=C sort -t, -k3,3 -k1,1n ev.csv | awk -F, '
	$3 != sym { sym = $3; lo = NR }
	{
		t[NR] = $1; id[NR] = $2; side[NR] = $4
		while (t[NR] - t[lo] > 10000)
			lo++
		for (p = lo; p < NR; p++)
			if (side[p] != $4)
				print ($4 == "S" ? id[p] "\t" $2 : $2 "\t" id[p])
	}' | LC_ALL=C sort
}

@test "--within 10s on 200,000 out-of-order events equals a reference" {
	within_gen 200000 5
	stream-join --on sym --within 10s --event-time t --fields left_id,right_id B.rec S.rec > out.rec
	grep -v '^#' out.rec | LC_ALL=C sort > got
	within_ref > want
	[ "$(wc -l < want)" -gt 1000000 ]
	run diff want got
	assert_output ''
	run grep -c late= out.rec
	assert_output 0
}

# peak RSS in KiB of a --within join of N events
within_rss() {
	within_gen "$1" 9
	# memory freed is memory given back, also under make sanitize
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
	    /usr/bin/time -f %M -o rss stream-join --on sym --within 10s --event-time t B.rec S.rec > /dev/null
	cat rss
}

@test "--within keeps only what can still match: peak memory flat when the input grows 10x" {
	small=$(within_rss 200000)
	large=$(within_rss 2000000)
	echo "peak RSS: $small KiB for 200k events, $large KiB for 2M"
	[ "$large" -lt $((small * 5 / 4)) ]
}


# ck_pipe [strace-kill args]: buys and sells from their own checkpointed
# sources, joined --within 3s --full with a checkpoint, appended by a
# checkpointed sink to log.txt; with arguments, stream-join is killed at
# that call (kill_at SYSCALL N).
ck_pipe() {
	rm -f l r
	mkfifo l r
	for side in B S; do
		stream-split --event-time 1 --sep , --interval 1s --checkpoint ck \
		    --checkpoint-every 2 --id "split.$side" "$side.csv" 2>/dev/null |
		    stream-parse --csv t:time,id:int,sym,side > "$( [ $side = B ] && echo l || echo r)" 2>/dev/null &
	done
	if [ $# -gt 0 ]; then
		kill_at "$1" "$2" stream-join --checkpoint ck --on sym --within 3s \
		    --event-time t --full l r
	else
		stream-join --checkpoint ck --on sym --within 3s --event-time t --full l r
	fi | stream-sink --checkpoint ck --append log.txt 2>/dev/null
	local rc=$?
	# a killed join leaves a source's shell waiting to open its FIFO
	[ $# -eq 0 ] || { sleep 0.3; kill -9 $(jobs -p) 2>/dev/null || true; }
	wait
	return $rc
}

@test "--within --checkpoint: killed at its writes, renames and fsyncs, and again while it recovers: the output of one run" {
	awk 'BEGIN { srand(4); for (i = 0; i < 1500; i++) {
		t = 1458678328000 + int(i * 7 + rand() * 900)
		printf "%.0f,%d,S%d,%s\n", t, i, int(rand() * 8), rand() < 0.5 ? "B" : "S" } }' |
	    sort -t, -k1,1n > ev.csv
	grep ',B$' ev.csv > B.csv
	grep ',S$' ev.csv > S.csv
	ck_pipe
	mv log.txt ref.txt
	rm -rf ck
	[ "$(grep -c . ref.txt)" -gt 500 ]
	for sc in write rename fsync; do
		for n in 1 2 3 4 5 6 8 10 13 21; do
			rm -rf ck log.txt
			ck_pipe "$sc" "$n" || true
			[ $((n % 3)) -ne 0 ] || ck_pipe rename 1 || true
			ck_pipe
			run diff ref.txt log.txt
			assert_output ''
		done
	done
}

@test "bad usage: one message, the usage, exit 2" {
	printf '#fields\tk\n' > L
	usage_error 'stream-join: --on: which fields to join on' stream-join L L
	usage_error 'stream-join: two inputs: left and right' stream-join --on k L
	usage_error 'stream-join: --on a,,b: not a list of fields (name or left=right, separated by commas)' stream-join --on a,,b L L
	usage_error 'stream-join: --left and --full: one kind of join' stream-join --on k --left --full L L
	usage_error 'stream-join: --table joins a stream with a table: inner, or --left' stream-join --on k --table L --cogroup L
	usage_error 'stream-join: --table: one stream, or standard input' stream-join --on k --table L L L
	usage_error 'stream-join: --within needs --event-time: the records'"'"' times' stream-join --on k --within 5s L L
	usage_error 'stream-join: --event-time goes with --within' stream-join --on k --event-time t L L
	usage_error 'stream-join: --watermark goes with --within' stream-join --on k --watermark 1s L L
	usage_error 'stream-join: --cogroup is per batch: not with --within' stream-join --on k --cogroup --within 1s --event-time t L L
	usage_error 'stream-join: --checkpoint: only --within keeps state from batch to batch' stream-join --on k --checkpoint ck L L
	usage_error 'stream-join: - -: standard input is one input' stream-join --on k - -
	usage_error 'stream-join: --within soon: not a duration (examples: 250ms, 5s, 2m30s, 1h)' stream-join --on k --within soon --event-time t L L
}

@test "a missing input, a missing key field, another interval: exit 1, named" {
	printf '#fields\tk\tv\n1\ta\n' > L
	printf '#fields\tx\n1\n' > R
	run stream-join --on k L nosuch
	assert_failure 1
	assert_output 'stream-join: nosuch: No such file or directory'
	run stream-join --on k L R
	assert_failure 1
	assert_line 'stream-join: R: no field k (the key): its #fields has 1 field'
	printf '#interval\t1000\n#fields\tk\n#end\t1000\n#eos\n' > A
	printf '#interval\t2000\n#fields\tk\n#end\t2000\n#eos\n' > B
	run stream-join --on k A B
	assert_failure 1
	assert_output --partial 'B: batches of 2000 ms, but A has 1000 ms'
}

@test "a broken input: what both completed is joined, nothing after it, exit 1" {
	printf '#stream\n#interval\t1000\n#fields\tk\tv\n1\ta\n#end\t1000\n1\tb\n#end\t2000\n#eos\n' > L
	printf '#stream\n#interval\t1000\n#fields\tk\tw\n1\tX\n#end\t1000\n1\tY\n' > R
	run --separate-stderr stream-join --on k L R
	assert_failure 1
	assert_output "$(printf '#stream\n#fields\tk\tv\tw\n#interval\t1000\n1\ta\tX\n#end\t1000')"
	assert_equal "$stderr" 'stream-join: R: input ended without #eos: the tool before this one failed; its unfinished batch is dropped; nothing more is published'
}

@test "a record with fewer fields: the missing ones empty, said once a batch" {
	printf '#fields\tk\tv\tx\n1\ta\n' > L
	printf '#fields\tk\tw\n1\tX\n' > R
	run --separate-stderr stream-join --on k L R
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tv\tx\tw\n1\ta\t\tX\n#eos')"
	assert_equal "$stderr" 'stream-join: L: 1 record with more or fewer fields than its #fields (missing ones are empty)'
}

@test "--within: a record whose time is not one is left out, said and counted in bad=" {
	printf '#interval\t1000\n#fields\tt\tk\n1970-01-01T00:00:01Z\ta\nsoon\ta\n#end\t2000\n#eos\n' > L
	printf '#interval\t1000\n#fields\tt\tk\n1970-01-01T00:00:01Z\ta\n#end\t2000\n#eos\n' > R
	run --separate-stderr stream-join --on k --within 1s --event-time t L R
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tleft_t\tright_t\n#interval\t1000\na\t1970-01-01T00:00:01Z\t1970-01-01T00:00:01Z\n#end\t2000\tbad=1\tstate.stream-join=2\n#eos')"
	assert_equal "$stderr" 'stream-join: L: batch 2000: t "soon" is not a timestamp: record left out'
}

@test "--within --checkpoint: a snapshot that does not fit is refused, naming it" {
	printf '#stream\n#interval\t1000\n#checkpoint\tevery=1\n#fields\tt\tk\n1970-01-01T00:00:01Z\ta\n#end\t2000\n#eos\n' > L
	stream-join --checkpoint ck --on k --within 5s --event-time t L L | stream-sink --checkpoint ck > /dev/null
	[ -f ck/stream-join/snap-2000 ]
	# a valid checksum around bytes that are not a join's state
	printf 'not a snapshot at all, not at all' > ck/stream-join/snap-2000
	"$ROOT/tests/ckseal" ck/stream-join/snap-2000
	run stream-join --checkpoint ck --on k --within 5s --event-time t L L
	assert_failure 1
	assert_output --partial 'ck/stream-join/snap-2000: not a snapshot of stream-join --within'
}

@test "--within on two plain files: one batch, the records nothing matched written as outer rows at its end" {
	e=1970-01-01T00:00:0
	printf '#fields\tt\tk\tv\n%s1Z\ta\tL1\n%s9Z\ta\tL2\n' $e $e > L
	printf '#fields\tt\tk\tw\n%s1.5Z\ta\tR1\n' $e > R
	run stream-join --on k --within 1s --event-time t --full L R
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tleft_t\tv\tright_t\tw\na\t%s1Z\tL1\t%s1.5Z\tR1\na\t%s9Z\tL2\t\t\n#eos' $e $e $e)"
}
