/*
 * What the two bundle fuzzers share: the course of this tree, a scratch
 * directory for the bundle file, a class database, and the checks run on
 * each bundle file: bundle_read() (the validation), and for a bundle it
 * accepts, bundle_source_hash() and class_import() twice (the second must
 * change nothing), then the class is emptied for the next input.
 *
 * kmemlab's own messages (class import prints one line per bundle) go to
 * /dev/null unless FUZZ_VERBOSE is set; the sanitizers and libFuzzer
 * write to the file descriptor, not through stdio, so nothing of theirs
 * is lost.
 */
#ifndef KMEMLAB_FUZZ_BUNDLE_COMMON_H
#define KMEMLAB_FUZZ_BUNDLE_COMMON_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "class.h"
#include "course.h"
#include "store.h"
#include "util.h"

#ifndef FUZZ_DATADIR
#define FUZZ_DATADIR "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct course fuzz_course;
static char *fuzz_dir, *fuzz_file;
static struct store *fuzz_class;
static sqlite3 *fuzz_db;

static void fuzz_cleanup(void)
{
	if (fuzz_db)
		sqlite3_close(fuzz_db);
	if (fuzz_class)
		store_close(fuzz_class);
	if (fuzz_dir)
		remove_tree(fuzz_dir);
}

static void fuzz_bundle_init(void)
{
	const char *data = getenv("KMEMLAB_DATA") ? getenv("KMEMLAB_DATA") : FUZZ_DATADIR;
	const char *base = is_dir("/dev/shm") ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *tmpl = xasprintf("%s/kmemlab-fuzz-XXXXXX", base), *class_dir;

	if (course_load(data, &fuzz_course) < 0) {
		fprintf(stderr, "fuzz: cannot load the course in '%s' (KMEMLAB_DATA)\n", data);
		exit(2);
	}
	if (!mkdtemp(tmpl)) {
		perror("fuzz: mkdtemp");
		exit(2);
	}
	fuzz_dir = tmpl;
	fuzz_file = path_join(fuzz_dir, "bundle.tar.gz");
	class_dir = path_join(fuzz_dir, "class");
	atexit(fuzz_cleanup);
	fuzz_class = class_open(class_dir, 1);
	free(class_dir);
	if (!fuzz_class)
		exit(2);
	if (!getenv("FUZZ_VERBOSE")) {
		FILE *null = fopen("/dev/null", "w");

		if (null)
			stdout = stderr = null;
	}
}

/* Empty the class, through a connection of the fuzzer's own (the store has no such write). */
static void fuzz_class_reset(void)
{
	char *err = NULL;

	if (!fuzz_db) {
		if (sqlite3_open_v2(store_path(fuzz_class), &fuzz_db, SQLITE_OPEN_READWRITE, NULL) !=
		    SQLITE_OK) {
			fprintf(stderr, "fuzz: cannot open the class: %s\n",
				fuzz_db ? sqlite3_errmsg(fuzz_db) : "out of memory");
			abort();
		}
		sqlite3_busy_timeout(fuzz_db, 5000);
	}
	if (sqlite3_exec(fuzz_db,
			 "DELETE FROM check_result; DELETE FROM submitted_file;"
			 " DELETE FROM submission_exercise; DELETE FROM answer;"
			 " DELETE FROM attempt; DELETE FROM submission; DELETE FROM learner;",
			 NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "fuzz: cannot empty the class: %s\n", err ? err : "?");
		abort();
	}
}

/* Read the bundle in fuzz_file; import it when it is valid. */
static void fuzz_bundle_file(void)
{
	struct bundle b;
	char *cause = NULL;
	int r;

	if (bundle_read(fuzz_file, &fuzz_course, &b, &cause) < 0) {
		if (!cause || !*cause)
			abort();
		free(cause);
		return;
	}
	if (cause || !b.manifest || !b.attempts || !b.answers || !b.learner_id)
		abort();
	for (int i = 0; i < fuzz_course.nlessons; i++)
		for (int j = 0; j < fuzz_course.lessons[i].nexercises; j++) {
			char hash[65];
			int n = bundle_source_hash(&b, fuzz_course.lessons[i].exercises[j].id, hash);

			if (n < 0 || (n == 0 && *hash) || (n > 0 && strlen(hash) != 64))
				abort();
		}
	bundle_release(&b);
	r = class_import(fuzz_class, &fuzz_course, fuzz_file);
	/* The same file again: already imported, nothing changes. */
	if (r == 1 && class_import(fuzz_class, &fuzz_course, fuzz_file) != 0)
		abort();
	fuzz_class_reset();
}

static void fuzz_write_file(const void *data, size_t size)
{
	FILE *f = fopen(fuzz_file, "w");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		perror("fuzz: writing the bundle");
		abort();
	}
}

#endif
