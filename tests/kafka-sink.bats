#!/usr/bin/env bats
# stream-sink --kafka against librdkafka's mock cluster (tests/kafkamock),
# started by each test on loopback, read back with kcat.
#
# The mock cluster takes transactions (InitProducerId, AddPartitionsToTxn,
# TxnOffsetCommit, EndTxn) but keeps no transaction markers: it shows a
# read_committed consumer the messages of aborted transactions too, and
# does not keep a transaction's offsets. The crash tests (a longer suite:
# tests/long/kafka-sink-crash.bats, make check-long) check what the sink
# does, which is all a cluster sees: every batch sent whole in its
# last transaction, after only beginnings of it (transactions a restart
# aborted), never out of order; what a real cluster then hides is its part.

load helper

# consume TOPIC: every message, "headers<TAB>key<TAB>value", in order
consume() {
	kcat -C -b "$BROKERS" -t "$1" -e -q -X isolation.level=read_committed \
	    -f '%h\t%k\t%s\n'
}

records() {
	printf '#fields\tsym\tclient\tamt\n#types\tstr\tint\tint\n'
	printf 'EPE\t1\t10\nABC\t2\t20\n#end\t1000\n'
	printf '#end\t2000\n'
	printf 'XYZ\t1\t5\n#end\t3000\n#eos\n'
}

@test "--kafka: each line standard output would get is a message, with its batch time in a header" {
	start_cluster out:1
	records > in.rec
	stream-sink --format csv < in.rec > stdout.csv
	run stream-sink --kafka "$BROKERS" --topic out --format csv in.rec
	assert_success
	assert_output ''
	run consume out
	assert_output "batch_time=1000		1000,EPE,1,10
batch_time=1000		1000,ABC,2,20
batch_time=3000		3000,XYZ,1,5"
	consume out > got
	run cut -f 3 got
	assert_output "$(cat stdout.csv)"
}

@test "--kafka --format json --key: keyed by the fields' values joined by commas" {
	start_cluster out:1
	records | stream-sink --kafka "$BROKERS" --topic out --format json \
	    --key sym,client
	run consume out
	assert_output 'batch_time=1000	EPE,1	{"batch_time":1000,"sym":"EPE","client":1,"amt":10}
batch_time=1000	ABC,2	{"batch_time":1000,"sym":"ABC","client":2,"amt":20}
batch_time=3000	XYZ,1	{"batch_time":3000,"sym":"XYZ","client":1,"amt":5}'
}

@test "--kafka --key: a key's messages all in its partition" {
	start_cluster orders:4
	gen-orders -n 3000 --seed 2 | stream-split --event-time 1 --interval 5s |
	    stream-parse --csv 'time:time,order:int,client:int,symbol,amount:int,price:num,side:B|S' |
	    stream-sink --kafka "$BROKERS" --topic orders --key client --format csv
	run sh -c "kcat -C -b '$BROKERS' -t orders -e -q -f '%p %k\n' | sort -u | awk '{ print \$2 }' | sort | uniq -d"
	assert_output ''
	run sh -c "kcat -C -b '$BROKERS' -t orders -e -q -f '%k\n' | wc -l"
	assert_output 3000
}

@test "--kafka --transactional-id: each batch a transaction; the batches once, in order" {
	start_cluster out:2
	records | stream-sink --kafka "$BROKERS" --topic out \
	    --transactional-id dash --format tsv
	consume out > got
	run sort -t '	' -k 3 got
	assert_output "$(printf 'batch_time=1000\t\t1000\tABC\t2\t20\nbatch_time=1000\t\t1000\tEPE\t1\t10\nbatch_time=3000\t\t3000\tXYZ\t1\t5')"
}

@test "--kafka --format spark: a named --top stream's batch is one message" {
	start_cluster out:1
	gen-orders -n 2000 --seed 4 | stream-split --event-time 1 --interval 5s |
	    stream-parse --csv 'time:time,order:int,client:int,symbol,amount:int,price:num,side:B|S' |
	    stream-reduce --by client --sum amount --top 3 --name TOP3 |
	    tee top.rec | stream-sink --kafka "$BROKERS" --topic out \
	    --format spark --key client
	stream-sink --format spark < top.rec > stdout.txt
	consume out > got
	run cut -f 3- got
	assert_output "$(cat stdout.txt)"
	run cut -f 2 got
	assert_output "$(sed 's/.*//' stdout.txt)"
}

@test "--kafka --format records --partition 1: a message a batch, empty ones too, each with the stream's header; all in partition 1" {
	start_cluster parts:2
	records > in.rec
	run stream-sink --kafka "$BROKERS" --topic parts --partition 1 \
	    --format records in.rec
	assert_success
	run kcat -C -b "$BROKERS" -t parts -e -q -f '%p %o %h|%s--\n'
	assert_output "1 0 batch_time=1000|#stream
#fields	sym	client	amt
#types	str	int	int
EPE	1	10
ABC	2	20
#end	1000
--
1 1 batch_time=2000|#stream
#fields	sym	client	amt
#types	str	int	int
#end	2000
--
1 2 batch_time=3000|#stream
#fields	sym	client	amt
#types	str	int	int
XYZ	1	5
#end	3000
--"
}

@test "--kafka: a topic the cluster does not have (and does not make) is exit 1, named" {
	start_cluster out:1
	run --separate-stderr stream-sink --kafka "$BROKERS" --topic nosuch \
	    -X allow.auto.create.topics=false < /dev/null
	assert_failure 1
	assert_equal "$stderr" "stream-sink: $BROKERS: topic nosuch: not in the cluster"
}

@test "--kafka --partition: a partition the topic does not have is exit 1, named" {
	start_cluster parts:2
	run --separate-stderr stream-sink --kafka "$BROKERS" --topic parts \
	    --partition 2 --format records < /dev/null
	assert_failure 1
	assert_equal "$stderr" "stream-sink: $BROKERS: topic parts: no partition 2 (2 partitions)"
}

@test "--kafka: a message the cluster refuses stops the sink, exit 1, its batch not committed; the restart publishes it and what follows, once" {
	start_cluster out:1
	{
		printf '#fields\tv\n'
		printf 'a\n#end\t1000\n'
		printf '%01500d\n#end\t2000\n' 0
		printf 'c\n#end\t3000\n#eos\n'
	} > in.rec
	run --separate-stderr stream-sink --checkpoint ck --kafka "$BROKERS" \
	    --topic out -X message.max.bytes=1000 < in.rec
	assert_failure 1
	assert_equal "$stderr" "stream-sink: $BROKERS: topic out: a message of batch 2000 not delivered: Broker: Message size too large; stopping"
	consume out > got
	run cut -f 3- got
	assert_output "$(printf '1000\ta')"
	run stream-sink --checkpoint ck --kafka "$BROKERS" --topic out \
	    -X message.max.bytes=100000 < in.rec
	assert_success
	consume out > got
	run sh -c "cut -f 3- got | cut -c 1-13"
	assert_output "$(printf '1000\ta\n2000\t00000000\n3000\tc')"
}

@test "--kafka: a cluster down at the start is said once and waited for" {
	start_cluster out:1
	kill -USR1 "$CLUSTER"
	records > in.rec
	stream-sink --kafka "$BROKERS" --topic out --transactional-id t \
	    in.rec 2> err &
	sink=$!
	BG_PIDS="$BG_PIDS $sink"
	waitfor 20 grep -q 'trying again' err
	kill -USR2 "$CLUSTER"
	wait "$sink"
	consume out > got
	run cut -f 3- got
	assert_output "$(printf '1000\tEPE\t1\t10\n1000\tABC\t2\t20\n3000\tXYZ\t1\t5')"
	run sed 's/^\(stream-sink: [^ ]*\): .*; trying again$/\1: …; trying again/' err
	assert_output "stream-sink: $BROKERS: …; trying again
stream-sink: $BROKERS: connected"
}

@test "--kafka: a cluster that goes away mid-run is waited for; every batch once" {
	start_cluster out:1
	mkfifo in
	stream-sink --checkpoint ck --kafka "$BROKERS" --topic out \
	    -X reconnect.backoff.max.ms=500 in 2> err &
	sink=$!
	BG_PIDS="$BG_PIDS $sink"
	exec 7> in
	printf '#fields\tv\n1\n#end\t1000\n' >&7
	waitfor 10 sh -c "[ \"\$(kcat -C -b '$BROKERS' -t out -e -q | wc -l)\" -eq 1 ]"
	kill -USR1 "$CLUSTER"
	printf '2\n#end\t2000\n3\n#end\t3000\n' >&7
	waitfor 20 grep -q 'trying again' err
	kill -USR2 "$CLUSTER"
	printf '#eos\n' >&7
	exec 7>&-
	wait "$sink"
	consume out > got
	run cut -f 3- got
	assert_output "$(printf '1000\t1\n2000\t2\n3000\t3')"
	run grep -c connected err
	assert_output 1
}

@test "--kafka, --topic, --partition, --transactional-id, -X and --key: usage errors, exit 2" {
	usage_error 'stream-sink: --kafka and --topic go together' stream-sink --kafka h
	usage_error 'stream-sink: --kafka and --topic go together' stream-sink --topic t
	usage_error 'stream-sink: --partition, --transactional-id and -X go with --kafka' stream-sink --transactional-id x
	usage_error 'stream-sink: --partition, --transactional-id and -X go with --kafka' stream-sink --partition 0
	usage_error 'stream-sink: --partition -1: too small (0 to 2147483647)' stream-sink --kafka h --topic t --partition -1
	usage_error 'stream-sink: --kafka --format records: a message a batch, without --key' stream-sink --kafka h --topic t --format records --key sym
	usage_error 'stream-sink: -X nokey: not key=value' stream-sink --kafka h --topic t -X nokey
	usage_error 'stream-sink: --transactional-id: empty' stream-sink --kafka h --topic t --transactional-id ''
	usage_error 'stream-sink: --kafka, --topic: empty' stream-sink --kafka '' --topic t
	usage_error 'stream-sink: --key goes with --kafka or --sqlite --mode update' stream-sink --key a
	usage_error 'stream-sink: --kafka: a message a line: not --format table' stream-sink --kafka h --topic t --format table
	usage_error 'stream-sink: --format records goes to --append, --kafka or standard output' stream-sink --dir d --format records
	usage_error 'stream-sink: -X no.such.property=1: No such configuration property: "no.such.property"' stream-sink --kafka h --topic t -X no.such.property=1
}

@test "the README's block of the Kafka sink runs as written against tests/kafkamock: the side counts of every batch once" {
	start_cluster orders:4
	echo "$BROKERS" > brokers
	gen-orders -n 3000 --seed 6 | produce orders
	readme_block 'stream-split --kafka "$(cat brokers)" --topic orders --checkpoint ck \' > sink.sh
	[ "$(wc -l < sink.sh)" -eq 6 ]
	bash -o pipefail sink.sh > got
	# a side's messages in its partition, in batch order
	run sort -s -t , -k 2,2 got
	assert_output "$(gen-orders -n 3000 --seed 6 | stream-split --event-time 1 --interval 5s |
	    stream-parse --csv 'time:time,order:int,client:int,symbol,amount:int,price:num,side:B|S' |
	    stream-reduce --by side --count | stream-sink --format csv |
	    sort -s -t , -k 2,2)"
}

@test "order-dashboard --kafka --metrics-topic: every batch's dashboard also in topic metrics, as the book's job writes it, once" {
	start_cluster orders:4 metrics:1
	gen-orders -n 5000 --seed 7 | produce orders
	order-dashboard --kafka "$BROKERS" --topic orders --once --event-time \
	    --checkpoint ck --out out/output --metrics-topic metrics
	consume metrics > got
	run sh -c "cut -f 4 got"
	assert_output "$(cat out/output-*.txt/part-00000)"
	run sh -c "cut -f 1 got | uniq | wc -l"
	assert_output "$(ls -d out/output-*.txt | wc -l)"
}

@test "order-dashboard: --metrics-topic goes with --kafka, not with --group" {
	run order-dashboard --metrics-topic m orders.txt
	assert_failure 2
	assert_line --index 0 'order-dashboard: --metrics-topic goes with --kafka, not with --group'
	run order-dashboard --kafka b --topic o --group g --partials p --checkpoint ck --metrics-topic m
	assert_failure 2
	assert_line --index 0 'order-dashboard: --metrics-topic goes with --kafka, not with --group'
}
