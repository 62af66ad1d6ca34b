# The top N clients by cumulative amount*price after each event-time batch
# of I seconds, summed in integer cents, ties to the smaller client:
# "T<TAB>client<TAB>value". mawk -F, -f days.awk -v I=5 -v N=5 -f top-clients.awk
function money(c,   f) {	# cents to the shortest exact decimal
	f = c % 100
	if (f == 0) return sprintf("%d", int(c / 100))
	if (f % 10 == 0) return sprintf("%d.%d", int(c / 100), f / 10)
	return sprintf("%d.%02d", int(c / 100), f)
}
function flush(T,   i, k, best, used) {
	for (k in used) delete used[k]
	for (i = 1; i <= N; i++) {
		best = ""
		for (k in tot)
			if (!(k in used) && (best == "" || tot[k] > tot[best] ||
			    (tot[k] == tot[best] && k + 0 < best + 0)))
				best = k
		if (best == "") break
		used[best] = 1
		printf "%s\t%s\t%s\n", T, best, money(tot[best])
	}
}
{
	split($1, dt, /[- :]/)
	s = days(dt[1] + 0, dt[2] + 0, dt[3] + 0) * 86400 + dt[4] * 3600 + dt[5] * 60 + dt[6]
	T = sprintf("%.0f", (int(s / I) + 1) * I * 1000)
	if (T != cur) { if (cur != "") flush(cur); cur = T }
	split($6, p, ".")
	tot[$3] += $5 * (p[1] * 100 + p[2])
}
END { if (cur != "") flush(cur) }
