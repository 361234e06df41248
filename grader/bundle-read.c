#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle-internal.h"
#include "lab.h"
#include "record.h"
#include "text.h"
#include "util.h"

/* ---- reading ---- */


static const struct bundle_member *member_find(const struct bundle *b, const char *path)
{
	for (int i = 0; i < b->nmembers; i++)
		if (!strcmp(b->members[i].path, path))
			return &b->members[i];
	return NULL;
}

/*
 * Why path may not be a member's path, or NULL.  Each component follows
 * the rule submit follows for file names (bundle_name_problem()); a path
 * is quoted (text_quote()) wherever it is shown until it has passed.
 */
static char *bad_path(const char *path)
{
	const char *p = path;
	char *shown, *why = NULL;

	if (!*path)
		return xstrdup("a member has an empty path");
	if (strlen(path) > 4096)
		return xstrdup("a member's path is over 4096 bytes");
	shown = text_quote(path, 300);
	if (path[0] == '/') {
		why = xasprintf("member '%s' has an absolute path", shown);
		goto out;
	}
	while (*p) {
		size_t n = strcspn(p, "/");
		char *part = xstrndup(p, n), *problem;

		if (!strcmp(part, "..")) {
			why = xasprintf("member '%s' has a '..' component: it would be written "
					"outside the bundle", shown);
		} else if (n == 0 || !strcmp(part, ".")) {
			why = xasprintf("member '%s' has an empty or '.' path component", shown);
		} else if ((problem = bundle_name_problem(part))) {
			why = xasprintf("member '%s' has a name no bundle may have: %s (the "
					"learner's 'kmemlab submit' refuses such names: ask for a "
					"bundle made by it)", shown, problem);
			free(problem);
		}
		free(part);
		if (why)
			goto out;
		p += n;
		if (*p == '/')
			p++;
	}
out:
	free(shown);
	return why;
}

static const char *type_name(mode_t t)
{
	switch (t) {
	case AE_IFLNK: return "a symbolic link";
	case AE_IFDIR: return "a directory";
	case AE_IFCHR: return "a character device";
	case AE_IFBLK: return "a block device";
	case AE_IFIFO: return "a FIFO";
	case AE_IFSOCK: return "a socket";
	default: return "not a regular file";
	}
}

/* The members of the bundle held in data (the file's bytes, read once). */
static int read_members(const void *data, size_t len, struct bundle *b, char **cause)
{
	struct utf8_scope u = { 0 };
	struct archive *a;
	struct archive_entry *e;
	size_t total = 0;
	int r, ret = -1;

	if (utf8_enter(&u, cause) < 0)
		return -1;
	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		*cause = xasprintf("not a readable bundle: %s", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		/* UTF-8 in the locale utf8_enter() set; bad_path() judges it. */
		const char *path = archive_entry_pathname(e);
		struct strbuf sb = STRBUF_INIT;
		char buf[16384], *why;
		la_ssize_t n;

		if (!path)
			path = "";
		if (b->nmembers >= BUNDLE_MEMBERS_MAX) {
			*cause = xasprintf("it has more than %d members", BUNDLE_MEMBERS_MAX);
			goto out;
		}
		/* Each header is read and unpacked too: it counts. */
		total += 512;
		why = bad_path(path);
		if (why) {
			*cause = why;
			goto out;
		}
		if (archive_entry_hardlink(e)) {
			*cause = xasprintf("member '%s' is a hard link: only regular files may be in "
					   "a bundle", path);
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFREG) {
			*cause = xasprintf("member '%s' is %s: only regular files may be in a bundle",
					   path, type_name(archive_entry_filetype(e)));
			goto out;
		}
		if (member_find(b, path)) {
			*cause = xasprintf("member '%s' appears twice", path);
			goto out;
		}
		if (archive_entry_size_is_set(e) &&
		    (archive_entry_size(e) < 0 || archive_entry_size(e) > BUNDLE_MEMBER_MAX)) {
			*cause = xasprintf("member '%s' is %lld bytes, over the %u MiB limit", path,
					   (long long)archive_entry_size(e), BUNDLE_MEMBER_MAX >> 20);
			goto out;
		}
		if (archive_entry_size_is_set(e) &&
		    total + (size_t)archive_entry_size(e) > BUNDLE_TOTAL_MAX) {
			*cause = xasprintf("the members add up to more than the %u MiB limit (at '%s')",
					   BUNDLE_TOTAL_MAX >> 20, path);
			goto out;
		}
		/* The header may lie: count again while reading. */
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			if (sb.len + (size_t)n > BUNDLE_MEMBER_MAX) {
				*cause = xasprintf("member '%s' is over the %u MiB limit", path,
						   BUNDLE_MEMBER_MAX >> 20);
				strbuf_release(&sb);
				goto out;
			}
			if (total + sb.len + (size_t)n > BUNDLE_TOTAL_MAX) {
				*cause = xasprintf("the members add up to more than the %u MiB "
						   "limit (at '%s')", BUNDLE_TOTAL_MAX >> 20, path);
				strbuf_release(&sb);
				goto out;
			}
			strbuf_add(&sb, buf, (size_t)n);
		}
		if (n < 0) {
			*cause = xasprintf("member '%s' cannot be read: %s", path,
					   archive_error_string(a));
			strbuf_release(&sb);
			goto out;
		}
		total += sb.len;
		member_add(b, path, sb.buf ? sb.buf : xstrdup(""), sb.len);
	}
	if (r != ARCHIVE_EOF) {
		*cause = xasprintf("not a readable bundle: %s", archive_error_string(a));
		goto out;
	}
	ret = 0;
out:
	archive_read_free(a);
	utf8_leave(&u);
	return ret;
}

static const char *jget_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int jget_int(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static struct json_object *parse_member(const struct bundle *b, const char *path,
					json_type type, char **cause)
{
	const struct bundle_member *m = member_find(b, path);
	struct json_tokener *tok;
	struct json_object *o;

	if (!m) {
		*cause = xasprintf("it has no '%s'", path);
		return NULL;
	}
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, m->data, (int)m->len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != (size_t)m->len) {
		*cause = xasprintf("'%s' is not valid JSON", path);
		json_object_put(o);
		o = NULL;
	} else if (!json_object_is_type(o, type)) {
		*cause = xasprintf("'%s' is not a JSON %s", path,
				   type == json_type_array ? "array" : "object");
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/*
 * The bundle's JSON while bundle_read() checks it; the text fields are
 * borrowed from it until bundle_take() copies them into the bundle.
 */
struct bundle_json {
	struct json_object *manifest, *attempts, *answers;
	const char *learner_id, *learner_name, *kmemlab_version, *kernel, *created_at;
	const char *latest_at;
	const char *course_id, *course_version, *course_hash;
};

static int check_manifest(struct bundle *b, struct bundle_json *bj, const struct course *c,
			  char **cause)
{
	struct json_object *files, *learner;
	int64_t format;
	char *why;

	bj->manifest = parse_member(b, "manifest.json", json_type_object, cause);
	if (!bj->manifest)
		return -1;
	if (jget_int(bj->manifest, "format", &format) < 0) {
		*cause = xstrdup("its manifest has no format version");
		return -1;
	}
	if (format != BUNDLE_FORMAT) {
		*cause = xasprintf("its format version %lld is not one this kmemlab reads (%d): "
				   "use the learner's kmemlab version", (long long)format,
				   BUNDLE_FORMAT);
		return -1;
	}
	bj->kmemlab_version = jget_str(bj->manifest, "kmemlab_version");
	bj->kernel = jget_str(bj->manifest, "kernel");
	bj->created_at = jget_str(bj->manifest, "created_at");
	if (json_object_object_get_ex(bj->manifest, "learner", &learner) &&
	    json_object_is_type(learner, json_type_object)) {
		bj->learner_id = jget_str(learner, "id");
		bj->learner_name = jget_str(learner, "name");
	}
	{
		struct json_object *co;

		/* A bundle made before courses had ids is of the course kmemlab ships. */
		bj->course_id = "kmemlab";
		bj->course_version = "1";
		bj->course_hash = "";
		if (json_object_object_get_ex(bj->manifest, "course", &co)) {
			const char *id = jget_str(co, "id"), *v = jget_str(co, "version");
			const char *h = jget_str(co, "hash");

			if (!json_object_is_type(co, json_type_object) || !id || !v ||
			    !text_plain(id, 64) || !text_plain(v, 64) || (h && !text_is_sha256(h))) {
				*cause = xstrdup("its manifest's course is not an object with an id "
						 "and a version (plain text, at most 64 bytes) and "
						 "a SHA-256 hash");
				return -1;
			}
			bj->course_id = id;
			bj->course_version = v;
			bj->course_hash = h ? h : "";
		}
		/* Before its exercises are judged: another course's are all unknown here. */
		if (c && strcmp(bj->course_id, c->id ? c->id : "kmemlab")) {
			*cause = xasprintf("it is the work of a learner of course '%s' (version %s), "
					   "and this class teaches course '%s': import it into a "
					   "class of its course", bj->course_id, bj->course_version,
					   c->id ? c->id : "kmemlab");
			return -1;
		}
	}
	if (!bj->kmemlab_version || !bj->kernel || !bj->created_at || !bj->learner_id ||
	    !bj->learner_name) {
		*cause = xstrdup("its manifest lacks one of kmemlab_version, kernel, created_at, "
				 "learner.id, learner.name");
		return -1;
	}
	if ((why = text_problem(bj->learner_id, 0))) {
		char *shown = text_quote(bj->learner_id, 100);

		*cause = xasprintf("its manifest's learner.id '%s' has %s", shown, why);
		free(shown);
		free(why);
		return -1;
	}
	if (!learner_id_valid(bj->learner_id, &why)) {
		*cause = xasprintf("its manifest's %s", why);
		free(why);
		return -1;
	}
	if (!learner_name_valid(bj->learner_name, &why)) {
		*cause = xasprintf("its manifest's %s: the learner sets a plain one with "
				   "'kmemlab whoami --name NAME' and submits again", why);
		free(why);
		return -1;
	}
	if (!text_plain(bj->kernel, 200) || !text_plain(bj->kmemlab_version, 64)) {
		char *k = text_quote(bj->kernel, 200), *v = text_quote(bj->kmemlab_version, 64);

		*cause = xasprintf("its manifest's kernel '%s' or kmemlab_version '%s' has a "
				   "control character or a byte that is not UTF-8, or is too long",
				   k, v);
		free(k);
		free(v);
		return -1;
	}
	if (utc_time_parse(bj->created_at, &b->created) < 0) {
		char *shown = text_quote(bj->created_at, 40);

		*cause = xasprintf("its manifest's created_at '%s' is not a real UTC time like "
				   "2026-01-31T12:00:00Z", shown);
		free(shown);
		return -1;
	}
	if (!json_object_object_get_ex(bj->manifest, "files", &files) ||
	    !json_object_is_type(files, json_type_array)) {
		*cause = xstrdup("its manifest has no list of files");
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(files); i++) {
		struct json_object *f = json_object_array_get_idx(files, i);
		const char *path = jget_str(f, "path"), *sha = jget_str(f, "sha256");
		const struct bundle_member *m;
		int64_t size;

		if (!path || !sha || jget_int(f, "size", &size) < 0) {
			*cause = xasprintf("its manifest's file entry %zu lacks path, size or sha256",
					   i + 1);
			return -1;
		}
		m = member_find(b, path);
		if (!m || !strcmp(path, "manifest.json")) {
			char *shown = text_quote(path, 300);

			*cause = xasprintf("the manifest lists '%s', which is not in the bundle",
					   shown);
			free(shown);
			return -1;
		}
		if ((int64_t)m->len != size) {
			*cause = xasprintf("member '%s' is %zu bytes but the manifest says %lld", path,
					   m->len, (long long)size);
			return -1;
		}
		if (strcmp(m->sha256, sha)) {
			*cause = xasprintf("member '%s' has sha256 %s but the manifest says %s: it "
					   "was changed after the bundle was made", path, m->sha256,
					   sha);
			return -1;
		}
	}
	for (int i = 0; i < b->nmembers; i++) {
		const char *path = b->members[i].path;
		int listed = !strcmp(path, "manifest.json");

		for (size_t j = 0; !listed && j < json_object_array_length(files); j++) {
			const char *p = jget_str(json_object_array_get_idx(files, j), "path");

			listed = p && !strcmp(p, path);
		}
		if (!listed) {
			*cause = xasprintf("member '%s' is not in the manifest", path);
			return -1;
		}
		if (!strcmp(path, "manifest.json") || !strcmp(path, "attempts.json") ||
		    !strcmp(path, "answers.json"))
			continue;
		if (strncmp(path, "sources/", 8) || !strchr(path + 8, '/') ||
		    strchr(strchr(path + 8, '/') + 1, '/')) {
			*cause = xasprintf("member '%s' is not one a bundle has (manifest.json, "
					   "attempts.json, answers.json, sources/EXERCISE/FILE)", path);
			return -1;
		}
		if (c) {
			char *ex = xstrndup(path + 8, strcspn(path + 8, "/"));
			int known = course_exercise(c, ex) != NULL;

			if (!known)
				*cause = xasprintf("member '%s' is for exercise '%s', which this "
						   "course does not have", path, ex);
			free(ex);
			if (!known)
				return -1;
		}
	}
	return 0;
}

static int valid_status(const char *s, int check)
{
	return s && (!strcmp(s, "pass") || !strcmp(s, "fail") || !strcmp(s, "error") ||
		     (check && !strcmp(s, "skip")));
}

/*
 * Free text of o (an attempt's summary, a check's observed value, an
 * answer): a string (or absent, or null) made harmless on a terminal with
 * text_neutralise(), counted in b->neutralised.  -1 when it is not text.
 */
static int clean_text(struct bundle *b, struct json_object *o, const char *key)
{
	struct json_object *v;
	char *clean;
	int changed;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	clean = text_neutralise(json_object_get_string(v), &changed);
	if (changed) {
		json_object_set_string(v, clean);
		b->neutralised += changed;
	}
	free(clean);
	return 0;
}

/* The latest time the bundle's attempts and answers carry. */
static void note_time(struct bundle *b, struct bundle_json *bj, const char *at, time_t t)
{
	if (!bj->latest_at || t > b->latest) {
		b->latest = t;
		bj->latest_at = at;
	}
}

/* Why time at is not a real UTC time (allocated), or NULL; *t gets it. */
static char *bad_time(const char *at, time_t *t)
{
	char *shown, *why;

	if (utc_time_parse(at, t) == 0)
		return NULL;
	shown = text_quote(at, 40);
	why = xasprintf("'%s' is not a real UTC time like 2026-01-31T12:00:00Z", shown);
	free(shown);
	return why;
}

/*
 * An attempt whose verdict or score contradicts its own checks was edited:
 * 'pass' when all its checks (at least one) passed, else 'fail' or 'error'.
 */
static int check_attempts(struct bundle *b, struct bundle_json *bj, const struct course *c,
			  char **cause)
{
	static const char *const text_keys[] = { "summary", "transcript", "inputs", "kernel" };
	static const char *const check_keys[] = { "expected", "observed", "hint" };

	bj->attempts = parse_member(b, "attempts.json", json_type_array, cause);
	if (!bj->attempts)
		return -1;
	for (size_t i = 0; i < json_object_array_length(bj->attempts); i++) {
		struct json_object *a = json_object_array_get_idx(bj->attempts, i), *checks;
		const char *ex = jget_str(a, "exercise"), *at = jget_str(a, "started_at");
		const char *verdict = jget_str(a, "verdict"), *failed = NULL, *failed_status = NULL;
		int64_t score, max;
		size_t n, passed = 0;
		time_t t;
		char *why;

		if (!ex || !at || !jget_str(a, "source_hash") || !valid_status(verdict, 0) ||
		    jget_int(a, "score", &score) < 0 || jget_int(a, "max_score", &max) < 0 ||
		    !json_object_object_get_ex(a, "checks", &checks) ||
		    !json_object_is_type(checks, json_type_array)) {
			*cause = xasprintf("attempt %zu in attempts.json lacks exercise, started_at, "
					   "source_hash, a known verdict, score, max_score or checks",
					   i + 1);
			return -1;
		}
		if (!text_plain(ex, 64)) {
			char *shown = text_quote(ex, 64);

			*cause = xasprintf("attempt %zu in attempts.json: its exercise '%s' is not an "
					   "exercise id (text without control characters, at most 64 "
					   "bytes)", i + 1, shown);
			free(shown);
			return -1;
		}
		if ((why = bad_time(at, &t))) {
			*cause = xasprintf("attempt %zu in attempts.json (exercise '%s'): its "
					   "started_at %s", i + 1, ex, why);
			free(why);
			return -1;
		}
		note_time(b, bj, at, t);
		if (!text_is_sha256(jget_str(a, "source_hash"))) {
			*cause = xasprintf("attempt at '%s' of %s in attempts.json: its source_hash is "
					   "not a SHA-256 in hex", ex, at);
			return -1;
		}
		if (c && !course_exercise(c, ex)) {
			*cause = xasprintf("attempt %zu is for exercise '%s', which this course does "
					   "not have", i + 1, ex);
			return -1;
		}
		for (size_t k = 0; k < ARRAY_SIZE(text_keys); k++)
			if (clean_text(b, a, text_keys[k]) < 0) {
				*cause = xasprintf("attempt at '%s' of %s in attempts.json: its %s is "
						   "not text", ex, at, text_keys[k]);
				return -1;
			}
		n = json_object_array_length(checks);
		for (size_t j = 0; j < n; j++) {
			struct json_object *ck = json_object_array_get_idx(checks, j);
			const char *name = jget_str(ck, "name"), *st = jget_str(ck, "status");

			if (!name || !valid_status(st, 1)) {
				*cause = xasprintf("attempt at '%s' of %s: check %zu lacks a name or a "
						   "known status", ex, at, j + 1);
				return -1;
			}
			if ((why = text_problem(name, 0)) || strlen(name) > 200) {
				char *shown = text_quote(name, 200);

				*cause = xasprintf("attempt at '%s' of %s: the name '%s' of check %zu "
						   "has %s", ex, at, shown, j + 1,
						   why ? why : "over 200 bytes");
				free(shown);
				free(why);
				return -1;
			}
			for (size_t k = 0; k < ARRAY_SIZE(check_keys); k++)
				if (clean_text(b, ck, check_keys[k]) < 0) {
					*cause = xasprintf("attempt at '%s' of %s: the %s of check '%s' "
							   "is not text", ex, at, check_keys[k], name);
					return -1;
				}
			if (!strcmp(st, "pass"))
				passed++;
			else if (!failed) {
				failed = name;
				failed_status = st;
			}
		}
		if (!strcmp(verdict, "pass") && failed) {
			*cause = xasprintf("attempt at '%s' of %s says 'pass' but its check '%s' is "
					   "'%s': the attempt was edited", ex, at, failed,
					   failed_status);
			return -1;
		}
		if (score < 0 || score > max || max != (int64_t)n || score != (int64_t)passed) {
			*cause = xasprintf("attempt at '%s' of %s has score %lld/%lld but %zu of its "
					   "%zu checks passed: the attempt was edited", ex, at,
					   (long long)score, (long long)max, passed, n);
			return -1;
		}
		if (!strcmp(verdict, "pass") && n == 0) {
			*cause = xasprintf("attempt at '%s' of %s says 'pass' with no checks: the "
					   "attempt was edited", ex, at);
			return -1;
		}
		/* 'error' is an attempt that could not be graded: a check did not pass. */
		if (strcmp(verdict, "pass") && n > 0 && !failed) {
			*cause = xasprintf("attempt at '%s' of %s says '%s' but all its %zu checks "
					   "passed: the attempt was edited", ex, at, verdict, n);
			return -1;
		}
	}
	return 0;
}

/* Answers: to questions this course has, at real times. */
static int check_answers(struct bundle *b, struct bundle_json *bj, const struct course *c,
			 char **cause)
{
	bj->answers = parse_member(b, "answers.json", json_type_array, cause);
	if (!bj->answers)
		return -1;
	for (size_t i = 0; i < json_object_array_length(bj->answers); i++) {
		struct json_object *a = json_object_array_get_idx(bj->answers, i), *v;
		const char *lesson = jget_str(a, "lesson"), *question = jget_str(a, "question");
		const char *at = jget_str(a, "answered_at");
		time_t t;
		char *why;

		if (!lesson || !question || !at || !jget_str(a, "answer") ||
		    !json_object_object_get_ex(a, "correct", &v) ||
		    !json_object_is_type(v, json_type_boolean)) {
			*cause = xasprintf("answer %zu in answers.json lacks lesson, question, "
					   "answered_at, answer or correct", i + 1);
			return -1;
		}
		if (!text_plain(lesson, 64) || !text_plain(question, 64)) {
			char *l = text_quote(lesson, 64), *q = text_quote(question, 64);

			*cause = xasprintf("answer %zu in answers.json: its lesson '%s' or question "
					   "'%s' is not an id (text without control characters, at "
					   "most 64 bytes)", i + 1, l, q);
			free(l);
			free(q);
			return -1;
		}
		if ((why = bad_time(at, &t))) {
			*cause = xasprintf("answer %zu in answers.json (question '%s' of lesson "
					   "'%s'): its answered_at %s", i + 1, question, lesson, why);
			free(why);
			return -1;
		}
		note_time(b, bj, at, t);
		if (c && !course_has_question(c, lesson, question)) {
			*cause = xasprintf("answer %zu in answers.json is to question '%s' of lesson "
					   "'%s', which this course does not have", i + 1, question,
					   lesson);
			return -1;
		}
		if (clean_text(b, a, "answer") < 0 || clean_text(b, a, "expected") < 0) {
			*cause = xasprintf("answer %zu in answers.json (question '%s' of lesson "
					   "'%s'): its answer or expected is not text", i + 1, question,
					   lesson);
			return -1;
		}
	}
	return 0;
}

/*
 * The bundle file's bytes, at most BUNDLE_TOTAL_MAX.  Only a regular file
 * is read: a FIFO or a device could block for ever or never end.  The open
 * does not block (a FIFO with no writer would); a file under a lease,
 * where that open fails with EWOULDBLOCK, is a regular file and is opened
 * again waiting for the lease.
 */
static int read_bundle_file(const char *file, struct strbuf *raw, char **cause)
{
	struct stat sb;
	char buf[65536];
	ssize_t n;
	int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 && errno == EWOULDBLOCK)
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*cause = xasprintf("cannot open it: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		*cause = xasprintf("cannot read it: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		*cause = xasprintf("it is %s, not a regular file: give the bundle's own file",
				   S_ISDIR(sb.st_mode) ? "a directory" : S_ISFIFO(sb.st_mode) ? "a FIFO"
				   : S_ISCHR(sb.st_mode) ? "a character device"
				   : S_ISBLK(sb.st_mode) ? "a block device"
				   : S_ISSOCK(sb.st_mode) ? "a socket" : "not a regular file");
		goto fail;
	}
	if (sb.st_size > (off_t)BUNDLE_TOTAL_MAX)
		goto big;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*cause = xasprintf("cannot read it: %s", strerror(errno));
			goto fail;
		}
		if (raw->len + (size_t)n > BUNDLE_TOTAL_MAX)
			goto big;
		strbuf_add(raw, buf, (size_t)n);
	}
	close(fd);
	return 0;
big:
	*cause = xasprintf("it is over the %u MiB limit", BUNDLE_TOTAL_MAX >> 20);
fail:
	close(fd);
	return -1;
}

/* The checked JSON into the bundle's own structures. */
static void bundle_take(struct bundle *b, const struct bundle_json *bj)
{
	size_t n = json_object_array_length(bj->attempts);

	b->manifest = xstrdup(json_object_to_json_string_ext(bj->manifest, JSON_C_TO_STRING_PLAIN));
	b->course_id = xstrdup(bj->course_id);
	b->course_version = xstrdup(bj->course_version);
	b->course_hash = xstrdup(bj->course_hash);
	b->learner_id = xstrdup(bj->learner_id);
	b->learner_name = xstrdup(bj->learner_name);
	b->kmemlab_version = xstrdup(bj->kmemlab_version);
	b->kernel = xstrdup(bj->kernel);
	b->created_at = xstrdup(bj->created_at);
	b->latest_at = bj->latest_at ? xstrdup(bj->latest_at) : NULL;
	b->attempts = xcalloc(n + 1, sizeof(*b->attempts));
	for (size_t i = 0; i < n; i++)
		record_from_json(json_object_array_get_idx(bj->attempts, i), &b->attempts[b->nattempts++]);
	n = json_object_array_length(bj->answers);
	b->answers = xcalloc(n + 1, sizeof(*b->answers));
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(bj->answers, i), *v;
		struct store_answer *a = &b->answers[b->nanswers++];
		const char *e = jget_str(o, "expected");

		a->lesson = xstrdup(jget_str(o, "lesson"));
		a->question = xstrdup(jget_str(o, "question"));
		a->answered_at = xstrdup(jget_str(o, "answered_at"));
		a->answer = xstrdup(jget_str(o, "answer"));
		a->expected = e ? xstrdup(e) : NULL;
		a->correct = json_object_object_get_ex(o, "correct", &v) && json_object_get_boolean(v);
	}
}

int bundle_read(const char *file, const struct course *c, struct bundle *b, char **cause)
{
	struct strbuf raw = STRBUF_INIT;
	struct bundle_json j = { 0 };
	int ret = 0;

	memset(b, 0, sizeof(*b));
	*cause = NULL;
	if (read_bundle_file(file, &raw, cause) < 0) {
		strbuf_release(&raw);
		return -1;
	}
	/* The hash and the members come from the same bytes. */
	sha256_hex(raw.buf ? raw.buf : "", raw.len, b->sha256);
	if (read_members(raw.buf ? raw.buf : "", raw.len, b, cause) < 0 ||
	    check_manifest(b, &j, c, cause) < 0 || check_attempts(b, &j, c, cause) < 0 ||
	    check_answers(b, &j, c, cause) < 0) {
		ret = -1;
		bundle_release(b);
	} else {
		bundle_take(b, &j);
	}
	json_object_put(j.manifest);
	json_object_put(j.attempts);
	json_object_put(j.answers);
	strbuf_release(&raw);
	return ret;
}

static int cmp_member(const void *x, const void *y)
{
	return strcmp((*(const struct bundle_member *const *)x)->path,
		      (*(const struct bundle_member *const *)y)->path);
}

int bundle_source_hash(const struct bundle *b, const char *exercise, char hash[65])
{
	const struct bundle_member **ms = xcalloc((size_t)b->nmembers + 1, sizeof(*ms));
	char *prefix = xasprintf("sources/%s/", exercise);
	struct strbuf key = STRBUF_INIT;
	size_t pl = strlen(prefix);
	int n = 0;

	for (int i = 0; i < b->nmembers; i++)
		if (!strncmp(b->members[i].path, prefix, pl))
			ms[n++] = &b->members[i];
	qsort(ms, (size_t)n, sizeof(*ms), cmp_member);
	for (int i = 0; i < n; i++)
		source_hash_add(&key, ms[i]->path + pl, ms[i]->data, ms[i]->len);
	hash[0] = '\0';
	if (n)
		sha256_hex(key.buf, key.len, hash);
	strbuf_release(&key);
	free(prefix);
	free(ms);
	return n;
}
