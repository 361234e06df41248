/*
 * The fast rebuild (kbuild-fast.c): a module rebuilt by replaying the
 * commands kbuild ran for a template of the same shape.  For kbuild.c.
 */
#ifndef KMEMLAB_KBUILD_FAST_H
#define KMEMLAB_KBUILD_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct lab_kernel;
struct kbuild_result;

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
