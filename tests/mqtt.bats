#!/usr/bin/env bats
# stream-split --mqtt against a real broker, mosquitto, started by each test
# on a loopback port, fed by mosquitto_pub.

load helper

# Starts mosquitto on a free port of 127.0.0.1: sets PORT.
start_broker() {
	local try
	for try in 1 2 3 4 5; do
		PORT=$((20000 + RANDOM % 20000))
		# a queue for each client that holds every test's messages:
		# a broker drops what a slow subscriber has not taken beyond it
		printf 'listener %s 127.0.0.1\nallow_anonymous true\nlog_type all\nmax_queued_messages 0\n' \
		    "$PORT" > broker.conf
		run_broker
		if waitfor 5 grep -q "listen socket on port $PORT" broker.log; then
			return 0
		fi
		kill "$BROKER" 2>/dev/null || true
	done
	return 1
}

# Starts the broker on broker.conf, outside the shell's jobs (its kill at
# the end is no news): sets BROKER.
run_broker() {
	(/usr/sbin/mosquitto -c broker.conf > broker.log 2>&1 & echo $! > broker.pid)
	BROKER=$(cat broker.pid)
	BG_PIDS="${BG_PIDS:-} $BROKER"
}

# waits until the broker has a client of id $1 (any: "") subscribed
subscribed() {
	waitfor 10 grep -q "Received SUBSCRIBE from ${1}" broker.log
	waitfor 10 grep -q "Sending SUBACK to ${1}" broker.log
}

stop() {
	kill -TERM "$1"
	wait "$1"
}

@test "--mqtt: 10000 orders published with mosquitto_pub; the counts by side equal a file run's" {
	start_broker
	gen-orders -n 10000 --rate 1000 --seed 5 > orders.txt
	stream-split --mqtt "mqtt://127.0.0.1:$PORT" --topic orders --mqtt-client-id t1 \
	    --event-time 1 --interval 5s > split.out 2> split.err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	subscribed t1
	mosquitto_pub -p "$PORT" -h 127.0.0.1 -q 1 -t orders -l < orders.txt
	waitfor 20 sh -c '[ "$(grep -vc "^#" split.out)" -ge 10000 ]'
	stop "$split"
	run cat split.err
	assert_output ''
	# the same batches as a file run's, record for record
	stream-split --event-time 1 --interval 5s orders.txt > file.out
	run diff <(grep -v '^#at' split.out) <(grep -v '^#at' file.out)
	assert_success
	# and the dashboard's buy and sell counts
	for run in split file; do
		stream-parse --csv "$SPEC" < $run.out | stream-reduce --by side --count |
		    grep -v '^#at' > $run.counts
	done
	run diff split.counts file.counts
	assert_success
}

@test "--mqtt with a client id: what was published while it was down comes after it restarts" {
	start_broker
	stream-split --mqtt "mqtt://127.0.0.1:$PORT" --topic 'feed/#' --mqtt-client-id keep \
	    --interval 100ms > one.out 2>&1 &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	subscribed keep
	mosquitto_pub -p "$PORT" -q 1 -t feed/a -m first
	waitfor 10 grep -qx first one.out
	stop "$split"
	mosquitto_pub -p "$PORT" -q 1 -t feed/b -m 'while down'
	stream-split --mqtt "mqtt://127.0.0.1:$PORT" --topic 'feed/#' --mqtt-client-id keep \
	    --interval 100ms --mqtt-fields > two.out 2>&1 &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 grep -q 'while down' two.out
	stop "$split"
	run grep -v '^#' two.out
	assert_output 'feed/b	while down'
	run grep '^#fields' two.out
	assert_output '#fields	topic	line'
}

@test "--mqtt: a broker that is not there is said once and waited for" {
	start_broker
	kill "$BROKER"
	waitfor 5 sh -c "! kill -0 $BROKER 2>/dev/null"
	stream-split --mqtt "mqtt://127.0.0.1:$PORT" --topic t --mqtt-client-id w \
	    --interval 100ms > out 2> err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 grep -q 'trying again' err
	sleep 0.5
	run_broker
	subscribed w
	mosquitto_pub -p "$PORT" -q 1 -t t -m hello
	waitfor 10 grep -qx hello out
	stop "$split"
	run cat err
	assert_output "stream-split: mqtt://127.0.0.1:$PORT: Connection refused; trying again
stream-split: mqtt://127.0.0.1:$PORT: connected"
}

@test "--mqtt with --checkpoint, kill -9 and a restart: the logged batches come back exactly, nothing twice, and what came while it was down is read" {
	start_broker
	seq 1 3000 > lines
	stream-split --mqtt "mqtt://127.0.0.1:$PORT" --topic n --interval 100ms \
	    --checkpoint ck > one.out 2> one.err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	subscribed streamkit-
	mosquitto_pub -p "$PORT" -q 1 -t n -l < lines
	waitfor 10 grep -qx 3000 one.out
	sleep 0.3		# the last batch closed and logged
	kill -9 "$split"
	wait "$split" 2>/dev/null || true
	seq 3001 3500 | mosquitto_pub -p "$PORT" -q 1 -t n -l
	stream-split --mqtt "mqtt://127.0.0.1:$PORT" --topic n --interval 100ms \
	    --checkpoint ck > two.out 2> two.err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 grep -qx 3500 two.out
	stop "$split"
	# nothing committed: every logged batch is made again, then the new
	run sh -c "grep -v '^#' two.out"
	assert_output "$(seq 1 3500)"
}

@test "--mqtt: bad urls and combinations are usage errors" {
	usage_error 'stream-split: --mqtt and --topic go together, with --mqtt-fields and --mqtt-client-id' stream-split --mqtt mqtt://h
	usage_error 'stream-split: --mqtt and --topic go together, with --mqtt-fields and --mqtt-client-id' stream-split --topic t
	usage_error 'stream-split: --mqtt and --topic go together, with --mqtt-fields and --mqtt-client-id' stream-split --connect h:1 --mqtt-fields
	usage_error 'stream-split: --mqtt http://h: not mqtt://host[:port]' stream-split --mqtt http://h --topic t
	usage_error 'stream-split: --mqtt mqtt://h:x: not a port number' stream-split --mqtt mqtt://h:x --topic t
	usage_error 'stream-split: give one of --connect, --listen and --mqtt' stream-split --mqtt mqtt://h --listen 1
}

@test "the order dashboard fed by MQTT (mosquitto_pub -l, as streamOrders.sh feeds Kafka) publishes what a file run publishes" {
	start_broker
	gen-orders -n 3000 --rate 100 --seed 9 > orders.txt
	order-dashboard --mqtt "mqtt://127.0.0.1:$PORT" --topic orders --event-time \
	    --out mq/output > dash.out 2> dash.err &
	dash=$!
	BG_PIDS="$BG_PIDS $dash"
	subscribed ""
	mosquitto_pub -p "$PORT" -q 1 -t orders -l < orders.txt
	order-dashboard --event-time --out file/output orders.txt > /dev/null
	# the batches the orders after them closed, then a stop: the open
	# batch, the last, is published too
	n=$(ls -1 file | wc -l)
	waitfor 20 sh -c "[ \$(ls -1 mq 2>/dev/null | wc -l) -ge $((n - 1)) ]"
	sleep 1
	stop "$dash"
	run diff -r mq file
	assert_success
}
