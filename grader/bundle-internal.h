/*
 * What the writer (bundle.c) and the reader (bundle-read.c) of bundles
 * share.  Not for use outside them.
 */
#ifndef KMEMLAB_BUNDLE_INTERNAL_H
#define KMEMLAB_BUNDLE_INTERNAL_H

#include <locale.h>

#include "bundle.h"

/*
 * libarchive turns member names into and out of the locale's multibyte
 * form: bundles are written and read in C.UTF-8 for this thread alone
 * (bundle.c says why).
 */
struct utf8_scope {
	locale_t utf8, old;
};
int utf8_enter(struct utf8_scope *u, char **cause);
void utf8_leave(struct utf8_scope *u);

/* Add a member that owns data (len bytes), with its hash. */
void member_add(struct bundle *b, const char *path, char *data, size_t len);
/* Whether lesson (by id, not number) has the question. */
int course_has_question(const struct course *c, const char *lesson, const char *question);

#endif
