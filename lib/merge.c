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
	if (!header_done)
		union_put_header(&u, &mout);
	header_done = 1;
}

static void
publish(void *arg, int64_t t, struct batch **parts)
{
	(void)arg;
	put_header();
	union_put_batch(&u, &mout, t, parts);
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
	u.merging = 1;
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
