/*
 * powerloss: the states a power loss can leave a directory in, from a
 * strace of the run that wrote it (ALICE, CrashMonkey; SQLite's test6.c).
 *
 *	powerloss -r ROOT -i INIT -f FINAL -t TRACE [-c CMD] [-n MAX] [-v]
 *
 * ROOT is the directory the traced run wrote (absolute), INIT a copy of it
 * taken before the run, FINAL one taken after, TRACE the output of
 * `strace -f -xx -y -s 16777216 -o TRACE` with the calls scripts/powerloss
 * lists. Replaying every call onto INIT must give FINAL byte for byte,
 * or it stops, saying where the model and the run part; so does a call
 * on ROOT it cannot model.
 *
 * Then, after each call, the states a power loss could leave under the
 * strict model: a file's bytes (write, truncate) are durable once the file
 * is fsynced; a name (create, rename, link, unlink, mkdir, rmdir) once its
 * directory is; sync makes everything durable. For each call: the state
 * with only what was durable ("durable"); that state with one file or
 * directory as it stood, what was not yet durable of the others dropped
 * ("reorder": a later change kept, an earlier one lost); after a write,
 * the written file as it stood but with that write torn: cut at half,
 * zero-filled or garbage ("torn"). Each state not seen before is made in
 * ROOT and CMD is run by sh (PL_KIND says which state, PL_CALL after which
 * call); a non-zero exit is a failed state. The last line: states
 * explored, failed. Exit 0 if none failed, 1 if one did, 2 on a usage error,
 * 3 if the model does not hold.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ht.h"
#include "util.h"

#define EXIT_MODEL 3

enum { N_FILE, N_DIR, N_FIFO };

struct ent {
	char	*name;
	int	 node;
};

struct ents {
	struct ent	*v;
	size_t		 n;
};

struct bytes {
	unsigned char	*p;
	size_t		 n;
};

struct node {
	int		 type;
	struct bytes	 vol, dur;	/* a file: as it stands, as durable */
	struct ents	 dvol, ddur;	/* a directory's names, the same */
};

static struct node *nodes;
static size_t nnodes;
static int root;			/* the node of ROOT */
static char rootpath[PATH_MAX];

enum op_kind { C_OPEN, C_WRITE, C_PWRITE, C_TRUNC, C_SYNC, C_SYNCALL,
	C_RENAME, C_LINK, C_UNLINK, C_MKDIR, C_RMDIR, C_CLOSE, C_DUP,
	C_SEEK, C_FORK };

struct op {
	enum op_kind	 kind;
	int		 pid, fd, ret, flags;	/* flags: O_*; a fork shares fds */
	char		*path, *path2;		/* normalized, or NULL */
	unsigned char	*data;
	size_t		 len;
	int64_t		 off;
	long		 line;			/* in the trace */
	char		*text;			/* the call, for messages */
};

static struct op *ops;
static size_t nops;

/* fd tables: each pid's, shared by threads (CLONE_FILES) */
struct fdent {
	int	 fd, node;		/* node -1: not under ROOT */
	int64_t	 pos;
	int	 append;
};
struct fdtab {
	struct fdent	*v;
	size_t		 n;
};
static struct fdtab *tabs;
static size_t ntabs;
static struct { int pid, tab; } *pids;
static size_t npids;

static int verbose;

static int
new_node(int type)
{
	nodes = ereallocarray(nodes, nnodes + 1, sizeof(*nodes));
	memset(&nodes[nnodes], 0, sizeof(*nodes));
	nodes[nnodes].type = type;
	return (int)nnodes++;
}

static void
bytes_set(struct bytes *b, const unsigned char *p, size_t n)
{
	free(b->p);
	b->p = n > 0 ? emalloc(n) : NULL;
	if (n > 0)
		memcpy(b->p, p, n);
	b->n = n;
}

static void
ents_free(struct ents *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i].name);
	free(e->v);
}

static void
ents_copy(struct ents *to, const struct ents *from)
{
	size_t i;

	ents_free(to);
	to->v = ereallocarray(NULL, from->n + 1, sizeof(*to->v));
	for (i = 0; i < from->n; i++)
		to->v[i] = (struct ent){ estrdup(from->v[i].name),
		    from->v[i].node };
	to->n = from->n;
}

static struct ent *
ents_find(struct ents *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->v[i].name, name) == 0)
			return &e->v[i];
	return NULL;
}

static void
ents_set(struct ents *e, const char *name, int node)
{
	struct ent *x = ents_find(e, name);

	if (x != NULL) {
		x->node = node;
		return;
	}
	e->v = ereallocarray(e->v, e->n + 1, sizeof(*e->v));
	e->v[e->n++] = (struct ent){ estrdup(name), node };
}

static void
ents_del(struct ents *e, const char *name)
{
	struct ent *x = ents_find(e, name);

	if (x == NULL)
		return;
	free(x->name);
	*x = e->v[--e->n];
}

/* Forgets every node (the model starts again from INIT). */
static void
model_free(void)
{
	size_t i;

	for (i = 0; i < nnodes; i++) {
		free(nodes[i].vol.p);
		free(nodes[i].dur.p);
		ents_free(&nodes[i].dvol);
		ents_free(&nodes[i].ddur);
	}
	free(nodes);
	nodes = NULL;
	nnodes = 0;
}

static void
sync_node(int i)
{
	struct node *n = &nodes[i];

	if (n->type == N_FILE)
		bytes_set(&n->dur, n->vol.p, n->vol.n);
	else if (n->type == N_DIR)
		ents_copy(&n->ddur, &n->dvol);
}

/* The model starts as INIT is: all of it durable. */
static int
load_tree(const char *path)
{
	struct stat st;
	int i;

	if (lstat(path, &st) < 0)
		err(2, "%s", path);
	if (S_ISDIR(st.st_mode)) {
		struct dirent **v;
		char sub[PATH_MAX];
		int k, j;

		i = new_node(N_DIR);
		if ((k = scandir(path, &v, NULL, alphasort)) < 0)
			err(2, "%s", path);
		for (j = 0; j < k; j++) {
			if (strcmp(v[j]->d_name, ".") != 0 &&
			    strcmp(v[j]->d_name, "..") != 0) {
				int c;

				epathf(sub, sizeof(sub), "%s/%s", path,
				    v[j]->d_name);
				c = load_tree(sub);
				ents_set(&nodes[i].dvol, v[j]->d_name, c);
			}
			free(v[j]);
		}
		free(v);
	} else if (S_ISREG(st.st_mode)) {
		int fd = open(path, O_RDONLY);
		unsigned char *p = emalloc((size_t)st.st_size + 1);

		if (fd < 0 || read(fd, p, (size_t)st.st_size) != st.st_size)
			err(2, "%s", path);
		close(fd);
		i = new_node(N_FILE);
		nodes[i].vol.p = p;
		nodes[i].vol.n = (size_t)st.st_size;
	} else if (S_ISFIFO(st.st_mode))
		i = new_node(N_FIFO);
	else
		errx(2, "%s: neither a file, a directory nor a FIFO", path);
	sync_node(i);
	return i;
}

/* ---- the trace ---- */

/* Decodes strace's -xx text at *s ("\x2f\x74..." up to a quote or '>'). */
static unsigned char *
hex(const char **s, char end, size_t *n)
{
	const char *p = *s;
	unsigned char *out = emalloc(strlen(p) / 4 + 1);
	size_t k = 0;

	while (p[0] == '\\' && p[1] == 'x' && p[2] != '\0' && p[3] != '\0') {
		char h[3] = { p[2], p[3], '\0' };

		out[k++] = (unsigned char)strtoul(h, NULL, 16);
		p += 4;
	}
	if (*p != end) {
		free(out);
		return NULL;
	}
	out[k] = '\0';
	*s = p + 1;
	*n = k;
	return out;
}

/* Splits "a, b, c" at the commas outside "", <>, {}, []. */
static size_t
split_args(char *s, char **av, size_t max)
{
	size_t n = 0;
	int depth = 0, quote = 0;
	char *start = s;

	for (; *s != '\0'; s++) {
		if (*s == '"')
			quote = !quote;
		else if (!quote && strchr("<{[", *s) != NULL)
			depth++;
		else if (!quote && strchr(">}]", *s) != NULL)
			depth--;
		else if (!quote && depth == 0 && *s == ',' && n + 1 < max) {
			*s = '\0';
			av[n++] = start;
			start = s + 1 + (s[1] == ' ');
		}
	}
	av[n++] = start;
	return n;
}

/* An fd argument: its number, and with -y its path (or NULL). */
static int
fd_arg(const char *a, char **path)
{
	const char *lt = strchr(a, '<');
	size_t n;

	*path = NULL;
	if (lt != NULL) {
		const char *p = lt + 1;

		*path = (char *)hex(&p, '>', &n);
	}
	if (strncmp(a, "AT_FDCWD", 8) == 0)
		return AT_FDCWD;
	return atoi(a);
}

static char *
str_arg(const char *a, size_t *n)
{
	size_t k;

	if (*a != '"')
		return NULL;
	a++;
	return (char *)hex(&a, '"', n != NULL ? n : &k);
}

/* base + "/" + rel, normalized ("." and ".." gone); NULL if not
 * absolute. */
static char *
join(const char *base, const char *rel)
{
	char buf[PATH_MAX * 2], *out, *c, *save;
	size_t k = 0;

	if (rel[0] == '/')
		snprintf(buf, sizeof(buf), "%s", rel);
	else if (base != NULL && base[0] == '/')
		snprintf(buf, sizeof(buf), "%s/%s", base, rel);
	else
		return NULL;
	out = emalloc(strlen(buf) + 2);
	for (c = strtok_r(buf, "/", &save); c != NULL;
	    c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			while (k > 0 && out[--k] != '/')
				;
			continue;
		}
		out[k++] = '/';
		memcpy(out + k, c, strlen(c));
		k += strlen(c);
	}
	if (k == 0)
		out[k++] = '/';
	out[k] = '\0';
	return out;
}

/* Whether a path is ROOT or under it. */
static int
ours(const char *p)
{
	size_t n = strlen(rootpath);

	return p != NULL && strncmp(p, rootpath, n) == 0 &&
	    (p[n] == '\0' || p[n] == '/');
}

static void
add_op(struct op *o)
{
	ops = ereallocarray(ops, nops + 1, sizeof(*ops));
	ops[nops++] = *o;
}

static _Noreturn void
cannot(long line, const char *call, const char *why)
{
	errx(EXIT_MODEL, "trace line %ld: %s: %s", line, call, why);
}

/* A path argument at av[i] relative to the fd argument av[i - 1] (dirfd:
 * 1) or to the process's directory (strace does not say it: the path must
 * be absolute). */
static char *
path_arg(char **av, size_t i, int dirfd, long line, const char *call)
{
	char *base = NULL, *rel, *p;

	if ((rel = str_arg(av[i], NULL)) == NULL)
		cannot(line, call, "a path strace did not print");
	if (dirfd)
		(void)fd_arg(av[i - 1], &base);
	p = join(base, rel);
	if (p == NULL)
		cannot(line, call, "a relative path without its directory");
	free(base);
	free(rel);
	return p;
}

static void
parse_call(int pid, const char *name, char *args, long ret, char *retp,
    long line)
{
	char *av[8], *fdp = NULL, *text = estrdup(name);
	size_t ac = split_args(args, av, 8);
	struct op o = { 0 };

	o.pid = pid;
	o.line = line;
	o.ret = (int)ret;
	o.text = text;
	if (ret < 0)
		goto skip;
	if (strcmp(name, "open") == 0 || strcmp(name, "openat") == 0 ||
	    strcmp(name, "creat") == 0) {
		int at = name[4] == 'a';

		o.kind = C_OPEN;
		o.fd = (int)ret;
		o.path = path_arg(av, at, at, line, name);
		o.flags = name[0] == 'c' ? O_CREAT | O_TRUNC | O_WRONLY : 0;
		if (ac > (size_t)at + 1) {
			const char *f = av[at + 1];

			o.flags |= strstr(f, "O_CREAT") ? O_CREAT : 0;
			o.flags |= strstr(f, "O_TRUNC") ? O_TRUNC : 0;
			o.flags |= strstr(f, "O_APPEND") ? O_APPEND : 0;
			o.flags |= strstr(f, "O_DIRECTORY") ? O_DIRECTORY : 0;
		}
		(void)retp;
	} else if (strcmp(name, "write") == 0 ||
	    strcmp(name, "pwrite64") == 0) {
		o.kind = name[0] == 'w' ? C_WRITE : C_PWRITE;
		o.fd = fd_arg(av[0], &fdp);
		if (!ours(fdp))
			goto skip;
		if (ac < 3 || (o.data = (unsigned char *)str_arg(av[1],
		    &o.len)) == NULL || strstr(av[1], "\"...") != NULL)
			cannot(line, name, "data strace cut short (-s)");
		o.len = (size_t)ret;
		if (o.kind == C_PWRITE)
			o.off = strtoll(av[3], NULL, 10);
	} else if (strcmp(name, "ftruncate") == 0) {
		o.kind = C_TRUNC;
		o.fd = fd_arg(av[0], &fdp);
		o.off = strtoll(av[1], NULL, 10);
	} else if (strcmp(name, "fsync") == 0 ||
	    strcmp(name, "fdatasync") == 0) {
		o.kind = C_SYNC;
		o.fd = fd_arg(av[0], &fdp);
	} else if (strcmp(name, "sync") == 0 || strcmp(name, "syncfs") == 0)
		o.kind = C_SYNCALL;
	else if (strcmp(name, "rename") == 0 || strcmp(name, "link") == 0) {
		o.kind = name[0] == 'r' ? C_RENAME : C_LINK;
		o.path = path_arg(av, 0, 0, line, name);
		o.path2 = path_arg(av, 1, 0, line, name);
	} else if (strcmp(name, "renameat") == 0 ||
	    strcmp(name, "renameat2") == 0 || strcmp(name, "linkat") == 0) {
		o.kind = name[0] == 'r' ? C_RENAME : C_LINK;
		o.path = path_arg(av, 1, 1, line, name);
		o.path2 = path_arg(av, 3, 1, line, name);
	} else if (strcmp(name, "unlink") == 0 || strcmp(name, "rmdir") == 0) {
		o.kind = name[0] == 'u' ? C_UNLINK : C_RMDIR;
		o.path = path_arg(av, 0, 0, line, name);
	} else if (strcmp(name, "unlinkat") == 0) {
		o.kind = ac > 2 && strstr(av[2], "AT_REMOVEDIR") ? C_RMDIR :
		    C_UNLINK;
		o.path = path_arg(av, 1, 1, line, name);
	} else if (strcmp(name, "mkdir") == 0 || strcmp(name, "mkdirat") == 0) {
		o.kind = C_MKDIR;
		o.path = name[5] == 'a' ? path_arg(av, 1, 1, line, name) :
		    path_arg(av, 0, 0, line, name);
	} else if (strcmp(name, "close") == 0) {
		o.kind = C_CLOSE;
		o.fd = fd_arg(av[0], &fdp);
	} else if (strcmp(name, "dup") == 0 || strcmp(name, "dup2") == 0 ||
	    strcmp(name, "dup3") == 0 || (strcmp(name, "fcntl") == 0 &&
	    ac > 1 && strncmp(av[1], "F_DUPFD", 7) == 0)) {
		o.kind = C_DUP;
		o.fd = fd_arg(av[0], &fdp);
		o.off = ret;		/* the new fd */
	} else if (strcmp(name, "fcntl") == 0)
		goto skip;
	else if (strcmp(name, "lseek") == 0) {
		o.kind = C_SEEK;
		o.fd = fd_arg(av[0], &fdp);
		o.off = ret;
	} else if (strcmp(name, "clone") == 0 || strcmp(name, "clone3") == 0 ||
	    strcmp(name, "fork") == 0 || strcmp(name, "vfork") == 0) {
		o.kind = C_FORK;
		o.off = ret;		/* the child */
		o.flags = strstr(args, "CLONE_FILES") != NULL;
	} else {
		/* a call that changes files in a way not modelled: only
		 * harmless away from ROOT */
		size_t i;

		for (i = 0; i < ac; i++) {
			char *p = NULL;

			(void)fd_arg(av[i], &p);
			if (p == NULL && av[i][0] == '"')
				p = str_arg(av[i], NULL);
			if (ours(p))
				cannot(line, name, "a call on ROOT this model "
				    "does not know");
			free(p);
		}
		goto skip;
	}
	free(fdp);
	add_op(&o);
	return;
skip:
	free(fdp);
	free(text);
}

/* In "(args)   = ret": ends args at its ')', returns ret (strings are
 * all \x escapes: a ')' is the end). */
static char *
result(char *args)
{
	char *p = strchr(args, ')'), *q;

	if (p == NULL)
		return NULL;
	for (q = p + 1; *q == ' '; q++)
		;
	if (q[0] != '=' || q[1] != ' ')
		return NULL;
	*p = '\0';
	return q + 2;
}

/* Lines "PID name(args) = ret", with "<unfinished ...>" and "<... name
 * resumed>" joined. */
static void
parse_trace(const char *path)
{
	struct pend { int pid; char *head; } *pend = NULL;
	size_t npend = 0, cap = 0, i;
	char *l = NULL;
	ssize_t len;
	long line = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		err(2, "%s", path);
	while ((len = getline(&l, &cap, f)) > 0) {
		char *p, *name, *args, *eq, *full = NULL;
		int pid;

		line++;
		if (l[len - 1] == '\n')
			l[--len] = '\0';
		pid = (int)strtol(l, &p, 10);
		while (*p == ' ')
			p++;
		if (*p == '-' || *p == '+')
			continue;	/* signals, exits */
		if ((eq = strstr(p, " <unfinished ...>")) != NULL) {
			*eq = '\0';
			pend = ereallocarray(pend, npend + 1, sizeof(*pend));
			pend[npend++] = (struct pend){ pid, estrdup(p) };
			continue;
		}
		if (strncmp(p, "<... ", 5) == 0) {
			char *r = strstr(p, " resumed>");

			for (i = 0; i < npend && pend[i].pid != pid; i++)
				;
			if (r == NULL || i == npend)
				errx(EXIT_MODEL, "trace line %ld: a call resumed "
				    "that did not begin", line);
			full = emalloc(strlen(pend[i].head) + strlen(r) + 1);
			sprintf(full, "%s%s", pend[i].head, r + 9);
			free(pend[i].head);
			pend[i] = pend[--npend];
			p = full;
		}
		name = p;
		if ((args = strchr(p, '(')) == NULL ||
		    (eq = result(args)) == NULL) {
			free(full);
			continue;
		}
		*args++ = '\0';
		if (*eq != '?')		/* "= ?": killed in the call */
			parse_call(pid, name, args, strtol(eq, NULL, 10),
			    eq, line);
		free(full);
	}
	free(l);
	fclose(f);
	for (i = 0; i < npend; i++)
		free(pend[i].head);
	free(pend);
}

/* ---- replay ---- */

static struct fdtab *
tab_of(int pid)
{
	size_t i;

	for (i = 0; i < npids; i++)
		if (pids[i].pid == pid)
			return &tabs[pids[i].tab];
	tabs = ereallocarray(tabs, ntabs + 1, sizeof(*tabs));
	tabs[ntabs] = (struct fdtab){ NULL, 0 };
	pids = ereallocarray(pids, npids + 1, sizeof(*pids));
	pids[npids].pid = pid;
	pids[npids++].tab = (int)ntabs++;
	return &tabs[ntabs - 1];
}

static struct fdent *
fd_find(struct fdtab *t, int fd)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].fd == fd)
			return &t->v[i];
	return NULL;
}

static void
fd_put(struct fdtab *t, struct fdent e)
{
	struct fdent *x = fd_find(t, e.fd);

	if (x == NULL) {
		t->v = ereallocarray(t->v, t->n + 1, sizeof(*t->v));
		x = &t->v[t->n++];
	}
	*x = e;
}

static void
replay_reset(void)
{
	size_t i;

	for (i = 0; i < ntabs; i++)
		free(tabs[i].v);
	free(tabs);
	free(pids);
	tabs = NULL;
	pids = NULL;
	ntabs = npids = 0;
}

/* The node at a path under ROOT as it stands, its parent and last name. */
static int
lookup(const char *path, int *parent, const char **last)
{
	char buf[PATH_MAX], *c, *save, *next;
	int at = root;

	*parent = -1;
	*last = NULL;
	if (!ours(path))
		return -1;
	snprintf(buf, sizeof(buf), "%s", path + strlen(rootpath));
	for (c = strtok_r(buf, "/", &save); c != NULL; c = next) {
		struct ent *e;

		next = strtok_r(NULL, "/", &save);
		if (nodes[at].type != N_DIR)
			return -1;
		*parent = at;
		*last = path + (c - buf) + strlen(rootpath);
		if ((e = ents_find(&nodes[at].dvol, c)) == NULL)
			return next == NULL ? -2 : -1;
		at = e->node;
	}
	return at;
}

static void
file_write(struct node *n, const unsigned char *p, size_t len, size_t off)
{
	if (off + len > n->vol.n) {
		n->vol.p = erealloc(n->vol.p, off + len + 1);
		memset(n->vol.p + n->vol.n, 0, off + len - n->vol.n);
		n->vol.n = off + len;
	}
	if (len > 0)
		memcpy(n->vol.p + off, p, len);
}

static void
apply(const struct op *o)
{
	struct fdtab *t = tab_of(o->pid);
	struct fdent *e = o->kind == C_OPEN || o->kind == C_FORK ||
	    o->kind == C_SYNCALL || o->path != NULL ? NULL : fd_find(t, o->fd);
	const char *last;
	int parent, n;
	size_t i;

	switch (o->kind) {
	case C_OPEN:
		n = lookup(o->path, &parent, &last);
		if (n == -2 && (o->flags & O_CREAT)) {
			n = new_node(N_FILE);
			ents_set(&nodes[parent].dvol, last, n);
		} else if (n == -2 || (n == -1 && ours(o->path)))
			cannot(o->line, o->text, "opens what the model does "
			    "not hold");
		if (n >= 0 && (o->flags & O_TRUNC) && nodes[n].type == N_FILE)
			nodes[n].vol.n = 0;
		fd_put(t, (struct fdent){ o->fd, n >= 0 &&
		    nodes[n].type != N_FIFO ? n : -1, 0,
		    (o->flags & O_APPEND) != 0 });
		break;
	case C_WRITE:
	case C_PWRITE:
		if (e == NULL || e->node < 0) {
			if (e == NULL)
				cannot(o->line, o->text, "a write to ROOT on "
				    "an fd not seen opened");
			break;
		}
		if (o->kind == C_WRITE) {
			if (e->append)
				e->pos = (int64_t)nodes[e->node].vol.n;
			file_write(&nodes[e->node], o->data, o->len,
			    (size_t)e->pos);
			e->pos += (int64_t)o->len;
		} else
			file_write(&nodes[e->node], o->data, o->len,
			    (size_t)o->off);
		break;
	case C_TRUNC:
		if (e != NULL && e->node >= 0) {
			struct node *f = &nodes[e->node];

			if ((size_t)o->off > f->vol.n)
				file_write(f, (const unsigned char *)"", 0,
				    (size_t)o->off);
			f->vol.n = (size_t)o->off;
		}
		break;
	case C_SYNC:
		if (e != NULL && e->node >= 0)
			sync_node(e->node);
		break;
	case C_SYNCALL:
		for (i = 0; i < nnodes; i++)
			sync_node((int)i);
		break;
	case C_RENAME:
	case C_LINK: {
		const char *last2;
		int parent2, n2;

		n = lookup(o->path, &parent, &last);
		n2 = lookup(o->path2, &parent2, &last2);
		if (n < 0 && ours(o->path2))
			cannot(o->line, o->text, "into ROOT from where the "
			    "model does not reach");
		if (n >= 0 && o->kind == C_RENAME)
			ents_del(&nodes[parent].dvol, last);
		if (n >= 0 && parent2 >= 0 && (n2 >= 0 || n2 == -2))
			ents_set(&nodes[parent2].dvol, last2, n);
		break;
	}
	case C_UNLINK:
	case C_RMDIR:
		if (lookup(o->path, &parent, &last) >= 0)
			ents_del(&nodes[parent].dvol, last);
		break;
	case C_MKDIR:
		if (lookup(o->path, &parent, &last) == -2) {
			n = new_node(N_DIR);	/* nodes may move */
			ents_set(&nodes[parent].dvol, last, n);
		}
		break;
	case C_CLOSE:
		if (e != NULL)
			*e = t->v[--t->n];
		break;
	case C_DUP:
		if (e != NULL) {
			struct fdent d = *e;

			d.fd = (int)o->off;
			fd_put(t, d);
		} else {	/* dup2 onto an fd of ours: it closes */
			struct fdent *x = fd_find(t, (int)o->off);

			if (x != NULL)
				*x = t->v[--t->n];
		}
		break;
	case C_SEEK:
		if (e != NULL)
			e->pos = o->off;
		break;
	case C_FORK: {
		size_t ti = (size_t)(t - tabs);

		if (o->flags) {		/* shares the table */
			pids = ereallocarray(pids, npids + 1, sizeof(*pids));
			pids[npids].pid = (int)o->off;
			pids[npids++].tab = (int)ti;
		} else {
			struct fdtab *c = tab_of((int)o->off);

			t = &tabs[ti];
			c->v = ereallocarray(NULL, t->n + 1, sizeof(*c->v));
			if (t->n > 0)
				memcpy(c->v, t->v, t->n * sizeof(*c->v));
			c->n = t->n;
		}
		break;
	}
	}
}

/* ---- states ---- */

/*
 * Which view of each node a state takes: the durable one, but for the
 * nodes marked in vol, taken as they stand; all directories so with dirs;
 * the node torn with the bytes torn instead.
 */
struct view {
	unsigned char	*vol;
	int		 dirs, torn_node;
	const struct bytes *torn;
};

static const struct bytes *
content(const struct view *v, int i)
{
	if (i == v->torn_node)
		return v->torn;
	return v->vol[i] ? &nodes[i].vol : &nodes[i].dur;
}

static const struct ents *
names(const struct view *v, int i)
{
	return v->vol[i] || v->dirs ? &nodes[i].dvol : &nodes[i].ddur;
}

/* Marks the directories on the path to node x, as it stands, and x. */
static int
mark_path(struct view *v, int at, int x, int depth)
{
	size_t k;

	if (at == x) {
		v->vol[at] = 1;
		return 1;
	}
	if (nodes[at].type != N_DIR || depth > 64)
		return 0;
	for (k = 0; k < nodes[at].dvol.n; k++)
		if (mark_path(v, nodes[at].dvol.v[k].node, x, depth + 1)) {
			v->vol[at] = 1;
			return 1;
		}
	return 0;
}

static void
view_reset(struct view *v)
{
	v->vol = erealloc(v->vol, nnodes + 1);
	memset(v->vol, 0, nnodes + 1);
	v->dirs = 0;
	v->torn_node = -1;
	v->torn = NULL;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name,
	    ((const struct ent *)b)->name);
}

/* Walks the state: hashes it (h), or makes it at path (h NULL). */
static void
walk(const struct view *v, int i, const char *path, uint64_t *h, int depth)
{
	const struct ents *d = names(v, i);
	struct ent *s;
	size_t k;

	if (depth > 64)
		errx(EXIT_MODEL, "%s: directories in a loop", path);
	s = ereallocarray(NULL, d->n + 1, sizeof(*s));
	if (d->n > 0)
		memcpy(s, d->v, d->n * sizeof(*s));
	qsort(s, d->n, sizeof(*s), by_name);
	for (k = 0; k < d->n; k++) {
		char sub[PATH_MAX];
		int c = s[k].node;

		epathf(sub, sizeof(sub), "%s/%s", path, s[k].name);
		if (h != NULL) {
			const struct bytes *b = content(v, c);

			*h = *h * 31 + ht_hash(sub, strlen(sub)) +
			    (uint64_t)nodes[c].type;
			if (nodes[c].type == N_FILE && b->n > 0)
				*h = *h * 31 + ht_hash(b->p, b->n) + b->n;
		} else if (nodes[c].type == N_DIR) {
			if (mkdir(sub, 0755) < 0)
				err(2, "%s", sub);
		} else if (nodes[c].type == N_FIFO) {
			if (mkfifo(sub, 0644) < 0)
				err(2, "%s", sub);
		} else {
			const struct bytes *b = content(v, c);
			int fd = open(sub, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || (b->n > 0 &&
			    write(fd, b->p, b->n) != (ssize_t)b->n) ||
			    close(fd) < 0)
				err(2, "%s", sub);
		}
		if (nodes[c].type == N_DIR)
			walk(v, c, sub, h, depth + 1);
	}
	free(s);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	if (f->level > 0 && remove(p) < 0)
		err(2, "%s", p);
	return 0;
}

/* ROOT emptied, then made as the state says. */
static void
make_state(const struct view *v)
{
	if (nftw(rootpath, rm_one, 32, FTW_DEPTH | FTW_PHYS) < 0)
		err(2, "%s", rootpath);
	walk(v, root, rootpath, NULL, 0);
}

/* Whether the state is the tree at path: NULL, or the first difference. */
static const char *
same_tree(const struct view *v, int i, const char *path, int depth)
{
	static char why[PATH_MAX + 64];
	const struct ents *d = names(v, i);
	struct dirent **dv;
	int k, j;

	if (depth > 64)
		return "directories in a loop";
	if ((k = scandir(path, &dv, NULL, alphasort)) < 0)
		err(2, "%s", path);
	why[0] = '\0';
	for (j = 0; j < k; j++) {
		const char *nm = dv[j]->d_name;
		struct ent *e = ents_find((struct ents *)d, nm);
		char sub[PATH_MAX];
		struct stat st;

		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0 ||
		    why[0] != '\0')
			continue;
		epathf(sub, sizeof(sub), "%s/%s", path, nm);
		if (e == NULL || lstat(sub, &st) < 0) {
			snprintf(why, sizeof(why), "%s: not in the model", sub);
			continue;
		}
		if (nodes[e->node].type == N_DIR && S_ISDIR(st.st_mode)) {
			const char *w = same_tree(v, e->node, sub, depth + 1);

			if (w != NULL && why[0] == '\0')
				snprintf(why, sizeof(why), "%s", w);
		} else if (nodes[e->node].type == N_FIFO && S_ISFIFO(st.st_mode))
			continue;
		else if (nodes[e->node].type != N_FILE || !S_ISREG(st.st_mode))
			snprintf(why, sizeof(why), "%s: of another type", sub);
		else {
			const struct bytes *b = content(v, e->node);
			unsigned char *p = emalloc((size_t)st.st_size + 1);
			int fd = open(sub, O_RDONLY);

			if (fd < 0 || read(fd, p, (size_t)st.st_size) !=
			    st.st_size)
				err(2, "%s", sub);
			close(fd);
			if (b->n != (size_t)st.st_size ||
			    (b->n > 0 && memcmp(b->p, p, b->n) != 0))
				snprintf(why, sizeof(why), "%s: other bytes "
				    "(%zu in the model, %lld there)", sub, b->n,
				    (long long)st.st_size);
			free(p);
		}
	}
	for (j = 0; j < k; j++)
		free(dv[j]);
	free(dv);
	if (why[0] == '\0' && (size_t)(k - 2) != d->n)
		snprintf(why, sizeof(why), "%s: the model holds %zu names, "
		    "there are %d", path, d->n, k - 2);
	return why[0] != '\0' ? why : NULL;
}

static struct ht seen;
static const char *cmd;
static long explored, failed, max_states = -1;

static void
state(const struct view *v, const char *kind, size_t call)
{
	uint64_t h = 1469598103934665603ULL;
	char env[64];
	int created, st;

	walk(v, root, "", &h, 0);
	(void)ht_get(&seen, &h, sizeof(h), &created);
	if (!created || (max_states >= 0 && explored >= max_states))
		return;
	explored++;
	if (cmd == NULL)
		return;
	make_state(v);
	setenv("PL_KIND", kind, 1);
	snprintf(env, sizeof(env), "%zu", call);
	setenv("PL_CALL", env, 1);
	snprintf(env, sizeof(env), "%ld", explored);
	setenv("PL_STATE", env, 1);
	st = system(cmd);
	if (st != 0) {
		failed++;
		printf("state %ld failed (%s, after call %zu, trace line %ld: "
		    "%s%s%s), exit %d\n", explored, kind, call + 1,
		    ops[call].line, ops[call].text,
		    ops[call].path != NULL ? " " : "",
		    ops[call].path != NULL ? ops[call].path : "",
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		fflush(stdout);
	} else if (verbose)
		fprintf(stderr, "state %ld: %s after call %zu: ok\n", explored,
		    kind, call + 1);
}

/* Whether a node stands otherwise than it is durable. */
static int
dirty(const struct node *n)
{
	size_t i;

	if (n->type == N_FILE)
		return n->vol.n != n->dur.n ||
		    (n->vol.n > 0 && memcmp(n->vol.p, n->dur.p, n->vol.n) != 0);
	if (n->type != N_DIR || n->dvol.n != n->ddur.n)
		return n->type == N_DIR;
	for (i = 0; i < n->dvol.n; i++) {
		const struct ent *e = &n->dvol.v[i];
		struct ent *d = ents_find((struct ents *)&n->ddur, e->name);

		if (d == NULL || d->node != e->node)
			return 1;
	}
	return 0;
}

/*
 * The states a power loss right after call k could leave: what is durable;
 * that with one node that is not as it stands, and the directories on its
 * path (a later change kept, earlier ones lost); with every directory as
 * it stands, files as durable (names journaled, data not); after a write,
 * the file (and its path) as it stands with that write torn.
 */
static void
states_after(size_t k)
{
	const struct op *o = &ops[k];
	static struct view v;
	size_t i;

	view_reset(&v);
	state(&v, "durable", k);
	for (i = 0; i < nnodes; i++) {
		if (dirty(&nodes[i])) {
			view_reset(&v);
			(void)mark_path(&v, root, (int)i, 0);
			state(&v, "reorder", k);
		}
	}
	view_reset(&v);
	v.dirs = 1;
	state(&v, "names", k);
	if ((o->kind == C_WRITE || o->kind == C_PWRITE) && o->len > 0) {
		struct fdent *e = fd_find(tab_of(o->pid), o->fd);
		static const char *const kinds[] = { "torn-cut", "torn-zero",
		    "torn-garbage" };
		struct bytes b;
		size_t off, j;
		int m;

		if (e == NULL || e->node < 0)
			return;
		off = o->kind == C_PWRITE ? (size_t)o->off :
		    (size_t)e->pos - o->len;
		for (m = 0; m < 3; m++) {
			b.n = m == 0 ? off + o->len / 2 : nodes[e->node].vol.n;
			b.p = emalloc(nodes[e->node].vol.n + 1);
			memcpy(b.p, nodes[e->node].vol.p, nodes[e->node].vol.n);
			for (j = off; m > 0 && j < off + o->len; j++)
				b.p[j] = m == 1 ? 0 : (unsigned char)(0xa5 ^ j);
			view_reset(&v);
			(void)mark_path(&v, root, e->node, 0);
			v.torn_node = e->node;
			v.torn = &b;
			state(&v, kinds[m], k);
			free(b.p);
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: powerloss -r root -i init -f final -t trace "
	    "[-c command] [-n max] [-v]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char *init = NULL, *final = NULL, *trace = NULL, *r = NULL;
	struct view all = { 0 };
	const char *why;
	size_t k, i;
	int ch;

	while ((ch = getopt(argc, argv, "c:f:i:n:r:t:v")) != -1)
		switch (ch) {
		case 'c': cmd = optarg; break;
		case 'f': final = optarg; break;
		case 'i': init = optarg; break;
		case 'n': max_states = atol(optarg); break;
		case 'r': r = optarg; break;
		case 't': trace = optarg; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	if (init == NULL || final == NULL || trace == NULL || r == NULL ||
	    r[0] != '/' || optind != argc)
		usage();
	snprintf(rootpath, sizeof(rootpath), "%s", r);
	if (strlen(rootpath) > 1 && rootpath[strlen(rootpath) - 1] == '/')
		rootpath[strlen(rootpath) - 1] = '\0';
	parse_trace(trace);
	ht_init(&seen, 0);

	/* the model checks itself: every call replayed gives FINAL */
	root = load_tree(init);
	for (k = 0; k < nops; k++)
		apply(&ops[k]);
	for (i = 0; i < nnodes; i++)
		sync_node((int)i);
	view_reset(&all);
	if ((why = same_tree(&all, root, final, 0)) != NULL)
		errx(EXIT_MODEL, "the %zu calls of %s replayed on %s do not "
		    "give %s: %s", nops, trace, init, final, why);

	/* then, from INIT again, the states after each call */
	model_free();
	replay_reset();
	root = load_tree(init);
	for (k = 0; k < nops; k++) {
		apply(&ops[k]);
		states_after(k);
	}
	printf("%zu calls, %ld states explored, %ld failed\n", nops, explored,
	    failed);
	model_free();
	replay_reset();
	for (k = 0; k < nops; k++) {
		free(ops[k].text);
		free(ops[k].path);
		free(ops[k].path2);
		free(ops[k].data);
	}
	free(ops);
	free(all.vol);
	ht_free(&seen);
	return failed > 0;
}
