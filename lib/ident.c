#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dur.h"
#include "ident.h"
#include "util.h"

static const char *const durations[] = { "interval", "watermark",
    "max-ahead", "length", "slide", "timeout", "poll", NULL };
static const char *const paths[] = { "watch", "dir", "append", "reject",
    "tee", "initial", NULL };
/* the order of these is the order of the output's fields */
static const char *const ordered[] = { "count", "sum", "min", "max", "avg",
    "first", "last", "distinct", "collect", "label", NULL };
/* the checkpoint's own, and what says how fast or how long, or where late
 * records or the partitions' streams go, not what a batch is: a restart
 * may change them (a backlog is read again under --max-rate; a script's
 * FIFOs are in a new temporary directory; a pipeline that ran on is
 * finished with --once) */
static const char *const skipped[] = { "checkpoint", "id",
    "checkpoint-every", "checkpoint-full-every", "max-rate",
    "max-rate-per-partition", "stop-after",
    "once", "late-out", "out-prefix", "end-offsets", NULL };

static int
in(const char *const *set, const char *name, size_t n)
{
	for (; *set != NULL; set++)
		if (strlen(*set) == n && strncmp(*set, name, n) == 0)
			return 1;
	return 0;
}

/* An absolute path with "." and ".." and doubled slashes taken out. */
static char *
clean_path(const char *p)
{
	char cwd[PATH_MAX], *buf, *out, *seg, *save = NULL;
	size_t n;

	if (p[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL) {
		n = strlen(cwd) + strlen(p) + 2;
		buf = emalloc(n);
		snprintf(buf, n, "%s/%s", cwd, p);
	} else
		buf = estrdup(p);
	out = ecalloc(1, strlen(buf) + 2);
	for (seg = strtok_r(buf, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			char *slash = strrchr(out, '/');

			if (slash != NULL)
				*slash = '\0';
			continue;
		}
		strcat(out, "/");
		strcat(out, seg);
	}
	if (*out == '\0')
		strcpy(out, "/");
	free(buf);
	return out;
}

/* "--name=value", the value normalised. */
static char *
entry(const char *name, size_t n, const char *value)
{
	char *v = NULL, *e, ms[32];
	int64_t d;
	size_t len;

	if (value != NULL && in(durations, name, n) &&
	    dur_parse(value, &d) == NULL) {
		snprintf(ms, sizeof(ms), "%lldms", (long long)d);
		value = ms;
	} else if (value != NULL && in(paths, name, n))
		value = v = clean_path(value);
	len = n + (value ? strlen(value) : 0) + 4;
	e = emalloc(len);
	snprintf(e, len, "--%.*s%s%s", (int)n, name, value ? "=" : "",
	    value ? value : "");
	free(v);
	return e;
}

static int
by_name(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t nx = strcspn(x, "="), ny = strcspn(y, "=");
	int c = strncmp(x, y, nx < ny ? nx : ny);

	return c != 0 ? c : (nx > ny) - (nx < ny);
}

char *
ident_make(int argc, char *const argv[], const struct option *opts)
{
	char **sorted = ecalloc((size_t)argc + 1, sizeof(char *));
	char **kept = ecalloc((size_t)argc + 1, sizeof(char *));
	char **operands = ecalloc((size_t)argc + 1, sizeof(char *));
	size_t ns = 0, nk = 0, no = 0, len = 1, i;
	char *s;
	int k, dashdash = 0;

	for (k = 1; k < argc; k++) {
		const char *a = argv[k], *eq, *value = NULL;
		const struct option *o;
		size_t n;

		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = 1;	/* the end of the options */
			continue;
		}
		if (!dashdash && strncmp(a, "-X", 2) == 0) {
			/* kcat's -X key=value: a client's property (security,
			 * timeouts), not what a batch is */
			k += a[2] == '\0';
			continue;
		}
		if (dashdash || strncmp(a, "--", 2) != 0) {
			operands[no++] = strcmp(a, "-") == 0 ? estrdup(a) :
			    clean_path(a);
			continue;
		}
		a += 2;
		n = (eq = strchr(a, '=')) ? (size_t)(eq - a) : strlen(a);
		for (o = opts; o->name != NULL; o++)
			if (strlen(o->name) == n && strncmp(o->name, a, n) == 0)
				break;
		if (eq != NULL)
			value = eq + 1;
		else if (o->name != NULL && o->has_arg == required_argument &&
		    k + 1 < argc)
			value = argv[++k];
		else if (o->name != NULL && o->has_arg == optional_argument &&
		    k + 1 < argc && argv[k + 1][0] != '\0' &&
		    strspn(argv[k + 1], "0123456789") == strlen(argv[k + 1]))
			value = argv[++k];	/* --print 5, as stream-sink reads it */
		if (in(skipped, a, n))
			continue;
		if (in(ordered, a, n))
			kept[nk++] = entry(a, n, value);
		else
			sorted[ns++] = entry(a, n, value);
	}
	if (no == 1 && strcmp(operands[0], "-") == 0)
		free(operands[--no]);	/* "-" alone: standard input, as none */
	qsort(sorted, ns, sizeof(*sorted), by_name);
	for (i = 0; i < ns; i++)
		len += strlen(sorted[i]) + 1;
	for (i = 0; i < nk; i++)
		len += strlen(kept[i]) + 1;
	for (i = 0; i < no; i++)
		len += strlen(operands[i]) + 1;
	s = ecalloc(1, len);
	for (i = 0; i < ns; i++)
		strcat(strcat(s, sorted[i]), "\n"), free(sorted[i]);
	for (i = 0; i < nk; i++)
		strcat(strcat(s, kept[i]), "\n"), free(kept[i]);
	for (i = 0; i < no; i++)
		strcat(strcat(s, operands[i]), "\n"), free(operands[i]);
	free(sorted);
	free(kept);
	free(operands);
	return s;
}

/* The first line of a that b does not have: its length, or 0 if none. */
static size_t
first_missing(const char *a, const char *b, const char **at)
{
	size_t n;

	for (; *a != '\0'; a += n + (a[n] == '\n')) {
		const char *p = b;
		size_t m;
		int found = 0;

		n = strcspn(a, "\n");
		for (; *p != '\0' && !found; p += m + (p[m] == '\n')) {
			m = strcspn(p, "\n");
			found = m == n && strncmp(a, p, n) == 0;
		}
		if (!found && n > 0) {
			*at = a;
			return n;
		}
	}
	return 0;
}

char *
ident_diff(const char *here, const char *before)
{
	const char *x = NULL, *y = NULL;
	size_t nx = first_missing(here, before, &x);
	size_t ny = first_missing(before, here, &y), len;
	char *s;

	if (nx == 0 && ny == 0)
		return strcmp(here, before) == 0 ? NULL :
		    estrdup("the same words in another order");
	len = nx + ny + 32;
	s = emalloc(len);
	snprintf(s, len, "%.*s here, %.*s before", nx ? (int)nx : 4,
	    nx ? x : "none", ny ? (int)ny : 4, ny ? y : "none");
	return s;
}
