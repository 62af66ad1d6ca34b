#!/usr/bin/env bats
# stream-sink --http: the page of the four figures, loaded in a real
# headless Chromium while batches are published; /batches and /metrics.

load helper

# serve: a live pipeline of 200 ms batches for about 6 s into a sink
# serving on a port of its choice; sets URL.
serve() {
	gen-orders -n 60000 --pace 10000 | stream-split --interval 200ms |
	    stream-parse --csv "$SPEC" | stream-reduce --by side --count |
	    stream-sink --dir out/o --format spark --http 0 2> sink.err &
	BG_PIDS=$!
	waitfor 10 grep -q 'http://' sink.err
	URL=$(sed -n 's/^stream-sink: the page of the batches: //p' sink.err)
	waitfor 10 sh -c "curl -s ${URL}batches | grep -q '\"batches\":[1-9]'"
}

browse() {	# browse ARGS...: headless Chromium on the page
	chromium --headless --no-sandbox --disable-gpu --user-data-dir="$PWD/chr" \
	    "$@" "$URL" 2> /dev/null
}

@test "--http: the page loads in Chromium, its timelines advance as batches are published, a screenshot is taken" {
	serve
	browse --virtual-time-budget=1500 --dump-dom > dom1
	sleep 1.5
	browse --virtual-time-budget=1500 --dump-dom > dom2
	n1=$(sed -n 's/.*data-batches="\([0-9]*\)".*/\1/p' dom1)
	n2=$(sed -n 's/.*data-batches="\([0-9]*\)".*/\1/p' dom2)
	[ "$n1" -gt 0 ]
	[ "$n2" -gt "$n1" ]
	# each of the four timelines has a point a batch
	run grep -c '<polyline points="[0-9]' dom2
	assert_output 4
	run grep -o '(BUYS\|(B,[0-9]*)' dom2
	assert_success
	browse --window-size=1000,700 --screenshot="$PWD/page.png"
	run head -c 4 page.png
	assert_output $'\x89PNG'
	wait "$BG_PIDS"
}

@test "--http: /batches has the figures of every batch, /metrics the Prometheus text, anything else 404" {
	serve
	run curl -s "${URL}batches"
	assert_output --regexp '^\{"batches":[0-9]+,"points":\[\[[0-9]{13},[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+\]'
	assert_output --partial '"values":"(B,'
	run curl -s "${URL}metrics"
	assert_line --regexp '^streamkit_batches_total [0-9]+$'
	assert_line --regexp '^streamkit_total_delay_ms [0-9]+$'
	run curl -s -o /dev/null -w '%{http_code}' "${URL}nope"
	assert_output 404
	run curl -s -o /dev/null -w '%{http_code}' -X POST "${URL}"
	assert_output 405
	wait "$BG_PIDS"
}

@test "--http: a port in use is an error, exit 1" {
	serve
	port=${URL##*:}
	port=${port%/}
	run stream-sink --http "127.0.0.1:$port" --dir out2/o < /dev/null
	assert_failure 1
	assert_output "stream-sink: --http 127.0.0.1:$port: cannot serve there (in use, or not an address of this host)"
	wait "$BG_PIDS"
}

@test "--http: bad addresses are usage errors" {
	usage_error 'stream-sink: --http 70000: not a port from 0 to 65535' stream-sink --http 70000
	usage_error 'stream-sink: --http x:80: not an IPv4 address' stream-sink --http x:80
	usage_error 'stream-sink: --http : not a port from 0 to 65535' stream-sink --http ''
}
