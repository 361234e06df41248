#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <locale.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "util.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

int learner_id_valid(const char *id, char **cause)
{
	size_t n = strlen(id);

	*cause = NULL;
	if (n < 1 || n > 64) {
		*cause = xasprintf("learner id '%s' must be 1 to 64 characters long", id);
		return 0;
	}
	if (id[0] == '.' || id[0] == '-') {
		*cause = xasprintf("learner id '%s' must not start with '%c'", id, id[0]);
		return 0;
	}
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-') {
			*cause = xasprintf("learner id '%s' may hold only letters, digits, '.', "
					   "'_' and '-'", id);
			return 0;
		}
	return 1;
}

/* ---- text from learners ---- */

/*
 * The code point at s (of at most n bytes) into *cp; returns its length,
 * or 0 when s does not start with well-formed UTF-8 (an overlong form, a
 * surrogate, past U+10FFFF, a stray continuation byte, a cut sequence).
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int bidi_control(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

enum char_kind { CHAR_OK, CHAR_NOT_UTF8, CHAR_CONTROL, CHAR_C1, CHAR_BIDI };

static const char *const char_kind_name[] = {
	[CHAR_CONTROL] = "control character",
	[CHAR_C1] = "C1 control character",
	[CHAR_BIDI] = "bidirectional control",
};

/*
 * What the character at s (n bytes left) is; *len gets how many bytes it
 * takes (1 for a byte that is not UTF-8, which *cp then holds).
 */
static enum char_kind char_at(const unsigned char *s, size_t n, int lines, size_t *len,
			      uint32_t *cp)
{
	*len = utf8_next(s, n, cp);
	if (!*len) {
		*len = 1;
		*cp = s[0];
		return CHAR_NOT_UTF8;
	}
	if ((*cp < 0x20 && !(lines && (*cp == '\n' || *cp == '\t'))) || *cp == 0x7f)
		return CHAR_CONTROL;
	if (*cp >= 0x80 && *cp <= 0x9f)
		return CHAR_C1;
	if (bidi_control(*cp))
		return CHAR_BIDI;
	return CHAR_OK;
}

char *text_problem(const char *s, int lines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;

	for (size_t i = 0; i < n; i += len) {
		uint32_t cp;
		enum char_kind k = char_at(p + i, n - i, lines, &len, &cp);

		if (k == CHAR_NOT_UTF8)
			return xasprintf("the byte 0x%02X at byte %zu, which is not UTF-8", cp, i + 1);
		if (k != CHAR_OK)
			return xasprintf("the %s U+%04X at byte %zu", char_kind_name[k], cp, i + 1);
	}
	return NULL;
}

char *text_quote(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	struct strbuf sb = STRBUF_INIT;
	size_t n = strlen(s), len;

	for (size_t i = 0; i < n; i += len) {
		uint32_t cp;
		enum char_kind k = char_at(p + i, n - i, 0, &len, &cp);

		if (sb.len >= max) {
			strbuf_addstr(&sb, "...");
			break;
		}
		if (k == CHAR_OK)
			strbuf_add(&sb, p + i, len);
		else if (cp == '\t')
			strbuf_addstr(&sb, "\\t");
		else if (cp == '\n')
			strbuf_addstr(&sb, "\\n");
		else if (cp == '\r')
			strbuf_addstr(&sb, "\\r");
		else if (k == CHAR_NOT_UTF8 || cp < 0x80)
			strbuf_addf(&sb, "\\x%02x", cp);
		else
			strbuf_addf(&sb, "\\u%04x", cp);
	}
	return sb.buf ? strbuf_detach(&sb, NULL) : xstrdup("");
}

char *text_neutralise(const char *s, int *changed)
{
	const unsigned char *p = (const unsigned char *)s;
	struct strbuf sb = STRBUF_INIT;
	size_t n = strlen(s), len;

	*changed = 0;
	for (size_t i = 0; i < n; i += len) {
		uint32_t cp;

		if (char_at(p + i, n - i, 1, &len, &cp) == CHAR_OK) {
			strbuf_add(&sb, p + i, len);
		} else {
			strbuf_addstr(&sb, "\xef\xbf\xbd");
			(*changed)++;
		}
	}
	return sb.buf ? strbuf_detach(&sb, NULL) : xstrdup("");
}

char *bundle_name_problem(const char *name)
{
	size_t n = strlen(name);
	char *why;

	if (!n)
		return xstrdup("the name is empty");
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return xasprintf("'%s' is not a file's name", name);
	if (n > BUNDLE_NAME_MAX)
		return xasprintf("the name is %zu bytes long, over %d", n, BUNDLE_NAME_MAX);
	if (strchr(name, '/'))
		return xstrdup("the name has a '/'");
	why = text_problem(name, 0);
	if (why) {
		char *r = xasprintf("the name has %s", why);

		free(why);
		return r;
	}
	return NULL;
}

int learner_name_valid(const char *name, char **cause)
{
	char *why = text_problem(name, 0), *shown;

	*cause = NULL;
	if (!why && strlen(name) <= 200)
		return 1;
	shown = text_quote(name, 300);
	if (why)
		*cause = xasprintf("learner name '%s' has %s", shown, why);
	else
		*cause = xasprintf("learner name '%s' is over 200 bytes long", shown);
	free(shown);
	free(why);
	return 0;
}

/* One line of text of at most max bytes that text_problem() finds nothing in. */
static int plain_text(const char *s, size_t max)
{
	char *why = text_problem(s, 0);

	free(why);
	return !why && strlen(s) <= max;
}

int utc_time_parse(const char *s, time_t *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm;
	char back[32];
	const char *end;

	if (strlen(s) != sizeof(shape) - 1)
		return -1;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return -1;
	/* A real time comes back the same: 2026-02-30 would come back as 03-02. */
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	*t = timegm(&tm);
	if (*t == (time_t)-1 || !gmtime_r(t, &tm) ||
	    !strftime(back, sizeof(back), "%Y-%m-%dT%H:%M:%SZ", &tm) || strcmp(back, s))
		return -1;
	return 0;
}

/* A SHA-256 as 64 lowercase hex digits (or empty: nothing was hashed). */
static int sha_or_empty(const char *s)
{
	size_t n = strlen(s);

	if (n && n != 64)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && (*s < 'a' || *s > 'f'))
			return 0;
	return 1;
}

/*
 * libarchive turns member names into and out of the locale's multibyte
 * form.  kmemlab never calls setlocale(), so that is the C locale, where
 * a name like 'é.c' cannot be translated ("Can't translate pathname"),
 * and the *_utf8 entry functions of Debian 12's libarchive 3.6 crash on
 * such a name in the pax writer.  Taking the user's locale would make the
 * bundle depend on it.  So the bundle is written and read with LC_CTYPE
 * C.UTF-8 for this thread alone (uselocale()), whatever the user's
 * locale, and member names are UTF-8 bytes throughout.
 */
struct utf8_scope {
	locale_t utf8, old;
};

static int utf8_enter(struct utf8_scope *u, char **cause)
{
	u->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (u->utf8 == (locale_t)0) {
		*cause = xasprintf("cannot use the C.UTF-8 locale, which bundles are read and "
				   "written in: %s", strerror(errno));
		return -1;
	}
	u->old = uselocale(u->utf8);
	return 0;
}

static void utf8_leave(struct utf8_scope *u)
{
	if (u->utf8 == (locale_t)0)
		return;
	uselocale(u->old);
	freelocale(u->utf8);
	u->utf8 = (locale_t)0;
}

/* ---- writing ---- */

static void member_add(struct bundle *b, const char *path, char *data, size_t len)
{
	struct bundle_member *m;

	b->members = xrealloc(b->members, (size_t)(b->nmembers + 1) * sizeof(*m));
	m = &b->members[b->nmembers++];
	m->path = xstrdup(path);
	m->data = data;
	m->len = len;
	sha256_hex(data, len, m->sha256);
}

static void member_add_json(struct bundle *b, const char *path, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_FLAGS);

	member_add(b, path, xstrdup(s), strlen(s));
}

static struct json_object *jstr(const unsigned char *s)
{
	return s ? json_object_new_string((const char *)s) : NULL;
}

static int db_fail(sqlite3 *db, const char *what)
{
	return error("cannot read %s for the bundle: %s", what, sqlite3_errmsg(db));
}

/* Whether name is among the n names, adding it if not. */
static int seen_name(char ***names, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*names)[i], name))
			return 1;
	*names = xrealloc(*names, (size_t)(*n + 1) * sizeof(char *));
	(*names)[(*n)++] = xstrdup(name);
	return 0;
}

/*
 * The learner's own attempts.  Attempts at an exercise the course no
 * longer has are left out (and said so): the import would refuse them.
 */
static int add_attempts(sqlite3 *db, int64_t learner, const struct course *c,
			struct bundle *b, char ***gone, int *ngone)
{
	struct json_object *arr = json_object_new_array();
	sqlite3_stmt *s = NULL, *cs = NULL;
	int r, cr, ret = -1;

	if (sqlite3_prepare_v2(db,
			       "SELECT id, exercise, started_at, source_hash, verdict, score,"
			       " max_score, build_ms, vm_ms, grade_ms, inputs, summary, transcript,"
			       " kernel FROM attempt WHERE learner_id = ? AND origin = 'self'"
			       " ORDER BY id", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT name, status, expected, observed, hint FROM check_result"
			       " WHERE attempt_id = ? ORDER BY seq", -1, &cs, NULL) != SQLITE_OK) {
		db_fail(db, "your attempts");
		goto out;
	}
	sqlite3_bind_int64(s, 1, learner);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *ex = (const char *)sqlite3_column_text(s, 1);
		const char *tr = (const char *)sqlite3_column_text(s, 12);
		struct json_object *o, *checks;

		if (!course_exercise(c, ex)) {
			if (!seen_name(gone, ngone, ex))
				warning("your attempts at exercise '%s' are left out of the bundle: "
					"this course has no such exercise any more, and your "
					"instructor's import would refuse them", ex);
			continue;
		}
		o = json_object_new_object();
		checks = json_object_new_array();
		json_object_object_add(o, "exercise", jstr(sqlite3_column_text(s, 1)));
		json_object_object_add(o, "started_at", jstr(sqlite3_column_text(s, 2)));
		json_object_object_add(o, "source_hash", jstr(sqlite3_column_text(s, 3)));
		json_object_object_add(o, "verdict", jstr(sqlite3_column_text(s, 4)));
		json_object_object_add(o, "score", json_object_new_int(sqlite3_column_int(s, 5)));
		json_object_object_add(o, "max_score", json_object_new_int(sqlite3_column_int(s, 6)));
		json_object_object_add(o, "build_ms", json_object_new_int64(sqlite3_column_int64(s, 7)));
		json_object_object_add(o, "vm_ms", json_object_new_int64(sqlite3_column_int64(s, 8)));
		json_object_object_add(o, "grade_ms", json_object_new_int64(sqlite3_column_int64(s, 9)));
		json_object_object_add(o, "inputs", jstr(sqlite3_column_text(s, 10)));
		json_object_object_add(o, "summary", jstr(sqlite3_column_text(s, 11)));
		if (tr && strlen(tr) > BUNDLE_TRANSCRIPT_MAX) {
			/* At a character: half of one would be stored as U+FFFD, with a warning. */
			int keep = (int)BUNDLE_TRANSCRIPT_MAX;
			char *cut;

			while (keep > 0 && ((unsigned char)tr[keep] & 0xc0) == 0x80)
				keep--;
			cut = xasprintf("%.*s\n[transcript cut at %u bytes in the bundle]\n", keep,
					tr, BUNDLE_TRANSCRIPT_MAX);

			json_object_object_add(o, "transcript", json_object_new_string(cut));
			free(cut);
		} else {
			json_object_object_add(o, "transcript", json_object_new_string(tr ? tr : ""));
		}
		json_object_object_add(o, "kernel", jstr(sqlite3_column_text(s, 13)));
		sqlite3_reset(cs);
		sqlite3_bind_int64(cs, 1, sqlite3_column_int64(s, 0));
		while ((cr = sqlite3_step(cs)) == SQLITE_ROW) {
			struct json_object *ck = json_object_new_object();

			json_object_object_add(ck, "name", jstr(sqlite3_column_text(cs, 0)));
			json_object_object_add(ck, "status", jstr(sqlite3_column_text(cs, 1)));
			json_object_object_add(ck, "expected", jstr(sqlite3_column_text(cs, 2)));
			json_object_object_add(ck, "observed", jstr(sqlite3_column_text(cs, 3)));
			json_object_object_add(ck, "hint", jstr(sqlite3_column_text(cs, 4)));
			json_object_array_add(checks, ck);
		}
		json_object_object_add(o, "checks", checks);
		json_object_array_add(arr, o);
		if (cr != SQLITE_DONE) {
			/* An attempt without all its checks would look edited on import. */
			db_fail(db, "your attempts' checks");
			goto out;
		}
	}
	if (r != SQLITE_DONE) {
		db_fail(db, "your attempts");
		goto out;
	}
	member_add_json(b, "attempts.json", arr);
	ret = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(cs);
	json_object_put(arr);
	return ret;
}

/* Whether lesson (by id, not number) has the question. */
static int course_has_question(const struct course *c, const char *lesson, const char *question)
{
	for (int i = 0; i < c->nlessons; i++) {
		const struct lesson *l = &c->lessons[i];

		if (strcmp(l->id, lesson))
			continue;
		for (int j = 0; j < l->nquestions; j++)
			if (!strcmp(l->questions[j].id, question))
				return 1;
	}
	return 0;
}

/* The learner's answers, but those to questions the course no longer has. */
static int add_answers(sqlite3 *db, int64_t learner, const struct course *c, struct bundle *b,
		       char ***gone, int *ngone)
{
	struct json_object *arr = json_object_new_array();
	sqlite3_stmt *s = NULL;
	int r, ret = -1;

	if (sqlite3_prepare_v2(db,
			       "SELECT lesson, question, answered_at, answer, expected, correct"
			       " FROM answer WHERE learner_id = ? ORDER BY id", -1, &s,
			       NULL) != SQLITE_OK) {
		db_fail(db, "your answers");
		goto out;
	}
	sqlite3_bind_int64(s, 1, learner);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *lesson = (const char *)sqlite3_column_text(s, 0);
		const char *question = (const char *)sqlite3_column_text(s, 1);
		struct json_object *o;

		if (!course_has_question(c, lesson, question)) {
			char *key = xasprintf("%s/%s", lesson, question);

			if (!seen_name(gone, ngone, key))
				warning("your answers to question '%s' of lesson '%s' are left out "
					"of the bundle: this course has no such question any more, "
					"and your instructor's import would refuse them", question,
					lesson);
			free(key);
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "lesson", jstr(sqlite3_column_text(s, 0)));
		json_object_object_add(o, "question", jstr(sqlite3_column_text(s, 1)));
		json_object_object_add(o, "answered_at", jstr(sqlite3_column_text(s, 2)));
		json_object_object_add(o, "answer", jstr(sqlite3_column_text(s, 3)));
		json_object_object_add(o, "expected", jstr(sqlite3_column_text(s, 4)));
		json_object_object_add(o, "correct",
				       json_object_new_boolean(sqlite3_column_int(s, 5)));
		json_object_array_add(arr, o);
	}
	if (r != SQLITE_DONE) {
		db_fail(db, "your answers");
		goto out;
	}
	member_add_json(b, "answers.json", arr);
	ret = 0;
out:
	sqlite3_finalize(s);
	json_object_put(arr);
	return ret;
}

/*
 * The files of dir as sources/EXERCISE/NAME members.  A name the import
 * would refuse (bundle_name_problem()) is reported and counted in *bad,
 * and nothing more is read once there is one.
 */
static int add_sources(struct bundle *b, const char *dir, const char *exercise, int *bad)
{
	char **names = NULL;
	size_t n = 0;
	int ret = -1;

	if (source_files(dir, &names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;
		char *p = path_join(dir, names[i]), *mp, *why = bundle_name_problem(names[i]);

		if (why) {
			char *shown = text_quote(p, 1000);

			error("cannot submit '%s': %s, so your instructor's 'class import' would "
			      "refuse the bundle: rename or remove the file, then submit again",
			      shown, why);
			free(shown);
			free(why);
			free(p);
			(*bad)++;
			continue;
		}
		if (*bad) {
			free(p);
			continue;
		}
		if (read_file(p, &sb, BUNDLE_MEMBER_MAX) < 0) {
			if (errno == EFBIG)
				error("'%s' is over %u MiB: a bundle cannot carry it", p,
				      BUNDLE_MEMBER_MAX >> 20);
			else
				error("cannot read '%s': %s", p, strerror(errno));
			free(p);
			strbuf_release(&sb);
			goto out;
		}
		free(p);
		mp = xasprintf("sources/%s/%s", exercise, names[i]);
		member_add(b, mp, sb.buf ? sb.buf : xstrdup(""), sb.len);
		free(mp);
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

static int write_member(struct archive *a, const char *path, const char *data, size_t len,
			time_t now)
{
	struct archive_entry *e = archive_entry_new();
	int ret = 0;

	/* UTF-8 (bundle_name_problem() saw to it), in a UTF-8 locale (utf8_enter()). */
	archive_entry_copy_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, now, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len && archive_write_data(a, data, len) != (la_ssize_t)len))
		ret = -1;
	archive_entry_free(e);
	return ret;
}

int bundle_write(struct store *st, const struct course *c, const char *workspace,
		 const char *kernel, const char *out, char **written)
{
	struct bundle b = { 0 };
	struct json_object *man = NULL, *files, *learner;
	struct archive *a = NULL;
	struct utf8_scope u = { 0 };
	char **gone = NULL, *why = NULL, *login = NULL, *name = NULL, *path = NULL, *tmp = NULL;
	char now[32];
	int ngone = 0, bad = 0, ret = -1;
	int64_t id;
	size_t total = 0;
	time_t t = time(NULL);

	*written = NULL;
	if (store_learner(st, &id) < 0 || store_identity(st, &login, &name, NULL) < 0)
		goto out;
	utc_now(now);
	if (add_attempts(store_db(st), id, c, &b, &gone, &ngone) < 0 ||
	    add_answers(store_db(st), id, c, &b, &gone, &ngone) < 0)
		goto out;
	for (int i = 0; i < c->nlessons; i++)
		for (int j = 0; j < c->lessons[i].nexercises; j++) {
			const char *ex = c->lessons[i].exercises[j].id;
			char *dir = path_join(workspace, ex);
			int r = is_dir(dir) ? add_sources(&b, dir, ex, &bad) : 0;

			free(dir);
			if (r < 0)
				goto out;
		}
	if (bad) {
		error("%d file name%s cannot go into a bundle: nothing was written", bad,
		      bad == 1 ? "" : "s");
		goto out;
	}

	man = json_object_new_object();
	files = json_object_new_array();
	learner = json_object_new_object();
	json_object_object_add(man, "format", json_object_new_int(BUNDLE_FORMAT));
	json_object_object_add(man, "kmemlab_version", json_object_new_string(KMEMLAB_VERSION));
	json_object_object_add(man, "kernel", json_object_new_string(kernel));
	json_object_object_add(learner, "id", json_object_new_string(login));
	json_object_object_add(learner, "name", json_object_new_string(name));
	json_object_object_add(man, "learner", learner);
	json_object_object_add(man, "created_at", json_object_new_string(now));
	for (int i = 0; i < b.nmembers; i++) {
		struct json_object *f = json_object_new_object();

		json_object_object_add(f, "path", json_object_new_string(b.members[i].path));
		json_object_object_add(f, "size", json_object_new_int64((int64_t)b.members[i].len));
		json_object_object_add(f, "sha256", json_object_new_string(b.members[i].sha256));
		json_object_array_add(files, f);
		if (b.members[i].len > BUNDLE_MEMBER_MAX) {
			error("'%s' would be %zu bytes in the bundle, over the %u MiB a member may "
			      "have", b.members[i].path, b.members[i].len, BUNDLE_MEMBER_MAX >> 20);
			goto out;
		}
		total += b.members[i].len;
	}
	json_object_object_add(man, "files", files);
	if (total > BUNDLE_TOTAL_MAX) {
		error("your submission would be %zu bytes, over the %u MiB a bundle may have",
		      total, BUNDLE_TOTAL_MAX >> 20);
		goto out;
	}

	if (out) {
		path = xstrdup(out);
	} else {
		char stamp[32];

		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&t));
		path = xasprintf("kmemlab-%s-%s.tar.gz", login, stamp);
	}
	tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	if (utf8_enter(&u, &why) < 0) {
		error("%s", why);
		free(why);
		goto out;
	}
	a = archive_write_new();
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		error("cannot write '%s': %s", tmp, archive_error_string(a));
		goto out;
	}
	{
		const char *ms = json_object_to_json_string_ext(man, JSON_FLAGS);

		if (write_member(a, "manifest.json", ms, strlen(ms), t) < 0)
			goto werr;
	}
	for (int i = 0; i < b.nmembers; i++)
		if (write_member(a, b.members[i].path, b.members[i].data, b.members[i].len, t) < 0)
			goto werr;
	if (archive_write_close(a) != ARCHIVE_OK)
		goto werr;
	if (rename(tmp, path) < 0) {
		error("cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	*written = path;
	path = NULL;
	ret = 0;
	goto out;
werr:
	error("cannot write '%s': %s", tmp, archive_error_string(a));
out:
	if (a)
		archive_write_free(a);
	utf8_leave(&u);
	if (ret < 0 && tmp)
		unlink(tmp);
	json_object_put(man);
	for (int i = 0; i < ngone; i++)
		free(gone[i]);
	free(gone);
	free(login);
	free(name);
	free(path);
	free(tmp);
	bundle_release(&b);
	return ret;
}

/* ---- reading ---- */

void bundle_release(struct bundle *b)
{
	for (int i = 0; i < b->nmembers; i++) {
		free(b->members[i].path);
		free(b->members[i].data);
	}
	free(b->members);
	json_object_put(b->manifest);
	json_object_put(b->attempts);
	json_object_put(b->answers);
	memset(b, 0, sizeof(*b));
}

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

static int check_manifest(struct bundle *b, const struct course *c, char **cause)
{
	struct json_object *files, *learner;
	int64_t format;
	char *why;

	b->manifest = parse_member(b, "manifest.json", json_type_object, cause);
	if (!b->manifest)
		return -1;
	if (jget_int(b->manifest, "format", &format) < 0) {
		*cause = xstrdup("its manifest has no format version");
		return -1;
	}
	if (format != BUNDLE_FORMAT) {
		*cause = xasprintf("its format version %lld is not one this kmemlab reads (%d): "
				   "use the learner's kmemlab version", (long long)format,
				   BUNDLE_FORMAT);
		return -1;
	}
	b->kmemlab_version = jget_str(b->manifest, "kmemlab_version");
	b->kernel = jget_str(b->manifest, "kernel");
	b->created_at = jget_str(b->manifest, "created_at");
	if (json_object_object_get_ex(b->manifest, "learner", &learner) &&
	    json_object_is_type(learner, json_type_object)) {
		b->learner_id = jget_str(learner, "id");
		b->learner_name = jget_str(learner, "name");
	}
	if (!b->kmemlab_version || !b->kernel || !b->created_at || !b->learner_id ||
	    !b->learner_name) {
		*cause = xstrdup("its manifest lacks one of kmemlab_version, kernel, created_at, "
				 "learner.id, learner.name");
		return -1;
	}
	if ((why = text_problem(b->learner_id, 0))) {
		char *shown = text_quote(b->learner_id, 100);

		*cause = xasprintf("its manifest's learner.id '%s' has %s", shown, why);
		free(shown);
		free(why);
		return -1;
	}
	if (!learner_id_valid(b->learner_id, &why)) {
		*cause = xasprintf("its manifest's %s", why);
		free(why);
		return -1;
	}
	if (!learner_name_valid(b->learner_name, &why)) {
		*cause = xasprintf("its manifest's %s: the learner sets a plain one with "
				   "'kmemlab whoami --name NAME' and submits again", why);
		free(why);
		return -1;
	}
	if (!plain_text(b->kernel, 200) || !plain_text(b->kmemlab_version, 64)) {
		char *k = text_quote(b->kernel, 200), *v = text_quote(b->kmemlab_version, 64);

		*cause = xasprintf("its manifest's kernel '%s' or kmemlab_version '%s' has a "
				   "control character or a byte that is not UTF-8, or is too long",
				   k, v);
		free(k);
		free(v);
		return -1;
	}
	if (utc_time_parse(b->created_at, &b->created) < 0) {
		char *shown = text_quote(b->created_at, 40);

		*cause = xasprintf("its manifest's created_at '%s' is not a real UTC time like "
				   "2026-01-31T12:00:00Z", shown);
		free(shown);
		return -1;
	}
	if (!json_object_object_get_ex(b->manifest, "files", &files) ||
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
static void note_time(struct bundle *b, const char *at, time_t t)
{
	if (!b->latest_at || t > b->latest) {
		b->latest = t;
		b->latest_at = at;
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
static int check_attempts(struct bundle *b, const struct course *c, char **cause)
{
	static const char *const text_keys[] = { "summary", "transcript", "inputs", "kernel" };
	static const char *const check_keys[] = { "expected", "observed", "hint" };

	b->attempts = parse_member(b, "attempts.json", json_type_array, cause);
	if (!b->attempts)
		return -1;
	for (size_t i = 0; i < json_object_array_length(b->attempts); i++) {
		struct json_object *a = json_object_array_get_idx(b->attempts, i), *checks;
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
		if (!plain_text(ex, 64)) {
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
		note_time(b, at, t);
		if (!sha_or_empty(jget_str(a, "source_hash"))) {
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
static int check_answers(struct bundle *b, const struct course *c, char **cause)
{
	b->answers = parse_member(b, "answers.json", json_type_array, cause);
	if (!b->answers)
		return -1;
	for (size_t i = 0; i < json_object_array_length(b->answers); i++) {
		struct json_object *a = json_object_array_get_idx(b->answers, i), *v;
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
		if (!plain_text(lesson, 64) || !plain_text(question, 64)) {
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
		note_time(b, at, t);
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

int bundle_read(const char *file, const struct course *c, struct bundle *b, char **cause)
{
	struct strbuf raw = STRBUF_INIT;

	memset(b, 0, sizeof(*b));
	*cause = NULL;
	if (read_bundle_file(file, &raw, cause) < 0) {
		strbuf_release(&raw);
		return -1;
	}
	/* The hash and the members come from the same bytes. */
	sha256_hex(raw.buf ? raw.buf : "", raw.len, b->sha256);
	if (read_members(raw.buf ? raw.buf : "", raw.len, b, cause) < 0 ||
	    check_manifest(b, c, cause) < 0 || check_attempts(b, c, cause) < 0 ||
	    check_answers(b, c, cause) < 0) {
		strbuf_release(&raw);
		bundle_release(b);
		return -1;
	}
	strbuf_release(&raw);
	return 0;
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
