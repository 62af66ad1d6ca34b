#!/usr/bin/env bats
# stream-reduce: per-batch groups, aggregations, top-N, batch jobs, failures.

load helper

batches() {	# two batches of parsed orders, the second empty, a third
	printf '#interval\t5000\n#fields\ttime\torder\tclient\tsymbol\tamount\tprice\tside\n'
	printf '2016-03-22T20:25:28Z\t1\t80\tEPE\t710\t51.00\tB\n'
	printf '2016-03-22T20:25:28Z\t2\t12\tAMD\t12\t5\tS\n'
	printf '2016-03-22T20:25:29Z\t3\t7\tNEM\t10\t1.5\tS\n'
	printf '2016-03-22T20:25:29Z\t4\t7\tNEM\t10\t1.5\tS\n'
	printf '#end\t1458678330000\tn=4\n#end\t1458678335000\tn=0\n'
	printf '2016-03-22T20:25:36Z\t5\t12\tAMD\t100\t0.1\tB\n'
	printf '#end\t1458678340000\tn=1\n#eos\n'
}

@test "--by side --count, per batch, control lines in order" {
	batches > in.rec
	run stream-reduce --by side --count in.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tside\tcount\n#interval\t5000\nB\t1\nS\t3\n#end\t1458678330000\tn=4\n#end\t1458678335000\tn=0\nB\t1\n#end\t1458678340000\tn=1\n#eos')"
}

@test "--top ranks by value, then by key; numbers numerically" {
	printf '#fields\tk\tv\n9\t5\n10\t5\n2\t7\nb\t1\na\t1\n' > in.rec
	run stream-reduce --by k --sum v --top 4 --name T in.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=1\ttop=4\tname=T\n#fields\tk\tv_sum\n2\t7\n9\t5\n10\t5\na\t1\n#eos')"
}

@test "every aggregation at once, names derived or given" {
	batches | stream-reduce --by side --count --sum 'value=amount*price' \
	    --avg price --min symbol --max amount --first order --last order \
	    --distinct client > out.rec
	run head -n 5 out.rec
	assert_output "$(printf '#stream\tkeys=1\n#fields\tside\tcount\tvalue\tprice_avg\tsymbol_min\tamount_max\torder_first\torder_last\tclient_distinct\n#interval\t5000\nB\t1\t36210\t51\tEPE\t710\t1\t1\t1\nS\t3\t90\t2.666667\tAMD\t12\t2\t4\t2')"
}

@test "sums are exact decimals" {
	printf '#fields\tp\n0.1\n0.2\n0.30\n' > in.rec
	run stream-reduce --sum p --avg p in.rec
	assert_output "$(printf '#stream\tkeys=0\n#fields\tp_sum\tp_avg\n0.6\t0.2\n#eos')"
}

@test "two key fields, key order" {
	batches | stream-reduce --by side,symbol --sum amount > out.rec
	run sed -n '3,6p' out.rec
	assert_output "$(printf '#interval\t5000\nB\tEPE\t710\nS\tAMD\t12\nS\tNEM\t20')"
}

@test "without --by, one group even for an empty batch" {
	batches | stream-reduce --count --sum amount > out.rec
	run sed -n '3,9p' out.rec
	assert_output "$(printf '#interval\t5000\n4\t742\n#end\t1458678330000\tn=4\n0\t\n#end\t1458678335000\tn=0\n1\t100\n#end\t1458678340000\tn=1')"
}

@test "a plain file of records is one batch: a batch job" {
	printf '#fields\tside\nB\nS\nB\n' > in.rec
	run stream-reduce --by side in.rec
	assert_output "$(printf '#stream\tkeys=1\n#fields\tside\tcount\nB\t2\nS\t1\n#eos')"
}

@test "a headerless file names its fields 1, 2, ..." {
	run stream-reduce --by 2 --sum '$1' <<<$'5\tx\n6\tx\n1\ty'
	assert_output "$(printf '#stream\tkeys=1\n#fields\t2\t1_sum\nx\t11\ny\t1\n#eos')"
}

@test "a record that is not a number is reported and left out" {
	printf '#fields\tk\tv\na\t1\na\tzz\na\t2\n' > in.rec
	run --separate-stderr stream-reduce --by k --sum v in.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\na\t3\n#eos')"
	assert_equal "$stderr" $'stream-reduce: in.rec:3: v "zz" is not a number\nstream-reduce: 1 records rejected'
}

@test "a sum beyond 128 bits is reported, not wrapped" {
	printf '#fields\tv\n99999999999999999999999999999999999999\n99999999999999999999999999999999999999\n' > in.rec
	run --separate-stderr stream-reduce --sum v in.rec
	assert_output "$(printf '#stream\tkeys=0\n#fields\tv_sum\n99999999999999999999999999999999999999\n#eos')"
	assert_equal "$stderr" $'stream-reduce: in.rec:3: the sum of v overflows\nstream-reduce: 1 records rejected'
}

@test "input that ends inside a batch: the batch is dropped, exit 1" {
	batches | head -n 9 > in.rec	# through the first record of batch 3
	run --separate-stderr stream-reduce --by side --count in.rec
	assert_failure 1
	assert_output "$(printf '#stream\tkeys=1\n#fields\tside\tcount\n#interval\t5000\nB\t1\nS\t3\n#end\t1458678330000\tn=4\n#end\t1458678335000\tn=0')"
	assert_equal "$stderr" 'stream-reduce: in.rec: input ended without #eos: the tool before this one failed; its unfinished batch is dropped'
}

@test "a key field the input does not have: exit 1" {
	batches > in.rec
	run --separate-stderr stream-reduce --by nosuch in.rec
	assert_failure 1
	assert_equal "$stderr" 'stream-reduce: in.rec: no field nosuch in the input'
}

@test "a missing input file: exit 1" {
	run stream-reduce --count missing.rec
	assert_failure 1
	assert_output 'stream-reduce: missing.rec: No such file or directory'
}

@test "bad usage: one message, the usage, exit 2" {
	usage_error 'stream-reduce: --top 0: too small (1 to 1000000000)' stream-reduce --top 0
	usage_error 'stream-reduce: --order goes with --top' stream-reduce --count --order count
	usage_error 'stream-reduce: --sum a +: unexpected end at offset 3' stream-reduce --sum 'a +'
	usage_error 'stream-reduce: --order nosuch: no such aggregation' stream-reduce --top 1 --count --order nosuch
}

@test "a full disk is an error" {
	run sh -c 'printf "#fields\ta\n1\n" | stream-reduce --count > /dev/full'
	assert_failure 1
	assert_output 'stream-reduce: stdout: No space left on device'
}

@test "--where: only the records that pass; a key none pass makes no line" {
	batches | stream-reduce --by side --where 'side == "S"' --count --name SELLS > out.rec
	run grep -v '^#' out.rec
	assert_output "$(printf 'S\t3')"
	run stream-reduce --where 'amount >' --count
	assert_failure 2
	assert_line --index 0 'stream-reduce: --where amount >: unexpected end at offset 8'
	run --separate-stderr sh -c 'printf "#fields\tk\n1\n" | stream-reduce --where "x == 1" --count'
	assert_failure 1
	assert_equal "$stderr" 'stream-reduce: stdin: no field x in the input'
}

@test "--collect: the values of each group, in order (groupByKey)" {
	printf '#fields\tk\tv\na\t1\nb\t2.50\na\tx\n' > in.rec
	run stream-reduce --by k --collect v in.rec
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_collect\na\t1,x\nb\t2.50\n#eos')"
}

@test "--label names groups by key, in the order given, unlabelled keys after" {
	batches > in.rec
	run stream-reduce --by side --count --label S=SELLS,B=BUYS in.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=1\tlabels=1\n#fields\tside\tcount\n#interval\t5000\nSELLS\t3\nBUYS\t1\n#end\t1458678330000\tn=4\n#end\t1458678335000\tn=0\nBUYS\t1\n#end\t1458678340000\tn=1\n#eos')"
	run stream-reduce --by symbol --sum amount --label NEM=Newmont in.rec
	assert_success
	assert_line --index 3 $'Newmont\t20'
	assert_line --index 4 $'AMD\t12'
	assert_line --index 5 $'EPE\t710'
	# with --top the labels replace the keys of the ranked groups
	run stream-reduce --by side --count --top 1 --label S=SELLS,B=BUYS in.rec
	assert_success
	assert_line --index 3 $'SELLS\t3'
	# and in stream-state and stream-window alike
	run stream-state --by side --count --emit all --label S=SELLS,B=BUYS in.rec
	assert_success
	assert_line --index 9 $'SELLS\t3'
	assert_line --index 10 $'BUYS\t2'
	run stream-window --length 10s --by side --count --label S=SELLS,B=BUYS in.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=1\tlabels=1\n#fields\tside\tcount\n#interval\t5000\nSELLS\t3\nBUYS\t1\n#end\t1458678330000\tn=4\tstate.stream-window=2\nSELLS\t3\nBUYS\t1\n#end\t1458678335000\tn=0\tstate.stream-window=2\nBUYS\t1\n#end\t1458678340000\tn=1\tstate.stream-window=1\n#eos')"
}

@test "--label: bad usage" {
	usage_error 'stream-reduce: --label needs one --by field' stream-reduce --count --label S=SELLS
	usage_error 'stream-reduce: --label needs one --by field' stream-reduce --count --by side,client --label S=SELLS
	usage_error 'stream-reduce: --label S: expected key=name,...' stream-reduce --count --by side --label S
	usage_error 'stream-reduce: --label S=: expected key=name,...' stream-reduce --count --by side --label S=
	usage_error 'stream-reduce: give --name or --label, not both' stream-reduce --count --by side --label S=SELLS --name X
}

@test "--avg, --max and --distinct of a field alone: no pointer arithmetic on a null constant table" {
	# clang's UBSan once stopped here (lib/expr.c, a field alone)
	printf '#fields\tprice\tsymbol\n1.5\tA\n2\tB\n' > in.rec
	run stream-reduce --avg price --max symbol --distinct symbol in.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=0\n#fields\tprice_avg\tsymbol_max\tsymbol_distinct\n1.75\tB\t2\n#eos')"
}

@test "- is standard input, for stream-reduce and stream-parse alike" {
	run sh -c "printf '1\n2\n' | stream-parse --csv a:int - | stream-reduce --sum a -"
	assert_success
	assert_output "$(printf '#stream\tkeys=0\n#fields\ta_sum\n#types\tint\n3\n#eos')"
}

@test "int keys group by value: 007, 7, +7, 07 are one client" {
	run sh -c "printf '007,1\n7,1\n+7,1\n07,1\n-0,1\n0,1\n' |
	    stream-parse --csv client:int,v:int | stream-reduce --by client --count"
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tclient\tcount\n#types\tint\tint\n0\t2\n7\t4\n#eos')"
}

@test "num keys group by value: -0, 0, 0.0, -0.0 are one; 51.00 and 51 too" {
	run sh -c "printf -- '-0\n0\n0.0\n-0.0\n51.00\n51\n+51.0\n.5\n0.50\n' |
	    stream-parse --csv price:num | stream-reduce --by price --count"
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tprice\tcount\n#types\tnum\tint\n0\t4\n0.5\t2\n51\t3\n#eos')"
}

@test "an arithmetic error names the expression, its operands and the user's file and line" {
	printf 'a,1\n' > a.csv
	printf 'c,3\nd,100000000000000000000000000000\n' > b.csv
	stream-split a.csv b.csv | stream-parse --csv 'k,v:num' |
	    stream-reduce --sum 'v*v*v' >out.rec 2>err
	run cat err
	assert_output $'stream-reduce: b.csv:2: v*v*v: 100000000000000000000000000000 * 100000000000000000000000000000: number out of range\nstream-reduce: 1 records rejected'
}

@test "without #at, a position is the line of the input file, control lines counted" {
	printf '#fields\tk\tv\na\t1\n#end\t5000\nb\tzz\n#eos\n' > in.rec
	run --separate-stderr stream-reduce --sum v in.rec
	assert_equal "$stderr" $'stream-reduce: in.rec:4: v "zz" is not a number\nstream-reduce: 1 records rejected'
}

@test "a bad #at line is reported at its own line and left out; the next one places records again" {
	printf '#stream\n#fields\tv\n#at\tb.csv\tx\n1\n#at\tb.csv\t7\nzz\n#eos\n' > in.rec
	run --separate-stderr stream-reduce --sum v in.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=0\n#fields\tv_sum\n1\n#eos')"
	assert_equal "$stderr" "$(printf 'stream-reduce: in.rec:3: a bad #at line: left out\nstream-reduce: b.csv:7: v "zz" is not a number\nstream-reduce: 1 records rejected')"
}
