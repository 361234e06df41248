/*
 * The sandboxed run of a build step (sandbox.c), for the builders of
 * labvm/.  Not for use outside labvm/.
 */
#ifndef KMEMLAB_SANDBOX_H
#define KMEMLAB_SANDBOX_H

#include <stddef.h>

#include "run.h"
#include "util.h"

/*
 * run_capture() for a build step, in the sandbox when there is one: rw is
 * the one directory it may write, ro (or NULL) one more it may read, kdir
 * the kernel tree.  Returns -1 after reporting why when a sandbox is
 * required and missing.
 */
int run_build(const char *const *argv, const char *dir, const char *const *env,
	      const char *kdir, const char *rw, const char *ro, struct strbuf *out,
	      size_t cap, int timeout_ms, struct run_result *rr);

#endif
