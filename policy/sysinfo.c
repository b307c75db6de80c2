/* sysinfo: parsing internal.GetSystemInfo JSON (see sysinfo.h), with
 * jansson for the JSON itself. */
#include "policy/sysinfo.h"
#include "lib/names.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Python truthiness of a JSON value (the `internal` feature is any). */
static bool truthy(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: case JSON_FALSE: return false;
	case JSON_TRUE: return true;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0.0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_OBJECT: return json_object_size(v) > 0;
	}
	return false;
}

/* A string without NUL bytes, copied into the arena. */
static int get_str(struct sysinfo *si, const char *dom, json_t *o, const char *key,
		   bool nullable, const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || (nullable && json_is_null(v)))
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "system info: domain '%s': field '%s' is not a %s",
			 dom, key, nullable ? "string or null" : "string");
		return -1;
	}
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (memchr(s, '\0', n)) {
		snprintf(err, errlen, "system info: domain '%s': field '%s' contains NUL",
			 dom, key);
		return -1;
	}
	*out = arena_strndup(&si->a, s, n);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int get_bool(const char *dom, json_t *o, const char *key, bool *out,
		    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	*out = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "system info: domain '%s': field '%s' is not a boolean",
			 dom, key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

static int parse_domain(struct sysinfo *si, struct si_domain *d, const char *name,
			size_t nlen, json_t *o, char *err, size_t errlen)
{
	if (nlen == 0 || memchr(name, '\0', nlen)) {
		snprintf(err, errlen, "system info: empty domain name or NUL in a name");
		return -1;
	}
	if (!json_is_object(o)) {
		snprintf(err, errlen, "system info: domain '%s' is not an object", name);
		return -1;
	}
	memset(d, 0, sizeof *d);
	d->name = arena_strndup(&si->a, name, nlen);
	if (!d->name) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (get_str(si, name, o, "uuid", true, &d->uuid, err, errlen) < 0 ||
	    get_str(si, name, o, "type", false, &d->type, err, errlen) < 0 ||
	    get_str(si, name, o, "default_dispvm", true, &d->default_dispvm, err, errlen) < 0 ||
	    get_str(si, name, o, "power_state", false, &d->power_state, err, errlen) < 0 ||
	    get_str(si, name, o, "icon", true, &d->icon, err, errlen) < 0 ||
	    get_str(si, name, o, "label", true, &d->label, err, errlen) < 0 ||
	    get_str(si, name, o, "guivm", true, &d->guivm, err, errlen) < 0 ||
	    get_str(si, name, o, "relayvm", true, &d->relayvm, err, errlen) < 0 ||
	    get_str(si, name, o, "transport_rpc", true, &d->transport_rpc, err, errlen) < 0 ||
	    get_bool(name, o, "template_for_dispvms", &d->template_for_dispvms, err, errlen) < 0)
		return -1;
	if (!d->type)
		d->type = "";
	if (!d->power_state)
		d->power_state = "";
	json_t *internal = json_object_get(o, "internal");
	d->internal = internal && truthy(internal);
	json_t *tags = json_object_get(o, "tags");
	if (tags && !json_is_null(tags)) {
		if (!json_is_array(tags)) {
			snprintf(err, errlen, "system info: domain '%s': field 'tags' is not a list",
				 name);
			return -1;
		}
		d->ntags = json_array_size(tags);
		d->tags = arena_calloc(&si->a, d->ntags ? d->ntags : 1, sizeof *d->tags);
		if (!d->tags) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t i = 0; i < d->ntags; i++) {
			json_t *t = json_array_get(tags, i);
			if (!json_is_string(t) || memchr(json_string_value(t), '\0',
							 json_string_length(t))) {
				snprintf(err, errlen,
					 "system info: domain '%s': tag %zu is not a string", name, i);
				return -1;
			}
			d->tags[i] = arena_strndup(&si->a, json_string_value(t),
						   json_string_length(t));
			if (!d->tags[i]) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
	}
	return 0;
}

int sysinfo_parse(const char *buf, size_t len, struct sysinfo **out, char *err, size_t errlen)
{
	*out = NULL;
	if (len > SYSINFO_MAX_BYTES) {
		snprintf(err, errlen, "system info: larger than %u bytes", SYSINFO_MAX_BYTES);
		return -1;
	}
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!root) {
		snprintf(err, errlen, "system info: line %d column %d: %s", je.line,
			 je.column, je.text);
		return -1;
	}
	int rc = -1;
	struct sysinfo *si = calloc(1, sizeof *si);
	if (!si) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	arena_init(&si->a);
	strmap_init(&si->by_key);
	si->refs = 1;
	json_t *doms = json_is_object(root) ? json_object_get(root, "domains") : NULL;
	if (!doms || !json_is_object(doms)) {
		snprintf(err, errlen, "system info: no \"domains\" object");
		goto out;
	}
	size_t n = json_object_size(doms);
	si->doms = arena_calloc(&si->a, n ? n : 1, sizeof *si->doms);
	if (!si->doms) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	const char *key;
	size_t klen;
	json_t *val;
	json_object_keylen_foreach(doms, key, klen, val) {
		struct si_domain *d = &si->doms[si->n];
		if (parse_domain(si, d, key, klen, val, err, errlen) < 0)
			goto out;
		/* only qube names as Qubes allows them: a key such as
		 * "@dispvm:x" or "uuid:..." would alias a policy token */
		if (!names_valid_domain_name(d->name, strlen(d->name))) {
			snprintf(err, errlen, "system info: invalid qube name '%s'", d->name);
			goto out;
		}
		si->n++;
		if (strmap_put(&si->by_key, d->name, d) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	/* uuid aliases after all names, so a name always wins */
	for (size_t i = 0; i < si->n; i++) {
		struct si_domain *d = &si->doms[i];
		if (!d->uuid)
			continue;
		const char *k = arena_printf(&si->a, "uuid:%s", d->uuid);
		if (!k || strmap_put(&si->by_key, k, d) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	*out = si;
	si = NULL;
	rc = 0;
out:
	sysinfo_free(si);
	json_decref(root);
	return rc;
}

struct sysinfo *sysinfo_ref(struct sysinfo *si)
{
	if (si)
		si->refs++;
	return si;
}

void sysinfo_free(struct sysinfo *si)
{
	if (!si || --si->refs > 0)
		return;
	strmap_free(&si->by_key);
	arena_free(&si->a);
	free(si);
}

const struct si_domain *sysinfo_get(const struct sysinfo *si, const char *key)
{
	return si ? strmap_get(&si->by_key, key) : NULL;
}

bool si_has_tag(const struct si_domain *d, const char *tag)
{
	for (size_t i = 0; i < d->ntags; i++) {
		const char *a = d->tags[i], *b = tag;
		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (*a == *b)
			return true;
	}
	return false;
}

int sysinfo_load_file(const char *path, struct sysinfo **out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > SYSINFO_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path,
			 SYSINFO_MAX_BYTES);
		close(fd);
		return -1;
	}
	size_t len = (size_t)st.st_size, n = 0;
	char *buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (n < len) {
		ssize_t r = read(fd, buf + n, len - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	char e2[512];
	int rc = sysinfo_parse(buf, n, out, e2, sizeof e2);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, e2);
	free(buf);
	return rc;
}
