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
/* The raw SQLite handle, for the report and bundle code of grader/. */
struct sqlite3 *store_db(struct store *st);

struct store_check {
	const char *name;
	const char *status;	/* pass, fail, skip, error */
	const char *expected;
	const char *observed;
	const char *hint;
};

struct store_attempt {
	const char *exercise;
	const char *started_at;
	const char *source_hash;
	const char *verdict;	/* pass, fail, error */
	int score, max_score;
	int64_t build_ms, vm_ms, grade_ms;
	const char *inputs;
	const char *summary;
	const char *transcript;
	const char *kernel;
	const struct store_check *checks;
	int nchecks;
};

/*
 * Save an attempt of this database's own learner and its checks in one
 * transaction; *id gets its rowid.  origin is 'self' (a check of the
 * learner's workspace copy, which is what a submission carries) or
 * 'experiment' (a check of any other source: kept apart, never counted
 * as progress nor exported).
 */
int store_save_attempt(struct store *st, const char *origin, const struct store_attempt *a,
		       int64_t *id);
/*
 * The same for any learner: origin 'self' (graded on the learner's
 * machine, imported) or 'regrade' (the instructor's clean run of
 * submission, 0 for none).  store_add_attempt() runs inside a transaction
 * the caller holds; store_save_attempt_as() is one transaction of its own.
 */
int store_add_attempt(struct store *st, int64_t learner, const char *origin,
		      int64_t submission, const struct store_attempt *a, int64_t *id);
int store_save_attempt_as(struct store *st, int64_t learner, const char *origin,
			  int64_t submission, const struct store_attempt *a, int64_t *id);

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

#endif
