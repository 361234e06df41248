/*
 * Progress reports: learners by exercises, read from a learner's own
 * database or a class database one learner at a time, and written as a
 * terminal table, CSV, HTML (one page, or a folder) or JSON.
 *
 * report_open() reads what the whole report needs first (the exercises,
 * the number of learners) and starts one read transaction;
 * report_next() then hands out the learners one by one, in the report's
 * order (names as people sort them), each with its cells, and adds them
 * to the class's figures (struct report_stats).  A writer writes each
 * learner as it arrives, so memory does not grow with the class: what it
 * must show before the learners but can only know after them (column
 * widths, the class's figures) it writes after them, through a temporary
 * file.
 *
 * Per learner and exercise (a cell), with the learner's own attempts
 * (origin 'self') and the instructor's clean regrades (origin 'regrade');
 * the learner's experiments (checks of another source, origin
 * 'experiment') are only counted, and attempts of any other origin not
 * even that:
 *
 *   attempts         the number of self attempts
 *   experiments      the number of experiments, which count for nothing
 *   first_at         the earliest self attempt
 *   passed_at        the earliest self attempt that passed
 *   self_verdict     "pass" if any self attempt passed, else the latest's
 *   regrade_verdict  the latest regrade's verdict
 *   checks           the checks passed and run of the attempt that counts:
 *                    the latest regrade, else the learner's best attempt
 *   score            the points earned (report_cell_score())
 *   stale            the latest submission's source of this exercise is
 *                    not the source the learner graded
 *   disagree         both verdicts exist and differ
 *
 * Points: an exercise is worth the points its lesson gives it (one found
 * only in the database, no longer in the course, is worth 0), and a
 * learner's maximum is the course's total.  The verdict that counts is
 * the regrade's where there is one, else the learner's own.  With the
 * course's credit all-or-nothing, a cell scores all its points when that
 * verdict is pass and 0 otherwise; with partial credit, a pass scores all
 * of them and anything else points x checks passed / checks of the
 * attempt that counts, rounded to the hundredth.  A cell not started
 * scores 0.  Scores are kept in hundredths of a point, so that sums are
 * exact; report_score_text() writes one.
 *
 * The writers report their own errors (a database read, a temporary
 * file) and return -1; a write error on f is the caller's to find with
 * ferror().  Every learner-supplied string is escaped for its format
 * (names come from submissions and are untrusted).
 */
#ifndef KMEMLAB_REPORT_H
#define KMEMLAB_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "course.h"

struct store;

struct report_check {
	char *name;
	char *status;		/* fail or error */
	char *expected;
	char *observed;
	char *hint;
};

struct report_cell {
	int attempts;
	int experiments;	/* counted, and in nothing else */
	char *first_at;		/* NULL when none */
	char *passed_at;
	char *last_at;		/* the latest self attempt */
	int attempts_to_pass;	/* self attempts up to the first pass; 0 if none */
	char *self_verdict;	/* NULL when no self attempt */
	char *regrade_verdict;	/* NULL when not regraded */
	int checks_passed;	/* of the attempt that counts ... */
	int checks;		/* ... which ran this many; 0 when none */
	int score;		/* hundredths of a point */
	int stale;
	int64_t graded_id;	/* the regrade if any, else the latest self attempt */
	/* The failing checks of that attempt, in order (with details only). */
	struct report_check *failing;
	int nfailing;
};

enum report_status {
	REPORT_NEW,		/* not started */
	REPORT_PASS,
	REPORT_FAIL,
	REPORT_DISAGREE,	/* self and regrade verdicts differ */
};

struct report_exercise {
	char *id;
	char *title;
	int lesson;		/* the lesson's number, 0 if not in the course */
	char number[24];	/* "3", or "3.2" in a lesson of several; "" if none */
	int points;		/* 0 if not in the course */
};

struct report_learner {
	int64_t id;
	char *login;
	char *name;
	struct report_cell *cells;	/* one per exercise */
	int ncells;
	int passed;			/* cells whose verdict that counts is pass */
	int score;			/* hundredths, the sum of the cells' */
};

/* The checks failed most, over every attempt. */
struct report_failing {
	char *exercise;
	char *name;
	int attempts;		/* attempts where it failed */
	int learners;		/* learners who failed it at least once */
};

/* Cells that passed (first self pass) on one day. */
struct report_day {
	char date[11];		/* YYYY-MM-DD */
	int passes;
};

/* How many times each value was seen: a median without keeping the values. */
struct report_hist {
	long *n;		/* n[v]: how many times v */
	int len;
	long count;
	long sum;
};

/* The learners read so far, added up. */
struct report_stats {
	int learners;
	int *passes;		/* per exercise: the cells passed (report_cell_passed()) */
	int cells_passed;
	int started;		/* cells with an attempt or a regrade */
	int disagree;
	int stale;
	int done;		/* learners who passed every exercise */
	long attempts;		/* self attempts */
	long long score;	/* hundredths, over every learner */
	struct report_hist *to_pass;	/* per exercise: attempts_to_pass of passed cells */
	struct report_hist to_pass_all;
	struct report_day *days;	/* by date */
	int ndays;
};

struct report_cursor;
struct report_failing_job;

struct report {
	int is_class;
	char *title;		/* the class directory or the learner's name */
	char *course_id, *course_title, *course_version;	/* the course reported on */
	char generated_at[32];
	enum course_credit credit;
	int points;		/* the maximum score, the sum of the exercises' points */
	struct report_exercise *exercises;
	int nexercises;
	int nlearners;		/* in the report, known from report_open() */
	/* Set before the first report_next(): load each cell's failing checks. */
	int details;
	struct report_stats stats;
	struct report_failing *failing;	/* from report_load_failing() */
	int nfailing;
	struct report_cursor *cur;
	struct report_failing_job *failing_job;
};
#define REPORT_INIT { 0 }

#define REPORT_TOP_FAILING 15

struct report_options {
	int is_class;		/* learners with is_self = 0, else the one with is_self = 1 */
	const char *learner;	/* only this learner (login or numeric id), or NULL */
	const char *title;
};

/*
 * Open a report of st's database for the course's exercises (in lesson
 * order; exercises found only in the database come after them): a read
 * transaction that lasts until report_close().  Reports its own error
 * (naming the database) and returns -1, r closed.
 */
int report_open(struct store *st, const struct course *course, const struct report_options *o,
		struct report *r);
/*
 * The next learner into l (whose memory is reused from one call to the
 * next; start it zeroed, end it with report_learner_release()): 1, or 0
 * after the last, or -1 on a read error (reported).
 */
int report_next(struct report *r, struct report_learner *l);
void report_learner_release(struct report_learner *l);
/*
 * The checks failed most (r->failing), over the report's learners.  The
 * query scans every check row: report_start_failing() runs it on a
 * connection and in a thread of its own, while the learners are read;
 * report_load_failing() waits for it (and starts it if need be), and
 * reports its error.
 */
void report_start_failing(struct report *r);
int report_load_failing(struct report *r);
/* End the transaction and free everything. */
void report_close(struct report *r);

enum report_status report_cell_status(const struct report_cell *c);
/* The verdict that counts: the regrade's, else the self verdict (or NULL). */
const char *report_cell_verdict(const struct report_cell *c);
/* Whether that verdict is pass. */
int report_cell_passed(const struct report_cell *c);
/* The points the cell earns, in hundredths (see the top of this file). */
int report_cell_score(enum course_credit credit, int points, const struct report_cell *c);
/* Hundredths of a point as text: "10", "8.5", "8.33". */
void report_score_text(long long hundredths, char buf[32]);

/* The median of the values counted, 0 if none. */
double report_hist_median(const struct report_hist *h);

/*
 * For the writers: a temporary file for what they can only put in its
 * place later, or NULL (reported).
 */
FILE *report_spill(void);

/* ---- the text writers (report-text.c) ---- */

/* A terminal matrix; width 0 means no limit, color adds ANSI colours. */
int report_write_table(struct report *r, FILE *f, int width, int color);
/*
 * RFC 4180 CSV, one row per learner and exercise, CRLF line ends; the
 * columns keep their names and order (LMS imports map them by name), new
 * ones come last.
 */
int report_write_csv(struct report *r, FILE *f);
/*
 * JSON: {"generated_at", "credit", "max_score", "learners": [{"id", "name",
 * "results"}]} where results is a Gradescope results.json document; with
 * only_results, the first (only) learner's results document alone.
 */
int report_write_json(struct report *r, FILE *f, int only_results);
/* One CSV field, quoted when it holds a comma, quote, CR or LF. */
void csv_field(FILE *f, const char *s);

/* ---- HTML (report-html.c) ---- */

/* One self-contained HTML page: inline CSS and SVG, no script. */
int report_write_html(struct report *r, FILE *f);
/*
 * An HTML folder dir (which exists): index.html with the figures, the
 * matrix and the charts, learners/ID.html for each learner, style.css.
 * The learners' pages are rewritten in place and synced once; index.html,
 * which links to them, comes last, through a temporary file and a rename.
 * Reports its own errors.
 */
int report_write_html_dir(struct report *r, const char *dir);
/* Text escaped for HTML content and attribute values. */
void html_escape(FILE *f, const char *s);

#endif
