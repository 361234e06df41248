#include "vm.h"

#include "paths.h"
#include "vm-internal.h"

#include <json-c/json.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define CONSOLE_LOG_CAP (8u << 20)
#define REPLY_MARGIN_MS 3000

static void console_add(struct vm *vm, const char *buf, size_t n)
{
	if (vm->console_log >= 0 && vm->console_total < CONSOLE_LOG_CAP) {
		size_t w = n;
		ssize_t r;

		if (vm->console_total + w > CONSOLE_LOG_CAP)
			w = CONSOLE_LOG_CAP - vm->console_total;
		r = write(vm->console_log, buf, w);
		(void)r;
	}
	vm->console_total += n;
	strbuf_add(&vm->console, buf, n);
	if (vm->console.len > 2 * VM_CONSOLE_KEEP) {
		size_t drop = vm->console.len - VM_CONSOLE_KEEP;

		memmove(vm->console.buf, vm->console.buf + drop, VM_CONSOLE_KEEP + 1);
		vm->console.len = VM_CONSOLE_KEEP;
	}
}

static void mark_dead(struct vm *vm)
{
	if (vm->dead)
		return;
	vm->dead = 1;
	if (vm->qemu.pipe_stdout > 0) {
		char buf[16384];
		ssize_t n;

		/* Whatever QEMU printed last (its own error, say). */
		while ((n = read(vm->qemu.pipe_stdout, buf, sizeof(buf))) > 0)
			console_add(vm, buf, (size_t)n);
	}
	vm->qemu_status = child_wait(&vm->qemu);
}

/*
 * Move bytes until a whole frame is in *reply (1), the deadline passes
 * (VM_TIMEOUT) or QEMU is gone (VM_DEAD).  wbuf, if any, is written first
 * as the socket accepts it.  The console is drained all along.
 */
static int pump(struct vm *vm, int64_t deadline, const uint8_t *wbuf, size_t wlen,
		struct proto_msg *reply)
{
	size_t woff = 0;

	for (;;) {
		struct pollfd p[3];
		int n = 0, r;
		int64_t left;
		const char *cause;
		size_t used;

		if (vm->rlen) {
			r = proto_decode(vm->rbuf, vm->rlen, &used, reply, &cause);
			if (r < 0) {
				/*
				 * Not the agent's frames: something in the guest (a
				 * module, say) wrote into the channel.  Nothing more
				 * it says can be trusted: the VM ends here, once, and
				 * the caller's verdict says why (vm->corrupt).
				 */
				vm->corrupt = xasprintf("%s", cause);
				vm->rlen = 0;
				child_kill(&vm->qemu, SIGKILL);
				mark_dead(vm);
				return VM_DEAD;
			}
			if (r == 1) {
				memmove(vm->rbuf, vm->rbuf + used, vm->rlen - used);
				vm->rlen -= used;
				return 1;
			}
		}
		if (interrupted && !vm->dead) {
			child_kill(&vm->qemu, SIGKILL);
			mark_dead(vm);
		}
		if (vm->dead)
			return VM_DEAD;
		left = deadline - now_ms();
		if (left <= 0)
			return VM_TIMEOUT;
		p[n++] = (struct pollfd){ .fd = vm->qemu.pipe_stdout, .events = POLLIN };
		p[n++] = (struct pollfd){
			.fd = vm->chan,
			.events = (short)(POLLIN | (woff < wlen ? POLLOUT : 0)),
		};
		p[n++] = (struct pollfd){ .fd = vm->qmp, .events = POLLIN };
		/* Bounded, so a Ctrl-C that lands just before poll() is still seen soon. */
		r = poll(p, (nfds_t)n, left > 250 ? 250 : (int)left);
		if (r < 0 && errno != EINTR)
			return error("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		if (p[0].revents) {
			char buf[16384];
			ssize_t got = read(vm->qemu.pipe_stdout, buf, sizeof(buf));

			if (got > 0)
				console_add(vm, buf, (size_t)got);
			else if (got == 0 || errno != EINTR)
				mark_dead(vm);
		}
		if (p[2].revents) {
			/* QMP events nobody waits for: keep the socket from filling. */
			char buf[4096];

			if (read(vm->qmp, buf, sizeof(buf)) <= 0) {
				close(vm->qmp);
				vm->qmp = -1;
			}
		}
		if (vm->chan >= 0 && (p[1].revents & POLLOUT) && woff < wlen) {
			ssize_t w = write(vm->chan, wbuf + woff, wlen - woff);

			if (w > 0)
				woff += (size_t)w;
		}
		if (vm->chan >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t got;

			if (vm->ralloc - vm->rlen < 65536) {
				vm->ralloc = vm->ralloc * 2 + 65536;
				vm->rbuf = xrealloc(vm->rbuf, vm->ralloc);
			}
			got = read(vm->chan, vm->rbuf + vm->rlen, vm->ralloc - vm->rlen);
			if (got > 0) {
				vm->rlen += (size_t)got;
			} else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* The channel only closes when QEMU goes. */
				close(vm->chan);
				vm->chan = -1;
				if (vm->qemu.pipe_stdout < 0)
					mark_dead(vm);	/* no console pipe to see it end */
			}
		}
	}
}

char *vm_console_since(const struct vm *vm, size_t mark)
{
	size_t kept_from = vm->console_total - vm->console.len;
	const char *p = strbuf_str(&vm->console);
	struct strbuf out = STRBUF_INIT;

	if (mark > kept_from)
		p += mark - kept_from;
	for (; *p; p++)
		if (*p != '\r')
			strbuf_addch(&out, *p);
	return strbuf_detach(&out, NULL);
}

char *vm_console_tail(const struct vm *vm, int max_lines)
{
	const char *s = strbuf_str(&vm->console);
	const char *p = s + strlen(s);
	struct strbuf out = STRBUF_INIT;
	int lines = 0;

	while (p > s && (p[-1] == '\n' || p[-1] == '\r'))
		p--;
	const char *end = p;

	while (p > s && lines < max_lines) {
		p--;
		if (*p == '\n')
			lines++;
	}
	if (*p == '\n')
		p++;
	for (; p < end; p++)
		if (*p != '\r')
			strbuf_addch(&out, *p);
	return strbuf_detach(&out, NULL);
}

/*
 * The host's TSC rate in kHz.  Under TCG the guest's TSC is the host's,
 * and the kernel's own calibration against the emulated PIT fails now and
 * then (the boot then hangs), so the lab tells it the rate instead.
 */
static unsigned long host_tsc_khz(void)
{
	static unsigned long khz;
	struct timespec a, b, pause = { 0, 20 * 1000 * 1000 };
	unsigned long long c0, c1;
	long long ns;

	if (khz)
		return khz;
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	c0 = __rdtsc();
	nanosleep(&pause, NULL);
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	c1 = __rdtsc();
	ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	if (ns > 0)
		khz = (unsigned long)((c1 - c0) * 1000000ULL / (unsigned long long)ns);
	return khz;
}

/* The kernel command line, before the TSC rate and the options' own part. */
#define BASE_APPEND "console=ttyS0 panic=-1 reboot=t loglevel=4 pci=off printk.devkmsg=on"
/* The machine, its devices and their order: a saved state fits only the same. */
#define MACHINE "microvm 1 virtio-serial-device virtserialport:kmemlab.0 smp=1"

void vm_describe(const struct vm_options *o, const char *accel, struct strbuf *key)
{
	strbuf_addf(key, "machine %s\ncpu %s\nmem %d\nappend %s%s %s\n", MACHINE,
		    !strcmp(accel, "kvm") ? "host,la57=off" : "max,la57=off",
		    o->mem_mb ? o->mem_mb : 256, BASE_APPEND,
		    o->alloc_trace ? " " PROTO_ALLOC_TRACE_ARG : "", o->cmdline ? o->cmdline : "");
}

/* A listening Unix socket at dir/name for QEMU to connect to; -1 reported. */
static int listen_at(const char *dir, const char *name, char **path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	*path = path_join(dir, name);
	unlink(*path);
	if (strlen(*path) >= sizeof(sa.sun_path))
		return error("socket path '%s' is too long", *path);
	strcpy(sa.sun_path, *path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		error("cannot listen on '%s': %s", *path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}


/*
 * Start QEMU and accept its two connections: the channel to the agent and
 * QMP (QEMU's control socket, for saving and restoring the VM's state).
 * With state_fd >= 0 the VM is not booted but loaded from that saved state
 * (-incoming), and started as soon as it is loaded.
 */
static int start_qemu(struct vm *vm, const struct lab_kernel *k, const char *initramfs,
		      const struct vm_options *o, const char *accel, int state_fd)
{
	char *sock = NULL, *qsock = NULL;
	char *chardev = NULL, *qchardev = NULL, *incoming = NULL;
	char *mem = xasprintf("%d", o->mem_mb ? o->mem_mb : 256);
	char *append = xasprintf(BASE_APPEND " tsc_early_khz=%lu%s%s%s", host_tsc_khz(),
				 o->alloc_trace ? " " PROTO_ALLOC_TRACE_ARG : "",
				 o->cmdline ? " " : "", o->cmdline ? o->cmdline : "");
	const char *argv[40];
	int argc = 0, lfd = -1, qfd = -1, ret = -1;
	int64_t deadline;

	lfd = listen_at(vm->dir, "chan.sock", &sock);
	qfd = lfd < 0 ? -1 : listen_at(vm->dir, "qmp.sock", &qsock);
	if (lfd < 0 || qfd < 0)
		goto out;
	chardev = xasprintf("socket,id=chan,path=%s,server=off", sock);
	qchardev = xasprintf("socket,id=qmp,path=%s,server=off", qsock);
	{
		const char *fixed[] = {
			VM_QEMU, "-M", "microvm", "-nodefaults", "-no-user-config", "-no-reboot",
			"-display", "none", "-accel", accel, "-cpu",
			!strcmp(accel, "kvm") ? "host,la57=off" : "max,la57=off",
			"-smp", "1", "-m", mem, "-kernel", k->image, "-initrd", initramfs,
			"-append", append, "-serial", o->console_tty ? "chardev:con" : "stdio",
			"-device", "virtio-serial-device", "-chardev", chardev,
			"-device", "virtserialport,chardev=chan,name=kmemlab.0",
			"-chardev", qchardev, "-mon", "chardev=qmp,mode=control",
		};
		/* What a saved state depends on: vm_describe() must say it too. */

		for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
			argv[argc++] = fixed[i];
	}
	if (o->console_tty) {
		/* signal=off: Ctrl-C is the guest's, not a way to kill QEMU */
		argv[argc++] = "-chardev";
		argv[argc++] = "stdio,id=con,signal=off";
	}
	if (state_fd >= 0) {
		incoming = xasprintf("fd:%d", state_fd);
		argv[argc++] = "-incoming";
		argv[argc++] = incoming;
	}
	argv[argc] = NULL;

	vm->qemu = (struct child_process)CHILD_PROCESS_INIT;
	vm->qemu.argv = argv;
	vm->qemu.keep_fd = state_fd >= 0 ? state_fd : 0;
	if (o->console_tty) {
		vm->qemu.inherit_stdin = 1;
		vm->qemu.own_group = -1;	/* QEMU must be in the terminal's foreground group */
		/* Its own messages ("terminating on signal 15") are not the guest's. */
		vm->qemu.stderr_to = vm->console_log;
	} else {
		vm->qemu.pipe_stdout = 1;
		vm->qemu.merge_stderr = 1;
	}
	vm->dead = 0;
	vm->hung = 0;
	vm->chan = -1;
	vm->qmp = -1;
	vm->rlen = 0;
	vm->accel = accel;
	if (child_start(&vm->qemu) < 0) {
		error("install qemu-system-x86 (or run 'make deps' as root)");
		goto out;
	}
	if (o->console_tty)
		vm->qemu.pipe_stdout = -1;	/* no console to read: poll() skips a negative fd */
	/* QEMU connects to both sockets as soon as it has set its devices up. */
	deadline = now_ms() + 30000;
	while (vm->chan < 0 || vm->qmp < 0) {
		struct pollfd p[3] = {
			{ .fd = vm->chan < 0 ? lfd : -1, .events = POLLIN },
			{ .fd = vm->qmp < 0 ? qfd : -1, .events = POLLIN },
			{ .fd = vm->qemu.pipe_stdout, .events = POLLIN },
		};
		int64_t left = deadline - now_ms();

		if (left <= 0 || vm->dead || interrupted)
			break;
		if (poll(p, 3, left > 250 ? 250 : (int)left) <= 0)
			continue;
		if (p[0].revents & POLLIN)
			vm->chan = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (p[1].revents & POLLIN)
			vm->qmp = accept4(qfd, NULL, NULL, SOCK_CLOEXEC);
		if (p[2].revents) {
			char buf[4096];
			ssize_t n = read(vm->qemu.pipe_stdout, buf, sizeof(buf));

			if (n > 0)
				console_add(vm, buf, (size_t)n);
			else
				mark_dead(vm);
		}
	}
	if (vm->chan < 0 || vm->qmp < 0) {
		char *tail = vm_console_tail(vm, 10);

		child_kill(&vm->qemu, SIGKILL);
		mark_dead(vm);
		if (interrupted)
			error("interrupted while QEMU was starting");
		else
			error("QEMU did not start (%s):\n%s", accel, tail);
		free(tail);
		goto out;
	}
	ret = 0;
out:
	if (lfd >= 0)
		close(lfd);
	if (qfd >= 0)
		close(qfd);
	free(sock);
	free(qsock);
	free(chardev);
	free(qchardev);
	free(incoming);
	free(mem);
	free(append);
	return ret;
}


static int wait_hello(struct vm *vm, int timeout_ms)
{
	struct proto_msg m = PROTO_MSG_INIT;
	int r = pump(vm, now_ms() + timeout_ms, NULL, 0, &m);

	if (r == 1) {
		if (m.type != P_HELLO || proto_get_u64(&m, T_VERSION, 0) != PROTO_VERSION) {
			error("the guest agent speaks protocol %llu, kmemlab %d: rebuild "
			      "with 'make'",
			      (unsigned long long)proto_get_u64(&m, T_VERSION, 0),
			      PROTO_VERSION);
			r = VM_ERROR;
		} else {
			vm->release = proto_get_str(&m, T_RELEASE);
			r = 0;
		}
	}
	proto_msg_release(&m);
	return r;
}

/*
 * A restored guest is where it was when its state was saved: the agent
 * waits for a request.  The first one gives it fresh randomness and the
 * time; its answer says the VM runs.
 */
static int wait_restored(struct vm *vm, int timeout_ms)
{
	struct proto_msg req = PROTO_MSG_INIT, rep = PROTO_MSG_INIT;
	unsigned char seed[64];
	struct timespec ts;
	int r;

	random_bytes(seed, sizeof(seed));
	clock_gettime(CLOCK_REALTIME, &ts);
	proto_msg_init(&req, P_RESEED);
	proto_put(&req, T_DATA, seed, sizeof(seed));
	proto_put_u64(&req, T_TIME, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	r = vm_request(vm, &req, &rep, timeout_ms);
	if (r == VM_OK) {
		vm->release = proto_get_str(&rep, T_RELEASE);
		if (!vm->release)
			r = VM_ERROR;
	}
	proto_msg_release(&req);
	proto_msg_release(&rep);
	return r;
}

static void stop_qemu(struct vm *vm)
{
	if (!vm->dead && vm->qemu.inherit_stdin) {
		/* On the terminal: let QEMU put it back as it found it. */
		int64_t deadline = now_ms() + 2000;

		kill(vm->qemu.pid, SIGTERM);
		while (now_ms() < deadline) {
			siginfo_t si = { 0 };

			/* Ended?  (WNOWAIT: mark_dead() reaps it below.) */
			if (waitid(P_PID, (id_t)vm->qemu.pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
			    si.si_pid)
				break;
			usleep(10000);
		}
	}
	if (!vm->dead) {
		child_kill(&vm->qemu, SIGKILL);
		mark_dead(vm);
	}
	if (vm->chan >= 0)
		close(vm->chan);
	vm->chan = -1;
	if (vm->qmp >= 0)
		close(vm->qmp);
	vm->qmp = -1;
	if (vm->qemu.pipe_stdout > 0)
		close(vm->qemu.pipe_stdout);
	vm->qemu.pipe_stdout = 0;
}

/*
 * Runtime directories are /tmp/kmemlab-vm-PID-XXXXXX.  A kmemlab that was
 * killed could not remove its own: sweep_stale() removes those whose
 * process is gone.
 */
static long vm_dir_owner(const char *name)
{
	int pid;

	return sscanf(name, "kmemlab-vm-%d-", &pid) == 1 ? pid : 0;
}

int vm_start(struct vm *vm, const struct lab_kernel *k, const char *initramfs,
	     const struct vm_options *o, const char *accel, const char *state)
{
	char tmpl[64];
	char *logpath;
	int sfd = -1, r;

	memset(vm, 0, sizeof(*vm));
	vm->chan = vm->qmp = -1;
	vm->console_log = -1;
	vm->start_ms = now_ms();
	if (strcmp(accel, "tcg") && strcmp(accel, "kvm"))
		return error("unknown accelerator '%s': use tcg or kvm", accel);
	if (state) {
		sfd = open(state, O_RDONLY | O_CLOEXEC);
		if (sfd < 0)
			return error("cannot open the saved lab VM state '%s': %s", state,
				     strerror(errno));
	}
	sweep_stale("/tmp", vm_dir_owner);
	snprintf(tmpl, sizeof(tmpl), "/tmp/kmemlab-vm-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(tmpl)) {
		if (sfd >= 0)
			close(sfd);
		return error("cannot create a directory in /tmp: %s", strerror(errno));
	}
	vm->dir = xstrdup(tmpl);
	logpath = path_join(vm->dir, "console.log");
	vm->console_log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(logpath);
	r = start_qemu(vm, k, initramfs, o, accel, sfd);
	if (sfd >= 0)
		close(sfd);
	if (r < 0) {
		vm_shutdown(vm);
		return -1;
	}
	/*
	 * A restored VM starts on its own once loaded: its state was saved
	 * running (vm_save()).  Nothing to wait for here.
	 */
	vm->restored = state != NULL;
	return 0;
}

int vm_wait(struct vm *vm, int timeout_ms)
{
	int r = vm->restored ? wait_restored(vm, timeout_ms) : wait_hello(vm, timeout_ms);

	if (r == 0)
		vm->boot_ms = now_ms() - vm->start_ms;
	return r;
}


void vm_shutdown(struct vm *vm)
{
	/* Nothing in the guest outlives the run: no need to power it off. */
	if (vm->qemu.pid > 0)
		stop_qemu(vm);
	if (vm->qmp >= 0)
		close(vm->qmp);
	vm->qmp = -1;
	strbuf_release(&vm->qmp_in);
	free(vm->qmp_error);
	vm->qmp_error = NULL;
	free(vm->corrupt);
	vm->corrupt = NULL;
	if (vm->console_log >= 0)
		close(vm->console_log);
	vm->console_log = -1;
	if (vm->dir) {
		/* Keep the raw console of the last run for a look afterwards. */
		char *from = path_join(vm->dir, "console.log");
		char *to = path_join(paths.cache, "last-console.log");

		if (mkdir_p(paths.cache, 0755) == 0 && is_file(from))
			copy_tree(from, to);
		free(from);
		free(to);
		remove_tree(vm->dir);
	}
	free(vm->dir);
	vm->dir = NULL;
	free(vm->rbuf);
	vm->rbuf = NULL;
	free(vm->release);
	vm->release = NULL;
	strbuf_release(&vm->console);
}

int vm_request(struct vm *vm, const struct proto_msg *req, struct proto_msg *reply,
	       int timeout_ms)
{
	size_t len;
	uint8_t *buf;
	int r;

	if (vm->dead || vm->chan < 0 || vm->corrupt)
		return VM_DEAD;
	if (vm->hung)
		return VM_TIMEOUT;
	buf = proto_encode(req, &len);
	r = pump(vm, now_ms() + timeout_ms + REPLY_MARGIN_MS, buf, len, reply);
	free(buf);
	if (r == VM_TIMEOUT)
		vm->hung = 1;
	if (r == 1) {
		if (reply->type == P_ERROR) {
			char *msg = proto_get_str(reply, T_MESSAGE);

			error("lab agent: %s", msg ? msg : "unknown error");
			free(msg);
			return VM_ERROR;
		}
		return VM_OK;
	}
	return r;
}
