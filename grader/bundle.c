#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <locale.h>
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

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

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
int utf8_enter(struct utf8_scope *u, char **cause)
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

void utf8_leave(struct utf8_scope *u)
{
	if (u->utf8 == (locale_t)0)
		return;
	uselocale(u->old);
	freelocale(u->utf8);
	u->utf8 = (locale_t)0;
}

/* ---- writing ---- */

void member_add(struct bundle *b, const char *path, char *data, size_t len)
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

/* What goes into attempts.json and answers.json as the store hands it over. */
struct adding {
	const struct course *c;
	struct json_object *arr;
	char ***gone;
	int *ngone;
};

/*
 * One of the learner's own attempts.  Attempts at an exercise the course no
 * longer has are left out (and said so): the import would refuse them.
 */
static int add_attempt(const struct record *r, void *arg)
{
	struct adding *ad = arg;
	struct record cut = *r;
	struct json_object *o;

	if (!course_exercise(ad->c, r->exercise)) {
		if (!seen_name(ad->gone, ad->ngone, r->exercise))
			warning("your attempts at exercise '%s' are left out of the bundle: "
				"this course has no such exercise any more, and your "
				"instructor's import would refuse them", r->exercise);
		return 0;
	}
	if (r->transcript && strlen(r->transcript) > BUNDLE_TRANSCRIPT_MAX) {
		/* At a character: half of one would be stored as U+FFFD, with a warning. */
		int keep = (int)BUNDLE_TRANSCRIPT_MAX;

		while (keep > 0 && ((unsigned char)r->transcript[keep] & 0xc0) == 0x80)
			keep--;
		cut.transcript = xasprintf("%.*s\n[transcript cut at %u bytes in the bundle]\n",
					   keep, r->transcript, BUNDLE_TRANSCRIPT_MAX);
	}
	o = record_to_json(&cut);
	if (cut.transcript != r->transcript)
		free(cut.transcript);
	json_object_array_add(ad->arr, o);
	return 0;
}

int course_has_question(const struct course *c, const char *lesson, const char *question)
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

/* One of the learner's answers, but those to questions the course no longer has. */
static int add_answer(const struct store_answer *an, void *arg)
{
	struct adding *ad = arg;
	struct json_object *o;

	if (!course_has_question(ad->c, an->lesson, an->question)) {
		char *key = xasprintf("%s/%s", an->lesson, an->question);

		if (!seen_name(ad->gone, ad->ngone, key))
			warning("your answers to question '%s' of lesson '%s' are left out "
				"of the bundle: this course has no such question any more, "
				"and your instructor's import would refuse them", an->question,
				an->lesson);
		free(key);
		return 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "lesson", json_object_new_string(an->lesson));
	json_object_object_add(o, "question", json_object_new_string(an->question));
	json_object_object_add(o, "answered_at", json_object_new_string(an->answered_at));
	json_object_object_add(o, "answer", json_object_new_string(an->answer));
	json_object_object_add(o, "expected",
			       an->expected ? json_object_new_string(an->expected) : NULL);
	json_object_object_add(o, "correct", json_object_new_boolean(an->correct));
	json_object_array_add(ad->arr, o);
	return 0;
}

/* attempts.json and answers.json, from the learner's database. */
static int add_work(struct store *st, int64_t learner, const struct course *c,
		    struct bundle *b, char ***gone, int *ngone)
{
	struct adding ad = { c, json_object_new_array(), gone, ngone };

	if (store_each_attempt(st, learner, "self", add_attempt, &ad) < 0) {
		json_object_put(ad.arr);
		return -1;
	}
	member_add_json(b, "attempts.json", ad.arr);
	json_object_put(ad.arr);
	ad.arr = json_object_new_array();
	if (store_each_answer(st, learner, add_answer, &ad) < 0) {
		json_object_put(ad.arr);
		return -1;
	}
	member_add_json(b, "answers.json", ad.arr);
	json_object_put(ad.arr);
	return 0;
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
	if (add_work(st, id, c, &b, &gone, &ngone) < 0)
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
	{
		struct json_object *co = json_object_new_object();
		char hash[65];

		course_hash(c, hash);
		json_object_object_add(co, "id", json_object_new_string(c->id ? c->id : "kmemlab"));
		json_object_object_add(co, "version",
				       json_object_new_string(c->version ? c->version : "1"));
		if (hash[0])
			json_object_object_add(co, "hash", json_object_new_string(hash));
		json_object_object_add(man, "course", co);
	}
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

void bundle_release(struct bundle *b)
{
	for (int i = 0; i < b->nmembers; i++) {
		free(b->members[i].path);
		free(b->members[i].data);
	}
	free(b->members);
	for (int i = 0; i < b->nattempts; i++)
		record_release(&b->attempts[i]);
	free(b->attempts);
	for (int i = 0; i < b->nanswers; i++)
		store_answer_release(&b->answers[i]);
	free(b->answers);
	free(b->manifest);
	free(b->course_id);
	free(b->course_version);
	free(b->course_hash);
	free(b->learner_id);
	free(b->learner_name);
	free(b->kmemlab_version);
	free(b->kernel);
	free(b->created_at);
	free(b->latest_at);
	memset(b, 0, sizeof(*b));
}
