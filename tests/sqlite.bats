#!/usr/bin/env bats
# stream-sink --sqlite: result tables in a real SQLite database, read by
# sqlite3 while the stream writes them.

load helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit 1
	gen-orders -n 20000 --rate 1000 --seed 7 > orders.txt
	stream-split --event-time 1 --interval 5s orders.txt |
	    stream-parse --csv "$SPEC" > batched.rec
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit 1
	cp "$BATS_FILE_TMPDIR/orders.txt" "$BATS_FILE_TMPDIR/batched.rec" .
}

@test "--mode append: every record of every batch, with its batch time; the columns take the record types" {
	run stream-sink --sqlite db --table orders batched.rec
	assert_success
	run sqlite3 db 'select count(*), count(distinct batch_time) from orders'
	assert_output "20000|5"
	run sqlite3 db 'select batch_time, time, "order", client, symbol, amount, price, side from orders limit 1'
	assert_output "$(sed -n '1s/,/|/gp' orders.txt | sed 's/^\([^ ]*\) \([^|]*\)/1458678330000|\1T\2Z/; s/\.00|/|/')"
	run sqlite3 db "select sql from sqlite_master where name = 'orders'"
	assert_output 'CREATE TABLE "orders" ("batch_time" INTEGER, "time" TEXT, "order" INTEGER, "client" INTEGER, "symbol" TEXT, "amount" INTEGER, "price" NUMERIC, "side" TEXT)'
	run sqlite3 db 'select * from streamkit_commits'
	assert_output 'orders|1458678350000'
}

@test "--mode complete: the table holds the last batch only" {
	run sh -c 'stream-reduce --by side --count batched.rec | stream-sink --sqlite db --table sides --mode complete'
	assert_success
	run sqlite3 db 'select * from sides order by side'
	assert_output "$(stream-reduce --by side --count batched.rec | stream-sink | grep '^1458678350000' | tr '\t' '|')"
}

@test "--mode update: one row a client with its latest total, the totals awk computes" {
	run sh -c "stream-state --by client --sum 'amount*price' --emit updated batched.rec |
	    stream-sink --sqlite db --table clients --mode update"
	assert_success
	sqlite3 -separator ' ' db 'select client, printf("%.2f", sum) from clients order by client' > got
	awk -F, '{ s[$3] += $5 * $6 } END { for (c in s) printf "%d %.2f\n", c, s[c] }' orders.txt |
	    sort -n > want
	run diff want got
	assert_success
	[ "$(wc -l < got)" -eq 100 ]
}

@test "--mode update: a key that --timeout removes (--emit-removed) is deleted from the table" {
	printf '#stream\n#fields\tk\tv\n#types\tstr\tint\n#interval\t1000\na\t1\nb\t1\n#end\t1000\nb\t1\n#end\t2000\nb\t1\n#end\t3000\n#end\t4000\n#eos\n' > in.rec
	run sh -c 'stream-state --by k --sum v --emit updated --timeout 1s --emit-removed in.rec |
	    stream-sink --sqlite db --table kv --mode update'
	assert_success
	run sqlite3 db 'select k, v_sum, batch_time from kv'
	assert_output 'b|3|3000'
	run sqlite3 db "select sql from sqlite_master where name = 'kv'"
	assert_output 'CREATE TABLE "kv" ("batch_time" INTEGER, "k" TEXT, "v_sum" INTEGER)'
}

@test "--mode update --key: the key fields named" {
	printf '#stream\n#fields\tk\tv\n#end\t1000\na\t1\nb\t2\n#end\t2000\na\t3\n#end\t3000\n#eos\n' > in.rec
	run stream-sink --sqlite db --table kv --mode update --key k in.rec
	assert_success
	run sqlite3 db 'select batch_time, k, v from kv order by k'
	assert_output "$(printf '3000|a|3\n2000|b|2')"
}

@test "--mode update without key fields: exit 1, said" {
	printf '#stream\n#fields\tk\tv\na\t1\n#end\t1000\n#eos\n' > in.rec
	run stream-sink --sqlite db --table kv --mode update in.rec
	assert_failure 1
	assert_output 'stream-sink: db: table kv: --mode update needs key fields: --key, or a stream that declares them (#stream keys=)'
}

@test "a table of other columns is a changed schema: exit 1, named, the table untouched" {
	sqlite3 db 'create table sides (side text, n integer); insert into sides values ("B", 1)'
	run sh -c 'stream-reduce --by side --count batched.rec | stream-sink --sqlite db --table sides'
	assert_failure 1
	assert_line 'stream-sink: db: table sides has the columns ("side" TEXT, "n" INTEGER), the stream ("batch_time" INTEGER, "side" TEXT, "count" INTEGER): a changed schema; give another --table, or drop the table'
	run sqlite3 db 'select * from sides'
	assert_output 'B|1'
}

@test "several inputs: a table each, every batch one transaction committed to all of them" {
	mkfifo a b
	stream-reduce --by side --count batched.rec > a &
	stream-reduce --by symbol --sum amount --top 3 batched.rec > b &
	run stream-sink --sqlite db --table sides,top3 --mode complete a b
	assert_success
	run sqlite3 db 'select * from streamkit_commits order by tbl'
	assert_output "$(printf 'sides|1458678350000\ntop3|1458678350000')"
	run sqlite3 db 'select count(*) from top3'
	assert_output 3
}

@test "a plain file of records: one batch without a time" {
	printf '#fields\tk\tv\na\t1\n' > in.rec
	run stream-sink --sqlite db --table kv in.rec
	assert_success
	run sqlite3 db 'select coalesce(batch_time, "null"), k, v from kv'
	assert_output 'null|a|1'
}

@test "--checkpoint: a restart skips the batches the database has, and goes on" {
	head -n "$(grep -n '^#end' batched.rec | sed -n 2p | cut -d: -f1)" batched.rec > first.rec
	echo '#eos' >> first.rec
	run stream-sink --checkpoint ck --sqlite db --table orders first.rec
	assert_success
	run sqlite3 db 'select count(distinct batch_time) from orders'
	assert_output 2
	rm -rf ck	# the database alone remembers
	run stream-sink --checkpoint ck --sqlite db --table orders batched.rec
	assert_success
	run sqlite3 db 'select count(*), count(distinct batch_time) from orders'
	assert_output '20000|5'
}

@test "--sqlite with a sink killed at its writes and syncs, and restarted: the table equals an uninterrupted run's" {
	stream-sink --checkpoint refck --sqlite ref.db --table orders batched.rec
	want=$(sqlite3 ref.db 'select * from orders order by rowid' | md5sum)
	for sc in pwrite64 fdatasync fsync write; do
		for n in 1 3 5 8 13; do
			rm -rf ck db db-wal db-shm
			kill_at "$sc" "$n" stream-sink --checkpoint ck --sqlite db --table orders batched.rec || true
			run stream-sink --checkpoint ck --sqlite db --table orders batched.rec
			assert_success
			run sh -c "sqlite3 db 'select * from orders order by rowid' | md5sum"
			assert_output "$want"
		done
	done
}

@test "bad usage: one message, the usage, exit 2" {
	usage_error 'stream-sink: --sqlite and --table go together' stream-sink --sqlite db
	usage_error 'stream-sink: --mode goes with --sqlite' stream-sink --mode update
	usage_error 'stream-sink: --mode x: not append, update or complete' stream-sink --sqlite db --table t --mode x
	usage_error 'stream-sink: --key goes with --sqlite --mode update' stream-sink --sqlite db --table t --key k
	usage_error 'stream-sink: --table a,b: not one table name for each input' stream-sink --sqlite db --table a,b batched.rec
	usage_error 'stream-sink: --table streamkit_x: a table name empty or starting streamkit_' stream-sink --sqlite db --table streamkit_x batched.rec
}

@test "a database that cannot be opened is named: exit 1" {
	run stream-sink --sqlite nodir/db --table t batched.rec
	assert_failure 1
	assert_output 'stream-sink: nodir/db: open: unable to open database file'
}

@test "order-dashboard --sqlite: 300 reads by sqlite3 while it runs each see one batch, whole, in all three tables" {
	gen-orders -n 60000 --rate 1000 --pace 20000 |
	    order-dashboard --event-time --interval 1s --sqlite dash.db --out out/o &
	BG_PIDS=$!
	waitfor 10 test -s dash.db
	for i in $(seq 300); do
		sqlite3 -cmd '.timeout 5000' dash.db "select
		    (select group_concat(distinct batch_time) from streamkit_commits),
		    (select group_concat(distinct batch_time) from sides),
		    (select group_concat(distinct batch_time) from top_clients),
		    (select group_concat(distinct batch_time) from top_stocks),
		    (select sum(count) from sides), (select count(*) from top_clients)"
	done > reads 2>&1
	wait "$BG_PIDS"
	# every read: one batch time in all, 1000 orders in it (but the
	# first second's), the top 5 whole
	run awk -F '|' '$1 != $2 || $2 != $3 || $3 != $4 ||
	    ($1 != 1458678329000 && $5 != 1000) || $6 != 5' reads
	assert_output ''
	[ "$(wc -l < reads)" -eq 300 ]
	[ "$(cut -d '|' -f 1 reads | sort -u | wc -l)" -gt 3 ]	# it moved
	run sqlite3 dash.db 'select count(*) from streamkit_commits where batch_time = 1458678388000'
	assert_output 3
}

@test "--mode update: a key that leaves a window (stream-window --emit-removed) is deleted; the table equals the window" {
	printf '#stream\n#fields\tk\tv\n#types\tstr\tint\n#interval\t5000\na\t1\nb\t5\n#end\t5000\na\t2\n#end\t10000\nb\t1\n#end\t15000\n#end\t20000\n#eos\n' > in.rec
	run sh -c 'stream-window --length 10s --by k --sum v --emit-removed in.rec |
	    stream-sink --sqlite db --table w --mode update'
	assert_success
	run sqlite3 db 'select k, v_sum, batch_time from w'
	assert_output 'b|1|20000'
	run sh -c 'stream-window --length 10s --by k --sum v --emit-removed in.rec | stream-sink --format tsv | tail -n 2'
	assert_output "$(printf '20000\tb\t1\t0\n20000\ta\t\t1')"
}
