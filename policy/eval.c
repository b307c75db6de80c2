/* eval: policy evaluation (see eval.h). The comments name the upstream
 * method each part follows (qrexec/policy/parser.py). */
#include "policy/eval.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A verified requested target (IntendedTarget.verify). */
struct itarget {
	enum ptok_kind kind; /* NAME, ADMINVM, DEFAULT, DISPVM or DISPVM_VM */
	const char *text;
	const char *val;
	const struct si_domain *dom; /* NAME: the qube (verified to exist) */
};

static void deny(struct pol_result *res, bool notify, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void deny(struct pol_result *res, bool notify, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof res->reason, fmt, ap);
	va_end(ap);
	res->verdict = POL_DENY;
	res->notify = notify;
	res->targets = NULL;
	res->ntargets = 0;
	res->default_target = NULL;
}

static size_t put(char *o, size_t at, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (at + n >= cap)
		n = at < cap ? cap - at - 1 : 0;
	memcpy(o + at, s, n);
	return at + n;
}

/* "denied by policy FILE:LINE", the most common outcome, without printf */
static void deny_by_rule(struct pol_result *res, const struct rule *r)
{
	res->verdict = POL_DENY;
	res->notify = r->notify;
	res->targets = NULL;
	res->ntargets = 0;
	res->default_target = NULL;
	char num[16];
	size_t k = sizeof num;
	num[--k] = '\0';
	unsigned v = r->line;
	do
		num[--k] = (char)('0' + v % 10);
	while ((v /= 10) && k > 0);
	size_t at = put(res->reason, 0, sizeof res->reason, "denied by policy ");
	at = put(res->reason, at, sizeof res->reason, r->file);
	at = put(res->reason, at, sizeof res->reason, ":");
	at = put(res->reason, at, sizeof res->reason, r->line ? num + k : "None");
	res->reason[at] = '\0';
}

static const char *rule_where(const struct rule *r, char *buf, size_t n)
{
	if (r->line)
		snprintf(buf, n, "%s:%u", r->file, r->line);
	else
		snprintf(buf, n, "%s:None", r->file);
	return buf;
}

int pol_split_service(const char *s, char **service, const char **argument)
{
	const char *plus = strchr(s, '+');
	*service = plus ? strndup(s, (size_t)(plus - s)) : strdup(s);
	*argument = plus ? plus : "+";
	return *service ? 0 : -1;
}

/* strcmp(a, b) == 0, cheaper when the first bytes differ (the common
 * case in a rule scan) */
static inline bool str_eq(const char *a, const char *b)
{
	/* the strings compared in a scan are short: a loop beats a call */
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* match_strings: plain names compared, with uuid:U matching the qube
 * whose uuid is U in either direction. */
static bool match_strings(const struct sysinfo *si, const char *a, const char *b)
{
	if (strncmp(a, "uuid:", 5) == 0) {
		if (strncmp(b, "uuid:", 5) == 0)
			return strcmp(a, b) == 0;
		const struct si_domain *d = sysinfo_get(si, b);
		return d && d->uuid && strcmp(a + 5, d->uuid) == 0;
	}
	if (strncmp(b, "uuid:", 5) == 0) {
		const struct si_domain *d = sysinfo_get(si, a);
		return d && d->uuid && strcmp(b + 5, d->uuid) == 0;
	}
	return str_eq(a, b);
}

/* DispVM.get_dispvm_template: the source's default_dispvm, or NULL. */
static const char *default_dispvm(const struct sysinfo *si, const char *source)
{
	const struct si_domain *d = sysinfo_get(si, source);
	return d ? d->default_dispvm : NULL;
}

/* What one evaluation knows about its source and target, looked up once:
 * the interned copy of each string among the policy's plain names (NULL
 * when no rule names it), and the qubes they are. */
struct evctx {
	const struct sysinfo *si;
	const char *source;
	const char *src_name;          /* interned, or NULL */
	bool src_dom0, src_uuid;
	const struct si_domain *src_dom;
	const struct itarget *it;
	const char *tgt_name;          /* interned, or NULL */
	bool tgt_dom0, tgt_uuid;
	const struct si_domain *tgt_dom;
	bool all;                      /* rules come from a full scan */
};

static void evctx_init(struct evctx *e, const struct policy *p, const struct sysinfo *si,
		       const char *source, const struct itarget *it)
{
	e->si = si;
	e->source = source;
	e->src_name = strmap_get(&p->names, source);
	e->src_dom0 = ptoken_is_dom0(source);
	e->src_uuid = strncmp(source, "uuid:", 5) == 0;
	e->src_dom = sysinfo_get(si, source);
	e->it = it;
	e->tgt_name = strmap_get(&p->names, it->text);
	e->tgt_dom0 = ptoken_is_dom0(it->text);
	e->tgt_uuid = strncmp(it->text, "uuid:", 5) == 0;
	/* only a plain name (dom0 included) can be a key of the system info */
	e->tgt_dom = it->kind == PTOK_NAME ? it->dom : NULL;
}

/* A plain name against a value: interned pointers are compared unless
 * one side is a uuid: form (then the uuids decide). */
static bool match_name(const struct evctx *e, const struct ptoken *t, const char *v,
		       const char *v_name, bool v_dom0, bool v_uuid)
{
	if (t->dom0like)
		return v_dom0;
	if (t->uuid || v_uuid)
		return match_strings(e->si, t->text, v);
	return t->text == v_name;
}

/* Source column: the request's source is a plain string, so the
 * @dispvm:... kinds never match it (as upstream). */
static bool match_source(const struct ptoken *t, const struct evctx *e)
{
	switch (t->kind) {
	case PTOK_ANY: return true;
	case PTOK_ANYVM: return !e->src_dom0;
	case PTOK_ADMINVM: return e->src_dom0;
	case PTOK_NAME:
		return match_name(e, t, e->source, e->src_name, e->src_dom0, e->src_uuid);
	case PTOK_TYPE:
		return e->src_dom && str_eq(e->src_dom->type, t->val);
	case PTOK_TAG:
		return e->src_dom && si_has_tag(e->src_dom, t->val);
	case PTOK_DEFAULT:
	case PTOK_DISPVM:
	case PTOK_DISPVM_VM:
	case PTOK_DISPVM_TAG:
		return false;
	}
	return false;
}

/* Target column against the verified requested target. */
static bool match_target(const struct ptoken *t, const struct evctx *e)
{
	const struct itarget *it = e->it;
	const struct si_domain *d;
	const char *m;
	switch (t->kind) {
	case PTOK_ANY: return true;
	case PTOK_ANYVM: return !e->tgt_dom0;
	case PTOK_ADMINVM: return e->tgt_dom0;
	case PTOK_NAME:
		return match_name(e, t, it->text, e->tgt_name, e->tgt_dom0, e->tgt_uuid);
	case PTOK_DEFAULT: return it->kind == PTOK_DEFAULT;
	case PTOK_TYPE:
		return e->tgt_dom && str_eq(e->tgt_dom->type, t->val);
	case PTOK_TAG:
		return e->tgt_dom && si_has_tag(e->tgt_dom, t->val);
	case PTOK_DISPVM: return it->kind == PTOK_DISPVM;
	case PTOK_DISPVM_VM:
		if (it->kind == PTOK_DISPVM) {
			/* compared as raw strings, uuid forms included */
			m = e->src_dom ? e->src_dom->default_dispvm : NULL;
			return m && strcmp(t->val, m) == 0;
		}
		return it->kind == PTOK_DISPVM_VM && match_strings(e->si, t->val, it->val);
	case PTOK_DISPVM_TAG:
		if (it->kind == PTOK_DISPVM)
			m = e->src_dom ? e->src_dom->default_dispvm : NULL;
		else if (it->kind == PTOK_DISPVM_VM)
			m = it->val;
		else
			return false;
		d = m ? sysinfo_get(e->si, m) : NULL;
		return d && d->template_for_dispvms && si_has_tag(d, t->val);
	}
	return false;
}

/* Where upstream's Target.match raises instead of answering, the call is
 * denied: a @dispvm request against @dispvm:X when the source has no
 * default_dispvm (AttributeError), or against @dispvm:@tag:X when the
 * default_dispvm names no qube (KeyError). */
static bool match_target_fails(const struct ptoken *t, const struct evctx *e)
{
	if (e->it->kind != PTOK_DISPVM ||
	    (t->kind != PTOK_DISPVM_VM && t->kind != PTOK_DISPVM_TAG))
		return false;
	const char *m = e->src_dom ? e->src_dom->default_dispvm : NULL;
	if (t->kind == PTOK_DISPVM_VM)
		return !m;
	return m && !sysinfo_get(e->si, m);
}

static bool match_but_target(const struct rule *r, const struct pol_request *rq,
			     const struct evctx *e, enum pol_step *why)
{
	/* rules from the service index have the right service already */
	if (e->all && r->service && strcmp(r->service, rq->service) != 0) {
		*why = STEP_SERVICE;
		return false;
	}
	if (r->argument && !str_eq(r->argument, rq->argument)) {
		*why = STEP_ARGUMENT;
		return false;
	}
	if (!match_source(&r->source, e)) {
		*why = STEP_SOURCE;
		return false;
	}
	return true;
}

/* IntendedTarget(s).verify(). Returns 0, or -1 after deny(). */
static int verify_target(struct pol_result *res, const struct sysinfo *si, const char *s,
			 struct itarget *out)
{
	struct ptoken t;
	char err[256];
	if (ptoken_parse(&t, s, PTOK_CTX_INTENDED, err, sizeof err) < 0) {
		deny(res, false, "%s", err);
		res->syntax = true;
		return -1;
	}
	out->kind = t.kind;
	out->text = t.text;
	out->val = t.val;
	out->dom = t.kind == PTOK_NAME ? sysinfo_get(si, s) : NULL;
	if (t.kind == PTOK_NAME && !out->dom) {
		out->kind = PTOK_DEFAULT;
		out->text = "@default";
		out->val = NULL;
	} else if (t.kind == PTOK_DISPVM_VM) {
		const struct si_domain *d = sysinfo_get(si, t.val);
		if (!d || !d->template_for_dispvms) {
			deny(res, true, "not a template for dispvm: %s", t.val);
			return -1;
		}
	}
	return 0;
}

/* Action.allow_no_autostart; unknown qubes count as not running. */
static bool allow_no_autostart(const struct sysinfo *si, const char *target)
{
	if (ptoken_is_dom0(target))
		return true;
	if (strncmp(target, "@dispvm", 7) == 0)
		return false;
	const struct si_domain *d = sysinfo_get(si, target);
	return d && strcmp(d->power_state, "Running") == 0;
}

/* ---- ask target collection (AbstractPolicy.collect_targets_for_ask) ---- */

/* The candidate set: upstream keeps strings after uuid_to_name, which are
 * always a qube's name, "@dispvm:" and a qube's name, "@dispvm" or
 * "@adminvm" -- so a flag per qube and per disposable base does, with no
 * hashing. */
struct tset {
	const struct sysinfo *si;
	uint8_t *dom;  /* the qube, by its index in si->doms */
	uint8_t *disp; /* "@dispvm:" + the qube */
	bool dispvm, adminvm;
};

static size_t dom_idx(const struct sysinfo *si, const struct si_domain *d)
{
	return (size_t)(d - si->doms);
}

/* token.expand() followed by uuid_to_name, into the set. Returns -1 on an
 * error upstream would crash on (a @dispvm:X of a missing X): fail
 * closed. */
static int expand(struct tset *s, const struct ptoken *t, bool on, char *err, size_t errlen)
{
	const struct sysinfo *si = s->si;
	const struct si_domain *d;
	uint8_t v = on ? 1 : 0;
	switch (t->kind) {
	case PTOK_NAME:
		d = sysinfo_get(si, t->text);
		if (d)
			s->dom[dom_idx(si, d)] = v;
		return 0;
	case PTOK_ANY:
	case PTOK_ANYVM:
		for (size_t i = 0; i < si->n; i++) {
			d = &si->doms[i];
			if (t->kind == PTOK_ANY || !ptoken_is_dom0(d->name))
				s->dom[i] = v;
			if (d->template_for_dispvms)
				s->disp[i] = v;
		}
		s->dispvm = on;
		return 0;
	case PTOK_ADMINVM:
		s->adminvm = on;
		return 0;
	case PTOK_DEFAULT:
		return 0;
	case PTOK_TYPE:
	case PTOK_TAG:
		for (size_t i = 0; i < si->n; i++) {
			d = &si->doms[i];
			if (t->kind == PTOK_TYPE ? str_eq(d->type, t->val) : si_has_tag(d, t->val))
				s->dom[i] = v;
		}
		return 0;
	case PTOK_DISPVM:
		s->dispvm = on;
		return 0;
	case PTOK_DISPVM_VM:
		d = sysinfo_get(si, t->val);
		if (!d) {
			snprintf(err, errlen, "%s names no qube", t->text);
			return -1;
		}
		if (d->template_for_dispvms)
			s->disp[dom_idx(si, d)] = v;
		return 0;
	case PTOK_DISPVM_TAG:
		for (size_t i = 0; i < si->n; i++) {
			d = &si->doms[i];
			if (d->template_for_dispvms && si_has_tag(d, t->val))
				s->disp[i] = v;
		}
		return 0;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Iterates the rules that may apply to rq's service, in order (merging
 * the service's own list with the wildcard list). */
struct rule_iter {
	const struct policy *p;
	const struct rule_index *own, *wild;
	size_t i, j;
	bool all;    /* scan every rule (trace mode) */
	size_t k;
};

static void iter_init(struct rule_iter *it, const struct policy *p, const char *service, bool all)
{
	memset(it, 0, sizeof *it);
	it->p = p;
	it->all = all;
	policy_lists_for(p, service, &it->own, &it->wild);
}

static const struct rule *iter_next(struct rule_iter *it)
{
	if (it->all)
		return it->k < it->p->nrules ? &it->p->rules[it->k++] : NULL;
	size_t on = it->own ? it->own->n : 0;
	bool a = it->i < on, b = it->j < it->wild->n;
	if (!a && !b)
		return NULL;
	if (a && (!b || it->own->v[it->i] < it->wild->v[it->j]))
		return &it->p->rules[it->own->v[it->i++]];
	return &it->p->rules[it->wild->v[it->j++]];
}

static int collect_targets(const struct policy *p, const struct sysinfo *si,
			   const struct pol_request *rq, const char *source,
			   const struct evctx *ectx, struct pol_result *res)
{
	struct evctx e = *ectx;
	e.all = false; /* the service index */
	/* the candidate rules, then walked in reverse */
	size_t n = 0, cap = 64;
	const struct rule **rs = malloc(cap * sizeof *rs);
	if (!rs)
		return -1;
	struct rule_iter it;
	iter_init(&it, p, rq->service, false);
	const struct rule *r;
	enum pol_step why;
	while ((r = iter_next(&it))) {
		if (!match_but_target(r, rq, &e, &why))
			continue;
		if (n == cap) {
			const struct rule **nr = realloc(rs, cap * 2 * sizeof *rs);
			if (!nr) {
				free(rs);
				return -1;
			}
			rs = nr;
			cap *= 2;
		}
		rs[n++] = r;
	}
	struct tset set = {.si = si};
	set.dom = calloc(si->n ? si->n : 1, 2);
	if (!set.dom) {
		free(rs);
		return -1;
	}
	set.disp = set.dom + (si->n ? si->n : 1);
	int rc = 0;
	char err[256] = "";
	for (size_t k = n; k-- > 0 && rc == 0;) {
		r = rs[k];
		const struct ptoken *t = r->action != PACT_DENY && r->has_redirect ? &r->redirect
										   : &r->target;
		rc = expand(&set, t, r->action != PACT_DENY, err, sizeof err);
		if (rc < 0 && err[0]) {
			char w[600];
			deny(res, true, "%s: %s (while collecting targets to ask)",
			     rule_where(r, w, sizeof w), err);
			rc = -2;
		}
		err[0] = '\0';
	}
	free(rs);
	if (rc == 0 && set.dispvm) {
		/* @dispvm stands for the source's default disposable template */
		const char *dd = default_dispvm(si, source);
		const struct si_domain *dd_dom = dd ? sysinfo_get(si, dd) : NULL;
		if (dd && !dd_dom) {
			/* upstream: KeyError on this candidate */
			deny(res, true, "the default_dispvm %s of %s names no qube (while "
			     "collecting targets to ask)", dd, source);
			rc = -2;
		} else if (dd_dom) {
			set.disp[dom_idx(si, dd_dom)] = 1;
		}
	}
	if (rc == 0 && set.adminvm) {
		const struct si_domain *d0 = sysinfo_get(si, "dom0");
		if (d0)
			set.dom[dom_idx(si, d0)] = 1;
	}
	const struct si_domain *sd = sysinfo_get(si, source);
	if (rc == 0 && sd)
		set.dom[dom_idx(si, sd)] = 0; /* by name and by uuid alike */
	if (rc == 0) {
		size_t cnt = 0;
		for (size_t i = 0; i < si->n; i++)
			cnt += set.dom[i] + set.disp[i];
		const char **v = arena_calloc(&res->a, cnt ? cnt : 1, sizeof *v);
		size_t m = 0;
		/* internal qubes are never offered, nor disposables of them */
		for (size_t i = 0; v && i < si->n; i++) {
			const struct si_domain *d = &si->doms[i];
			if (d->internal)
				continue;
			if (set.dom[i])
				v[m++] = d->name;
			if (set.disp[i]) {
				const char *x = arena_printf(&res->a, "@dispvm:%s", d->name);
				if (!x) {
					v = NULL;
					break;
				}
				v[m++] = x;
			}
		}
		if (!v)
			rc = -1;
		res->targets = v;
		res->ntargets = v ? m : 0;
	}
	free(set.dom);
	return rc;
}

/* ---- actions ---- */

static void eval_allow(const struct rule *r, const struct sysinfo *si, const char *source,
		       const struct itarget *req, struct pol_result *res)
{
	char w[600];
	struct itarget t = *req;
	if (r->has_redirect && verify_target(res, si, r->redirect.text, &t) < 0)
		return;
	if (t.kind == PTOK_DEFAULT) {
		deny(res, true, "policy define 'allow' action at %s but no target is "
		     "specified by caller or policy", rule_where(r, w, sizeof w));
		return;
	}
	const char *target = t.text;
	if (t.kind == PTOK_DISPVM) {
		const char *dd = default_dispvm(si, source);
		if (!dd) {
			deny(res, true, "policy define 'allow' action to @dispvm at %s but "
			     "no DispVM base is set for this VM", rule_where(r, w, sizeof w));
			return;
		}
		target = arena_printf(&res->a, "@dispvm:%s", dd);
	} else if (strcmp(target, "@adminvm") == 0) {
		target = "dom0";
	}
	if (!target) {
		deny(res, false, "out of memory");
		return;
	}
	if (!r->autostart && !allow_no_autostart(si, target)) {
		deny(res, r->notify, "target %s is denied because it would require autostart",
		     target);
		return;
	}
	res->verdict = POL_ALLOW;
	res->target = target;
	res->user = r->user;
	res->autostart = r->autostart;
	res->notify = r->notify;
}

static void eval_ask(const struct policy *p, const struct rule *r, const struct evctx *e,
		     const struct sysinfo *si,
		     const struct pol_request *rq, const char *source,
		     struct pol_result *res)
{
	char w[600];
	if (r->has_redirect) {
		/* not expanded nor checked, as upstream */
		const char **v = arena_calloc(&res->a, 1, sizeof *v);
		if (!v) {
			deny(res, false, "out of memory");
			return;
		}
		v[0] = r->redirect.dom0like ? "dom0" : r->redirect.text;
		res->targets = v;
		res->ntargets = 1;
	} else {
		if (!sysinfo_get(si, source)) {
			deny(res, true, "policy define 'ask' action at %s but the source %s "
			     "is not in the system info", rule_where(r, w, sizeof w), source);
			return;
		}
		int rc = collect_targets(p, si, rq, source, e, res);
		if (rc == -2)
			return; /* denied with a reason */
		if (rc < 0) {
			deny(res, false, "out of memory");
			return;
		}
	}
	if (!r->autostart) {
		size_t m = 0;
		for (size_t i = 0; i < res->ntargets; i++)
			if (allow_no_autostart(si, res->targets[i]))
				res->targets[m++] = res->targets[i];
		res->ntargets = m;
	}
	if (res->ntargets == 0) {
		deny(res, true, "policy define 'ask' action at %s but no target is "
		     "available to choose from", rule_where(r, w, sizeof w));
		return;
	}
	qsort(res->targets, res->ntargets, sizeof res->targets[0], cmp_str);
	const char *def = NULL;
	if (r->has_default) {
		if (r->default_target.kind == PTOK_DISPVM) {
			const char *dd = default_dispvm(si, source);
			def = dd ? arena_printf(&res->a, "@dispvm:%s", dd) : NULL;
		} else if (r->default_target.dom0like) {
			def = "dom0";
		} else {
			def = r->default_target.text;
		}
	}
	if (def) {
		bool found = false;
		for (size_t i = 0; i < res->ntargets && !found; i++)
			found = strcmp(res->targets[i], def) == 0;
		if (!found)
			def = NULL; /* upstream logs a warning and drops it */
	}
	res->verdict = POL_ASK;
	res->default_target = def;
	res->user = r->user;
	res->autostart = r->autostart;
	res->notify = r->notify;
}

int pol_evaluate(const struct policy *p, const struct sysinfo *si,
		 const struct pol_request *rq, struct pol_result *res,
		 pol_trace_fn trace, void *tctx)
{
	memset(res, 0, sizeof *res);
	arena_init(&res->a);
	res->verdict = POL_DENY;
	res->notify = true;
	res->source = rq->source;

	/* Request.__init__ */
	struct itarget it;
	if (verify_target(res, si, rq->target[0] ? rq->target : "@default", &it) < 0)
		return 0;
	res->intended_target = it.text;
	const char *source = rq->source;
	if (rq->requested_source && rq->requested_source[0]) {
		const struct si_domain *d = sysinfo_get(si, rq->requested_source);
		if (!d) {
			deny(res, true, "unknown requested source qube '%s'", rq->requested_source);
			return 0;
		}
		if (strcmp(d->type, "RemoteVM") != 0) {
			deny(res, true, "%s: requested source is only authorized for RemoteVM",
			     rq->requested_source);
			return 0;
		}
		if (!d->relayvm || strcmp(d->relayvm, rq->source) != 0) {
			deny(res, true, "%s is not a relay for %s", rq->source, rq->requested_source);
			return 0;
		}
		res->relayvm = rq->source;
		source = rq->requested_source;
		res->source = source;
	}

	/* find_matching_rule */
	struct evctx e;
	evctx_init(&e, p, si, source, &it);
	e.all = trace != NULL;
	struct rule_iter iter;
	iter_init(&iter, p, rq->service, e.all);
	const struct rule *r;
	while ((r = iter_next(&iter))) {
		enum pol_step why;
		if (!match_but_target(r, rq, &e, &why)) {
			if (trace)
				trace(tctx, r, why);
			continue;
		}
		if (match_target_fails(&r->target, &e)) {
			if (trace)
				trace(tctx, r, STEP_MATCH);
			char w[600];
			res->rule = r;
			deny(res, true, "%s: @dispvm requested but the default_dispvm of %s is "
			     "not set or names no qube, so %s cannot be compared (upstream "
			     "crashes)", rule_where(r, w, sizeof w), source, r->target.text);
			return 0;
		}
		if (!match_target(&r->target, &e)) {
			if (trace)
				trace(tctx, r, STEP_TARGET);
			continue;
		}
		if (trace)
			trace(tctx, r, STEP_MATCH);
		break;
	}
	if (!r) {
		deny(res, true, "no matching rule found");
		return 0;
	}
	res->rule = r;
	switch (r->action) {
	case PACT_DENY:
		deny_by_rule(res, r);
		break;
	case PACT_ALLOW:
		eval_allow(r, si, source, &it, res);
		break;
	case PACT_ASK:
		eval_ask(p, r, &e, si, rq, source, res);
		break;
	}
	return 0;
}

void pol_result_free(struct pol_result *res)
{
	arena_free(&res->a);
	res->targets = NULL;
	res->ntargets = 0;
}

void pol_ask_answer(struct pol_result *res, const struct sysinfo *si, const char *chosen)
{
	(void)si;
	char w[600];
	if (res->verdict != POL_ASK)
		return;
	if (!chosen) {
		deny(res, res->rule->notify, "denied by the user %s",
		     rule_where(res->rule, w, sizeof w));
		return;
	}
	for (size_t i = 0; i < res->ntargets; i++) {
		if (strcmp(res->targets[i], chosen) == 0) {
			res->verdict = POL_ALLOW;
			res->target = res->targets[i];
			res->targets = NULL;
			res->ntargets = 0;
			res->default_target = NULL;
			return;
		}
	}
	char c[256];
	snprintf(c, sizeof c, "%s", chosen);
	deny(res, true, "target %s is not a valid choice", c);
}

/* arena_printf in one pass when the text fits a stack buffer */
static const char *fmt_reply(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *fmt_reply(struct arena *a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	if ((size_t)n < sizeof buf)
		return arena_strndup(a, buf, (size_t)n);
	char *p = arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

const char *pol_format_allow(struct pol_result *res, const struct sysinfo *si,
			     const struct pol_request *rq)
{
	(void)rq;
	const char *target = res->target;
	const char *user = res->user && res->user[0] ? res->user : "DEFAULT";
	const char *auto_s = res->autostart ? "True" : "False";
	char psrc[300] = "";
	if (res->relayvm)
		snprintf(psrc, sizeof psrc, "\npolicy_source=%s", res->source);

	/* AllowResolution.execute */
	const struct si_domain *sd = sysinfo_get(si, res->source);
	const struct si_domain *td0 = sysinfo_get(si, target);
	if (strcmp(res->source, target) == 0 || (sd && td0 && sd == td0)) {
		/* upstream compares the strings only; the same qube named by
		 * its uuid is refused too */
		deny(res, true, "loopback qrexec connection not supported");
		return NULL;
	}
	if (ptoken_is_dom0(target))
		return fmt_reply(&res->a,
				    "user=%s\nresult=allow\ntarget=dom0\nautostart=%s\nrequested_target=%s",
				    user, auto_s, res->intended_target);
	if (strncmp(target, "@dispvm:", 8) == 0) {
		const struct si_domain *d = sysinfo_get(si, target + 8);
		if (!d || !d->uuid) {
			deny(res, true, "%s: no such disposable template (or it has no uuid)",
			     target);
			return NULL;
		}
		return fmt_reply(&res->a,
				    "user=%s\nresult=allow\ntarget=%s\ntarget_uuid=@dispvm:uuid:%s\n"
				    "autostart=%s\nrequested_target=%s%s",
				    user, target, d->uuid, auto_s, res->intended_target, psrc);
	}
	const struct si_domain *td = td0;
	if (!td || !td->uuid) {
		deny(res, true, "%s: no such qube (or it has no uuid)", target);
		return NULL;
	}
	if (strcmp(td->type, "RemoteVM") == 0) {
		if (!td->relayvm || !td->relayvm[0]) {
			deny(res, true, "%s: relayvm is not set", target);
			return NULL;
		}
		if (!td->transport_rpc || !td->transport_rpc[0]) {
			deny(res, true, "%s: transport RPC is not set", target);
			return NULL;
		}
		const struct si_domain *relay = sysinfo_get(si, td->relayvm);
		if (!relay || !relay->uuid) {
			deny(res, true, "%s: relay %s is not a known qube", target, td->relayvm);
			return NULL;
		}
		/* user= is not supported toward a RemoteVM (upstream warns) */
		return fmt_reply(&res->a,
				    "user=DEFAULT\nresult=allow\ntarget=%s\ntarget_uuid=uuid:%s\n"
				    "autostart=%s\nrequested_target=%s\nservice=%s+%s+%s%s%s",
				    td->relayvm, relay->uuid, auto_s, res->intended_target,
				    td->transport_rpc, res->intended_target, rq->service,
				    rq->argument, psrc);
	}
	return fmt_reply(&res->a,
			    "user=%s\nresult=allow\ntarget=%s\ntarget_uuid=uuid:%s\n"
			    "autostart=%s\nrequested_target=%s%s",
			    user, target, td->uuid, auto_s, res->intended_target, psrc);
}

const char *pol_decide(const struct policy *p, const struct sysinfo *si,
		       const struct pol_request *rq, bool just_evaluate,
		       bool assume_yes, struct pol_result *res)
{
	if (pol_evaluate(p, si, rq, res, NULL, NULL) < 0)
		return "result=deny";
	if (res->verdict == POL_ASK) {
		if (assume_yes) {
			pol_ask_answer(res, si, res->intended_target);
		} else {
			/* non-interactive: an ask is a deny, without notification */
			deny(res, false, "denied for non-interactive ask");
		}
	}
	if (res->verdict != POL_ALLOW)
		return "result=deny";
	if (just_evaluate)
		return "result=allow";
	const char *out = pol_format_allow(res, si, rq);
	return out ? out : "result=deny";
}
