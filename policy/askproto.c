/* askproto: policy.Ask / policy.Notify messages (see askproto.h). */
#include "policy/askproto.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *with_header(const char *service, json_t *obj, size_t *len)
{
	char *js = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (!js)
		return NULL;
	int hl = snprintf(NULL, 0, "%s dom0 name dom0", service);
	size_t jl = strlen(js);
	char *out = malloc((size_t)hl + 1 + jl + 1);
	if (out) {
		snprintf(out, (size_t)hl + 1, "%s dom0 name dom0", service);
		memcpy(out + hl + 1, js, jl + 1);
		*len = (size_t)hl + 1 + jl;
	}
	free(js);
	return out;
}

char *ask_request_build(const struct pol_request *rq, const struct pol_result *res,
			const struct sysinfo *si, size_t *len)
{
	json_t *o = json_object();
	json_t *targets = json_array();
	json_t *icons = json_object();
	if (!o || !targets || !icons) {
		json_decref(o);
		json_decref(targets);
		json_decref(icons);
		return NULL;
	}
	for (size_t i = 0; i < res->ntargets; i++)
		json_array_append_new(targets, json_string(res->targets[i]));
	for (size_t i = 0; si && i < si->n; i++) {
		const struct si_domain *d = &si->doms[i];
		const char *icon = d->icon ? d->icon : "";
		json_object_set_new(icons, d->name, json_string(icon));
		if (d->template_for_dispvms) {
			char k[300], v[300];
			snprintf(k, sizeof k, "@dispvm:%s", d->name);
			/* upstream shows disposables with the "disp" icon variant:
			 * every "app" replaced, as Python's str.replace */
			size_t vo = 0;
			for (const char *c = icon; *c && vo + 5 < sizeof v;) {
				if (strncmp(c, "app", 3) == 0) {
					memcpy(v + vo, "disp", 4);
					vo += 4;
					c += 3;
				} else {
					v[vo++] = *c++;
				}
			}
			v[vo] = '\0';
			json_object_set_new(icons, k, json_string(v));
		}
	}
	json_object_set_new(o, "source", json_string(res->source));
	json_object_set_new(o, "service", json_string(rq->service));
	json_object_set_new(o, "argument", json_string(rq->argument));
	json_object_set_new(o, "targets", targets);
	json_object_set_new(o, "default_target",
			    json_string(res->default_target ? res->default_target : ""));
	json_object_set_new(o, "icons", icons);
	return with_header("policy.Ask", o, len);
}

char *notify_request_build(const char *resolution, const struct pol_request *rq,
			   const char *source, const char *target, size_t *len)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "resolution", json_string(resolution));
	json_object_set_new(o, "service", json_string(rq->service));
	json_object_set_new(o, "argument", json_string(rq->argument));
	json_object_set_new(o, "source", json_string(source));
	json_object_set_new(o, "target", json_string(target ? target : ""));
	return with_header("policy.Notify", o, len);
}

int ask_answer_parse(const char *buf, size_t len, char **target)
{
	*target = NULL;
	/* tolerate one trailing newline */
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > ASK_ANSWER_MAX || memchr(buf, '\0', len))
		return -1;
	if (len == 4 && memcmp(buf, "deny", 4) == 0)
		return 0;
	if (len > 6 && memcmp(buf, "allow:", 6) == 0) {
		for (size_t i = 6; i < len; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (c <= 0x20 || c >= 0x7f)
				return -1;
		}
		*target = strndup(buf + 6, len - 6);
		return *target ? 1 : -1;
	}
	return -1;
}

static int check_str(json_t *v, const char *key, char **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "field '%s' is not a string", key);
		return -1;
	}
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (n > 255) {
		snprintf(err, errlen, "field '%s' is longer than 255 bytes", key);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "field '%s' contains a control character", key);
			return -1;
		}
	}
	*out = strndup(s, n);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int take_str(json_t *o, const char *key, bool required, char **out, char *err,
		    size_t errlen)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v) {
		if (!required)
			return 0;
		snprintf(err, errlen, "missing field '%s'", key);
		return -1;
	}
	return check_str(v, key, out, err, errlen);
}

int agent_request_parse(const char *buf, size_t len, struct agent_request *out,
			char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (len > ASK_MSG_MAX) {
		snprintf(err, errlen, "request larger than %d bytes", ASK_MSG_MAX);
		return -1;
	}
	const char *nul = memchr(buf, '\0', len);
	if (!nul) {
		snprintf(err, errlen, "no header (missing NUL)");
		return -1;
	}
	size_t hl = (size_t)(nul - buf);
	const char *sp = memchr(buf, ' ', hl);
	if (!sp || sp == buf) {
		snprintf(err, errlen, "bad header");
		return -1;
	}
	out->service = strndup(buf, (size_t)(sp - buf));
	const char *c = sp + 1;
	const char *sp2 = memchr(c, ' ', hl - (size_t)(c - buf));
	out->caller = strndup(c, sp2 ? (size_t)(sp2 - c) : hl - (size_t)(c - buf));
	if (!out->service || !out->caller) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	bool ask = strcmp(out->service, "policy.Ask") == 0;
	if (!ask && strcmp(out->service, "policy.Notify") != 0) {
		snprintf(err, errlen, "unknown service");
		goto bad;
	}
	json_error_t je;
	json_t *o = json_loadb(nul + 1, len - hl - 1, JSON_REJECT_DUPLICATES, &je);
	if (!o || !json_is_object(o)) {
		snprintf(err, errlen, "bad JSON: %s", o ? "not an object" : je.text);
		json_decref(o);
		goto bad;
	}
	int rc = take_str(o, "source", true, &out->source, err, errlen);
	if (!rc)
		rc = take_str(o, "service", true, &out->req_service, err, errlen);
	if (!rc)
		rc = take_str(o, "argument", true, &out->argument, err, errlen);
	if (!rc && ask) {
		rc = take_str(o, "default_target", false, &out->default_target, err, errlen);
		if (!rc && out->default_target && !out->default_target[0]) {
			free(out->default_target);
			out->default_target = NULL;
		}
		json_t *t = json_object_get(o, "targets");
		if (!rc && (!t || !json_is_array(t) || json_array_size(t) > 4096)) {
			snprintf(err, errlen, "field 'targets' is not a list (of at most 4096)");
			rc = -1;
		}
		if (!rc) {
			size_t n = json_array_size(t);
			out->targets = calloc(n ? n : 1, sizeof *out->targets);
			if (!out->targets)
				rc = -1;
			for (size_t i = 0; !rc && i < n; i++) {
				rc = check_str(json_array_get(t, i), "targets", &out->targets[i],
					       err, errlen);
				if (!rc)
					out->ntargets++;
			}
		}
	} else if (!rc) {
		rc = take_str(o, "resolution", true, &out->resolution, err, errlen);
		if (!rc)
			rc = take_str(o, "target", false, &out->target, err, errlen);
	}
	json_decref(o);
	if (rc < 0)
		goto bad;
	return 0;
bad:
	agent_request_free(out);
	return -1;
}

void agent_request_free(struct agent_request *r)
{
	free(r->service);
	free(r->caller);
	free(r->source);
	free(r->req_service);
	free(r->argument);
	for (size_t i = 0; i < r->ntargets; i++)
		free(r->targets[i]);
	free(r->targets);
	free(r->default_target);
	free(r->resolution);
	free(r->target);
	memset(r, 0, sizeof *r);
}
