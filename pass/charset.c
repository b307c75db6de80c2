/* charset: the SET1 syntax of GNU tr(1) in the C locale, as `tr -dc SET`
 * reads it (pass builds generated passwords that way). Two passes, as tr
 * does: first backslash escapes are resolved into bytes that remember
 * whether they were escaped, then bracket constructs, ranges and plain
 * bytes are read from left to right. Pure; no locale, no allocation. */
#include "pass/charset.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct ech {
	uint8_t c;
	bool esc; /* came from a backslash escape: never an operator */
};

static int fail(char *err, size_t errlen, const char *msg)
{
	if (errlen)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/* Resolves backslash escapes. Returns the number of bytes in e. */
static size_t unescape(const uint8_t *s, size_t len, struct ech *e)
{
	size_t j = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			e[j].c = s[i];
			e[j++].esc = false;
			continue;
		}
		if (i + 1 == len) { /* trailing backslash: itself, unescaped */
			e[j].c = '\\';
			e[j++].esc = false;
			continue;
		}
		uint8_t n = s[++i];
		unsigned c;
		switch (n) {
		case 'a': c = '\a'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'v': c = '\v'; break;
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7':
			/* one to three octal digits; a third digit that would
			 * take the value over 0377 is not part of the escape */
			c = n - '0';
			if (i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '7') {
				c = c * 8 + (s[++i] - '0');
				if (i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '7' &&
				    c * 8 + (unsigned)(s[i + 1] - '0') < 256)
					c = c * 8 + (s[++i] - '0');
			}
			break;
		default: c = n; break; /* "\\", and any other byte: itself */
		}
		e[j].c = (uint8_t)c;
		e[j++].esc = true;
	}
	return j;
}

static bool is(const struct ech *e, size_t n, size_t i, uint8_t c)
{
	return i < n && e[i].c == c && !e[i].esc;
}

static bool class_has(const char *name, int c)
{
	if (!strcmp(name, "alnum")) return isalnum(c);
	if (!strcmp(name, "alpha")) return isalpha(c);
	if (!strcmp(name, "blank")) return c == ' ' || c == '\t';
	if (!strcmp(name, "cntrl")) return iscntrl(c);
	if (!strcmp(name, "digit")) return c >= '0' && c <= '9';
	if (!strcmp(name, "graph")) return c > 0x20 && c < 0x7f;
	if (!strcmp(name, "lower")) return c >= 'a' && c <= 'z';
	if (!strcmp(name, "print")) return c >= 0x20 && c < 0x7f;
	if (!strcmp(name, "punct")) return c > 0x20 && c < 0x7f && !isalnum(c);
	if (!strcmp(name, "space")) return c == ' ' || (c >= '\t' && c <= '\r');
	if (!strcmp(name, "upper")) return c >= 'A' && c <= 'Z';
	if (!strcmp(name, "xdigit")) return isxdigit(c);
	return false;
}

static bool class_known(const char *name)
{
	static const char *const names[] = {"alnum", "alpha", "blank", "cntrl",
		"digit", "graph", "lower", "print", "punct", "space", "upper",
		"xdigit", NULL};
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* The closing "D]" of "[D...D]" from index `from` (both unescaped). */
static bool closing_delim(const struct ech *e, size_t n, size_t from, uint8_t d, size_t *at)
{
	for (size_t i = from; i + 1 < n; i++)
		if (is(e, n, i, d) && is(e, n, i + 1, ']')) {
			*at = i;
			return true;
		}
	return false;
}

/* "[c*]" or "[c*N]" at index i (e[i] is '['): 1 with the index of its
 * ']' in *close and whether N is a non-zero count in *counted, 0 when
 * this is not the construct, -1 for a malformed count (octal with a
 * leading 0, else decimal, at most 2^64 - 1). */
static int repeat_at(const struct ech *e, size_t n, size_t i, size_t *close, bool *counted)
{
	if (!is(e, n, i + 2, '*'))
		return 0;
	for (size_t k = i + 3; k < n && !e[k].esc; k++) {
		if (e[k].c != ']')
			continue;
		unsigned base = k > i + 3 && e[i + 3].c == '0' ? 8 : 10;
		uint64_t v = 0;
		for (size_t d = i + 3; d < k; d++) {
			unsigned dig = (unsigned)e[d].c - '0';
			if (dig >= base || v > (UINT64_MAX - dig) / base)
				return -1;
			v = v * base + dig;
		}
		*close = k;
		*counted = v != 0;
		return 1;
	}
	return 0;
}

/* "*digits]" at index i (the shape of a repeat count). */
static bool star_digits_close(const struct ech *e, size_t n, size_t i)
{
	if (!is(e, n, i, '*'))
		return false;
	for (size_t k = i + 1; k < n; k++) {
		if (is(e, n, k, ']'))
			return true;
		if (e[k].c < '0' || e[k].c > '9')
			return false;
	}
	return false;
}

static int parse(const uint8_t *spec, size_t len, bool set[256], char *err, size_t errlen)
{
	if (len > PASS_CHARSET_MAX_SPEC)
		return fail(err, errlen, "character set specification too long");
	if (memchr(spec, 0, len))
		return fail(err, errlen, "NUL byte in character set");
	struct ech e[PASS_CHARSET_MAX_SPEC];
	size_t n = unescape(spec, len, e);
	size_t i = 0;
	while (i + 2 < n) {
		if (is(e, n, i, '[')) {
			if (is(e, n, i + 1, ':') || is(e, n, i + 1, '=')) {
				uint8_t d = e[i + 1].c;
				size_t at;
				if (closing_delim(e, n, i + 2, d, &at)) {
					size_t olen = at - (i + 2);
					if (olen == 0)
						return fail(err, errlen, d == ':' ?
							"missing character class name '[::]'" :
							"missing equivalence class character '[==]'");
					if (d == '=') {
						if (olen == 1) {
							set[e[i + 2].c] = true;
							i = at + 2;
							continue;
						}
					} else {
						char name[16] = "";
						if (olen < sizeof name) {
							for (size_t k = 0; k < olen; k++)
								name[k] = (char)e[i + 2 + k].c;
							name[olen] = '\0';
						}
						if (class_known(name)) {
							for (int c = 0; c < 256; c++)
								if (class_has(name, c))
									set[c] = true;
							i = at + 2;
							continue;
						}
					}
					if (!star_digits_close(e, n, i + 2))
						return fail(err, errlen, d == ':' ?
							"invalid character class" :
							"equivalence class operand must be a single character");
				}
			}
			size_t close;
			bool counted;
			int r = repeat_at(e, n, i, &close, &counted);
			if (r < 0)
				return fail(err, errlen, "invalid repeat count in [c*n] construct");
			if (r > 0 && !counted)
				return fail(err, errlen,
					    "the [c*] repeat construct may not appear in the set");
			if (r > 0) { /* [c*N]: tr takes it as c in SET1 */
				set[e[i + 1].c] = true;
				i = close + 1;
				continue;
			}
		}
		if (is(e, n, i + 1, '-')) {
			uint8_t a = e[i].c, b = e[i + 2].c;
			if (a > b)
				return fail(err, errlen,
					    "range endpoints are in reverse collating sequence order");
			for (unsigned c = a; c <= b; c++)
				set[c] = true;
			i += 3;
		} else {
			set[e[i].c] = true;
			i++;
		}
	}
	for (; i < n; i++)
		set[e[i].c] = true;
	int count = 0;
	for (int c = 0; c < 256; c++)
		count += set[c];
	if (count == 0)
		return fail(err, errlen, "empty character set");
	return count;
}

int pass_charset_parse(const uint8_t *spec, size_t len, bool set[256],
		       char *err, size_t errlen)
{
	memset(set, 0, 256 * sizeof set[0]);
	int r = parse(spec, len, set, err, errlen);
	if (r < 0)
		memset(set, 0, 256 * sizeof set[0]);
	return r;
}
