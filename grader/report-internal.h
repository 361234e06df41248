/*
 * What the files of the report (grader/report*.c) share beyond report.h.
 * Nothing outside them uses it.
 */
#ifndef KMEMLAB_REPORT_INTERNAL_H
#define KMEMLAB_REPORT_INTERNAL_H

#include <sqlite3.h>

#include "report.h"

/* Where report_next() is in the database (report.c). */
struct report_cursor {
	struct store *st;
	int64_t only;			/* --learner: that learner's id, else 0 */
	sqlite3_stmt *learners;		/* the report's learners, in order */
	sqlite3_stmt *cells;		/* one learner's attempts */
	sqlite3_stmt *checks;		/* the failing checks of some attempts */
	struct cell_acc *acc;		/* one per exercise */
	int in_tx;
};

/* The HTML report's style sheet. */
extern const char report_css[];

#endif
