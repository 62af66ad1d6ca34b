#!/usr/bin/env bats
# lib/merge: stream-reduce, stream-state and stream-window read several
# record streams as one, merged by batch time: the partial results of N
# pipelines made global by the same tools.

load helper

# part NAME: two batches of "symbol amount" records, the second empty
# but in a.
part() {
	printf '#stream\n#fields\tsymbol\tamount\n#types\tstr\tint\n#interval\t5000\n' > "$1"
	cat >> "$1"
	printf '#eos\n' >> "$1"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit 1
	printf 'EPE\t10\nAMD\t5\n#end\t5000\tn=2\tmade=7000\n#end\t10000\tn=0\tmade=12000\nEPE\t1\n#end\t15000\tn=1\tmade=17000\n' | part a
	printf 'EPE\t20\n#end\t5000\tn=1\tmade=7100\nBP\t7\n#end\t10000\tn=1\tmade=11000\n#end\t15000\tn=0\tmade=16000\n' | part b
}

@test "stream-reduce A B: sums add batch by batch, #end n= the sum and made= the latest" {
	run stream-reduce --by symbol --sum amount a b
	assert_success
	assert_output "$(printf '#stream\tkeys=1
#fields\tsymbol\tamount_sum
#types\tstr\tint
#interval\t5000
AMD\t5
EPE\t30
#end\t5000\tn=3\tmade=7100
BP\t7
#end\t10000\tn=1\tmade=12000
EPE\t1
#end\t15000\tn=1\tmade=17000
#eos')"
}

@test "merge: a batch waits for every input's #end T, then comes out at once" {
	mkfifo fb
	stream-reduce --by symbol --sum amount a fb > out &
	BG_PIDS=$!
	exec 5> fb
	printf '#stream\n#fields\tsymbol\tamount\n#types\tstr\tint\n#interval\t5000\nEPE\t20\n' >&5
	sleep 0.5
	run grep -c '^#end' out
	assert_output 0
	printf '#end\t5000\tn=1\n' >&5
	waitfor 5 grep -q '^#end	5000' out
	run grep -c '^#end' out
	assert_output 1
	run grep -A2 '^#interval' out
	assert_output "$(printf '#interval\t5000\nAMD\t5\nEPE\t30')"
	printf '#end\t10000\tn=0\n#end\t15000\tn=0\n#eos\n' >&5
	exec 5>&-
	wait "$BG_PIDS"
	run tail -1 out
	assert_output '#eos'
}

@test "merge: stream-state keeps its keys across the merged batches, top of the tops" {
	run sh -c 'stream-state --by symbol --sum amount --top 2 a b | grep -v "^#[sfti]"'
	assert_success
	assert_output "$(printf 'EPE\t30\nAMD\t5\n#end\t5000\tn=3\tmade=7100\tstate.stream-state=2\nEPE\t30\nBP\t7\n#end\t10000\tn=1\tmade=12000\tstate.stream-state=3\nEPE\t31\nBP\t7\n#end\t15000\tn=1\tmade=17000\tstate.stream-state=3\n#eos')"
}

@test "merge: stream-window over the merged batches" {
	run sh -c 'stream-window --length 10s --by symbol --sum amount a b | grep -v "^#[sfti]"'
	assert_success
	assert_output "$(printf 'AMD\t5\nEPE\t30\n#end\t5000\tn=3\tmade=7100\tstate.stream-window=2\nAMD\t5\nBP\t7\nEPE\t30\n#end\t10000\tn=1\tmade=12000\tstate.stream-window=3\nBP\t7\nEPE\t1\n#end\t15000\tn=1\tmade=17000\tstate.stream-window=2\n#eos')"
}

@test "merge: - is standard input among the files" {
	run sh -c 'stream-reduce --by symbol --sum amount a - < b | grep -c "^#end"'
	assert_output 3
}

@test "merge: inputs of other fields are not merged: exit 1, named" {
	printf '#stream\n#fields\tclient\tamount\n#end\t5000\n#eos\n' > c
	run sh -c 'stream-reduce --by symbol --sum amount a c 2>&1 > /dev/null'
	assert_failure 1
	assert_output "stream-reduce: c:2: #fields	client	amount: not the records of a: streams of other records are not merged"
}

@test "merge: inputs of other batch intervals are not merged: exit 1" {
	printf '#stream\n#fields\tsymbol\tamount\n#interval\t1000\n#end\t1000\n#eos\n' > c
	run stream-reduce --by symbol --sum amount a c
	assert_failure 1
	assert_output --partial 'streams of other intervals are not merged'
}

@test "merge: an input that breaks: what every input completed is out, nothing after it, exit 1" {
	head -n 7 b > broken	# the header and batch 5000, no #eos
	run sh -c 'stream-reduce --by symbol --sum amount a broken 2>&1 > out'
	assert_failure 1
	assert_output 'stream-reduce: broken: input ended without #eos: the tool before this one failed; its unfinished batch is dropped'
	run tail -n 2 out
	assert_output "$(printf 'EPE\t30\n#end\t5000\tn=3\tmade=7100')"
}

@test "merge: a missing input is named, exit 1" {
	run stream-reduce --by symbol --sum amount a nosuch
	assert_failure 1
	assert_output 'stream-reduce: nosuch: No such file or directory'
}

@test "merge: a bad record is reported at its own input's line" {
	printf 'EPE\tx\n#end\t5000\n' | part c
	run sh -c 'stream-reduce --by symbol --sum amount a c 2>&1 > /dev/null'
	assert_success
	assert_output "$(printf 'stream-reduce: c:5: amount "x" is not a number\nstream-reduce: 1 records rejected')"
}

@test "merge: plain files of records are one batch" {
	printf '#fields\tsymbol\tamount\nEPE\t1\nBP\t2\n' > p1
	printf '#fields\tsymbol\tamount\nEPE\t3\n' > p2
	run stream-reduce --by symbol --sum amount p1 p2
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tsymbol\tamount_sum\nBP\t2\nEPE\t4\n#eos')"
}

@test "merge: a plain file and a stream of batches are not merged" {
	printf 'symbol\tamount\n' > p1
	run stream-reduce --by symbol --sum amount a p1
	assert_failure 1
	assert_output --partial 'they cannot be merged'
}
