/* group: a consumer group's member and its partitions' tasks; see group.h. */
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "ck.h"
#include "ck_log.h"
#include "group.h"
#include "kafka.h"
#include "retry.h"
#include "ts.h"
#include "util.h"

#define META_MS		2000
#define COMMIT_EVERY	1000	/* ms between commits of the tasks' offsets */

extern char **environ;

struct task {
	char		*topic;
	int32_t		 partition;
	pid_t		 pid;		/* running; 0: not */
	int		 owned;		/* assigned to this member */
	int		 done;		/* --once: it ended, exit 0 */
	int64_t		 end;		/* --once: pinned at the start; -1 */
	int64_t		 committed;	/* to the group; -1: nothing yet */
};

struct member {
	const struct group_opts	*o;
	rd_kafka_t		*rk;
	struct task		*tasks;
	size_t			 ntasks;
	int			 assigned;	/* an assignment came, and no
						 * revocation since */
	int			 status;	/* a task failed: its status */
	int			 down;
	struct retry		 retry;
};

static struct task *
task_of(struct member *m, const char *topic, int32_t partition)
{
	size_t i;

	for (i = 0; i < m->ntasks; i++)
		if (m->tasks[i].partition == partition &&
		    strcmp(m->tasks[i].topic, topic) == 0)
			return &m->tasks[i];
	m->tasks = ereallocarray(m->tasks, m->ntasks + 1, sizeof(*m->tasks));
	m->tasks[m->ntasks] = (struct task){ estrdup(topic), partition, 0, 0,
	    0, -1, -1 };
	return &m->tasks[m->ntasks++];
}

/* The partition's checkpoint: ROOT/TOPIC.N. */
static void
task_ck(const struct member *m, const struct task *t, char *buf, size_t cap)
{
	epathf(buf, cap, "%s/%s.%" PRId32, m->o->root, t->topic, t->partition);
}

/* Where the partition's committed batches have taken it (the source's
 * log of the batch every sink of the task has committed), or -1. */
static int64_t
progress(const struct member *m, const struct task *t)
{
	char dir[PATH_MAX], src[PATH_MAX];
	struct bin b;
	int64_t tc, next;
	void *p;

	if (m->o->root == NULL)
		return -1;
	task_ck(m, t, dir, sizeof(dir));
	if ((tc = ck_committed(dir)) == CK_NONE)
		return -1;
	epathf(src, sizeof(src), "%s/stream-split", dir);
	if ((p = ck_log_source_state(src, tc, &b)) == NULL)
		return -1;	/* pruned since: the next time */
	next = src_kafka_logged_next(&b, t->topic, t->partition);
	free(p);
	return next;
}

/* Commits what the tasks have committed since the last time (all: also
 * the partitions no longer running). */
static void
commit(struct member *m, int owned_only)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	size_t i;
	int64_t *next = ecalloc(m->ntasks + 1, sizeof(*next));

	for (i = 0; i < m->ntasks; i++) {
		struct task *t = &m->tasks[i];

		next[i] = owned_only && !t->owned ? -1 : progress(m, t);
		if (next[i] > t->committed)
			rd_kafka_topic_partition_list_add(l, t->topic,
			    t->partition)->offset = next[i];
	}
	/* refused while the group rebalances: the next time */
	if (l->cnt > 0 && rd_kafka_commit(m->rk, l, 0) == 0)
		for (i = 0; i < m->ntasks; i++)
			if (next[i] > m->tasks[i].committed)
				m->tasks[i].committed = next[i];
	rd_kafka_topic_partition_list_destroy(l);
	free(next);
}

/* NAME=VALUE, allocated. */
static char *
env_pair(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = emalloc(n);

	snprintf(s, n, "%s=%s", name, value);
	return s;
}

/* Runs the partition's task. The environment is made before the fork
 * (librdkafka's threads may hold malloc's lock in the child). */
static void
task_start(struct member *m, struct task *t)
{
	char part[16], val[PATH_MAX + 64], *argv[4], **envp;
	size_t n = 0, i, ours = 0;
	pid_t pid;

	for (; environ[n] != NULL; n++)
		;
	envp = ecalloc(n + 5, sizeof(*envp));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "STREAM_", 7) != 0)
			envp[ours++] = environ[i];
	snprintf(part, sizeof(part), "%" PRId32, t->partition);
	n = ours;
	envp[n++] = env_pair("STREAM_TOPIC", t->topic);
	envp[n++] = env_pair("STREAM_PARTITION", part);
	if (m->o->root != NULL) {
		task_ck(m, t, val, sizeof(val));
		envp[n++] = env_pair("STREAM_CHECKPOINT", val);
	}
	if (t->end >= 0) {
		snprintf(val, sizeof(val), "%s:%" PRId64, part, t->end);
		envp[n++] = env_pair("STREAM_END_OFFSETS", val);
	}
	argv[0] = "sh", argv[1] = "-c", argv[2] = (char *)m->o->task;
	argv[3] = NULL;
	if ((pid = fork()) < 0)
		err(SK_EXIT_DATA, "fork");
	if (pid == 0) {
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	t->pid = pid;
	for (i = ours; i < n; i++)
		free(envp[i]);
	free(envp);
}

/* The processes under pid (pid too), from /proc: their number. */
static size_t
tree(pid_t root, pid_t **out)
{
	pid_t *pids = NULL, *parents = NULL, *v;
	size_t n = 0, nv = 1, i, j;
	struct dirent *de;
	char path[64], buf[512], *rp;
	DIR *d;
	FILE *f;

	if ((d = opendir("/proc")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			long pid = strtol(de->d_name, &rp, 10), ppid;

			if (*rp != '\0' || pid <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
			if ((f = fopen(path, "r")) == NULL)
				continue;
			/* pid (comm) state ppid: comm may hold ") " */
			if (fgets(buf, sizeof(buf), f) != NULL &&
			    (rp = strrchr(buf, ')')) != NULL &&
			    sscanf(rp + 1, " %*c %ld", &ppid) == 1) {
				pids = ereallocarray(pids, n + 1, sizeof(*pids));
				parents = ereallocarray(parents, n + 1,
				    sizeof(*parents));
				pids[n] = (pid_t)pid;
				parents[n++] = (pid_t)ppid;
			}
			fclose(f);
		}
		closedir(d);
	}
	v = ereallocarray(NULL, n + 1, sizeof(*v));
	v[0] = root;
	for (i = 0; i < nv; i++)	/* breadth first */
		for (j = 0; j < n; j++)
			if (parents[j] == v[i])
				v[nv++] = pids[j];
	free(pids);
	free(parents);
	*out = v;
	return nv;
}

/* Kills the task and everything it started, and waits until they are
 * gone: what they held (the checkpoint's locks) is free for the member
 * that takes the partition over. They are all stopped first: one killed
 * before another would let that one see its reader gone and stop as on a
 * signal, closing batches that were not complete (in event time, before
 * their records had come). */
static void
task_kill(struct task *t)
{
	pid_t *v;
	size_t n, i;
	int64_t until = ts_now() + 10000;
	char path[64];

	if (t->pid == 0)
		return;
	n = tree(t->pid, &v);
	for (i = 0; i < n; i++)
		(void)kill(v[i], SIGSTOP);
	for (i = 0; i < n; i++)
		(void)kill(v[i], SIGKILL);
	(void)waitpid(t->pid, NULL, 0);
	for (i = 1; i < n && ts_now() < until; i++) {
		snprintf(path, sizeof(path), "/proc/%ld", (long)v[i]);
		while (access(path, F_OK) == 0 && kill(v[i], 0) == 0 &&
		    ts_now() < until) {
			FILE *f;
			char buf[512], *rp, state = 'R';

			snprintf(path, sizeof(path), "/proc/%ld/stat",
			    (long)v[i]);
			if ((f = fopen(path, "r")) != NULL) {
				if (fgets(buf, sizeof(buf), f) != NULL &&
				    (rp = strrchr(buf, ')')) != NULL)
					(void)sscanf(rp + 1, " %c", &state);
				fclose(f);
			}
			if (state == 'Z' || f == NULL)
				break;	/* dead: its files are closed */
			(void)usleep(10000);
		}
	}
	free(v);
	t->pid = 0;
}

static void
on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e,
    rd_kafka_topic_partition_list_t *l, void *arg)
{
	struct member *m = arg;
	size_t i;
	int j;

	if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		(void)rd_kafka_assign(rk, l);
		(void)rd_kafka_pause_partitions(rk, l);	/* the tasks read */
		m->assigned = 1;
		for (j = 0; j < l->cnt; j++) {
			struct task *t = task_of(m, l->elems[j].topic,
			    l->elems[j].partition);

			t->owned = 1;
			if (!t->done && t->pid == 0 && m->status == 0)
				task_start(m, t);
		}
		return;
	}
	for (i = 0; i < m->ntasks; i++)	/* revoked: all of them */
		if (m->tasks[i].owned)
			task_kill(&m->tasks[i]);
	commit(m, 0);		/* still of this generation */
	for (i = 0; i < m->ntasks; i++)
		m->tasks[i].owned = 0;
	m->assigned = 0;	/* the next assignment is on its way */
	(void)rd_kafka_assign(rk, NULL);
}

static void
on_error(rd_kafka_t *rk, int e, const char *reason, void *arg)
{
	struct member *m = arg;

	if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		m->down = 1;
	else if (rd_kafka_fatal_error(rk, NULL, 0) != 0)
		errx(SK_EXIT_DATA, "%s: %s", m->o->k->brokers, reason);
}

static rd_kafka_t *
new_member(struct member *m)
{
	const char *const fixed[][2] = {
		{ "bootstrap.servers", m->o->k->brokers },
		{ "group.id", m->o->group },
		{ "enable.auto.commit", "false" },
		{ "enable.auto.offset.store", "false" },
		{ "allow.auto.create.topics", "false" },
	};
	rd_kafka_conf_t *conf = kafka_conf(&m->o->k->x, fixed,
	    sizeof(fixed) / sizeof(fixed[0]), m);

	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	return kafka_consumer(conf, m->o->k->brokers);
}

/* The topics are there (an unknown one is exit 1); with --once, each
 * partition's end is pinned. 0 if the cluster did not answer. */
static int
learn(struct member *m)
{
	const struct rd_kafka_metadata *md;
	int64_t lo, hi;
	size_t t;
	int i, e;

	for (t = 0; t < m->o->k->ntopics; t++) {
		const char *name = m->o->k->topics[t];
		rd_kafka_topic_t *rkt = rd_kafka_topic_new(m->rk, name, NULL);

		e = rd_kafka_metadata(m->rk, 0, rkt, &md, META_MS);
		rd_kafka_topic_destroy(rkt);
		if (e != 0) {
			retry_failed(&m->retry, m->o->k->brokers,
			    rd_kafka_err2str(e), ts_now());
			return 0;
		}
		if (md->topic_cnt != 1 || md->topics[0].err != 0 ||
		    md->topics[0].partition_cnt == 0)
			errx(SK_EXIT_DATA, "%s: %s: %s", m->o->k->brokers, name,
			    md->topic_cnt == 1 && md->topics[0].err != 0 ?
			    rd_kafka_err2str(md->topics[0].err) : "no partitions");
		for (i = 0; m->o->once && i < md->topics[0].partition_cnt; i++) {
			int32_t p = md->topics[0].partitions[i].id;

			if ((e = rd_kafka_query_watermark_offsets(m->rk, name,
			    p, &lo, &hi, META_MS)) != 0) {
				rd_kafka_metadata_destroy(md);
				retry_failed(&m->retry, m->o->k->brokers,
				    rd_kafka_err2str(e), ts_now());
				return 0;
			}
			task_of(m, name, p)->end = hi;
		}
		rd_kafka_metadata_destroy(md);
	}
	return 1;
}

/* A task that ended: done if it did well, else the member's failure. */
static void
reap(struct member *m)
{
	pid_t pid;
	size_t i;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (i = 0; i < m->ntasks; i++) {
			struct task *t = &m->tasks[i];

			if (t->pid != pid)
				continue;
			t->pid = 0;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				t->done = 1;
			else if (m->status == 0) {
				m->status = WIFEXITED(st) ? WEXITSTATUS(st) :
				    128 + WTERMSIG(st);
				warnx("%s [%" PRId32 "]: the task failed "
				    "(status %d)", t->topic, t->partition,
				    m->status);
			}
		}
}

/* --once: whether every partition this member has is done. */
static int
all_done(const struct member *m)
{
	size_t i;

	if (!m->o->once || !m->assigned)
		return 0;
	for (i = 0; i < m->ntasks; i++)
		if (m->tasks[i].owned && !m->tasks[i].done)
			return 0;
	return 1;
}

int
group_run(const struct group_opts *o)
{
	rd_kafka_topic_partition_list_t *sub;
	struct member m = { 0 };
	int64_t next_commit = 0;
	size_t i;
	int e;

	m.o = o;
	m.rk = new_member(&m);
	rd_kafka_poll_set_consumer(m.rk);
	while (!*o->stop && !learn(&m))
		(void)usleep(200000);
	if (*o->stop)
		return SK_EXIT_OK;
	retry_ok(&m.retry, o->k->brokers);
	sub = rd_kafka_topic_partition_list_new((int)o->k->ntopics);
	for (i = 0; i < o->k->ntopics; i++)
		rd_kafka_topic_partition_list_add(sub, o->k->topics[i],
		    RD_KAFKA_PARTITION_UA);
	if ((e = rd_kafka_subscribe(m.rk, sub)) != 0)
		errx(SK_EXIT_DATA, "%s: %s", o->k->brokers, rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(sub);
	while (!*o->stop && m.status == 0 && !all_done(&m)) {
		rd_kafka_message_t *msg = rd_kafka_consumer_poll(m.rk, 100);

		if (msg != NULL) {	/* paused: only errors come */
			if (msg->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
				errx(SK_EXIT_DATA, "%s: %s", o->k->brokers,
				    rd_kafka_message_errstr(msg));
			if (msg->err == 0) {
				m.down = 0;
				if (m.retry.down)
					retry_ok(&m.retry, o->k->brokers);
			}
			rd_kafka_message_destroy(msg);
		}
		if (m.down && !m.retry.down)
			retry_failed(&m.retry, o->k->brokers,
			    "all brokers are down", ts_now());
		reap(&m);
		if (ts_now() >= next_commit) {
			commit(&m, 1);
			next_commit = ts_now() + COMMIT_EVERY;
		}
	}
	/* a failure stops the others; a signal lets them finish (they have
	 * it too from a terminal; SIGTERM to this process alone is passed
	 * on) */
	for (i = 0; i < m.ntasks; i++)
		if (m.tasks[i].pid != 0)
			(void)kill(m.tasks[i].pid, SIGTERM);
	for (i = 0; i < m.ntasks; i++)
		if (m.tasks[i].pid != 0) {
			int st;

			if (waitpid(m.tasks[i].pid, &st, 0) == m.tasks[i].pid &&
			    m.status == 0 && !(WIFEXITED(st) &&
			    WEXITSTATUS(st) == 0) && !*o->stop)
				m.status = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
			m.tasks[i].pid = 0;
		}
	commit(&m, 0);
	(void)rd_kafka_consumer_close(m.rk);
	rd_kafka_destroy(m.rk);
	for (i = 0; i < m.ntasks; i++)
		free(m.tasks[i].topic);
	free(m.tasks);
	return m.status;
}
