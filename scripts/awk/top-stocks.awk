# The top N symbols by amount over the window of W seconds ending with each
# event-time batch of I seconds, ties to the bytewise smaller symbol:
# "T<TAB>symbol<TAB>amount". mawk -F, -f days.awk -v I=5 -v W=3600 -v N=5 -f top-stocks.awk
function flush(b,   i, k, best, used, T) {
	# the window ending at batch b holds batches b - W/I + 1 .. b:
	# b comes in, b - W/I goes out
	for (k in syms) {
		if ((b, k) in amt) tot[k] += amt[b, k]
		if ((b - W / I, k) in amt) tot[k] -= amt[b - W / I, k]
	}
	T = sprintf("%.0f", b * I * 1000)
	for (k in used) delete used[k]
	for (i = 1; i <= N; i++) {
		best = ""
		for (k in tot)
			if (!(k in used) && tot[k] > 0 && (best == "" ||
			    tot[k] > tot[best] || (tot[k] == tot[best] && k < best)))
				best = k
		if (best == "") break
		used[best] = 1
		printf "%s\t%s\t%d\n", T, best, tot[best]
	}
}
{
	split($1, dt, /[- :]/)
	s = days(dt[1] + 0, dt[2] + 0, dt[3] + 0) * 86400 + dt[4] * 3600 + dt[5] * 60 + dt[6]
	b = int(s / I) + 1
	if (first == "") first = b
	amt[b, $4] += $5
	syms[$4] = 1
	last = b
}
END { for (x = first; x <= last; x++) flush(x) }
