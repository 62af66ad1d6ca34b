#!/usr/bin/env bats
# stream-split's TCP sources: --connect (a client that reconnects) and
# --listen (a server for many clients), against servers and clients the
# tests start on loopback (tests/tcpline, bash's /dev/tcp).

load helper

TCPLINE="$ROOT/tests/tcpline"

# serve FROM TO [ARGS...]: starts tcpline in the background, on $PORT if it
# is set; sets PORT to the port it listens on.
serve() {
	local from=$1 to=$2
	shift 2
	rm -f port.out
	"$TCPLINE" ${PORT:+-p "$PORT"} "$@" "$from" "$to" > port.out &
	BG_PIDS="${BG_PIDS:-} $!"
	waitfor 5 test -s port.out
	PORT=$(cat port.out)
}

# The data lines of a record stream, in order.
data() {
	grep -v '^#' "$@"
}

@test "--connect: lines from the server, batched; --once ends with the connection" {
	serve 1 5
	run --separate-stderr stream-split --connect "127.0.0.1:$PORT" --once --interval 100ms
	assert_success
	assert_equal "$stderr" ''
	run data <<<"$output"
	assert_output "$(seq 1 5)"
}

@test "--connect: the server killed after 4000 lines and restarted: every line after the reconnect once, the outage said once" {
	serve 1 4000
	stream-split --connect "127.0.0.1:$PORT" --interval 100ms > out 2> err &
	BG_PIDS="$BG_PIDS $!"
	split=$!
	waitfor 10 grep -q 'the server closed the connection' err
	sleep 0.5	# a few refused tries: silent
	serve 4001 10000
	waitfor 10 sh -c 'grep -v "^#" out | tail -n 1 | grep -qx 10000'
	kill -TERM "$split"
	wait "$split"
	run data out
	assert_output "$(seq 1 10000)"
	run cat err	# two outages: the second server leaves too
	assert_output "stream-split: 127.0.0.1:$PORT: the server closed the connection; trying again
stream-split: 127.0.0.1:$PORT: connected
stream-split: 127.0.0.1:$PORT: the server closed the connection; trying again"
}

@test "--connect: a server not there yet is waited for, said once" {
	serve 1 3	# a port to use, free again once its server is killed
	kill "$!"
	wait "$!" 2>/dev/null || true
	stream-split --connect "127.0.0.1:$PORT" --once --interval 100ms > out 2> err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 grep -q 'Connection refused' err
	sleep 0.3
	serve 1 3
	wait "$split"
	run data out
	assert_output "$(seq 1 3)"
	run cat err
	assert_output "stream-split: 127.0.0.1:$PORT: Connection refused; trying again
stream-split: 127.0.0.1:$PORT: connected"
}

@test "--connect: a line cut short by the server's close is dropped, reported, never joined to the next" {
	serve 1 2 -t 'cut sho'
	run --separate-stderr stream-split --connect "127.0.0.1:$PORT" --once --interval 100ms
	assert_success
	run data <<<"$output"
	assert_output "$(seq 1 2)"
	assert_equal "$stderr" "stream-split: 127.0.0.1:$PORT: 127.0.0.1:$PORT: the connection ended inside a line: 7 bytes dropped"
}

@test "--listen: three clients at once, 1000 lines each: 3000 lines, each once" {
	# memory handed out unzeroed (MALLOC_PERTURB_), as it may be: nothing
	# is said of the clients that closed cleanly
	MALLOC_PERTURB_=190 stream-split --listen 127.0.0.1:0 --interval 100ms > out 2> err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 5 grep -q 'listening on' err
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' err)
	for c in a b c; do
		seq -f "$c%g" 1 1000 > "/dev/tcp/127.0.0.1/$port" &
	done
	wait $(jobs -p | grep -v "^$split\$")
	waitfor 10 sh -c '[ "$(grep -vc "^#" out)" -ge 3000 ]'
	kill -TERM "$split"
	wait "$split"
	run sh -c 'grep -v "^#" out | sort'
	assert_output "$( (seq -f a%g 1 1000; seq -f b%g 1 1000; seq -f c%g 1 1000) | sort)"
	run cat err
	assert_output "stream-split: listening on 127.0.0.1:$port"
}

@test "--listen: a client gone mid-line loses only that line, reported; --once ends when the last client has left" {
	stream-split --listen 127.0.0.1:0 --once --interval 100ms > out 2> err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 5 grep -q 'listening on' err
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' err)
	printf 'one\ntwo\nthr' > "/dev/tcp/127.0.0.1/$port"
	wait "$split"
	run data out
	assert_output "one
two"
	run sed -n 2p err
	assert_output --regexp "^stream-split: 127\.0\.0\.1:$port: 127\.0\.0\.1:[0-9]+: the connection ended inside a line: 3 bytes dropped$"
}

@test "--listen: a port in use is an error, exit 1" {
	stream-split --listen 127.0.0.1:0 > /dev/null 2> err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 5 grep -q 'listening on' err
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' err)
	run --separate-stderr stream-split --listen "127.0.0.1:$port"
	kill -TERM "$split"
	wait "$split"
	assert_failure 1
	assert_equal "$stderr" "stream-split: --listen 127.0.0.1:$port: Address already in use"
}

@test "--connect and --listen: bad addresses and combinations are usage errors" {
	usage_error 'stream-split: --connect localhost: expected host:port' stream-split --connect localhost
	usage_error 'stream-split: --connect :9999: expected host:port' stream-split --connect :9999
	usage_error 'stream-split: --connect h:99999: not a port number' stream-split --connect h:99999
	usage_error 'stream-split: --connect h:0: not a port number' stream-split --connect h:0
	usage_error 'stream-split: --listen x: not a port number' stream-split --listen x
	usage_error 'stream-split: give one of --connect, --listen, --mqtt and --kafka' stream-split --connect h:1 --listen 2
	usage_error 'stream-split: --connect reads its source alone: no --watch, no file operands' stream-split --connect h:1 f
}

@test "--connect with --checkpoint: the socket's lines go to the write-ahead log; a restart replays the batch it had not published" {
	serve 1 50
	run stream-split --connect "127.0.0.1:$PORT" --once --interval 1h --checkpoint ck
	assert_success
	run data <<<"$output"
	assert_output "$(seq 1 50)"
	# nothing committed: the restart makes the logged batch again, then
	# reads the new server's lines only
	serve 51 52
	run --separate-stderr stream-split --connect "127.0.0.1:$PORT" --once --interval 1h --checkpoint ck
	assert_success
	run data <<<"$output"
	assert_output "$(seq 1 52)"
}
