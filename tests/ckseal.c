/*
 * ckseal FILE: rewrites the header of a checkpoint file (stream-checkpoint(5))
 * so that its length and CRC-32 match the payload as it now is: what a
 * forger does after editing one. The tests use it to show that a file
 * that checks is still not trusted.
 */
#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck.h"

int
main(int argc, char *argv[])
{
	unsigned char h[CK_HEADER], *p;
	struct stat st;
	uint64_t len;
	int fd;

	if (argc != 2)
		errx(2, "usage: ckseal file");
	if ((fd = open(argv[1], O_RDWR)) < 0 || fstat(fd, &st) < 0)
		err(1, "%s", argv[1]);
	if (st.st_size < CK_HEADER)
		errx(1, "%s: shorter than a header", argv[1]);
	len = (uint64_t)st.st_size - CK_HEADER;
	if ((p = malloc(len + 1)) == NULL)
		err(1, NULL);
	if (pread(fd, p, len, CK_HEADER) != (ssize_t)len)
		err(1, "%s", argv[1]);
	ck_header(h, len, ck_crc32(0, p, len));
	if (pwrite(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || close(fd) < 0)
		err(1, "%s", argv[1]);
	free(p);
	return 0;
}
