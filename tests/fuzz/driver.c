/*
 * driver: runs a fuzz target on files, as make check does with the
 * regression inputs: driver-TARGET FILE... (a directory: its files).
 * Exits 0 if every input was taken (answered or refused) without a crash.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static size_t	ran;

static void
run(const char *path)
{
	struct stat st;
	unsigned char *p;
	FILE *f;
	size_t n;

	if (stat(path, &st) < 0)
		err(2, "%s", path);
	if (S_ISDIR(st.st_mode)) {
		struct dirent **v;
		char sub[4096];
		int k, i;

		if ((k = scandir(path, &v, NULL, alphasort)) < 0)
			err(2, "%s", path);
		for (i = 0; i < k; i++) {
			if (v[i]->d_name[0] != '.') {
				snprintf(sub, sizeof(sub), "%s/%s", path,
				    v[i]->d_name);
				run(sub);
			}
			free(v[i]);
		}
		free(v);
		return;
	}
	if ((f = fopen(path, "rb")) == NULL)
		err(2, "%s", path);
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL)
		err(2, "malloc");
	n = fread(p, 1, (size_t)st.st_size, f);
	fclose(f);
	fuzz_armed = 0;
	LLVMFuzzerTestOneInput(p, n);
	fuzz_armed = 0;
	free(p);
	ran++;
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: driver file ...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		run(argv[i]);
	printf("%zu inputs\n", ran);
	return 0;
}
