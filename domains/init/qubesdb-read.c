/* qubesdb-read: reads Qubes DB keys inside a domain, from the read-only
 * file the launcher writes (/run/qubes/qubesdb, or $QUBESDB_FILE).
 *
 *   qubesdb-read [-r] [-q] [-f] [-e DEFAULT] PATH...
 *
 * One line per path: the value, with bytes outside 0x20..0x7e printed as
 * \xNN unless -r (raw); -f prefixes "PATH = ". A missing path prints
 * "Failed to read PATH" (unless -q) and the exit code is 2, as upstream;
 * -e gives a value for a missing path (one path only). Exit 1 on other
 * errors (no database, bad usage). */
#include "domains/qubesdb_file.h"
#include "lib/fdio.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUBESDB_DEFAULT_FILE "/run/qubes/qubesdb"

static void print_value(const char *v, bool raw)
{
	if (raw) {
		fputs(v, stdout);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f)
			putchar(*p);
		else
			printf("\\x%02x", *p);
	}
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-r] [-q] [-f] [-e DEFAULT] PATH...\n", prog);
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"raw", no_argument, 0, 'r'},
		{"quiet", no_argument, 0, 'q'},
		{"fullpath", no_argument, 0, 'f'},
		{"default", required_argument, 0, 'e'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	bool raw = false, quiet = false, full = false;
	const char *def = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "rqfe:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': raw = true; break;
		case 'q': quiet = true; break;
		case 'f': full = true; break;
		case 'e': def = optarg; break;
		default: usage(argv[0]);
		}
	}
	if (optind >= argc)
		usage(argv[0]);
	if (def && argc - optind != 1) {
		fprintf(stderr, "%s: -e/--default takes exactly one path\n", argv[0]);
		return 1;
	}
	const char *file = getenv("QUBESDB_FILE");
	if (!file || !*file)
		file = QUBESDB_DEFAULT_FILE;
	size_t len = 0;
	char *data = read_small_file(file, QDB_MAX_FILE, &len);
	if (!data) {
		if (!quiet)
			fprintf(stderr, "%s: cannot read the qubesdb file %s\n", argv[0], file);
		return 1;
	}
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		const char *v = NULL;
		int r = qdb_lookup(data, len, argv[i], &v);
		if (r < 0) {
			if (!quiet)
				fprintf(stderr, "%s: %s is malformed\n", argv[0], file);
			free(data);
			return 1;
		}
		if (r == 0 && def)
			v = def;
		if (!v) {
			if (!quiet)
				fprintf(stderr, "Failed to read %s\n", argv[i]);
			rc = 2;
			continue;
		}
		if (full)
			printf("%s = ", argv[i]);
		print_value(v, raw);
		putchar('\n');
	}
	free(data);
	if (fflush(stdout) != 0)
		return 1;
	return rc;
}
