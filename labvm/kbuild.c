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

#include "kbuild-dir.h"
#include "kbuild-fast.h"
#include "sandbox.h"
#include "paths.h"
#include "run.h"

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

int source_hash_file(struct strbuf *key, const char *prefix, const char *dir, const char *name)
{
	struct strbuf data = STRBUF_INIT;
	char *p = path_join(dir, name), *label = xasprintf("%s%s", prefix, name);
	int ret = read_file(p, &data, 64 << 20);

	if (ret < 0)
		error("cannot read '%s': %s", p, strerror(errno));
	else
		source_hash_add(key, label, data.buf, data.len);
	strbuf_release(&data);
	free(label);
	free(p);
	return ret < 0 ? -1 : 0;
}

/* Add each file's name and SHA-256 to key, then hash key into hash. */
static int hash_sources(const char *srcdir, char **names, size_t n, struct strbuf *key,
			char hash[65])
{
	for (size_t i = 0; i < n; i++)
		if (source_hash_file(key, "", srcdir, names[i]) < 0)
			return -1;
	sha256_hex(key->buf, key->len, hash);
	return 0;
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
	if (source_files(path, &names, &n) < 0)
		return -1;
	if (hash_sources(path, names, n, &key, hash) == 0)
		ret = 0;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	strbuf_release(&key);
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
		if (source_files(srcdir, &names, &nnames) < 0)
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
		if (source_files(srcdir, &names, &nnames) < 0)
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
