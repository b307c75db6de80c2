/* registry: SQLite persistence of bulkheadd's state (see registry.h). */
#include "domains/registry.h"
#include "domains/app.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct registry {
	sqlite3 *db;
	bool is_new;
	char path[4096];
	char err[512];     /* the failure of the current transaction */
};

static const char schema_sql[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE domains (qid INTEGER PRIMARY KEY, uuid TEXT UNIQUE NOT NULL,"
	" name TEXT UNIQUE NOT NULL, class TEXT NOT NULL);"
	"CREATE TABLE props (qid INTEGER NOT NULL REFERENCES domains(qid) ON DELETE CASCADE,"
	" name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (qid, name));"
	"CREATE TABLE tags (qid INTEGER NOT NULL REFERENCES domains(qid) ON DELETE CASCADE,"
	" tag TEXT NOT NULL, PRIMARY KEY (qid, tag));"
	"CREATE TABLE features (qid INTEGER NOT NULL REFERENCES domains(qid) ON DELETE CASCADE,"
	" name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (qid, name));"
	"CREATE TABLE gprops (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE labels (idx INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	" color TEXT NOT NULL);";

/* Remembers why a statement failed (a later ROLLBACK must not replace
 * the message). */
static int failed(struct registry *r)
{
	snprintf(r->err, sizeof r->err, "%s", sqlite3_errmsg(r->db));
	return -1;
}

static int exec(struct registry *r, const char *sql)
{
	return sqlite3_exec(r->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : failed(r);
}

const char *registry_error(const struct registry *r)
{
	return r && r->db ? (r->err[0] ? r->err : sqlite3_errmsg(r->db)) : "no database";
}

/* PRAGMA quick_check reports damage as rows, not as an error: only a
 * single "ok" row is a healthy database. */
static int quick_check(struct registry *r)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(r->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK)
		return failed(r);
	if (sqlite3_step(st) != SQLITE_ROW) {
		failed(r);
		sqlite3_finalize(st);
		return -1;
	}
	const char *v = (const char *)sqlite3_column_text(st, 0);
	bool ok = v && strcmp(v, "ok") == 0;
	if (!ok)
		snprintf(r->err, sizeof r->err, "%s", v ? v : "damaged");
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

bool registry_is_new(const struct registry *r)
{
	return r->is_new;
}

/* Reads the schema version; -1 when the database is not ours. */
static int schema_version(struct registry *r, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(r->db, "SELECT value FROM meta WHERE key='schema_version'", -1,
			       &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: not a bulkhead registry, or unreadable: %s", r->path,
			 sqlite3_errmsg(r->db));
		return -1;
	}
	int v = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = atoi((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (v < 1)
		snprintf(err, errlen, "%s: no schema version: not a bulkhead registry", r->path);
	return v;
}

int registry_open(const char *path, struct registry **out, char *err, size_t errlen)
{
	*out = NULL;
	struct registry *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(r->path, sizeof r->path, "%s", path);
	struct stat st;
	r->is_new = stat(path, &st) < 0 && errno == ENOENT;
	int flags = SQLITE_OPEN_READWRITE | (r->is_new ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &r->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path, registry_error(r));
		goto fail;
	}
	sqlite3_busy_timeout(r->db, 5000);
	if (r->is_new) {
		if (exec(r, "PRAGMA journal_mode=WAL") < 0 || exec(r, "BEGIN") < 0 ||
		    exec(r, schema_sql) < 0) {
			snprintf(err, errlen, "%s: cannot create: %s", path, registry_error(r));
			goto fail;
		}
		char sql[128];
		snprintf(sql, sizeof sql,
			 "INSERT INTO meta VALUES ('schema_version', '%d'); COMMIT",
			 REGISTRY_SCHEMA_VERSION);
		if (exec(r, sql) < 0) {
			snprintf(err, errlen, "%s: cannot create: %s", path, registry_error(r));
			goto fail;
		}
	} else {
		/* check before anything could write: a file SQLite cannot read
		 * fails here, and nothing is changed */
		if (quick_check(r) < 0) {
			snprintf(err, errlen, "%s: damaged or not an SQLite database (%s); "
				 "refusing to use it (nothing was changed)", path,
				 registry_error(r));
			goto fail;
		}
		int v = schema_version(r, err, errlen);
		if (v < 0)
			goto fail;
		if (v > REGISTRY_SCHEMA_VERSION) {
			snprintf(err, errlen, "%s: schema version %d is newer than this "
				 "bulkheadd understands (%d); refusing to use it (nothing was "
				 "changed)", path, v, REGISTRY_SCHEMA_VERSION);
			goto fail;
		}
		if (exec(r, "PRAGMA journal_mode=WAL") < 0) {
			snprintf(err, errlen, "%s: %s", path, registry_error(r));
			goto fail;
		}
	}
	if (exec(r, "PRAGMA foreign_keys=ON") < 0 || exec(r, "PRAGMA synchronous=FULL") < 0) {
		snprintf(err, errlen, "%s: %s", path, registry_error(r));
		goto fail;
	}
	*out = r;
	return 0;
fail:
	registry_close(r);
	return -1;
}

void registry_close(struct registry *r)
{
	if (!r)
		return;
	if (r->db)
		sqlite3_close(r->db);
	free(r);
}

int registry_begin(struct registry *r)
{
	r->err[0] = '\0';
	return exec(r, "BEGIN IMMEDIATE");
}

int registry_commit(struct registry *r)
{
	return exec(r, "COMMIT");
}

void registry_rollback(struct registry *r)
{
	sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs sql with up to four text parameters (NULL binds NULL) and an
 * optional integer first parameter. */
static int run(struct registry *r, const char *sql, long long qid, bool use_qid,
	       const char *a, const char *b, const char *c)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return failed(r);
	int i = 1;
	if (use_qid)
		sqlite3_bind_int64(st, i++, qid);
	const char *args[3] = {a, b, c};
	for (int k = 0; k < 3; k++)
		if (args[k])
			sqlite3_bind_text(st, i++, args[k], -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		failed(r);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int registry_add_domain(struct registry *r, const struct domain *d)
{
	if (run(r, "INSERT INTO domains (qid, uuid, name, class) VALUES (?, ?, ?, ?)", d->qid,
		true, d->uuid, d->name, vm_class_name(d->cls)) < 0)
		return -1;
	for (size_t i = 0; i < d->nprops; i++)
		if (run(r, "INSERT INTO props VALUES (?, ?, ?)", d->qid, true, d->props[i].key,
			d->props[i].value, NULL) < 0)
			return -1;
	for (size_t i = 0; i < d->ntags; i++)
		if (run(r, "INSERT INTO tags VALUES (?, ?)", d->qid, true, d->tags[i], NULL,
			NULL) < 0)
			return -1;
	for (size_t i = 0; i < d->nfeatures; i++)
		if (run(r, "INSERT INTO features VALUES (?, ?, ?)", d->qid, true,
			d->features[i].key, d->features[i].value, NULL) < 0)
			return -1;
	return 0;
}

int registry_del_domain(struct registry *r, uint32_t qid)
{
	return run(r, "DELETE FROM domains WHERE qid = ?", qid, true, NULL, NULL, NULL);
}

int registry_set_prop(struct registry *r, const struct domain *d, const char *name,
		      const char *value)
{
	if (!d)
		return value ? run(r, "INSERT OR REPLACE INTO gprops VALUES (?, ?)", 0, false,
				   name, value, NULL)
			     : run(r, "DELETE FROM gprops WHERE name = ?", 0, false, name, NULL,
				   NULL);
	return value ? run(r, "INSERT OR REPLACE INTO props VALUES (?, ?, ?)", d->qid, true,
			   name, value, NULL)
		     : run(r, "DELETE FROM props WHERE qid = ? AND name = ?", d->qid, true, name,
			   NULL, NULL);
}

int registry_set_tag(struct registry *r, const struct domain *d, const char *tag, bool on)
{
	return on ? run(r, "INSERT OR IGNORE INTO tags VALUES (?, ?)", d->qid, true, tag, NULL,
			NULL)
		  : run(r, "DELETE FROM tags WHERE qid = ? AND tag = ?", d->qid, true, tag, NULL,
			NULL);
}

int registry_set_feature(struct registry *r, const struct domain *d, const char *name,
			 const char *value)
{
	return value ? run(r, "INSERT OR REPLACE INTO features VALUES (?, ?, ?)", d->qid, true,
			   name, value, NULL)
		     : run(r, "DELETE FROM features WHERE qid = ? AND name = ?", d->qid, true,
			   name, NULL, NULL);
}

int registry_put_label(struct registry *r, const struct label *l)
{
	char idx[16];
	snprintf(idx, sizeof idx, "%d", l->index);
	return run(r, "INSERT OR REPLACE INTO labels VALUES (?, ?, ?)", 0, false, idx, l->name,
		   l->color);
}

/* ---- load ---- */

int app_load_domain(struct app *a, uint32_t qid, const char *uuid, const char *name,
		    int cls, struct admin_err *err);
int app_load_kv(struct app *a, int what, uint32_t qid, const char *k, const char *v,
		struct admin_err *err);

int registry_load(struct registry *r, struct app *a, char *err, size_t errlen)
{
	static const char *const q[] = {
		"SELECT qid, uuid, name, class FROM domains ORDER BY qid",
		"SELECT qid, name, value FROM props",
		"SELECT qid, tag, '' FROM tags",
		"SELECT qid, name, value FROM features",
		"SELECT 0, name, value FROM gprops",
		"SELECT idx, name, color FROM labels ORDER BY idx",
	};
	for (int k = 0; k < 6; k++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(r->db, q[k], -1, &st, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", r->path, registry_error(r));
			return -1;
		}
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			long long qid = sqlite3_column_int64(st, 0);
			const char *c1 = (const char *)sqlite3_column_text(st, 1);
			const char *c2 = (const char *)sqlite3_column_text(st, 2);
			struct admin_err e = {0};
			int ok;
			if (k == 0) {
				const char *c3 = (const char *)sqlite3_column_text(st, 3);
				int cls = c3 ? vm_class_parse(c3) : -1;
				ok = qid >= 0 && qid <= 10000 && c1 && c2 && cls >= 0
					     ? app_load_domain(a, (uint32_t)qid, c1, c2, cls, &e)
					     : -1;
				if (!e.type)
					admin_err_set(&e, "QubesException", "bad domain row");
			} else {
				ok = c1 && c2 ? app_load_kv(a, k, (uint32_t)qid, c1, c2, &e) : -1;
				if (!e.type)
					admin_err_set(&e, "QubesException", "bad row");
			}
			if (ok < 0) {
				snprintf(err, errlen, "%s: inconsistent registry (%s, qid %lld): %s",
					 r->path, q[k], qid, e.msg);
				sqlite3_finalize(st);
				return -1;
			}
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			snprintf(err, errlen, "%s: %s", r->path, registry_error(r));
			return -1;
		}
	}
	return 0;
}
