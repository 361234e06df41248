#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void child_fail(int fd, const char *what)
{
	/* Runs between fork and exec: only async-signal-safe calls. */
	int e = errno;
	ssize_t r;

	r = write(fd, &e, sizeof(e));
	(void)r;
	(void)what;
	_exit(127);
}

int child_start(struct child_process *cp)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int status[2] = { -1, -1 };
	int child_errno = 0;
	ssize_t n;
	pid_t parent = getpid();

	if ((cp->pipe_stdin && pipe2(in, O_CLOEXEC) < 0) ||
	    (cp->pipe_stdout && pipe2(out, O_CLOEXEC) < 0) ||
	    (cp->pipe_stderr && !cp->merge_stderr && pipe2(err, O_CLOEXEC) < 0) ||
	    pipe2(status, O_CLOEXEC) < 0) {
		error("cannot create a pipe for '%s': %s", cp->argv[0], strerror(errno));
		goto fail;
	}
	fflush(NULL);
	cp->pid = fork();
	if (cp->pid < 0) {
		error("cannot start '%s': %s", cp->argv[0], strerror(errno));
		goto fail;
	}
	if (cp->pid == 0) {
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (cp->own_group != -1)
			setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (cp->pipe_stdin) {
			if (dup2(in[0], 0) < 0)
				child_fail(status[1], "stdin");
		} else if (!cp->inherit_stdin) {
			fd = open("/dev/null", O_RDONLY);
			if (fd < 0 || dup2(fd, 0) < 0)
				child_fail(status[1], "stdin");
			close(fd);
		}
		if (cp->pipe_stdout && dup2(out[1], 1) < 0)
			child_fail(status[1], "stdout");
		if (cp->merge_stderr) {
			if (dup2(1, 2) < 0)
				child_fail(status[1], "stderr");
		} else if (cp->pipe_stderr && dup2(err[1], 2) < 0) {
			child_fail(status[1], "stderr");
		} else if (cp->stderr_to > 2 && dup2(cp->stderr_to, 2) < 0) {
			child_fail(status[1], "stderr");
		}
		if (cp->dir && chdir(cp->dir) < 0)
			child_fail(status[1], "chdir");
		if (cp->keep_fd > 2 && fcntl(cp->keep_fd, F_SETFD, 0) < 0)
			child_fail(status[1], "keep_fd");
		if (cp->env)
			for (const char *const *e = cp->env; *e; e++)
				putenv((char *)*e);
		execvp(cp->argv[0], (char *const *)cp->argv);
		child_fail(status[1], "exec");
	}
	close(status[1]);
	status[1] = -1;
	do {
		n = read(status[0], &child_errno, sizeof(child_errno));
	} while (n < 0 && errno == EINTR);
	close(status[0]);
	status[0] = -1;
	if (n == sizeof(child_errno)) {
		waitpid(cp->pid, NULL, 0);
		cp->pid = 0;
		errno = child_errno;
		error("cannot run '%s': %s", cp->argv[0], strerror(child_errno));
		goto fail;
	}
	if (cp->pipe_stdin) {
		close(in[0]);
		cp->pipe_stdin = in[1];
	}
	if (cp->pipe_stdout) {
		close(out[1]);
		cp->pipe_stdout = out[0];
	}
	if (cp->pipe_stderr && !cp->merge_stderr) {
		close(err[1]);
		cp->pipe_stderr = err[0];
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
		if (status[i] >= 0)
			close(status[i]);
	}
	cp->pipe_stdin = cp->pipe_stdout = cp->pipe_stderr = 0;
	return -1;
}

int child_wait(struct child_process *cp)
{
	int st;
	pid_t r;

	if (cp->pid <= 0)
		return -1;
	do {
		r = waitpid(cp->pid, &st, 0);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	cp->pid = 0;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

void child_kill(struct child_process *cp, int sig)
{
	if (cp->pid <= 0)
		return;
	if (cp->own_group != -1)
		kill(-cp->pid, sig);
	kill(cp->pid, sig);
}

int run_capture(const char *const *argv, const char *dir, const char *const *env,
		struct strbuf *out, size_t cap, int timeout_ms,
		struct run_result *res)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int64_t start = now_ms(), deadline = timeout_ms ? start + timeout_ms : 0;
	char buf[16384];
	size_t got = 0;

	memset(res, 0, sizeof(*res));
	cp.argv = argv;
	cp.dir = dir;
	cp.env = env;
	cp.pipe_stdout = 1;
	cp.merge_stderr = 1;
	if (child_start(&cp) < 0)
		return -1;
	for (;;) {
		struct pollfd p = { .fd = cp.pipe_stdout, .events = POLLIN };
		int wait = -1, r;
		ssize_t n;

		if (deadline) {
			int64_t left = deadline - now_ms();

			if (left <= 0) {
				res->timed_out = 1;
				child_kill(&cp, SIGKILL);
				break;
			}
			wait = (int)left;
		}
		/* Bounded, so a Ctrl-C that lands just before poll() is still seen soon. */
		r = poll(&p, 1, wait < 0 || wait > 250 ? 250 : wait);
		if (interrupted) {
			child_kill(&cp, SIGKILL);
			res->interrupted = 1;
			break;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		n = read(cp.pipe_stdout, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out) {
			size_t keep = (size_t)n;

			if (cap && got + keep > cap) {
				keep = got < cap ? cap - got : 0;
				res->truncated = 1;
			}
			strbuf_add(out, buf, keep);
		}
		got += (size_t)n;
	}
	close(cp.pipe_stdout);
	res->status = child_wait(&cp);
	res->ms = now_ms() - start;
	return res->interrupted ? -1 : res->status;
}

/* Fork a worker for task; its pid, or -1 (reported). */
static pid_t parallel_start(const struct parallel *p, int task)
{
	pid_t parent = getpid(), pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		error("cannot start a worker process: %s", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(2);
	_exit(p->child(task, p->arg));
}

int run_parallel(const struct parallel *p)
{
	pid_t *pid = xcalloc((size_t)p->ntasks + 1, sizeof(*pid));
	int64_t *started = xcalloc((size_t)p->ntasks + 1, sizeof(*started));
	int *again = xcalloc((size_t)p->ntasks + 1, sizeof(*again));
	int next = 0, running = 0, killed = 0, failed = 0, nagain = 0;

	for (;;) {
		int status, task = -1;
		pid_t ended;

		while (!*p->stop && !failed && running < p->max) {
			if (nagain) {
				task = again[--nagain];
			} else if (next < p->ntasks) {
				task = next++;
			} else {
				break;
			}
			pid[task] = parallel_start(p, task);
			if (pid[task] < 0) {
				pid[task] = 0;
				failed = 1;
				break;
			}
			started[task] = now_ms();
			running++;
		}
		if (!running)
			break;
		if ((*p->stop || failed) && !killed) {
			for (int i = 0; i < p->ntasks; i++)
				if (pid[i] > 0)
					kill(pid[i], SIGTERM);
			killed = 1;
		}
		ended = waitpid(-1, &status, 0);
		if (ended < 0) {
			if (errno != EINTR)
				break;
			continue;
		}
		for (int i = 0; i < p->ntasks; i++)
			if (pid[i] == ended)
				task = i;
		if (task < 0)
			continue;
		pid[task] = 0;
		running--;
		if (*p->stop || failed)
			continue;
		status = WIFEXITED(status) ? WEXITSTATUS(status)
		       : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 2;
		if (p->ended(task, status, now_ms() - started[task], p->arg))
			again[nagain++] = task;
	}
	free(pid);
	free(started);
	free(again);
	return failed ? -1 : *p->stop ? 1 : 0;
}
