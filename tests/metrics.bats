#!/usr/bin/env bats
# stream-sink --metrics, --metrics-prom and the status line: the four
# figures of Spark's web UI, and the late and bad records the tools before
# the sink counted on their #end lines.

load helper

live() {	# live: 30000 orders, 1% bad, at 30000 a second, in 200 ms batches
	gen-orders -n 30000 --bad 0.01 --pace 30000 |
	    stream-split --interval 200ms |
	    stream-parse --csv "$SPEC" 2> /dev/null |
	    stream-reduce --by side --count
}

@test "--metrics: one record a batch, a record stream: records, input rate, the three delays, late and bad" {
	live | stream-sink --dir out/o --metrics m.rec
	run sed -n 1,4p m.rec
	assert_output "$(printf '#stream\tname=metrics\n#fields\tbatch_time\trecords\tinput_rate\tscheduling_delay\tprocessing_time\ttotal_delay\tlate\tbad\tstate\n#types\tint\tint\tnum\tint\tint\tint\tint\tint\tstr\n#interval\t200')"
	run tail -n 1 m.rec
	assert_output '#eos'
	# every batch published has its record, its time its #end's
	[ "$(grep -c '^#end' m.rec)" -eq "$(ls out | wc -l)" ]
	run awk -F '\t' '!/^#/ { n += $2; bad += $8
	    if ($6 != $4 + $5 || $4 < 0 || $5 < 0 || $3 != sprintf("%.1f", $2 * 5)) print "wrong: " $0 }
	    END { print n, bad }' m.rec
	assert_output '30000 300'
}

@test "--metrics: batches of event time have no delays" {
	gen-orders -n 2000 --rate 100 > orders.txt
	stream-split --event-time 1 --interval 5s orders.txt | stream-parse --csv "$SPEC" |
	    stream-reduce --by side --count | stream-sink --dir out/o --metrics m.rec
	run sed -n 5p m.rec
	assert_output "$(printf '1458678330000\t200\t40.0\t\t\t\t0\t0\t')"
}

@test "--metrics -: the metrics on standard output, a stream the same tools aggregate" {
	live > s.rec
	run sh -c "stream-sink --sqlite db --table sides --mode complete --metrics - s.rec |
	    stream-state --sum records --sum bad | grep -v '^#' | tail -n 1"
	assert_success
	assert_output "$(printf '30000\t300')"
	run sh -c "stream-sink --sqlite db2 --table sides --metrics - s.rec |
	    stream-window --length 1h --sum records | grep -v '^#' | tail -n 1"
	assert_output 30000
}

@test "--metrics-prom: the Prometheus text format, replaced whole at every batch" {
	live | stream-sink --dir out/o --metrics-prom m.prom
	run grep -v '^#' m.prom
	assert_line --regexp '^streamkit_batch_time_ms [0-9]{13}$'
	assert_line --regexp '^streamkit_total_delay_ms [0-9]+$'
	assert_line "streamkit_batches_total $(ls out | wc -l)"
	assert_line 'streamkit_records_total 30000'
	assert_line 'streamkit_late_records_total 0'
	assert_line 'streamkit_bad_records_total 300'
	run grep -c '^# TYPE streamkit_' m.prom
	assert_output 10
	run ls -A
	refute_output --partial 'tmp'
}

@test "the status line: on a terminal, updated in place; never on a file" {
	run script -qec "gen-orders -n 3000 --pace 30000 | stream-split --interval 100ms |
	    stream-sink --dir out/o > /dev/null" /dev/null
	assert_success
	assert_output --partial 'stream-sink: 1 batches'
	assert_output --regexp 'stream-sink: [0-9]+ batches, [0-9]+ records/s, delay [0-9]+ ms, 0 late, 0 bad'
	run sh -c 'gen-orders -n 3000 | stream-split --interval 100ms | stream-sink --dir out2/o > /dev/null'
	assert_success
	assert_output ''
}

@test "late and bad add up across partitions: their merge says what one pipeline says" {
	gen-orders -n 20000 --rate 1000 --bad 0.01 --seed 3 > orders.txt
	stream-split --event-time 1 --interval 5s orders.txt 2> /dev/null |
	    stream-parse --csv "$SPEC" 2> /dev/null | stream-reduce --by side --count |
	    grep '^#end' > one
	stream-split --event-time 1 --interval 5s --partitions 2 --by 3 --out-prefix p orders.txt 2> /dev/null
	for i in 0 1; do
		stream-parse --csv "$SPEC" < "p.$i" 2> /dev/null | stream-reduce --by side --count > "c.$i"
	done
	run sh -c 'stream-reduce --by side --sum count c.0 c.1 | grep "^#end"'
	assert_output "$(cat one)"
	grep -q 'bad=' one
}

@test "--metrics -: standard output must not hold the batches too" {
	usage_error 'stream-sink: --metrics -: standard output holds the batches: give --dir, --append, --sqlite, --kafka or --exec' stream-sink --metrics -
	usage_error 'stream-sink: --metrics -: standard output holds the batches: give --dir, --append, --sqlite, --kafka or --exec' stream-sink --metrics - --print --dir out/o
}

@test "--metrics: a file that cannot be made is named: exit 1" {
	run stream-sink --metrics nodir/m.rec --dir out/o < /dev/null
	assert_failure 1
	assert_output 'stream-sink: nodir/m.rec: No such file or directory'
}

@test "the keys each stateful tool holds: on its #end as state.ID=, in the metrics and the Prometheus file; a merge of partitions adds them up" {
	gen-orders -n 20000 --rate 1000 --seed 3 > orders.txt
	stream-split --event-time 1 --interval 5s orders.txt | stream-parse --csv "$SPEC" > s.rec
	stream-state --by client --sum amount --top 3 s.rec > a
	stream-window --length 10s --by symbol --count --top 3 s.rec > b
	run sh -c "grep '^#end' a | tail -n 1"
	assert_output "$(printf '#end\t1458678350000\tn=3000\tstate.stream-state=100')"
	stream-sink --dir out/o --metrics m.rec --metrics-prom m.prom a b
	run sh -c "tail -n 3 m.rec | head -n 1 | cut -f 9"
	assert_output 'stream-state=100,stream-window=80'
	run grep '^streamkit_state_keys' m.prom
	assert_output "$(printf 'streamkit_state_keys{tool="stream-state"} 100\nstreamkit_state_keys{tool="stream-window"} 80')"
	stream-split --event-time 1 --interval 5s --partitions 2 --by 3 --out-prefix p orders.txt
	for i in 0 1; do
		stream-parse --csv "$SPEC" < "p.$i" | stream-state --by client --sum amount --top 3 > "t.$i"
	done
	# each partition holds some of the clients; the merge, all of them
	run sh -c "grep '^#end' t.0 | tail -n 1"
	assert_output --regexp '^#end	1458678350000	n=[0-9]+	state.stream-state=[1-9][0-9]?$'
	run sh -c "stream-reduce --by client --sum amount_sum --top 3 t.0 t.1 | grep '^#end' | tail -n 1"
	assert_output "$(printf '#end\t1458678350000\tn=3000\tstate.stream-state=100')"
}
