/*
 * gen-orders: orders shaped like Spark in Action ch. 6 orders.txt,
 *   2016-03-22 20:25:28,1,80,EPE,710,51.00,B
 * (time, order id, client 1..100, one of 80 symbols, amount 1..1000,
 * price 1.00..100.00, B or S). The same seed gives the same lines.
 * With --bad F, line i (from 1) is malformed when floor(i*F) > floor((i-1)*F):
 * evenly spaced, floor(N*F) in all, the kinds taken in turn.
 * With --pace P the lines are written at P a second of wall-clock time (a
 * live feed, in steps of a millisecond); --rate only sets their timestamps.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opt.h"
#include "ts.h"
#include "util.h"

static const char usage_text[] =
"usage: gen-orders [-n count] [--bad fraction] [--pace lines] [--rate r]\n"
"                  [--seed s] [--start time]\n";

static const char *const symbols[80] = {
	"AMD", "INTC", "BP", "EGO", "NEM", "EPE", "AAPL", "MSFT", "GOOG", "AMZN",
	"FB", "TSLA", "NFLX", "NVDA", "ORCL", "IBM", "CSCO", "QCOM", "TXN", "MU",
	"ADBE", "CRM", "PYPL", "SHOP", "SQ", "UBER", "LYFT", "SNAP", "TWTR", "EBAY",
	"JPM", "BAC", "WFC", "C", "GS", "MS", "AXP", "V", "MA", "BLK",
	"XOM", "CVX", "COP", "SLB", "HAL", "OXY", "PSX", "VLO", "MPC", "KMI",
	"PFE", "MRK", "JNJ", "ABBV", "BMY", "LLY", "AMGN", "GILD", "BIIB", "REGN",
	"KO", "PEP", "MCD", "SBUX", "NKE", "WMT", "TGT", "COST", "HD", "LOW",
	"GE", "BA", "CAT", "DE", "MMM", "HON", "LMT", "RTX", "GD", "NOC",
};

/* The kinds of malformed line, taken in turn. */
static const char *const bad_kinds[] = {
	"%s,%llu,%u,%s,%u,%u.%02u",		/* a field missing */
	"%s,%llu,%u,%s,%ux,%u.%02u,B",		/* amount not an integer */
	"%s,%llu,%u,%s,%u,%u.%02u,X",		/* side not B or S */
	"2016-13-45 99:99:99,%llu,%u,%s,%u,%u.%02u,S",	/* no such time */
	"%s,%llu,%u,%s,%u,%u.%02ux,B",		/* price not a number */
	"%s,%llu,c%u,%s,%u,%u.%02u,S",		/* client not an integer */
	"",					/* an empty line */
};

static uint64_t state;

static uint64_t
next(void)	/* splitmix64 */
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(next() % n);
}

/* A rate of an option: a positive number a second, up to 1e9. */
static double
per_second(const char *opt, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (*end != '\0' || !(v > 0) || v > 1e9)
		usage_fail(usage_text, "%s %s: not a positive number a second",
		    opt, arg);
	return v;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "bad", required_argument, NULL, 'b' },
		{ "start", required_argument, NULL, 't' },
		{ "pace", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long n = 10, i, nbad = 0;
	double bad = 0, rate = 1000, pace = 0;
	unsigned long long step = 0;
	struct timespec t0;
	int64_t start, last_sec = INT64_MIN;
	char stamp[32] = "", iso[TS_ISOMAX], *end;
	const char *why;
	int ch;

	state = 42;
	ts_parse("2016-03-22 20:25:28", 19, NULL, NULL, &start);
	while ((ch = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			n = (unsigned long long)opt_number(usage_text, "-n", optarg,
			    0, 1LL << 40);
			break;
		case 's':
			state = (uint64_t)opt_number(usage_text, "--seed", optarg,
			    0, 1LL << 62);
			break;
		case 'r':
			rate = per_second("--rate", optarg);
			break;
		case 'b':
			bad = strtod(optarg, &end);
			if (*end != '\0' || !(bad >= 0 && bad <= 1))
				usage_fail(usage_text, "--bad %s: not a fraction "
				    "from 0 to 1", optarg);
			break;
		case 'p':
			pace = per_second("--pace", optarg);
			break;
		case 't':
			if ((why = ts_parse(optarg, strlen(optarg), NULL, NULL,
			    &start)) != NULL)
				usage_fail(usage_text, "--start %s: %s", optarg, why);
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
	if (optind != argc)
		usage_fail(usage_text, "no operands expected");

	if (pace > 0) {
		step = (unsigned long long)(pace / 1000) + 1;	/* a millisecond's */
		clock_gettime(CLOCK_MONOTONIC, &t0);
	}
	for (i = 0; i < n; i++) {
		int64_t ms = start + (int64_t)((double)i * 1000.0 / rate);
		int64_t sec = ms - ((ms % 1000) + 1000) % 1000;
		unsigned client = 1 + pick(100), amount = 1 + pick(1000);
		unsigned cents = 100 + pick(9901);
		const char *sym = symbols[pick(80)], *side = pick(2) ? "B" : "S";

		if (step > 0 && i % step == 0 && i > 0) {	/* line i's moment */
			double at = (double)i / pace;
			struct timespec due = t0;

			if (fflush(stdout) != 0)
				err(SK_EXIT_DATA, "stdout");
			due.tv_sec += (time_t)at;
			due.tv_nsec += (long)((at - (double)(time_t)at) * 1e9);
			if (due.tv_nsec >= 1000000000L) {
				due.tv_sec++;
				due.tv_nsec -= 1000000000L;
			}
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due,
			    NULL) == EINTR)
				;
		}
		if (sec != last_sec) {	/* "yyyy-MM-dd HH:mm:ss" once a second */
			ts_format(sec, iso);
			snprintf(stamp, sizeof(stamp), "%.10s %.8s", iso, iso + 11);
			last_sec = sec;
		}
		if (bad > 0 && (unsigned long long)((double)(i + 1) * bad) >
		    (unsigned long long)((double)i * bad)) {
			const char *k = bad_kinds[nbad++ % SK_NELEM(bad_kinds)];

			if (k[0] == '\0')
				putchar('\n');
			else if (k[0] == '2')
				printf(k, i + 1, client, sym, amount, cents / 100,
				    cents % 100), putchar('\n');
			else
				printf(k, stamp, i + 1, client, sym, amount,
				    cents / 100, cents % 100), putchar('\n');
			continue;
		}
		printf("%s,%llu,%u,%s,%u,%u.%02u,%s\n", stamp, i + 1, client, sym,
		    amount, cents / 100, cents % 100, side);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(SK_EXIT_DATA, "stdout");
	return SK_EXIT_OK;
}
