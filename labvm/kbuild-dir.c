/*
 * A module folder and its plain kbuild: which files are its sources,
 * copying them out, `make -C KDIR M=dir modules` in a private folder, and
 * the finished build moved into the cache.  The fast rebuild
 * (kbuild-fast.c) and the builders of whole trees (kbuild-tree.c) use it.
 */
#include "lab.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbuild-dir.h"
#include "run.h"
#include "sandbox.h"

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
int source_files(const char *dir, char ***names, size_t *n)
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

char *find_ko(const char *dir, char **err)
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

int copy_sources(const char *srcdir, char **names, size_t n, const char *kbuild_text,
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
int kbuild_full(const struct lab_kernel *k, const char *path, const char *dir,
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

char *tmp_dir_for(const char *final)
{
	return xasprintf("%s.tmp.%d", final, (int)getpid());
}

/*
 * Move a finished build directory to its place in the cache (another
 * process may have put the same build there first) and take its .ko.
 */
int publish_build(const char *tmp, const char *final, struct kbuild_result *res)
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
int build_in_tmp(const struct lab_kernel *k, const char *path, const char *srcdir,
			char **names, size_t n, const char *kbuild_text, const char *final,
			int64_t deadline, struct kbuild_result *res, struct strbuf *raw)
{
	char *tmp = tmp_dir_for(final);
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
	return ret;
}
