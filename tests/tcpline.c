/*
 * tcpline: a TCP line server for the tests of stream-split --connect.
 *
 *	tcpline [-p port] [-r] [-t text] from to
 *	tcpline [-p port] -f file
 *
 * Listens on 127.0.0.1 (port 0: any; the port is written to standard
 * output, then a newline, once it listens), waits for one client, sends
 * it the lines "from" to "to" (numbers, one a line), then -t's text
 * without a newline if given (a line cut short), and closes and exits.
 * -f: sends the file instead of numbers.
 * -r: keeps the port with SO_REUSEADDR (a server started again on it).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof(sin);
	const char *text = NULL, *file = NULL;
	long from, to, i;
	int ch, s, c, one = 1, port = 0;
	FILE *f;

	while ((ch = getopt(argc, argv, "f:p:rt:")) != -1)
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'r':
			break;		/* always: a test restarts on its port */
		case 't':
			text = optarg;
			break;
		default:
			errx(2, "usage: tcpline [-p port] [-r] [-t text] from to");
		}
	if (argc - optind != (file != NULL ? 0 : 2))
		errx(2, "usage: tcpline [-p port] [-r] [-t text] from to");
	from = file != NULL ? 1 : atol(argv[optind]);
	to = file != NULL ? 0 : atol(argv[optind + 1]);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		err(1, "socket");
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(s, 1) < 0 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) < 0)
		err(1, "127.0.0.1:%d", port);
	printf("%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	if ((c = accept(s, NULL, NULL)) < 0)
		err(1, "accept");
	if ((f = fdopen(c, "w")) == NULL)
		err(1, "fdopen");
	for (i = from; i <= to; i++)
		fprintf(f, "%ld\n", i);
	if (file != NULL) {
		FILE *in = fopen(file, "r");
		int c2;

		if (in == NULL)
			err(1, "%s", file);
		while ((c2 = getc(in)) != EOF)
			putc(c2, f);
		fclose(in);
	}
	if (text != NULL)
		fputs(text, f);
	if (fclose(f) == EOF)
		err(1, "write");
	close(s);
	return 0;
}
