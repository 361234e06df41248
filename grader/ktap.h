/*
 * A KTAP reader (Documentation/dev-tools/ktap.rst) for what modules print.
 *
 * Lines that are not KTAP (other kernel messages on the same log) are
 * ignored.  Reading starts at the first "KTAP version 1" (or "TAP version
 * 13/14") line; results are "ok N name" / "not ok N name", optionally
 * followed by "# text" which holds a directive (SKIP, TODO, ...) or, in
 * kmemlab's own modules, key=value diagnostics.  As kunit_tool does, a
 * planned test with no result line counts as crashed (ktap_doc.missing).
 */
#ifndef KMEMLAB_KTAP_H
#define KMEMLAB_KTAP_H

#include <stddef.h>

struct ktap_result {
	int number;
	int ok;
	char *name;
	char *comment;	/* the text after '#', or "" */
};

struct ktap_doc {
	int version;	/* 1 for KTAP 1, 13/14 for TAP, 0 if no header seen */
	int plan;	/* N of "1..N", or -1 without a plan */
	int bail_out;
	int missing;	/* planned but never reported */
	struct ktap_result *results;
	int nresults;
	char **diag;	/* "# ..." lines outside results, without the "# " */
	int ndiag;
};

/* Parse text (lines).  Never fails: an empty doc has version 0. */
void ktap_parse(const char *text, struct ktap_doc *doc);
void ktap_doc_release(struct ktap_doc *doc);

/*
 * Find key=value in a comment or diagnostic ("requested=160 ksize=192").
 * Returns 1 and the value (up to the next space) in out, else 0.
 */
int ktap_kv(const char *text, const char *key, char *out, size_t outlen);
/* The same, parsed as a non-negative integer: 1 ok, 0 absent, -1 not a number. */
int ktap_kv_ulong(const char *text, const char *key, unsigned long long *v);

#endif
