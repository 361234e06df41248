/*
 * The instructor's class database: imported submissions and clean
 * regrades, in the same schema as a learner's database (grader/store.c)
 * with role = 'class' in its state table.
 *
 * A learner's latest submission is the one imported last: times in a
 * bundle come from the learner's clock, which may be wrong or forged, so
 * they are shown and checked but decide nothing.
 *
 * Per (learner, exercise): the self verdict is 'pass' if any of the
 * learner's own attempts passed, else the latest one's verdict (kept in
 * submission_exercise.self_verdict); the regrade verdict is the latest
 * attempt with origin 'regrade'; they disagree when both exist and differ.
 */
#ifndef KMEMLAB_CLASS_H
#define KMEMLAB_CLASS_H

#include <signal.h>

#include "course.h"
#include "store.h"

/*
 * Open dir/class.db.  With create, make it (and dir) and mark it a class
 * database; otherwise a missing or non-class database is an error that
 * says how to make one.
 */
struct store *class_open(const char *dir, int create);

/*
 * The class's course: class init records its id, version and folder
 * (class_set_course(), refused when the class has another course); the
 * other class commands load the course from that folder (class_course():
 * NULLs for a class made before courses had ids, which teaches the
 * shipped one).  Imports refuse bundles of another course.
 */
int class_set_course(struct store *st, const struct course *c);
int class_course(struct store *st, char **id, char **dir);

/* How far ahead of this machine a learner's clock may be before it is said. */
#define CLASS_CLOCK_SLACK (10 * 60)

enum {
	CLASS_REJECTED = -1,	/* reported with the file and the reason; nothing stored */
	CLASS_ALREADY = 0,	/* the same bundle was imported before; nothing changes */
	CLASS_IMPORTED = 1,
	CLASS_STOPPED = 2,	/* class_import_stop was set before it was stored */
};

/*
 * Validate the bundle file and store it in one transaction; returns one
 * of the above.  Warnings (a different lab kernel, sources changed after
 * grading, a learner's new name as 'old' -> 'new', times ahead of this
 * machine's clock, a bundle made before the learner's last one, free
 * text made harmless) are printed but do not reject.  Every name from
 * the bundle that is printed has passed text_problem() or is quoted.
 */
int class_import(struct store *st, const struct course *c, const char *file);

/* Set (by a signal) to stop class_import() before it stores anything. */
extern volatile sig_atomic_t class_import_stop;

/*
 * class_import() each of the n files in turn, stdout flushed after each.
 * Ctrl-C (SIGINT) or SIGTERM stops it between bundles: the one under way
 * is stored whole or not at all, and the end says how many were imported,
 * already there and rejected, and names those not imported.  More than
 * one file ends with that count too.  Returns 0, or 1 when one was
 * rejected or it was stopped.
 */
int class_import_all(struct store *st, const struct course *c, char *const *files, int n);

struct regrade_options {
	int jobs;		/* at once, >= 1 */
	const char *learner;	/* only this learner id, or NULL */
	const char *exercise;	/* only this exercise, or NULL */
	int force;		/* redo jobs already regraded */
	const char *accel;	/* for the lab VM, or NULL */
	const char *logdir;	/* each job's log: LEARNER-EXERCISE.log */
	const char *classdir;	/* the class folder (Slurm runs go in its slurm/) */
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

/*
 * The regrade through Slurm (slurm.c): the same jobs, as Slurm job arrays
 * (sbatch --array), each task grading its jobs on its node exactly as a
 * local job does and writing each result as a file in the class folder,
 * which the nodes share; this process ingests them into class.db, one
 * transaction per job.  Arrays are sized to the cluster's MaxArraySize
 * and MaxJobCount (scontrol show config), several jobs a task where
 * needed.  A job whose task left no result is named with Slurm's reason
 * and runs once more.  Ctrl-C cancels the arrays (scancel); a second run
 * collects what earlier ones left and resumes with the rest.  Returns as
 * class_regrade().
 */
struct slurm_options {
	const char *partition;		/* or NULL: the cluster's default */
	int time_min;			/* per task; 0: 10 minutes a job */
	const char *const *sbatch_args;	/* more #SBATCH lines */
	int nsbatch_args;
	int dry_run;			/* print the plan and the script only */
	int no_wait;			/* submit, then leave it to --collect */
};
int class_regrade_slurm(struct store *st, const struct course *c,
			const struct regrade_options *o, const struct slurm_options *so);
/* Ingest every result the class's Slurm runs left (idempotent). */
int class_slurm_collect(struct store *st, const struct regrade_options *o);
/*
 * One array task, on a node: grade its jobs of the run folder run and
 * write their results.  Exit status: 0 all graded, 1 one was not, 2 the
 * run folder cannot be read.
 */
int class_slurm_task(const struct course *c, const char *run, int array, int task);

#endif
