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

#endif
