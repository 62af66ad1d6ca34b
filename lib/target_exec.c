/* target_exec: --exec CMD, foreachBatch; see target.h. */
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target.h"
#include "util.h"

/* Writes all of b to fd; a command that stops reading is not an error
 * (its exit status says how it went). */
static void
feed(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				return;
			err(SK_EXIT_DATA, "--exec: writing to the command");
		}
		p += w;
		n -= (size_t)w;
	}
}

/* The child: the batch on its standard input, the batch in its
 * environment, the command through sh -c. Never returns. */
static void
child(const struct target_exec *x, int in, int64_t t, uint64_t n)
{
	char v[32];

	/* its own process group: the Ctrl-C that stops a pipeline lets the
	 * batch being published finish (stream-sink(1), SIGNALS) */
	(void)setpgid(0, 0);
	if (dup2(in, STDIN_FILENO) < 0)
		_exit(127);
	if (in != STDIN_FILENO)
		(void)close(in);
	(void)signal(SIGPIPE, SIG_DFL);
	if (t != NO_TIME) {
		(void)snprintf(v, sizeof(v), "%lld", (long long)t);
		(void)setenv("STREAM_BATCH_TIME", v, 1);
	} else
		(void)unsetenv("STREAM_BATCH_TIME");
	(void)snprintf(v, sizeof(v), "%llu", (unsigned long long)n);
	(void)setenv("STREAM_BATCH_RECORDS", v, 1);
	execl("/bin/sh", "sh", "-c", x->cmd, (char *)NULL);
	_exit(127);
}

static void
exec_publish(struct target *tg, int64_t t, struct batch **parts)
{
	struct target_exec *x = (struct target_exec *)tg;
	void (*was)(int);
	uint64_t n = 0;
	pid_t pid;
	size_t i;
	int p[2], st;

	for (i = 0; i < tg->u->n; i++)
		if (parts[i] != NULL)
			n += parts[i]->nrec;
	ob_flush(tg->out);	/* what the other targets wrote, first */
	if (pipe(p) < 0)
		err(SK_EXIT_DATA, "--exec: pipe");
	if ((pid = fork()) < 0)
		err(SK_EXIT_DATA, "--exec: fork");
	if (pid == 0) {
		(void)close(p[1]);
		child(x, p[0], t, n);
	}
	(void)close(p[0]);
	was = signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < tg->u->n; i++)
		if (parts[i] != NULL)
			feed(p[1], parts[i]->body.p, parts[i]->body.len);
	(void)close(p[1]);
	(void)signal(SIGPIPE, was);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			err(SK_EXIT_DATA, "--exec: waitpid");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	/* the batch is not committed: a restart runs it again */
	if (WIFSIGNALED(st)) {
		warnx("--exec: %s: killed by signal %d at batch %lld; "
		    "stopping", x->cmd, WTERMSIG(st), (long long)t);
		exit(128 + WTERMSIG(st));
	}
	warnx("--exec: %s: exit %d at batch %lld; stopping", x->cmd,
	    WEXITSTATUS(st), (long long)t);
	exit(WEXITSTATUS(st));
}

static const struct target_ops exec_ops = {
	exec_publish, target_no_mark, target_no_close
};

void
target_exec_open(struct target_exec *x, const char *cmd)
{
	x->t.ops = &exec_ops;
	x->cmd = cmd;
}
