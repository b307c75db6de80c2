/* test_registry: unit tests for domains/registry (bulkheadd's SQLite
 * state): a new file gets the schema, its version and WAL; everything
 * round-trips through close and reopen; a newer schema, a damaged file,
 * a file that is not SQLite, an SQLite file that is not ours, an empty
 * file and rows that contradict each other are refused with a clear
 * message and the file's bytes are unchanged afterwards; every write call
 * is one transaction touching only its own rows, as many with 10 qubes as
 * with 300 (rows counted by triggers, transactions by the WAL's commit
 * frames); a write the database refuses leaves memory unchanged. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domains/app.h"
#include "domains/registry.h"

struct fx {
	char dir[64];
	char db[128];
	char wal[140];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	/* tmpfs when there is one: many small transactions */
	snprintf(f->dir, sizeof f->dir, "%s/bh-reg.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/qubes.db", f->dir);
	snprintf(f->wal, sizeof f->wal, "%s-wal", f->db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	int r = system(cmd);
	free(f);
	return r == 0 ? 0 : -1;
}

/* ---- helpers ---- */

static sqlite3 *side_open(const char *path)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void side_exec(sqlite3 *db, const char *sql)
{
	char *e = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK)
		fail_msg("%s: %s", sql, e);
}

static long long side_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	long long v = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void side_text(sqlite3 *db, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	out[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return b;
}

static void spew(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	fclose(fp);
}

static bool wal_empty(const struct fx *f)
{
	struct stat st;
	return stat(f->wal, &st) < 0 || st.st_size == 0;
}

/* A registry with dom0, a template and two AppVMs with props, tags and
 * features, closed again. */
static void make_world(const struct fx *f)
{
	struct registry *r;
	char e[512];
	struct app a;
	struct admin_err err;
	assert_int_equal(registry_open(f->db, &r, e, sizeof e), 0);
	assert_int_equal(app_init(&a, r, &err), 0);
	assert_non_null(app_create(&a, VMC_TEMPLATE, "tpl", "black", NULL, "dom0", &err));
	assert_int_equal(app_prop_set(&a, NULL, "default_template", "tpl", 3, &err), 0);
	struct domain *w = app_create(&a, VMC_APP, "work", "blue", NULL, "dom0", &err);
	assert_non_null(w);
	assert_non_null(app_create(&a, VMC_APP, "vault", "black", NULL, "dom0", &err));
	assert_int_equal(app_prop_set(&a, w, "vcpus", "3", 1, &err), 0);
	assert_int_equal(app_tag_set(&a, w, "t1", &err), 0);
	assert_int_equal(app_feature_set(&a, w, "f1", "v1", 2, &err), 0);
	app_free(&a);
	registry_close(r);
}

/* Expects registry_open (and, if that works, app_init) to refuse f->db
 * with a message containing `why`, and the file to be byte-identical. */
static void expect_refused(const struct fx *f, const char *why)
{
	size_t n0, n1;
	uint8_t *before = slurp(f->db, &n0);
	struct registry *r = NULL;
	char e[512] = "";
	int rc = registry_open(f->db, &r, e, sizeof e);
	if (rc == 0) {
		struct app a;
		struct admin_err err = {0};
		rc = app_init(&a, r, &err);
		snprintf(e, sizeof e, "%s", err.msg);
		if (rc == 0)
			app_free(&a);
		registry_close(r);
		if (rc == 0)
			fail_msg("%s accepted", f->db);
	} else {
		assert_null(r);
	}
	if (!strstr(e, why))
		fail_msg("message \"%s\" should mention \"%s\"", e, why);
	assert_non_null(strstr(e, f->db)); /* names the file */
	uint8_t *after = slurp(f->db, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
	assert_true(wal_empty(f));
	free(before);
	free(after);
}

/* ---- creation and round trip ---- */

static void new_file(void **state)
{
	struct fx *f = *state;
	struct registry *r;
	char e[512];
	assert_int_equal(registry_open(f->db, &r, e, sizeof e), 0);
	assert_true(registry_is_new(r));
	struct app a;
	struct admin_err err;
	assert_int_equal(app_init(&a, r, &err), 0);
	app_free(&a);
	registry_close(r);
	sqlite3 *db = side_open(f->db);
	char v[64];
	side_text(db, "SELECT value FROM meta WHERE key='schema_version'", v, sizeof v);
	char want[16];
	snprintf(want, sizeof want, "%d", REGISTRY_SCHEMA_VERSION);
	assert_string_equal(v, want);
	side_text(db, "PRAGMA journal_mode", v, sizeof v);
	assert_string_equal(v, "wal");
	assert_int_equal(side_int(db, "SELECT count(*) FROM domains"), 1);
	side_text(db, "SELECT name || ' ' || class || ' ' || uuid FROM domains WHERE qid=0", v,
		  sizeof v);
	assert_string_equal(v, "dom0 AdminVM 00000000-0000-0000-0000-000000000000");
	assert_int_equal(side_int(db, "SELECT count(*) FROM labels"), 8);
	side_text(db, "SELECT name || '=' || color FROM labels WHERE idx=6", v, sizeof v);
	assert_string_equal(v, "blue=0x3465a4");
	side_text(db, "PRAGMA integrity_check", v, sizeof v);
	assert_string_equal(v, "ok");
	sqlite3_close(db);
	/* opened again: not new */
	assert_int_equal(registry_open(f->db, &r, e, sizeof e), 0);
	assert_false(registry_is_new(r));
	registry_close(r);
}

static void open_errors(void **state)
{
	struct fx *f = *state;
	struct registry *r = (struct registry *)1;
	char e[512] = "";
	char path[200];
	snprintf(path, sizeof path, "%s/no/such/dir/qubes.db", f->dir);
	assert_int_equal(registry_open(path, &r, e, sizeof e), -1);
	assert_null(r);
	assert_non_null(strstr(e, path));
	assert_string_equal(registry_error(NULL), "no database");
	/* a directory in place of the file */
	snprintf(path, sizeof path, "%s/adir", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(registry_open(path, &r, e, sizeof e), -1);
	assert_non_null(strstr(e, path));
}

static void round_trip(void **state)
{
	struct fx *f = *state;
	make_world(f);
	for (int pass = 0; pass < 3; pass++) {
		struct registry *r;
		char e[512];
		struct app a;
		struct admin_err err;
		assert_int_equal(registry_open(f->db, &r, e, sizeof e), 0);
		assert_false(registry_is_new(r));
		assert_int_equal(app_init(&a, r, &err), 0);
		assert_int_equal(a.ndoms, 4);
		struct domain *w = app_find(&a, "work");
		assert_non_null(w);
		assert_int_equal(w->cls, VMC_APP);
		assert_int_equal(w->qid, 2);
		char v[64];
		assert_string_equal(app_prop_str(&a, w, "vcpus", v, sizeof v), "3");
		assert_string_equal(app_prop_str(&a, w, "label", v, sizeof v), "blue");
		assert_string_equal(app_prop_str(&a, w, "template", v, sizeof v), "tpl");
		assert_string_equal(app_prop_str(&a, NULL, "default_template", v, sizeof v), "tpl");
		assert_true(app_has_tag(w, "t1"));
		assert_true(app_has_tag(w, "created-by-dom0"));
		assert_string_equal(app_feature(w, "f1"), "v1");
		assert_int_equal(app_find(&a, "tpl")->cls, VMC_TEMPLATE);
		assert_int_equal(app_find(&a, "vault")->qid, 3);
		/* each pass adds a change that the next one must see */
		char name[16];
		snprintf(name, sizeof name, "p%d", pass);
		assert_int_equal(app_tag_set(&a, w, name, &err), 0);
		for (int k = 0; k < pass; k++) {
			snprintf(name, sizeof name, "p%d", k);
			assert_true(app_has_tag(w, name));
		}
		app_free(&a);
		registry_close(r);
	}
	sqlite3 *db = side_open(f->db);
	char v[16];
	side_text(db, "PRAGMA integrity_check", v, sizeof v);
	assert_string_equal(v, "ok");
	sqlite3_close(db);
}

/* ---- refusals ---- */

static void newer_schema(void **state)
{
	struct fx *f = *state;
	make_world(f);
	sqlite3 *db = side_open(f->db);
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE meta SET value='%d' WHERE key='schema_version'",
		 REGISTRY_SCHEMA_VERSION + 1);
	side_exec(db, sql);
	sqlite3_close(db);
	expect_refused(f, "newer");
	expect_refused(f, "nothing was changed");
	/* the version it found is named */
	char v[8];
	snprintf(v, sizeof v, "%d", REGISTRY_SCHEMA_VERSION + 1);
	expect_refused(f, v);
}

static void missing_schema_version(void **state)
{
	struct fx *f = *state;
	make_world(f);
	sqlite3 *db = side_open(f->db);
	side_exec(db, "DELETE FROM meta");
	sqlite3_close(db);
	expect_refused(f, "schema version");
}

static void not_sqlite(void **state)
{
	struct fx *f = *state;
	const char *text = "<qubes>\n  <domains/>\n</qubes>\n";
	spew(f->db, text, strlen(text));
	expect_refused(f, "refusing");
	/* a file of random bytes, a few pages long */
	uint8_t junk[8192];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 2654435761u >> 13);
	spew(f->db, junk, sizeof junk);
	expect_refused(f, "refusing");
}

static void foreign_sqlite(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	side_exec(db, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);"
		      "INSERT INTO notes VALUES (1, 'keep me')");
	sqlite3_close(db);
	expect_refused(f, "not a bulkhead registry");
}

static void empty_file(void **state)
{
	struct fx *f = *state;
	spew(f->db, "", 0);
	expect_refused(f, "not a bulkhead registry");
}

/* Overwrites n bytes at off with a pattern. */
static void damage(const struct fx *f, long off, size_t n)
{
	size_t len;
	uint8_t *b = slurp(f->db, &len);
	assert_true((size_t)off + n <= len);
	for (size_t i = 0; i < n; i++)
		b[off + (long)i] = (uint8_t)(0xa5 ^ i);
	spew(f->db, b, len);
	free(b);
}

static void corrupt_pages(void **state)
{
	struct fx *f = *state;
	make_world(f);
	size_t len;
	free(slurp(f->db, &len));
	assert_true(len >= 4 * 4096);
	/* everything after the 100-byte file header */
	damage(f, 100, len - 100);
	expect_refused(f, "refusing");
}

static void corrupt_one_page(void **state)
{
	struct fx *f = *state;
	make_world(f);
	size_t len;
	free(slurp(f->db, &len));
	/* the b-tree page header of the last page */
	damage(f, (long)len - 4096, 64);
	expect_refused(f, "refusing");
}

static void truncated(void **state)
{
	struct fx *f = *state;
	make_world(f);
	size_t len;
	uint8_t *b = slurp(f->db, &len);
	spew(f->db, b, len / 2);
	free(b);
	expect_refused(f, "refusing");
}

static void bad_magic(void **state)
{
	struct fx *f = *state;
	make_world(f);
	damage(f, 0, 16);
	expect_refused(f, "refusing");
}

static void inconsistent_rows(void **state)
{
	struct fx *f = *state;
	static const char *const breakage[] = {
		/* a property of a qube that does not exist */
		"PRAGMA foreign_keys=OFF; INSERT INTO props VALUES (77, 'vcpus', '2')",
		/* a qube with a name Qubes refuses */
		"UPDATE domains SET name='1bad' WHERE name='work'",
		/* a second AdminVM */
		"UPDATE domains SET class='AdminVM' WHERE name='work'",
		/* a class we do not know */
		"UPDATE domains SET class='RemoteVM' WHERE name='work'",
		/* qid 0 that is not dom0 */
		"UPDATE domains SET name='zero' WHERE qid=0",
		/* a uuid of the wrong length */
		"UPDATE domains SET uuid='1234' WHERE name='work'",
	};
	for (size_t i = 0; i < sizeof breakage / sizeof breakage[0]; i++) {
		unlink(f->db);
		make_world(f);
		sqlite3 *db = side_open(f->db);
		side_exec(db, breakage[i]);
		sqlite3_close(db);
		expect_refused(f, "registry");
	}
}

/* ---- one transaction per write ---- */

/* Counts rows touched with triggers writing into an audit table. */
static void add_audit(const char *path)
{
	sqlite3 *db = side_open(path);
	side_exec(db, "CREATE TABLE audit (what TEXT)");
	static const char *const tables[] = {"domains", "props", "tags", "features", "gprops",
					     "labels"};
	static const char *const ops[] = {"INSERT", "UPDATE", "DELETE"};
	for (size_t t = 0; t < 6; t++)
		for (size_t o = 0; o < 3; o++) {
			char sql[256];
			snprintf(sql, sizeof sql,
				 "CREATE TRIGGER audit_%s_%s AFTER %s ON %s BEGIN "
				 "INSERT INTO audit VALUES ('%s %s'); END",
				 tables[t], ops[o], ops[o], tables[t], ops[o], tables[t]);
			side_exec(db, sql);
		}
	sqlite3_close(db);
}

struct wal_count {
	int frames, commits;
};

/* Frames and commit frames in the WAL (valid after a TRUNCATE
 * checkpoint emptied it). */
static struct wal_count wal_frames(const struct fx *f)
{
	struct wal_count c = {0, 0};
	struct stat st;
	if (stat(f->wal, &st) < 0 || st.st_size == 0)
		return c;
	size_t len;
	uint8_t *b = slurp(f->wal, &len);
	assert_true(len >= 32);
	uint32_t psz = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
	assert_true(psz >= 512);
	for (size_t off = 32; off + 24 + psz <= len; off += 24 + psz) {
		/* frames must carry the header's salt to be valid */
		if (memcmp(b + off + 8, b + 16, 8) != 0)
			break;
		c.frames++;
		if (b[off + 4] | b[off + 5] | b[off + 6] | b[off + 7])
			c.commits++;
	}
	free(b);
	return c;
}

struct cost {
	int txns, rows, frames;
};

/* Runs op on a registry-backed app with `extra` more qubes, and measures. */
struct env {
	struct fx *f;
	struct registry *r;
	struct app a;
	sqlite3 *side;
};

static void env_open(struct env *v, struct fx *f, int extra)
{
	unlink(f->db);
	v->f = f;
	char e[512];
	struct admin_err err;
	assert_int_equal(registry_open(f->db, &v->r, e, sizeof e), 0);
	assert_int_equal(app_init(&v->a, v->r, &err), 0);
	registry_close(v->r);
	app_free(&v->a);
	add_audit(f->db);
	assert_int_equal(registry_open(f->db, &v->r, e, sizeof e), 0);
	assert_int_equal(app_init(&v->a, v->r, &err), 0);
	assert_non_null(app_create(&v->a, VMC_TEMPLATE, "tpl", "black", NULL, "dom0", &err));
	assert_int_equal(app_prop_set(&v->a, NULL, "default_template", "tpl", 3, &err), 0);
	assert_non_null(app_create(&v->a, VMC_APP, "work", "red", NULL, "dom0", &err));
	for (int i = 0; i < extra; i++) {
		char name[16];
		snprintf(name, sizeof name, "q%d", i);
		struct domain *d = app_create(&v->a, VMC_APP, name, "red", NULL, "dom0", &err);
		assert_non_null(d);
		assert_int_equal(app_prop_set(&v->a, d, "vcpus", "3", 1, &err), 0);
		assert_int_equal(app_feature_set(&v->a, d, "f", "v", 1, &err), 0);
	}
	v->side = side_open(f->db);
}

static void env_close(struct env *v)
{
	sqlite3_close(v->side);
	app_free(&v->a);
	registry_close(v->r);
}

static void measure_begin(struct env *v)
{
	side_exec(v->side, "DELETE FROM audit");
	side_exec(v->side, "PRAGMA wal_checkpoint(TRUNCATE)");
	assert_true(wal_empty(v->f));
}

static struct cost measure_end(struct env *v)
{
	struct cost c;
	struct wal_count w = wal_frames(v->f);
	c.txns = w.commits;
	c.frames = w.frames;
	c.rows = (int)side_int(v->side, "SELECT count(*) FROM audit");
	return c;
}

enum op { OP_PROP_SET, OP_PROP_RESET, OP_GPROP_SET, OP_TAG_SET, OP_TAG_DEL, OP_FEAT_SET,
	  OP_FEAT_DEL, OP_CREATE, OP_REMOVE, OP_REFUSED, OP__N };
static const char *const op_names[OP__N] = {"prop set", "prop reset", "global prop set",
					    "tag set", "tag remove", "feature set",
					    "feature remove", "create", "remove", "refused set"};
/* expected transactions and rows touched */
static const int want_txns[OP__N] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
static const int want_rows[OP__N] = {1, 1, 1, 1, 1, 1, 1, 1 + 2 + 3, 1 + 2 + 3, 0};

static struct cost run_op(struct fx *f, int extra, enum op op)
{
	struct env v;
	env_open(&v, f, extra);
	struct admin_err err = {0};
	struct domain *w = app_find(&v.a, "work");
	/* preconditions outside the measurement */
	if (op == OP_PROP_RESET)
		assert_int_equal(app_prop_set(&v.a, w, "memory", "500", 3, &err), 0);
	if (op == OP_TAG_DEL)
		assert_int_equal(app_tag_set(&v.a, w, "tt", &err), 0);
	if (op == OP_FEAT_DEL)
		assert_int_equal(app_feature_set(&v.a, w, "ff", "1", 1, &err), 0);
	if (op == OP_REMOVE)
		assert_non_null(app_create(&v.a, VMC_APP, "victim", "red", NULL, "dom0", &err));
	measure_begin(&v);
	int r = 0;
	switch (op) {
	case OP_PROP_SET: r = app_prop_set(&v.a, w, "memory", "600", 3, &err); break;
	case OP_PROP_RESET: r = app_prop_reset(&v.a, w, "memory", &err); break;
	case OP_GPROP_SET: r = app_prop_set(&v.a, NULL, "stats_interval", "5", 1, &err); break;
	case OP_TAG_SET: r = app_tag_set(&v.a, w, "tt", &err); break;
	case OP_TAG_DEL: r = app_tag_remove(&v.a, w, "tt", &err); break;
	case OP_FEAT_SET: r = app_feature_set(&v.a, w, "ff", "1", 1, &err); break;
	case OP_FEAT_DEL: r = app_feature_remove(&v.a, w, "ff", &err); break;
	case OP_CREATE:
		r = app_create(&v.a, VMC_APP, "newbie", "red", NULL, "dom0", &err) ? 0 : -1;
		break;
	case OP_REMOVE: r = app_remove(&v.a, app_find(&v.a, "victim"), &err); break;
	case OP_REFUSED:
		r = app_prop_set(&v.a, w, "memory", "-3", 2, &err) == -1 ? 0 : -1;
		break;
	case OP__N: break;
	}
	if (r < 0)
		fail_msg("%s: %s %s", op_names[op], err.type, err.msg);
	struct cost c = measure_end(&v);
	env_close(&v);
	return c;
}

static void one_transaction_per_write(void **state)
{
	struct fx *f = *state;
	for (int op = 0; op < OP__N; op++) {
		struct cost small = run_op(f, 10, (enum op)op);
		struct cost large = run_op(f, 300, (enum op)op);
		if (small.txns != want_txns[op] || large.txns != want_txns[op])
			fail_msg("%s: %d / %d transactions, expected %d", op_names[op], small.txns,
				 large.txns, want_txns[op]);
		if (small.rows != want_rows[op] || large.rows != want_rows[op])
			fail_msg("%s: %d / %d rows, expected %d", op_names[op], small.rows,
				 large.rows, want_rows[op]);
		/* pages written grow only with the depth of the b-trees it
		 * touches (log N), not with N: rewriting the state of 300
		 * qubes would be hundreds of pages */
		if (large.frames > 2 * small.frames)
			fail_msg("%s: %d pages with 300 qubes, %d with 10", op_names[op],
				 large.frames, small.frames);
	}
}

/* ---- failures roll back ---- */

static void failed_write_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct registry *r;
	char e[512];
	struct app a;
	struct admin_err err = {0};
	assert_int_equal(registry_open(f->db, &r, e, sizeof e), 0);
	assert_int_equal(app_init(&a, r, &err), 0);
	assert_non_null(app_create(&a, VMC_TEMPLATE, "tpl", "black", NULL, "dom0", &err));
	registry_close(r);
	app_free(&a);
	/* the database refuses some writes */
	sqlite3 *db = side_open(f->db);
	side_exec(db, "CREATE TRIGGER no1 BEFORE INSERT ON tags WHEN NEW.tag='boom' BEGIN "
		      "SELECT RAISE(ABORT, 'refused by test'); END;"
		      "CREATE TRIGGER no2 BEFORE INSERT ON props WHEN NEW.value='7' BEGIN "
		      "SELECT RAISE(ABORT, 'refused by test'); END;"
		      "CREATE TRIGGER no3 BEFORE INSERT ON domains WHEN NEW.name='failvm' BEGIN "
		      "SELECT RAISE(ABORT, 'refused by test'); END;"
		      "CREATE TRIGGER no4 BEFORE DELETE ON domains WHEN OLD.name='tpl' BEGIN "
		      "SELECT RAISE(ABORT, 'refused by test'); END;");
	sqlite3_close(db);
	assert_int_equal(registry_open(f->db, &r, e, sizeof e), 0);
	assert_int_equal(app_init(&a, r, &err), 0);
	struct domain *t = app_find(&a, "tpl");
	assert_non_null(t);
	assert_int_equal(app_tag_set(&a, t, "boom", &err), -1);
	assert_string_equal(err.type, "QubesException");
	if (!strstr(err.msg, "refused by test"))
		fail_msg("message: %s", err.msg);
	assert_false(app_has_tag(t, "boom"));
	assert_int_equal(app_prop_set(&a, t, "vcpus", "4", 1, &err), 0);
	assert_int_equal(app_prop_set(&a, t, "vcpus", "7", 1, &err), -1);
	char v[16];
	assert_string_equal(app_prop_str(&a, t, "vcpus", v, sizeof v), "4");
	size_t n = a.ndoms;
	assert_null(app_create(&a, VMC_STANDALONE, "failvm", "red", NULL, "dom0", &err));
	assert_int_equal(a.ndoms, n);
	assert_null(app_find(&a, "failvm"));
	assert_int_equal(app_remove(&a, t, &err), -1);
	assert_ptr_equal(app_find(&a, "tpl"), t);
	/* the registry still loads, with nothing of the refused writes */
	app_free(&a);
	registry_close(r);
	assert_int_equal(registry_open(f->db, &r, e, sizeof e), 0);
	assert_int_equal(app_init(&a, r, &err), 0);
	t = app_find(&a, "tpl");
	assert_non_null(t);
	assert_false(app_has_tag(t, "boom"));
	assert_string_equal(app_prop_str(&a, t, "vcpus", v, sizeof v), "4");
	assert_null(app_find(&a, "failvm"));
	app_free(&a);
	registry_close(r);
	db = side_open(f->db);
	assert_int_equal(side_int(db, "SELECT count(*) FROM props WHERE qid NOT IN "
				      "(SELECT qid FROM domains)"),
			 0);
	assert_int_equal(side_int(db, "SELECT count(*) FROM tags WHERE qid NOT IN "
				      "(SELECT qid FROM domains)"),
			 0);
	sqlite3_close(db);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(new_file),
		T(open_errors),
		T(round_trip),
		T(newer_schema),
		T(missing_schema_version),
		T(not_sqlite),
		T(foreign_sqlite),
		T(empty_file),
		T(corrupt_pages),
		T(corrupt_one_page),
		T(truncated),
		T(bad_magic),
		T(inconsistent_rows),
		T(one_transaction_per_write),
		T(failed_write_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
