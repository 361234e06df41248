/*
 * Reading submission bundles (grader/bundle.h): archives made here with
 * libarchive, each broken in one way, must be rejected with that reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "lab.h"
#include "util.h"

struct member {
	const char *path;
	const char *data;	/* NULL: a symbolic link to /etc/passwd */
	int unlisted;		/* left out of the manifest */
	const char *listed_sha;	/* listed with this hash instead */
};

static char dir[] = "/tmp/kmemlab-test-bundle-XXXXXX";

static const char *ATTEMPT_PASS =
	"[{\"exercise\":\"ksize\",\"started_at\":\"2026-01-01T00:00:00Z\",\"source_hash\":\"abababababababababababababababababababababababababababababababab\","
	"\"verdict\":\"pass\",\"score\":2,\"max_score\":2,\"checks\":["
	"{\"name\":\"build\",\"status\":\"pass\"},{\"name\":\"ksize\",\"status\":\"pass\"}]}]";

static void add(struct archive *a, const char *path, const char *data)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	if (data) {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)strlen(data));
	} else {
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, "/etc/passwd");
	}
	archive_entry_set_perm(e, 0644);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	if (data && *data)
		assert_int_equal(archive_write_data(a, data, strlen(data)), (la_ssize_t)strlen(data));
	archive_entry_free(e);
}

/* Write a bundle of ms (plus its manifest, with format and id) and return its path. */
static char *make(const struct member *ms, int n, int format, const char *id)
{
	static int seq;
	struct strbuf man = STRBUF_INIT;
	struct archive *a = archive_write_new();
	char *path = xasprintf("%s/b%d.tar.gz", dir, seq++);

	strbuf_addf(&man, "{\"format\":%d,\"kmemlab_version\":\"0.1.0\",\"kernel\":\"6.1\","
		    "\"created_at\":\"2026-01-01T00:00:00Z\",\"learner\":{\"id\":\"%s\","
		    "\"name\":\"A\"},\"files\":[", format, id);
	for (int i = 0, first = 1; i < n; i++) {
		char sha[65];

		if (ms[i].unlisted)
			continue;
		sha256_hex(ms[i].data ? ms[i].data : "", ms[i].data ? strlen(ms[i].data) : 0, sha);
		strbuf_addf(&man, "%s{\"path\":\"%s\",\"size\":%zu,\"sha256\":\"%s\"}",
			    first ? "" : ",", ms[i].path, ms[i].data ? strlen(ms[i].data) : 0,
			    ms[i].listed_sha ? ms[i].listed_sha : sha);
		first = 0;
	}
	strbuf_addstr(&man, "]}");
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	add(a, "manifest.json", man.buf);
	for (int i = 0; i < n; i++)
		add(a, ms[i].path, ms[i].data);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	strbuf_release(&man);
	return path;
}

static void expect(const struct member *ms, int n, int format, const char *id, const char *why)
{
	char *path = make(ms, n, format, id), *cause = NULL;
	struct bundle b;
	int r = bundle_read(path, NULL, &b, &cause);

	if (!why) {
		if (r)
			fail_msg("'%s' rejected: %s", path, cause);
		bundle_release(&b);
	} else {
		assert_int_equal(r, -1);
		assert_non_null(cause);
		if (!strstr(cause, why))
			fail_msg("cause '%s' does not say '%s'", cause, why);
	}
	free(cause);
	free(path);
}

#define BASE { "attempts.json", "[]" }, { "answers.json", "[]" }

static void test_valid(void **state)
{
	struct member ms[] = { BASE, { "sources/ksize/ksize_ex.c", "int x;\n" },
			       { "sources/ksize/Kbuild", "obj-m := ksize_ex.o\n" } };
	struct member att[] = { { "attempts.json", NULL }, { "answers.json", "[]" } };

	(void)state;
	expect(ms, 4, BUNDLE_FORMAT, "s1234", NULL);
	att[0].data = ATTEMPT_PASS;
	expect(att, 2, BUNDLE_FORMAT, "s1234", NULL);
}

static void test_bad_paths_and_types(void **state)
{
	struct member dotdot[] = { BASE, { "sources/../../etc/x", "x" } };
	struct member abs[] = { BASE, { "/etc/x", "x" } };
	struct member link[] = { BASE, { "sources/ksize/l.c", NULL } };
	struct member deep[] = { BASE, { "sources/ksize/sub/x.c", "x" } };
	struct member other[] = { BASE, { "notes.txt", "x" } };

	(void)state;
	expect(dotdot, 3, BUNDLE_FORMAT, "s1", "has a '..' component");
	expect(abs, 3, BUNDLE_FORMAT, "s1", "has an absolute path");
	expect(link, 3, BUNDLE_FORMAT, "s1", "is a symbolic link");
	expect(deep, 3, BUNDLE_FORMAT, "s1", "is not one a bundle has");
	expect(other, 3, BUNDLE_FORMAT, "s1", "is not one a bundle has");
}

static void test_manifest_mismatch(void **state)
{
	struct member unlisted[] = { BASE, { "sources/ksize/x.c", "x", 1 } };
	struct member badsha[] = { BASE, { "sources/ksize/x.c", "x", 0,
		"0000000000000000000000000000000000000000000000000000000000000000" } };
	struct member missing[] = { { "attempts.json", "[]" } };

	(void)state;
	expect(unlisted, 3, BUNDLE_FORMAT, "s1", "member 'sources/ksize/x.c' is not in the manifest");
	expect(badsha, 3, BUNDLE_FORMAT, "s1", "but the manifest says 0000");
	expect(missing, 1, BUNDLE_FORMAT, "s1", "it has no 'answers.json'");
	expect(missing, 1, BUNDLE_FORMAT + 1, "s1", "format version 2 is not one this kmemlab reads");
	expect(missing, 1, BUNDLE_FORMAT, "x/../s1", "learner id 'x/../s1' may hold only");
}

static void test_edited_attempts(void **state)
{
	struct member ms[] = { { "attempts.json", NULL }, { "answers.json", "[]" } };
	char *s, *head;

	(void)state;
	head = xstrdup(ATTEMPT_PASS);
	*strstr(head, "\"status\":\"pass\"}]") = '\0';
	s = xasprintf("%s\"status\":\"fail\"}]}]", head);
	free(head);
	ms[0].data = s;
	expect(ms, 2, BUNDLE_FORMAT, "s1", "says 'pass' but its check 'ksize' is 'fail'");
	free(s);
	s = xstrdup(ATTEMPT_PASS);
	memcpy(strstr(s, "\"score\":2"), "\"score\":3", 9);
	ms[0].data = s;
	expect(ms, 2, BUNDLE_FORMAT, "s1", "has score 3/2 but 2 of its 2 checks passed");
	free(s);
}

/* The bundle's source hash is source_hash() of the same files on disk. */
static void test_source_hash_matches(void **state)
{
	struct member ms[] = { BASE, { "sources/ksize/ksize_ex.c", "int x;\n" },
			       { "sources/ksize/Kbuild", "obj-m := ksize_ex.o\n" } };
	char *path = make(ms, 4, BUNDLE_FORMAT, "s1"), *cause = NULL;
	char *src = xasprintf("%s/src", dir), *f;
	char h1[65], h2[65];
	struct bundle b;

	(void)state;
	assert_int_equal(bundle_read(path, NULL, &b, &cause), 0);
	assert_int_equal(bundle_source_hash(&b, "ksize", h1), 2);
	assert_int_equal(bundle_source_hash(&b, "vmalloc", h2), 0);
	assert_string_equal(h2, "");
	assert_int_equal(mkdir_p(src, 0755), 0);
	f = path_join(src, "ksize_ex.c");
	assert_int_equal(write_file_atomic(f, "int x;\n", 7, 0644), 0);
	free(f);
	f = path_join(src, "Kbuild");
	assert_int_equal(write_file_atomic(f, "obj-m := ksize_ex.o\n", 20, 0644), 0);
	free(f);
	assert_int_equal(source_hash(src, h2), 0);
	assert_string_equal(h1, h2);
	bundle_release(&b);
	free(src);
	free(path);
}

static void test_learner_id(void **state)
{
	char *cause;

	(void)state;
	assert_true(learner_id_valid("s1234.a_b-c", &cause));
	assert_false(learner_id_valid("", &cause));
	free(cause);
	assert_false(learner_id_valid("-x", &cause));
	free(cause);
	assert_false(learner_id_valid("a/b", &cause));
	free(cause);
}

/* Text that would reach a terminal is refused when it could drive it. */
static void test_hostile_text(void **state)
{
	struct member esc_path[] = { BASE, { "sources/ksize/\033]52;c;x\a.c", "x" } };
	struct member bad_time[] = { { "attempts.json", NULL }, { "answers.json", "[]" } };
	struct member esc_check[] = { { "attempts.json", NULL }, { "answers.json", "[]" } };
	struct member *many = xcalloc(BUNDLE_MEMBERS_MAX + 2, sizeof(*many));
	char **names = xcalloc(BUNDLE_MEMBERS_MAX + 2, sizeof(char *));

	(void)state;
	expect(esc_path, 3, BUNDLE_FORMAT, "s1", "a member's path has a control character");
	bad_time[0].data = "[{\"exercise\":\"ksize\",\"started_at\":\"2026|0|pass\","
			   "\"source_hash\":\"\",\"verdict\":\"fail\",\"score\":0,"
			   "\"max_score\":0,\"checks\":[]}]";
	expect(bad_time, 2, BUNDLE_FORMAT, "s1", "malformed exercise, started_at");
	esc_check[0].data = "[{\"exercise\":\"ksize\",\"started_at\":\"2026-01-01T00:00:00Z\","
			    "\"source_hash\":\"\",\"verdict\":\"fail\",\"score\":0,"
			    "\"max_score\":1,\"checks\":[{\"name\":\"\\u001b[2J\","
			    "\"status\":\"fail\"}]}]";
	expect(esc_check, 2, BUNDLE_FORMAT, "s1", "lacks a name or a known status");
	many[0] = (struct member){ "attempts.json", "[]" };
	many[1] = (struct member){ "answers.json", "[]" };
	for (int i = 2; i < BUNDLE_MEMBERS_MAX + 2; i++) {
		names[i] = xasprintf("sources/ksize/f%d.c", i);
		many[i] = (struct member){ names[i], "" };
	}
	expect(many, BUNDLE_MEMBERS_MAX + 2, BUNDLE_FORMAT, "s1", "more than 1000 members");
	for (int i = 0; i < BUNDLE_MEMBERS_MAX + 2; i++)
		free(names[i]);
	free(names);
	free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_bad_paths_and_types),
		cmocka_unit_test(test_manifest_mismatch),
		cmocka_unit_test(test_edited_attempts),
		cmocka_unit_test(test_source_hash_matches),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_learner_id),
	};
	int r;

	if (!mkdtemp(dir))
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	remove_tree(dir);
	return r;
}
