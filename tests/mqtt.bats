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

# pubacks N: the broker has N PUBACKs from the tool's client
pubacks() {
	[ "$(grep -c 'Received PUBACK from streamkit-' broker.log)" -ge "$1" ]
}

# A run of the split on --checkpoint ck, reading topic n, to file $1.
split_ck() {
	exec stream-split --mqtt "mqtt://127.0.0.1:$PORT" --topic n --interval 200ms \
	    --checkpoint ck > "$1" 2>> split.err
}

# split_bg OUT: split_ck OUT in the background; sets split
split_bg() {
	split_ck "$1" &
	split=$!
	BG_PIDS="$BG_PIDS $split"
}

@test "--mqtt with --checkpoint, kill -9 in the middle of a batch while messages come: what was acknowledged is in the journal, nothing lost, nothing twice" {
	start_broker
	split_bg one.out
	subscribed streamkit-
	# about a thousand a second: the kill comes with a batch half made
	seq 1 6000 | while read -r i; do echo "$i"; case $i in *0) sleep 0.01;; esac; done |
	    mosquitto_pub -p "$PORT" -q 1 -t n -l &
	pub=$!
	waitfor 20 pubacks 1500
	sleep 0.1
	kill -9 "$split"
	wait "$split" 2>/dev/null || true
	split_bg two.out
	wait "$pub"
	waitfor 20 grep -qx 6000 two.out
	stop "$split"
	run sh -c "grep -v '^#' two.out"
	assert_output "$(seq 1 6000)"
	run cat split.err
	assert_output ''
}

# run_killed ID OUT SYSCALL N: a run of the split with client id ID on
# checkpoint ck.ID to OUT, killed at its Nth SYSCALL, or by kill -9 if it
# has not come to it within 3 s
run_killed() {
	local strace
	# strace is not the tool: it is killed by its checkpoint
	kill_at "$3" "$4" stream-split --mqtt "mqtt://127.0.0.1:$PORT" \
	    --mqtt-client-id "$1" --topic n --interval 200ms --checkpoint "ck.$1" \
	    > "$2" 2>> split.err &
	strace=$!
	waitfor 3 sh -c "! kill -0 $strace 2>/dev/null" ||
	    pkill -9 -f -- "--checkpoint ck\\.$1\$" || true
	wait "$strace" || true
	# strace gone, its tracee may still be dying with the lock held
	waitfor 5 sh -c "! pgrep -f -- '--checkpoint ck\\.$1\$' > /dev/null"
}

@test "--mqtt with --checkpoint: killed at a write, an fdatasync or a rename, and again in the restart: every line once" {
	start_broker
	seq 1 400 > lines
	for point in write:1 write:12 write:40 write:90 write:200 fdatasync:1 \
	    fdatasync:3 fdatasync:7 rename:1 rename:2 rename:5; do
		id=t${point%:*}${point#*:}
		# the session and its subscription exist before the first run,
		# as they do after any run: messages wait in it for the tool
		mosquitto_sub -p "$PORT" -i "$id" -c -q 1 -t n -E
		mosquitto_pub -p "$PORT" -q 1 -t n -l < lines &
		pub=$!
		run_killed "$id" one.out "${point%:*}" "${point#*:}"
		wait "$pub"
		run_killed "$id" two.out fdatasync 2
		stream-split --mqtt "mqtt://127.0.0.1:$PORT" --mqtt-client-id "$id" \
		    --topic n --interval 200ms --checkpoint "ck.$id" > three.out 2>> split.err &
		split=$!
		BG_PIDS="$BG_PIDS $split"
		waitfor 20 grep -qx 400 three.out || true
		sleep 0.3
		stop "$split"
		run sh -c "grep -v '^#' three.out"
		assert_output "$(seq 1 400)"
	done
}

# A checkpoint ck whose run took lines 1 2 3 and stopped.
ck_with_journal() {
	start_broker
	split_bg one.out
	subscribed streamkit-
	seq 1 3 | mosquitto_pub -p "$PORT" -q 1 -t n -l
	waitfor 10 grep -qx 3 one.out
	stop "$split"
	test -f ck/stream-split/journal
}

@test "--mqtt with --checkpoint: a journal that is a link is refused, and nothing is published" {
	ck_with_journal
	rm ck/stream-split/journal
	ln -s ../../one.out ck/stream-split/journal
	run stream-split --mqtt "mqtt://127.0.0.1:$PORT" --topic n --interval 200ms \
	    --checkpoint ck
	assert_failure 1
	assert_output 'stream-split: ck/stream-split/journal: a link, not followed: refused'
}

@test "--mqtt with --checkpoint: a journal of garbage is reported and ignored; the logged batches come back" {
	ck_with_journal
	head -c 5000 /dev/urandom > ck/stream-split/journal
	split_bg two.out
	waitfor 10 grep -qx 3 two.out
	stop "$split"
	run sh -c "grep -v '^#' two.out"
	assert_output "$(seq 1 3)"
	run cat split.err
	assert_output 'stream-split: ck/stream-split/journal: not a journal of version 1: ignored'
}

@test "--mqtt with --checkpoint: a journal whose end is torn is read to there, silently" {
	ck_with_journal
	printf '\002\000\000' >> ck/stream-split/journal
	split_bg two.out
	waitfor 10 grep -qx 3 two.out
	seq 4 5 | mosquitto_pub -p "$PORT" -q 1 -t n -l
	waitfor 10 grep -qx 5 two.out
	stop "$split"
	run sh -c "grep -v '^#' two.out"
	assert_output "$(seq 1 5)"
	run cat split.err
	assert_output ''
}

@test "--mqtt: bad urls and combinations are usage errors" {
	usage_error 'stream-split: --topic goes with --mqtt or --kafka, and they with it' stream-split --mqtt mqtt://h
	usage_error 'stream-split: --topic goes with --mqtt or --kafka, and they with it' stream-split --topic t
	usage_error 'stream-split: --mqtt-fields and --mqtt-client-id go with --mqtt' stream-split --connect h:1 --mqtt-fields
	usage_error 'stream-split: --mqtt http://h: not mqtt://host[:port]' stream-split --mqtt http://h --topic t
	usage_error 'stream-split: --mqtt mqtt://h:x: not a port number' stream-split --mqtt mqtt://h:x --topic t
	usage_error 'stream-split: give one of --connect, --listen, --mqtt and --kafka' stream-split --mqtt mqtt://h --listen 1
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
