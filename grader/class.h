/*
 * The instructor's class database: imported submissions and clean
 * regrades, in the same schema as a learner's database (grader/store.c)
 * with role = 'class' in its state table.
 *
 * Per (learner, exercise): the self verdict is 'pass' if any of the
 * learner's own attempts passed, else the latest one's verdict (kept in
 * submission_exercise.self_verdict); the regrade verdict is the latest
 * attempt with origin 'regrade'; they disagree when both exist and differ.
 */
#ifndef KMEMLAB_CLASS_H
#define KMEMLAB_CLASS_H

#include "course.h"
#include "store.h"

/*
 * Open dir/class.db.  With create, make it (and dir) and mark it a class
 * database; otherwise a missing or non-class database is an error that
 * says how to make one.
 */
struct store *class_open(const char *dir, int create);

/*
 * Validate the bundle file and store it in one transaction.  Returns 1
 * when imported, 0 when it was already imported (nothing changes), -1
 * when rejected (reported with the file and the reason; nothing stored).
 * Warnings (a different lab kernel, sources changed after grading) are
 * printed but do not reject.
 */
int class_import(struct store *st, const struct course *c, const char *file);

struct regrade_options {
	int jobs;		/* at once, >= 1 */
	const char *learner;	/* only this learner id, or NULL */
	const char *exercise;	/* only this exercise, or NULL */
	int force;		/* redo jobs already regraded */
	const char *accel;	/* for the lab VM, or NULL */
	const char *logdir;	/* each job's log: LEARNER-EXERCISE.log */
};

/*
 * Re-run every job (the latest submission of each learner x its
 * exercises, filtered) in a clean VM, opts->jobs at a time, and record
 * each verdict as an attempt with origin 'regrade'.  Jobs already
 * regraded are skipped, so an interrupted regrade resumes.  Returns 0 when
 * every job was graded and nothing disagrees, 1 when a job could not be
 * graded, verdicts disagree or it was interrupted, -1 on an error.
 */
int class_regrade(struct store *st, const struct course *c, const struct regrade_options *o);

#endif
