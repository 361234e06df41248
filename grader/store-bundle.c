/*
 * The store's side of submissions: what a learner's bundle takes from
 * their database, and what an import writes into a class database.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"
#include "util.h"

/*
 * Prepare sql, bind the values types says ('i' an int64_t, 's' a string
 * or NULL, 'b' a blob: a pointer and a size_t), step it once, finalize it.
 * 1 when it gave a row, 0 when it was done, -1 after saying what failed.
 */
static int run_once(struct store *st, const char *sql, const char *what, const char *types, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int rc;

	if (store_prepare(st, sql, &s, what) < 0)
		return -1;
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i') {
			sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
		} else if (types[i] == 's') {
			bind_opt(s, i + 1, va_arg(ap, const char *));
		} else {
			const void *data = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);

			sqlite3_bind_blob(s, i + 1, data ? data : "", (int)len, SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_error(st, what);
}

/* ---- a learner's own work, for their bundle ---- */

int store_each_attempt(struct store *st, int64_t learner, const char *origin,
		       int (*fn)(const struct record *r, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL, *cs = NULL;
	int rc, cr, ret = -1;

	if (store_prepare(st,
			  "SELECT id, exercise, started_at, source_hash, verdict, score,"
			  " max_score, build_ms, vm_ms, grade_ms, inputs, summary, transcript,"
			  " kernel FROM attempt WHERE learner_id = ? AND origin = ?"
			  " ORDER BY id", &s, "reading the attempts") < 0 ||
	    store_prepare(st,
			  "SELECT name, status, expected, observed, hint FROM check_result"
			  " WHERE attempt_id = ? ORDER BY seq", &cs, "reading the checks") < 0)
		goto out;
	sqlite3_bind_int64(s, 1, learner);
	sqlite3_bind_text(s, 2, origin, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct record r = { 0 };
		int stop;

		r.exercise = col_text(s, 1);
		r.started_at = col_text(s, 2);
		r.source_hash = col_text(s, 3);
		r.verdict = col_text(s, 4);
		r.score = sqlite3_column_int(s, 5);
		r.max_score = sqlite3_column_int(s, 6);
		r.build_ms = sqlite3_column_int64(s, 7);
		r.vm_ms = sqlite3_column_int64(s, 8);
		r.grade_ms = sqlite3_column_int64(s, 9);
		r.inputs = col_opt(s, 10);
		r.summary = col_opt(s, 11);
		r.transcript = col_text(s, 12);
		r.kernel = col_opt(s, 13);
		sqlite3_reset(cs);
		sqlite3_bind_int64(cs, 1, sqlite3_column_int64(s, 0));
		while ((cr = sqlite3_step(cs)) == SQLITE_ROW) {
			char *f[5];

			for (int i = 0; i < 5; i++)
				f[i] = col_opt(cs, i);
			record_add_check(&r, f[0], f[1], f[2], f[3], f[4]);
			for (int i = 0; i < 5; i++)
				free(f[i]);
		}
		/* An attempt without all its checks would look edited on import. */
		stop = cr != SQLITE_DONE ? db_error(st, "reading the checks") : fn(&r, arg);
		record_release(&r);
		if (stop < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		db_error(st, "reading the attempts");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(cs);
	return ret;
}

int store_each_answer(struct store *st, int64_t learner,
		      int (*fn)(const struct store_answer *a, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	int rc, ret = -1;

	if (store_prepare(st,
			  "SELECT lesson, question, answered_at, answer, expected, correct"
			  " FROM answer WHERE learner_id = ? ORDER BY id", &s,
			  "reading the answers") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, learner);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_answer a = {
			.lesson = col_text(s, 0),
			.question = col_text(s, 1),
			.answered_at = col_text(s, 2),
			.answer = col_text(s, 3),
			.expected = col_opt(s, 4),
			.correct = sqlite3_column_int(s, 5),
		};
		int stop = fn(&a, arg);

		store_answer_release(&a);
		if (stop < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		db_error(st, "reading the answers");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	return ret;
}

void store_answer_release(struct store_answer *a)
{
	free(a->lesson);
	free(a->question);
	free(a->answered_at);
	free(a->answer);
	free(a->expected);
	memset(a, 0, sizeof(*a));
}

/* ---- an import into a class database ---- */

int store_submission_by_hash(struct store *st, const char *sha256, char **login)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*login = NULL;
	if (store_prepare(st,
			  "SELECT l.login FROM submission s JOIN learner l ON l.id = s.learner_id"
			  " WHERE s.bundle_sha256 = ?", &s, "reading submissions") < 0)
		return -1;
	sqlite3_bind_text(s, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*login = col_text(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, "reading submissions");
	return 0;
}

int store_latest_submission(struct store *st, const char *login, char **made, char **imported)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*made = *imported = NULL;
	if (store_prepare(st,
			  "SELECT s.submitted_at, s.imported_at FROM submission s"
			  " JOIN learner l ON l.id = s.learner_id WHERE l.login = ?"
			  " ORDER BY s.id DESC LIMIT 1", &s, "reading submissions") < 0)
		return -1;
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*made = col_opt(s, 0);
		*imported = col_opt(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, "reading submissions");
	return 0;
}

int store_learner_import(struct store *st, const char *login, const char *name, int64_t *id,
			 char **renamed_from)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc;

	*renamed_from = NULL;
	if (store_prepare(st, "SELECT id, name FROM learner WHERE login = ?", &s,
			  "finding the learner") < 0)
		return -1;
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		char *old = col_text(s, 1);

		*id = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		if (!strcmp(old, name)) {
			free(old);
			return 0;
		}
		*renamed_from = old;
		return run_once(st, "UPDATE learner SET name = ? WHERE id = ?", "updating the learner",
				"si", name, *id) < 0 ? -1 : 0;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, "finding the learner");
	utc_now(now);
	if (run_once(st, "INSERT INTO learner (login, name, created_at, is_self) VALUES (?, ?, ?, 0)",
		     "adding the learner", "sss", login, name, now) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_add_submission(struct store *st, int64_t learner, const struct store_submission *sub,
			 int64_t *id)
{
	char now[32];

	utc_now(now);
	if (run_once(st,
		     "INSERT INTO submission (learner_id, bundle_sha256, submitted_at, imported_at,"
		     " kmemlab_version, kernel, manifest) VALUES (?, ?, ?, ?, ?, ?, ?)",
		     "adding the submission", "issssss", learner, sub->sha256, sub->submitted_at,
		     now, sub->kmemlab_version, sub->kernel, sub->manifest) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* Add r as an attempt of origin unless there (found 1); *added counts it. */
static int add_unless_there(struct store *st, int found, int64_t learner, const char *origin,
			    int64_t submission, const struct record *r, int *added)
{
	int64_t id;

	if (found != 0)
		return found < 0 ? -1 : 0;
	if (store_add_attempt(st, learner, origin, submission, r, &id) < 0)
		return -1;
	(*added)++;
	return 0;
}

int store_import_attempt(struct store *st, int64_t learner, int64_t submission,
			 const struct record *r, int *added)
{
	/* One this learner's earlier bundles brought is not added again. */
	int found = run_once(st,
			     "SELECT 1 FROM attempt WHERE learner_id = ? AND origin = 'self'"
			     " AND exercise = ? AND started_at = ? AND source_hash = ?"
			     " AND inputs IS ?", "reading attempts", "issss", learner, r->exercise,
			     r->started_at, r->source_hash, r->inputs);

	return add_unless_there(st, found, learner, "self", submission, r, added);
}

int store_import_answer(struct store *st, int64_t learner, const struct store_answer *a,
			int *added)
{
	int r = run_once(st,
			 "SELECT 1 FROM answer WHERE learner_id = ? AND lesson = ?"
			 " AND question = ? AND answered_at = ? AND answer = ?", "adding answers",
			 "issss", learner, a->lesson, a->question, a->answered_at, a->answer);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (run_once(st,
		     "INSERT INTO answer (learner_id, lesson, question, answered_at, answer,"
		     " expected, correct) VALUES (?, ?, ?, ?, ?, ?, ?)", "adding answers",
		     "isssssi", learner, a->lesson, a->question, a->answered_at, a->answer,
		     a->expected, (int64_t)!!a->correct) < 0)
		return -1;
	(*added)++;
	return 0;
}

int store_self_verdict(struct store *st, int64_t learner, const char *exercise, char **verdict,
		       char **hash)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*verdict = *hash = NULL;
	if (store_prepare(st,
			  "SELECT verdict, source_hash FROM attempt WHERE learner_id = ?"
			  " AND exercise = ? AND origin = 'self'"
			  " ORDER BY verdict = 'pass' DESC, id DESC LIMIT 1", &s,
			  "reading attempts") < 0)
		return -1;
	sqlite3_bind_int64(s, 1, learner);
	sqlite3_bind_text(s, 2, exercise, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*verdict = col_text(s, 0);
		*hash = col_text(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, "reading attempts");
	return 0;
}

int store_add_submitted_file(struct store *st, int64_t submission, const char *exercise,
			     const char *path, const char *sha256, const void *data, size_t len)
{
	return run_once(st,
			"INSERT INTO submitted_file (submission_id, exercise, path, sha256, content)"
			" VALUES (?, ?, ?, ?, ?)", "adding the submitted files", "isssb",
			submission, exercise, path, sha256, data, len) < 0 ? -1 : 0;
}

int store_add_submission_exercise(struct store *st, int64_t submission, const char *exercise,
				  const char *source_hash, const char *self_verdict, int stale)
{
	return run_once(st,
			"INSERT INTO submission_exercise (submission_id, exercise, source_hash,"
			" self_verdict, self_stale) VALUES (?, ?, ?, ?, ?)",
			"adding the submission's exercises", "isssi", submission, exercise,
			source_hash, self_verdict, (int64_t)!!stale) < 0 ? -1 : 0;
}

int store_import_regrade(struct store *st, int64_t learner, int64_t submission,
			 const struct record *r, int *added)
{
	int found = run_once(st,
			     "SELECT 1 FROM attempt WHERE learner_id = ? AND submission_id = ?"
			     " AND origin = 'regrade' AND exercise = ? AND started_at = ?"
			     " AND source_hash = ?", "reading regrades", "iisss", learner, submission,
			     r->exercise, r->started_at, r->source_hash);

	return add_unless_there(st, found, learner, "regrade", submission, r, added);
}
