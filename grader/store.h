/*
 * The learner's SQLite store: learners, attempts with their per-check
 * results, and the tutor's state (current lesson).
 *
 * The database runs in WAL mode with a busy timeout and foreign keys on.
 * Its schema is versioned with PRAGMA user_version; store_open() applies
 * the missing migrations in order, each in one transaction with its
 * version bump, and refuses a database written by a newer kmemlab.  One
 * graded attempt is saved in one transaction: a crash leaves the database
 * as it was before the attempt or after it, never between.
 */
#ifndef KMEMLAB_STORE_H
#define KMEMLAB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct store;

/* The schema version this build writes. */
int store_schema_version(void);

/*
 * Open (creating it and its directory if needed) and migrate the database
 * at path.  Reports a clear error (corrupt, locked, newer, unwritable)
 * and returns NULL.
 */
struct store *store_open(const char *path);
void store_close(struct store *st);

/*
 * The learner this database belongs to (is_self = 1), created from the
 * login name on first use.
 */
int store_learner(struct store *st, int64_t *id);
/*
 * The learner's identity, allocated; *set (if not NULL) says whether it
 * was chosen with store_set_identity() rather than taken from the login.
 */
int store_identity(struct store *st, char **login, char **name, int *set);
/* Set the learner's id and name (one transaction). */
int store_set_identity(struct store *st, const char *login, const char *name);
/*
 * Save an attempt of this database's own learner and its checks in one
 * transaction; *id gets its rowid.  origin is 'self' (a check of the
 * learner's workspace copy, which is what a submission carries) or
 * 'experiment' (a check of any other source: kept apart, never counted
 * as progress nor exported).
 */
int store_save_attempt(struct store *st, const char *origin, const struct record *a,
		       int64_t *id);
/*
 * The same for any learner: origin 'self' (graded on the learner's
 * machine, imported) or 'regrade' (the instructor's clean run of
 * submission, 0 for none).  store_add_attempt() runs inside a transaction
 * the caller holds; store_save_attempt_as() is one transaction of its own.
 */
int store_add_attempt(struct store *st, int64_t learner, const char *origin,
		      int64_t submission, const struct record *a, int64_t *id);
int store_save_attempt_as(struct store *st, int64_t learner, const char *origin,
			  int64_t submission, const struct record *a, int64_t *id);

/*
 * A transaction for several writes (BEGIN IMMEDIATE).  A failed commit
 * rolls back.  Errors name what was being done.
 */
/*
 * Could an attempt of about bytes be saved now?  Checks the disk's free
 * space and takes (then drops) a write lock, so that a check finds out
 * before grading, not after.  Returns 0, or -1 after saying why.
 */
int store_ready_to_save(struct store *st, size_t bytes);
int store_begin(struct store *st, const char *what);
int store_commit(struct store *st, const char *what);
void store_rollback(struct store *st);
/* The database file's path. */
const char *store_path(struct store *st);

struct store_progress {
	char *exercise;
	int attempts;		/* origin 'self'; the rest of the row is theirs too */
	int experiments;	/* origin 'experiment' */
	int best_score, max_score;
	int passed;
	char *last_at;
	char *last_verdict;
};
/*
 * Per exercise that has attempts or experiments, sorted by exercise id.
 * With no self attempt, best_score and max_score are 0 and last_at and
 * last_verdict "".
 */
int store_progress(struct store *st, struct store_progress **rows, int *n);
void store_progress_free(struct store_progress *rows, int n);

/* Small key/value state for the tutor (current lesson, ...). */
int store_get_state(struct store *st, const char *key, char **value);
int store_set_state(struct store *st, const char *key, const char *value);

/* Record an answer to a lesson question (one transaction). */
int store_save_answer(struct store *st, const char *lesson, const char *question,
		      const char *answer, const char *expected, int correct);
/* How often the question was answered, and whether ever correctly. */
int store_answer_status(struct store *st, const char *lesson, const char *question,
			int *tries, int *correct);

/* ---- a feature's reads (store-read.c) ---- */

/*
 * A read query of a feature (reports, the regrade's job list): prepared on
 * st's database, its errors said as every store error is (locked, damaged,
 * full).  store_fail() reports a failed step the same way.  Both return
 * -1 after reporting (and *stmt is NULL).  Writes are store functions.
 */
struct sqlite3_stmt;
int store_prepare(struct store *st, const char *sql, struct sqlite3_stmt **stmt,
		  const char *what);
int store_fail(struct store *st, const char *what);
/*
 * A read transaction (BEGIN, deferred): the reads until store_end_read()
 * see one state of the database, whatever other processes write
 * meanwhile.  store_end_read() ends it; nothing was written, so nothing
 * can be lost.
 */
int store_begin_read(struct store *st, const char *what);
void store_end_read(struct store *st);
/*
 * A collation name for the feature's queries (ORDER BY x COLLATE name) on
 * st's connection: cmp compares na bytes at a with nb bytes at b (UTF-8),
 * as memcmp() does; arg is NULL.
 */
int store_collation(struct store *st, const char *name,
		    int (*cmp)(void *arg, int na, const void *a, int nb, const void *b),
		    const char *what);
/*
 * A connection of its own to the database at path, read-only, for a read
 * in a thread of its own while the first connection reads on (a report's
 * checks failed most): no migration, no pragma, the database being one
 * that a store has opened already.  It keeps its errors rather than say
 * them, so that the thread that waits for it says them in turn:
 * store_kept_error() is the first (worded as every store error), or NULL.
 * NULL when it cannot be opened, *cause (allocated) saying why in the
 * same words.
 */
struct store *store_open_readonly(const char *path, char **cause);
const char *store_kept_error(struct store *st);

/* ---- submissions (store-bundle.c) ---- */

struct store_answer {
	char *lesson, *question, *answered_at, *answer;
	char *expected;		/* NULL: none */
	int correct;
};
void store_answer_release(struct store_answer *a);

/*
 * Each attempt of learner with origin, in the order stored, with its
 * checks, to fn; each answer of learner likewise.  fn returning -1 stops
 * (it reported why).  -1 on a stop or an error (reported).
 */
int store_each_attempt(struct store *st, int64_t learner, const char *origin,
		       int (*fn)(const struct record *r, void *arg), void *arg);
int store_each_answer(struct store *st, int64_t learner,
		      int (*fn)(const struct store_answer *a, void *arg), void *arg);

/*
 * An import into a class database, inside the caller's transaction.  A
 * learner comes by login (added, or renamed: *renamed_from is then the
 * old name, allocated); attempts and answers a learner's earlier bundles
 * brought are not added again (*added counts the new ones).
 */
struct store_submission {
	const char *sha256;		/* of the bundle file */
	const char *submitted_at;	/* when the learner made it (their clock) */
	const char *kmemlab_version, *kernel;
	const char *manifest;		/* its manifest, JSON */
};
/* The login of the learner whose submission has this hash (NULL: none). */
int store_submission_by_hash(struct store *st, const char *sha256, char **login);
/* When login's latest submission was made and imported (NULL: none). */
int store_latest_submission(struct store *st, const char *login, char **made, char **imported);
int store_learner_import(struct store *st, const char *login, const char *name, int64_t *id,
			 char **renamed_from);
int store_add_submission(struct store *st, int64_t learner, const struct store_submission *sub,
			 int64_t *id);
int store_import_attempt(struct store *st, int64_t learner, int64_t submission,
			 const struct record *r, int *added);
int store_import_answer(struct store *st, int64_t learner, const struct store_answer *a,
			int *added);
/*
 * The self verdict of (learner, exercise) and the source hash of the
 * attempt that decided it: the latest pass, else the latest attempt, in
 * the order stored (the learner's clock is not trusted).  NULLs: none.
 */
int store_self_verdict(struct store *st, int64_t learner, const char *exercise, char **verdict,
		       char **hash);
/*
 * A regrade's result, from a file a cluster node wrote: saved (inside the
 * caller's transaction) unless that very regrade is there already.
 */
int store_import_regrade(struct store *st, int64_t learner, int64_t submission,
			 const struct record *r, int *added);
int store_add_submitted_file(struct store *st, int64_t submission, const char *exercise,
			     const char *path, const char *sha256, const void *data, size_t len);
int store_add_submission_exercise(struct store *st, int64_t submission, const char *exercise,
				  const char *source_hash, const char *self_verdict, int stale);

#endif
