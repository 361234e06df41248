/*
 * Module trees as their own make sees them (lab.h: kbuild_tree()).
 *
 * A module of a book's or a course's tree often reaches out of its folder:
 * `#include "../../lib.h"`, `foo-objs := foo.o ../../lib.o`.  Its own make
 * (make -C KDIR M=$PWD) finds those files because it builds in place.
 * kmemlab builds in a copy, in the sandbox, so the copy must hold them:
 * it holds the ancestor the sources reach with "../" (the tree's root),
 * its source files only, with the module's folder at the same place below
 * it.  The user's tree is never written; the build products stay in the
 * cache, keyed by every copied file, the kernel and what was asked.
 *
 * One folder may declare many modules (obj-m); a build of some of them
 * puts a Kbuild file in the copy (kbuild reads it before the Makefile)
 * that includes the folder's own and then sets obj-m to those, so kbuild
 * builds them and what they link and nothing else.  (obj-m on make's
 * command line would beat kbuild's own rewriting of it too.)  Modules that use another build's exports get its Module.symvers
 * through KBUILD_EXTRA_SYMBOLS, as kbuild's documentation says.
 */
#include "lab.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kbuild-dir.h"
#include "sandbox.h"
#include "paths.h"

/* How far up "../" may reach, and how much of a tree is copied. */
#define MAX_REACH 4
#define MAX_FILES 20000
#define MAX_BYTES (256LL << 20)

struct tree_files {
	char **rel;		/* paths below the root, in walk order */
	size_t n, alloc;
	long long bytes;
};

static void add_rel(struct tree_files *t, char *rel)
{
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 64;
		t->rel = xrealloc(t->rel, t->alloc * sizeof(*t->rel));
	}
	t->rel[t->n++] = rel;
}

static void tree_files_release(struct tree_files *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->rel[i]);
	free(t->rel);
	memset(t, 0, sizeof(*t));
}

/* A source file of the tree around the module: what a kbuild may read. */
static int is_tree_source(const char *n)
{
	static const char *const suffix[] = { ".c", ".h", ".S", ".s", ".lds", ".mk", ".inc" };
	static const char *const prefix[] = { "Makefile", "Kbuild", "Kconfig" };

	if (!is_source_name(n))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(suffix); i++)
		if (path_has_suffix(n, suffix[i]))
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(prefix); i++)
		if (!strncmp(n, prefix[i], strlen(prefix[i])))
			return 1;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The files under root/rel worth copying, sorted per directory so that the
 * key is stable.  The module's own folder (moddir, relative to root) keeps
 * every source file, as a flat kbuild copies it; elsewhere only sources.
 * Hidden entries and symbolic links to directories are skipped.
 */
static int walk(const char *root, const char *rel, const char *moddir, struct tree_files *t)
{
	char *dir = *rel ? path_join(root, rel) : xstrdup(root);
	char **names = NULL;
	size_t n = 0, alloc = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (!d) {
		ret = error("cannot open directory '%s': %s", dir, strerror(errno));
		free(dir);
		return ret;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 32;
			names = xrealloc(names, alloc * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n && ret == 0; i++) {
		char *sub = *rel ? path_join(rel, names[i]) : xstrdup(names[i]);
		char *full = path_join(root, sub);
		struct stat st;

		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			ret = walk(root, sub, moddir, t);
		} else if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
			   (!strcmp(rel, moddir) ? is_source_name(names[i])
						 : is_tree_source(names[i]))) {
			t->bytes += st.st_size;
			add_rel(t, sub);
			sub = NULL;
			if (t->n > MAX_FILES || t->bytes > MAX_BYTES)
				ret = error("'%s', the folder the module's sources reach with "
					    "'../', holds over %d source files or %lld MB: too "
					    "much to copy for one module", root, MAX_FILES,
					    MAX_BYTES >> 20);
		}
		free(sub);
		free(full);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	return ret;
}

/* The longest run of "../" in text: how many folders up it reaches. */
static int reach_of(const char *text, size_t len)
{
	int best = 0;

	for (size_t i = 0; i + 3 <= len; i++) {
		int k = 0;

		if (i > 0 && (text[i - 1] == '.' || text[i - 1] == '/'))
			continue;	/* inside a run already counted */
		while (i + 3 * (size_t)(k + 1) <= len && !memcmp(text + i + 3 * k, "../", 3))
			k++;
		if (k > best)
			best = k;
	}
	return best;
}

/*
 * The lines of a file that can name another file for the build: a C
 * file's #include lines, any other file's lines without their comments.
 */
static void build_lines(const char *name, const char *text, struct strbuf *out)
{
	int c = path_has_suffix(name, ".c") || path_has_suffix(name, ".h") ||
		path_has_suffix(name, ".S");

	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		const char *s = p + strspn(p, " \t");

		if (!c) {
			const char *hash = memchr(p, '#', n);

			strbuf_add(out, p, hash ? (size_t)(hash - p) : n);
			strbuf_addch(out, '\n');
		} else if (*s == '#' && !strncmp(s + 1 + strspn(s + 1, " \t"), "include", 7)) {
			strbuf_add(out, p, n);
			strbuf_addch(out, '\n');
		}
		p += n + (p[n] == '\n');
	}
}

int kbuild_reach(const char *dir)
{
	char **names = NULL;
	size_t n = 0;
	int reach = 0;

	if (source_files(dir, &names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char *p = path_join(dir, names[i]);
		struct strbuf sb = STRBUF_INIT;

		if (read_file(p, &sb, 16 << 20) == 0) {
			struct strbuf lines = STRBUF_INIT;
			int r;

			build_lines(names[i], strbuf_str(&sb), &lines);
			r = reach_of(strbuf_str(&lines), lines.len);
			if (r > reach)
				reach = r;
			strbuf_release(&lines);
		}
		strbuf_release(&sb);
		free(p);
		free(names[i]);
	}
	free(names);
	return reach;
}

/* Join backslash-continued lines, drop comments: make's logical lines. */
static void logical_lines(const char *text, struct strbuf *out)
{
	int comment = 0;

	for (const char *p = text; *p; p++) {
		if (*p == '\\' && p[1] == '\n') {
			p++;
			if (!comment)
				strbuf_addch(out, ' ');
			continue;
		}
		if (*p == '\n')
			comment = 0;
		else if (*p == '#')
			comment = 1;
		if (!comment)
			strbuf_addch(out, *p);
	}
}

int kbuild_declared(const char *dir, char ***names, size_t *n)
{
	static const char *const files[] = { "Kbuild", "Makefile" };
	struct strbuf sb = STRBUF_INIT, lines = STRBUF_INIT;
	size_t alloc = 0;

	*names = NULL;
	*n = 0;
	for (size_t f = 0; f < ARRAY_SIZE(files) && !sb.len; f++) {
		char *p = path_join(dir, files[f]);

		read_file(p, &sb, 4 << 20);	/* kbuild reads Kbuild first */
		free(p);
	}
	logical_lines(strbuf_str(&sb), &lines);
	for (char *line = lines.buf; line && *line;) {
		char *nl = strchr(line, '\n'), *s = line;

		if (nl)
			*nl = '\0';
		s += strspn(s, " \t");
		if (!strncmp(s, "obj-m", 5)) {
			s += 5 + strspn(s + 5, " \t");
			if (*s == '+' || *s == ':')
				s++;
			if (*s == '=') {
				for (char *w = strtok(s + 1, " \t"); w; w = strtok(NULL, " \t")) {
					size_t wl = strlen(w);
					int dup = 0;

					if (wl < 3 || strcmp(w + wl - 2, ".o") || strchr(w, '/') ||
					    strchr(w, '$'))
						continue;
					w[wl - 2] = '\0';
					for (size_t i = 0; i < *n; i++)
						dup |= !strcmp((*names)[i], w);
					if (dup)
						continue;
					if (*n == alloc) {
						alloc = alloc ? 2 * alloc : 16;
						*names = xrealloc(*names, alloc * sizeof(**names));
					}
					(*names)[(*n)++] = xstrdup(w);
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	strbuf_release(&sb);
	strbuf_release(&lines);
	return 0;
}

/* The key of the build: the kernel, what is asked, every copied file. */
static int tree_key(const struct lab_kernel *k, const struct kbuild_tree *t, const char *root,
		    const char *moddir, const struct tree_files *tf, char hash[65])
{
	struct strbuf key = STRBUF_INIT, data = STRBUF_INIT;
	int ret = -1;

	strbuf_addf(&key, "kbuild-tree 1\nrelease %s\nkdir %s\nmoddir %s\n", k->release, k->kdir,
		    moddir);
	for (size_t i = 0; i < t->nmodules; i++)
		strbuf_addf(&key, "module %s\n", t->modules[i]);
	for (size_t i = 0; i < t->nsymvers; i++) {
		strbuf_reset(&data);
		if (read_file(t->symvers[i], &data, 64 << 20) < 0) {
			error("cannot read '%s': %s", t->symvers[i], strerror(errno));
			goto out;
		}
		source_hash_add(&key, "symvers", data.buf, data.len);
	}
	for (size_t i = 0; i < tf->n; i++)
		if (source_hash_file(&key, "", root, tf->rel[i]) < 0)
			goto out;
	sha256_hex(key.buf, key.len, hash);
	ret = 0;
out:
	strbuf_release(&key);
	strbuf_release(&data);
	return ret;
}

/* Each module asked for (or the one built) in mdir; 0 when all are there. */
static int take_modules(const struct kbuild_tree *t, const char *mdir,
			struct kbuild_tree_result *res, int report)
{
	size_t want = t->nmodules ? t->nmodules : 1;

	res->mods = xcalloc(want, sizeof(*res->mods));
	res->nmods = 0;
	for (size_t i = 0; i < want; i++) {
		struct kbuild_result *m = &res->mods[res->nmods];
		char *ko = NULL;

		if (t->nmodules) {
			char *file = xasprintf("%s.ko", t->modules[i]);

			ko = path_join(mdir, file);
			free(file);
			if (!is_file(ko)) {
				if (report)
					error("building '%s' made no %s.ko: is '%s' in its obj-m?",
					      t->dir, t->modules[i], t->modules[i]);
				free(ko);
				return -1;
			}
		} else {
			DIR *d = opendir(mdir);
			struct dirent *e;
			int count = 0;

			while (d && (e = readdir(d)))
				if (path_has_suffix(e->d_name, ".ko") && count++ == 0)
					ko = path_join(mdir, e->d_name);
			if (d)
				closedir(d);
			if (count != 1) {
				if (report)
					error(count ? "'%s' builds %d modules: name the ones to load "
						      "with --module" : "building '%s' made no .ko: "
						      "does its Kbuild or Makefile set obj-m?",
					      t->dir, count);
				free(ko);
				return -1;
			}
		}
		m->ko = ko;
		m->name = module_name_of(ko, ".ko");
		m->ok = 1;
		res->nmods++;
	}
	return 0;
}

/* The Kbuild of the copy that builds only t->modules (see the top). */
static int pick_modules(const struct kbuild_tree *t, const char *mdir)
{
	struct strbuf kb = STRBUF_INIT;
	char *own = path_join(mdir, "Kbuild"), *moved = path_join(mdir, ".kmemlab-Kbuild");
	int r = 0;

	if (is_file(own)) {
		if (rename(own, moved) < 0)
			r = error("cannot rename '%s': %s", own, strerror(errno));
		strbuf_addstr(&kb, "include $(src)/.kmemlab-Kbuild\n");
	} else {
		strbuf_addstr(&kb, "include $(src)/Makefile\n");
	}
	strbuf_addstr(&kb, "obj-m :=");
	for (size_t i = 0; i < t->nmodules; i++)
		strbuf_addf(&kb, " %s.o", t->modules[i]);
	strbuf_addch(&kb, '\n');
	if (r == 0)
		r = write_file_atomic(own, kb.buf, kb.len, 0644);
	strbuf_release(&kb);
	free(own);
	free(moved);
	return r;
}

static int build_copy(const struct lab_kernel *k, const struct kbuild_tree *t,
		      const char *root, const struct tree_files *tf, const char *tmp,
		      const char *mdir, struct kbuild_tree_result *res)
{
	struct strbuf extra = STRBUF_INIT;
	char *mflag = xasprintf("M=%s", mdir), *extraflag = NULL;
	const char *argv[8];
	struct run_result rr;
	int argc = 0, st, ret = -1;

	for (size_t i = 0; i < tf->n; i++) {
		char *a = path_join(root, tf->rel[i]), *b = path_join(tmp, tf->rel[i]);
		char *bdir = path_dirname(b);
		int r = mkdir_p(bdir, 0755) < 0 ? -1 : copy_tree(a, b);

		free(a);
		free(b);
		free(bdir);
		if (r < 0)
			goto out;
	}
	/* Other builds' exports, copied in: the sandbox sees only this tree. */
	for (size_t i = 0; i < t->nsymvers; i++) {
		char *name = xasprintf(".kmemlab-symvers-%zu", i);
		char *to = path_join(tmp, name);

		free(name);
		if (copy_tree(t->symvers[i], to) < 0) {
			free(to);
			goto out;
		}
		strbuf_addf(&extra, "%s%s", i ? " " : "", to);
		free(to);
	}
	if (t->nmodules && pick_modules(t, mdir) < 0)
		goto out;
	argv[argc++] = "make";
	argv[argc++] = "-s";
	argv[argc++] = "-C";
	argv[argc++] = k->kdir;
	argv[argc++] = mflag;
	if (extra.len) {
		extraflag = xasprintf("KBUILD_EXTRA_SYMBOLS=%s", extra.buf);
		argv[argc++] = extraflag;
	}
	argv[argc++] = "modules";
	argv[argc] = NULL;
	st = run_build(argv, k->kdir, NULL, k->kdir, tmp, NULL, &res->log, log_room(&res->log),
		       KBUILD_TIMEOUT_MS, &rr);
	if (st < 0)
		goto out;
	strip_line(&res->log, "Skipping BTF generation");
	replace_all(&res->log, tmp, root);
	if (rr.timed_out) {
		error("building '%s' took longer than %d s: stopped", t->dir,
		      KBUILD_TIMEOUT_MS / 1000);
		goto out;
	}
	ret = st != 0 ? 1 : 0;
out:
	free(mflag);
	free(extraflag);
	strbuf_release(&extra);
	return ret;
}

int kbuild_tree(const struct lab_kernel *k, const struct kbuild_tree *t,
		struct kbuild_tree_result *res)
{
	struct tree_files tf = { 0 };
	char hash[65], *dir = NULL, *root = NULL, *moddir = NULL, *final = NULL, *tmp = NULL;
	char *mdir = NULL;
	char *cache = path_join(paths.cache, "kbuild-tree");
	int64_t start = now_ms();
	int reach, ret = -1;

	memset(res, 0, sizeof(*res));
	dir = path_absolute(t->dir);
	if (!dir) {
		error("cannot open '%s': %s", t->dir, strerror(errno));
		goto out;
	}
	reach = kbuild_reach(dir);
	if (reach < 0)
		goto out;
	root = xstrdup(dir);
	for (int i = 0; i < reach && i < MAX_REACH && strcmp(root, "/"); i++) {
		char *up = path_dirname(root);

		free(root);
		root = up;
	}
	if (reach > MAX_REACH || !strcmp(root, "/")) {
		error("the sources of '%s' reach %d folders up with '../': kmemlab copies at "
		      "most %d, and never /", t->dir, reach, MAX_REACH);
		goto out;
	}
	moddir = xstrdup(dir + strlen(root) + (strlen(dir) > strlen(root)));
	if (walk(root, "", moddir, &tf) < 0 || tree_key(k, t, root, moddir, &tf, hash) < 0)
		goto out;
	if (mkdir_p(cache, 0755) < 0)
		goto out;
	sweep_stale_tmp(cache);
	final = xasprintf("%s/%.24s", cache, hash);
	mdir = *moddir ? path_join(final, moddir) : xstrdup(final);
	if (is_dir(final) && take_modules(t, mdir, res, 0) == 0) {
		res->ok = res->cached = 1;
		ret = 0;
		goto done;
	}
	kbuild_tree_result_release(res);	/* what a cache entry without them left */
	tmp = xasprintf("%s.tmp.%d", final, (int)getpid());
	remove_tree(tmp);
	{
		char *tmdir = *moddir ? path_join(tmp, moddir) : xstrdup(tmp);

		ret = mkdir_p(tmdir, 0755) < 0 ? -1 : build_copy(k, t, root, &tf, tmp, tmdir, res);
		free(tmdir);
	}
	if (ret != 0)
		goto out;
	ret = -1;
	if (rename(tmp, final) < 0 && !is_dir(final)) {
		error("cannot rename '%s' to '%s': %s", tmp, final, strerror(errno));
		goto out;
	}
	if (take_modules(t, mdir, res, 1) < 0)
		goto out;
	res->ok = 1;
	ret = 0;
done:
	res->build_dir = xstrdup(mdir);
	res->symvers = path_join(mdir, "Module.symvers");
out:
	res->root = root;
	if (tmp)
		remove_tree(tmp);
	tree_files_release(&tf);
	res->ms = now_ms() - start;
	free(cache);
	free(dir);
	free(moddir);
	free(final);
	free(tmp);
	free(mdir);
	return ret;
}

void kbuild_tree_result_release(struct kbuild_tree_result *res)
{
	for (size_t i = 0; i < res->nmods; i++)
		kbuild_result_release(&res->mods[i]);
	free(res->mods);
	free(res->root);
	free(res->build_dir);
	free(res->symvers);
	strbuf_release(&res->log);
	memset(res, 0, sizeof(*res));
}
