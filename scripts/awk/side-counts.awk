# Buy and sell orders per event-time batch of I seconds, from raw order
# lines: "T<TAB>B<TAB>n" and "T<TAB>S<TAB>n" (none for a zero count).
# The reference the tests and scripts/bench compare streamkit with.
# mawk -F, -f days.awk -v I=5 -f side-counts.awk orders.txt
{
	split($1, dt, /[- :]/)
	s = days(dt[1] + 0, dt[2] + 0, dt[3] + 0) * 86400 + dt[4] * 3600 + dt[5] * 60 + dt[6]
	T = sprintf("%.0f", (int(s / I) + 1) * I * 1000)
	n[T, $7]++
	if (!(T in seen)) { seen[T] = 1; order[++k] = T }
}
END {
	for (i = 1; i <= k; i++) {
		if (n[order[i], "B"]) printf "%s\tB\t%d\n", order[i], n[order[i], "B"]
		if (n[order[i], "S"]) printf "%s\tS\t%d\n", order[i], n[order[i], "S"]
	}
}
