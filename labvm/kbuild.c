#include "lab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kbuild-internal.h"
#include "paths.h"
#include "run.h"

#define KBUILD_LOG_CAP (256 << 10)

/* Files of a module source tree worth copying: not build output, not hidden. */
int is_source_name(const char *n)
{
	static const char *const skip_suffix[] = {
		".o", ".ko", ".mod", ".mod.c", ".mod.o", ".cmd", ".order", ".symvers",
	};

	if (n[0] == '.')
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(skip_suffix); i++)
		if (path_has_suffix(n, skip_suffix[i]))
			return 0;
	return strcmp(n, "Module.symvers") != 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The source files of dir (top level only: kbuild modules are flat). */
static int list_sources(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t alloc = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return error("cannot open directory '%s': %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char *p = path_join(dir, e->d_name);

		if (is_source_name(e->d_name) && is_file(p)) {
			if (*n == alloc) {
				alloc = alloc ? alloc * 2 : 16;
				*names = xrealloc(*names, alloc * sizeof(char *));
			}
			(*names)[(*n)++] = xstrdup(e->d_name);
		}
		free(p);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(char *), cmp_str);
	return 0;
}

char *module_name_of(const char *file, const char *suffix)
{
	char *base = path_basename(file);

	base[strlen(base) - strlen(suffix)] = '\0';
	for (char *s = base; *s; s++)
		if (*s == '-')
			*s = '_';
	return base;
}

void strip_line(struct strbuf *log, const char *prefix)
{
	char *s = log->buf;

	while (s && (s = strstr(s, prefix))) {
		char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl + 1 - s) : strlen(s);

		if (s != log->buf && s[-1] != '\n') {
			s += n;
			continue;
		}
		memmove(s, s + n, strlen(s + n) + 1);
		log->len -= n;
	}
}

void replace_all(struct strbuf *sb, const char *from, const char *to)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = strbuf_str(sb), *hit;
	size_t n = strlen(from);

	while ((hit = strstr(p, from))) {
		strbuf_add(&out, p, (size_t)(hit - p));
		strbuf_addstr(&out, to);
		p = hit + n;
	}
	strbuf_addstr(&out, p);
	strbuf_release(sb);
	*sb = out;
}

static char *find_ko(const char *dir, char **err)
{
	char *ko = NULL;
	int count = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	*err = NULL;
	while (d && (e = readdir(d))) {
		if (!path_has_suffix(e->d_name, ".ko"))
			continue;
		count++;
		if (!ko)
			ko = path_join(dir, e->d_name);
	}
	if (d)
		closedir(d);
	if (count > 1) {
		*err = xasprintf("the sources build %d modules; kmemlab loads one "
				 "module per run", count);
		free(ko);
		return NULL;
	}
	return ko;
}

/*
 * A key of the module's .modinfo section ("name", "vermagic"): NUL-ended
 * "key=value" strings, found by scanning the file for "\0key=".
 */
static char *ko_modinfo(const struct strbuf *ko, const char *key)
{
	char *needle = xasprintf("%c%s=", '\0', key);
	size_t n = strlen(key) + 2;
	const char *hit = memmem(ko->buf, ko->len, needle, n);
	char *v = NULL;

	free(needle);
	if (hit) {
		const char *start = hit + n, *end = memchr(start, '\0', ko->len - (size_t)(start - ko->buf));

		if (end)
			v = xstrndup(start, (size_t)(end - start));
	}
	return v;
}

void source_hash_add(struct strbuf *key, const char *name, const void *data, size_t len)
{
	char h[65];

	sha256_hex(data, len, h);
	strbuf_addf(key, "%s %s\n", name, h);
}

/* Add each file's name and SHA-256 to key, then hash key into hash. */
static int hash_sources(const char *srcdir, char **names, size_t n, struct strbuf *key,
			char hash[65])
{
	struct strbuf data = STRBUF_INIT;

	for (size_t i = 0; i < n; i++) {
		char *p = path_join(srcdir, names[i]);

		strbuf_reset(&data);
		if (read_file(p, &data, 64 << 20) < 0) {
			error("cannot read '%s': %s", p, strerror(errno));
			free(p);
			strbuf_release(&data);
			return -1;
		}
		free(p);
		source_hash_add(key, names[i], data.buf, data.len);
	}
	strbuf_release(&data);
	sha256_hex(key->buf, key->len, hash);
	return 0;
}

int source_files(const char *dir, char ***names, size_t *n)
{
	return list_sources(dir, names, n);
}

int source_hash(const char *path, char hash[65])
{
	struct strbuf key = STRBUF_INIT;
	char **names = NULL;
	size_t n = 0;
	int ret = -1;

	if (is_file(path)) {
		if (read_file(path, &key, 64 << 20) < 0)
			return error("cannot read '%s': %s", path, strerror(errno));
		sha256_hex(key.buf, key.len, hash);
		strbuf_release(&key);
		return 0;
	}
	if (list_sources(path, &names, &n) < 0)
		return -1;
	if (hash_sources(path, names, n, &key, hash) == 0)
		ret = 0;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	strbuf_release(&key);
	return ret;
}

/* Copy the module's sources into dir, and the Kbuild made for a single file. */
static int copy_sources(const char *srcdir, char **names, size_t n, const char *kbuild_text,
			const char *dir)
{
	for (size_t i = 0; i < n; i++) {
		char *a = path_join(srcdir, names[i]), *b = path_join(dir, names[i]);
		int r = copy_tree(a, b);

		free(a);
		free(b);
		if (r < 0)
			return -1;
	}
	if (kbuild_text) {
		char *kb = path_join(dir, "Kbuild");
		int r = write_file_atomic(kb, kbuild_text, strlen(kbuild_text), 0644);

		free(kb);
		if (r < 0)
			return -1;
	}
	return 0;
}

int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)left : 1;
}

/*
 * Builds run in a sandbox (bubblewrap, Debian's bwrap): a learner's
 * sources must not read the machine's files into the module at build
 * time (`#include "/etc/..."`, `.incbin`).  Inside, the build sees /usr
 * (the toolchain and the lab kernel's headers) read-only, the kernel tree
 * if it lives elsewhere, the one directory it builds in, an empty /tmp,
 * and no network; nothing else of the host.  KMEMLAB_SANDBOX=off turns it
 * off; where bwrap is missing or cannot run, builds go on without it
 * (with one warning) unless kbuild_require_sandbox() was called, as the
 * class regrade does.
 */
static int sandbox_required;
static int sandbox_state = -1;	/* -1 not probed, 0 off, 1 on */

void kbuild_require_sandbox(void)
{
	sandbox_required = 1;
}

/* A growing, NULL-ended argv whose strings it owns. */
struct words {
	char **v;
	size_t n, alloc;
};

static void word(struct words *w, const char *s)
{
	if (w->n + 2 > w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 64;
		w->v = xrealloc(w->v, w->alloc * sizeof(*w->v));
	}
	w->v[w->n++] = xstrdup(s);
	w->v[w->n] = NULL;
}

static void words_release(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static void bind(struct words *w, const char *how, const char *path)
{
	word(w, how);
	word(w, path);
	word(w, path);
}

/*
 * argv run in the sandbox from dir: rw the one directory it may write,
 * ro (or NULL) one more it may read, kdir (or NULL) the kernel tree.
 */
static void sandboxed(struct words *w, const char *const *argv, const char *kdir,
		      const char *rw, const char *ro, const char *dir)
{
	static const char *const fixed[] = {
		"bwrap", "--unshare-all", "--die-with-parent", "--new-session",
		"--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
		"--tmpfs", "/tmp",
		"--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
		"--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
	};
	static const char *const roots[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		word(w, fixed[i]);
	/* Merged /usr: these are links into it; elsewhere, directories of their own. */
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		char target[256];
		ssize_t n = readlink(roots[i], target, sizeof(target) - 1);

		if (n > 0) {
			target[n] = '\0';
			word(w, "--symlink");
			word(w, target);
			word(w, roots[i]);
		} else if (is_dir(roots[i])) {
			bind(w, "--ro-bind", roots[i]);
		}
	}
	if (kdir)
		bind(w, "--ro-bind", kdir);
	if (ro)
		bind(w, "--ro-bind", ro);
	if (rw)
		bind(w, "--bind", rw);
	word(w, "--chdir");
	word(w, dir);
	word(w, "--");
	for (; *argv; argv++)
		word(w, *argv);
}

/* Can builds be sandboxed here?  Probed once: bwrap running `true`. */
static int sandbox_on(void)
{
	const char *env = getenv("KMEMLAB_SANDBOX");

	if (sandbox_state >= 0)
		return sandbox_state;
	if (env && (!strcmp(env, "off") || !strcmp(env, "0") || !strcmp(env, "no"))) {
		sandbox_state = 0;
	} else {
		const char *const argv[] = { "true", NULL };
		struct words w = { 0 };
		struct strbuf out = STRBUF_INIT;
		struct run_result rr;
		int st;

		sandboxed(&w, argv, NULL, NULL, NULL, "/");
		st = run_capture((const char *const *)w.v, NULL, NULL, &out, 4096, 30000, &rr);
		sandbox_state = st == 0;
		if (!sandbox_state && !sandbox_required)
			warning("builds run without a sandbox: bubblewrap %s (install the "
				"bubblewrap package, or set KMEMLAB_SANDBOX=off to say so)",
				st < 0 ? "cannot be started" : rtrim(strbuf_str(&out)[0]
								    ? out.buf : "failed"));
		words_release(&w);
		strbuf_release(&out);
	}
	return sandbox_state;
}

/*
 * run_capture() for a build step, in the sandbox when there is one: rw is
 * the one directory it may write, ro (or NULL) one more it may read.
 * Returns -1 after reporting why when a sandbox is required and missing.
 */
int run_build(const char *const *argv, const char *dir, const char *const *env,
		     const char *kdir, const char *rw, const char *ro, struct strbuf *out,
		     size_t cap, int timeout_ms, struct run_result *rr)
{
	struct words w = { 0 };
	int st;

	if (!sandbox_on()) {
		if (sandbox_required) {
			memset(rr, 0, sizeof(*rr));
			return error("learners' code is built only in a sandbox, and bubblewrap "
				     "does not run here: install the bubblewrap package (or run "
				     "'make deps' as root)");
		}
		return run_capture(argv, dir, env, out, cap, timeout_ms, rr);
	}
	sandboxed(&w, argv, kdir, rw, ro, dir ? dir : rw);
	st = run_capture((const char *const *)w.v, NULL, env, out, cap, timeout_ms, rr);
	words_release(&w);
	return st;
}

size_t log_room(const struct strbuf *log)
{
	return log->len < KBUILD_LOG_CAP ? KBUILD_LOG_CAP - log->len : 1;
}

/*
 * A plain kbuild of the sources already copied to dir: make -C KDIR
 * M=dir modules.  The log keeps dir's paths; the caller shows them as
 * the learner's.  Returns 0 with one .ko in dir, 1 when the sources do
 * not compile, -1 after reporting why not.
 */
static int kbuild_full(const struct lab_kernel *k, const char *path, const char *dir,
		       int64_t deadline, struct kbuild_result *res)
{
	char *mflag = xasprintf("M=%s", dir), *ko, *err = NULL;
	const char *const argv[] = { "make", "-s", "-C", k->kdir, mflag, "modules", NULL };
	struct run_result rr;
	int st = run_build(argv, k->kdir, NULL, k->kdir, dir, NULL, &res->log,
			   log_room(&res->log), ms_left(deadline), &rr);

	free(mflag);
	if (st < 0)
		return -1;
	strip_line(&res->log, "Skipping BTF generation");
	if (rr.timed_out)
		return error("building '%s' took longer than %d s: stopped", path,
			     KBUILD_TIMEOUT_MS / 1000);
	if (st != 0)
		return 1;
	ko = find_ko(dir, &err);
	if (!ko) {
		if (err)
			error("'%s': %s", path, err);
		else
			error("building '%s' made no .ko: does its Kbuild or Makefile set "
			      "obj-m?", path);
		free(err);
		return -1;
	}
	free(ko);
	return 0;
}

static char *tmp_dir_for(const char *final)
{
	return xasprintf("%s.tmp.%d", final, (int)getpid());
}

/*
 * Move a finished build directory to its place in the cache (another
 * process may have put the same build there first) and take its .ko.
 */
static int publish_build(const char *tmp, const char *final, struct kbuild_result *res)
{
	char *err = NULL;

	if (rename(tmp, final) < 0 && !is_dir(final))
		return error("cannot rename '%s' to '%s': %s", tmp, final, strerror(errno));
	res->ko = find_ko(final, &err);
	free(err);
	if (!res->ko)
		return error("build directory '%s' lost its module", final);
	res->name = module_name_of(res->ko, ".ko");
	res->ok = 1;
	return 0;
}

/*
 * The build without a template: a full kbuild in a private temporary
 * directory, renamed to final when it worked.  raw, when given, gets the
 * log before its paths are made the learner's.
 */
static int build_in_tmp(const struct lab_kernel *k, const char *path, const char *srcdir,
			char **names, size_t n, const char *kbuild_text, const char *final,
			int64_t deadline, struct kbuild_result *res, struct strbuf *raw)
{
	char *tmp = tmp_dir_for(final), *err = NULL;
	int ret = -1;

	remove_tree(tmp);
	if (mkdir_p(tmp, 0755) < 0 || copy_sources(srcdir, names, n, kbuild_text, tmp) < 0)
		goto out;
	ret = kbuild_full(k, path, tmp, deadline, res);
	if (raw)
		strbuf_addstr(raw, strbuf_str(&res->log));
	replace_all(&res->log, tmp, srcdir);
	if (ret != 0)
		goto out;
	ret = -1;
	if (publish_build(tmp, final, res) < 0)
		goto out;
	ret = 0;
out:
	remove_tree(tmp);
	free(tmp);
	free(err);
	return ret;
}

/*
 * The fast rebuild.
 *
 * Most of a full kbuild of a small module is kbuild itself: on every make
 * the kernel Makefiles run some thirty compiler probes (cc-option and the
 * like) before the module's own compile.  Their answers depend only on the
 * kernel and on the module's Kbuild, and kbuild records every command it
 * ran in a .cmd file beside its output.  So a module of the same shape
 * (same kernel, same file names, same Kbuild or Makefile) is rebuilt by
 * running those commands again, in kbuild's order: each object's compile,
 * modpost, the .mod.c's compile, the .ko's link.
 *
 * A shape's template is the tree of its last full kbuild, kept in
 * cache/kbuild-fast/SHAPE-SLOT/m: the recorded commands name that
 * directory, so it never moves.  Each slot is used under flock(), so two
 * kmemlab processes never write one template; a build that finds every
 * slot busy does a plain full kbuild.  The slot's file "template" holds
 * the shape once the template is complete and is removed while a build
 * changes the tree: a process killed halfway leaves no template, and the
 * next build of the shape makes a new one.
 */
#define FAST_SLOTS 2
#define FAST_MARK "template"
/* The .mod.c that the template's .mod.o was compiled from. */
#define FAST_MODC ".kmemlab-mod.c"
/* In the content-keyed directory of a .ko that a replay made. */
#define FAST_NOTE "kbuild-replayed"

struct fast {
	struct strbuf key;	/* the shape: what the template must have been made for */
	char *dir;		/* cache/kbuild-fast/SHAPE-SLOT */
	char *m;		/* dir/m: M= of its builds */
	char *mark;		/* dir/template */
	int lock;		/* the flock()ed dir/lock */
};

/* Variables of the environment that a full kbuild would see and obey. */
static const char *const fast_env[] = {
	"PATH", "ARCH", "CROSS_COMPILE", "CC", "LD", "LLVM", "KCFLAGS", "KCPPFLAGS",
	"KAFLAGS", "CFLAGS_MODULE", "LDFLAGS_MODULE", "KBUILD_EXTRA_SYMBOLS",
	"KBUILD_MODPOST_WARN", "DEBIAN_KERNEL_NO_CC_VERSION_CHECK", "MAKEFLAGS", "MAKELEVEL",
};

/*
 * The kernel as kbuild sees it: release and tree, and the files of the
 * tree that change when its package is rebuilt under the same release.
 */
static void kernel_identity(const struct lab_kernel *k, struct strbuf *key)
{
	static const char *const files[] = {
		"Makefile", ".config", "Module.symvers", "include/config/auto.conf",
	};

	strbuf_addf(key, "release %s\nkdir %s\n", k->release, k->kdir);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = path_join(k->kdir, files[i]);
		struct stat st;

		if (stat(p, &st) == 0)
			strbuf_addf(key, "%s %lld %lld.%09ld %llu\n", files[i], (long long)st.st_size,
				    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
				    (unsigned long long)st.st_ino);
		else
			strbuf_addf(key, "%s missing\n", files[i]);
		free(p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(fast_env); i++) {
		const char *v = getenv(fast_env[i]);

		if (v)
			strbuf_addf(key, "env %s=%s\n", fast_env[i], v);
	}
}

/*
 * A file whose content only the compile sees.  Any other file (Kbuild,
 * Makefile, an included .mk) may change kbuild's commands, so its content
 * is part of the shape.
 */
static int compiled_only(const char *name)
{
	return path_has_suffix(name, ".c") || path_has_suffix(name, ".h") ||
	       path_has_suffix(name, ".S");
}

static int fast_shape(const struct lab_kernel *k, const char *srcdir, char **names, size_t n,
		      const char *kbuild_text, struct strbuf *key)
{
	struct strbuf data = STRBUF_INIT;

	strbuf_addstr(key, "kbuild-fast 1\n");
	kernel_identity(k, key);
	for (size_t i = 0; i < n; i++) {
		char *p = path_join(srcdir, names[i]);
		char h[65];

		if (compiled_only(names[i])) {
			strbuf_addf(key, "file %s\n", names[i]);
		} else {
			strbuf_reset(&data);
			if (read_file(p, &data, 64 << 20) < 0) {
				error("cannot read '%s': %s", p, strerror(errno));
				free(p);
				strbuf_release(&data);
				return -1;
			}
			sha256_hex(data.buf, data.len, h);
			strbuf_addf(key, "file %s %s\n", names[i], h);
		}
		free(p);
	}
	if (kbuild_text)
		strbuf_addf(key, "made Kbuild %s", kbuild_text);
	strbuf_release(&data);
	return 0;
}

/*
 * Whether to try the fast path at all.  A kernel tree with a vmlinux makes
 * kbuild add BTF to each module after its link, which a replay does not do.
 */
static int fast_wanted(const struct lab_kernel *k)
{
	const char *env = getenv("KMEMLAB_KBUILD_FAST");
	char *vmlinux;
	int has;

	if (env && !strcmp(env, "0"))
		return 0;
	vmlinux = path_join(k->kdir, "vmlinux");
	has = is_file(vmlinux);
	free(vmlinux);
	return !has;
}

static void fast_release(struct fast *f)
{
	if (f->lock >= 0)
		close(f->lock);	/* releases the flock() */
	strbuf_release(&f->key);
	free(f->dir);
	free(f->m);
	free(f->mark);
	memset(f, 0, sizeof(*f));
	f->lock = -1;
}

/*
 * Lock a free slot of the shape's templates.  Returns 0 with the slot
 * locked, 1 when every slot is busy or the cache cannot hold one (the
 * caller then builds without a template).
 */
static int fast_open(struct fast *f, const char *root, const char *shape_hash)
{
	char *top = path_join(root, "kbuild-fast");

	if (mkdir(top, 0755) < 0 && errno != EEXIST) {
		free(top);
		return 1;
	}
	for (int slot = 0; slot < FAST_SLOTS; slot++) {
		char *dir = xasprintf("%s/%.24s-%d", top, shape_hash, slot);
		char *lock = path_join(dir, "lock");
		int fd = -1;

		if (mkdir(dir, 0755) == 0 || errno == EEXIST)
			fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		free(lock);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			f->dir = dir;
			f->m = path_join(dir, "m");
			f->mark = path_join(dir, FAST_MARK);
			f->lock = fd;
			free(top);
			return 0;
		}
		if (fd >= 0)
			close(fd);
		free(dir);
	}
	free(top);
	return 1;
}

static int fast_valid(const struct fast *f)
{
	struct strbuf sb = STRBUF_INIT;
	int ok = read_file(f->mark, &sb, 1 << 20) == 0 && sb.len == f->key.len &&
		 !memcmp(sb.buf, f->key.buf, sb.len);

	strbuf_release(&sb);
	return ok;
}

static int fast_mark_valid(const struct fast *f)
{
	return write_file_atomic(f->mark, f->key.buf, f->key.len, 0644);
}

/* One command kbuild recorded in a .cmd file ("cmd_TARGET := COMMAND"). */
struct recorded {
	char *target;
	char *file;	/* the .cmd file */
	char *cmd;	/* as recorded: escaped for make ($$ for $, $(pound) for #) */
	char *sh;	/* the same for sh */
	char *tail;	/* what kbuild appended after fixdep's part, kept as it is */
	int fixdep;	/* written by fixdep (a compile): source and dependencies follow */
};

static void recorded_release(struct recorded *r)
{
	free(r->target);
	free(r->file);
	free(r->cmd);
	free(r->sh);
	free(r->tail);
	memset(r, 0, sizeof(*r));
}

/* Undo make's escapes in a saved command; NULL if it has any other '$'. */
static char *unescape_make(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	while (*s) {
		if (*s != '$') {
			strbuf_addch(&sb, *s++);
		} else if (s[1] == '$') {
			strbuf_addch(&sb, '$');
			s += 2;
		} else if (!strncmp(s, "$(pound)", 8)) {
			strbuf_addch(&sb, '#');
			s += 8;
		} else {
			strbuf_release(&sb);
			return NULL;
		}
	}
	return strbuf_detach(&sb, NULL);
}

/*
 * Read the command that made target from its .cmd file.  Returns -1 when
 * there is none or it is not one a replay can run: the module exports
 * symbols (kbuild appends their genksyms CRCs to the .cmd file, which a
 * replay would leave stale), or the file has a form not known here.
 */
static int recorded_read(const char *target, struct recorded *r)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir = path_dirname(target), *base = path_basename(target), *head = NULL;
	const char *line, *nl, *p;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->target = xstrdup(target);
	r->file = xasprintf("%s/.%s.cmd", dir, base);
	if (read_file(r->file, &sb, 16 << 20) < 0 || !sb.len || strstr(sb.buf, "#SYMVER"))
		goto out;
	/* kbuild wrote "cmd_" up to Linux 6.1, "savedcmd_" since. */
	line = sb.buf;
	if (!strncmp(line, "savedcmd_", 9))
		line += 9;
	else if (!strncmp(line, "cmd_", 4))
		line += 4;
	else
		goto out;
	head = xasprintf("%s := ", target);
	if (strncmp(line, head, strlen(head)))
		goto out;
	line += strlen(head);
	nl = strchr(line, '\n');
	if (!nl)
		goto out;
	r->cmd = xstrndup(line, (size_t)(nl - line));
	r->sh = unescape_make(r->cmd);
	if (!r->sh)
		goto out;
	free(head);
	head = xasprintf("\ndeps_%s := ", target);
	if (strstr(nl, head)) {
		free(head);
		head = xasprintf("\n$(deps_%s):\n", target);
		p = strstr(nl, head);
		if (!p)
			goto out;
		r->fixdep = 1;
		r->tail = xstrdup(p + strlen(head));
	}
	ret = 0;
out:
	if (ret < 0)
		recorded_release(r);
	strbuf_release(&sb);
	free(dir);
	free(base);
	free(head);
	return ret;
}

/*
 * Run a recorded command as make runs a kbuild recipe under make -s: from
 * the kernel tree, with sh, set -e, stdout dropped (only what goes to
 * stderr reaches the log), LC_ALL unset and LC_COLLATE, LC_NUMERIC C.
 * Returns its exit status, or -1 (interrupted, or stopped at deadline
 * with *timed_out set).
 */
static int run_recorded(const struct lab_kernel *k, const char *m, const struct recorded *r,
			int64_t deadline, struct strbuf *log, int *timed_out)
{
	char *script = xasprintf("unset LC_ALL GREP_OPTIONS; set -e; exec >/dev/null; %s", r->sh);
	char *pwd = xasprintf("PWD=%s", k->kdir);
	const char *const argv[] = { "/bin/sh", "-c", script, NULL };
	const char *const env[] = { "LC_COLLATE=C", "LC_NUMERIC=C", pwd, NULL };
	struct run_result rr;
	int st = run_build(argv, k->kdir, env, k->kdir, m, NULL, log, log_room(log),
			   ms_left(deadline), &rr);

	free(script);
	free(pwd);
	*timed_out = rr.timed_out;
	return rr.timed_out ? -1 : st;
}

/*
 * After a compile, write its .cmd file as kbuild does: fixdep turns the
 * compiler's dependency file into make's (and srcversion's) list of what
 * the object was made from.  The file is replaced whole, never half.
 */
static int fixdep(const struct lab_kernel *k, const char *m, const struct recorded *r,
		  int64_t deadline)
{
	char *dir = path_dirname(r->target), *base = path_basename(r->target);
	char *depfile = xasprintf("%s/.%s.d", dir, base);
	const char *const argv[] = { "scripts/basic/fixdep", depfile, r->target, r->cmd, NULL };
	struct strbuf out = STRBUF_INIT;
	struct run_result rr;
	int ret = -1;

	if (run_build(argv, k->kdir, NULL, k->kdir, m, NULL, &out, 64 << 20, ms_left(deadline),
		      &rr) != 0 || rr.truncated)
		goto out;
	strbuf_addstr(&out, r->tail ? r->tail : "");
	ret = write_file_atomic(r->file, out.buf, out.len, 0644);
	unlink(depfile);
out:
	strbuf_release(&out);
	free(dir);
	free(base);
	free(depfile);
	return ret;
}

/* Whether an object defines exported symbols (see recorded_read()). */
static int exports_symbols(const char *obj)
{
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(obj, &sb, 0) < 0 || memmem(sb.buf, sb.len, "__ksymtab", 9);

	strbuf_release(&sb);
	return r;
}

static int same_file(const char *a, const char *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	int same = read_file(a, &x, 0) == 0 && read_file(b, &y, 0) == 0 && x.len == y.len &&
		   (!x.len || !memcmp(x.buf, y.buf, x.len));

	strbuf_release(&x);
	strbuf_release(&y);
	return same;
}

enum replay {
	REPLAY_OK,		/* the .ko is built */
	REPLAY_COMPILE_ERROR,	/* an object's compile failed: the learner's error */
	REPLAY_FALLBACK,	/* the template does not fit: do a full kbuild */
	REPLAY_ERROR,		/* reported, or interrupted */
};

struct replay_out {
	char *ko;	/* the .ko built (REPLAY_OK) */
	char *failed;	/* the object that did not compile (REPLAY_COMPILE_ERROR) */
	int status;	/* its compile's exit status */
};

/* The lines of a file of kbuild's (modules.order, NAME.mod), each DIR/NAME.SUFFIX. */
static int read_list(const char *file, const char *dir, const char *suffix, char ***lines,
		     size_t *n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t dl = strlen(dir);
	char *save = NULL;

	*lines = NULL;
	*n = 0;
	if (read_file(file, &sb, 1 << 20) < 0 || !sb.len)
		goto fail;
	for (char *l = strtok_r(sb.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, dir, dl) || l[dl] != '/' || strchr(l + dl + 1, '/') ||
		    !path_has_suffix(l, suffix))
			goto fail;
		*lines = xrealloc(*lines, (*n + 1) * sizeof(char *));
		(*lines)[(*n)++] = xstrdup(l);
	}
	strbuf_release(&sb);
	return *n ? 0 : -1;
fail:
	for (size_t i = 0; i < *n; i++)
		free((*lines)[i]);
	free(*lines);
	*lines = NULL;
	*n = 0;
	strbuf_release(&sb);
	return -1;
}

/*
 * Build the new sources by replaying the template's recorded commands.
 * What the commands print goes to res->log with the template's paths.
 */
static enum replay fast_replay(const struct lab_kernel *k, const struct fast *f,
			       const char *path, const char *srcdir, char **names, size_t n,
			       int64_t deadline, struct kbuild_result *res,
			       struct replay_out *out)
{
	char **order = NULL, **objs = NULL, *mod = NULL, *base = NULL, *tgt = NULL;
	char *modc = NULL, *modc_last = NULL;
	size_t norder = 0, nobjs = 0, nsteps = 0;
	struct recorded *steps = NULL, modpost = { 0 }, modo = { 0 }, ko = { 0 };
	enum replay ret = REPLAY_FALLBACK;
	int composite = 1, timed_out = 0, st;

	memset(out, 0, sizeof(*out));
	/* What kbuild built last time: one module, its objects in link order. */
	tgt = path_join(f->m, "modules.order");
	if (read_list(tgt, f->m, ".ko", &order, &norder) < 0 || norder != 1)
		goto out;
	base = xstrndup(order[0], strlen(order[0]) - 3);
	mod = xasprintf("%s.mod", base);
	if (read_list(mod, f->m, ".o", &objs, &nobjs) < 0)
		goto out;
	steps = xcalloc(nobjs + 1, sizeof(*steps));
	for (size_t i = 0; i < nobjs; i++) {
		if (recorded_read(objs[i], &steps[nsteps]) < 0)
			goto out;
		nsteps++;
		if (!strncmp(objs[i], base, strlen(base)) && !strcmp(objs[i] + strlen(base), ".o"))
			composite = 0;
	}
	/* A module of several objects is their link, NAME.o (its own recorded command). */
	free(tgt);
	tgt = xasprintf("%s.o", base);
	if (composite) {
		if (recorded_read(tgt, &steps[nsteps]) < 0)
			goto out;
		nsteps++;
	}
	free(tgt);
	tgt = path_join(f->m, "Module.symvers");
	if (recorded_read(tgt, &modpost) < 0)
		goto out;
	free(tgt);
	tgt = xasprintf("%s.mod.o", base);
	if (recorded_read(tgt, &modo) < 0)
		goto out;
	free(tgt);
	tgt = xasprintf("%s.ko", base);
	if (recorded_read(tgt, &ko) < 0)
		goto out;

	/* From here on the tree changes: no template until it is whole again. */
	if (unlink(f->mark) < 0 && errno != ENOENT)
		goto out;
	if (copy_sources(srcdir, names, n, NULL, f->m) < 0) {
		ret = REPLAY_ERROR;
		goto out;
	}
	for (size_t i = 0; i < nsteps; i++) {
		struct recorded *r = &steps[i];

		unlink(r->target);
		st = run_recorded(k, f->m, r, deadline, &res->log, &timed_out);
		if (st < 0)
			goto stopped;
		if (st != 0 && r->fixdep) {
			/* The template stays whole: only this object is missing. */
			out->failed = xstrdup(r->target);
			out->status = st;
			ret = fast_mark_valid(f) < 0 ? REPLAY_ERROR : REPLAY_COMPILE_ERROR;
			goto out;
		}
		if (st != 0 || (r->fixdep && (fixdep(k, f->m, r, deadline) < 0 ||
					      exports_symbols(r->target))))
			goto out;
	}
	/* modpost: the .mod.c, with the CRC of every kernel symbol now used. */
	st = run_recorded(k, f->m, &modpost, deadline, &res->log, &timed_out);
	if (st < 0)
		goto stopped;
	if (st != 0)
		goto out;
	/* The .mod.c often comes out as before: its object is then still good. */
	modc = xasprintf("%s.mod.c", base);
	modc_last = path_join(f->m, FAST_MODC);
	if (!is_file(modo.target) || !same_file(modc, modc_last)) {
		unlink(modo.target);
		st = run_recorded(k, f->m, &modo, deadline, &res->log, &timed_out);
		if (st < 0)
			goto stopped;
		if (st != 0 || (modo.fixdep && fixdep(k, f->m, &modo, deadline) < 0) ||
		    copy_tree(modc, modc_last) < 0)
			goto out;
	}
	unlink(ko.target);
	st = run_recorded(k, f->m, &ko, deadline, &res->log, &timed_out);
	if (st < 0)
		goto stopped;
	if (st != 0 || !is_file(ko.target) || fast_mark_valid(f) < 0)
		goto out;
	out->ko = xstrdup(ko.target);
	ret = REPLAY_OK;
	goto out;
stopped:
	ret = REPLAY_ERROR;
	if (timed_out)
		error("building '%s' took longer than %d s: stopped", path,
		      KBUILD_TIMEOUT_MS / 1000);
out:
	for (size_t i = 0; i < norder; i++)
		free(order[i]);
	free(order);
	for (size_t i = 0; i < nobjs; i++)
		free(objs[i]);
	free(objs);
	for (size_t i = 0; i < nsteps; i++)
		recorded_release(&steps[i]);
	free(steps);
	recorded_release(&modpost);
	recorded_release(&modo);
	recorded_release(&ko);
	free(mod);
	free(base);
	free(tgt);
	free(modc);
	free(modc_last);
	return ret;
}

/*
 * What make prints after a failed compile ("make[1]: *** [...] Error 1"
 * and the lines of the makes above it) names kbuild's Makefiles and their
 * line numbers: it is learned once per kernel and make from a full kbuild
 * that failed the same way, and kept with @OBJ@ and @M@ for the object
 * and the module directory.
 */
static char *trailer_file(const struct lab_kernel *k, const char *root)
{
	struct strbuf key = STRBUF_INIT;
	const char *path = getenv("PATH");
	char h[65];

	strbuf_addstr(&key, "make trailer 1\n");
	kernel_identity(k, &key);
	/* The make that kbuild runs: the first on PATH. */
	for (const char *p = path ? path : ""; *p;) {
		size_t len = strcspn(p, ":");
		char *dir = xstrndup(p, len), *exe = path_join(len ? dir : ".", "make");
		struct stat st;
		int found = stat(exe, &st) == 0 && S_ISREG(st.st_mode) && !access(exe, X_OK);

		if (found)
			strbuf_addf(&key, "make %s %lld %lld\n", exe, (long long)st.st_size,
				    (long long)st.st_mtim.tv_sec);
		free(dir);
		free(exe);
		if (found)
			break;
		p += len + (p[len] == ':');
	}
	sha256_hex(key.buf, key.len, h);
	strbuf_release(&key);
	return xasprintf("%s/kbuild-fast/trailer-%.24s", root, h);
}

static int trailer_fill(const char *file, int status, const char *obj, const char *m,
			struct strbuf *log)
{
	struct strbuf sb = STRBUF_INIT;
	char *head = xasprintf("status %d\n", status);
	int ret = -1;

	if (read_file(file, &sb, 1 << 16) == 0 && !strncmp(strbuf_str(&sb), head, strlen(head))) {
		struct strbuf t = STRBUF_INIT;

		strbuf_addstr(&t, sb.buf + strlen(head));
		replace_all(&t, "@OBJ@", obj);
		replace_all(&t, "@M@", m);
		strbuf_addstr(log, strbuf_str(&t));
		strbuf_release(&t);
		ret = 0;
	}
	strbuf_release(&sb);
	free(head);
	return ret;
}

/*
 * Learn the trailer from a full kbuild in dir that failed after the replay
 * in m failed on obj: its log must be the replay's, then make's lines only.
 */
static void trailer_learn(const char *file, const char *replayed, const char *m,
			  const char *full, const char *dir, const char *obj, int status)
{
	struct strbuf want = STRBUF_INIT, t = STRBUF_INIT;
	char *base = path_basename(obj), *dobj = path_join(dir, base);
	char *tail = xasprintf("] Error %d\n", status);
	const char *rest, *nl;

	strbuf_addstr(&want, replayed);
	replace_all(&want, m, dir);
	if (strncmp(full, strbuf_str(&want), want.len))
		goto out;
	rest = full + want.len;
	nl = strchr(rest, '\n');
	/* The first of them is the failed object's, with the compiler's status. */
	if (!nl || (size_t)(nl + 1 - rest) < strlen(tail) ||
	    strncmp(nl + 1 - strlen(tail), tail, strlen(tail)) ||
	    !memmem(rest, (size_t)(nl - rest), dobj, strlen(dobj)) ||
	    rest[strlen(rest) - 1] != '\n')
		goto out;
	for (const char *l = rest; *l; l = strchr(l, '\n') + 1)
		if (strncmp(l, "make", 4))
			goto out;
	strbuf_addstr(&t, rest);
	replace_all(&t, dobj, "@OBJ@");
	replace_all(&t, dir, "@M@");
	strbuf_reset(&want);
	strbuf_addf(&want, "status %d\n%s", status, t.buf);
	write_file_atomic(file, want.buf, want.len, 0644);
out:
	strbuf_release(&want);
	strbuf_release(&t);
	free(base);
	free(dobj);
	free(tail);
}

/* Put a .ko of the fast path where the content-keyed cache expects it. */
static int publish_ko(const char *ko, const char *final, int replayed, const char *m,
		      struct kbuild_result *res)
{
	char *tmp = tmp_dir_for(final), *base = path_basename(ko), *to = path_join(tmp, base);
	char *err = NULL;
	int ret = -1;

	remove_tree(tmp);
	if (mkdir_p(tmp, 0755) < 0 || copy_tree(ko, to) < 0)
		goto out;
	if (replayed) {
		char *note = path_join(tmp, FAST_NOTE);
		char *text = xasprintf("built by replaying the kbuild commands recorded in %s\n", m);
		int r = write_file_atomic(note, text, strlen(text), 0644);

		free(note);
		free(text);
		if (r < 0)
			goto out;
	}
	if (publish_build(tmp, final, res) < 0)
		goto out;
	ret = 0;
out:
	remove_tree(tmp);
	free(tmp);
	free(base);
	free(to);
	free(err);
	return ret;
}

/*
 * The build with the slot f locked: replay its template if it has one
 * for this shape, else (or when the replay does not fit) a full kbuild in
 * the slot, which becomes its template.
 */
static int build_in_slot(const struct lab_kernel *k, struct fast *f, const char *path,
			 const char *srcdir, char **names, size_t n, const char *kbuild_text,
			 const char *root, const char *final, int64_t deadline,
			 struct kbuild_result *res)
{
	struct replay_out ro = { 0 };
	int ret = -1;

	if (fast_valid(f)) {
		enum replay r = fast_replay(k, f, path, srcdir, names, n, deadline, res, &ro);
		char *tfile;

		switch (r) {
		case REPLAY_OK:
			replace_all(&res->log, f->m, srcdir);
			res->fast = 1;
			ret = publish_ko(ro.ko, final, 1, f->m, res);
			goto out;
		case REPLAY_ERROR:
			goto out;
		case REPLAY_COMPILE_ERROR:
			tfile = trailer_file(k, root);
			if (trailer_fill(tfile, ro.status, ro.failed, f->m, &res->log) == 0) {
				replace_all(&res->log, f->m, srcdir);
				res->fast = 1;
				ret = 1;
			} else {
				/* Make's own lines are not known yet: kbuild gives the log. */
				struct strbuf replayed = res->log, raw = STRBUF_INIT, empty = STRBUF_INIT;
				char *tmp = tmp_dir_for(final);

				res->log = empty;
				ret = build_in_tmp(k, path, srcdir, names, n, kbuild_text, final,
						   deadline, res, &raw);
				if (ret == 1)
					trailer_learn(tfile, strbuf_str(&replayed), f->m,
						      strbuf_str(&raw), tmp, ro.failed, ro.status);
				else if (ret == 0)
					/* kbuild built what the replay could not: a bad template */
					unlink(f->mark);
				strbuf_release(&replayed);
				strbuf_release(&raw);
				free(tmp);
			}
			free(tfile);
			goto out;
		case REPLAY_FALLBACK:
			strbuf_reset(&res->log);
			break;
		}
	}
	unlink(f->mark);
	remove_tree(f->m);
	if (mkdir_p(f->m, 0755) < 0 || copy_sources(srcdir, names, n, kbuild_text, f->m) < 0)
		goto out;
	ret = kbuild_full(k, path, f->m, deadline, res);
	replace_all(&res->log, f->m, srcdir);
	if (ret != 0)
		goto out;
	{
		char *err = NULL, *ko = find_ko(f->m, &err);
		char *base = ko ? xstrndup(ko, strlen(ko) - 3) : NULL;
		char *modc = base ? xasprintf("%s.mod.c", base) : NULL;
		char *modc_last = path_join(f->m, FAST_MODC);

		/*
		 * A full kbuild that warned of a compiler other than the kernel's
		 * warns on every build: a replay would not, so no template.
		 */
		if (ko && !strstr(strbuf_str(&res->log), "the compiler differs from the one") &&
		    copy_tree(modc, modc_last) == 0)
			fast_mark_valid(f);
		ret = ko ? publish_ko(ko, final, 0, f->m, res) : -1;
		free(err);
		free(ko);
		free(base);
		free(modc);
		free(modc_last);
	}
out:
	free(ro.ko);
	free(ro.failed);
	return ret;
}

/*
 * A build made ahead of time by `make` (paths.prebuilt, laid out as the
 * cache is): the grader's probe is there before any check needs it.
 */
static char *prebuilt_ko(const char *hash)
{
	char *dir = xasprintf("%s/kbuild/%.24s", paths.prebuilt, hash), *err = NULL;
	char *ko = find_ko(dir, &err);

	free(err);
	free(dir);
	return ko;
}

static int kbuild(const struct lab_kernel *k, const char *path, int lookup_only,
		  struct kbuild_result *res)
{
	struct strbuf key = STRBUF_INIT, data = STRBUF_INIT;
	struct fast f = { STRBUF_INIT, NULL, NULL, NULL, -1 };
	char **names = NULL;
	size_t nnames = 0;
	char hash[65], *srcdir = NULL, *single = NULL, *root = NULL, *final = NULL;
	char *kbuild_text = NULL, *err = NULL;
	int64_t start = now_ms(), deadline = start + KBUILD_TIMEOUT_MS;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (is_file(path) && path_has_suffix(path, ".ko")) {
		if (read_file(path, &data, 0) < 0)
			return error("cannot read '%s': %s", path, strerror(errno));
		sha256_hex(data.buf, data.len, hash);
		res->hash = xstrdup(hash);
		res->ko = path_absolute(path);
		/* The name insmod gives it is in the module, not the file name. */
		res->name = ko_modinfo(&data, "name");
		if (!res->name)
			res->name = module_name_of(path, ".ko");
		{
			char *magic = ko_modinfo(&data, "vermagic");
			size_t rl = strlen(k->release);
			int match = magic && !strncmp(magic, k->release, rl) && magic[rl] == ' ';

			if (!match) {
				error("'%s' was built for kernel '%.*s', not the lab kernel %s: "
				      "give its sources instead", path,
				      magic ? (int)strcspn(magic, " ") : 7, magic ? magic : "unknown",
				      k->release);
				free(magic);
				strbuf_release(&data);
				return -1;
			}
			free(magic);
		}
		res->ok = res->cached = 1;
		strbuf_release(&data);
		return 0;
	}
	if (is_file(path) && path_has_suffix(path, ".c")) {
		srcdir = path_absolute(path);
		*strrchr(srcdir, '/') = '\0';
		single = path_basename(path);
		names = xmalloc(sizeof(char *));
		names[0] = xstrdup(single);
		nnames = 1;
		kbuild_text = xasprintf("obj-m := %.*s.o\n", (int)(strlen(single) - 2), single);
	} else if (is_dir(path)) {
		char *kb = path_join(path, "Kbuild"), *mk = path_join(path, "Makefile");
		int has = is_file(kb) || is_file(mk);

		free(kb);
		free(mk);
		if (!has) {
			error("'%s' has neither a Kbuild file nor a Makefile: give a module "
			      "source directory, a .c file or a .ko", path);
			goto out;
		}
		srcdir = path_absolute(path);
		if (list_sources(srcdir, &names, &nnames) < 0)
			goto out;
	} else if (access(path, F_OK) < 0) {
		error("cannot open '%s': %s", path, strerror(errno));
		goto out;
	} else {
		error("'%s' is not a module: give a source directory, a .c file or a .ko",
		      path);
		goto out;
	}

	/* The cache key: the kernel, then every source file's name and content. */
	strbuf_addf(&key, "kbuild 1\nrelease %s\nkdir %s\n", k->release, k->kdir);
	if (hash_sources(srcdir, names, nnames, &key, hash) < 0)
		goto out;
	res->hash = xstrdup(hash);

	root = path_join(paths.cache, "kbuild");
	if (mkdir_p(root, 0755) < 0)
		goto out;
	sweep_stale_tmp(root);
	final = xasprintf("%s/%.24s", root, hash);
	res->ko = find_ko(final, &err);
	if (!res->ko)
		res->ko = prebuilt_ko(hash);
	if (res->ko) {
		res->ok = res->cached = 1;
		res->name = module_name_of(res->ko, ".ko");
		ret = 0;
		goto out;
	}
	free(err);
	err = NULL;
	if (lookup_only) {
		ret = 1;
		goto out;
	}

	if (fast_wanted(k)) {
		char shape[65];

		if (fast_shape(k, srcdir, names, nnames, kbuild_text, &f.key) < 0)
			goto out;
		sha256_hex(f.key.buf, f.key.len, shape);
		if (fast_open(&f, paths.cache, shape) == 0) {
			ret = build_in_slot(k, &f, path, srcdir, names, nnames, kbuild_text,
					    paths.cache, final, deadline, res);
			goto out;
		}
	}
	ret = build_in_tmp(k, path, srcdir, names, nnames, kbuild_text, final, deadline, res,
			   NULL);
out:
	fast_release(&f);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(srcdir);
	free(single);
	free(root);
	free(final);
	free(kbuild_text);
	free(err);
	strbuf_release(&key);
	strbuf_release(&data);
	res->ms = now_ms() - start;
	return ret;
}

int kbuild_module(const struct lab_kernel *k, const char *path, struct kbuild_result *res)
{
	return kbuild(k, path, 0, res);
}

int kbuild_cached(const struct lab_kernel *k, const char *path, struct kbuild_result *res)
{
	return kbuild(k, path, 1, res);
}

int build_program(const char *path, const char *name, struct kbuild_result *res)
{
	struct strbuf key = STRBUF_INIT;
	struct strbuf cmdlog = STRBUF_INIT;
	char **names = NULL;
	size_t nnames = 0, nc = 0;
	char hash[65], *srcdir = NULL, *dir = NULL, *tmp = NULL, *out = NULL;
	const char **argv = NULL;
	int64_t start = now_ms();
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (is_file(path) && path_has_suffix(path, ".c")) {
		srcdir = path_absolute(path);
		*strrchr(srcdir, '/') = '\0';
		names = xmalloc(sizeof(char *));
		names[0] = path_basename(path);
		nnames = 1;
	} else if (is_dir(path)) {
		srcdir = path_absolute(path);
		if (list_sources(srcdir, &names, &nnames) < 0)
			goto out;
	} else {
		error("cannot open '%s': %s", path,
		      access(path, F_OK) < 0 ? strerror(errno) : "not a .c file or a directory");
		goto out;
	}
	strbuf_addf(&key, "program 1\nname %s\n", name);
	if (hash_sources(srcdir, names, nnames, &key, hash) < 0)
		goto out;
	res->hash = xstrdup(hash);
	res->name = xstrdup(name);
	dir = xasprintf("%s/progs/%.24s", paths.prebuilt, hash);
	res->ko = path_join(dir, name);
	if (is_file(res->ko)) {
		res->ok = res->cached = 1;
		ret = 0;
		goto out;
	}
	free(res->ko);
	free(dir);
	dir = xasprintf("%s/progs/%.24s", paths.cache, hash);
	res->ko = path_join(dir, name);
	if (is_file(res->ko)) {
		res->ok = res->cached = 1;
		ret = 0;
		goto out;
	}
	if (mkdir_p(dir, 0755) < 0)
		goto out;
	sweep_stale_tmp(dir);
	/* Static, so it runs on the guest's bare busybox userland. */
	tmp = xasprintf("%s.tmp.%d", res->ko, (int)getpid());
	argv = xcalloc(nnames + 12, sizeof(char *));
	argv[nc++] = "gcc";
	argv[nc++] = "-static";
	argv[nc++] = "-O2";
	argv[nc++] = "-g";
	argv[nc++] = "-Wall";
	argv[nc++] = "-Wextra";
	argv[nc++] = "-o";
	argv[nc++] = tmp;
	for (size_t i = 0; i < nnames; i++)
		if (path_has_suffix(names[i], ".c"))
			argv[nc++] = names[i];
	argv[nc] = NULL;
	{
		struct run_result rr;
		int st = run_build(argv, srcdir, NULL, NULL, dir, srcdir, &res->log,
				   KBUILD_LOG_CAP, KBUILD_TIMEOUT_MS, &rr);

		if (st < 0)
			goto out;
		if (rr.timed_out) {
			error("compiling '%s' took longer than %d s: stopped", path,
			      KBUILD_TIMEOUT_MS / 1000);
			goto out;
		}
		if (st != 0) {
			/* Name the files as the learner knows them. */
			out = xasprintf("%s/", srcdir);
			strbuf_addstr(&cmdlog, strbuf_str(&res->log));
			strbuf_release(&res->log);
			for (const char *p = strbuf_str(&cmdlog); *p;) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);

				if (*p != ' ' && *p != '/' && memchr(p, ':', n) && strncmp(p, "collect2", 8))
					strbuf_addstr(&res->log, out);
				strbuf_add(&res->log, p, n);
				p += n;
			}
			unlink(tmp);
			ret = 1;
			goto out;
		}
	}
	if (rename(tmp, res->ko) < 0) {
		error("cannot rename '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	res->ok = 1;
	ret = 0;
out:
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(argv);
	free(srcdir);
	free(dir);
	free(tmp);
	free(out);
	strbuf_release(&key);
	strbuf_release(&cmdlog);
	res->ms = now_ms() - start;
	return ret;
}

void kbuild_result_release(struct kbuild_result *res)
{
	free(res->ko);
	free(res->name);
	free(res->hash);
	strbuf_release(&res->log);
	memset(res, 0, sizeof(*res));
}

char *kbuild_first_errors(const char *log, int max_lines)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0;

	for (const char *p = log; *p && n < max_lines;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		/* The compiler's errors, and the linker's (a program's first real error). */
		if (memmem(p, len, ": error:", 8) || memmem(p, len, ": fatal error:", 14) ||
		    memmem(p, len, "undefined reference to", 22) ||
		    memmem(p, len, "multiple definition of", 22) ||
		    memmem(p, len, "ld: cannot find", 15)) {
			if (sb.len)
				strbuf_addch(&sb, '\n');
			strbuf_add(&sb, p, len);
			n++;
		}
		p += len + (nl ? 1 : 0);
	}
	if (!sb.len) {
		/* No compiler diagnostic: show the log's last line (make's reason). */
		const char *end = log + strlen(log);

		while (end > log && end[-1] == '\n')
			end--;
		const char *start = end;

		while (start > log && start[-1] != '\n')
			start--;
		strbuf_add(&sb, start, (size_t)(end - start));
	}
	return strbuf_detach(&sb, NULL);
}

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
