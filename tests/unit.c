/*
 * Unit tests of lib/: one table row per case. Prints each failure with its
 * input, then "N passed, N failed"; exits 1 if any failed.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "buf.h"
#include "ck.h"
#include "clock.h"
#include "csv.h"
#include "cut.h"
#include "dec.h"
#include "dur.h"
#include "expr.h"
#include "ht.h"
#include "spec.h"
#include "src.h"
#include "stream.h"
#include "ts.h"
#include "util.h"
#include "words.h"

static int passed, failed;

static void
check(int ok, const char *what, const char *in, const char *got,
    const char *want)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s(%s): got \"%s\", want \"%s\"\n", what, in, got, want);
}

static void
test_dec_int(void)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
		{ "710", "710" },
		{ "-42", "-42" },
		{ "+7", "7" },
		{ "999999999999999999", "999999999999999999" },
		{ "9223372036854775807", "9223372036854775807" },
		{ "9223372036854775808", "number out of range" },
		{ "-9223372036854775808", "-9223372036854775808" },
		{ "-9223372036854775809", "number out of range" },
		{ "00000000000000000000042", "42" },
		{ "12x", "not a number" },
		{ "-", "not a number" },
		{ "", "not a number" },
	};
	size_t i;

	for (i = 0; i < SK_NELEM(rows); i++) {
		char got[64];
		int64_t v;
		enum dec_err e = dec_parse_int(rows[i].in, strlen(rows[i].in), &v);

		if (e == DEC_OK)
			snprintf(got, sizeof(got), "%lld", (long long)v);
		else
			snprintf(got, sizeof(got), "%s", dec_strerror(e));
		check(strcmp(got, rows[i].want) == 0, "dec_parse_int", rows[i].in,
		    got, rows[i].want);
	}
}

static void
test_dec(void)
{
	static const struct {
		const char *a, *op, *b, *want;
	} rows[] = {
		{ "51.00", "+", "0", "51" },
		{ "0.1", "+", "0.2", "0.3" },
		{ "710", "*", "51.00", "36210" },
		{ "1.5", "*", "1.5", "2.25" },
		{ "-0.25", "+", "0", "-0.25" },
		{ "1", "/", "3", "0.333333" },
		{ "2", "/", "3", "0.666667" },
		{ "0.0000025", "/", "1", "0.0000025" },
		{ "1", "/", "8", "0.125" },
		{ "5", "-", "7.5", "-2.5" },
		{ "7", "%", "3", "1" },
		{ "0.5", "/", "1000000", "0" },	/* 0.0000005: half-even to 0 */
		{ "1.5", "/", "1000000", "0.000002" },
		{ "2.5", "/", "1000000", "0.000002" },
		{ "1", "/", "0", "division by zero" },
		{ "99999999999999999999999999999999999999", "+", "99999999999999999999999999999999999999", "number out of range" },
		{ "9223372036854775807", "+", "1", "9223372036854775808" },
		{ "12x", "+", "1", "not a number" },
		{ ".5", "+", "5.", "5.5" },
		/* across the 18 digits parsed without overflow checks */
		{ "123456789012345678", "+", "1", "123456789012345679" },
		{ "1234567890123456789", "+", "0", "1234567890123456789" },
		{ "12345678901234567.89", "+", "0.11", "12345678901234568" },
		{ "-999999999999999999", "-", "1", "-1000000000000000000" },
		{ "0000000000000000000000000007", "*", "6", "42" },
		{ ".", "+", "1", "not a number" },
		{ "1.2.3", "+", "1", "not a number" },
		{ "-1.5", "*", "2", "-3" },
		/* inline paths (one scale, 64-bit products) and their edges */
		{ "9223372036854775807", "*", "9223372036854775807", "85070591730234615847396907784232501249" },
		{ "-9223372036854775808", "*", "-9223372036854775808", "85070591730234615865843651857942052864" },
		{ "9223372036854775808", "*", "9223372036854775807", "85070591730234615856620279821087277056" },
		{ "92233720368547758080", "*", "92233720368547758080", "number out of range" },
		{ "0.000000001", "*", "0.0000000001", "0" },	/* scale 19: rounded */
		{ "0.000000005", "*", "0.0000000003", "0.000000000000000002" },
		{ "170141183460469231731687303715884105727", "+", "1", "number out of range" },
		{ "-170141183460469231731687303715884105727", "-", "2", "number out of range" },
		{ "1.25", "+", "2.5", "3.75" },
		{ "1.25", "+", "2.50", "3.75" },
		{ "", "+", "1", "not a number" },
	};
	size_t i;

	for (i = 0; i < SK_NELEM(rows); i++) {
		struct dec a, b, r = { 0, 0 };
		enum dec_err e;
		char got[DEC_STRMAX + 32], in[128];

		snprintf(in, sizeof(in), "%s %s %s", rows[i].a, rows[i].op, rows[i].b);
		if ((e = dec_parse(rows[i].a, strlen(rows[i].a), &a)) == DEC_OK &&
		    (e = dec_parse(rows[i].b, strlen(rows[i].b), &b)) == DEC_OK) {
			switch (rows[i].op[0]) {
			case '+': e = dec_add(&r, a, b); break;
			case '-': e = dec_sub(&r, a, b); break;
			case '*': e = dec_mul(&r, a, b); break;
			case '/': e = dec_div(&r, a, b); break;
			default: e = dec_mod(&r, a, b); break;
			}
		}
		if (e == DEC_OK)
			dec_format(r, got);
		else
			strcpy(got, dec_strerror(e));
		check(strcmp(got, rows[i].want) == 0, "dec", in, got, rows[i].want);
	}
	test_dec_int();
}

static void
test_dur(void)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
		{ "250ms", "250ms" }, { "5s", "5s" }, { "2m30s", "2m30s" },
		{ "1h", "1h" }, { "1.5s", "1s500ms" }, { "90s", "1m30s" },
		{ "1d", "1d" }, { "5", "needs a unit (ms, s, m, h, d)" },
		{ "5x", "unknown unit (ms, s, m, h, d)" }, { "", "empty duration" },
		{ "0s", "must be positive" }, { "0.0001s", "finer than a millisecond" },
	};
	size_t i;

	for (i = 0; i < SK_NELEM(rows); i++) {
		int64_t ms;
		char got[64];
		const char *why = dur_parse(rows[i].in, &ms);

		if (why == NULL)
			dur_format(ms, got);
		else
			strcpy(got, why);
		check(strcmp(got, rows[i].want) == 0, "dur", rows[i].in, got,
		    rows[i].want);
	}
}

static void
test_ts(void)
{
	static const struct {
		const char *in, *zone, *fmt, *want;
	} rows[] = {
		{ "2016-03-22 20:25:28", NULL, NULL, "2016-03-22T20:25:28Z" },
		{ "2016-03-22T20:25:28Z", NULL, NULL, "2016-03-22T20:25:28Z" },
		{ "2016-03-22T20:25:28.250+01:00", NULL, NULL, "2016-03-22T19:25:28.250Z" },
		{ "2016-03-22 20:25:28", "+02:00", NULL, "2016-03-22T18:25:28Z" },
		{ "2016-03-22 20:25:28", "Europe/Zagreb", NULL, "2016-03-22T19:25:28Z" },
		{ "2016-07-22 20:25:28", "Europe/Zagreb", NULL, "2016-07-22T18:25:28Z" },
		{ "2016-02-29", NULL, NULL, "2016-02-29T00:00:00Z" },
		{ "1458678328", NULL, NULL, "2016-03-22T20:25:28Z" },
		{ "1458678328.5", NULL, NULL, "2016-03-22T20:25:28.500Z" },
		{ "1458678328123", NULL, NULL, "2016-03-22T20:25:28.123Z" },
		{ "22/03/2016 20:25", NULL, "%d/%m/%Y %H:%M", "2016-03-22T20:25:00Z" },
		{ "1969-12-31 23:59:59", NULL, NULL, "1969-12-31T23:59:59Z" },
		{ "2015-02-29 10:00:00", NULL, NULL, "no such date" },
		{ "2016-03-22 25:00:00", NULL, NULL, "no such time of day" },
		{ "2016-03-22 20:25:28 x", NULL, NULL, "bad zone" },
		{ "yesterday", NULL, NULL, "not a timestamp" },
		{ "2016-03-22X20:25:28", NULL, NULL, "not a timestamp" },
	};
	size_t i;

	for (i = 0; i < SK_NELEM(rows); i++) {
		struct tz z;
		int64_t ms;
		char got[64];
		const char *why = NULL;

		if (rows[i].zone != NULL)
			why = tz_parse(&z, rows[i].zone);
		if (why == NULL)
			why = ts_parse(rows[i].in, strlen(rows[i].in),
			    rows[i].zone ? &z : NULL, rows[i].fmt, &ms);
		if (why == NULL)
			ts_format(ms, got);
		else
			strcpy(got, why);
		check(strcmp(got, rows[i].want) == 0, "ts", rows[i].in, got,
		    rows[i].want);
	}
	/* times no text holds (a hostile snapshot's): the number */
	{
		static const struct { int64_t ms; const char *want; } far[] = {
			{ INT64_MIN, "-9223372036854775808" },
			{ INT64_MAX, "9223372036854775807" },
			{ 253402300799999LL, "9999-12-31T23:59:59.999Z" },
			{ 253402300800000LL, "253402300800000" },
			{ -62167219200000LL, "0000-01-01T00:00:00Z" },
		};
		char got[64];

		for (i = 0; i < SK_NELEM(far); i++) {
			got[ts_format(far[i].ms, got)] = '\0';
			check(strcmp(got, far[i].want) == 0, "ts_format",
			    far[i].want, got, far[i].want);
		}
	}
}

static void
test_expr(void)
{
	static const struct {
		const char *src, *rec, *want;
	} rows[] = {
		{ "amount*price", "710\t51.00\tB", "36210" },
		{ "amount + price / 2", "710\t51.00\tB", "735.5" },
		{ "(amount + 10) * 2", "710\t51.00\tB", "1440" },
		{ "-amount", "710\t51.00\tB", "-710" },
		{ "side == 'B'", "710\t51.00\tB", "1" },
		{ "side != \"B\"", "710\t51.00\tB", "0" },
		{ "amount > 700 && side == 'S'", "710\t51.00\tB", "0" },
		{ "amount > 700 || side == 'S'", "710\t51.00\tB", "1" },
		{ "!(amount < 100)", "710\t51.00\tB", "1" },
		{ "side == 'B' ? 'BUYS' : 'SELLS'", "710\t51.00\tS", "SELLS" },
		{ "amount == 710.0", "710\t51.00\tB", "1" },
		{ "price >= 51", "710\t51.00\tB", "1" },
		{ "amount * price", "71x\t51.00\tB", "amount \"71x\" is not a number" },
		{ "amount / (price - 51)", "710\t51.00\tB", "division by zero" },
		{ "price - 0 == 0 || amount", "710\t\tB", "1" },
		{ "price + 1", "710\t\tB", "" },
		{ "$amount + ${price}", "1\t2\tB", "3" },
		{ "$3", "1\t2\tB", "B" },
		{ "amount > 9 && amount / 0", "1\t2\tB", "0" },
		{ "amount * ", "1\t2\tB", "compile: unexpected end" },
		{ "nosuch + 1", "1\t2\tB", "bind: nosuch" },
		{ "1 === 1", "1\t2\tB", "compile: unexpected text" },
		/* the shapes expr_eval runs without its interpreter */
		{ "side", "710\t51.00\tB", "B" },
		{ "price", "710\t\tB", "" },
		{ "side == \"S\"", "710\t51.00\tS", "1" },
		{ "\"S\" == side", "710\t51.00\tSS", "0" },
		{ "side != \"\"", "710\t51.00\t", "0" },
		{ "price == \"51.0\"", "710\t51.00\tB", "0" },
		{ "price == 51.0", "710\t51.00\tB", "1" },
		{ "price * amount", "3\t0.5\tB", "1.5" },
		{ "amount - 2.5", "3\t0.5\tB", "0.5" },
		{ "10 % amount", "3\t0.5\tB", "1" },
		{ "amount / price", "3\t0\tB", "division by zero" },
		{ "price * amount", "3\tx\tB", "price \"x\" is not a number" },
		{ "amount + price", "\t0.5\tB", "" },
		{ "side + 1", "3\t0.5\tB", "side \"B\" is not a number" },
		{ "'2' * '3'", "3\t0.5\tB", "6" },
	};
	static char *names[] = { "amount", "price", "side" };
	struct schema sc = { 0 };
	size_t i;

	schema_set(&sc, names, 3);
	for (i = 0; i < SK_NELEM(rows); i++) {
		char line[256], got[256];
		const char *why, *missing;
		size_t at;
		struct rec r = { 0 };
		struct expr *x = expr_compile(rows[i].src, &why, &at);
		struct expr_err e;
		struct val v;

		if (x == NULL)
			snprintf(got, sizeof(got), "compile: %s", why);
		else if ((missing = expr_bind(x, &sc)) != NULL)
			snprintf(got, sizeof(got), "bind: %s", missing);
		else {
			strcpy(line, rows[i].rec);
			rec_split(&r, line, strlen(line));
			if (expr_eval(x, &r, &v, &e) < 0)
				snprintf(got, sizeof(got), "%s%s%s%.*s%s%s",
				    e.field ? e.field : "", e.field ? " " : "",
				    e.s ? "\"" : "", (int)e.n, e.s ? e.s : "",
				    e.s ? "\" " : "", e.why);
			else if (v.t == V_NUM)
				dec_format(v.d, got);
			else
				snprintf(got, sizeof(got), "%.*s", (int)v.n, v.s);
		}
		check(strcmp(got, rows[i].want) == 0, "expr", rows[i].src, got,
		    rows[i].want);
		expr_free(x);
		rec_free(&r);
	}
	schema_free(&sc);
}

static void
test_ht(void)
{
	struct ht t;
	char key[32], got[64];
	size_t i, n = 100000, found = 0;
	int created;

	ht_init(&t, sizeof(size_t));
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		*(size_t *)ht_get(&t, key, strlen(key), &created) = i;
	}
	for (i = 0; i < n; i += 2) {
		snprintf(key, sizeof(key), "k%zu", i);
		ht_del(&t, key, strlen(key));
	}
	for (i = 0; i < n; i++) {
		size_t *v;

		snprintf(key, sizeof(key), "k%zu", i);
		v = ht_find(&t, key, strlen(key));
		if ((v != NULL) == (i % 2 == 1) && (v == NULL || *v == i))
			found++;
	}
	snprintf(got, sizeof(got), "%zu of %zu, n=%zu", found, n, t.n);
	check(found == n && t.n == n / 2, "ht", "insert, delete half, find",
	    got, "all");
	ht_free(&t);
}

/* ck_crc32 (8 bytes a step) against the check value of CRC-32 and a byte
 * at a time, for every length and alignment up to 64, and continued. */
static void
test_crc32(void)
{
	unsigned char buf[80];
	char got[64];
	size_t i, n, off, bad = 0;

	snprintf(got, sizeof(got), "%08x",
	    ck_crc32(0, (const unsigned char *)"123456789", 9));
	check(strcmp(got, "cbf43926") == 0, "ck_crc32", "123456789", got,
	    "cbf43926");
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	for (off = 0; off < 8; off++)
		for (n = 0; n + off <= 72; n++) {
			uint32_t one = 0;

			for (i = 0; i < n; i++)	/* byte by byte, continued */
				one = ck_crc32(one, buf + off + i, 1);
			bad += one != ck_crc32(0, buf + off, n);
		}
	snprintf(got, sizeof(got), "%zu differ", bad);
	check(bad == 0, "ck_crc32", "lengths 0..72 at 8 offsets", got,
	    "0 differ");
}

/* The fields and attention bits of a line, the slow way, as text. */
static void
cut_slow(const char *s, size_t n, char sep, const char *att, char *out,
    size_t cap)
{
	size_t i, k, len = 0;
	unsigned seen = 0;

	out[len++] = '[';
	for (i = 0; i < n; i++)
		out[len++] = s[i] == sep ? '|' : s[i];
	for (i = 0; i < n; i++)
		for (k = 0; att[k] != '\0'; k++)
			if (s[i] == att[k])
				seen |= 1u << k;
	snprintf(out + len, cap - len, "] %u", seen);
}

static void
test_cut_with(const char *kind)
{
	static const char alphabet[] = "ab,,\"\\x\ty";
	struct slice f[80];
	struct cutter c;
	char line[80], got[200], want[200], in[120];
	unsigned seed = 1, seen;
	size_t n, i, k, nf, len, bad[70] = { 0 };
	int round;

	cut_init(&c, ',', "\"\\\t");
	if (cut_force(&c, kind) < 0) {
		printf("cut_line: no %s on this machine, not tested\n", kind);
		return;
	}
	/* every length across the 16-byte blocks, random bytes */
	for (round = 0; round < 4000; round++) {
		n = (size_t)round % 70;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			line[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		nf = cut_line(&c, line, n, f, round % 7 == 0 ? 2 : 80, &seen);
		len = 0;
		got[len++] = '[';
		for (k = 0; k < nf && k < (round % 7 == 0 ? 2 : 80); k++) {
			if (k > 0)
				got[len++] = '|';
			memcpy(got + len, f[k].p, f[k].n);
			len += f[k].n;
		}
		if (round % 7 == 0) {	/* two slices kept: the count is right */
			for (i = 0, k = 1; i < n; i++)
				k += line[i] == ',';
			snprintf(got, sizeof(got), "%zu", nf);
			snprintf(want, sizeof(want), "%zu", k);
			if (nf != k && bad[n]++ == 0)
				check(0, kind, "count", got, want);
			continue;
		}
		snprintf(got + len, sizeof(got) - len, "] %u", seen);
		cut_slow(line, n, ',', "\"\\\t", want, sizeof(want));
		memcpy(in, line, n);
		in[n] = '\0';
		if (strcmp(got, want) != 0 && bad[n]++ == 0)
			check(0, kind, in, got, want);
	}
	for (n = 0; n < SK_NELEM(bad); n++)	/* a row per length */
		if (bad[n] == 0)
			passed++;
}

static void
test_cut(void)
{
	struct cutter one;
	struct slice f[4];
	unsigned seen;
	size_t n;

	test_cut_with("bytes");
	test_cut_with("sse2");
	test_cut_with("avx2");
	/* one attention byte takes the loop that compares once */
	cut_init(&one, '\t', "\\");
	n = cut_line(&one, "abcdefghijklmnop\tqrstuvwxyz0123456789\\ABCDEF\tx", 46,
	    f, 4, &seen);
	check(n == 3 && seen == 1 && f[1].n == 27 && f[2].n == 1, "cut_line",
	    "one attention byte", n == 3 && seen == 1 ? "fields" : "count",
	    "3 fields, a backslash");
}

/* scan_getline against ib_getline and cut_line, over a file of random
 * lines (CRLF, quotes, empty lines, one line longer than the buffer) that
 * crosses the buffer's end many times. */
static void
test_scan_with(const char *kind, const char *path)
{
	struct ibuf a, b;
	struct scanner sc;
	struct cutter c;
	struct slice fa[64], fb[64];
	char *la = NULL, *lb = NULL;
	size_t na = 0, nb = 0, ka = 0, kb, i, lines = 0, bad = 0;
	unsigned sa, sb;
	int fda = open(path, O_RDONLY), fdb = open(path, O_RDONLY);
	char got[64];

	scan_init(&sc, ',', "\"\\\r");
	cut_init(&c, ',', "\"\\\r");
	if (scan_force(&sc, kind) < 0) {
		printf("scan_getline: no %s on this machine, not tested\n", kind);
		close(fda);
		close(fdb);
		return;
	}
	ib_init(&a, fda, path);
	ib_init(&b, fdb, path);
	for (;;) {
		int ra = scan_getline(&sc, &a, &la, &na, fa, 64, &ka, &sa);
		int rb = ib_getline(&b, &lb, &nb);

		if (ra != rb) {
			bad++;
			break;
		}
		if (!ra)
			break;
		lines++;
		kb = cut_line(&c, lb, nb, fb, 64, &sb);
		if (na != nb || memcmp(la, lb, na) != 0 || ka != kb || sa != sb ||
		    a.lineno != b.lineno) {
			bad++;
			continue;
		}
		for (i = 0; i < ka && i < 64; i++)
			if (fa[i].n != fb[i].n || fa[i].p - la != fb[i].p - lb)
				bad++;
	}
	snprintf(got, sizeof(got), "%zu bad of %zu lines", bad, lines);
	check(bad == 0 && lines > 100000, "scan_getline", kind, got, "0 bad");
	ib_free(&a);
	ib_free(&b);
	close(fda);
	close(fdb);
}

static void
test_scan(void)
{
	static const char alphabet[] = "abcdefgh,,,,\"\\\r";
	char path[] = "/tmp/unit-scan.XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fd < 0 ? NULL : fdopen(fd, "w");
	unsigned seed = 7;
	size_t i, k, n;

	if (fp == NULL) {
		check(0, "scan_getline", "mkstemp", "failed", "a file");
		return;
	}
	for (i = 0; i < 150000; i++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 90;
		if (i == 70000)
			n = 1500000;	/* longer than the buffer */
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			putc(alphabet[(seed >> 16) % (sizeof(alphabet) - 1)], fp);
		}
		if (i + 1 < 150000)	/* the last line has no LF */
			putc('\n', fp);
	}
	fclose(fp);
	test_scan_with("bytes", path);
	test_scan_with("sse2", path);
	test_scan_with("avx2", path);
	unlink(path);
}

/* cut_copy_tabs against a byte loop: every length, separators anywhere,
 * and nothing written past its bytes but its room of 15. */
/* dec_parse's path for 18 digits against its general one, which a leading '+'
 * takes: every text of 1 to 9 bytes from a small alphabet, sampled. */
static void
test_dec_short(void)
{
	static const char alpha[] = "0123456789..x-";
	char s[16], plus[17], in[64];
	struct dec a, b;
	enum dec_err ea, eb;
	unsigned long i, j, r, bad = 0;
	size_t n;

	for (i = 0; i < 400000; i++) {
		n = 1 + i % 9;
		for (j = 0, r = i * 2654435761UL; j < n; j++, r = r * 6364136223846793005UL + 1)
			s[j] = alpha[(r >> 33) % (sizeof(alpha) - 1)];
		s[n] = '\0';
		plus[0] = '+';
		memcpy(plus + 1, s, n + 1);
		ea = dec_parse(s, n, &a);
		eb = dec_parse(plus, n + 1, &b);
		if (s[0] == '-')
			continue;	/* "+-1" is no number */
		if (ea != eb || (ea == DEC_OK && (a.m != b.m || a.scale != b.scale))) {
			snprintf(in, sizeof(in), "\"%s\"", s);
			check(0, "dec_parse short", in, "differs", "as with +");
			if (++bad > 5)
				return;
		}
	}
	check(bad == 0, "dec_parse short", "400000 texts", "", "");
}

static void
test_copy_tabs(void)
{
	char src[160], got[160 + 16], want[160] = { 0 }, in[64];
	size_t n, i, bad = 0;

	for (i = 0; i < sizeof(src); i++)
		src[i] = "ab,c\t,\n9,,x"[i % 12];
	for (n = 0; n <= 128; n++) {
		memset(got, '#', sizeof(got));
		cut_copy_tabs(got, src, n, ',');
		for (i = 0; i < n; i++)
			want[i] = src[i] == ',' ? '\t' : src[i];
		if (memcmp(got, want, n) != 0 || got[n + 15] != '#') {
			snprintf(in, sizeof(in), "%zu bytes", n);
			check(0, "cut_copy_tabs", in, "differs", "the bytes, TABs");
			bad++;
		}
	}
	if (bad == 0)
		check(1, "cut_copy_tabs", "0..128 bytes", "", "");
}

static void
test_clock_batch(void)
{
	static const struct {
		int64_t interval, t, want;
	} rows[] = {
		{ 5000, 0, 5000 },		/* [0, 5000) is batch 5000 */
		{ 5000, 4999, 5000 },
		{ 5000, 5000, 10000 },
		{ 5000, -1, 0 },		/* floor, not towards zero */
		{ 5000, -5000, 0 },
		{ 5000, -5001, -5000 },
		{ 1000, 1458678328000, 1458678329000 },
		{ 3600000, 1458678328123, 1458680400000 },
		{ 1, -1, 0 },
	};
	struct clock c;
	size_t i;

	for (i = 0; i < SK_NELEM(rows); i++) {
		char in[64], got[32], want[32];
		int64_t bt;

		clock_init(&c, rows[i].interval);
		bt = clock_batch_of(&c, rows[i].t);
		snprintf(in, sizeof(in), "I=%lld t=%lld",
		    (long long)rows[i].interval, (long long)rows[i].t);
		snprintf(got, sizeof(got), "%lld", (long long)bt);
		snprintf(want, sizeof(want), "%lld", (long long)rows[i].want);
		check(bt == rows[i].want, "clock_batch_of", in, got, want);
	}
}

static void
test_clock_place(void)
{
	static const char *const names[] = { "open", "later", "late", "ahead" };
	static const struct {
		int64_t open_t, max_event, t;
		int late_next;
		int64_t max_ahead;
		enum clock_place want;
		int64_t want_bt, want_max;
	} rows[] = {
		/* I = 1000, batch 5000 open: [4000, 5000) */
		{ 5000, 4100, 4500, 0, 60000, CLOCK_OPEN, 5000, 4500 },
		{ 5000, 4100, 4000, 0, 60000, CLOCK_OPEN, 5000, 4100 },
		{ 5000, 4100, 5000, 0, 60000, CLOCK_LATER, 6000, 5000 },
		{ 5000, 4100, 3999, 0, 60000, CLOCK_LATE, 4000, 4100 },
		{ 5000, 4100, 3999, 1, 60000, CLOCK_OPEN, 5000, 4100 },
		{ 5000, 4100, 64000, 0, 60000, CLOCK_LATER, 65000, 64000 },
		{ 5000, 4100, 65000, 0, 60000, CLOCK_AHEAD, 66000, 4100 },
		{ 5000, 4100, 64999, 0, 60000, CLOCK_LATER, 65000, 64999 },
	};
	struct clock c;
	size_t i;

	for (i = 0; i < SK_NELEM(rows); i++) {
		char in[96], got[64], want[64];
		enum clock_place p;
		int64_t bt;

		clock_init(&c, 1000);
		c.open_t = rows[i].open_t;
		c.max_event = rows[i].max_event;
		c.late_next = rows[i].late_next;
		c.max_ahead = rows[i].max_ahead;
		p = clock_place(&c, rows[i].t, &bt);
		snprintf(in, sizeof(in), "open %lld, t %lld%s",
		    (long long)rows[i].open_t, (long long)rows[i].t,
		    rows[i].late_next ? ", --late next" : "");
		snprintf(got, sizeof(got), "%s %lld max %lld", names[p],
		    (long long)bt, (long long)c.max_event);
		snprintf(want, sizeof(want), "%s %lld max %lld",
		    names[rows[i].want], (long long)rows[i].want_bt,
		    (long long)rows[i].want_max);
		check(strcmp(got, want) == 0, "clock_place", in, got, want);
	}
}

static void
test_clock_due(void)
{
	static const struct {
		int64_t open_t, max_event, watermark;
		int want;
	} rows[] = {
		{ 5000, 4999, 0, 0 },
		{ 5000, 5000, 0, 1 },		/* the watermark has reached T */
		{ 5000, 7999, 3000, 0 },
		{ 5000, 8000, 3000, 1 },
		{ 5000, INT64_MIN, 0, 0 },	/* nothing placed yet */
	};
	struct clock c;
	size_t i;

	for (i = 0; i < SK_NELEM(rows); i++) {
		char in[96];

		clock_init(&c, 1000);
		c.open_t = rows[i].open_t;
		c.max_event = rows[i].max_event;
		c.watermark = rows[i].watermark;
		snprintf(in, sizeof(in), "open %lld, max %lld, watermark %lld",
		    (long long)rows[i].open_t, (long long)rows[i].max_event,
		    (long long)rows[i].watermark);
		check(clock_due(&c) == rows[i].want, "clock_due", in,
		    rows[i].want ? "not due" : "due",
		    rows[i].want ? "due" : "not due");
	}
}

/* The records before the clock starts: times of those waiting, the time
 * of the next; it waits (-1) or the clock starts at the waiting one. */
static void
test_clock_agree(void)
{
	static const struct {
		int64_t early[4];
		size_t n;
		int64_t t;
		long want;
	} rows[] = {
		{ { 0 }, 0, 1000, -1 },			/* the first waits */
		{ { 1000 }, 1, 2000, 0 },		/* two agree */
		{ { 1000 }, 1, 1000 + 86400001, -1 },	/* too far */
		{ { -999999999999 }, 1, 1000, -1 },	/* far past first */
		/* a far-past outlier, then two that agree: start at the 2nd */
		{ { -999999999999, 1000 }, 2, 2000, 1 },
		/* an outlier between two that agree */
		{ { 1000, 999999999999 }, 2, 2000, 0 },
		/* two waiting that agree with each other, not with t */
		{ { 1000, 999999999999, 2000 }, 3, 999999999998, 0 },
	};
	struct clock c;
	size_t i, k, start;

	for (i = 0; i < SK_NELEM(rows); i++) {
		char in[128], got[16], want[16];
		long res;

		clock_init(&c, 1000);
		for (k = 0; k < rows[i].n; k++)
			clock_wait(&c, "x", 1, 0, 1, NULL, k + 1, 1,
			    rows[i].early[k]);
		res = clock_agree(&c, rows[i].t, &start) ? (long)start : -1;
		snprintf(in, sizeof(in), "%zu waiting, t %lld", rows[i].n,
		    (long long)rows[i].t);
		snprintf(got, sizeof(got), "%ld", res);
		snprintf(want, sizeof(want), "%ld", rows[i].want);
		check(res == rows[i].want, "clock_agree", in, got, want);
		clock_free(&c);
	}
}

static void
test_clock_pending(void)
{
	struct clock c;
	struct pending *p;
	char got[64];

	clock_init(&c, 1000);
	c.open_t = 5000;
	c.max_event = 4500;
	(void)clock_pending(&c, 8000)->n++;
	(void)clock_pending(&c, 6000)->n++;
	(void)clock_pending(&c, 8000)->n++;
	snprintf(got, sizeof(got), "%zu: %lld %lld, last %lld", c.npend,
	    (long long)c.pend[0].t, (long long)c.pend[1].t,
	    (long long)clock_last(&c));
	check(strcmp(got, "2: 6000 8000, last 8000") == 0, "clock_pending",
	    "8000 6000 8000", got, "2: 6000 8000, last 8000");
	clock_close(&c);
	p = clock_opened(&c);
	snprintf(got, sizeof(got), "%lld %llu", (long long)c.open_t,
	    p ? (unsigned long long)c.open_n : 0ULL);
	check(p != NULL && strcmp(got, "6000 1") == 0, "clock_opened",
	    "after 5000", got, "6000 1");
	pending_done(&c);
	clock_close(&c);
	check(clock_opened(&c) == NULL, "clock_opened", "7000", "pending",
	    "none");
	clock_free(&c);
}

static void
test_clock_fits(void)
{
	static const struct {
		int64_t open_t, max_event, pend;
		const char *want;
	} rows[] = {
		{ 5000, 4500, 0, "" },
		{ 5500, 4500, 0, "batch times" },	/* not on the interval */
		{ 5000, 5000 + 86400001, 0, "batch times" },
		{ 5000, 4500, 6000, "" },
		/* a log written as batch 4000 closed, before batch 5000 took
		 * the records it had pending */
		{ 5000, 4500, 5000, "" },
		{ 5000, 4500, 4000, "a pending batch" },
		{ 5000, 4500, 6500, "a pending batch" },
		{ 5000, 4500, 5000 + 86401000, "" },
		{ 5000, 4500, 5000 + 86402000, "a pending batch" },
	};
	struct clock c;
	size_t i;

	for (i = 0; i < SK_NELEM(rows); i++) {
		char in[96];
		const char *why;

		clock_init(&c, 1000);
		c.open_t = rows[i].open_t;
		c.max_event = rows[i].max_event;
		if (rows[i].pend != 0)
			(void)clock_pending(&c, rows[i].pend);
		why = clock_fits(&c);
		snprintf(in, sizeof(in), "open %lld, max %lld, pending %lld",
		    (long long)rows[i].open_t, (long long)rows[i].max_event,
		    (long long)rows[i].pend);
		check(why == NULL ? *rows[i].want == '\0' :
		    strncmp(why, rows[i].want, strlen(rows[i].want)) == 0 &&
		    *rows[i].want != '\0', "clock_fits", in, why ? why : "fits",
		    *rows[i].want ? rows[i].want : "fits");
		clock_free(&c);
	}
}

/* The reader's control lines: what each says, as "kind values". */
static void
test_stream_item(void)
{
	static const char *const kinds[] = { "data", "fields", "end", "eos",
	    "interval", "stream", "types", "at", "checkpoint", "other" };
	static const struct {
		const char *line, *want;
	} rows[] = {
		{ "B\t4926", "data" },
		{ "", "data" },
		{ "#end\t1458678330000", "end 1458678330000 n=-1 made=-1" },
		{ "#end\t1458678330000\tn=2000", "end 1458678330000 n=2000 made=-1" },
		{ "#end\t-5000\tn=0\tmade=1458678331234",
		    "end -5000 n=0 made=1458678331234" },
		{ "#end\t9223372036854775807", "end 9223372036854775807 n=-1 made=-1" },
		{ "#end\t-9223372036854775808",
		    "end -9223372036854775808 n=-1 made=-1" },
		{ "#interval\t5000", "interval 5000" },
		{ "#checkpoint\tevery=10", "checkpoint 10" },
		{ "#stream", "stream name=- top=0 keys=0 labels=0" },
		{ "#stream\tkeys=1\ttop=5\tname=TOP5CLIENTS",
		    "stream name=TOP5CLIENTS top=5 keys=1 labels=0" },
		{ "#stream\tkeys=1\tlabels=1", "stream name=- top=0 keys=1 labels=1" },
		{ "#eos", "eos" },
		{ "#fields\ta\tb", "fields" },
		{ "#types\tint", "types" },
		{ "#at\tf\t3", "at" },
		{ "#comment", "other" },
		{ "#endx\t5", "other" },
	};
	struct ibuf ib;
	struct sreader sr;
	size_t i;

	ib_init(&ib, -1, "t");
	for (i = 0; i < SK_NELEM(rows); i++) {
		char line[256], got[256];
		struct item it;
		enum ctl c;

		snprintf(line, sizeof(line), "%s", rows[i].line);
		sr_init(&sr, &ib, "t");
		c = sr_item(&sr, line, strlen(line), &it);
		if (c == CTL_END)
			snprintf(got, sizeof(got), "end %lld n=%lld made=%lld",
			    (long long)it.t, (long long)it.count,
			    (long long)it.made);
		else if (c == CTL_INTERVAL)
			snprintf(got, sizeof(got), "interval %lld",
			    (long long)it.interval);
		else if (c == CTL_CHECKPOINT)
			snprintf(got, sizeof(got), "checkpoint %lld",
			    (long long)it.every);
		else if (c == CTL_STREAM)
			snprintf(got, sizeof(got), "stream name=%.*s top=%lld "
			    "keys=%lld labels=%d", it.name ? (int)it.namelen : 1,
			    it.name ? it.name : "-", (long long)it.top,
			    (long long)it.keys, it.labels);
		else
			snprintf(got, sizeof(got), "%s", kinds[c]);
		check(strcmp(got, rows[i].want) == 0, "sr_item", rows[i].line,
		    got, rows[i].want);
	}
	ib_free(&ib);
}

/* A line's fields joined by '|', for comparing. */
static void
join_fields(char *buf, size_t cap, const struct slice *f, size_t n)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%.*s",
		    i > 0 ? "|" : "", (int)f[i].n, f[i].p);
}

static void
test_spec(void)
{
	static const struct {
		const char *line;	/* fields at ',' */
		const char *want;	/* canonical fields, or the reason */
	} rows[] = {
		{ "2016-03-22 20:25:28,7,51.00,B",
		    "2016-03-22T20:25:28Z|7|51|B" },
		{ "2016-03-22 20:25:28,007,000.50,S",
		    "2016-03-22T20:25:28Z|7|0.5|S" },
		{ "2016-03-22 20:25:28,+7,-0.0,B",
		    "2016-03-22T20:25:28Z|7|0|B" },
		{ "2016-03-22 20:25:28,-0,34.50,B",
		    "2016-03-22T20:25:28Z|0|34.5|B" },
		{ "2016-03-22 20:25:28,100,100.,B",
		    "2016-03-22T20:25:28Z|100|100|B" },
		{ "2016-03-22 20:25:28,x,1,B", "n \"x\" is not an integer" },
		{ "2016-03-22 20:25:28,99999999999999999999,1,B",
		    "n \"99999999999999999999\" is out of range for an int" },
		{ "2016-03-22 20:25:28,1,1.2.3,B", "v \"1.2.3\" is not a number" },
		{ "2016-03-22 20:25:28,1,.,B", "v \".\" is not a number" },
		{ "2016-03-22 20:25:28,1,1,Q", "side \"Q\" is not B|S" },
		{ "2016-03-22 20:25:28,1,1,", "side \"\" is not B|S" },
		{ "2016-02-30 20:25:28,1,1,B",
		    "t \"2016-02-30 20:25:28\" is not a timestamp (no such date)" },
		{ "yesterday,1,1,B", "t \"yesterday\" is not a timestamp" },
	};
	struct spec sp;
	struct tz utc = { 0 };
	char why[256], got[256], in[128];
	size_t i, k;

	if (spec_parse(&sp, "t:time,n:int,v:num,side:B|S", why,
	    sizeof(why)) != NULL) {
		check(0, "spec_parse", "t:time,...", why, "NULL");
		return;
	}
	sp.zone = &utc;
	for (i = 0; i < SK_NELEM(rows); i++) {
		struct slice f[4];
		struct line l = { f, 0, 1, 1 };
		const char *w = NULL, *p, *c;

		/* the line lies in a buffer padded as an ibuf is */
		snprintf(in, sizeof(in), "%s%s", rows[i].line, "........");
		for (p = in; l.n < 4; p = c + 1) {
			c = strchr(p, l.n < 3 ? ',' : '.');
			f[l.n].p = (char *)p;
			f[l.n++].n = (size_t)(c - p);
		}
		if (!spec_quick(&sp, &l))
			for (k = 0; k < 4 && w == NULL; k++)
				w = spec_check(&sp, &l, k, why, sizeof(why));
		if (w != NULL)
			snprintf(got, sizeof(got), "%s", w);
		else
			join_fields(got, sizeof(got), f, 4);
		check(strcmp(got, rows[i].want) == 0, "spec", rows[i].line, got,
		    rows[i].want);
	}
	spec_free(&sp);
	check(spec_parse(&sp, "a,:int", why, sizeof(why)) != NULL &&
	    strcmp(why, "spec a,:int: empty field name") == 0, "spec_parse",
	    "a,:int", why, "spec a,:int: empty field name");
	check(spec_parse(&sp, "a:float", why, sizeof(why)) != NULL &&
	    strcmp(why, "spec a:float: float: unknown type (str, int, num, "
	    "time or A|B)") == 0, "spec_parse", "a:float", why, "unknown type");
}

static void
test_csv(void)
{
	static const struct {
		const char *line, *want;
	} rows[] = {
		{ "a,b,c", "a|b|c" },
		{ "\"a,b\",c", "a,b|c" },
		{ "\"say \"\"hi\"\"\",x", "say \"hi\"|x" },
		{ "\"\",\"\"", "|" },
		{ "a,\"\"", "a|" },
		{ "\"a", "unterminated quote" },
		{ "\"a\"b,c", "text after a closing quote" },
		{ "a\"b,c", "a\"b|c" },	/* a quote inside: text */
		{ ",", "|" },
	};
	struct csv c = { 0 };
	char got[256];
	size_t i;

	csv_init(&c, ',', 1, 1);
	for (i = 0; i < SK_NELEM(rows); i++) {
		unsigned seen = 0;
		const char *w = csv_cut(&c, rows[i].line, strlen(rows[i].line), 0,
		    &seen);

		if (w != NULL)
			snprintf(got, sizeof(got), "%s", w);
		else
			join_fields(got, sizeof(got), c.fields.f, c.fields.n);
		check(strcmp(got, rows[i].want) == 0, "csv_cut", rows[i].line,
		    got, rows[i].want);
	}
	csv_free(&c);
}

/* What a batcher wrote, in memory. */
struct captured {
	char	buf[4096];
	size_t	len;
};

static void
capture(void *arg, const void *p, size_t n)
{
	struct captured *c = arg;

	if (n > sizeof(c->buf) - c->len - 1)
		n = sizeof(c->buf) - c->len - 1;
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

/*
 * Each source resumed where a log said it stood: a file operand or a
 * watched file read again from an offset up to the end of its batch, the
 * logged bytes of standard input replayed. The lines it hands the batch,
 * with their #at (the user's line numbers go on from the logged count),
 * and the offset it stands at after.
 */
static void
test_src_resume(void)
{
	static const struct {
		const char *kind;	/* "file", "watched", "link", "stdin" */
		const char *text;
		uint64_t off, limit, datalines;
		const char *want;	/* the batch's lines, then "@off" */
		uint64_t want_off;
	} rows[] = {
		{ "file", "a\nb\nc\n", 0, UINT64_MAX, 0, "a|b|c", 6 },
		{ "file", "a\nb\nc\n", 2, UINT64_MAX, 1, "b|c", 6 },
		{ "file", "a\nb\nc\n", 2, 4, 1, "b", 4 },
		{ "file", "a\nb", 0, UINT64_MAX, 0, "a|b", 3 },
		{ "file", "x\r\ny\n", 3, UINT64_MAX, 1, "y", 5 },
		{ "file", "a\nb\n", 4, UINT64_MAX, 2, "", 4 },
		{ "watched", "a\nb\nc\n", 4, UINT64_MAX, 2, "c", 6 },
		{ "watched", "a\nb\n", 0, 2, 0, "a", 2 },
		{ "link", "a\n", 0, UINT64_MAX, 0, "(refused)", 0 },
		{ "stdin", "p\nq\n", 0, 0, 0, "p|q", 4 },
		{ "stdin", "p\nq", 0, 0, 0, "p|q", 3 },
	};
	char dir[] = "/tmp/unit-src.XXXXXX", path[64], link[64], got[4096];
	char want[32];
	size_t i;

	if (mkdtemp(dir) == NULL) {
		check(0, "src_resume", "mkdtemp", "failed", "a directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	for (i = 0; i < SK_NELEM(rows); i++) {
		static struct batcher b;
		static struct reader r;
		static volatile sig_atomic_t stop;
		struct captured out = { .len = 0 };
		char in[128], *p, *line;
		int rc = 0, fd, null, saved;

		unlink(path);
		unlink(link);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
		    write(fd, rows[i].text, strlen(rows[i].text)) < 0 ||
		    close(fd) < 0 || symlink(path, link) < 0)
			break;
		batcher_init(&b, 1000000);
		ob_init_sink(&b.out, capture, &out);
		rd_init(&r, &b, &stop, strcmp(rows[i].kind, "stdin") == 0);
		r.cur.datalines = rows[i].datalines;
		fflush(stderr);		/* a link is refused, with a warning */
		saved = dup(2);
		null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		if (strcmp(rows[i].kind, "stdin") == 0)
			rd_replay_bytes(&r, rows[i].text, strlen(rows[i].text));
		else
			rc = rd_read_file(&r, strcmp(rows[i].kind, "link") == 0 ?
			    link : path, strcmp(rows[i].kind, "file") == 0 ? 0 :
			    -1, rows[i].off, rows[i].limit);
		dup2(saved, 2);
		close(saved);
		close(null);
		ob_flush(&b.out);
		ob_free(&b.out);
		schema_free(&b.outsc);
		/* the data lines, in order, '|' between */
		got[0] = '\0';
		for (p = out.buf; (line = strsep(&p, "\n")) != NULL;)
			if (*line != '\0' && *line != '#')
				snprintf(got + strlen(got), sizeof(got) -
				    strlen(got), "%s%s", got[0] ? "|" : "", line);
		if (rc < 0)
			snprintf(got, sizeof(got), "(refused)");
		snprintf(in, sizeof(in), "%s %zu: off %llu limit %llu", rows[i].kind,
		    i, (unsigned long long)rows[i].off,
		    (unsigned long long)rows[i].limit);
		check(strcmp(got, rows[i].want) == 0, "src_resume lines", in,
		    got, rows[i].want);
		snprintf(got, sizeof(got), "%llu", (unsigned long long)r.cur.off);
		snprintf(want, sizeof(want), "%llu",
		    (unsigned long long)rows[i].want_off);
		if (rc == 0)
			check(r.cur.off == rows[i].want_off, "src_resume offset", in,
			    got, want);
		rd_free(&r);
	}
	unlink(path);
	unlink(link);
	rmdir(dir);
}

static void
test_words(void)
{
	static const struct {
		const char *line, *sep, *want;
	} rows[] = {
		{ "the quick  brown", NULL, "the|quick|brown" },
		{ "  \tlead and trail\t ", NULL, "lead|and|trail" },
		{ "", NULL, "" },
		{ "   ", NULL, "" },
		{ "one", NULL, "one" },
		{ "a,b,,c,", ",", "a|b|c" },
		{ ",a", ",", "a" },
		{ "a::b:c", "::", "a|b:c" },
		{ "::", "::", "" },
		{ "no sep here", ";", "no sep here" },
	};
	char got[256];
	size_t i, n;

	for (i = 0; i < SK_NELEM(rows); i++) {
		struct words w;
		const char *p;

		got[0] = '\0';
		words_start(&w, rows[i].line, strlen(rows[i].line), rows[i].sep);
		while (words_next(&w, &p, &n))
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
			    "%s%.*s", got[0] ? "|" : "", (int)n, p);
		check(strcmp(got, rows[i].want) == 0, "words", rows[i].line, got,
		    rows[i].want);
	}
}

/*
 * The runs of a Kafka source's logged batch (src_kafka_get_state, never
 * connected): two partitions of topic "orders", next offsets 10 and 20,
 * then the runs "partition start n", then the lines given of each next.
 */
static void
test_kafka_runs(void)
{
	static const struct {
		const char *runs;
		const char *want;	/* NULL: accepted */
	} rows[] = {
		{ "0 0 5, 1 0 5, 0 5 5", NULL },
		{ "0 0 10, 1 0 20", NULL },
		{ "0 0 5, 0 4 2", "runs of messages that overlap" },
		{ "0 0 5, 1 0 5, 0 2 1", "runs of messages that overlap" },
		{ "1 3 4, 1 0 4", "runs of messages that overlap" },
		{ "0 0 11", "a run of messages out of its range" },
		{ "0 0 0", "a run of messages out of its range" },
		{ "2 0 1", "a run of messages out of its range" },
	};
	static struct batcher bt;
	static struct reader rd;
	static struct src_kafka k;
	static volatile sig_atomic_t stop;
	size_t i;

	batcher_init(&bt, 1000);
	rd_init(&rd, &bt, &stop, 1);
	if (src_kafka_parse(&k, "127.0.0.1:9") != NULL ||
	    src_kafka_topics(&k, "orders") != NULL ||
	    src_kafka_property(&k, "log_level=0") != NULL) {
		check(0, "kafka_runs", "options", "refused", "accepted");
		return;
	}
	src_kafka_init(&k, &rd, 0);
	for (i = 0; i < SK_NELEM(rows); i++) {
		struct obuf o;
		struct bin b;
		const char *why, *p = rows[i].runs;
		uint64_t n = 1, part, start, len;
		int used;

		ob_init(&o, -1, "unit");
		ob_put_u64(&o, 2);
		for (part = 0; part < 2; part++) {
			ob_put_bytes(&o, "orders", 6);
			ob_put_u64(&o, part);
			ob_put_u64(&o, 10 + 10 * part);
			ob_put_u64(&o, 0);
			ob_put_u64(&o, (uint64_t)INT64_MIN);
		}
		for (; *p != '\0'; p++)
			n += *p == ',';
		ob_put_u64(&o, n);
		for (p = rows[i].runs; sscanf(p, "%" SCNu64 " %" SCNu64
		    " %" SCNu64 "%n", &part, &start, &len, &used) == 3;
		    p += used + (p[used] == ',')) {
			ob_put_u64(&o, part);
			ob_put_u64(&o, start);
			ob_put_u64(&o, len);
			ob_put_u64(&o, 0);
			ob_put_u64(&o, 0);
		}
		ob_put_u64(&o, 0);
		ob_put_u64(&o, 0);
		bin_init(&b, o.p, o.len);
		why = src_kafka_get_state(&k, &b, 4, 0);
		check(why == rows[i].want || (why != NULL && rows[i].want !=
		    NULL && strcmp(why, rows[i].want) == 0), "kafka_runs",
		    rows[i].runs, why != NULL ? why : "(accepted)",
		    rows[i].want != NULL ? rows[i].want : "(accepted)");
		ob_free(&o);
	}
}

int
main(void)
{
	test_dec();
	test_dec_short();
	test_dur();
	test_ts();
	test_expr();
	test_ht();
	test_crc32();
	test_cut();
	test_copy_tabs();
	test_scan();
	test_clock_batch();
	test_clock_place();
	test_clock_due();
	test_clock_agree();
	test_clock_pending();
	test_clock_fits();
	test_stream_item();
	test_spec();
	test_csv();
	test_words();
	test_src_resume();
	test_kafka_runs();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
