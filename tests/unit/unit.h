/*
 * Helpers shared by the unit tests: where the source tree is, so tests
 * can read their fixtures (tests/unit/fixtures) and the real course
 * whatever the current directory.
 *
 * __FILE__ is the path the compiler was given, relative to the
 * directory make ran in ("tests/unit/unit.h").  The tree is therefore
 * looked for from the current directory, then from the test binary's
 * own place (BUILD/tests/NAME, two levels below the top), and the path
 * is taken as it is when it is absolute.
 */
#ifndef KMEMLAB_TESTS_UNIT_H
#define KMEMLAB_TESTS_UNIT_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define UNIT_SELF "tests/unit/unit.h"

/* The top of the kmemlab tree, allocated; aborts when it cannot be found. */
static inline char *unit_top(void)
{
	const char *f = __FILE__;
	size_t flen = strlen(f), slen = strlen(UNIT_SELF);
	char exe[PATH_MAX];
	ssize_t n;

	if (flen >= slen && !strcmp(f + flen - slen, UNIT_SELF)) {
		char *top = xstrndup(f, flen - slen);
		char *probe;

		if (!*top) {
			free(top);
			top = xstrdup(".");
		}
		probe = path_join(top, UNIT_SELF);
		if (is_file(probe)) {
			free(probe);
			return top;
		}
		free(probe);
		free(top);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *top, *probe, *slash;

		exe[n] = '\0';
		/* BUILD/tests/NAME: strip three components. */
		for (int i = 0; i < 3 && (slash = strrchr(exe, '/')); i++)
			*slash = '\0';
		top = xstrdup(exe[0] ? exe : "/");
		probe = path_join(top, UNIT_SELF);
		if (is_file(probe)) {
			free(probe);
			return top;
		}
		free(probe);
		free(top);
	}
	fprintf(stderr, "unit tests: cannot find the kmemlab tree (%s)\n", f);
	abort();
}

/* The contents of tests/unit/fixtures/NAME, allocated; aborts if unreadable. */
static inline char *unit_fixture(const char *name)
{
	char *top = unit_top();
	char *path = xasprintf("%s/tests/unit/fixtures/%s", top, name);
	struct strbuf sb = STRBUF_INIT;

	if (read_file(path, &sb, 0) < 0) {
		fprintf(stderr, "unit tests: cannot read fixture '%s'\n", path);
		abort();
	}
	free(path);
	free(top);
	if (!sb.buf)
		return xstrdup("");
	return strbuf_detach(&sb, NULL);
}

#endif
