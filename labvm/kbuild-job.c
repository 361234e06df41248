/*
 * A build in a child process (lab.h: kbuild_spawn()), for a caller with
 * other work meanwhile: the result comes back through a pipe.
 */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "run.h"

/* The result's fields, in order, through the pipe from the build's child. */
static void put_field(struct strbuf *sb, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;

	strbuf_add(sb, &n, sizeof(n));
	if (s)
		strbuf_add(sb, s, n);
}

static int get_field(const char **p, const char *end, char **out)
{
	uint32_t n;

	*out = NULL;
	if ((size_t)(end - *p) < sizeof(n))
		return -1;
	memcpy(&n, *p, sizeof(n));
	*p += sizeof(n);
	if (n == UINT32_MAX)
		return 0;
	if ((size_t)(end - *p) < n)
		return -1;
	*out = xstrndup(*p, n);
	*p += n;
	return 0;
}

int kbuild_spawn(struct kbuild_job *job, const struct lab_kernel *k, const char *path,
		 const char *program)
{
	int fds[2];

	job->pid = -1;
	job->fd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return error("cannot make a pipe for the build: %s", strerror(errno));
	fflush(NULL);
	job->pid = fork();
	if (job->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return error("cannot start the build: %s", strerror(errno));
	}
	if (job->pid == 0) {
		struct kbuild_result res;
		struct strbuf sb = STRBUF_INIT;
		int32_t head[5];
		int64_t ms;
		int r;

		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		r = program ? build_program(path, program, &res) : kbuild_module(k, path, &res);
		head[0] = r;
		head[1] = res.ok;
		head[2] = res.cached;
		head[3] = res.fast;
		head[4] = 0;
		ms = res.ms;
		strbuf_add(&sb, head, sizeof(head));
		strbuf_add(&sb, &ms, sizeof(ms));
		put_field(&sb, res.ko);
		put_field(&sb, res.name);
		put_field(&sb, res.hash);
		put_field(&sb, strbuf_str(&res.log));
		for (size_t off = 0; off < sb.len;) {
			ssize_t w = write(fds[1], sb.buf + off, sb.len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				_exit(3);
			off += (size_t)w;
		}
		fflush(NULL);
		_exit(0);
	}
	close(fds[1]);
	job->fd = fds[0];
	return 0;
}

int kbuild_collect(struct kbuild_job *job, struct kbuild_result *res)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[16384];
	int32_t head[5];
	int64_t ms;
	char *log = NULL;
	const char *p, *end;
	int st = 0, ret = -1;

	memset(res, 0, sizeof(*res));
	for (;;) {
		ssize_t n = read(job->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(job->fd);
	job->fd = -1;
	while (waitpid(job->pid, &st, 0) < 0 && errno == EINTR)
		;
	job->pid = -1;
	p = sb.buf ? sb.buf : "";
	end = p + sb.len;
	if (sb.len < sizeof(head) + sizeof(ms)) {
		if (!interrupted)
			error("the build stopped without a result (status %d)", st);
		goto out;
	}
	memcpy(head, p, sizeof(head));
	p += sizeof(head);
	memcpy(&ms, p, sizeof(ms));
	p += sizeof(ms);
	if (get_field(&p, end, &res->ko) < 0 || get_field(&p, end, &res->name) < 0 ||
	    get_field(&p, end, &res->hash) < 0 || get_field(&p, end, &log) < 0) {
		error("the build's result came back cut short");
		kbuild_result_release(res);
		goto out;
	}
	res->ok = head[1];
	res->cached = head[2];
	res->fast = head[3];
	res->ms = ms;
	if (log)
		strbuf_addstr(&res->log, log);
	ret = head[0];
out:
	free(log);
	strbuf_release(&sb);
	return ret;
}

void kbuild_abort(struct kbuild_job *job)
{
	if (job->pid > 0) {
		kill(job->pid, SIGKILL);
		while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (job->fd >= 0)
		close(job->fd);
	job->pid = -1;
	job->fd = -1;
}
