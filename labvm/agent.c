/*
 * kmemlab's guest agent: /init of the lab VM's initramfs.
 *
 * It mounts the pseudo file systems, loads the virtio modules the channel
 * needs, opens the virtio-serial port named "kmemlab.0", says hello and
 * then serves the host's requests one at a time (see proto.h).  Anything
 * that may block for long (a command, insmod, rmmod) runs in a child
 * process under a deadline, so a learner's module that hangs in a syscall
 * costs a timed-out reply, not the agent.  As PID 1 the agent must never
 * exit: on a fatal error it says why on the console and powers off.
 *
 * Linked statically; uses libc and proto.c only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/random.h>

#include "proto.h"

#define PORT_NAME "kmemlab.0"
#define MODULE_LIST "/etc/kmemlab/modules"

static void console(const char *fmt, ...)
{
	va_list ap;

	fputs("kmemlab-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn)) fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("kmemlab-agent: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mount_or_warn(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, NULL) < 0 && errno != EBUSY)
		console("cannot mount %s on %s: %s", type, dst, strerror(errno));
}

static void set_oom_adj(const char *v)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t r = write(fd, v, strlen(v));

		(void)r;
		close(fd);
	}
}

static void write_str(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0 || write(fd, v, strlen(v)) < 0)
		console("cannot write '%s' to %s: %s", v, path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/*
 * The trace instance the grader follows a learner module's allocations
 * with (grader/leaks.h), made ready but off, when the kernel command line
 * asks (PROTO_ALLOC_TRACE_ARG: vm_options.alloc_trace, module exercises).  Made at boot, it is
 * in their saved state: no check pays for making it, and no figure a
 * check reads moves when it is turned on.
 */
#define ALLOC_TRACE PROTO_ALLOC_TRACE
static void setup_alloc_trace(void)
{
	static const char *const events[] = { "kmalloc", "kmem_cache_alloc", "kfree",
					      "kmem_cache_free" };
	char path[256], cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	if (!strstr(cmdline, PROTO_ALLOC_TRACE_ARG))
		return;
	if (mkdir(ALLOC_TRACE, 0755) < 0 && errno != EEXIST) {
		console("cannot make the allocation trace: %s", strerror(errno));
		return;
	}
	write_str(ALLOC_TRACE "/tracing_on", "0");
	/* Some 80,000 events: a check that makes more is said not to be followed. */
	write_str(ALLOC_TRACE "/buffer_size_kb", "4096");
	write_str(ALLOC_TRACE "/trace_options", "nohash-ptr");
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (i < 2) {
			/* Allocations from module space only: no module lives below it. */
			snprintf(path, sizeof(path), ALLOC_TRACE "/events/kmem/%s/filter", events[i]);
			write_str(path, "call_site >= 0xffffffffc0000000");
		}
		snprintf(path, sizeof(path), ALLOC_TRACE "/events/kmem/%s/enable", events[i]);
		write_str(path, "1");
	}
}

static int load_module_file(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = (int)syscall(SYS_finit_module, fd, params, 0);
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

static void load_boot_modules(void)
{
	FILE *f = fopen(MODULE_LIST, "r");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int r;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		r = load_module_file(line, "");
		if (r < 0 && r != -EEXIST)
			console("cannot load %s: %s", line, strerror(-r));
	}
	fclose(f);
}

static int open_port(void)
{
	int64_t deadline = mono_ms() + 20000;

	while (mono_ms() < deadline) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *e;

		while (d && (e = readdir(d))) {
			char path[300], name[64] = "";
			FILE *f;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name",
				 e->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(name, sizeof(name), f))
				name[strcspn(name, "\n")] = '\0';
			fclose(f);
			if (!strcmp(name, PORT_NAME)) {
				int fd;

				snprintf(path, sizeof(path), "/dev/%s", e->d_name);
				fd = open(path, O_RDWR | O_CLOEXEC);
				if (fd >= 0) {
					closedir(d);
					return fd;
				}
			}
		}
		if (d)
			closedir(d);
		usleep(5000);
	}
	fatal("no virtio-serial port named %s appeared", PORT_NAME);
}

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/*
 * Wait for pid until deadline; returns 1 with *status when it ended, 0 on
 * timeout.  Output pipes, when given, are drained meanwhile into bufs
 * capped at cap bytes each.
 */
struct capture {
	int fd;
	char *buf;
	size_t len, cap;
	int truncated;
};

static void capture_read(struct capture *c)
{
	char tmp[16384];
	ssize_t n = read(c->fd, tmp, sizeof(tmp));

	if (n <= 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	if (c->len + (size_t)n > c->cap) {
		c->truncated = 1;
		n = (ssize_t)(c->cap - c->len);
	}
	if (n > 0) {
		c->buf = realloc(c->buf, c->len + (size_t)n + 1);
		if (!c->buf)
			fatal("out of memory");
		memcpy(c->buf + c->len, tmp, (size_t)n);
		c->len += (size_t)n;
	}
}

static int wait_child(pid_t pid, int64_t deadline, struct capture *caps, int ncaps,
		      int *status)
{
	int pfd = pidfd_of(pid);
	int done = 0;

	for (;;) {
		struct pollfd p[3];
		int n = 0, open_caps = 0;
		int64_t left = deadline - mono_ms();

		if (!done && waitpid(pid, status, WNOHANG) == pid)
			done = 1;
		for (int i = 0; i < ncaps; i++)
			if (caps[i].fd >= 0)
				open_caps++;
		if (done && !open_caps)
			break;
		if (left <= 0)
			break;
		if (!done && pfd >= 0)
			p[n++] = (struct pollfd){ .fd = pfd, .events = POLLIN };
		for (int i = 0; i < ncaps; i++)
			if (caps[i].fd >= 0)
				p[n++] = (struct pollfd){ .fd = caps[i].fd, .events = POLLIN };
		if (poll(p, (nfds_t)n, (int)(left > 50 && pfd < 0 ? 50 : left)) < 0 &&
		    errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			for (int j = 0; j < ncaps; j++)
				if (caps[j].fd == p[i].fd)
					capture_read(&caps[j]);
		}
	}
	if (pfd >= 0)
		close(pfd);
	return done;
}

static void reply_errno(int fd, int err)
{
	struct proto_msg r = PROTO_MSG_INIT;

	proto_msg_init(&r, P_REPLY);
	proto_put_u64(&r, T_ERRNO, (uint64_t)err);
	proto_write_fd(fd, &r);
	proto_msg_release(&r);
}

static void reply_error(int fd, const char *fmt, ...)
{
	struct proto_msg r = PROTO_MSG_INIT;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	proto_msg_init(&r, P_ERROR);
	proto_put_str(&r, T_MESSAGE, msg);
	proto_write_fd(fd, &r);
	proto_msg_release(&r);
}

static void mkdir_parents(char *path)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
}

static void do_put(int fd, const struct proto_msg *m)
{
	char *path = proto_get_str(m, T_PATH);
	struct proto_field data;
	mode_t mode = (mode_t)proto_get_u64(m, T_MODE, 0644);
	int out, err = 0;

	if (!path || path[0] != '/' || !proto_find(m, T_DATA, &data)) {
		reply_error(fd, "put: needs an absolute path and data");
		free(path);
		return;
	}
	mkdir_parents(path);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		err = errno;
	} else {
		size_t off = 0;

		while (off < data.len) {
			ssize_t n = write(out, data.data + off, data.len - off);

			if (n < 0) {
				err = errno;
				break;
			}
			off += (size_t)n;
		}
		fchmod(out, mode);
		close(out);
	}
	reply_errno(fd, err);
	free(path);
}

static void do_exec(int fd, const struct proto_msg *m)
{
	struct proto_field f;
	size_t pos = 0;
	char *argv[64];
	int argc = 0;
	int64_t timeout = (int64_t)proto_get_u64(m, T_TIMEOUT_MS, 10000);
	size_t cap = (size_t)proto_get_u64(m, T_CAP, 1 << 20);
	int out[2], errp[2], st = 0, done, exec_err = 0;
	int64_t start;
	struct capture caps[2];
	struct proto_msg r = PROTO_MSG_INIT;
	pid_t pid;

	while (proto_next(m, &pos, &f) == 1 && argc < 63) {
		if (f.tag != T_ARG)
			continue;
		argv[argc] = strndup((const char *)f.data, f.len);
		argc++;
	}
	argv[argc] = NULL;
	if (!argc) {
		reply_error(fd, "exec: no command");
		return;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		reply_error(fd, "exec: pipe: %s", strerror(errno));
		goto out_free;
	}
	start = mono_ms();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setsid();
		/* Learners' programs start as ordinary OOM candidates. */
		set_oom_adj("0");
		dup2(null, 0);
		dup2(out[1], 1);
		dup2(errp[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	if (pid < 0) {
		exec_err = errno;
		close(out[0]);
		close(errp[0]);
		reply_error(fd, "exec: fork: %s", strerror(exec_err));
		goto out_free;
	}
	caps[0] = (struct capture){ .fd = out[0], .cap = cap };
	caps[1] = (struct capture){ .fd = errp[0], .cap = cap };
	done = wait_child(pid, start + timeout, caps, 2, &st);
	if (!done) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		/* Give it a moment to die so its pipes close; never block. */
		wait_child(pid, mono_ms() + 500, caps, 2, &st);
	}
	for (int i = 0; i < 2; i++)
		if (caps[i].fd >= 0)
			close(caps[i].fd);
	proto_msg_init(&r, P_REPLY);
	proto_put_u64(&r, T_STATUS, WIFEXITED(st) ? (uint64_t)WEXITSTATUS(st) : 0);
	proto_put_u64(&r, T_SIGNAL, WIFSIGNALED(st) ? (uint64_t)WTERMSIG(st) : 0);
	proto_put_u64(&r, T_TIMED_OUT, !done);
	proto_put_u64(&r, T_TRUNCATED, caps[0].truncated || caps[1].truncated);
	proto_put(&r, T_STDOUT, caps[0].buf ? caps[0].buf : "", caps[0].len);
	proto_put(&r, T_STDERR, caps[1].buf ? caps[1].buf : "", caps[1].len);
	proto_put_u64(&r, T_MS, (uint64_t)(mono_ms() - start));
	proto_write_fd(fd, &r);
	proto_msg_release(&r);
	free(caps[0].buf);
	free(caps[1].buf);
out_free:
	for (int i = 0; i < argc; i++)
		free(argv[i]);
}

/*
 * insmod and rmmod run in a child: a module whose init never returns
 * leaves that child stuck in the kernel, and the agent answers "timed
 * out" instead of hanging with it.
 */
static void run_module_op(int fd, const struct proto_msg *m, int insmod)
{
	char *path = proto_get_str(m, insmod ? T_PATH : T_NAME);
	char *params = proto_get_str(m, T_PARAMS);
	int64_t timeout = (int64_t)proto_get_u64(m, T_TIMEOUT_MS, 30000);
	int64_t start = mono_ms();
	struct proto_msg r = PROTO_MSG_INIT;
	int st = 0, done;
	pid_t pid;

	if (!path) {
		reply_error(fd, "%s: no module given", insmod ? "insmod" : "rmmod");
		free(params);
		return;
	}
	pid = fork();
	if (pid == 0) {
		int ret;

		/* The module runs in this process: it gets no handle on the channel. */
		close(fd);
		if (insmod)
			ret = load_module_file(path, params ? params : "");
		else
			ret = syscall(SYS_delete_module, path, O_NONBLOCK) < 0 ? -errno : 0;
		_exit(-ret);
	}
	if (pid < 0) {
		reply_error(fd, "fork: %s", strerror(errno));
		goto out;
	}
	done = wait_child(pid, start + timeout, NULL, 0, &st);
	proto_msg_init(&r, P_REPLY);
	proto_put_u64(&r, T_ERRNO, done && WIFEXITED(st) ? (uint64_t)WEXITSTATUS(st) : 0);
	proto_put_u64(&r, T_SIGNAL, done && WIFSIGNALED(st) ? (uint64_t)WTERMSIG(st) : 0);
	proto_put_u64(&r, T_TIMED_OUT, !done);
	proto_put_u64(&r, T_MS, (uint64_t)(mono_ms() - start));
	proto_write_fd(fd, &r);
	proto_msg_release(&r);
out:
	free(path);
	free(params);
}

/*
 * Kernel log records from sequence number from on, raw as /dev/kmsg gives
 * them ("prio,seq,usec,flags;text\n" plus " KEY=value" lines).  Records the
 * ring buffer dropped before we read them are counted in T_LOST.
 */
static void do_klog(int fd, const struct proto_msg *m)
{
	uint64_t from = proto_get_u64(m, T_FROM_SEQ, 0);
	size_t cap = (size_t)proto_get_u64(m, T_CAP, 256 << 10);
	uint64_t next = from, lost = 0, omitted = 0;
	char *buf = NULL, rec[8192];
	size_t len = 0;
	int kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int first = 1;
	struct proto_msg r = PROTO_MSG_INIT;

	if (kfd < 0) {
		reply_error(fd, "cannot open /dev/kmsg: %s", strerror(errno));
		return;
	}
	for (;;) {
		ssize_t n = read(kfd, rec, sizeof(rec) - 1);
		unsigned long long seq;

		if (n < 0 && errno == EPIPE) {
			/* Overwritten while we read; the next read resyncs. */
			continue;
		}
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (sscanf(rec, "%*u,%llu", &seq) != 1)
			continue;
		if (seq < from)
			continue;
		if (first && seq > from)
			lost += seq - from;
		first = 0;
		next = seq + 1;
		if (len + (size_t)n > cap) {
			omitted++;
			continue;
		}
		buf = realloc(buf, len + (size_t)n + 1);
		if (!buf)
			fatal("out of memory");
		memcpy(buf + len, rec, (size_t)n);
		len += (size_t)n;
	}
	close(kfd);
	proto_msg_init(&r, P_REPLY);
	proto_put(&r, T_DATA, buf ? buf : "", len);
	proto_put_u64(&r, T_NEXT_SEQ, next);
	proto_put_u64(&r, T_LOST, lost);
	proto_put_u64(&r, T_TRUNCATED, omitted);
	proto_write_fd(fd, &r);
	proto_msg_release(&r);
	free(buf);
}

/*
 * A restored VM state carries the RNG state of the moment it was saved:
 * every restore would draw the same "random" bytes.  Mix the host's bytes
 * into the input pool, credit them, and force the CRNG to reseed from it,
 * so that this run's random numbers are its own.  The wall clock is the
 * save's too: set it to the host's.
 */
static void do_reseed(int fd, const struct proto_msg *m)
{
	struct proto_field data;
	struct proto_msg r = PROTO_MSG_INIT;
	uint64_t ns = proto_get_u64(m, T_TIME, 0);
	struct utsname u;
	int rfd, err = 0;

	if (!proto_find(m, T_DATA, &data) || data.len < 32 || data.len > 512) {
		reply_error(fd, "reseed: needs 32 to 512 random bytes");
		return;
	}
	rfd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (rfd < 0) {
		err = errno;
	} else {
		struct rand_pool_info *info = calloc(1, sizeof(*info) + 512);

		if (!info)
			fatal("out of memory");
		info->entropy_count = (int)data.len * 8;
		info->buf_size = (int)data.len;
		memcpy(info->buf, data.data, data.len);
		if (ioctl(rfd, RNDADDENTROPY, info) < 0 || ioctl(rfd, RNDRESEEDCRNG) < 0)
			err = errno;
		free(info);
		close(rfd);
	}
	if (err) {
		reply_error(fd, "reseed: %s", strerror(err));
		return;
	}
	if (ns) {
		struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

		clock_settime(CLOCK_REALTIME, &ts);
	}
	uname(&u);
	proto_msg_init(&r, P_REPLY);
	proto_put_str(&r, T_RELEASE, u.release);
	proto_write_fd(fd, &r);
	proto_msg_release(&r);
}

static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	struct proto_msg m = PROTO_MSG_INIT, hello = PROTO_MSG_INIT;
	struct utsname u;
	const char *cause;
	int fd;

	mount_or_warn("proc", "/proc", "proc");
	mount_or_warn("sysfs", "/sys", "sysfs");
	mount_or_warn("devtmpfs", "/dev", "devtmpfs");
	mount_or_warn("tmpfs", "/tmp", "tmpfs");
	mount_or_warn("tmpfs", "/run", "tmpfs");
	/* For the lessons: trace events, debugfs, and memory cgroups. */
	mount_or_warn("tracefs", "/sys/kernel/tracing", "tracefs");
	mount_or_warn("debugfs", "/sys/kernel/debug", "debugfs");
	mount_or_warn("cgroup2", "/sys/fs/cgroup", "cgroup2");
	/*
	 * The OOM lessons fill the guest's memory on purpose: the killer must
	 * never pick the agent (PID 1 is exempt anyway, but its children that
	 * run insmod are not, and they reset themselves to 0 below).
	 */
	set_oom_adj("-1000");
	setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
	setenv("HOME", "/root", 1);
	signal(SIGPIPE, SIG_IGN);
	load_boot_modules();
	setup_alloc_trace();
	fd = open_port();

	uname(&u);
	proto_msg_init(&hello, P_HELLO);
	proto_put_u64(&hello, T_VERSION, PROTO_VERSION);
	proto_put_str(&hello, T_RELEASE, u.release);
	if (proto_write_fd(fd, &hello) < 0)
		fatal("cannot write to the channel: %s", strerror(errno));
	proto_msg_release(&hello);

	for (;;) {
		int r = proto_read_fd(fd, &m, &cause);

		if (r == 0) {
			/* The host closed its end; wait for it to come back. */
			usleep(10000);
			continue;
		}
		if (r < 0)
			fatal("channel: %s", cause);
		switch (m.type) {
		case P_PUT:
			do_put(fd, &m);
			break;
		case P_EXEC:
			do_exec(fd, &m);
			break;
		case P_INSMOD:
			run_module_op(fd, &m, 1);
			break;
		case P_RMMOD:
			run_module_op(fd, &m, 0);
			break;
		case P_KLOG:
			do_klog(fd, &m);
			break;
		case P_RESEED:
			do_reseed(fd, &m);
			break;
		case P_POWEROFF:
			reply_errno(fd, 0);
			sync();
			reboot(RB_POWER_OFF);
			break;
		default:
			reply_error(fd, "unknown request type %u", m.type);
		}
		reap_orphans();
	}
}
