/*
 * What the local regrade (regrade.c) and the one through Slurm (slurm.c)
 * share: the jobs, their sources, their grading, their outcome.  Not for
 * use outside them.
 */
#ifndef KMEMLAB_REGRADE_INTERNAL_H
#define KMEMLAB_REGRADE_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "class.h"
#include "record.h"

struct job {
	int64_t submission, learner;
	char *login, *exercise;
	int done;		/* already regraded before this run */
	int result;		/* 0 pass, 1 not passed, 2 could not be graded */
	int tries;		/* runs so far: one that could not be graded runs once more */
};

/* The jobs o selects: each learner's latest submission x its exercises. */
int load_jobs(struct store *st, const struct regrade_options *o, struct job **jobs, int *n);
void free_jobs(struct job *jobs, int n);
/* o->logdir/LOGIN-EXERCISE.log, allocated. */
char *job_log(const struct regrade_options *o, const struct job *j);
/*
 * Write the job's submitted C sources into dir, with the course's own
 * build files; returns how many sources, or -1 (reported).  Files left
 * out are said on notes (the job's log).
 */
int write_sources(struct store *st, const struct exercise *ex, const struct job *j,
		  const char *dir, FILE *notes);
/*
 * Grade the nsources sources in dir as exercise of c, in a fresh lab VM
 * and the build sandbox, into r: 0 passed, 1 not passed (r filled), 2
 * not graded (reported; r empty).  No sources is a verdict of 'error'.
 */
int grade_sources(const struct course *c, const char *accel, const char *exercise,
		  const char *dir, int nsources, struct record *r);
/* The job's newest regrade: "pass 10/10: all 10 checks passed", or NULL. */
char *job_outcome(struct store *st, const struct job *j);
/* Print each disagreement among the jobs; how many, or -1. */
int report_disagreements(struct store *st, const struct job *jobs, int n);
/*
 * The progress line on stderr (a terminal): "[####....] 3/10 done, ...",
 * with queued and running jobs when queued >= 0.
 */
void draw_bar(int done, int total, int failed, int errors, int queued, int running,
	      int64_t start);

#endif
