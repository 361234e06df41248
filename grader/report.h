/*
 * Progress reports: one model of learners by exercises, loaded from a
 * learner's own database or a class database with a few aggregate
 * queries, and four writers (terminal table, CSV, HTML, JSON).
 *
 * Per learner and exercise (a cell), with the learner's own attempts
 * (origin 'self') and the instructor's clean regrades (origin 'regrade'):
 *
 *   attempts         the number of self attempts
 *   first_at         the earliest self attempt
 *   passed_at        the earliest self attempt that passed
 *   self_verdict     "pass" if any self attempt passed, else the latest's
 *   regrade_verdict  the latest regrade's verdict
 *   score/max_score  the latest regrade's, else the best self attempt's
 *   stale            the latest submission's source of this exercise is
 *                    not the source the learner graded
 *   disagree         both verdicts exist and differ
 *
 * The writers take a FILE * and report nothing themselves: the caller
 * checks ferror().  Every learner-supplied string is escaped for its
 * format (names come from submissions and are untrusted).
 */
#ifndef KMEMLAB_REPORT_H
#define KMEMLAB_REPORT_H

#include <stdint.h>
#include <stdio.h>

struct sqlite3;
struct course;

struct report_check {
	char *name;
	char *status;		/* fail or error */
	char *expected;
	char *observed;
	char *hint;
};

struct report_cell {
	int attempts;
	char *first_at;		/* NULL when none */
	char *passed_at;
	char *last_at;		/* the latest self attempt */
	int attempts_to_pass;	/* self attempts up to the first pass; 0 if none */
	char *self_verdict;	/* NULL when no self attempt */
	char *regrade_verdict;	/* NULL when not regraded */
	int has_score;
	int score, max_score;
	int stale;
	int64_t graded_id;	/* the regrade if any, else the latest self attempt */
	/* The failing checks of that attempt, in order. */
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
	int max_score;		/* the highest max_score seen for it, 0 if none */
};

struct report_learner {
	int64_t id;
	char *login;
	char *name;
	struct report_cell *cells;	/* one per exercise */
	int passed;			/* cells with status REPORT_PASS */
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

struct report {
	int is_class;
	char *title;		/* the class directory or the learner's name */
	char generated_at[32];
	struct report_exercise *exercises;
	int nexercises;
	struct report_learner *learners;
	int nlearners;
	struct report_failing *failing;
	int nfailing;
	struct report_day *days;
	int ndays;
};
#define REPORT_INIT { 0 }

#define REPORT_TOP_FAILING 15

struct report_options {
	int is_class;		/* learners with is_self = 0, else the one with is_self = 1 */
	const char *learner;	/* only this learner (login or numeric id), or NULL */
	const char *title;
};

/*
 * Load the model from db for the course's exercises (in lesson order;
 * exercises found only in the database come after them).  Reports its
 * own error (naming path) and returns -1.
 */
int report_load(struct sqlite3 *db, const char *path, const struct course *course,
		const struct report_options *o, struct report *r);
void report_release(struct report *r);

enum report_status report_cell_status(const struct report_cell *c);
/* The verdict that counts: the regrade's, else the self verdict (or NULL). */
const char *report_cell_verdict(const struct report_cell *c);

/* A terminal matrix; width 0 means no limit, color adds ANSI colours. */
void report_write_table(const struct report *r, FILE *f, int width, int color);
/* RFC 4180 CSV, one row per learner and exercise, CRLF line ends. */
void report_write_csv(const struct report *r, FILE *f);
/* One self-contained HTML page: inline CSS and SVG, no script. */
void report_write_html(const struct report *r, FILE *f);
/*
 * JSON: {"learners": [{"id", "name", "results"}]} where results is a
 * Gradescope results.json document; with only_results, the first (only)
 * learner's results document alone.
 */
void report_write_json(const struct report *r, FILE *f, int only_results);

/* One CSV field, quoted when it holds a comma, quote, CR or LF. */
void csv_field(FILE *f, const char *s);
/* Text escaped for HTML content and attribute values. */
void html_escape(FILE *f, const char *s);

/* Compare names as people sort them: case aside, digit runs by value. */
int natural_casecmp(const char *a, const char *b);

#endif
