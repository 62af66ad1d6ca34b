/* merge: a tool's file operands read as one stream; see merge.h. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "merge.h"
#include "stream.h"
#include "union.h"
#include "util.h"

static struct sunion u;
static char name[PATH_MAX] = "merge";	/* the tool's input, as it says it */
static struct obuf mout;
static int header_done;

/* #fields, #types and #interval once, before the first records. */
static void
put_header(void)
{
	if (header_done)
		return;
	header_done = 1;
	if (u.fields != NULL) {
		ob_puts(&mout, u.fields);
		ob_putc(&mout, '\n');
	}
	if (u.types != NULL) {
		ob_puts(&mout, u.types);
		ob_putc(&mout, '\n');
	}
	if (u.first_name != NULL) {
		ob_puts(&mout, "#interval\t");
		ob_putint(&mout, u.first_interval);
		ob_putc(&mout, '\n');
	}
}

static void
publish(void *arg, int64_t t, struct batch **parts)
{
	int64_t n = 0, made = -1, late = 0, bad = 0;
	char attrs[128], **st;
	struct obuf a;
	int len = 0;
	size_t i;

	(void)arg;
	put_header();
	for (i = 0; i < u.n; i++) {
		if (parts[i] == NULL)
			continue;
		ob_write(&mout, parts[i]->raw.p, parts[i]->raw.len);
		if (parts[i]->n >= 0 && n >= 0)
			n += parts[i]->n;
		else
			n = -1;
		if (parts[i]->made > made)
			made = parts[i]->made;
		late += parts[i]->late;	/* partitions: each its own */
		bad += parts[i]->bad;
	}
	if (t != NO_TIME) {
		if (n >= 0)
			len = snprintf(attrs, sizeof(attrs), "n=%lld",
			    (long long)n);
		if (made >= 0)
			len += snprintf(attrs + len, sizeof(attrs) - (size_t)len,
			    "%smade=%lld", len > 0 ? "\t" : "", (long long)made);
		if (late > 0)
			len += snprintf(attrs + len, sizeof(attrs) - (size_t)len,
			    "%slate=%lld", len > 0 ? "\t" : "", (long long)late);
		if (bad > 0)
			len += snprintf(attrs + len, sizeof(attrs) - (size_t)len,
			    "%sbad=%lld", len > 0 ? "\t" : "", (long long)bad);
		st = ecalloc(u.n, sizeof(*st));
		for (i = 0; i < u.n; i++)
			st[i] = parts[i] != NULL ? parts[i]->state : NULL;
		ob_init(&a, -1, "attrs");
		ob_write(&a, attrs, (size_t)len);
		if (a.len > 0)
			ob_putc(&a, '\t');
		state_merge(&a, st, u.n, 1, 1, '\t');
		if (a.len > 0 && a.p[a.len - 1] == '\t')
			a.len--;
		put_end(&mout, t, a.p, a.len);
		ob_free(&a);
		free(st);
	}
	ob_flush(&mout);
}

static void *
run(void *arg)
{
	(void)arg;
	union_run(&u);
	if (u.broken != NULL) {		/* the tool says it, at the end */
		(void)strlcpy(name, u.broken, sizeof(name));
		ob_flush(&mout);
		(void)close(mout.fd);
		return NULL;
	}
	put_header();
	ob_puts(&mout, "#eos\n");
	ob_close(&mout);
	return NULL;
}

int
merge_open(int argc, char *const argv[], const char **src)
{
	pthread_t th;
	int fd, p[2];

	*src = NULL;
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "-") == 0))
		return STDIN_FILENO;
	if (argc == 1) {
		*src = argv[0];
		if ((fd = open(*src, O_RDONLY | O_CLOEXEC)) < 0)
			err(SK_EXIT_DATA, "%s", *src);
		return fd;
	}
	u.records = 1;
	u.publish = publish;
	union_open(&u, argc, argv);
	if (pipe2(p, O_CLOEXEC) < 0)
		err(SK_EXIT_DATA, "pipe");
	ob_init(&mout, p[1], "merge");
	stream_put_header(&mout, NULL);
	if ((errno = pthread_create(&th, NULL, run, NULL)) != 0)
		err(SK_EXIT_DATA, "pthread_create");
	(void)pthread_detach(th);
	*src = name;
	return p[0];
}
