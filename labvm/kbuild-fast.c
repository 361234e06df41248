#include "lab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "kbuild-dir.h"
#include "kbuild-fast.h"
#include "sandbox.h"
#include "paths.h"
#include "run.h"

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

int fast_shape(const struct lab_kernel *k, const char *srcdir, char **names, size_t n,
		      const char *kbuild_text, struct strbuf *key)
{
	strbuf_addstr(key, "kbuild-fast 1\n");
	kernel_identity(k, key);
	for (size_t i = 0; i < n; i++) {
		if (compiled_only(names[i]))
			strbuf_addf(key, "file %s\n", names[i]);
		else if (source_hash_file(key, "file ", srcdir, names[i]) < 0)
			return -1;
	}
	if (kbuild_text)
		strbuf_addf(key, "made Kbuild %s", kbuild_text);
	return 0;
}

/*
 * Whether to try the fast path at all.  A kernel tree with a vmlinux makes
 * kbuild add BTF to each module after its link, which a replay does not do.
 */
int fast_wanted(const struct lab_kernel *k)
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

void fast_release(struct fast *f)
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
int fast_open(struct fast *f, const char *root, const char *shape_hash)
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
	return ret;
}

/*
 * The build with the slot f locked: replay its template if it has one
 * for this shape, else (or when the replay does not fit) a full kbuild in
 * the slot, which becomes its template.
 */
int build_in_slot(const struct lab_kernel *k, struct fast *f, const char *path,
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

