#!/usr/bin/env bats
# A damaged or hostile checkpoint (scripts/ckdamage): each file of the
# checkpoint bit-flipped, cut short, zeroed, emptied, made a link, or given a
# huge length between two runs. Each case falls back to an older good state
# with output identical to an undamaged run, or is refused with exit 1 and
# nothing published; never other output, a crash, a hang, a write through a
# link or a temporary file left behind.

load helper

@test "the lock: damaged, it is rewritten; a link is refused" {
	run ckdamage --kind lock
	assert_success
	assert_output "$(printf 'lock flip fallback\nlock empty fallback\nlock link refused\nlock huge fallback')"
	run ckdamage --kind lock --window
	assert_success
	assert_output "$(printf 'lock flip fallback\nlock empty fallback\nlock link refused\nlock huge fallback')"
}

@test "meta: any damage is refused (it names the pipeline)" {
	run ckdamage --kind meta
	assert_success
	assert_output "$(printf 'meta flip refused\nmeta truncate refused\nmeta zero refused\nmeta empty refused\nmeta link refused\nmeta huge refused')"
	run ckdamage --kind meta --window
	assert_success
	assert_output "$(printf 'meta flip refused\nmeta truncate refused\nmeta zero refused\nmeta empty refused\nmeta link refused\nmeta huge refused')"
}

@test "the commit: any damage is refused (what was published is unknown)" {
	run ckdamage --kind commit
	assert_success
	assert_output "$(printf 'commit flip refused\ncommit truncate refused\ncommit zero refused\ncommit empty refused\ncommit link refused\ncommit huge refused')"
	run ckdamage --kind commit --window
	assert_success
	assert_output "$(printf 'commit flip refused\ncommit truncate refused\ncommit zero refused\ncommit empty refused\ncommit link refused\ncommit huge refused')"
}

@test "the snapshot at the restore point: an older one is used" {
	run ckdamage --kind snap
	assert_success
	assert_output "$(printf 'snap flip fallback\nsnap truncate fallback\nsnap zero fallback\nsnap empty fallback\nsnap link fallback\nsnap huge fallback')"
	run ckdamage --kind snap --window
	assert_success
	assert_output "$(printf 'snap flip fallback\nsnap truncate fallback\nsnap zero fallback\nsnap empty fallback\nsnap link fallback\nsnap huge fallback')"
}

@test "an older snapshot: not needed, the output is the same" {
	run ckdamage --kind snap-old
	assert_success
	assert_output "$(printf 'snap-old flip fallback\nsnap-old truncate fallback\nsnap-old zero fallback\nsnap-old empty fallback\nsnap-old link fallback\nsnap-old huge fallback')"
	run ckdamage --kind snap-old --window
	assert_success
	assert_output "$(printf 'snap-old flip fallback\nsnap-old truncate fallback\nsnap-old zero fallback\nsnap-old empty fallback\nsnap-old link fallback\nsnap-old huge fallback')"
}

@test "the source's log of the committed batch: refused (the batch cannot be made again)" {
	run ckdamage --kind log
	assert_success
	assert_output "$(printf 'log flip refused\nlog truncate refused\nlog zero refused\nlog empty refused\nlog link refused\nlog huge refused')"
	run ckdamage --kind log --window
	assert_success
	assert_output "$(printf 'log flip refused\nlog truncate refused\nlog zero refused\nlog empty refused\nlog link refused\nlog huge refused')"
}

@test "an older log of the source: not needed, the output is the same" {
	run ckdamage --kind log-next
	assert_success
	assert_output "$(printf 'log-next flip fallback\nlog-next truncate fallback\nlog-next zero fallback\nlog-next empty fallback\nlog-next link fallback\nlog-next huge fallback')"
	run ckdamage --kind log-next --window
	assert_success
	assert_output "$(printf 'log-next flip fallback\nlog-next truncate fallback\nlog-next zero fallback\nlog-next empty fallback\nlog-next link fallback\nlog-next huge fallback')"
}

@test "the source's start file (what a --watch skipped): refused" {
	run ckdamage --kind start
	assert_success
	assert_output "$(printf 'start flip refused\nstart truncate refused\nstart zero refused\nstart empty refused\nstart link refused\nstart huge refused')"
	run ckdamage --kind start --window
	assert_success
	assert_output "$(printf 'start flip refused\nstart truncate refused\nstart zero refused\nstart empty refused\nstart link refused\nstart huge refused')"
}

@test "the pruned marker as a link: not followed" {
	run ckdamage --kind pruned
	assert_success
	assert_output "$(printf 'pruned link fallback')"
	run ckdamage --kind pruned --window
	assert_success
	assert_output "$(printf 'pruned link fallback')"
}

@test "a temporary file left as a link: removed, not written through" {
	run ckdamage --kind tmp
	assert_success
	assert_output "$(printf 'tmp link fallback')"
	run ckdamage --kind tmp --window
	assert_success
	assert_output "$(printf 'tmp link fallback')"
}

@test "a tool's directory as a link: refused" {
	run ckdamage --kind dir
	assert_success
	assert_output "$(printf 'dir link refused')"
	run ckdamage --kind dir --window
	assert_success
	assert_output "$(printf 'dir link refused')"
}

@test "a forged log that checks but names a file the command does not read is refused" {
	printf '2016-03-22 20:25:28,1\n2016-03-22 20:25:33,2\n' > a.csv
	printf '2016-03-22 20:25:28,SECRET\n' > b.csv
	stream-split --event-time 1 --interval 5s --checkpoint ck --checkpoint-every 1 a.csv |
	    stream-sink --checkpoint ck > /dev/null
	for f in ck/stream-split/log-*; do
		sed -i 's/a\.csv/b.csv/g' "$f"
		"$ROOT/tests/ckseal" "$f"
	done
	run --separate-stderr sh -c 'stream-split --event-time 1 --interval 5s --checkpoint ck --checkpoint-every 1 a.csv | stream-sink --checkpoint ck'
	assert_failure 1
	refute_output --partial SECRET
	assert_equal "$(printf '%s\n' "$stderr" | head -n 1)" 'stream-split: ck/stream-split: a logged batch names b.csv, which this command does not read: refused'
}

@test "a forged snapshot that checks but holds a scale no number has is refused, not a crash" {
	printf '#stream\n#interval\t5000\n#fields\tk\tv\na\t1.5\n#end\t5000\n#eos\n' > in.rec
	stream-state --by k --sum v --checkpoint ck --checkpoint-every 1 < in.rec |
	    stream-sink --checkpoint ck > /dev/null
	# the payload: version, aggregations, next id, groups, key "a", id,
	# last, records, then the cell: count, mantissa, scale (byte 89)
	assert_equal "$(od -An -tu1 -j 113 -N 1 ck/stream-state/snap-5000 | tr -d ' ')" 1
	printf '\177' | dd of=ck/stream-state/snap-5000 bs=1 seek=113 conv=notrunc 2>/dev/null
	"$ROOT/tests/ckseal" ck/stream-state/snap-5000
	printf '#stream\n#interval\t5000\n#fields\tk\tv\na\t1.5\n#end\t5000\nb\t1\n#end\t10000\n#eos\n' > in2.rec
	run stream-state --by k --sum v --checkpoint ck --checkpoint-every 1 < in2.rec
	assert_failure 1
	assert_output 'stream-state: ck/stream-state/snap-5000: a snapshot cut short, or a field out of its range'
}
