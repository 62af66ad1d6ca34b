# days(y, m, d): days since 1970-01-01 of a civil date (proleptic
# Gregorian), worked out here rather than by the tools the programs check.
function days(y, m, d) {
	if (m <= 2) { y--; m += 12 }
	return 365 * y + int(y / 4) - int(y / 100) + int(y / 400) + \
	    int((153 * (m - 3) + 2) / 5) + d - 719469
}
