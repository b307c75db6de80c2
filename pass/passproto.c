/* passproto: framing, op table, name and scope rules of the split-pass
 * protocol (see passproto.h). Pure functions over explicit-length buffers. */
#include "pass/passproto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pass/charset.h"

static const uint8_t REQ_MAGIC[4] = {'B', 'H', 'P', 'Q'};
static const uint8_t REP_MAGIC[4] = {'B', 'H', 'P', 'R'};

#define MAX_GENERATE_LEN 65536
#define MAX_TERM 4096
#define MAX_KEYID 256

const char *passproto_strerror(int perr)
{
	switch (perr) {
	case PASS_PERR_OK: return "ok";
	case PASS_PERR_SHORT: return "incomplete message";
	case PASS_PERR_MAGIC: return "not a split-pass message";
	case PASS_PERR_VERSION: return "unsupported protocol version";
	case PASS_PERR_FIELDS: return "too many fields";
	case PASS_PERR_FIELDLEN: return "field too long";
	case PASS_PERR_TRAILING: return "bytes after the last field";
	case PASS_PERR_NOMEM: return "out of memory";
	case PASS_PERR_TOOBIG: return "message too long";
	}
	return "unknown error";
}

/* ---- encoding ---- */

static int put_hdr(struct wbuf *b, const uint8_t magic[4], uint8_t code, uint32_t nfields)
{
	uint8_t h[PASS_HDR_LEN];
	memcpy(h, magic, 4);
	h[4] = PASS_PROTO_VERSION;
	h[5] = code;
	buf_put_le32(h + 6, nfields);
	return wbuf_put_bytes(b, h, sizeof h);
}

int passproto_put_request_hdr(struct wbuf *b, enum pass_op op, uint32_t nfields)
{
	return put_hdr(b, REQ_MAGIC, (uint8_t)op, nfields);
}

int passproto_put_reply_hdr(struct wbuf *b, enum pass_status st, uint32_t nfields)
{
	return put_hdr(b, REP_MAGIC, (uint8_t)st, nfields);
}

int passproto_put_field(struct wbuf *b, const void *p, size_t len)
{
	if (len > PASS_MAX_FIELD)
		return BUF_ELIMIT;
	int r = wbuf_put_u32le(b, (uint32_t)len);
	if (r == BUF_OK && len)
		r = wbuf_put_bytes(b, p, len);
	return r;
}

int passproto_put_str(struct wbuf *b, const char *s)
{
	return passproto_put_field(b, s, strlen(s));
}

/* ---- parsing ---- */

int passproto_parse(const uint8_t *buf, size_t len, bool is_reply, struct pass_msg *m)
{
	m->nfields = 0;
	m->code = 0;
	if (len > PASS_MAX_MSG)
		return PASS_PERR_TOOBIG;
	struct rbuf r;
	rbuf_init(&r, buf, len);
	uint8_t magic[4], ver, code;
	uint32_t n;
	if (rbuf_get_bytes(&r, magic, 4) != BUF_OK)
		return PASS_PERR_SHORT;
	if (memcmp(magic, is_reply ? REP_MAGIC : REQ_MAGIC, 4) != 0)
		return PASS_PERR_MAGIC;
	if (rbuf_get_bytes(&r, &ver, 1) != BUF_OK)
		return PASS_PERR_SHORT;
	if (ver != PASS_PROTO_VERSION)
		return PASS_PERR_VERSION;
	if (rbuf_get_bytes(&r, &code, 1) != BUF_OK || rbuf_get_u32le(&r, &n) != BUF_OK)
		return PASS_PERR_SHORT;
	if (n > (is_reply ? PASS_MAX_REPLY_FIELDS : PASS_MAX_REQ_FIELDS))
		return PASS_PERR_FIELDS;
	/* every field needs at least its length word: a count the bytes
	 * cannot hold is an incomplete message, found before allocating */
	if (n > rbuf_left(&r) / 4)
		return PASS_PERR_SHORT;
	if (n > m->fields_cap) {
		struct pass_field *f = realloc(m->fields, (size_t)n * sizeof *f);
		if (!f)
			return PASS_PERR_NOMEM;
		m->fields = f;
		m->fields_cap = n;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t flen;
		if (rbuf_get_u32le(&r, &flen) != BUF_OK)
			return PASS_PERR_SHORT;
		if (flen > PASS_MAX_FIELD)
			return PASS_PERR_FIELDLEN;
		const uint8_t *p;
		if (rbuf_get_ptr(&r, &p, flen) != BUF_OK)
			return PASS_PERR_SHORT;
		m->fields[i].p = p;
		m->fields[i].len = flen;
	}
	if (rbuf_left(&r) != 0)
		return PASS_PERR_TRAILING;
	m->code = code;
	m->nfields = n;
	return PASS_PERR_OK;
}

void passproto_msg_free(struct pass_msg *m)
{
	free(m->fields);
	m->fields = NULL;
	m->fields_cap = 0;
	m->nfields = 0;
}

/* ---- names and scopes ---- */

static bool is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

bool passproto_name_ok(const uint8_t *p, size_t len, bool allow_root, bool allow_slash)
{
	if (len == 0)
		return allow_root;
	if (len > PASS_MAX_NAME)
		return false;
	if (p[len - 1] == '/') {
		if (!allow_slash)
			return false;
		len--;
		if (len == 0)
			return false;
	}
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '/') {
			if (is_ctl(p[i]))
				return false;
			continue;
		}
		size_t clen = i - start;
		if (clen == 0 || clen > PASS_MAX_COMPONENT || p[start] == '.')
			return false;
		start = i + 1;
	}
	return true;
}

static bool arg_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

void passproto_scope(const uint8_t *name, size_t len, char out[PASS_MAX_SCOPE + 1])
{
	size_t n = 0;
	while (n < len && name[n] != '/')
		n++;
	if (n == 0) {
		out[0] = '\0';
		return;
	}
	bool plain = n <= PASS_MAX_SCOPE && name[0] != '.';
	for (size_t i = 0; plain && i < n; i++)
		plain = arg_char(name[i]);
	if (!plain) {
		strcpy(out, "_");
		return;
	}
	memcpy(out, name, n);
	out[n] = '\0';
}

/* The name fields of a request (indexes), or -1 for an op over the whole
 * store. Returns the count. */
static int name_fields(const struct pass_msg *m, int idx[2])
{
	switch (m->code) {
	case PASS_OP_LIST: case PASS_OP_SHOW: case PASS_OP_EXISTS:
	case PASS_OP_INSERT: case PASS_OP_GENERATE: case PASS_OP_RM:
	case PASS_OP_INIT:
		idx[0] = 0;
		return m->nfields >= 1 ? 1 : 0;
	case PASS_OP_MV: case PASS_OP_CP:
		idx[0] = 0;
		idx[1] = 1;
		return m->nfields >= 2 ? 2 : (int)m->nfields;
	default:
		return -1;
	}
}

void passproto_request_scope(const struct pass_msg *m, char out[PASS_MAX_SCOPE + 1])
{
	int idx[2];
	int n = name_fields(m, idx);
	out[0] = '\0';
	if (n <= 0)
		return;
	char first[PASS_MAX_SCOPE + 1];
	passproto_scope(m->fields[idx[0]].p, m->fields[idx[0]].len, first);
	for (int i = 1; i < n; i++) {
		char s[PASS_MAX_SCOPE + 1];
		passproto_scope(m->fields[idx[i]].p, m->fields[idx[i]].len, s);
		if (strcmp(s, first) != 0)
			return;
	}
	strcpy(out, first);
}

bool passproto_in_scope(const struct pass_msg *m, const char *arg)
{
	if (arg[0] == '\0')
		return true;
	int idx[2];
	int n = name_fields(m, idx);
	if (n <= 0)
		return false;
	for (int i = 0; i < n; i++) {
		char s[PASS_MAX_SCOPE + 1];
		passproto_scope(m->fields[idx[i]].p, m->fields[idx[i]].len, s);
		if (s[0] == '\0' || strcmp(s, arg) != 0)
			return false;
	}
	return true;
}

/* ---- op table ---- */

static bool field_is(const struct pass_field *f, const char *s)
{
	size_t n = strlen(s);
	return f->len == n && memcmp(f->p, s, n) == 0;
}

static bool field_prefix(const struct pass_field *f, const char *s)
{
	size_t n = strlen(s);
	return f->len >= n && memcmp(f->p, s, n) == 0;
}

/* A decimal number of 1..9 digits in [min, max]. */
static bool decimal_ok(const uint8_t *p, size_t len, long min, long max)
{
	if (len == 0 || len > 9)
		return false;
	long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	return v >= min && v <= max;
}

static bool no_nul(const struct pass_field *f)
{
	return memchr(f->p, 0, f->len) == NULL;
}

static bool no_ctl(const struct pass_field *f)
{
	for (size_t i = 0; i < f->len; i++)
		if (is_ctl(f->p[i]))
			return false;
	return true;
}

/* flags: each byte in `allowed`, none twice. */
static bool flags_ok(const struct pass_field *f, const char *allowed)
{
	if (f->len > strlen(allowed))
		return false;
	for (size_t i = 0; i < f->len; i++) {
		if (!f->p[i] || !strchr(allowed, f->p[i]))
			return false;
		if (memchr(f->p, f->p[i], i))
			return false;
	}
	return true;
}

static bool has_flag(const struct pass_field *f, char c)
{
	return memchr(f->p, c, f->len) != NULL;
}

int passproto_grep_option_ok(const struct pass_field *f, size_t n)
{
	static const char *const single[] = {
		"-i", "--ignore-case", "-v", "--invert-match", "-w", "--word-regexp",
		"-x", "--line-regexp", "-E", "--extended-regexp", "-F", "--fixed-strings",
		"-G", "--basic-regexp", "-n", "--line-number", "-c", "--count",
		"-o", "--only-matching", "-l", "--files-with-matches", NULL,
	};
	if (n == 0)
		return 0;
	for (size_t i = 0; single[i]; i++)
		if (field_is(&f[0], single[i]))
			return 1;
	static const char *const ctx[] = {"-A", "-B", "-C", NULL};
	static const char *const ctx_long[] = {
		"--after-context=", "--before-context=", "--context=", NULL};
	for (size_t i = 0; ctx[i]; i++) {
		if (field_is(&f[0], ctx[i]))
			return n >= 2 && decimal_ok(f[1].p, f[1].len, 0, 1000) ? 2 : 0;
		if (field_prefix(&f[0], ctx[i]))
			return decimal_ok(f[0].p + 2, f[0].len - 2, 0, 1000) ? 1 : 0;
		size_t l = strlen(ctx_long[i]);
		if (field_prefix(&f[0], ctx_long[i]))
			return decimal_ok(f[0].p + l, f[0].len - l, 0, 1000) ? 1 : 0;
	}
	return 0;
}

/* git as the vault runs it: R "log" and "status" with a few harmless
 * options, M "init". */
static bool git_ok(const struct pass_msg *m, enum pass_service svc, char *err, size_t errlen)
{
	const struct pass_field *f = m->fields;
	if (field_is(&f[0], "init")) {
		if (m->nfields != 1) {
			snprintf(err, errlen, "git init takes no options here");
			return false;
		}
		return svc == PASS_SVC_MANAGE;
	}
	if (svc != PASS_SVC_READ)
		return false;
	if (field_is(&f[0], "status")) {
		for (uint32_t i = 1; i < m->nfields; i++)
			if (!field_is(&f[i], "--short") && !field_is(&f[i], "-s") &&
			    !field_is(&f[i], "--porcelain")) {
				snprintf(err, errlen, "field %u: git status option not allowed", i);
				return false;
			}
		return true;
	}
	if (field_is(&f[0], "log")) {
		for (uint32_t i = 1; i < m->nfields; i++) {
			if (field_is(&f[i], "--oneline") || field_is(&f[i], "--stat") ||
			    field_is(&f[i], "--name-status"))
				continue;
			if (field_is(&f[i], "-n") && i + 1 < m->nfields &&
			    decimal_ok(f[i + 1].p, f[i + 1].len, 0, 100000000)) {
				i++;
				continue;
			}
			if (f[i].len > 1 && f[i].p[0] == '-' &&
			    decimal_ok(f[i].p + 1, f[i].len - 1, 0, 100000000))
				continue;
			if (field_prefix(&f[i], "--max-count=") &&
			    decimal_ok(f[i].p + 12, f[i].len - 12, 0, 100000000))
				continue;
			snprintf(err, errlen, "field %u: git log option not allowed", i);
			return false;
		}
		return true;
	}
	snprintf(err, errlen, "field 0: git command not allowed (init, log, status)");
	return false;
}

enum pass_service passproto_op_service(const struct pass_msg *m)
{
	switch (m->code) {
	case PASS_OP_LIST: case PASS_OP_SHOW: case PASS_OP_EXISTS:
	case PASS_OP_FIND: case PASS_OP_GREP:
		return PASS_SVC_READ;
	case PASS_OP_GIT:
		return m->nfields >= 1 && field_is(&m->fields[0], "init") ?
		       PASS_SVC_MANAGE : PASS_SVC_READ;
	default:
		return PASS_SVC_MANAGE;
	}
}

const char *passproto_op_name(uint8_t op)
{
	switch (op) {
	case PASS_OP_LIST: return "list";
	case PASS_OP_SHOW: return "show";
	case PASS_OP_EXISTS: return "exists";
	case PASS_OP_FIND: return "find";
	case PASS_OP_GREP: return "grep";
	case PASS_OP_GIT: return "git";
	case PASS_OP_INSERT: return "insert";
	case PASS_OP_GENERATE: return "generate";
	case PASS_OP_RM: return "rm";
	case PASS_OP_MV: return "mv";
	case PASS_OP_CP: return "cp";
	case PASS_OP_INIT: return "init";
	}
	return NULL;
}

const char *passproto_service_name(enum pass_service svc)
{
	return svc == PASS_SVC_READ ? "ruddo.PassRead" :
	       svc == PASS_SVC_MANAGE ? "ruddo.PassManage" : "?";
}

static bool count_ok(const struct pass_msg *m, uint32_t min, uint32_t max,
		     char *err, size_t errlen)
{
	if (m->nfields >= min && m->nfields <= max)
		return true;
	snprintf(err, errlen, "%s takes %u to %u fields, got %u",
		 passproto_op_name(m->code), min, max, m->nfields);
	return false;
}

static bool name_field_ok(const struct pass_msg *m, uint32_t i, bool root, bool slash,
			  char *err, size_t errlen)
{
	if (passproto_name_ok(m->fields[i].p, m->fields[i].len, root, slash))
		return true;
	snprintf(err, errlen, "field %u: invalid name%s", i,
		 m->fields[i].len == 0 ? " (empty)" : "");
	return false;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return false; } while (0)

bool passproto_check_request(const struct pass_msg *m, enum pass_service svc,
			     char *err, size_t errlen)
{
	const char *name = passproto_op_name(m->code);
	if (!name)
		FAIL("unknown op %u", m->code);
	if (m->code == PASS_OP_GIT) {
		if (m->nfields < 1 || m->nfields > 8)
			FAIL("git takes 1 to 8 fields, got %u", m->nfields);
		char gerr[96] = "";
		if (!git_ok(m, svc, gerr, sizeof gerr)) {
			if (gerr[0])
				FAIL("%s", gerr);
			FAIL("git %.*s is not served by %s", (int)(m->fields[0].len > 16 ? 16 :
			     m->fields[0].len), (const char *)m->fields[0].p,
			     passproto_service_name(svc));
		}
		return true;
	}
	enum pass_service want = passproto_op_service(m);
	if (want != svc && !(m->code == PASS_OP_EXISTS && svc == PASS_SVC_MANAGE))
		FAIL("%s is not served by %s", name, passproto_service_name(svc));
	const struct pass_field *f = m->fields;
	switch (m->code) {
	case PASS_OP_LIST:
		return count_ok(m, 1, 1, err, errlen) &&
		       name_field_ok(m, 0, true, true, err, errlen);
	case PASS_OP_SHOW:
		if (!count_ok(m, 2, 2, err, errlen) || !name_field_ok(m, 0, true, true, err, errlen))
			return false;
		if (!decimal_ok(f[1].p, f[1].len, 0, 999999999))
			FAIL("field 1: line must be a decimal number");
		return true;
	case PASS_OP_EXISTS:
		return count_ok(m, 1, 1, err, errlen) &&
		       name_field_ok(m, 0, true, true, err, errlen);
	case PASS_OP_FIND:
		if (!count_ok(m, 1, PASS_MAX_REQ_FIELDS, err, errlen))
			return false;
		for (uint32_t i = 0; i < m->nfields; i++)
			if (f[i].len == 0 || f[i].len > MAX_TERM || !no_ctl(&f[i]))
				FAIL("field %u: invalid search term", i);
		return true;
	case PASS_OP_GREP: {
		if (!count_ok(m, 1, PASS_MAX_REQ_FIELDS, err, errlen))
			return false;
		uint32_t i = 0;
		while (i + 1 < m->nfields) {
			int used = passproto_grep_option_ok(&f[i], m->nfields - 1 - i);
			if (used == 0)
				FAIL("field %u: grep option not allowed", i);
			i += (uint32_t)used;
		}
		if (i != m->nfields - 1)
			FAIL("grep: missing pattern");
		if (!no_nul(&f[i]) || f[i].len > MAX_TERM)
			FAIL("field %u: invalid grep pattern", i);
		return true;
	}
	case PASS_OP_INSERT:
		if (!count_ok(m, 3, 3, err, errlen) || !name_field_ok(m, 0, false, false, err, errlen))
			return false;
		if (!flags_ok(&f[2], "f"))
			FAIL("field 2: invalid flags");
		return true;
	case PASS_OP_GENERATE:
		if (!count_ok(m, 4, 4, err, errlen) || !name_field_ok(m, 0, false, false, err, errlen))
			return false;
		if (!decimal_ok(f[1].p, f[1].len, 1, MAX_GENERATE_LEN))
			FAIL("field 1: length must be a number from 1 to %d", MAX_GENERATE_LEN);
		if (f[2].len == 0 || f[2].len > PASS_CHARSET_MAX_SPEC || !no_nul(&f[2]))
			FAIL("field 2: invalid character set");
		if (!flags_ok(&f[3], "fix") ||
		    has_flag(&f[3], 'f') + has_flag(&f[3], 'i') + has_flag(&f[3], 'x') > 1)
			FAIL("field 3: invalid flags");
		return true;
	case PASS_OP_RM:
		if (!count_ok(m, 2, 2, err, errlen) || !name_field_ok(m, 0, false, true, err, errlen))
			return false;
		if (!flags_ok(&f[1], "rf"))
			FAIL("field 1: invalid flags");
		return true;
	case PASS_OP_MV:
	case PASS_OP_CP:
		if (!count_ok(m, 3, 3, err, errlen) ||
		    !name_field_ok(m, 0, false, true, err, errlen) ||
		    !name_field_ok(m, 1, false, true, err, errlen))
			return false;
		if (!flags_ok(&f[2], "f"))
			FAIL("field 2: invalid flags");
		return true;
	case PASS_OP_INIT:
		if (!count_ok(m, 1, PASS_MAX_REQ_FIELDS, err, errlen) ||
		    !name_field_ok(m, 0, true, true, err, errlen))
			return false;
		for (uint32_t i = 1; i < m->nfields; i++) {
			if (f[i].len == 0) {
				if (m->nfields != 2)
					FAIL("field %u: an empty key id is only allowed alone", i);
				continue;
			}
			if (f[i].len > MAX_KEYID || !no_ctl(&f[i]) || f[i].p[0] == '-')
				FAIL("field %u: invalid key id", i);
		}
		return true;
	}
	FAIL("unknown op %u", m->code);
}
