/*
 * What the files of the store (grader/store*.c) share: the handle and the
 * helpers every SQL statement goes through.  Nothing outside them uses it.
 */
#ifndef KMEMLAB_STORE_INTERNAL_H
#define KMEMLAB_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* How long a statement waits for another process's lock before failing. */
#define BUSY_TIMEOUT_MS 5000

struct store {
	sqlite3 *db;
	char *path;
	/* Errors kept, not said (store_open_readonly()): the first one. */
	int keep_errors;
	char *kept;
};

/*
 * Report SQLite's error on st as what was being done: a locked, damaged,
 * full or read-only database each said so, with what to do.  Returns -1.
 * A store that keeps its errors keeps the first instead of saying it.
 */
int db_error(struct store *st, const char *what);
/* Run sql (no rows); -1 after db_error(). */
int exec_sql(struct store *st, const char *sql, const char *what);
/* Bind v, or NULL when v is NULL. */
void bind_opt(sqlite3_stmt *s, int i, const char *v);
/* Column i as an allocated string ("" for NULL). */
char *col_text(sqlite3_stmt *s, int i);
/* The same, NULL for NULL. */
char *col_opt(sqlite3_stmt *s, int i);

#endif
