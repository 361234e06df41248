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
#include <json-c/json.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "lab.h"
#include "store.h"
#include "util.h"

struct member {
	const char *path;
	const char *data;	/* NULL: a symbolic link to /etc/passwd */
	int unlisted;		/* left out of the manifest */
	const char *listed_sha;	/* listed with this hash instead */
};

static char dir[] = "/tmp/kmemlab-test-bundle-XXXXXX";

/* What make() puts in the manifest (tests change them and put them back). */
static const char *man_name = "A";
static const char *man_created = "2026-01-01T00:00:00Z";

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
	struct archive *a;
	char *path = xasprintf("%s/b%d.tar.gz", dir, seq++);

	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old;

	strbuf_addf(&man, "{\"format\":%d,\"kmemlab_version\":\"0.1.0\",\"kernel\":\"6.1\","
		    "\"created_at\":\"%s\",\"learner\":{\"id\":\"%s\","
		    "\"name\":\"%s\"},\"files\":[", format, man_created, id, man_name);
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
	/* Names as UTF-8, as bundle_write() writes them. */
	assert_true(utf8 != (locale_t)0);
	old = uselocale(utf8);
	a = archive_write_new();
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	add(a, "manifest.json", man.buf);
	for (int i = 0; i < n; i++)
		add(a, ms[i].path, ms[i].data);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	uselocale(old);
	freelocale(utf8);
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

static const struct bundle_member *member_of(const struct bundle *b, const char *path)
{
	for (int i = 0; i < b->nmembers; i++)
		if (!strcmp(b->members[i].path, path))
			return &b->members[i];
	return NULL;
}

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
	/* Quoted in the message: the escape itself never reaches the terminal. */
	expect(esc_path, 3, BUNDLE_FORMAT, "s1",
	       "member 'sources/ksize/\\x1b]52;c;x\\x07.c' has a name no bundle may have: the "
	       "name has the control character U+001B at byte 1");
	bad_time[0].data = "[{\"exercise\":\"ksize\",\"started_at\":\"2026|0|pass\","
			   "\"source_hash\":\"\",\"verdict\":\"fail\",\"score\":0,"
			   "\"max_score\":0,\"checks\":[]}]";
	expect(bad_time, 2, BUNDLE_FORMAT, "s1",
	       "attempt 1 in attempts.json (exercise 'ksize'): its started_at '2026|0|pass' is "
	       "not a real UTC time");
	esc_check[0].data = "[{\"exercise\":\"ksize\",\"started_at\":\"2026-01-01T00:00:00Z\","
			    "\"source_hash\":\"\",\"verdict\":\"fail\",\"score\":0,"
			    "\"max_score\":1,\"checks\":[{\"name\":\"\\u001b[2J\","
			    "\"status\":\"fail\"}]}]";
	expect(esc_check, 2, BUNDLE_FORMAT, "s1",
	       "the name '\\x1b[2J' of check 1 has the control character U+001B at byte 1");
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

/* Every character that could drive a terminal is found; ordinary UTF-8 is not. */
static void test_text_problem(void **state)
{
	static const struct {
		const char *s;
		int lines;
		const char *why;	/* NULL: nothing */
	} cases[] = {
		{ "Ada Lovelace", 0, NULL },
		{ "Zo\xc3\xab \xe6\x9d\x8e \xf0\x9f\x90\xa7", 0, NULL },	/* ë, a CJK, a penguin */
		{ "a\tb", 0, "the control character U+0009 at byte 2" },
		{ "a\tb\nc", 1, NULL },
		{ "a\rb", 1, "the control character U+000D at byte 2" },
		{ "\x1b[2J", 1, "the control character U+001B at byte 1" },
		{ "x\x7f", 0, "the control character U+007F at byte 2" },
		{ "x\xc2\x9b" "31m", 0, "the C1 control character U+009B at byte 2" },
		{ "x\xc2\x85", 0, "the C1 control character U+0085 at byte 2" },
		{ "x\x9b" "31m", 0, "the byte 0x9B at byte 2, which is not UTF-8" },
		{ "abc\xe2\x80\xae" "fdp.exe", 0, "the bidirectional control U+202E at byte 4" },
		{ "\xe2\x80\xaa", 0, "the bidirectional control U+202A at byte 1" },
		{ "\xe2\x81\xa6x", 0, "the bidirectional control U+2066 at byte 1" },
		{ "\xe2\x81\xa9", 0, "the bidirectional control U+2069 at byte 1" },
		{ "\xe2\x80\x8e", 0, "the bidirectional control U+200E at byte 1" },
		{ "\xe2\x80\x8f", 1, "the bidirectional control U+200F at byte 1" },
		{ "\xd8\x9c", 0, "the bidirectional control U+061C at byte 1" },
		{ "\xc0\xaf", 0, "the byte 0xC0 at byte 1, which is not UTF-8" },	/* overlong '/' */
		{ "\xed\xa0\x80", 0, "the byte 0xED at byte 1, which is not UTF-8" },	/* surrogate */
		{ "\xe2\x80", 0, "the byte 0xE2 at byte 1, which is not UTF-8" },	/* cut */
		{ "\xf4\x90\x80\x80", 0, "the byte 0xF4 at byte 1, which is not UTF-8" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *why = text_problem(cases[i].s, cases[i].lines);

		if (!cases[i].why && why)
			fail_msg("case %zu: '%s'", i, why);
		if (cases[i].why && (!why || strcmp(why, cases[i].why)))
			fail_msg("case %zu: '%s', not '%s'", i, why ? why : "(nothing)", cases[i].why);
		free(why);
	}
}

static void test_text_quote_and_neutralise(void **state)
{
	char *q;
	int n;

	(void)state;
	q = text_quote("a\tb\x1b[2J\xc2\x9b\x9b\xe2\x80\xae\xc3\xa9", 100);
	assert_string_equal(q, "a\\tb\\x1b[2J\\u009b\\x9b\\u202e\xc3\xa9");
	assert_null(text_problem(q, 0));
	free(q);
	/* Cut at a character, never inside one. */
	q = text_quote("\xc3\xa9\xc3\xa9\xc3\xa9", 3);
	assert_string_equal(q, "\xc3\xa9\xc3\xa9...");
	free(q);
	q = text_neutralise("ok\n\tgo\x1b[31m\xe2\x80\xae!\x9b", &n);
	assert_string_equal(q, "ok\n\tgo\xef\xbf\xbd[31m\xef\xbf\xbd!\xef\xbf\xbd");
	assert_int_equal(n, 3);
	free(q);
	q = text_neutralise("plain \xc3\xa9", &n);
	assert_string_equal(q, "plain \xc3\xa9");
	assert_int_equal(n, 0);
	free(q);
}

/* The rule submit and import share for a file's name. */
static void test_name_rule(void **state)
{
	static const char *const good[] = { "ksize_ex.c", "\xc3\xa9t\xc3\xa9.c", "my notes.txt",
					     "a-b_c.h", ".hidden" };
	static const struct {
		const char *name, *why;
	} bad[] = {
		{ "", "the name is empty" },
		{ ".", "'.' is not a file's name" },
		{ "..", "'..' is not a file's name" },
		{ "a/b.c", "the name has a '/'" },
		{ "a\tb.c", "the name has the control character U+0009 at byte 2" },
		{ "\xe9t\xe9.c", "the name has the byte 0xE9 at byte 1, which is not UTF-8" },
		{ "x\xe2\x80\xae" "c.exe", "the name has the bidirectional control U+202E at byte 2" },
	};
	char long_name[BUNDLE_NAME_MAX + 2];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		char *why = bundle_name_problem(good[i]);

		if (why)
			fail_msg("'%s' refused: %s", good[i], why);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *why = bundle_name_problem(bad[i].name);

		if (!why || strcmp(why, bad[i].why))
			fail_msg("'%s': '%s', not '%s'", bad[i].name, why ? why : "(taken)", bad[i].why);
		free(why);
	}
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	{
		char *why = bundle_name_problem(long_name);

		assert_non_null(why);
		assert_non_null(strstr(why, "over 255"));
		free(why);
		long_name[BUNDLE_NAME_MAX] = '\0';
		assert_null(bundle_name_problem(long_name));
	}
}

/* A UTF-8 member name is read back as it was written; one with a tab is refused. */
static void test_utf8_member_names(void **state)
{
	struct member ms[] = { BASE, { "sources/ksize/\xc3\xa9t\xc3\xa9.c", "int x;\n" } };
	struct member tab[] = { BASE, { "sources/ksize/a\tb.c", "int x;\n" } };
	struct member bidi[] = { BASE, { "sources/ksize/x\xe2\x80\xae" "c.exe", "int x;\n" } };
	char *path = make(ms, 3, BUNDLE_FORMAT, "s1"), *cause = NULL;
	struct bundle b;

	(void)state;
	if (bundle_read(path, NULL, &b, &cause))
		fail_msg("rejected: %s", cause);
	assert_int_equal(b.nmembers, 4);
	assert_string_equal(b.members[3].path, "sources/ksize/\xc3\xa9t\xc3\xa9.c");
	bundle_release(&b);
	free(path);
	expect(tab, 3, BUNDLE_FORMAT, "s1",
	       "member 'sources/ksize/a\\tb.c' has a name no bundle may have: the name has the "
	       "control character U+0009 at byte 2");
	expect(bidi, 3, BUNDLE_FORMAT, "s1",
	       "member 'sources/ksize/x\\u202ec.exe' has a name no bundle may have: the name has "
	       "the bidirectional control U+202E at byte 2");
}

static void test_utc_time_parse(void **state)
{
	static const char *const bad[] = {
		"9999-99-99T00:00:00Z", "2026-02-30T12:00:00Z", "2025-02-29T12:00:00Z",
		"2026-13-01T12:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z",
		"2026-01-01T23:59:60Z", "2026-01-01 12:00:00Z", "2026-01-01T12:00:00",
		"2026-1-01T12:00:00Z", "", "0000-00-00T00:00:00Z",
	};
	time_t t;

	(void)state;
	assert_int_equal(utc_time_parse("2026-01-31T12:00:00Z", &t), 0);
	assert_int_equal((long long)t, 1769860800LL);
	assert_int_equal(utc_time_parse("2024-02-29T23:59:59Z", &t), 0);
	assert_int_equal(utc_time_parse("2099-01-01T00:00:00Z", &t), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (utc_time_parse(bad[i], &t) == 0)
			fail_msg("'%s' taken as a time", bad[i]);
}

/* A learner's name that could drive the instructor's terminal is refused. */
static void test_hostile_learner_name(void **state)
{
	static const struct {
		const char *json, *why;	/* the name as JSON text, what the cause says */
	} cases[] = {
		{ "Eve\\u202eevE", "learner name 'Eve\\u202eevE' has the bidirectional control "
				   "U+202E at byte 4" },
		{ "Eve\\u009b31m", "learner name 'Eve\\u009b31m' has the C1 control character U+009B" },
		{ "Eve\x9b" "31m", "learner name 'Eve\\x9b31m' has the byte 0x9B at byte 4" },
		{ "Eve\\u001b]0;x\\u0007", "learner name 'Eve\\x1b]0;x\\x07' has the control "
					   "character U+001B" },
		{ "Eve\\u2066x", "has the bidirectional control U+2066" },
	};
	char *why;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		man_name = cases[i].json;
		expect((struct member[]){ BASE }, 2, BUNDLE_FORMAT, "s1", cases[i].why);
	}
	man_name = "A";
	assert_true(learner_name_valid("Zo\xc3\xab Lovelace", &why));
	assert_false(learner_name_valid("Zo\xc3\xab\xe2\x80\x8f", &why));
	assert_non_null(strstr(why, "U+200F"));
	free(why);
}

static void test_times_and_questions(void **state)
{
	struct question q = { .id = "waste65" };
	struct exercise ex = { .id = "ksize" };
	struct lesson l = { .id = "ksize", .questions = &q, .nquestions = 1, .exercises = &ex,
			    .nexercises = 1 };
	struct course c = { .lessons = &l, .nlessons = 1 };
	struct member ms[] = { { "attempts.json", "[]" }, { "answers.json", NULL } };
	char *path, *cause = NULL;
	struct bundle b;

	(void)state;
	ms[1].data = "[{\"lesson\":\"ksize\",\"question\":\"waste65\",\"answered_at\":"
		     "\"2099-12-31T23:00:00Z\",\"answer\":\"63\",\"correct\":true}]";
	man_created = "2098-01-01T00:00:00Z";
	path = make(ms, 2, BUNDLE_FORMAT, "s1");
	man_created = "2026-01-01T00:00:00Z";
	if (bundle_read(path, &c, &b, &cause))
		fail_msg("rejected: %s", cause);
	/* Times are read, not judged: class import compares them with its clock. */
	assert_string_equal(b.latest_at, "2099-12-31T23:00:00Z");
	assert_int_equal((long long)b.created, 4039372800LL);
	bundle_release(&b);
	free(path);

	ms[1].data = "[{\"lesson\":\"ksize\",\"question\":\"nope\",\"answered_at\":"
		     "\"2026-01-01T00:00:00Z\",\"answer\":\"63\",\"correct\":true}]";
	path = make(ms, 2, BUNDLE_FORMAT, "s1");
	assert_int_equal(bundle_read(path, &c, &b, &cause), -1);
	assert_string_equal(cause, "answer 1 in answers.json is to question 'nope' of lesson "
			    "'ksize', which this course does not have");
	free(cause);
	free(path);
	/* Without a course, nothing to compare with. */
	expect(ms, 2, BUNDLE_FORMAT, "s1", NULL);
	ms[1].data = "[{\"lesson\":\"vmalloc\",\"question\":\"waste65\",\"answered_at\":"
		     "\"2026-01-01T00:00:00Z\",\"answer\":\"63\",\"correct\":true}]";
	path = make(ms, 2, BUNDLE_FORMAT, "s1");
	assert_int_equal(bundle_read(path, &c, &b, &cause), -1);
	assert_non_null(strstr(cause, "question 'waste65' of lesson 'vmalloc', which this course"));
	free(cause);
	free(path);
	ms[1].data = "[{\"lesson\":\"ksize\",\"question\":\"waste65\",\"answered_at\":"
		     "\"9999-99-99T99:99:99Z\",\"answer\":\"63\",\"correct\":true}]";
	expect(ms, 2, BUNDLE_FORMAT, "s1",
	       "answer 1 in answers.json (question 'waste65' of lesson 'ksize'): its answered_at "
	       "'9999-99-99T99:99:99Z' is not a real UTC time");
	man_created = "2026-02-30T00:00:00Z";
	ms[1].data = "[]";
	expect(ms, 2, BUNDLE_FORMAT, "s1",
	       "its manifest's created_at '2026-02-30T00:00:00Z' is not a real UTC time");
	man_created = "2026-01-01T00:00:00Z";
}

/* 'error' or 'fail' with every check passed contradicts the checks, like 'pass' with one failed. */
static void test_verdict_against_checks(void **state)
{
	struct member ms[] = { { "attempts.json", NULL }, { "answers.json", "[]" } };
	const char *s = ATTEMPT_PASS;

	(void)state;
	{
		const char *v = strstr(s, "\"verdict\":\"pass\"");
		char *e = xasprintf("%.*s\"verdict\":\"error\"%s", (int)(v - s), s, v + 16);

		ms[0].data = e;
		expect(ms, 2, BUNDLE_FORMAT, "s1",
		       "says 'error' but all its 2 checks passed: the attempt was edited");
		free(e);
		e = xasprintf("%.*s\"verdict\":\"fail\"%s", (int)(v - s), s, v + 16);
		ms[0].data = e;
		expect(ms, 2, BUNDLE_FORMAT, "s1",
		       "says 'fail' but all its 2 checks passed: the attempt was edited");
		free(e);
	}
	/* 'error' with no checks is an attempt that could not be graded. */
	ms[0].data = "[{\"exercise\":\"ksize\",\"started_at\":\"2026-01-01T00:00:00Z\","
		     "\"source_hash\":\"\",\"verdict\":\"error\",\"score\":0,\"max_score\":0,"
		     "\"checks\":[]}]";
	expect(ms, 2, BUNDLE_FORMAT, "s1", NULL);
}

/* Free text is kept, with what could drive a terminal replaced. */
static void test_free_text_neutralised(void **state)
{
	struct member ms[] = { { "attempts.json", NULL }, { "answers.json", NULL } };
	char *path, *cause = NULL;
	struct bundle b;

	(void)state;
	ms[0].data = "[{\"exercise\":\"ksize\",\"started_at\":\"2026-01-01T00:00:00Z\","
		     "\"source_hash\":\"\",\"verdict\":\"fail\",\"score\":0,\"max_score\":1,"
		     "\"summary\":\"bad\\u001b[2J\",\"transcript\":\"line 1\\nline\\t2\\u202e\","
		     "\"checks\":[{\"name\":\"build\",\"status\":\"fail\","
		     "\"observed\":\"\\u009b31m\"}]}]";
	ms[1].data = "[{\"lesson\":\"ksize\",\"question\":\"waste65\",\"answered_at\":"
		     "\"2026-01-01T00:00:00Z\",\"answer\":\"6\\u001b]0;x\\u0007\",\"correct\":false}]";
	path = make(ms, 2, BUNDLE_FORMAT, "s1");
	if (bundle_read(path, NULL, &b, &cause))
		fail_msg("rejected: %s", cause);
	assert_int_equal(b.neutralised, 5);
	assert_int_equal(b.nattempts, 1);
	assert_string_equal(b.attempts[0].summary, "bad\xef\xbf\xbd[2J");
	assert_string_equal(b.attempts[0].transcript, "line 1\nline\t2\xef\xbf\xbd");
	assert_string_equal(b.attempts[0].checks[0].observed, "\xef\xbf\xbd" "31m");
	assert_int_equal(b.nanswers, 1);
	assert_string_equal(b.answers[0].answer, "6\xef\xbf\xbd]0;x\xef\xbf\xbd");
	bundle_release(&b);
	free(path);
	/* Text must be text: an object could carry anything past the check. */
	ms[0].data = "[{\"exercise\":\"ksize\",\"started_at\":\"2026-01-01T00:00:00Z\","
		     "\"source_hash\":\"\",\"verdict\":\"fail\",\"score\":0,\"max_score\":0,"
		     "\"summary\":{\"x\":\"\\u202e\"},\"checks\":[]}]";
	ms[1].data = "[]";
	expect(ms, 2, BUNDLE_FORMAT, "s1", "its summary is not text");
}

/* A FIFO or a directory given as a bundle is refused at once, not waited on. */
static void test_not_a_regular_file(void **state)
{
	char *fifo = xasprintf("%s/fifo.tar.gz", dir), *cause = NULL;
	struct bundle b;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);	/* the old code waited for a writer for ever */
	assert_int_equal(bundle_read(fifo, NULL, &b, &cause), -1);
	alarm(0);
	assert_string_equal(cause, "it is a FIFO, not a regular file: give the bundle's own file");
	free(cause);
	assert_int_equal(bundle_read(dir, NULL, &b, &cause), -1);
	assert_string_equal(cause, "it is a directory, not a regular file: give the bundle's "
			    "own file");
	free(cause);
	free(fifo);
}

/*
 * What submit writes, the import reads back whole: a UTF-8 file name, and
 * a long transcript cut at a character, not inside one (half a character
 * would come back as U+FFFD).  Answers to questions the course lacks are
 * left out, not written for the import to refuse.
 */
static void test_write_then_read(void **state)
{
	struct question q = { .id = "waste65" };
	struct exercise ex = { .id = "ksize" };
	struct lesson l = { .id = "ksize", .questions = &q, .nquestions = 1, .exercises = &ex,
			    .nexercises = 1 };
	struct course c = { .lessons = &l, .nlessons = 1 };
	struct record_check ck = { .name = "build", .status = "fail", .observed = "no" };
	struct record a = { .exercise = "ksize", .started_at = "2026-01-01T00:00:00Z",
				   .source_hash = "", .verdict = "fail", .score = 0,
				   .max_score = 1, .checks = &ck, .nchecks = 1 };
	char *db = xasprintf("%s/w.db", dir), *ws = xasprintf("%s/ws", dir);
	char *src = xasprintf("%s/ws/ksize", dir), *f = xasprintf("%s/\xc3\xa9t\xc3\xa9.c", src);
	char *out = xasprintf("%s/w.tar.gz", dir), *written = NULL, *cause = NULL;
	struct strbuf tr = STRBUF_INIT;
	struct store *st = store_open(db);
	struct bundle b;
	int64_t id;

	(void)state;
	assert_non_null(st);
	/* 'é' (2 bytes) across the cut. */
	for (size_t i = 0; i < BUNDLE_TRANSCRIPT_MAX - 1; i++)
		strbuf_addch(&tr, 'x');
	strbuf_addstr(&tr, "\xc3\xa9 and more");
	a.transcript = tr.buf;
	assert_int_equal(store_save_attempt(st, "self", &a, &id), 0);
	assert_int_equal(store_save_answer(st, "ksize", "waste65", "63", "64", 0), 0);
	assert_int_equal(store_save_answer(st, "ksize", "gone", "1", "2", 0), 0);
	assert_int_equal(mkdir_p(src, 0755), 0);
	assert_int_equal(write_file_atomic(f, "int x;\n", 7, 0644), 0);
	assert_int_equal(bundle_write(st, &c, ws, "6.1", out, &written), 0);
	assert_string_equal(written, out);
	if (bundle_read(out, &c, &b, &cause))
		fail_msg("rejected: %s", cause);
	assert_int_equal(b.neutralised, 0);
	assert_non_null(member_of(&b, "sources/ksize/\xc3\xa9t\xc3\xa9.c"));
	assert_int_equal(b.nanswers, 1);
	assert_int_equal(b.nattempts, 1);
	assert_true(strncmp(b.attempts[0].transcript + BUNDLE_TRANSCRIPT_MAX - 1,
			    "\n[transcript cut", 16) == 0);
	bundle_release(&b);
	store_close(st);
	strbuf_release(&tr);
	free(db);
	free(ws);
	free(src);
	free(f);
	free(out);
	free(written);
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
		cmocka_unit_test(test_text_problem),
		cmocka_unit_test(test_text_quote_and_neutralise),
		cmocka_unit_test(test_name_rule),
		cmocka_unit_test(test_utf8_member_names),
		cmocka_unit_test(test_utc_time_parse),
		cmocka_unit_test(test_hostile_learner_name),
		cmocka_unit_test(test_times_and_questions),
		cmocka_unit_test(test_verdict_against_checks),
		cmocka_unit_test(test_free_text_neutralised),
		cmocka_unit_test(test_not_a_regular_file),
		cmocka_unit_test(test_write_then_read),
	};
	int r;

	if (!mkdtemp(dir))
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	remove_tree(dir);
	return r;
}
