# The replay of a Kafka source's logged batches after a restart, for
# tests/kafka.bats and tests/long/kafka-replay.bats.

# by_batch: records output as "T<TAB>record", sorted: the batches' records
# whatever the order the partitions were read in
by_batch() {
	awk '/^#end\t/ { for (i = 1; i <= n; i++) print $2 "\t" r[i]; n = 0; next }
	    /^#/ { next } { r[++n] = $0 }' "$1" | sort
}

# grown_restart [-X ...]: topic o (2 partitions) in 5 s event-time batches
# logged (--once, a checkpoint, nothing published), 20000 lines of a
# later time added to partition 1, the same pipeline again to a sink with
# librdkafka's consumer log on in two.err; its records must be those of a
# run on the whole topic without a checkpoint
grown_restart() {
	gen-orders -n 2000 --rate 10 --seed 3 | produce o
	stream-split --kafka "$BROKERS" --topic o --once --event-time 1 \
	    --interval 5s --checkpoint ck > /dev/null
	run sh -c 'ls ck/stream-split | grep -c "^log-"'
	assert [ "$output" -ge 40 ]
	awk 'BEGIN { for (i = 0; i < 20000; i++)
		printf "2016-03-22 23:59:59,%d\n", i }' |
	    kcat -P -b "$BROKERS" -t o -p 1
	stream-split --kafka "$BROKERS" --topic o --once --event-time 1 \
	    --interval 5s --checkpoint ck -X debug=consumer "$@" 2> two.err |
	    stream-sink --checkpoint ck --format records --append out
	stream-split --kafka "$BROKERS" --topic o --once --event-time 1 \
	    --interval 5s | stream-sink --format records --append ref.out
	run diff <(by_batch ref.out) <(by_batch out)
	assert_success
	run grep -c '^#end' out
	assert_output "$(grep -c '^#end' ref.out)"
}
