#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"

#define KVM_WATCHDOG_MS 20000
#define RESTORE_TIMEOUT_MS 20000

/* Which QEMU runs: its path, size and time, a change of which is a new QEMU. */
static void qemu_identity(struct strbuf *sb)
{
	const char *path = getenv("PATH");
	struct strbuf dir = STRBUF_INIT;

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		struct stat st;
		char *exe;

		strbuf_reset(&dir);
		strbuf_add(&dir, p, n);
		exe = path_join(dir.len ? dir.buf : ".", VM_QEMU);
		if (stat(exe, &st) == 0 && S_ISREG(st.st_mode)) {
			strbuf_addf(sb, "qemu %s %lld %lld\n", exe, (long long)st.st_size,
				    (long long)st.st_mtime);
			free(exe);
			break;
		}
		free(exe);
		p += n + (p[n] == ':');
	}
	strbuf_release(&dir);
}

static void file_identity(struct strbuf *sb, const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		strbuf_addf(sb, "%s %s %lld %lld\n", what, path, (long long)st.st_size,
			    (long long)st.st_mtime);
	else
		strbuf_addf(sb, "%s %s missing\n", what, path);
}

static char *cache_file(const char *sub, const char *key, const char *suffix)
{
	char hash[65];
	char *dir = path_join(paths.cache, sub), *p;

	sha256_hex(key, strlen(key), hash);
	p = xasprintf("%s/%.24s%s", dir, hash, suffix);
	free(dir);
	return p;
}

/* Where the outcome of trying KVM is kept: per host kernel, QEMU and lab kernel. */
static char *accel_record_path(const struct lab_kernel *k)
{
	struct strbuf key = STRBUF_INIT;
	struct utsname u;
	char *p;

	uname(&u);
	strbuf_addf(&key, "accel 1\nhost %s %s\nlab %s\n", u.release, u.machine, k->release);
	qemu_identity(&key);
	p = cache_file("accel", key.buf, "");
	strbuf_release(&key);
	return p;
}

static void choose_accel(struct lab *lab)
{
	const char *asked = lab->opts.accel;
	struct strbuf rec = STRBUF_INIT;
	char *path;

	lab->trying_kvm = 0;
	free(lab->accel_why);
	if (asked && *asked && strcmp(asked, "auto")) {
		lab->accel = !strcmp(asked, "kvm") ? "kvm" : "tcg";
		lab->accel_why = xasprintf("%s was asked for (--accel or KMEMLAB_ACCEL)",
					   lab->accel);
		return;
	}
	if (access("/dev/kvm", R_OK | W_OK) < 0) {
		lab->accel = "tcg";
		lab->accel_why = xasprintf("KVM cannot be used here (/dev/kvm: %s)",
					   strerror(errno));
		return;
	}
	path = accel_record_path(&lab->kernel);
	if (read_file(path, &rec, 4096) == 0 && rec.len) {
		char *nl = strchr(rec.buf, '\n');

		if (nl)
			*nl = '\0';
		rtrim(nl ? nl + 1 : rec.buf);
		lab->accel = !strncmp(rec.buf, "kvm", 3) ? "kvm" : "tcg";
		lab->accel_why = xasprintf("%s (remembered in %s)", nl ? nl + 1 : rec.buf, path);
	} else {
		lab->accel = "kvm";
		lab->trying_kvm = 1;
		lab->accel_why = xstrdup("trying KVM for the first time on this host");
	}
	free(path);
	strbuf_release(&rec);
}

static void remember_accel(struct lab *lab, const char *accel, const char *why)
{
	char *path = accel_record_path(&lab->kernel), *dir = path_dirname(path);
	char when[32];
	char *text;

	utc_now(when);
	text = xasprintf("%s\n%s, %s\n", accel, why, when);
	if (mkdir_p(dir, 0755) == 0)
		write_file_atomic(path, text, strlen(text), 0644);
	lab->trying_kvm = 0;
	free(text);
	free(dir);
	free(path);
}

static int states_off(void)
{
	const char *v = getenv("KMEMLAB_VM_STATE");

	return v && (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no"));
}

/*
 * The saved state's file for this session: keyed by everything the VM
 * is made of, so a new kernel, initramfs (hence agent), QEMU, accelerator,
 * memory size or command line makes a new one.  The TSC rate on the
 * command line is the host's and measured each time: not part of the key.
 */
static char *state_path(const struct lab *lab)
{
	struct strbuf key = STRBUF_INIT;
	char *p;

	if (lab->opts.fresh || states_off())
		return NULL;
	strbuf_addf(&key, "vmstate 2\nproto %d\naccel %s\n", PROTO_VERSION, lab->accel);
	vm_describe(&lab->opts, lab->accel, &key);
	if (!strcmp(lab->accel, "kvm")) {
		struct utsname u;

		uname(&u);
		strbuf_addf(&key, "host %s\n", u.release);
	}
	file_identity(&key, "kernel", lab->kernel.image);
	file_identity(&key, "initramfs", lab->initramfs);
	qemu_identity(&key);
	p = cache_file("vmstate", key.buf, ".state");
	strbuf_release(&key);
	return p;
}

/* An empty session, safe to lab_close(): no descriptor of the VM is 0. */
static void lab_clear(struct lab *lab)
{
	memset(lab, 0, sizeof(*lab));
	lab->vm.chan = lab->vm.qmp = lab->vm.console_log = -1;
}

int lab_describe(const struct vm_options *o, struct lab *lab)
{
	lab_clear(lab);
	lab->opts = *o;
	if (lab_kernel_find(&lab->kernel) < 0)
		return -1;
	lab->initramfs = lab_initramfs(&lab->kernel);
	if (!lab->initramfs)
		return -1;
	choose_accel(lab);
	lab->state = state_path(lab);
	return 0;
}

/* Builds and the saved state need room in the cache: say so before, not midway. */
#define CACHE_ROOM_MB 150

static int cache_has_room(void)
{
	struct statvfs sv;
	char *dir = xstrdup(paths.cache);

	/* The cache may not exist yet: look at the nearest directory that does. */
	while (!is_dir(dir) && strrchr(dir, '/') && strrchr(dir, '/') != dir)
		*strrchr(dir, '/') = '\0';
	if (statvfs(dir, &sv) == 0 &&
	    (unsigned long long)sv.f_bavail * sv.f_frsize < (unsigned long long)CACHE_ROOM_MB << 20) {
		error("the disk holding kmemlab's cache '%s' has %llu MB free: the lab needs "
		      "about %d MB there (builds, the lab VM's saved state); free some space or "
		      "point KMEMLAB_CACHE elsewhere", paths.cache,
		      (unsigned long long)sv.f_bavail * sv.f_frsize >> 20, CACHE_ROOM_MB);
		free(dir);
		return 0;
	}
	free(dir);
	return 1;
}

int lab_open(struct lab *lab, const struct vm_options *o)
{
	lab_clear(lab);
	if (!cache_has_room() || lab_describe(o, lab) < 0) {
		lab_close(lab);
		return -1;
	}
	return 0;
}

/* The background VM for the next fresh boot (lab_spare()). */
static struct lab spare;
static int have_spare;

static int same_options(const struct vm_options *a, const struct vm_options *b)
{
	return a->mem_mb == b->mem_mb && a->console_tty == b->console_tty &&
	       a->alloc_trace == b->alloc_trace &&
	       !strcmp(a->cmdline ? a->cmdline : "", b->cmdline ? b->cmdline : "") &&
	       !strcmp(a->accel ? a->accel : "", b->accel ? b->accel : "");
}

static int take_spare(struct lab *lab)
{
	if (!have_spare || spare.vm.dead || !same_options(&spare.opts, &lab->opts) ||
	    strcmp(spare.accel, lab->accel) || strcmp(spare.initramfs, lab->initramfs)) {
		lab_spare_drop();
		return 0;
	}
	lab->vm = spare.vm;
	lab->vm.start_ms = now_ms();
	have_spare = 0;
	spare.started = 0;	/* its VM now belongs to lab */
	lab_close(&spare);
	lab->from_spare = 1;
	lab->started = 1;
	return 1;
}

/*
 * A VM on the terminal's console that has no saved state yet: boot it
 * headless first (which saves the state), so that the terminal shows no
 * boot messages and no complaint of a KVM trial, then restore it there.
 * A failure is left for the console boot to meet and report.
 */
static void save_headless(struct lab *lab)
{
	struct vm_options ho = lab->opts;
	struct lab h;

	ho.console_tty = 0;
	if (lab_open(&h, &ho) == 0 && lab_start(&h) == 0)
		lab_ready(&h);
	lab_close(&h);
	/* The trial may have found that KVM does not work here. */
	choose_accel(lab);
	free(lab->state);
	lab->state = state_path(lab);
}

int lab_start(struct lab *lab)
{
	if (lab->started)
		return 0;
	if (lab->opts.console_tty && lab->state && !is_file(lab->state)) {
		save_headless(lab);
		if (interrupted)
			return error("interrupted while the lab VM was booting");
	}
	if (lab->state && is_file(lab->state)) {
		if (vm_start(&lab->vm, &lab->kernel, lab->initramfs, &lab->opts, lab->accel,
			     lab->state) == 0) {
			lab->started = lab->restored = 1;
			return 0;
		}
		warning("the lab VM could not be restored from '%s': booting it instead",
			lab->state);
	}
	if (lab->opts.fresh && !lab->opts.console_tty && take_spare(lab))
		return 0;
	if (vm_start(&lab->vm, &lab->kernel, lab->initramfs, &lab->opts, lab->accel, NULL) < 0)
		return -1;
	lab->started = 1;
	return 0;
}

/* The first line of QEMU's own complaint in the console, if any. */
static char *qemu_complaint(const struct vm *vm)
{
	char *tail = vm_console_tail(vm, 5), *line = NULL;

	for (char *p = tail; p && *p;) {
		size_t n = strcspn(p, "\n");

		if (!strncmp(p, "qemu-system", 11)) {
			line = xstrndup(p, n);
			break;
		}
		p += n + (p[n] == '\n');
	}
	free(tail);
	return line;
}

static int boot_failed(struct lab *lab, int r, int boot_ms)
{
	char *tail = vm_console_tail(&lab->vm, 20);

	if (interrupted)
		error("interrupted while the lab VM was booting");
	else if (r == VM_DEAD)
		error("the lab VM stopped while booting (QEMU exit status %d); its "
		      "console said:\n%s", lab->vm.qemu_status, tail);
	else if (r == VM_TIMEOUT)
		error("the lab VM did not come up within %d s; its console said:\n%s",
		      boot_ms / 1000, tail);
	free(tail);
	return -1;
}

int lab_ready(struct lab *lab)
{
	int boot_ms = lab->opts.boot_timeout_ms ? lab->opts.boot_timeout_ms : 60000;
	int r;

	if (lab->ready)
		return 0;
	if (!lab->started && lab_start(lab) < 0)
		return -1;
	if (lab->restored) {
		r = vm_wait(&lab->vm, RESTORE_TIMEOUT_MS);
		if (r == 0)
			goto ready;
		if (interrupted || r == VM_ERROR) {
			vm_shutdown(&lab->vm);
			lab->started = 0;
			return interrupted ? error("interrupted while the lab VM was starting") : -1;
		}
		{
			char *why = qemu_complaint(&lab->vm);

			warning("the saved lab VM state '%s' could not be restored (%s): it is "
				"removed and the lab VM boots instead", lab->state,
				why ? why : r == VM_DEAD ? "QEMU exited"
							 : "the VM did not answer");
			free(why);
		}
		unlink(lab->state);
		vm_shutdown(&lab->vm);
		lab->restored = 0;
		if (vm_start(&lab->vm, &lab->kernel, lab->initramfs, &lab->opts, lab->accel,
			     NULL) < 0) {
			lab->started = 0;
			return -1;
		}
	}
	if (!strcmp(lab->accel, "kvm")) {
		r = vm_wait(&lab->vm, KVM_WATCHDOG_MS);
		if (r == 0) {
			if (lab->trying_kvm)
				remember_accel(lab, "kvm", "KVM worked");
			goto booted;
		}
		if (interrupted || r == VM_ERROR) {
			vm_shutdown(&lab->vm);
			lab->started = 0;
			return r == VM_ERROR ? -1 : error("interrupted while the lab VM was booting");
		}
		{
			const char *why = r == VM_DEAD ? "QEMU exited" : "no answer within the watchdog";

			if (lab->trying_kvm) {
				char *rec = xasprintf("KVM failed here (%s)", why);

				warning("the lab VM does not boot under KVM on this host (%s): "
					"using TCG, now and from now on ('kmemlab doctor' says "
					"more)", why);
				remember_accel(lab, "tcg", rec);
				free(rec);
			} else {
				warning("the lab VM did not boot under KVM (%s): using TCG", why);
			}
		}
		vm_shutdown(&lab->vm);
		lab->accel = "tcg";
		free(lab->state);
		lab->state = state_path(lab);
		if (vm_start(&lab->vm, &lab->kernel, lab->initramfs, &lab->opts, "tcg", NULL) < 0) {
			lab->started = 0;
			return -1;
		}
	}
	for (int tries = 1;; tries++) {
		r = vm_wait(&lab->vm, boot_ms);
		if (r != VM_TIMEOUT || tries == 2 || interrupted)
			break;
		/* A rare emulation stall at boot: one fresh try is cheap. */
		warning("the lab VM did not come up within %d s: starting it again",
			boot_ms / 1000);
		vm_shutdown(&lab->vm);
		if (vm_start(&lab->vm, &lab->kernel, lab->initramfs, &lab->opts, lab->accel,
			     NULL) < 0) {
			lab->started = 0;
			return -1;
		}
	}
	if (r != 0) {
		boot_failed(lab, r, boot_ms);
		vm_shutdown(&lab->vm);
		lab->started = 0;
		return -1;
	}
booted:
	if (lab->state && !is_file(lab->state)) {
		char *dir = path_dirname(lab->state);

		if (mkdir_p(dir, 0755) == 0) {
			sweep_stale_tmp(dir);	/* 70 to 85 MB each, from a killed save */
			if (vm_save(&lab->vm, lab->state) < 0) {
				free(dir);
				vm_shutdown(&lab->vm);
				lab->started = 0;
				return -1;
			}
			lab->saved = is_file(lab->state);
		}
		free(dir);
	}
ready:
	lab->ready = 1;
	return 0;
}

void lab_close(struct lab *lab)
{
	if (lab->started)
		vm_shutdown(&lab->vm);
	lab_kernel_release(&lab->kernel);
	free(lab->initramfs);
	free(lab->accel_why);
	free(lab->state);
	lab_clear(lab);
}

int lab_probe(struct lab *lab, struct kbuild_result *probe)
{
	char *dir = path_join(paths.data, "modules/probe");
	int r = kbuild_module(&lab->kernel, dir, probe);

	if (r != 0) {
		error("the grader's probe module does not build against %s:\n%s",
		      lab->kernel.release, strbuf_str(&probe->log));
		r = -1;
	}
	free(dir);
	return r;
}

int lab_probe_cached(struct lab *lab, struct kbuild_result *probe)
{
	char *dir = path_join(paths.data, "modules/probe");
	int r = kbuild_cached(&lab->kernel, dir, probe);

	free(dir);
	return r == 0;
}

int lab_prepare(const struct vm_options *o)
{
	struct kbuild_result probe = { 0 }, hog = { 0 };
	char *hogdir = path_join(paths.data, "modules/helpers/oomhog");
	struct lab lab;
	int ret = -1;

	if (lab_open(&lab, o) < 0)
		goto out;
	printf("  initramfs %s\n", lab.initramfs);
	if (lab_probe(&lab, &probe) < 0)
		goto out;
	printf("  probe     %s\n", probe.ko);
	if (build_program(hogdir, "oomhog", &hog) != 0 || !hog.ok) {
		error("the grader's guest program '%s' does not build:\n%s", hogdir,
		      strbuf_str(&hog.log));
		goto out;
	}
	printf("  program   %s\n", hog.ko);
	ret = 0;
out:
	lab_close(&lab);
	kbuild_result_release(&probe);
	kbuild_result_release(&hog);
	free(hogdir);
	return ret;
}

int lab_forget_accel(void)
{
	struct lab lab;
	char *path;
	int r;

	memset(&lab, 0, sizeof(lab));
	if (lab_kernel_find(&lab.kernel) < 0)
		return -1;
	path = accel_record_path(&lab.kernel);
	r = unlink(path) == 0 ? 1 : errno == ENOENT ? 0 : error("cannot remove '%s': %s", path,
								  strerror(errno));
	free(path);
	lab_kernel_release(&lab.kernel);
	return r;
}

void lab_spare(const struct vm_options *o)
{
	struct vm_options fo = *o;

	fo.fresh = 1;
	fo.console_tty = 0;
	if (have_spare && same_options(&spare.opts, &fo) && !spare.vm.dead)
		return;
	lab_spare_drop();
	if (lab_describe(&fo, &spare) < 0 || lab_start(&spare) < 0) {
		lab_close(&spare);
		return;
	}
	have_spare = 1;
}

void lab_spare_drop(void)
{
	if (have_spare)
		lab_close(&spare);
	have_spare = 0;
}
