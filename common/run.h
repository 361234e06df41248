/*
 * Every subprocess kmemlab starts (kbuild, gcc, QEMU) goes through this
 * API, so that capture, time limits and clean-up are done one way.
 *
 * A child started here dies with kmemlab (PR_SET_PDEATHSIG), runs in its
 * own process group (so a time limit can kill all it started), and gets
 * /dev/null as standard input unless asked otherwise.
 */
#ifndef KMEMLAB_RUN_H
#define KMEMLAB_RUN_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include "util.h"

struct child_process {
	const char *const *argv;
	const char *dir;	/* chdir() here before exec, or NULL */
	const char *const *env;	/* extra NAME=VALUE entries, NULL-ended, or NULL */
	int pipe_stdout;	/* in: give the parent a pipe; out: its read end */
	int pipe_stderr;	/* as pipe_stdout; 0 with merge_stderr */
	int merge_stderr;	/* stderr goes where stdout goes */
	int inherit_stdin;	/* keep the parent's stdin instead of /dev/null */
	int pipe_stdin;		/* in: stdin is a pipe; out: its write end, for the parent */
	int own_group;		/* setpgid(0, 0) in the child (default on: set to -1 to stay) */
	pid_t pid;
	int keep_fd;		/* a descriptor above 2 the child keeps open (0: none) */
	int stderr_to;		/* a descriptor above 2 for the child's stderr (0: as is) */
};
#define CHILD_PROCESS_INIT { NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, -1, 0, 0 }

/* Start cp.  Reports its own error (naming argv[0]) and returns -1. */
int child_start(struct child_process *cp);
/*
 * Wait for cp to end.  Returns its exit status, 128 + the signal number
 * if it was killed, or -1 on a wait error.
 */
int child_wait(struct child_process *cp);
/* Kill cp's whole process group with sig (no-op once it has been waited). */
void child_kill(struct child_process *cp, int sig);

/*
 * Run argv, capturing stdout and stderr together into out (at most cap
 * bytes kept; *truncated set when more came), killing it after timeout_ms
 * (0: no limit; *timed_out set).  Returns the exit status as child_wait(),
 * or -1 if it could not be started or was interrupted.
 */
struct run_result {
	int status;
	int timed_out;
	int truncated;
	int interrupted;	/* Ctrl-C (see interrupt_catch()): killed, -1 returned */
	int64_t ms;
};
int run_capture(const char *const *argv, const char *dir, const char *const *env,
		struct strbuf *out, size_t cap, int timeout_ms,
		struct run_result *res);

/*
 * A pool of worker processes: run tasks 0 .. ntasks-1, at most max at
 * once, each in a forked child where child(task, arg) runs and returns
 * its exit status.  A child dies with its parent (PR_SET_PDEATHSIG) and
 * gets SIGTERM when *stop is set (by a signal handler of the caller):
 * then no task starts and run_parallel() waits for the running ones.
 * ended(task, status, ms, arg) runs in the parent as each ends, with the
 * exit status (128 + the signal number if it was killed) and how long it
 * ran; it returns 1 to run the task once more (before any new one), else
 * 0.  Not called for tasks that end after *stop was set.
 * Returns 0 when every task ended, 1 when it was stopped, -1 when a child
 * could not be started (reported; the running ones were stopped).
 */
struct parallel {
	int ntasks;
	int max;
	int (*child)(int task, void *arg);
	int (*ended)(int task, int status, int64_t ms, void *arg);
	void *arg;
	volatile sig_atomic_t *stop;
};
int run_parallel(const struct parallel *p);

#endif
