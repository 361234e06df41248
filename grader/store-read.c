#include "store.h"

#include <stdlib.h>

#include "store-internal.h"
#include "util.h"

int store_prepare(struct store *st, const char *sql, struct sqlite3_stmt **stmt,
		  const char *what)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return db_error(st, what);
	}
	return 0;
}

int store_fail(struct store *st, const char *what)
{
	return db_error(st, what);
}

int store_begin_read(struct store *st, const char *what)
{
	return exec_sql(st, "BEGIN", what);
}

void store_end_read(struct store *st)
{
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int store_collation(struct store *st, const char *name,
		    int (*cmp)(void *arg, int na, const void *a, int nb, const void *b),
		    const char *what)
{
	if (sqlite3_create_collation_v2(st->db, name, SQLITE_UTF8, NULL, cmp, NULL) != SQLITE_OK)
		return db_error(st, what);
	return 0;
}

struct store *store_open_readonly(const char *path, char **cause)
{
	struct store *st = xcalloc(1, sizeof(*st));

	st->path = xstrdup(path);
	st->keep_errors = 1;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		if (st->db) {
			db_error(st, "opening");
			*cause = st->kept;
			st->kept = NULL;
		} else {
			*cause = xasprintf("cannot open database '%s': out of memory", path);
		}
		store_close(st);
		return NULL;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	return st;
}

const char *store_kept_error(struct store *st)
{
	return st->kept;
}
