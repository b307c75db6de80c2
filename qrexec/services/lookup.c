/* lookup: finding a qrexec service and its config (see lookup.h). */
#include "qrexec/services/lookup.h"
#include "lib/fdio.h"
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RPC_CONFIG_MAX (64 * 1024)

const char *service_search_path(void)
{
	const char *p = getenv("QREXEC_SERVICE_PATH");
	return p ? p : DEFAULT_SERVICE_PATH;
}

const char *rpc_config_search_path(void)
{
	const char *p = getenv("QUBES_RPC_CONFIG_PATH");
	return p ? p : DEFAULT_RPC_CONFIG_PATH;
}

/* Tries `name` in every directory of `path`. */
static int lookup_pass(const char *path, const char *name, bool tcp,
		       struct service_file *out)
{
	if (strlen(name) > NAME_MAX)
		return LOOKUP_NOT_FOUND;
	const char *p = path;
	while (*p) {
		const char *colon = strchrnul(p, ':');
		size_t dl = (size_t)(colon - p);
		if (dl > 0) {
			int n = snprintf(out->path, sizeof out->path, "%.*s/%s",
					 (int)dl, p, name);
			if (n < 0 || (size_t)n >= sizeof out->path) {
				LOG_ERR("service path too long: %.*s", (int)dl, p);
				return LOOKUP_ERROR;
			}
			struct stat st;
			if (lstat(out->path, &st) < 0) {
				if (errno != ENOENT) {
					LOG_ERR("cannot look up %s: %m", out->path);
					return LOOKUP_ERROR;
				}
			} else {
				if (S_ISLNK(st.st_mode) && tcp) {
					ssize_t l = readlink(out->path, out->tcp_link,
							     sizeof out->tcp_link - 1);
					if (l < 0) {
						LOG_ERR("cannot read link %s: %m", out->path);
						return LOOKUP_ERROR;
					}
					out->tcp_link[l] = '\0';
					if (strcmp(out->tcp_link, "/dev/tcp") == 0 ||
					    strncmp(out->tcp_link, "/dev/tcp/", 9) == 0) {
						out->kind = SERVICE_TCP;
						return LOOKUP_FOUND;
					}
				}
				if (stat(out->path, &st) < 0) {
					if (errno != ENOENT) {
						LOG_ERR("cannot look up %s: %m", out->path);
						return LOOKUP_ERROR;
					}
					/* broken symlink (ENOENT): not found here */
				} else {
					out->kind = S_ISSOCK(st.st_mode) ? SERVICE_SOCKET
									: SERVICE_EXEC;
					return LOOKUP_FOUND;
				}
			}
		}
		p = *colon ? colon + 1 : colon;
	}
	return LOOKUP_NOT_FOUND;
}

static int lookup_two_pass(const char *path, const struct qrexec_cmd *cmd,
			   bool tcp, struct service_file *out)
{
	char *full = qrexec_cmd_lookup_name(cmd);
	if (!full)
		return LOOKUP_ERROR;
	int r = lookup_pass(path, full, tcp, out);
	free(full);
	if (r == LOOKUP_NOT_FOUND)
		r = lookup_pass(path, cmd->service_name, tcp, out);
	return r;
}

int service_lookup(const char *search_path, const struct qrexec_cmd *cmd,
		   struct service_file *out)
{
	memset(out, 0, sizeof *out);
	return lookup_two_pass(search_path, cmd, true, out);
}

int service_lookup_exact(const char *search_path, const char *name,
			 struct service_file *out)
{
	memset(out, 0, sizeof *out);
	return lookup_pass(search_path, name, false, out);
}

int service_config_load(const char *search_path, const struct qrexec_cmd *cmd,
			struct rpc_config *cfg)
{
	struct service_file f;
	memset(cfg, 0, sizeof *cfg);
	memset(&f, 0, sizeof f);
	int r = lookup_two_pass(search_path, cmd, false, &f);
	if (r == LOOKUP_NOT_FOUND)
		return 0;
	if (r != LOOKUP_FOUND)
		return -1;
	size_t len;
	char *text = read_small_file(f.path, RPC_CONFIG_MAX, &len);
	if (!text) {
		LOG_ERR("cannot read service config %s: %m", f.path);
		return -1;
	}
	struct rpc_config_error err;
	r = rpc_config_parse(text, len, cfg, &err);
	free(text);
	if (r < 0) {
		LOG_ERR("%s:%zu: invalid service config: %s", f.path, err.line, err.msg);
		return -1;
	}
	return 0;
}

static bool valid_port(const char *p, size_t n)
{
	if (n == 0 || n > 5 || p[0] == '0')
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

static int copy_out(char *dst, size_t dl, const char *src, size_t n)
{
	if (n >= dl)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int tcp_target_parse(const char *link, const char *arg, char *host,
		     size_t hostlen, char *port, size_t portlen,
		     const char **err)
{
	const char *h = NULL, *pt = NULL;
	size_t hl = 0, pl = 0;
	bool plus_to_colon = false;
	if (strcmp(link, "/dev/tcp") == 0) {
		if (!arg || !*arg) {
			*err = "no host and port in the argument";
			return -1;
		}
		const char *last = strrchr(arg, '+');
		if (!last) {
			*err = "argument is not HOST+PORT";
			return -1;
		}
		h = arg;
		hl = (size_t)(last - arg);
		pt = last + 1;
		pl = strlen(pt);
		plus_to_colon = true;
	} else if (strncmp(link, "/dev/tcp/", 9) == 0) {
		const char *rest = link + 9;
		const char *slash = strchr(rest, '/');
		if (slash) {
			if (arg && *arg) {
				*err = "service takes no argument";
				return -1;
			}
			h = rest;
			hl = (size_t)(slash - rest);
			pt = slash + 1;
			pl = strlen(pt);
		} else {
			if (!arg || !*arg) {
				*err = "no port in the argument";
				return -1;
			}
			h = rest;
			hl = strlen(rest);
			pt = arg;
			pl = strlen(arg);
		}
	} else {
		*err = "not a /dev/tcp target";
		return -1;
	}
	if (hl == 0) {
		*err = "empty host";
		return -1;
	}
	if (!valid_port(pt, pl)) {
		*err = "bad port";
		return -1;
	}
	if (copy_out(host, hostlen, h, hl) < 0 || copy_out(port, portlen, pt, pl) < 0) {
		*err = "host or port too long";
		return -1;
	}
	for (char *c = host; *c; c++) {
		if (*c == '_') {
			*err = "'_' in host";
			return -1;
		}
		if (plus_to_colon && *c == '+')
			*c = ':';
	}
	return 0;
}
