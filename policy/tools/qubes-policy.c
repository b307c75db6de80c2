/* qubes-policy: the command-line client of the policy admin API, as
 * upstream's tool of the same name:
 *   qubes-policy {[-l]|-g|-r|-d} [include/][NAME]
 * -l lists the policy files (or the include files), -g prints a file, -r
 * replaces it with stdin, -d removes it; changes use the token "any".
 *
 * Where the policy directory is accessible (dom0, or --policy-dir), the
 * admin library is called directly, so no qrexec needs to run; otherwise,
 * or with --vm, the call goes through `qrexec-client-vm dom0
 * policy.<Method>+<NAME>` (found on PATH) with the payload on stdin.
 * Exit status: 0, 1 when the call fails, 2 for a usage error. */
#include "policy/admin.h"
#include "policy/policy.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define USAGE "usage: qubes-policy {[-l]|-g|-r|-d} [include/][RPCNAME[+ARGUMENT]]\n"
#define STDERR_MAX (64u * 1024)

enum method { M_LIST, M_GET, M_REPLACE, M_REMOVE };

static void usage(FILE *f)
{
	fprintf(f,
		USAGE
		"Lists, prints, replaces or removes qrexec policy files.\n"
		"  NAME                 a policy.d file without .policy; with include/,\n"
		"                       a file of the include subdirectory\n"
		"  -l, --list           list the policy files (the default)\n"
		"  -g, --get            print the content of a file\n"
		"  -r, --replace        replace a file with standard input\n"
		"  -d, --remove         remove a file\n"
		"  --vm                 go through qrexec (qrexec-client-vm dom0 ...) even\n"
		"                       when the policy directory is accessible\n"
		"  --policy-dir DIR     the policy directory (default %s)\n"
		"  --compat-path DIR    the legacy 4.0 directory changes are validated\n"
		"                       with (default %s)\n"
		"  -h, --help           this text\n", POLICY_ETC_DIR, POLICY_COMPAT_DIR);
}

/* argparse's error: the usage line, then "qubes-policy: error: MSG ARG" */
static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, USAGE "qubes-policy: error: %s%s\n", msg, arg ? arg : "");
	return 2;
}

/* Python's repr() of the sorted set of characters of s outside
 * [A-Za-z0-9+._-] (characters are UTF-8 sequences; byte order of the
 * sequences is code point order). Returns NULL when there are none. */
static char *invalid_chars_repr(const char *s)
{
	size_t n = strlen(s);
	const char **seqs = calloc(n + 1, sizeof *seqs);
	size_t *lens = calloc(n + 1, sizeof *lens);
	char *out = NULL;
	size_t ns = 0;
	if (!seqs || !lens)
		goto done;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t l = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (i + l > n)
			l = n - i;
		char one[2] = {(char)c, 0};
		if (l == 1 && padmin_arg_valid(one)) {
			i++;
			continue;
		}
		bool seen = false;
		for (size_t k = 0; k < ns && !seen; k++)
			seen = lens[k] == l && memcmp(seqs[k], s + i, l) == 0;
		if (!seen) {
			seqs[ns] = s + i;
			lens[ns++] = l;
		}
		i += l;
	}
	if (!ns)
		goto done;
	/* insertion sort by bytes */
	for (size_t i = 1; i < ns; i++)
		for (size_t k = i; k > 0; k--) {
			size_t m = lens[k] < lens[k - 1] ? lens[k] : lens[k - 1];
			int c = memcmp(seqs[k - 1], seqs[k], m);
			if (c < 0 || (c == 0 && lens[k - 1] <= lens[k]))
				break;
			const char *ts = seqs[k];
			size_t tl = lens[k];
			seqs[k] = seqs[k - 1];
			lens[k] = lens[k - 1];
			seqs[k - 1] = ts;
			lens[k - 1] = tl;
		}
	bool sq = false, dq = false;
	for (size_t i = 0; i < ns; i++) {
		sq |= lens[i] == 1 && seqs[i][0] == '\'';
		dq |= lens[i] == 1 && seqs[i][0] == '"';
	}
	char quote = sq && !dq ? '"' : '\'';
	out = malloc(n * 4 + 3);
	if (!out)
		goto done;
	size_t o = 0;
	out[o++] = quote;
	for (size_t i = 0; i < ns; i++) {
		unsigned char c = (unsigned char)seqs[i][0];
		if (lens[i] > 1) {
			memcpy(out + o, seqs[i], lens[i]);
			o += lens[i];
		} else if (c == '\\' || c == (unsigned char)quote) {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)sprintf(out + o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = quote;
	out[o] = '\0';
done:
	free(seqs);
	free(lens);
	return out;
}

static char *read_all_fd(int fd, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return NULL;
	for (;;) {
		if (n == cap) {
			if (cap > max)
				break;
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static bool known_class(const char *s, size_t len)
{
	static const char *const cls[] = {
		PADMIN_EXC, PADMIN_EXC_TOKEN, PADMIN_EXC_NOT_FOUND, PADMIN_EXC_PROTOCOL,
		PADMIN_EXC_SYNTAX, PADMIN_EXC_FILE_NAME, PADMIN_EXC_FILE_PATH,
	};
	for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++)
		if (strlen(cls[i]) == len && memcmp(cls[i], s, len) == 0)
			return true;
	return false;
}

static FILE *tmp_with(const char *data, size_t len)
{
	FILE *f = tmpfile();
	if (!f)
		return NULL;
	if ((len && fwrite(data, 1, len, f) != len) || fflush(f) != 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	return f;
}

/* Runs `qrexec-client-vm dom0 SERVICE` with the payload on stdin.
 * Returns 0 with the output, or 1 after printing why it failed. */
static int call_remote(const char *service, const char *payload, size_t plen,
		       char **outp, size_t *outlen)
{
	FILE *in = tmp_with(payload, plen), *out = tmpfile(), *err = tmpfile();
	int rc = 1;
	if (!in || !out || !err) {
		fprintf(stderr, "qubes-policy: cannot create a temporary file: %s\n",
			strerror(errno));
		goto done;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "qubes-policy: fork: %s\n", strerror(errno));
		goto done;
	}
	if (pid == 0) {
		if (dup2(fileno(in), 0) < 0 || dup2(fileno(out), 1) < 0 ||
		    dup2(fileno(err), 2) < 0)
			_exit(127);
		char *argv[] = {"qrexec-client-vm", "dom0", (char *)service, NULL};
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run qrexec-client-vm: %s", strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "qubes-policy: waitpid: %s\n", strerror(errno));
			goto done;
		}
	}
	size_t olen = 0, elen = 0;
	char *o = NULL, *e = NULL;
	if (fseek(out, 0, SEEK_SET) == 0)
		o = read_all_fd(fileno(out), PADMIN_PAYLOAD_MAX + 4096, &olen);
	if (fseek(err, 0, SEEK_SET) == 0)
		e = read_all_fd(fileno(err), STDERR_MAX, &elen);
	if (!o) {
		fprintf(stderr, "qubes-policy: cannot read the reply: %s\n", strerror(errno));
		free(e);
		goto done;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		*outp = o;
		*outlen = olen;
		rc = 0;
	} else {
		/* "<ExceptionClass> <message>" from the service: the message */
		const char *sp = e ? memchr(e, ' ', elen) : NULL;
		if (sp && known_class(e, (size_t)(sp - e))) {
			fprintf(stderr, "%s\n", sp + 1);
		} else {
			fprintf(stderr, "Command failed\n");
			while (olen && (o[olen - 1] == '\n' || o[olen - 1] == ' '))
				olen--;
			if (olen)
				fprintf(stderr, "%.*s\n", (int)olen, o);
			if (e && elen)
				fprintf(stderr, "%s%s", e, e[elen - 1] == '\n' ? "" : "\n");
		}
		free(o);
	}
	free(e);
done:
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	return rc;
}

static bool py_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
	       (c >= 0x1c && c <= 0x1f);
}

int main(int argc, char **argv)
{
	enum method m = M_LIST;
	bool via_vm = false;
	const char *policy_dir = NULL, *compat_dir = NULL;
	static const struct option opts[] = {
		{"list", no_argument, 0, 'l'},
		{"get", no_argument, 0, 'g'},
		{"replace", no_argument, 0, 'r'},
		{"remove", no_argument, 0, 'd'},
		{"vm", no_argument, 0, 'v'},
		{"policy-dir", required_argument, 0, 'p'},
		{"compat-path", required_argument, 0, 'c'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "lgrdh", opts, NULL)) != -1) {
		switch (c) {
		case 'l': m = M_LIST; break;
		case 'g': m = M_GET; break;
		case 'r': m = M_REPLACE; break;
		case 'd': m = M_REMOVE; break;
		case 'v': via_vm = true; break;
		case 'p': policy_dir = optarg; break;
		case 'c': compat_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			return usage_error("unrecognized or incomplete option: ",
					   argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return usage_error("unrecognized arguments: ", argv[optind + 1]);
	const char *name = argc - optind == 1 ? argv[optind] : "";
	bool include = false;
	if (name[0]) {
		if (strcmp(name, "include") == 0 || strncmp(name, "include/", 8) == 0) {
			name += name[7] ? 8 : 7;
			include = true;
		}
		char *bad = invalid_chars_repr(name);
		if (bad) {
			int r = usage_error("invalid character(s) in RPCNAME: ", bad);
			free(bad);
			return r;
		}
	}
	if (m == M_LIST && name[0])
		return usage_error("--list doesn't work with a file name", NULL);
	if (m != M_LIST && !name[0])
		return usage_error("you need to provide a file name", NULL);
	if (policy_dir && via_vm)
		return usage_error("--policy-dir and --vm do not go together", NULL);

	static const char *const mname[] = {"List", "Get", "Replace", "Remove"};
	char method[64];
	snprintf(method, sizeof method, "policy.%s%s", include ? "include." : "", mname[m]);

	/* the payload */
	char *payload = NULL;
	size_t plen = 0;
	if (m == M_REPLACE) {
		size_t n;
		char *in = read_all_fd(0, PADMIN_PAYLOAD_MAX - 4, &n);
		if (!in) {
			fprintf(stderr, "qubes-policy: cannot read standard input: %s\n",
				strerror(errno));
			return 1;
		}
		payload = malloc(n + 5);
		if (!payload) {
			free(in);
			fprintf(stderr, "qubes-policy: out of memory\n");
			return 1;
		}
		memcpy(payload, "any\n", 4);
		memcpy(payload + 4, in, n);
		plen = n + 4;
		free(in);
	} else if (m == M_REMOVE) {
		payload = strdup("any");
		plen = 3;
		if (!payload) {
			fprintf(stderr, "qubes-policy: out of memory\n");
			return 1;
		}
	}

	/* local when the directory is there (dom0), else through qrexec */
	struct stat st;
	const char *dir = policy_dir ? policy_dir : POLICY_ETC_DIR;
	bool local = !via_vm && (policy_dir || (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
						access(dir, R_OK | X_OK) == 0));
	char *out = NULL;
	size_t olen = 0;
	int rc = 0;
	if (local) {
		struct padmin_opts o = {.policy_dir = dir, .compat_dir = compat_dir};
		struct padmin_out res;
		struct padmin_err err;
		int r = padmin_call(&o, method, m == M_LIST ? "" : name, payload, plen, &res, &err);
		if (r == PADMIN_OK) {
			out = res.data;
			olen = res.len;
		} else {
			if (r == PADMIN_EUSER)
				fprintf(stderr, "%s\n", err.msg);
			else
				fprintf(stderr, "Command failed\n%s\n", err.msg);
			rc = 1;
		}
	} else {
		char *service = NULL;
		if (asprintf(&service, "%s%s%s", method, m == M_LIST ? "" : "+",
			     m == M_LIST ? "" : name) < 0) {
			fprintf(stderr, "qubes-policy: out of memory\n");
			rc = 1;
		} else {
			rc = call_remote(service, payload, plen, &out, &olen);
			free(service);
		}
	}
	free(payload);
	if (rc == 0) {
		if (m == M_LIST) {
			while (olen && out[olen - 1] == '\n')
				olen--;
			if (olen)
				fwrite(out, 1, olen, stdout);
			fputc('\n', stdout);
		} else if (m == M_GET) {
			/* the first line is the token */
			const char *nl = out ? memchr(out, '\n', olen) : NULL;
			if (!nl) {
				fprintf(stderr, "qubes-policy: malformed reply (no token line)\n");
				rc = 1;
			} else {
				const char *s = nl + 1;
				size_t l = olen - (size_t)(s - out);
				while (l && py_space(s[l - 1]))
					l--;
				if (l)
					fwrite(s, 1, l, stdout);
				fputc('\n', stdout);
			}
		}
		if (fflush(stdout) != 0) {
			fprintf(stderr, "qubes-policy: cannot write the output: %s\n",
				strerror(errno));
			rc = 1;
		}
	}
	free(out);
	return rc;
}
