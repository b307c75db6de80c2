/* fuzz_sysinfo: libFuzzer target for the system info parser
 * (policy/sysinfo.c). After a successful parse every domain is looked up
 * by name and by uuid:, and the names it refers to (default_dispvm,
 * guivm, relayvm) and some derived keys are looked up too; every field is
 * read so that the sanitizers see any bad pointer. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/sysinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

/* Reads a whole optional string (strlen touches every byte). */
static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

/* A referenced name: if known, the lookup must give a domain of that
 * name (names win over uuid: aliases). */
static void lookup_ref(const struct sysinfo *si, const char *name)
{
	const struct si_domain *d;

	if (!name)
		return;
	d = sysinfo_get(si, name);
	if (d && strncmp(name, "uuid:", 5) != 0)
		CHECK(strcmp(d->name, name) == 0);
	if (d && strncmp(name, "uuid:", 5) == 0)
		CHECK(d->uuid && strcmp(d->uuid, name + 5) == 0);
}

static void check_domain(const struct sysinfo *si, const struct si_domain *d)
{
	char key[600];
	const struct si_domain *e;
	size_t n = 0;

	CHECK(d->name && d->name[0] && strncmp(d->name, "uuid:", 5) != 0);
	CHECK(d->type && d->power_state);
	n += touch(d->type) + touch(d->power_state) + touch(d->icon) + touch(d->label) +
	     touch(d->guivm) + touch(d->relayvm) + touch(d->transport_rpc) +
	     touch(d->default_dispvm) + touch(d->uuid);
	(void)n;

	/* by name: the very domain */
	CHECK(sysinfo_get(si, d->name) == d);

	/* by uuid: one domain with that uuid (the last one if repeated) */
	if (d->uuid) {
		char *k = malloc(strlen(d->uuid) + 6);
		CHECK(k);
		memcpy(k, "uuid:", 5);
		strcpy(k + 5, d->uuid);
		e = sysinfo_get(si, k);
		CHECK(e && e->uuid && strcmp(e->uuid, d->uuid) == 0);
		free(k);
	}

	for (size_t i = 0; i < d->ntags; i++) {
		CHECK(d->tags[i]);
		CHECK(si_has_tag(d, d->tags[i]));
	}
	if (d->ntags == 0)
		CHECK(!si_has_tag(d, "") && !si_has_tag(d, "created-by-dom0"));

	/* the names a domain refers to */
	lookup_ref(si, d->default_dispvm);
	lookup_ref(si, d->guivm);
	lookup_ref(si, d->relayvm);

	/* derived keys: none of these can be a key */
	snprintf(key, sizeof key, "@dispvm:%s", d->name);
	CHECK(!sysinfo_get(si, key));
	snprintf(key, sizeof key, "uuid:%s", d->name);
	e = sysinfo_get(si, key);
	CHECK(!e || (e->uuid && strcmp(e->uuid, d->name) == 0));
	snprintf(key, sizeof key, "%s-dvm", d->name);
	lookup_ref(si, key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sysinfo *si = NULL;
	char err[512];
	int rc;

	memset(err, 0, sizeof err);
	rc = sysinfo_parse((const char *)data, size, &si, err, sizeof err);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(!si && err[0] && memchr(err, '\0', sizeof err));
		return 0;
	}
	CHECK(si);
	for (size_t i = 0; i < si->n; i++)
		check_domain(si, &si->doms[i]);
	CHECK(!sysinfo_get(si, ""));
	lookup_ref(si, "uuid:");
	lookup_ref(si, "dom0");
	lookup_ref(si, "uuid:00000000-0000-0000-0000-000000000000");
	sysinfo_free(si);
	CHECK(!sysinfo_get(NULL, "dom0"));
	return 0;
}
