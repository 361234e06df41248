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
/*
 * The same, parsed as a number: 1 ok, 0 absent, -1 not a number (text may
 * be NULL: absent).  _ulong reads a decimal non-negative integer, _long a
 * signed one, _hex hex digits with or without 0x.
 */
int ktap_kv_ulong(const char *text, const char *key, unsigned long long *v);
int ktap_kv_long(const char *text, const char *key, long long *v);
int ktap_kv_hex(const char *text, const char *key, unsigned long long *v);
/* key= as ktap_kv_ulong() in the diagnostics of doc; the last one counts. */
int ktap_diag_ulong(const struct ktap_doc *doc, const char *key, unsigned long long *v);

/* The first result named name, or NULL. */
const struct ktap_result *ktap_find(const struct ktap_doc *doc, const char *name);

/* The first line of text that starts with word and a space, allocated, or NULL. */
char *ktap_line_of(const char *text, const char *word);
/* The first line of text that holds needle, allocated, or NULL. */
char *ktap_line_with(const char *text, const char *needle);

#endif
