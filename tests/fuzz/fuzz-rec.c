/*
 * fuzz-rec: a record stream (stream-records(5)) read as every tool reads
 * its input: lines from the buffered reader, each a data line split at
 * TABs and unescaped, or a control line parsed and checked (#fields,
 * #types, #end and its attributes, #stream ...), then the account of how
 * the stream ended. A malformed control line is refused (the tools exit
 * 1 naming it).
 */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "rec.h"
#include "stream.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct obuf o;
	static int ready;
	struct schema sc = { 0 };
	struct rec r = { 0 };
	struct sreader sr;
	struct ibuf ib;
	struct item it;
	const char *v;
	char *line, *st;
	size_t len, vn;
	int fd;

	if (!ready) {
		ob_init(&o, -1, "fuzz");
		ready = 1;
	}
	if ((fd = memfd_create("fuzz-rec", 0)) < 0)
		abort();
	if (n > 0 && write(fd, d, n) != (ssize_t)n)
		abort();
	(void)lseek(fd, 0, SEEK_SET);
	ib_init(&ib, fd, "fuzz");
	sr_init(&sr, &ib, "fuzz");
	if (FUZZ_REFUSED)
		goto done;
	while (ib_getline(&ib, &line, &len) == 1) {
		switch (sr_item(&sr, line, len, &it)) {
		case CTL_DATA:
			rec_split(&r, line, len);
			ob_reset(&o);
			for (size_t i = 0; i < r.n; i++)
				rec_put_field(&o, r.f[i].p, r.f[i].n, i == 0);
			break;
		case CTL_FIELDS:
			schema_free(&sc);
			schema_parse(&sc, line, len);
			break;
		case CTL_TYPES:
			(void)schema_types(&sc, line, len);
			break;
		case CTL_END:
			if ((st = end_state(line, len)) != NULL)
				free(st);
			ob_reset(&o);
			end_put(&o, line, len, "late", 1, 1);
			(void)stream_attr(line, len, "n", &v, &vn);
			break;
		default:
			break;
		}
	}
	(void)sr_finish(&sr, NULL);
done:
	fuzz_armed = 0;
	schema_free(&sc);
	rec_free(&r);
	ib_free(&ib);
	close(fd);
	return 0;
}
