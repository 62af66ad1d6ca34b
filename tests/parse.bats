#!/usr/bin/env bats
# stream-parse: typed fields, bad lines reported and counted, --where, --set.

load helper

@test "orders become typed records, time in ISO 8601 UTC" {
	run stream-parse --csv "$SPEC" <<<'2016-03-22 20:25:28,1,80,EPE,710,51.00,B'
	assert_success
	assert_output "$(printf '#stream\n#fields\ttime\torder\tclient\tsymbol\tamount\tprice\tside\n#types\ttime\tint\tint\tstr\tint\tnum\tstr\n#at\t-\t1\n2016-03-22T20:25:28Z\t1\t80\tEPE\t710\t51\tB\n#eos')"
}

@test "each kind of malformed line: its line number, the reason, the line" {
	printf '%s\n' \
	    '2016-03-22 20:25:28,1,80,EPE,710,51.00,B' \
	    '2016-03-22 20:25:28,2,80,EPE,710,51.00' \
	    '2016-03-22 20:25:28,3,80,EPE,71x,51.00,B' \
	    '2016-03-22 20:25:28,4,80,EPE,710,51.00,X' \
	    '2016-13-45 99:99:99,5,80,EPE,710,51.00,B' \
	    '2016-03-22 20:25:28,6,80,EPE,710,5.1.0,B' \
	    '2016-03-22 20:25:28,7,8a,EPE,710,51.00,B' \
	    '' \
	    '2016-03-22 20:25:28,9,80,"EPE,710,51.00,B' \
	    '2016-03-22 20:25:28,10,99999999999999999999,EPE,710,51.00,B' \
	    '2016-03-22 20:25:28,11,80,"E,P",710,51.00,S' > orders.txt
	run --separate-stderr stream-parse --csv "$SPEC" orders.txt
	assert_success
	assert_output "$(printf '#stream\n#fields\ttime\torder\tclient\tsymbol\tamount\tprice\tside\n#types\ttime\tint\tint\tstr\tint\tnum\tstr\n#at\torders.txt\t1\n2016-03-22T20:25:28Z\t1\t80\tEPE\t710\t51\tB\n#at\torders.txt\t11\n2016-03-22T20:25:28Z\t11\t80\tE,P\t710\t51\tS\n#eos')"
	assert_equal "$stderr" 'stream-parse: orders.txt:2: expected 7 fields, found 6: 2016-03-22 20:25:28,2,80,EPE,710,51.00
stream-parse: orders.txt:3: amount "71x" is not an integer: 2016-03-22 20:25:28,3,80,EPE,71x,51.00,B
stream-parse: orders.txt:4: side "X" is not B|S: 2016-03-22 20:25:28,4,80,EPE,710,51.00,X
stream-parse: orders.txt:5: time "2016-13-45 99:99:99" is not a timestamp (no such date): 2016-13-45 99:99:99,5,80,EPE,710,51.00,B
stream-parse: orders.txt:6: price "5.1.0" is not a number: 2016-03-22 20:25:28,6,80,EPE,710,5.1.0,B
stream-parse: orders.txt:7: client "8a" is not an integer: 2016-03-22 20:25:28,7,8a,EPE,710,51.00,B
stream-parse: orders.txt:8: an empty line
stream-parse: orders.txt:9: unterminated quote: 2016-03-22 20:25:28,9,80,"EPE,710,51.00,B
stream-parse: orders.txt:10: client "99999999999999999999" is out of range for an int: 2016-03-22 20:25:28,10,99999999999999999999,EPE,710,51.00,B
stream-parse: 2 lines accepted, 9 rejected'
}

@test "gen-orders --bad: one report per bad line, at its line number, and the right summary" {
	gen-orders -n 1000 --bad 0.05 > orders.txt
	run --separate-stderr stream-parse --csv "$SPEC" orders.txt
	assert_success
	# line i is bad when floor(i*0.05) > floor((i-1)*0.05): every 20th
	want=$(seq 20 20 1000 | sed 's/^/orders.txt:/')
	got=$(printf '%s\n' "$stderr" | sed -n 's/^stream-parse: \(orders.txt:[0-9]*\): .*/\1/p')
	assert_equal "$got" "$want"
	assert_equal "$(printf '%s\n' "$stderr" | tail -n 1)" 'stream-parse: 950 lines accepted, 50 rejected'
	[ "$(printf '%s\n' "$output" | grep -vc '^#')" -eq 950 ]
}

@test "bad lines on standard input are placed by line number" {
	run --separate-stderr stream-parse --csv 'a:int' <<<$'1\nx\n3'
	assert_success
	assert_equal "$stderr" $'stream-parse: line 2: a "x" is not an integer: x\nstream-parse: 2 lines accepted, 1 rejected'
}

@test "--max-errors 3 stops with exit 1 at the third bad line" {
	gen-orders -n 1000 --bad 0.05 > orders.txt
	run --separate-stderr stream-parse --csv "$SPEC" --max-errors 3 orders.txt
	assert_failure 1
	[ "$(printf '%s\n' "$stderr" | grep -c 'orders.txt:')" -eq 3 ]
	assert_equal "$(printf '%s\n' "$stderr" | tail -n 1)" 'stream-parse: 3 bad lines: stopping (--max-errors 3)'
	# the good lines before the third bad one (line 60) were written
	[ "$(printf '%s\n' "$output" | grep -vc '^#')" -eq 57 ]
}

@test "--reject keeps the raw bad lines" {
	printf '1\nx\n3\ny z\n' > in.txt
	run stream-parse --csv 'a:int' --reject bad.txt in.txt
	assert_success
	assert_equal "$(cat bad.txt)" $'x\ny z'
}

@test "--header skips the first line of each input" {
	printf 'a,b\n1,2\n' > one.csv
	printf 'a,b\n3,4\n' > two.csv
	run stream-parse --csv a:int,b:int --header one.csv two.csv
	assert_success
	assert_output $'#stream\n#fields\ta\tb\n#types\tint\tint\n#at\tone.csv\t2\n1\t2\n#at\ttwo.csv\t2\n3\t4\n#eos'
}

@test "--tsv, --sep and quoting" {
	run stream-parse --tsv a,b <<<$'x\ty'
	assert_output $'#stream\n#fields\ta\tb\n#types\tstr\tstr\n#at\t-\t1\nx\ty\n#eos'
	run stream-parse --csv a,b --sep ';' <<<'x;"y;""z"""'
	assert_output $'#stream\n#fields\ta\tb\n#types\tstr\tstr\n#at\t-\t1\nx\ty;"z"\n#eos'
}

@test "--where filters and --set derives, in order" {
	printf '%s\n' '2016-03-22 20:25:28,1,80,EPE,710,51.00,B' \
	    '2016-03-22 20:25:29,2,7,NEM,10,1.25,S' > orders.txt
	run stream-parse --csv "$SPEC" --set 'value=amount*price' \
	    --set 'big=value > 1000' --where 'side == "B" || value < 20' orders.txt
	assert_success
	assert_output "$(printf '#stream\n#fields\ttime\torder\tclient\tsymbol\tamount\tprice\tside\tvalue\tbig\n#types\ttime\tint\tint\tstr\tint\tnum\tstr\tnum\tnum\n#at\torders.txt\t1\n2016-03-22T20:25:28Z\t1\t80\tEPE\t710\t51\tB\t36210\t1\n2016-03-22T20:25:29Z\t2\t7\tNEM\t10\t1.25\tS\t12.5\t0\n#eos')"
}

@test "an expression that fails on a record rejects it" {
	run --separate-stderr stream-parse --csv a:int,b:int --set 'c=a/b' <<<$'4,2\n1,0'
	assert_success
	assert_output $'#stream\n#fields\ta\tb\tc\n#types\tint\tint\tnum\n#at\t-\t1\n4\t2\t2\n#eos'
	assert_equal "$stderr" $'stream-parse: line 2: a/b: 1 / 0: division by zero: 1,0\nstream-parse: 1 lines accepted, 1 rejected'
}

@test "--tz and --time-format" {
	run stream-parse --csv t:time --tz +02:00 <<<'2016-03-22 20:25:28'
	assert_output $'#stream\n#fields\tt\n#types\ttime\n#at\t-\t1\n2016-03-22T18:25:28Z\n#eos'
	run stream-parse --csv t:time --time-format '%d/%m/%Y %H:%M' <<<'22/03/2016 20:25'
	assert_output $'#stream\n#fields\tt\n#types\ttime\n#at\t-\t1\n2016-03-22T20:25:00Z\n#eos'
}

@test "a record stream from stream-split: control lines pass through in order" {
	printf '#interval\t5000\n#fields\tline\n1,2\n#end\t5000\tn=1\n#other\tx\n3,4\n#end\t10000\tn=1\n#eos\n' > in.rec
	run stream-parse --csv a:int,b:int in.rec
	assert_success
	assert_output "$(printf '#stream\n#fields\ta\tb\n#types\tint\tint\n#interval\t5000\n#at\tin.rec\t1\n1\t2\n#end\t5000\tn=1\n#other\tx\n3\t4\n#end\t10000\tn=1\n#eos')"
}

@test "a record stream that ends inside a batch is an upstream failure" {
	printf '#fields\tline\n1\n#end\t5000\n2\n' > in.rec
	run --separate-stderr stream-parse --csv a:int in.rec
	assert_failure 1
	assert_output "$(printf '#stream\n#fields\ta\n#types\tint\n#at\tin.rec\t1\n1\n#end\t5000\n2')"
	assert_equal "$stderr" 'stream-parse: in.rec: input ended without #eos: the tool before this one failed; its unfinished batch is dropped'
}

@test "bad usage: one message, the usage, exit 2" {
	usage_error 'stream-parse: spec a:float: float: unknown type (str, int, num, time or A|B)' stream-parse --csv 'a:float'
	usage_error 'stream-parse: give --csv spec, --tsv spec, --json --fields spec, --words or --words-on text' stream-parse
	usage_error "stream-parse: unrecognized option '--bogus'" stream-parse --csv a --bogus
	usage_error 'stream-parse: --where a ==: unexpected end at offset 4' stream-parse --csv a --where 'a =='
	usage_error 'stream-parse: --where: no field b' stream-parse --csv a --where 'b == 1'
	usage_error 'stream-parse: --max-errors 0: too small (1 to 9223372036854775807)' stream-parse --csv a --max-errors 0
}

@test "a missing input file is named; the others are still read" {
	echo 1 > there.csv
	run --separate-stderr stream-parse --csv a:int missing.csv there.csv
	assert_failure 1
	assert_output $'#stream\n#fields\ta\n#types\tint\n#at\tthere.csv\t1\n1'
	assert_equal "$stderr" 'stream-parse: missing.csv: No such file or directory'
}

@test "a full disk is an error" {
	run sh -c "echo 1 | stream-parse --csv a:int > /dev/full"
	assert_failure 1
	assert_output 'stream-parse: stdout: No space left on device'
}

@test "--tee writes the same stream to every file, FIFOs included" {
	gen-orders -n 100000 --bad 0.001 > orders.txt
	mkfifo f
	cat f > from-fifo &
	run --separate-stderr stream-parse --csv "$SPEC" --tee a.out --tee f orders.txt
	assert_success
	wait
	[ "${#output}" -gt 4000000 ]
	printf '%s\n' "$output" | cmp - a.out
	cmp a.out from-fifo
	assert_equal "${stderr##*$'\n'}" 'stream-parse: 99900 lines accepted, 100 rejected'
}

@test "--tee: a file that cannot be made: exit 1" {
	run --separate-stderr stream-parse --csv a:int --tee no/such/dir <<<'1'
	assert_failure 1
	assert_equal "$stderr" 'stream-parse: no/such/dir: No such file or directory'
}

@test "--tee: a full disk under the copy: exit 1" {
	run --separate-stderr full_disk copy.out stream-parse --csv a:int --tee copy.out <<<'1'
	assert_failure 1
	assert_equal "$stderr" 'stream-parse: copy.out: No space left on device'
}

@test "--cut keeps the fields it names, in its order, on the output named before it" {
	printf '#interval\t5000\n#fields\tline\n1,x y,#3\n#end\t5000\tn=1\n2,"a\\tb",4\n#end\t10000\tn=1\n#eos\n' > in.rec
	run stream-parse --csv a:int,b,c --set 'd=a*2' --cut d,c,a \
	    --tee one.out --cut b --tee two.out --tee three.out --cut b \
	    --tee four.out --cut c,b in.rec
	assert_success
	assert_output "$(printf '#stream\n#fields\td\tc\ta\n#types\tnum\tstr\tint\n#interval\t5000\n#at\tin.rec\t1\n2\t#3\t1\n#end\t5000\tn=1\n4\t4\t2\n#end\t10000\tn=1\n#eos')"
	assert_equal "$(cat one.out)" "$(printf '#stream\n#fields\tb\n#types\tstr\n#interval\t5000\n#at\tin.rec\t1\nx y\n#end\t5000\tn=1\na\\tb\n#end\t10000\tn=1\n#eos')"
	assert_equal "$(cat two.out)" "$(printf '#stream\n#fields\ta\tb\tc\td\n#types\tint\tstr\tstr\tnum\n#interval\t5000\n#at\tin.rec\t1\n1\tx y\t#3\t2\n#end\t5000\tn=1\n2\ta\\tb\t4\t4\n#end\t10000\tn=1\n#eos')"
	cmp one.out three.out
	assert_equal "$(cat four.out)" "$(printf '#stream\n#fields\tc\tb\n#types\tstr\tstr\n#interval\t5000\n#at\tin.rec\t1\n\\#3\tx y\n#end\t5000\tn=1\n4\ta\\tb\n#end\t10000\tn=1\n#eos')"
}

@test "--cut: columns by number, --where on a field left out, plain and quoted lines" {
	printf '%s\n' '2016-03-22 20:25:28,1,80,EPE,710,51.00,B' \
	    '2016-03-22 20:25:29,2,81,"E""P",5,1.5,S' \
	    '2016-03-22 20:25:30,3,82,XOM,7,2.5,S' > orders.txt
	run stream-parse --csv "$SPEC" --where 'side == "S"' --cut 7,client,1 orders.txt
	assert_success
	assert_output "$(printf '#stream\n#fields\tside\tclient\ttime\n#types\tstr\tint\ttime\n#at\torders.txt\t2\nS\t81\t2016-03-22T20:25:29Z\nS\t82\t2016-03-22T20:25:30Z\n#eos')"
	run stream-parse --csv "$SPEC" --cut symbol,amount orders.txt
	assert_output "$(printf '#stream\n#fields\tsymbol\tamount\n#types\tstr\tint\n#at\torders.txt\t1\nEPE\t710\nE"P\t5\nXOM\t7\n#eos')"
	run stream-parse --csv "$SPEC" --cut order,client,time,amount,price,symbol orders.txt
	assert_output "$(printf '#stream\n#fields\torder\tclient\ttime\tamount\tprice\tsymbol\n#types\tint\tint\ttime\tint\tnum\tstr\n#at\torders.txt\t1\n1\t80\t2016-03-22T20:25:28Z\t710\t51\tEPE\n2\t81\t2016-03-22T20:25:29Z\t5\t1.5\tE"P\n3\t82\t2016-03-22T20:25:30Z\t7\t2.5\tXOM\n#eos')"
	run stream-parse --tsv 'a,t:time,b' --cut t,a,b <<<$'x\t1458678328\ty'
	assert_output "$(printf '#stream\n#fields\tt\ta\tb\n#types\ttime\tstr\tstr\n#at\t-\t1\n2016-03-22T20:25:28Z\tx\ty\n#eos')"
}

@test "--cut: the order dashboard's three outputs equal cuts of the whole stream" {
	gen-orders -n 20000 --bad 0.001 | stream-split --event-time 1 --interval 5s > in.rec
	stream-parse --csv "$SPEC" in.rec 2> all.err > all.out
	run --separate-stderr stream-parse --csv "$SPEC" --cut symbol,amount \
	    --tee sides --cut side --tee clients --cut client,amount,price in.rec
	assert_success
	assert_equal "$stderr" "$(cat all.err)"
	assert_equal "${stderr##*$'\n'}" 'stream-parse: 19980 lines accepted, 15 rejected'
	cut_like() {	# cut_like COLUMN...: all.out as cut(1) would cut it
		awk -F'\t' -v OFS='\t' -v c="$*" 'BEGIN { n = split(c, k, " ") }
		    /^#(fields|types)\t/ { s = $1; for (i = 1; i <= n; i++) s = s OFS $(k[i] + 1); print s; next }
		    /^#/ { print; next }
		    { s = $(k[1]); for (i = 2; i <= n; i++) s = s OFS $(k[i]); print s }' all.out
	}
	assert_equal "$output" "$(cut_like 4 5)"
	assert_equal "$(cat sides)" "$(cut_like 7)"
	assert_equal "$(cat clients)" "$(cut_like 3 5 6)"
}

@test "--cut: bad lists are usage errors" {
	usage_error 'stream-parse: --cut c: no field c' stream-parse --csv a,b --cut c
	usage_error 'stream-parse: --cut a,: no field ""' stream-parse --csv a,b --cut a,
	usage_error 'stream-parse: --cut b,2: b twice' stream-parse --csv a,b --cut b,2
	usage_error 'stream-parse: --cut b: standard output has --cut a' stream-parse --csv a,b --cut a --cut b
	usage_error 'stream-parse: --cut b: x.out has --cut a' stream-parse --csv a,b --tee x.out --cut a --cut b
}

@test "--cut: a refused list creates no --tee file" {
	usage_error 'stream-parse: --cut c: no field c' stream-parse --csv a,b --tee t.out --cut c
	run test -e t.out
	assert_failure
}

@test "--cut: a full disk under a cut output: exit 1" {
	run --separate-stderr full_disk cut.out stream-parse --csv a:int,b --tee cut.out --cut b <<<'1,x'
	assert_failure 1
	assert_equal "$stderr" 'stream-parse: cut.out: No space left on device'
}

@test "--cut: --max-errors flushes every output before it stops" {
	run --separate-stderr stream-parse --csv a:int,b --max-errors 1 --cut b --tee t.out --cut a <<<$'1,x\ny,z'
	assert_failure 1
	assert_output "$(printf '#stream\n#fields\tb\n#types\tstr\n#at\t-\t1\nx')"
	assert_equal "$(cat t.out)" "$(printf '#stream\n#fields\ta\n#types\tint\n#at\t-\t1\n1')"
}

@test "enums of one byte and of several, numbers of every short length" {
	printf '%s\n' 'a,1' 'bb,12345678' 'c,0.5' 'b,1.' 'BB,.5' 'aa,1' 'é,1' ',1' 'a,.' 'a,1..' 'a,1.2.' 'c,1.' 'bb,123456789.5' 'c,1234567.' > in.txt
	run --separate-stderr stream-parse --csv 'e:a|bb|c|é,n:num' in.txt
	assert_success
	assert_output "$(printf '#stream\n#fields\te\tn\n#types\tstr\tnum\n#at\tin.txt\t1\na\t1\nbb\t12345678\nc\t0.5\n#at\tin.txt\t7\né\t1\n#at\tin.txt\t12\nc\t1\nbb\t123456789.5\nc\t1234567\n#eos')"
	assert_equal "$stderr" 'stream-parse: in.txt:4: e "b" is not a|bb|c|é: b,1.
stream-parse: in.txt:5: e "BB" is not a|bb|c|é: BB,.5
stream-parse: in.txt:6: e "aa" is not a|bb|c|é: aa,1
stream-parse: in.txt:8: e "" is not a|bb|c|é: ,1
stream-parse: in.txt:9: n "." is not a number: a,.
stream-parse: in.txt:10: n "1.." is not a number: a,1..
stream-parse: in.txt:11: n "1.2." is not a number: a,1.2.
stream-parse: 7 lines accepted, 7 rejected'
}

@test "--tz takes exactly the zones of the time zone database" {
	run stream-parse --csv t:time --tz CET <<<'2016-03-22 20:25:28'
	assert_output "$(printf '#stream\n#fields\tt\n#types\ttime\n#at\t-\t1\n2016-03-22T19:25:28Z\n#eos')"
	run stream-parse --csv t:time --tz Japan <<<'2016-03-22 20:25:28'
	assert_output "$(printf '#stream\n#fields\tt\n#types\ttime\n#at\t-\t1\n2016-03-22T11:25:28Z\n#eos')"
	for z in Europe/Zagrebb Mars/Olympus ../etc/passwd /etc/localtime ''; do
		run stream-parse --csv t:time --tz "$z" <<<'2016-03-22 20:25:28'
		assert_failure 2
		assert_line --index 0 "stream-parse: --tz $z: no such zone in the time zone database (UTC, +02:00 or a name such as Europe/Paris)"
	done
}

@test "numbers are written in their shortest exact form, whatever their text" {
	printf '%s\n' 007,+7.10 -0,-0.0 +0,.5 0,5. 12,0.010 -12,-00.50 9223372036854775807,12345678901234567890.1200 > in.txt
	run --separate-stderr stream-parse --csv 'i:int,n:num' in.txt
	assert_success
	assert_output "$(printf '#stream\n#fields\ti\tn\n#types\tint\tnum\n#at\tin.txt\t1\n7\t7.1\n0\t0\n0\t0.5\n0\t5\n12\t0.01\n-12\t-0.5\n9223372036854775807\t12345678901234567890.12\n#eos')"
	assert_equal "$stderr" ''
}

@test "after stream-split, a bad line is reported at the user's file and line" {
	printf 'a,1\nb,2\n' > a.csv
	printf 'c,3\nd,x\ne,5\n' > b.csv
	stream-split a.csv b.csv | stream-parse --csv 'k,v:int' >out.rec 2>err
	run cat err
	assert_output $'stream-parse: b.csv:2: v "x" is not an integer: d,x\nstream-parse: 4 lines accepted, 1 rejected'
}

@test "#at: the positions of the lines it writes, a new mark after each rejected line" {
	printf 'c,3\nd,x\ne,5\n' > b.csv
	run --separate-stderr stream-parse --csv 'k,v:int' b.csv
	assert_success
	assert_output "$(printf '#stream\n#fields\tk\tv\n#types\tstr\tint\n#at\tb.csv\t1\nc\t3\n#at\tb.csv\t3\ne\t5\n#eos')"
}

@test "a line longer than 64 MiB at the end of a file is a rejected line, counted for --max-errors" {
	{ echo 1; head -c 70000000 /dev/zero | tr '\0' x; echo; } > long.txt
	run --separate-stderr stream-parse --csv a:int --max-errors 1 long.txt
	assert_failure 1
	assert_equal "$stderr" "$(printf 'stream-parse: long.txt:2: a line longer than 64 MiB: skipped\nstream-parse: 1 bad lines: stopping (--max-errors 1)')"
}

@test "an empty line is one bad line, named so" {
	run --separate-stderr sh -c 'printf "a,1\n\nb,2\n" | stream-parse --csv k,v:int | grep -v "^#"'
	assert_output "$(printf 'a\t1\nb\t2')"
	assert_equal "$stderr" "$(printf 'stream-parse: line 2: an empty line\nstream-parse: 2 lines accepted, 1 rejected')"
}

@test "an empty line is a record of one empty field when the spec has one str field" {
	run --separate-stderr sh -c 'printf "a\n\nb\n" | stream-parse --csv k | grep -v "^#"'
	assert_output "$(printf 'a\n\nb')"
	assert_equal "$stderr" ''
}

@test "a bad #at line in a record stream is reported at its own line and left out" {
	printf '#stream\n#fields\tv\n#at\tb.csv\t0\n1\n#at\tb.csv\t7\nzz\n#eos\n' > in.rec
	run --separate-stderr stream-parse --tsv v:int in.rec
	assert_success
	assert_output "$(printf '#stream\n#fields\tv\n#types\tint\n#at\tin.rec\t1\n1\n#eos')"
	assert_equal "$stderr" "$(printf 'stream-parse: in.rec:3: a bad #at line: left out\nstream-parse: b.csv:7: v "zz" is not an integer: zz\nstream-parse: 1 lines accepted, 1 rejected')"
}

@test "--json --jq: nested objects flatMapped into records, typed" {
	cat > in.jsonl <<'J'
{"batch":1,"orders":[{"client":7,"amount":51.00,"side":"B"},{"client":"008","amount":2.5,"side":"S"}]}
{"batch":2,"orders":[]}
{"batch":3,"orders":[{"client":9,"amount":1e2,"side":"B"}]}
J
	run --separate-stderr stream-parse --json --jq '.orders[] | {client, amount, side}' --fields 'client:int,amount:num,side:B|S' in.jsonl
	assert_success
	assert_equal "$stderr" ''
	assert_output "#stream
#fields	client	amount	side
#types	int	num	str
#at	in.jsonl	1
7	51	B
#at	in.jsonl	1
8	2.5	S
#at	in.jsonl	3
9	100	B
#eos"
}

@test "--json: invalid JSON and a failing filter are bad lines, with their numbers; the stream goes on" {
	printf '%s\n' '{"a":1}' 'not json' '{"a":[1,2]}' '{"a":"x"}' '{"a":2}' > in.jsonl
	run --separate-stderr stream-parse --json --jq '{a: (.a + 1)}' --fields a:int --reject rej in.jsonl
	assert_success
	run grep -v '^#' <<<"$output"
	assert_output '2
3'
	assert_equal "$stderr" "stream-parse: in.jsonl:2: not JSON: Invalid numeric literal at line 1, column 4 (while parsing 'not json'): not json
stream-parse: in.jsonl:3: --jq: array ([1,2]) and number (1) cannot be added: {\"a\":[1,2]}
stream-parse: in.jsonl:4: --jq: string (\"x\") and number (1) cannot be added: {\"a\":\"x\"}
stream-parse: 2 records accepted, 3 rejected"
	run cat rej
	assert_output 'not json
{"a":[1,2]}
{"a":"x"}'
}

@test "--json: a missing or null member is an empty str field, and a bad record when typed; arrays and objects as compact JSON" {
	printf '%s\n' '{"k":"a","v":1,"t":[1, {"x": null}]}' '{"k":null,"v":2}' '{"k":"c"}' '[1]' > in.jsonl
	run --separate-stderr stream-parse --json --fields k,v:int,t in.jsonl
	assert_success
	assert_equal "$(grep -v '^#' <<<"$output" | head -n 1)" 'a	1	[1,{"x":null}]'
	assert_equal "$(grep -v '^#' <<<"$output" | sed -n 2p)" '	2	'
	assert_equal "$stderr" 'stream-parse: in.jsonl:3: no member v: {"k":"c"}
stream-parse: in.jsonl:4: --jq gave array, not an object: [1]
stream-parse: 2 records accepted, 2 rejected'
}

@test "--words: each word of a line a record (NetworkWordCount's flatMap); --words-on a separator" {
	printf 'the quick  brown\tfox\n\nthe end\n' > in
	run --separate-stderr stream-parse --words in
	assert_success
	run grep -v '^#' <<<"$output"
	assert_output 'the
quick
brown
fox
the
end'
	run sh -c "printf 'a,b,,c\n' | stream-parse --words-on , | grep -v '^#'"
	assert_output 'a
b
c'
}

@test "--words: --where and --set work on the word" {
	run sh -c "echo '#spark is #fun and #spark' | stream-parse --words --where 'word > \"#\" && word < \"$\"' | grep -v '^#at'"
	assert_output '#stream
#fields	word
#types	str
\#spark
\#fun
\#spark
#eos'
}

@test "--json, --words: bad combinations are usage errors" {
	usage_error 'stream-parse: give one of --csv, --tsv, --json, --words and --words-on' stream-parse --json --words
	usage_error 'stream-parse: --json and --fields spec go together' stream-parse --json
	usage_error 'stream-parse: --json and --fields spec go together' stream-parse --csv a --fields a
	usage_error 'stream-parse: --jq goes with --json' stream-parse --words --jq .
	usage_error 'stream-parse: --header and --sep go with --csv and --tsv' stream-parse --words --header
	usage_error 'stream-parse: --words-on: an empty separator' stream-parse --words-on ''
	run stream-parse --json --fields a --jq '.['
	assert_failure 2
	assert_line --index 0 --partial 'stream-parse: --jq .[: '
}

@test "a ^= b: the text of a begins with that of b" {
	printf '#spark x\n#fun #spark y #\n' > in
	run sh -c "stream-parse --words --where 'word ^= \"#\"' in | grep -v '^#at' | grep -v '^#[a-z]'"
	assert_output '\#spark
\#fun
\#spark
\#'
	run sh -c "printf '10,x\n105,y\n2,z\n' | stream-parse --csv n:int,s --where 'n ^= 10' | grep -v '^#'"
	assert_output '10	x
105	y'
}

@test "the lines rejected in a batch are added to its #end's bad=" {
	printf '%s\n' '#stream' '#fields	line' 'a,1' 'b,x' '#end	5000	n=2	bad=1' 'c,2' '#end	10000	n=1' 'd,y' 'e,z' '#end	15000	n=2' '#eos' > in.rec
	run --separate-stderr stream-parse --csv 'k,v:int' in.rec
	assert_success
	run sh -c "stream-parse --csv 'k,v:int' in.rec 2> /dev/null | grep '^#end'"
	assert_output "$(printf '#end\t5000\tn=2\tbad=2\n#end\t10000\tn=1\n#end\t15000\tn=2\tbad=2')"
}
