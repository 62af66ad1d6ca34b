/* http: stream-sink --http, the page of the four figures; see http.h. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "buf.h"
#include "format.h"
#include "http.h"
#include "util.h"

/* The page: the four timelines, polling /batches every 500 ms. */
static const char page[] =
"<!doctype html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\"><title>streamkit</title>\n"
"<style>\n"
"body{font:14px sans-serif;margin:1em 2em;color:#222}\n"
"h1{font-size:1.3em}\n"
".g{display:grid;grid-template-columns:repeat(2,1fr);gap:1em}\n"
".c{border:1px solid #ccc;padding:.5em}\n"
".c b{display:block}\n"
"svg{width:100%;height:120px;background:#fafafa}\n"
"polyline{fill:none;stroke:#1f6fb2;stroke-width:1.5}\n"
"pre{background:#f4f4f4;padding:.5em;overflow:auto}\n"
"</style></head>\n"
"<body data-batches=\"0\">\n"
"<h1>streamkit: <span id=\"batches\">0</span> batches, last <span id=\"last\">-</span></h1>\n"
"<div class=\"g\">\n"
"<div class=\"c\"><b>Input rate (records/s): <span id=\"v0\">-</span></b><svg id=\"s0\" viewBox=\"0 0 300 100\" preserveAspectRatio=\"none\"><polyline/></svg></div>\n"
"<div class=\"c\"><b>Scheduling delay (ms): <span id=\"v1\">-</span></b><svg id=\"s1\" viewBox=\"0 0 300 100\" preserveAspectRatio=\"none\"><polyline/></svg></div>\n"
"<div class=\"c\"><b>Processing time (ms): <span id=\"v2\">-</span></b><svg id=\"s2\" viewBox=\"0 0 300 100\" preserveAspectRatio=\"none\"><polyline/></svg></div>\n"
"<div class=\"c\"><b>Total delay (ms): <span id=\"v3\">-</span></b><svg id=\"s3\" viewBox=\"0 0 300 100\" preserveAspectRatio=\"none\"><polyline/></svg></div>\n"
"</div>\n"
"<h2>The last batch</h2><pre id=\"values\"></pre>\n"
"<script>\n"
"function line(i, pts) {\n"
"\tvar max = 1, k, s = \"\";\n"
"\tfor (k = 0; k < pts.length; k++) if (pts[k] > max) max = pts[k];\n"
"\tfor (k = 0; k < pts.length; k++)\n"
"\t\tif (pts[k] >= 0) s += (300 - pts.length + k) + \",\" + (100 - 95 * pts[k] / max) + \" \";\n"
"\tdocument.querySelector(\"#s\" + i + \" polyline\").setAttribute(\"points\", s);\n"
"\tdocument.getElementById(\"v\" + i).textContent =\n"
"\t    pts.length && pts[pts.length - 1] >= 0 ? pts[pts.length - 1] : \"-\";\n"
"}\n"
"function show(d) {\n"
"\tvar p = d.points, f, k;\n"
"\tdocument.body.dataset.batches = d.batches;\n"
"\tdocument.getElementById(\"batches\").textContent = d.batches;\n"
"\tif (p.length)\n"
"\t\tdocument.getElementById(\"last\").textContent =\n"
"\t\t    new Date(p[p.length - 1][0]).toISOString();\n"
"\tfor (f = 0; f < 4; f++) {\n"
"\t\tvar v = [];\n"
"\t\tfor (k = 0; k < p.length; k++)\n"
"\t\t\tv.push(f == 0 ? (p[k][2] < 0 ? -1 : p[k][2] / 10) : p[k][f + 2]);\n"
"\t\tline(f, v);\n"
"\t}\n"
"\tdocument.getElementById(\"values\").textContent = d.values;\n"
"}\n"
"function poll() {\n"
"\tfetch(\"/batches\").then(function (r) { return r.json(); })\n"
"\t    .then(show).catch(function () {})\n"
"\t    .finally(function () { setTimeout(poll, 500); });\n"
"}\n"
"poll();\n"
"</script>\n"
"</body></html>\n";

const char *
http_check(const char *addrport)
{
	const char *colon = strrchr(addrport, ':'), *port;
	char addr[64];
	struct in_addr a;
	char *end;
	long p;

	port = colon != NULL ? colon + 1 : addrport;
	p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p < 0 || p > 65535)
		return "not a port from 0 to 65535";
	if (colon == NULL)
		return NULL;
	if ((size_t)(colon - addrport) >= sizeof(addr))
		return "not an IPv4 address";
	memcpy(addr, addrport, (size_t)(colon - addrport));
	addr[colon - addrport] = '\0';
	return inet_pton(AF_INET, addr, &a) == 1 ? NULL :
	    "not an IPv4 address";
}

/* /batches: {"batches":N,"points":[[t,n,rate*10,sched,proc,total]...],
 * "values":"..."}, -1 for a figure a batch does not have. */
static void
put_batches(struct http *h, struct obuf *o)
{
	size_t i, k;

	ob_puts(o, "{\"batches\":");
	ob_putint(o, (int64_t)h->batches);
	ob_puts(o, ",\"points\":[");
	for (i = 0; i < h->len; i++) {
		const struct http_point *p =
		    &h->ring[(h->head + HTTP_KEEP - h->len + i) % HTTP_KEEP];
		const int64_t v[] = { p->t, p->n, p->rate10, p->sched, p->proc,
		    p->total };

		ob_puts(o, i > 0 ? ",[" : "[");
		for (k = 0; k < SK_NELEM(v); k++) {
			if (k > 0)
				ob_putc(o, ',');
			ob_putint(o, v[k]);
		}
		ob_putc(o, ']');
	}
	ob_puts(o, "],\"values\":");
	fmt_json_string(o, h->values != NULL ? h->values : "", h->vlen);
	ob_putc(o, '}');
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type,
    const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Content-Type", type);
	(void)MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
serve(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct http *h = cls;
	struct obuf o;
	enum MHD_Result ret;
	static const char notfound[] = "not found\n";

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, 405, "text/plain", "GET only\n", 9);
	if (strcmp(url, "/") == 0)
		return reply(c, 200, "text/html; charset=utf-8", page,
		    sizeof(page) - 1);
	if (strcmp(url, "/metrics") != 0 && strcmp(url, "/batches") != 0)
		return reply(c, 404, "text/plain", notfound,
		    sizeof(notfound) - 1);
	ob_init(&o, -1, "http");
	(void)pthread_mutex_lock(&h->mu);
	if (strcmp(url, "/batches") == 0)
		put_batches(h, &o);
	else if (h->prom != NULL)
		ob_write(&o, h->prom, h->plen);
	(void)pthread_mutex_unlock(&h->mu);
	ret = strcmp(url, "/batches") == 0 ?
	    reply(c, 200, "application/json", o.p, o.len) :
	    reply(c, 200, "text/plain; version=0.0.4", o.p, o.len);
	ob_free(&o);
	return ret;
}

int
http_start(struct http *h, const char *addrport)
{
	const char *colon = strrchr(addrport, ':');
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;
	char addr[64] = "127.0.0.1";

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (colon != NULL) {
		memcpy(addr, addrport, (size_t)(colon - addrport));
		addr[colon - addrport] = '\0';
	}
	(void)inet_pton(AF_INET, addr, &sa.sin_addr);
	sa.sin_port = htons((uint16_t)strtol(colon != NULL ? colon + 1 :
	    addrport, NULL, 10));
	if ((errno = pthread_mutex_init(&h->mu, NULL)) != 0)
		err(SK_EXIT_DATA, "--http");
	/* no MHD_USE_ERROR_LOG: one message, ours */
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
	    serve, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (h->d == NULL)
		errx(SK_EXIT_DATA, "--http %s: cannot serve there (in use, or "
		    "not an address of this host)", addrport);
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	return di != NULL ? (int)di->port : -1;
}

void
http_batch(struct http *h, const struct http_point *p, const char *values,
    size_t vlen, const char *prom, size_t plen)
{
	(void)pthread_mutex_lock(&h->mu);
	h->ring[h->head] = *p;
	h->head = (h->head + 1) % HTTP_KEEP;
	if (h->len < HTTP_KEEP)
		h->len++;
	h->batches++;
	free(h->values);
	h->values = emalloc(vlen + 1);
	memcpy(h->values, values, vlen);
	h->vlen = vlen;
	free(h->prom);
	h->prom = emalloc(plen + 1);
	memcpy(h->prom, prom, plen);
	h->plen = plen;
	(void)pthread_mutex_unlock(&h->mu);
}

void
http_stop(struct http *h)
{
	if (h->d == NULL)
		return;
	MHD_stop_daemon(h->d);
	h->d = NULL;
	free(h->values);
	free(h->prom);
	(void)pthread_mutex_destroy(&h->mu);
}
