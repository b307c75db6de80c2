/* rpcconfig: parser for per-service qrexec config files, the TOML subset
 * Qubes' libqrexec accepts (see rpcconfig.h and research/qrexec-protocol.md
 * 3.4). Pure: works line by line over a buffer with an explicit length and
 * never reads past it; the buffer need not be NUL-terminated. */
#include "qrexec/rpcconfig.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files larger than this are rejected outright. */
#define RPC_CONFIG_MAX_LEN ((size_t)64 * 1024)
/* Longest key name quoted in an error message (keys can be any length). */
#define KEY_MSG_MAX 40

enum key_id {
	KEY_WAIT_FOR_SESSION,
	KEY_FORCE_USER,
	KEY_SKIP_SERVICE_DESCRIPTOR,
	KEY_EXIT_ON_SERVICE_EOF,
	KEY_EXIT_ON_CLIENT_EOF,
	KEY_COUNT,
	KEY_UNKNOWN = KEY_COUNT,
};

static const char *const key_names[KEY_COUNT] = {
	[KEY_WAIT_FOR_SESSION] = "wait-for-session",
	[KEY_FORCE_USER] = "force-user",
	[KEY_SKIP_SERVICE_DESCRIPTOR] = "skip-service-descriptor",
	[KEY_EXIT_ON_SERVICE_EOF] = "exit-on-service-eof",
	[KEY_EXIT_ON_CLIENT_EOF] = "exit-on-client-eof",
};

enum value_type { VAL_BOOL, VAL_INTEGER, VAL_STRING };

struct value {
	enum value_type type;
	bool boolean;
	unsigned long long integer;
	const char *str; /* points into the input buffer, not NUL-terminated */
	size_t str_len;
};

/* A view of one line: its bytes and the key found at its start. */
struct line {
	const char *p;
	size_t len;
	size_t lineno;
	const char *key;
	size_t key_len;
};

struct parse_state {
	struct rpc_config *out;
	struct rpc_config_error *err;
	size_t seen_line[KEY_COUNT]; /* 0: key not seen yet */
};

__attribute__((format(printf, 3, 4))) static int
fail(struct parse_state *st, size_t lineno, const char *fmt, ...)
{
	if (st->err) {
		va_list ap;
		st->err->line = lineno;
		va_start(ap, fmt);
		vsnprintf(st->err->msg, sizeof(st->err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_key_byte(char c)
{
	return is_alpha(c) || is_digit(c) || c == '.' || c == '-' || c == '_';
}

static int key_print_len(const struct line *l)
{
	return (int)(l->key_len > KEY_MSG_MAX ? KEY_MSG_MAX : l->key_len);
}

static const char *key_print_dots(const struct line *l)
{
	return l->key_len > KEY_MSG_MAX ? "..." : "";
}

#define KEY_FMT "'%.*s%s'"
#define KEY_ARGS(l) key_print_len(l), (l)->key, key_print_dots(l)

static enum key_id lookup_key(const char *key, size_t key_len)
{
	for (size_t i = 0; i < KEY_COUNT; i++) {
		if (strlen(key_names[i]) == key_len &&
		    memcmp(key_names[i], key, key_len) == 0)
			return (enum key_id)i;
	}
	return KEY_UNKNOWN;
}

/* Parses the value that starts at l->p[pos] and runs to the end of the line,
 * where only blanks and a '#' comment may follow it. */
static int parse_value(struct parse_state *st, const struct line *l,
		       size_t pos, struct value *v)
{
	const char *p = l->p;
	size_t n = l->len;
	size_t end;

	if (pos >= n)
		return fail(st, l->lineno, "key " KEY_FMT ": empty value",
			    KEY_ARGS(l));

	switch (p[pos]) {
	case '0':
		v->type = VAL_INTEGER;
		v->integer = 0;
		end = pos + 1;
		break;
	case '1': case '2': case '3': case '4': case '5':
	case '6': case '7': case '8': case '9':
		v->type = VAL_INTEGER;
		v->integer = 0;
		end = pos;
		while (end < n && is_digit(p[end])) {
			unsigned d = (unsigned)(p[end] - '0');
			if (v->integer > (ULLONG_MAX - d) / 10)
				return fail(st, l->lineno,
					    "key " KEY_FMT ": integer overflow",
					    KEY_ARGS(l));
			v->integer = v->integer * 10 + d;
			end++;
		}
		break;
	case 't':
		if (n - pos < 4 || memcmp(p + pos, "true", 4) != 0)
			return fail(st, l->lineno,
				    "key " KEY_FMT ": unexpected unquoted string"
				    " (only true and false are allowed)",
				    KEY_ARGS(l));
		v->type = VAL_BOOL;
		v->boolean = true;
		end = pos + 4;
		break;
	case 'f':
		if (n - pos < 5 || memcmp(p + pos, "false", 5) != 0)
			return fail(st, l->lineno,
				    "key " KEY_FMT ": unexpected unquoted string"
				    " (only true and false are allowed)",
				    KEY_ARGS(l));
		v->type = VAL_BOOL;
		v->boolean = false;
		end = pos + 5;
		break;
	case '"':
		return fail(st, l->lineno,
			    "key " KEY_FMT ": double-quoted strings are not"
			    " supported, use single quotes",
			    KEY_ARGS(l));
	case '\'': {
		const char *close;
		if (n - pos >= 3 && p[pos + 1] == '\'' && p[pos + 2] == '\'')
			return fail(st, l->lineno,
				    "key " KEY_FMT ": triple-quoted strings are"
				    " not supported",
				    KEY_ARGS(l));
		close = memchr(p + pos + 1, '\'', n - pos - 1);
		if (!close)
			return fail(st, l->lineno,
				    "key " KEY_FMT ": unterminated quoted string",
				    KEY_ARGS(l));
		v->type = VAL_STRING;
		v->str = p + pos + 1;
		v->str_len = (size_t)(close - v->str);
		end = (size_t)(close - p) + 1;
		break;
	}
	default:
		if (p[pos] > ' ' && p[pos] <= '~')
			return fail(st, l->lineno,
				    "key " KEY_FMT ": unsupported start of value"
				    " '%c'",
				    KEY_ARGS(l), p[pos]);
		return fail(st, l->lineno,
			    "key " KEY_FMT ": unsupported byte 0x%02x at start"
			    " of value",
			    KEY_ARGS(l), (unsigned)(unsigned char)p[pos]);
	}

	while (end < n && is_blank(p[end]))
		end++;
	if (end == n || p[end] == '#')
		return 0;
	if (v->type == VAL_INTEGER)
		return fail(st, l->lineno,
			    "key " KEY_FMT ": junk after integer (only decimal"
			    " integers without leading zeros)",
			    KEY_ARGS(l));
	return fail(st, l->lineno, "key " KEY_FMT ": junk after value",
		    KEY_ARGS(l));
}

static const char *type_name(enum value_type t)
{
	switch (t) {
	case VAL_BOOL:
		return "boolean";
	case VAL_INTEGER:
		return "integer";
	case VAL_STRING:
		return "string";
	}
	return "?";
}

static int wrong_type(struct parse_state *st, const struct line *l,
		      const struct value *v, const char *want)
{
	return fail(st, l->lineno, "key " KEY_FMT ": %s value, expected %s",
		    KEY_ARGS(l), type_name(v->type), want);
}

static int apply_bool(struct parse_state *st, const struct line *l,
		      const struct value *v, bool *dst)
{
	if (v->type != VAL_BOOL)
		return wrong_type(st, l, v, "true or false");
	*dst = v->boolean;
	return 0;
}

/* Stores a parsed value under its key. */
static int apply_key(struct parse_state *st, const struct line *l,
		     const struct value *v)
{
	struct rpc_config *out = st->out;
	enum key_id k = lookup_key(l->key, l->key_len);

	if (k == KEY_UNKNOWN)
		return 0; /* unknown keys are ignored */
	if (st->seen_line[k])
		return fail(st, l->lineno,
			    "key " KEY_FMT ": duplicate (first set on line %zu)",
			    KEY_ARGS(l), st->seen_line[k]);
	st->seen_line[k] = l->lineno;

	switch (k) {
	case KEY_WAIT_FOR_SESSION:
		if (v->type == VAL_INTEGER) {
			if (v->integer > 1)
				return fail(st, l->lineno,
					    "key " KEY_FMT ": integer %llu is"
					    " not 0 or 1",
					    KEY_ARGS(l), v->integer);
			out->wait_for_session = v->integer == 1;
			return 0;
		}
		return apply_bool(st, l, v, &out->wait_for_session);
	case KEY_FORCE_USER:
		if (v->type != VAL_STRING)
			return wrong_type(st, l, v, "a single-quoted string");
		out->force_user = malloc(v->str_len + 1);
		if (!out->force_user)
			return fail(st, l->lineno,
				    "key " KEY_FMT ": out of memory",
				    KEY_ARGS(l));
		memcpy(out->force_user, v->str, v->str_len);
		out->force_user[v->str_len] = '\0';
		return 0;
	case KEY_SKIP_SERVICE_DESCRIPTOR:
		return apply_bool(st, l, v, &out->skip_service_descriptor);
	case KEY_EXIT_ON_SERVICE_EOF:
		return apply_bool(st, l, v, &out->exit_on_service_eof);
	case KEY_EXIT_ON_CLIENT_EOF:
		return apply_bool(st, l, v, &out->exit_on_client_eof);
	case KEY_UNKNOWN:
		break;
	}
	return 0;
}

/* Parses one line, already stripped of its line ending and trailing
 * blanks. */
static int parse_line(struct parse_state *st, struct line *l)
{
	const char *p = l->p;
	size_t n = l->len;
	size_t pos;
	struct value v;

	if (n == 0 || p[0] == '#')
		return 0; /* blank line or comment */
	if (p[0] == '[')
		return fail(st, l->lineno,
			    "section headers are not supported");
	if (is_blank(p[0]))
		return fail(st, l->lineno, "unexpected whitespace at start of"
			    " line");
	if (!is_alpha(p[0])) {
		if (p[0] > ' ' && p[0] <= '~')
			return fail(st, l->lineno,
				    "invalid character '%c' at start of key",
				    p[0]);
		return fail(st, l->lineno,
			    "invalid byte 0x%02x at start of key",
			    (unsigned)(unsigned char)p[0]);
	}

	pos = 1;
	while (pos < n && is_key_byte(p[pos]))
		pos++;
	l->key = p;
	l->key_len = pos;
	while (pos < n && is_blank(p[pos]))
		pos++;
	if (pos >= n || p[pos] != '=')
		return fail(st, l->lineno, "key " KEY_FMT ": missing '=' after"
			    " key", KEY_ARGS(l));
	pos++;
	while (pos < n && is_blank(p[pos]))
		pos++;

	memset(&v, 0, sizeof(v));
	if (parse_value(st, l, pos, &v) < 0)
		return -1;
	return apply_key(st, l, &v);
}

/* force-user cannot go with the options that change how the service's
 * socket is driven (upstream load_service_config_v2). */
static int check_combinations(struct parse_state *st)
{
	const struct rpc_config *c = st->out;
	const struct {
		enum key_id key;
		bool set;
	} conflicting[] = {
		{ KEY_SKIP_SERVICE_DESCRIPTOR, c->skip_service_descriptor },
		{ KEY_EXIT_ON_CLIENT_EOF, c->exit_on_client_eof },
		{ KEY_EXIT_ON_SERVICE_EOF, c->exit_on_service_eof },
	};

	if (!c->force_user)
		return 0;
	for (size_t i = 0; i < sizeof(conflicting) / sizeof(conflicting[0]);
	     i++) {
		size_t a = st->seen_line[KEY_FORCE_USER];
		size_t b = st->seen_line[conflicting[i].key];

		if (!conflicting[i].set)
			continue;
		return fail(st, a > b ? a : b,
			    "force-user cannot be combined with %s = true",
			    key_names[conflicting[i].key]);
	}
	return 0;
}

static int parse_all(struct parse_state *st, const char *buf, size_t len)
{
	size_t pos = 0;
	size_t lineno = 0;

	if (!buf && len)
		return fail(st, 0, "no buffer");
	if (len > RPC_CONFIG_MAX_LEN)
		return fail(st, 0, "file too large (%zu bytes, limit %zu)",
			    len, RPC_CONFIG_MAX_LEN);

	while (pos < len) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		struct line l;

		lineno++;
		pos += n + (nl ? 1 : 0);
		if (memchr(start, '\0', n))
			return fail(st, lineno, "NUL byte in line");
		/* Only a CR right before the LF is part of the line ending. */
		if (nl && n > 0 && start[n - 1] == '\r')
			n--;
		/* Trailing blanks go, but (as upstream) never the first byte,
		 * so a blank-only line still counts as leading whitespace. */
		while (n > 1 && is_blank(start[n - 1]))
			n--;

		memset(&l, 0, sizeof(l));
		l.p = start;
		l.len = n;
		l.lineno = lineno;
		if (parse_line(st, &l) < 0)
			return -1;
	}
	return check_combinations(st);
}

int rpc_config_parse(const char *buf, size_t len, struct rpc_config *out,
		     struct rpc_config_error *err)
{
	struct parse_state st;

	memset(out, 0, sizeof(*out));
	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	memset(&st, 0, sizeof(st));
	st.out = out;
	st.err = err;
	if (parse_all(&st, buf, len) < 0) {
		rpc_config_free(out);
		return -1;
	}
	return 0;
}

void rpc_config_free(struct rpc_config *c)
{
	if (!c)
		return;
	free(c->force_user);
	memset(c, 0, sizeof(*c));
}
