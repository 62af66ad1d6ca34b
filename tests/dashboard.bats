#!/usr/bin/env bats
# scripts/order-dashboard: the whole chapter 6 job, against awk.

load helper

@test "500k orders, 5 s batches, 1 h window: every batch equals an awk computation" {
	gen-orders -n 500000 --rate 100 > orders.txt
	run order-dashboard --event-time --interval 5s --out out/o orders.txt
	assert_success
	awk_dashboard orders.txt 5 > want.txt
	[ "$(cut -f 1 want.txt | uniq | wc -l)" -eq 1001 ]
	for d in out/o-*.txt; do
		T=${d#out/o-}
		T=${T%.txt}
		sed "s/^/$T\t/" "$d/part-00000"
	done | sort -n -s -k 1,1 > got.txt
	# the same batches, each with the same lines in the same order
	diff want.txt got.txt
}

@test "--print shows each batch on the console; --top 3" {
	gen-orders -n 2000 --rate 100 > orders.txt
	run order-dashboard --event-time --interval 5s --top 3 --print --out out/o orders.txt
	assert_success
	assert_line --index 0 -- '-------------------------------------------'
	assert_line --index 1 'Time: 1458678330000 ms'
	assert_line --partial '(TOP3CLIENTS,List('
	assert_line --partial '(TOP3STOCKS,List('
	[ "$(ls out | wc -l)" -eq 5 ]
}

@test "--partitions 4: 1M orders in 4 pipelines side by side, merged: the same dashboard as one pipeline" {
	gen-orders -n 1000000 --rate 100 > orders.txt
	run order-dashboard --event-time --out one/o orders.txt
	assert_success
	run order-dashboard --partitions 4 --event-time --out four/o orders.txt
	assert_success
	assert_output ''
	[ "$(ls one | wc -l)" -eq 2001 ]
	run diff -r one four
	assert_success
}

@test "--partitions 3 --checkpoint: killed (-9, every process) and restarted until done: the same dashboard as a run never killed" {
	gen-orders -n 200000 --rate 100 > orders.txt
	order-dashboard --event-time --out want/o orders.txt
	for i in 1 2 3 4 5; do
		setsid order-dashboard --partitions 3 --checkpoint ck --event-time \
		    --out got/o orders.txt 2>> err.txt &
		# killed once it has published 60 more batches
		waitfor 20 sh -c "[ \$(ls got 2>/dev/null | wc -l) -ge $((i * 60)) ]"
		kill -9 -- "-$!" 2>/dev/null || true
		wait "$!" || true
	done
	[ "$(ls got | wc -l)" -lt 401 ]	# the kills came before the end
	run order-dashboard --partitions 3 --checkpoint ck --event-time --out got/o orders.txt
	assert_success
	run diff -r want got
	assert_success
}

@test "bad usage" {
	run order-dashboard --top x
	assert_failure 2
	assert_line --index 0 'order-dashboard: --top x: not a positive number'
	run order-dashboard --watch in file.txt
	assert_failure 2
	assert_line --index 0 'order-dashboard: --watch takes no files'
	run order-dashboard --partitions 0 file.txt
	assert_failure 2
	assert_line --index 0 'order-dashboard: --partitions 0: not a positive number'
}

@test "bench: bad usage exits 2 before it generates or times anything" {
	for args in --bogus '--runs 0' '--runs x' --runs; do
		run sh "$ROOT/scripts/bench" $args
		assert_failure 2
		assert_output 'usage: bench [--quick] [--runs n]'
	done
}
