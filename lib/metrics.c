/* metrics: stream-sink's figures of each batch; see metrics.h. */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsx.h"
#include "http.h"
#include "metrics.h"
#include "stream.h"
#include "util.h"

static const char fields[] = "#fields\tbatch_time\trecords\tinput_rate\t"
    "scheduling_delay\tprocessing_time\ttotal_delay\tlate\tbad\tstate\n"
    "#types\tint\tint\tnum\tint\tint\tint\tint\tint\tstr\n";

void
metrics_open(struct metrics *m, const char *path, const char *prom,
    int status)
{
	int fd;

	memset(m, 0, sizeof(*m));
	m->status = status;
	if (prom != NULL) {
		m->prom = prom;
		m->prom_tmp = emalloc(strlen(prom) + 6);
		(void)snprintf(m->prom_tmp, strlen(prom) + 6, "%s.tmp~", prom);
	}
	if (path == NULL)
		return;
	if (strcmp(path, "-") == 0)
		fd = STDOUT_FILENO;
	else if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) < 0)
		err(SK_EXIT_DATA, "%s", path);
	ob_init(&m->out, fd, path);
	m->on = 1;
	stream_put_header(&m->out, "name=metrics");
	ob_puts(&m->out, fields);
}

/* A figure, or an empty field when there is none (v < 0). */
static void
put_figure(struct obuf *o, int64_t v)
{
	ob_putc(o, '\t');
	if (v >= 0)
		ob_putint(o, v);
}

/* One metric in Prometheus' text format: its help, its type, its value. */
static void
put_metric(struct obuf *o, const char *name, const char *type,
    const char *help, int64_t v)
{
	ob_puts(o, "# HELP ");
	ob_puts(o, name);
	ob_putc(o, ' ');
	ob_puts(o, help);
	ob_puts(o, "\n# TYPE ");
	ob_puts(o, name);
	ob_putc(o, ' ');
	ob_puts(o, type);
	ob_putc(o, '\n');
	ob_puts(o, name);
	ob_putc(o, ' ');
	ob_putint(o, v);
	ob_putc(o, '\n');
}

/* The figures in Prometheus' text format, into o. */
static void
put_prom(struct metrics *m, struct obuf *o, int64_t t, int64_t n,
    int64_t sched, int64_t proc, int64_t total)
{
	put_metric(o, "streamkit_batch_time_ms", "gauge",
	    "The time of the last batch published.", t);
	put_metric(o, "streamkit_batch_records", "gauge",
	    "The records of the last batch at the source.", n < 0 ? 0 : n);
	if (total >= 0) {
		put_metric(o, "streamkit_scheduling_delay_ms", "gauge",
		    "From the end of the last batch's interval to its close.",
		    sched);
		put_metric(o, "streamkit_processing_time_ms", "gauge",
		    "From the last batch's close to its publication.", proc);
		put_metric(o, "streamkit_total_delay_ms", "gauge",
		    "From the end of the last batch's interval to its "
		    "publication.", total);
	}
	put_metric(o, "streamkit_batches_total", "counter",
	    "Batches published.", (int64_t)m->batches);
	put_metric(o, "streamkit_records_total", "counter",
	    "Records of the batches published, at the source.",
	    (int64_t)m->records);
	put_metric(o, "streamkit_late_records_total", "counter",
	    "Records that came after their batch had closed.",
	    (int64_t)m->late);
	put_metric(o, "streamkit_bad_records_total", "counter",
	    "Lines rejected as bad.", (int64_t)m->bad);
}

/* --metrics-prom: replaced whole, so a reader sees the old file or the
 * new one, never half of one. */
static void
write_prom(const struct metrics *m, const struct obuf *o)
{
	int fd;

	if ((fd = fsx_create_excl(m->prom_tmp)) < 0 ||
	    fsx_write_all(fd, o->p, o->len) < 0 || close(fd) < 0 ||
	    rename(m->prom_tmp, m->prom) < 0)
		err(SK_EXIT_DATA, "%s", m->prom);
}

/* The state.ID=K of the parts' #end lines (branches of one stream: the
 * largest of each), "ID=K" separated by sep; prom: as Prometheus
 * samples, a line each. */
static void
put_states(struct obuf *o, const struct sunion *u, struct batch **parts,
    char sep, int prom)
{
	char **st = ecalloc(u->n, sizeof(*st));
	struct obuf l;
	size_t i;
	const char *p, *e, *nl, *eq;

	for (i = 0; i < u->n; i++)
		st[i] = parts[i] != NULL ? parts[i]->state : NULL;
	if (!prom) {
		state_merge(o, st, u->n, 0, 0, sep);
		free(st);
		return;
	}
	ob_init(&l, -1, "states");
	state_merge(&l, st, u->n, 0, 0, '\n');
	ob_puts(o, "# HELP streamkit_state_keys The keys a stateful tool holds "
	    "after the last batch.\n# TYPE streamkit_state_keys gauge\n");
	e = l.p + l.len;
	for (p = l.p; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		if ((eq = memchr(p, '=', (size_t)(nl - p))) != NULL) {
			ob_puts(o, "streamkit_state_keys{tool=\"");
			ob_write(o, p, (size_t)(eq - p));
			ob_puts(o, "\"} ");
			ob_write(o, eq + 1, (size_t)(nl - eq - 1));
			ob_putc(o, '\n');
		}
	}
	ob_free(&l);
	free(st);
}

void
metrics_batch(struct metrics *m, const struct sunion *u, int64_t t,
    struct batch **parts, int64_t now)
{
	int64_t n = -1, made = -1, late = 0, bad = 0, sched = -1, proc = -1,
	    total = -1;
	size_t i;

	if (t == NO_TIME)
		return;
	/* the inputs are branches of one stream: the same figures */
	for (i = 0; i < u->n; i++) {
		if (parts[i] == NULL)
			continue;
		if (parts[i]->n > n)
			n = parts[i]->n;
		if (parts[i]->made > made)
			made = parts[i]->made;
		if (parts[i]->late > late)
			late = parts[i]->late;
		if (parts[i]->bad > bad)
			bad = parts[i]->bad;
	}
	if (made >= 0) {
		sched = made > t ? made - t : 0;
		proc = now > made ? now - made : 0;
		total = sched + proc;
	}
	m->batches++;
	m->records += n > 0 ? (uint64_t)n : 0;
	m->late += (uint64_t)late;
	m->bad += (uint64_t)bad;
	if (m->on) {
		if (!m->header && u->first_name != NULL) {
			ob_puts(&m->out, "#interval\t");
			ob_putint(&m->out, u->first_interval);
			ob_putc(&m->out, '\n');
		}
		m->header = 1;
		ob_putint(&m->out, t);
		put_figure(&m->out, n);
		ob_putc(&m->out, '\t');
		if (n >= 0 && u->first_name != NULL && u->first_interval > 0) {
			char rate[32];

			(void)snprintf(rate, sizeof(rate), "%.1f",
			    (double)n * 1000 / (double)u->first_interval);
			ob_puts(&m->out, rate);
		}
		put_figure(&m->out, sched);
		put_figure(&m->out, proc);
		put_figure(&m->out, total);
		put_figure(&m->out, late);
		put_figure(&m->out, bad);
		ob_putc(&m->out, '\t');
		put_states(&m->out, u, parts, ',', 0);
		ob_putc(&m->out, '\n');
		put_end(&m->out, t, NULL, 0);
		ob_flush(&m->out);
	}
	if (m->prom != NULL || m->http != NULL) {
		struct obuf o, v;

		ob_init(&o, -1, "prom");
		put_prom(m, &o, t, n, sched, proc, total);
		put_states(&o, u, parts, '\n', 1);
		if (m->prom != NULL)
			write_prom(m, &o);
		if (m->http != NULL) {
			struct http_point hp = { t, n, -1, sched, proc, total };

			if (n >= 0 && u->first_interval > 0)
				hp.rate10 = n * 10000 / u->first_interval;
			ob_init(&v, -1, "values");
			for (i = 0; i < u->n; i++)
				if (parts[i] != NULL)
					ob_write(&v, parts[i]->body.p,
					    parts[i]->body.len);
			http_batch(m->http, &hp, v.p, v.len, o.p, o.len);
			ob_free(&v);
		}
		ob_free(&o);
	}
	if (m->status) {
		char line[160];
		int len = snprintf(line, sizeof(line), "\r\033[Kstream-sink: %llu "
		    "batches", (unsigned long long)m->batches);

		if (n >= 0 && u->first_interval > 0)
			len += snprintf(line + len, sizeof(line) - (size_t)len,
			    ", %.0f records/s", (double)n * 1000 /
			    (double)u->first_interval);
		if (total >= 0)
			len += snprintf(line + len, sizeof(line) - (size_t)len,
			    ", delay %lld ms", (long long)total);
		len += snprintf(line + len, sizeof(line) - (size_t)len,
		    ", %llu late, %llu bad", (unsigned long long)m->late,
		    (unsigned long long)m->bad);
		if (len > 0)
			(void)fsx_write_all(STDERR_FILENO, line,
			    (size_t)len < sizeof(line) ? (size_t)len :
			    sizeof(line) - 1);
	}
}

void
metrics_close(struct metrics *m)
{
	if (m->status && m->batches > 0)
		(void)fsx_write_all(STDERR_FILENO, "\n", 1);
	if (m->on) {
		ob_puts(&m->out, "#eos\n");
		if (m->out.fd == STDOUT_FILENO)
			ob_flush(&m->out);
		else
			ob_close(&m->out);
	}
	free(m->prom_tmp);
}
