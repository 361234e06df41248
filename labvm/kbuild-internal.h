/*
 * What kbuild.c shares with the other builders of labvm/ (kbuild-tree.c):
 * the sandboxed run of a build step and the small helpers around it.
 * Not for use outside labvm/.
 */
#ifndef KMEMLAB_KBUILD_INTERNAL_H
#define KMEMLAB_KBUILD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "util.h"

/* A file worth copying from a module's tree: not build output, not hidden. */
int is_source_name(const char *n);
/* "dir/my-mod.ko", ".ko" -> "my_mod": the name lsmod shows. */
char *module_name_of(const char *file, const char *suffix);
/* Remove the lines of log that start with prefix. */
void strip_line(struct strbuf *log, const char *prefix);
void replace_all(struct strbuf *sb, const char *from, const char *to);
/* Milliseconds left until deadline, at least 1. */
int ms_left(int64_t deadline);
/* Room left in a build log (capped). */
size_t log_room(const struct strbuf *log);
/*
 * run_capture() for a build step, in the sandbox when there is one: rw is
 * the one directory it may write, ro (or NULL) one more it may read, kdir
 * the kernel tree.  Returns -1 after reporting why when a sandbox is
 * required and missing.
 */
int run_build(const char *const *argv, const char *dir, const char *const *env,
	      const char *kdir, const char *rw, const char *ro, struct strbuf *out,
	      size_t cap, int timeout_ms, struct run_result *rr);

#define KBUILD_TIMEOUT_MS (5 * 60 * 1000)

struct lab_kernel;
struct kbuild_result;

/* The one .ko in dir (NULL, with *err when there are several). */
char *find_ko(const char *dir, char **err);
/* Copy the module's sources into dir, and the Kbuild made for a single file. */
int copy_sources(const char *srcdir, char **names, size_t n, const char *kbuild_text,
		 const char *dir);
/* A plain kbuild of the sources already in dir: 0, 1 (does not compile), -1. */
int kbuild_full(const struct lab_kernel *k, const char *path, const char *dir,
		int64_t deadline, struct kbuild_result *res);
/* final's temporary name, "FINAL.tmp.PID" (allocated). */
char *tmp_dir_for(const char *final);
/* Rename a finished build into the cache and take its .ko. */
int publish_build(const char *tmp, const char *final, struct kbuild_result *res);
/* The build without a template, in a private temporary folder. */
int build_in_tmp(const struct lab_kernel *k, const char *path, const char *srcdir,
		 char **names, size_t n, const char *kbuild_text, const char *final,
		 int64_t deadline, struct kbuild_result *res, struct strbuf *raw);

/* ---- the fast rebuild (kbuild-fast.c) ---- */

struct fast {
	struct strbuf key;	/* the shape: what the template must have been made for */
	char *dir;		/* cache/kbuild-fast/SHAPE-SLOT */
	char *m;		/* dir/m: M= of its builds */
	char *mark;		/* dir/template */
	int lock;		/* the flock()ed dir/lock */
};

/* Whether the fast rebuild may be used (KMEMLAB_KBUILD_FAST, a kernel tree to read). */
int fast_wanted(const struct lab_kernel *k);
/* The shape of a module folder: what a template must have been made for. */
int fast_shape(const struct lab_kernel *k, const char *srcdir, char **names, size_t n,
	       const char *kbuild_text, struct strbuf *key);
/* Take a free slot of the shape (flock()ed): 0, or -1 when all are busy. */
int fast_open(struct fast *f, const char *root, const char *shape_hash);
void fast_release(struct fast *f);
/* Build in the slot: replay its template's commands, or a full kbuild that makes one. */
int build_in_slot(const struct lab_kernel *k, struct fast *f, const char *path,
		  const char *srcdir, char **names, size_t n, const char *kbuild_text,
		  const char *root, const char *final, int64_t deadline,
		  struct kbuild_result *res);

#endif
