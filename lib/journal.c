/*
 * journal: the lines a live source has acknowledged; see journal.h.
 *
 * The file: a header (magic, version, the batch it starts after, CRC),
 * then entries, each a type, its fields and the CRC-32 of both:
 *	L mid hash key line	a line taken
 *	A mid hash taken	a message taken lately, whose acknowledgement
 *				may not have reached the broker (its lines
 *				are logged)
 * Numbers are 64-bit in the machine's order, byte strings have their
 * length before them (lib/buf's encoding).
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck.h"
#include "fsx.h"
#include "journal.h"
#include "util.h"

#define MAGIC		0x4c4e524a4b53ULL	/* "SKJRNL" */
#define VERSION		1
#define MAX_JOURNAL	((off_t)1 << 32)	/* 4 GiB: more is damage */
/*
 * The messages that may come again are the last ones taken: an
 * acknowledgement written to the socket can still be lost with the
 * connection, and nothing says when the broker has it. A broker keeps a
 * window of messages in flight to a client (mosquitto's
 * max_inflight_messages: 20 by default) and sends them again, first, at a
 * reconnection: the last RECENT taken are known.
 */
#define RECENT		4096

enum { E_LINE = 1, E_RECENT };

/* Ends the entry begun at start with its CRC. */
static void
put_crc(struct obuf *o, size_t start)
{
	ob_put_u64(o, ck_crc32(0, (unsigned char *)o->p + start,
	    o->len - start));
}

static void
put_header(struct obuf *o, int64_t logged)
{
	ob_put_u64(o, MAGIC);
	ob_put_u64(o, VERSION);
	ob_put_u64(o, (uint64_t)logged);
	put_crc(o, o->len - 24);
}

static void
put_recent(struct obuf *o, const struct journal_msg *m)
{
	size_t start = o->len;

	ob_put_u64(o, E_RECENT);
	ob_put_u64(o, (uint64_t)(unsigned)m->mid);
	ob_put_u64(o, m->hash);
	ob_put_u64(o, m->taken);
	put_crc(o, start);
}

/* Adds a message to a list, or its lines to the last if it is the same. */
static void
list_add(struct journal_msg **v, size_t *n, size_t *cap, int mid,
    uint64_t hash, uint64_t taken)
{
	if (*n > 0 && (*v)[*n - 1].mid == mid && (*v)[*n - 1].hash == hash) {
		(*v)[*n - 1].taken += taken;
		return;
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = ereallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = (struct journal_msg){ mid, hash, taken };
}

/* A line of message mid taken: the recent messages keep the last RECENT. */
static void
recent_add(struct journal *j, int mid, uint64_t hash, uint64_t taken)
{
	if (j->nrecent == 2 * RECENT) {
		memmove(j->recent, j->recent + RECENT,
		    RECENT * sizeof(*j->recent));
		j->nrecent = RECENT;
	}
	list_add(&j->recent, &j->nrecent, &j->crecent, mid, hash, taken);
}

/* Reads DIR/journal: its bytes, or NULL if there is none. */
static char *
read_journal(const struct journal *j, size_t *n)
{
	int fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	char *p;

	if (fd < 0 && errno == ENOENT)
		return NULL;
	if (fd < 0)
		errx(SK_EXIT_DATA, "%s: %s: refused", j->path, errno == ELOOP ?
		    "a link, not followed" : strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > MAX_JOURNAL)
		errx(SK_EXIT_DATA, "%s: not a regular file, or larger than "
		    "4 GiB: refused", j->path);
	p = emalloc((size_t)st.st_size + 1);
	if (fsx_read_all(fd, p, (size_t)st.st_size) < 0)
		err(SK_EXIT_DATA, "%s", j->path);
	close(fd);
	*n = (size_t)st.st_size;
	return p;
}

/* Whether the entry from start to b's place checks. */
static int
entry_checks(struct bin *b, const unsigned char *start)
{
	uint32_t crc = ck_crc32(0, start, (size_t)(b->p - start));

	return bin_u64(b) == crc && !b->bad;
}

/*
 * Takes in what a journal holds: its lines (kept, as they are, in
 * j->replay, to take again if it starts after the batch the log ends
 * with) and the messages that may come again: those of its A entries and
 * lines.
 */
static void
load(struct journal *j, const char *p, size_t n)
{
	struct journal_msg *lines = NULL;
	size_t nlines = 0, clines = 0, i;
	struct obuf keep;
	struct bin b;

	ob_init(&keep, -1, "journal");
	bin_init(&b, p, n);
	if (bin_u64(&b) != MAGIC || bin_u64(&b) != VERSION) {
		warnx("%s: not a journal of version %d: ignored", j->path,
		    VERSION);
		ob_free(&keep);
		return;
	}
	j->file_logged = (int64_t)bin_u64(&b);
	if (!entry_checks(&b, (const unsigned char *)p)) {
		warnx("%s: torn header: ignored", j->path);
		ob_free(&keep);
		return;
	}
	while (b.p < b.e) {
		const unsigned char *start = b.p;
		uint64_t type = bin_u64(&b), mid = 0, hash = 0, taken = 0;
		size_t kn = 0, ln = 0;

		if (type == E_LINE || type == E_RECENT) {
			mid = bin_u64(&b);
			hash = bin_u64(&b);
		}
		if (type == E_LINE) {
			(void)bin_bytes(&b, &kn);
			(void)bin_bytes(&b, &ln);
		} else if (type == E_RECENT)
			taken = bin_u64(&b);
		if ((type != E_LINE && type != E_RECENT) ||
		    !entry_checks(&b, start) || mid > 0xffff) {
			/* a write a crash cut short ends it; more is damage */
			if ((size_t)(b.e - start) > 4096)
				warnx("%s: damaged at byte %zu: the %zu bytes "
				    "from there are not read", j->path,
				    (size_t)(start - (const unsigned char *)p),
				    (size_t)(b.e - start));
			break;
		}
		if (type == E_RECENT)
			list_add(&j->again, &j->nagain, &j->cagain, (int)mid,
			    hash, taken);
		else {
			list_add(&lines, &nlines, &clines, (int)mid, hash, 1);
			ob_write(&keep, start, (size_t)(b.p - start));
		}
	}
	for (i = 0; i < nlines; i++)
		list_add(&j->again, &j->nagain, &j->cagain, lines[i].mid,
		    lines[i].hash, lines[i].taken);
	free(lines);
	j->replay = keep.p;
	j->replay_len = keep.len;
	j->replaying = keep.len > 0;
}

/*
 * Makes the journal anew, atomically: its header, the messages that may
 * come again, and the lines still to take again; then appends to it.
 */
static void
make_new(struct journal *j)
{
	size_t i;

	if (!j->on_disk)
		return;
	if (j->fd >= 0)
		close(j->fd);
	ob_reset(&j->file);
	put_header(&j->file, j->logged);
	for (i = 0; i < j->nagain; i++)
		put_recent(&j->file, &j->again[i]);
	for (i = 0; i < j->nrecent; i++)
		put_recent(&j->file, &j->recent[i]);
	if (j->replaying)
		ob_write(&j->file, j->replay + j->replay_at,
		    j->replay_len - j->replay_at);
	(void)unlink(j->tmp);
	if (fsx_write_atomic(j->path, j->tmp, j->file.p, j->file.len) < 0)
		err(SK_EXIT_DATA, "%s", j->path);
	if ((j->fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW)) < 0)
		err(SK_EXIT_DATA, "%s", j->path);
}

void
journal_open(struct journal *j, const char *dir)
{
	size_t n = 0;
	char *p;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->logged = j->file_logged = CK_NONE;
	ob_init(&j->out, -1, "journal");
	ob_init(&j->file, -1, "journal");
	if (dir == NULL)
		return;
	j->on_disk = 1;
	epathf(j->path, sizeof(j->path), "%s/journal", dir);
	epathf(j->tmp, sizeof(j->tmp), "%s/.journal.tmp", dir);
	if ((p = read_journal(j, &n)) != NULL) {
		load(j, p, n);
		free(p);
	}
}

void
journal_start(struct journal *j, int64_t logged)
{
	if (j->file_logged != logged) {	/* its lines are in the log */
		free(j->replay);
		j->replay = NULL;
		j->replay_len = 0;
		j->replaying = 0;
	}
	j->logged = logged;
	make_new(j);
}

int
journal_next(struct journal *j, const char **key, size_t *keylen,
    const char **line, size_t *n)
{
	struct bin b;

	if (!j->replaying)
		return 0;
	if (j->replay_next >= j->replay_len) {
		j->replaying = 0;
		free(j->replay);
		j->replay = NULL;
		j->replay_len = j->replay_at = j->replay_next = 0;
		return 0;
	}
	j->replay_at = j->replay_next;
	bin_init(&b, j->replay + j->replay_at, j->replay_len - j->replay_at);
	(void)bin_u64(&b);	/* checked when loaded */
	(void)bin_u64(&b);
	(void)bin_u64(&b);
	*key = bin_bytes(&b, keylen);
	*line = bin_bytes(&b, n);
	(void)bin_u64(&b);
	j->replay_next = (size_t)((const char *)b.p - j->replay);
	return 1;
}

uint64_t
journal_again(struct journal *j, int mid, uint64_t hash)
{
	size_t i;
	uint64_t taken;

	for (i = 0; i < j->nagain; i++)
		if (j->again[i].mid == mid && j->again[i].hash == hash)
			break;
	if (i == j->nagain) {
		/* a broker sends what was not acknowledged first (MQTT
		 * 3.1.1, 4.4): anything else means they have all come */
		j->nagain = 0;
		return 0;
	}
	taken = j->again[i].taken;
	memmove(j->again + i, j->again + i + 1,
	    (j->nagain - i - 1) * sizeof(*j->again));
	j->nagain--;
	recent_add(j, mid, hash, taken);
	return taken;
}

void
journal_add(struct journal *j, int mid, uint64_t hash, const char *key,
    size_t keylen, const char *line, size_t n)
{
	size_t start = j->out.len;

	if (j->replaying)	/* in the file already */
		return;
	recent_add(j, mid, hash, 1);
	if (!j->on_disk)
		return;
	ob_put_u64(&j->out, E_LINE);
	ob_put_u64(&j->out, (uint64_t)(unsigned)mid);
	ob_put_u64(&j->out, hash);
	ob_put_bytes(&j->out, key, keylen);
	ob_put_bytes(&j->out, line, n);
	put_crc(&j->out, start);
}

void
journal_sync(struct journal *j)
{
	if (j->out.len == 0)
		return;
	if (fsx_write_all(j->fd, j->out.p, j->out.len) < 0 ||
	    fdatasync(j->fd) < 0)
		err(SK_EXIT_DATA, "%s", j->path);
	ob_reset(&j->out);
}

void
journal_reconnect(struct journal *j)
{
	size_t i;

	for (i = 0; i < j->nrecent; i++)	/* in the order taken */
		list_add(&j->again, &j->nagain, &j->cagain, j->recent[i].mid,
		    j->recent[i].hash, j->recent[i].taken);
	j->nrecent = 0;
}

void
journal_reset(struct journal *j, int64_t logged)
{
	ob_reset(&j->out);	/* its lines are in the log */
	j->logged = logged;
	make_new(j);
}

void
journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	ob_free(&j->out);
	ob_free(&j->file);
	free(j->recent);
	free(j->again);
	free(j->replay);
	j->recent = j->again = NULL;
	j->replay = NULL;
}
