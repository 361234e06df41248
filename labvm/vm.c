#include "vm.h"

#include "paths.h"

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

static char *shell_quote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, '\'');
	for (; *s; s++)
		if (*s == '\'')
			strbuf_addstr(&sb, "'\\''");
		else
			strbuf_addch(&sb, *s);
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb, NULL);
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

/*
 * One QMP command, execute with args (a JSON object, taken over; NULL for
 * none), and its answer: 0 with *ret (the "return" value, owned by the
 * caller; NULL if not wanted), or -1 with *why set (static or allocated
 * into vm->qmp_error).  Events and answers to earlier commands are skipped
 * by their ids.
 */
static int qmp_command(struct vm *vm, const char *execute, json_object *args, int timeout_ms,
		       json_object **ret, const char **why)
{
	json_object *req = json_object_new_object();
	int64_t deadline = now_ms() + timeout_ms;
	size_t off = 0, len;
	char *line;
	int r = -1;

	json_object_object_add(req, "execute", json_object_new_string(execute));
	if (args)
		json_object_object_add(req, "arguments", args);
	json_object_object_add(req, "id", json_object_new_int64(++vm->qmp_id));
	line = xasprintf("%s\n", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	len = strlen(line);
	json_object_put(req);

	if (ret)
		*ret = NULL;
	*why = "QEMU's control socket is closed";
	while (vm->qmp >= 0 && off < len) {
		ssize_t w = write(vm->qmp, line + off, len - off);

		if (w < 0 && errno != EINTR)
			goto out;
		if (w > 0)
			off += (size_t)w;
	}
	for (;;) {
		char *nl;

		while (vm->qmp >= 0 && (nl = memchr(vm->qmp_in.buf ? vm->qmp_in.buf : "",
						    '\n', vm->qmp_in.len))) {
			size_t n = (size_t)(nl - vm->qmp_in.buf) + 1;
			json_object *o = json_tokener_parse(vm->qmp_in.buf), *id, *v;

			memmove(vm->qmp_in.buf, vm->qmp_in.buf + n, vm->qmp_in.len - n + 1);
			vm->qmp_in.len -= n;
			if (!o)
				continue;
			if (json_object_object_get_ex(o, "id", &id) &&
			    (unsigned)json_object_get_int64(id) == vm->qmp_id) {
				if (json_object_object_get_ex(o, "return", &v)) {
					if (ret)
						*ret = json_object_get(v);
					r = 0;
				} else {
					json_object *desc = NULL;

					if (json_object_object_get_ex(o, "error", &v))
						json_object_object_get_ex(v, "desc", &desc);
					free(vm->qmp_error);
					vm->qmp_error = xstrdup(desc ? json_object_get_string(desc)
								     : "an error without a description");
					*why = vm->qmp_error;
				}
				json_object_put(o);
				goto out;
			}
			json_object_put(o);
		}
		{
			struct pollfd p = { .fd = vm->qmp, .events = POLLIN };
			int64_t left = deadline - now_ms();
			char buf[4096];
			ssize_t n;

			if (vm->qmp < 0)
				goto out;
			if (left <= 0 || interrupted) {
				*why = interrupted ? "interrupted" : "QEMU did not answer";
				goto out;
			}
			if (poll(&p, 1, left > 250 ? 250 : (int)left) <= 0)
				continue;
			n = read(vm->qmp, buf, sizeof(buf));
			if (n <= 0) {
				close(vm->qmp);
				vm->qmp = -1;
				goto out;
			}
			/* Lines with a NUL would confuse the parser: QEMU sends none. */
			strbuf_add(&vm->qmp_in, buf, (size_t)n);
		}
	}
out:
	free(line);
	return r;
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

int vm_save(struct vm *vm, const char *path)
{
	/*
	 * The VM runs while it is saved (an idle guest dirties next to
	 * nothing), so the state says "running" and a restored VM starts on
	 * its own as soon as it is loaded.  Only what the guest uses is worth
	 * saving: the free memory is zeroed (dd's buffer is faulted in zeroed,
	 * then freed), so the state holds the kernel and little else and loads
	 * fast.  The caches stay as the boot left them: a restored VM's
	 * /proc/meminfo must read as a booted one's.
	 */
	static const char prepare[] =
		"sync; "
		"f=$(awk '/^MemFree:/ { print int($2 / 1024) - 16 }' /proc/meminfo); "
		"[ \"$f\" -gt 0 ] && dd if=/dev/zero of=/dev/null bs=${f}M count=1 2>/dev/null; true";
	struct vm_exec ex;
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	char *quoted = shell_quote(tmp);
	const char *why = NULL;
	json_object *st = NULL;
	int64_t deadline;
	int r, ret = -1;

	r = vm_sh(vm, prepare, 30000, 4096, &ex);
	vm_exec_release(&ex);
	if (r != VM_OK) {
		why = "the guest did not get ready to be saved";
		goto out;
	}
	if (qmp_command(vm, "qmp_capabilities", NULL, 10000, NULL, &why) < 0)
		goto out;
	{
		json_object *bw = json_object_new_object(), *mig = json_object_new_object();
		char *uri = xasprintf("exec:cat > %s", quoted);

		/* QEMU's default throttle (32 MiB/s) would make a save take seconds. */
		json_object_object_add(bw, "max-bandwidth", json_object_new_int64(16LL << 30));
		json_object_object_add(mig, "uri", json_object_new_string(uri));
		free(uri);
		if (qmp_command(vm, "migrate-set-parameters", bw, 10000, NULL, &why) < 0) {
			json_object_put(mig);
			goto cont;
		}
		if (qmp_command(vm, "migrate", mig, 10000, NULL, &why) < 0)
			goto cont;
	}
	deadline = now_ms() + 60000;
	for (;;) {
		json_object *status;
		const char *s;

		if (qmp_command(vm, "query-migrate", NULL, 10000, &st, &why) < 0)
			goto cont;
		s = json_object_object_get_ex(st, "status", &status)
			    ? json_object_get_string(status) : "";
		if (!strcmp(s, "completed"))
			break;
		if (!strcmp(s, "failed") || !strcmp(s, "cancelled")) {
			why = "QEMU could not write the state";
			goto cont;
		}
		if (now_ms() > deadline) {
			why = "writing the state took over 60 s";
			goto cont;
		}
		json_object_put(st);
		st = NULL;
		usleep(5000);
	}
	if (rename(tmp, path) < 0) {
		why = strerror(errno);
		goto cont;
	}
	ret = 0;
cont:
	/* Saved or not, this VM goes on: it is the one the caller is using. */
	if (qmp_command(vm, "cont", NULL, 10000, NULL, &why) < 0) {
		error("the lab VM did not run again after saving its state: %s", why);
		ret = -2;
	}
out:
	if (ret == -1)
		warning("cannot save the lab VM's state to '%s' (%s): the next run boots "
			"cold too", path, why ? why : "unknown");
	unlink(tmp);
	json_object_put(st);
	free(quoted);
	free(tmp);
	return ret == -2 ? -1 : 0;
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

int vm_put(struct vm *vm, const char *guest_path, const void *data, size_t len,
	   unsigned mode)
{
	struct proto_msg req = PROTO_MSG_INIT, rep = PROTO_MSG_INIT;
	int r;

	proto_msg_init(&req, P_PUT);
	proto_put_str(&req, T_PATH, guest_path);
	proto_put_u64(&req, T_MODE, mode);
	proto_put(&req, T_DATA, data, len);
	r = vm_request(vm, &req, &rep, 30000);
	if (r == VM_OK) {
		int e = (int)proto_get_u64(&rep, T_ERRNO, 0);

		if (e)
			r = error("cannot write '%s' in the lab VM: %s", guest_path,
				  strerror(e));
	}
	proto_msg_release(&req);
	proto_msg_release(&rep);
	return r;
}

int vm_put_file(struct vm *vm, const char *guest_path, const char *host_path,
		unsigned mode)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (read_file(host_path, &sb, PROTO_MAX_PAYLOAD - 4096) < 0)
		return error("cannot read '%s': %s", host_path, strerror(errno));
	r = vm_put(vm, guest_path, sb.buf, sb.len, mode);
	strbuf_release(&sb);
	return r;
}

int vm_exec(struct vm *vm, const char *const *argv, int timeout_ms, size_t cap,
	    struct vm_exec *res)
{
	struct proto_msg req = PROTO_MSG_INIT, rep = PROTO_MSG_INIT;
	struct proto_field f;
	int r;

	memset(res, 0, sizeof(*res));
	proto_msg_init(&req, P_EXEC);
	for (; *argv; argv++)
		proto_put_str(&req, T_ARG, *argv);
	proto_put_u64(&req, T_TIMEOUT_MS, (uint64_t)timeout_ms);
	proto_put_u64(&req, T_CAP, cap);
	r = vm_request(vm, &req, &rep, timeout_ms);
	if (r == VM_OK) {
		res->status = (int)proto_get_u64(&rep, T_STATUS, 0);
		res->signal = (int)proto_get_u64(&rep, T_SIGNAL, 0);
		res->timed_out = (int)proto_get_u64(&rep, T_TIMED_OUT, 0);
		res->truncated = (int)proto_get_u64(&rep, T_TRUNCATED, 0);
		if (proto_find(&rep, T_STDOUT, &f))
			strbuf_add(&res->out, f.data, f.len);
		if (proto_find(&rep, T_STDERR, &f))
			strbuf_add(&res->err, f.data, f.len);
	}
	proto_msg_release(&req);
	proto_msg_release(&rep);
	return r;
}

int vm_sh(struct vm *vm, const char *script, int timeout_ms, size_t cap,
	  struct vm_exec *res)
{
	const char *const argv[] = { "sh", "-c", script, NULL };

	return vm_exec(vm, argv, timeout_ms, cap, res);
}

void vm_exec_release(struct vm_exec *res)
{
	strbuf_release(&res->out);
	strbuf_release(&res->err);
}

static int modop(struct vm *vm, int type, const char *what, const char *params,
		 int timeout_ms, struct vm_modop *res)
{
	struct proto_msg req = PROTO_MSG_INIT, rep = PROTO_MSG_INIT;
	int r;

	memset(res, 0, sizeof(*res));
	proto_msg_init(&req, (uint16_t)type);
	proto_put_str(&req, type == P_INSMOD ? T_PATH : T_NAME, what);
	if (params)
		proto_put_str(&req, T_PARAMS, params);
	proto_put_u64(&req, T_TIMEOUT_MS, (uint64_t)timeout_ms);
	r = vm_request(vm, &req, &rep, timeout_ms);
	if (r == VM_OK) {
		res->err = (int)proto_get_u64(&rep, T_ERRNO, 0);
		res->signal = (int)proto_get_u64(&rep, T_SIGNAL, 0);
		res->timed_out = (int)proto_get_u64(&rep, T_TIMED_OUT, 0);
		res->ms = (int64_t)proto_get_u64(&rep, T_MS, 0);
	} else if (r == VM_TIMEOUT) {
		res->timed_out = 1;
	}
	proto_msg_release(&req);
	proto_msg_release(&rep);
	return r;
}

int vm_insmod(struct vm *vm, const char *guest_path, const char *params,
	      int timeout_ms, struct vm_modop *res)
{
	return modop(vm, P_INSMOD, guest_path, params, timeout_ms, res);
}

int vm_rmmod(struct vm *vm, const char *name, int timeout_ms, struct vm_modop *res)
{
	return modop(vm, P_RMMOD, name, NULL, timeout_ms, res);
}

int vm_klog(struct vm *vm, uint64_t from, size_t cap, struct vm_klog *res)
{
	struct proto_msg req = PROTO_MSG_INIT, rep = PROTO_MSG_INIT;
	struct proto_field f;
	int r;

	memset(res, 0, sizeof(*res));
	proto_msg_init(&req, P_KLOG);
	proto_put_u64(&req, T_FROM_SEQ, from);
	proto_put_u64(&req, T_CAP, cap);
	r = vm_request(vm, &req, &rep, 10000);
	if (r == VM_OK) {
		if (proto_find(&rep, T_DATA, &f))
			strbuf_add(&res->text, f.data, f.len);
		res->next_seq = proto_get_u64(&rep, T_NEXT_SEQ, from);
		res->lost = proto_get_u64(&rep, T_LOST, 0);
		res->omitted = proto_get_u64(&rep, T_TRUNCATED, 0);
	}
	proto_msg_release(&req);
	proto_msg_release(&rep);
	return r;
}

void vm_klog_release(struct vm_klog *res)
{
	strbuf_release(&res->text);
}
