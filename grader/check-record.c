/*
 * What a run recorded for grading: the checker's readings of the VM, and
 * the whole record saved to a directory and loaded back (check.h).
 */
#include "check.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* record.json's "format"; a record of another format is refused. */
#define RECORD_FORMAT 1
#define RECORD_MAX (64u << 20)

/* ---- readings ---- */

static struct reading *find_reading(const struct attempt *a, const char *name)
{
	for (int i = 0; i < a->nreadings; i++)
		if (!strcmp(a->readings[i].name, name))
			return &a->readings[i];
	return NULL;
}

struct strbuf *attempt_keep(struct attempt *a, const char *name)
{
	struct reading *r = find_reading(a, name);

	if (r)
		return &r->text;
	a->readings = xrealloc(a->readings, (size_t)(a->nreadings + 1) * sizeof(*r));
	r = &a->readings[a->nreadings++];
	r->name = xstrdup(name);
	r->text = (struct strbuf)STRBUF_INIT;
	return &r->text;
}

const char *attempt_reading(const struct attempt *a, const char *name)
{
	const struct reading *r = find_reading(a, name);

	return r ? strbuf_str(&r->text) : "";
}

int attempt_has_reading(const struct attempt *a, const char *name)
{
	return find_reading(a, name) != NULL;
}

int attempt_read(struct attempt *a, struct vm *vm, const char *name, const char *script,
		 int timeout_ms, size_t cap, int flags, struct vm_exec *res)
{
	struct vm_exec ex;
	int r = vm_sh(vm, script, timeout_ms, cap, &ex);

	if (r == VM_OK && (!ex.status || (flags & READ_ANY_STATUS)))
		strbuf_add(attempt_keep(a, name), ex.out.buf, ex.out.len);
	if (res)
		*res = ex;
	else
		vm_exec_release(&ex);
	return r;
}

void attempt_keep_exec(struct attempt *a, const char *name, const struct vm_exec *ex, int ran)
{
	char *n = xasprintf("%s.stdout", name);

	strbuf_add(attempt_keep(a, n), ex->out.buf, ex->out.len);
	free(n);
	n = xasprintf("%s.stderr", name);
	strbuf_add(attempt_keep(a, n), ex->err.buf, ex->err.len);
	free(n);
	n = xasprintf("%s.exit", name);
	strbuf_addf(attempt_keep(a, n), "ran=%d status=%d signal=%d timed_out=%d\n", ran,
		    ex->status, ex->signal, ex->timed_out);
	free(n);
}

int attempt_reading_exec(const struct attempt *a, const char *name, struct vm_exec *ex)
{
	char *n = xasprintf("%s.stdout", name);
	unsigned long long v;
	const char *exit;
	int ran = 0;

	memset(ex, 0, sizeof(*ex));
	strbuf_addstr(&ex->out, attempt_reading(a, n));
	free(n);
	n = xasprintf("%s.stderr", name);
	strbuf_addstr(&ex->err, attempt_reading(a, n));
	free(n);
	n = xasprintf("%s.exit", name);
	exit = attempt_reading(a, n);
	free(n);
	if (ktap_kv_ulong(exit, "ran", &v) == 1)
		ran = v != 0;
	if (ktap_kv_ulong(exit, "status", &v) == 1)
		ex->status = (int)v;
	if (ktap_kv_ulong(exit, "signal", &v) == 1)
		ex->signal = (int)v;
	if (ktap_kv_ulong(exit, "timed_out", &v) == 1)
		ex->timed_out = v != 0;
	return ran;
}

/* ---- saving ---- */

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

static void add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_bool(struct json_object *o, const char *key, int v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

/* A reading's name is a file name of the record: no '/', no leading '.'. */
static int safe_name(const char *name)
{
	return *name && *name != '.' && !strchr(name, '/');
}

/* DIR/NAME holds text, or is removed when text is empty. */
static int save_text(const char *dir, const char *name, const struct strbuf *text)
{
	char *path = path_join(dir, name);
	int r = 0;

	if (text->len && write_file_atomic(path, text->buf, text->len, 0644) < 0)
		r = error("cannot write '%s': %s", path, strerror(errno));
	else if (!text->len && unlink(path) < 0 && errno != ENOENT)
		r = error("cannot remove '%s': %s", path, strerror(errno));
	free(path);
	return r;
}

static struct json_object *modrun_json(const struct modrun *m)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "verdict", modrun_verdict_name(m->verdict));
	add_str(o, "reason", m->reason);
	add_bool(o, "inserted", m->inserted);
	add_bool(o, "loaded", m->loaded);
	add_bool(o, "warned", m->warned);
	return o;
}

static struct json_object *leaks_json(const struct leak_watch *w)
{
	struct json_object *o = json_object_new_object(), *sites = json_object_new_array();

	add_bool(o, "checked", w->checked);
	add_str(o, "why_off", w->why_off);
	for (int i = 0; i < w->nleaks; i++) {
		struct json_object *s = json_object_new_object();

		add_str(s, "what", w->leaks[i].what);
		add_str(s, "site", w->leaks[i].site);
		add_int(s, "count", w->leaks[i].count);
		add_int(s, "bytes", (int64_t)w->leaks[i].bytes);
		json_object_array_add(sites, s);
	}
	json_object_object_add(o, "sites", sites);
	return o;
}

static struct json_object *graded_json(const struct attempt *a)
{
	struct json_object *o = json_object_new_object(), *checks = json_object_new_array();

	add_str(o, "verdict", a->verdict);
	add_int(o, "score", a->score);
	add_int(o, "max_score", a->max_score);
	for (int i = 0; i < a->nitems; i++) {
		const struct check_item *c = &a->items[i];
		struct json_object *co = json_object_new_object();

		add_str(co, "name", c->name);
		add_str(co, "status", c->status);
		add_str(co, "expected", c->expected);
		add_str(co, "observed", c->observed);
		add_str(co, "hint", c->hint);
		json_object_array_add(checks, co);
	}
	json_object_object_add(o, "checks", checks);
	return o;
}

static struct json_object *record_json(const struct attempt *a)
{
	struct json_object *o = json_object_new_object(), *x;

	add_int(o, "format", RECORD_FORMAT);
	add_str(o, "exercise", a->ex->id);
	add_str(o, "nonce", a->nonce);
	x = json_object_new_array();
	for (int i = 0; i < a->draws.n; i++)
		json_object_array_add(x, json_object_new_int64(a->draws.v[i]));
	json_object_object_add(o, "draws", x);
	add_str(o, "params", a->params);
	add_str(o, "inputs", a->inputs);
	add_str(o, "kernel", a->kernel);
	x = json_object_new_object();
	add_bool(x, "ok", a->build.ok);
	add_str(x, "name", a->build.name);
	json_object_object_add(o, "build", x);
	json_object_object_add(o, "learner", modrun_json(&a->learner));
	json_object_object_add(o, "truth", modrun_json(&a->truth));
	x = json_object_new_object();
	add_bool(x, "ran", a->prog_ran);
	add_int(x, "status", a->prog.status);
	add_int(x, "signal", a->prog.signal);
	add_bool(x, "timed_out", a->prog.timed_out);
	json_object_object_add(o, "program", x);
	json_object_object_add(o, "leaks", leaks_json(&a->leaks));
	x = json_object_new_array();
	for (int i = 0; i < a->nreadings; i++)
		json_object_array_add(x, json_object_new_string(a->readings[i].name));
	json_object_object_add(o, "readings", x);
	json_object_object_add(o, "graded", graded_json(a));
	return o;
}

int attempt_save(const struct attempt *a, const char *dir)
{
	static const struct strbuf none = STRBUF_INIT;
	struct json_object *o;
	char *path, *rdir = path_join(dir, "readings");
	const char *json;
	int r = -1;

	for (int i = 0; i < a->nreadings; i++)
		if (!safe_name(a->readings[i].name))
			die_bug("reading name '%s' is no file name", a->readings[i].name);
	if (mkdir_p(dir, 0755) < 0)
		goto out;
	if (save_text(dir, "learner.text", &a->learner.text) < 0 ||
	    save_text(dir, "truth.text", &a->truth.text) < 0 ||
	    save_text(dir, "program.stdout", &a->prog.out) < 0 ||
	    save_text(dir, "program.stderr", &a->prog.err) < 0 ||
	    save_text(dir, "build.log", a->build.ok ? &none : &a->build.log) < 0)
		goto out;
	if (remove_tree(rdir) < 0) {
		error("cannot remove '%s'", rdir);
		goto out;
	}
	if (a->nreadings && mkdir_p(rdir, 0755) < 0)
		goto out;
	for (int i = 0; i < a->nreadings; i++)
		if (save_text(rdir, a->readings[i].name, &a->readings[i].text) < 0)
			goto out;
	o = record_json(a);
	json = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	path = path_join(dir, "record.json");
	r = write_file_atomic(path, json, strlen(json), 0644);
	if (r < 0)
		error("cannot write '%s': %s", path, strerror(errno));
	free(path);
	json_object_put(o);
out:
	free(rdir);
	return r;
}

/* ---- loading ---- */

/* Member key of o as a string: its value, NULL when absent or null. */
static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_int64(v);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* The text of DIR/NAME into sb; a missing file is an empty text. */
static int load_text(const char *dir, const char *name, struct strbuf *sb)
{
	char *path = path_join(dir, name);
	int r = 0;

	strbuf_reset(sb);
	if (read_file(path, sb, RECORD_MAX) < 0 && errno != ENOENT)
		r = error("cannot read '%s': %s", path, strerror(errno));
	free(path);
	return r;
}

static void load_modrun(struct json_object *o, struct modrun *m)
{
	const char *v = get_str(o, "verdict");

	m->verdict = MODRUN_ERROR;
	for (int i = MODRUN_OK; v && i <= MODRUN_ERROR; i++)
		if (!strcmp(v, modrun_verdict_name((enum modrun_verdict)i)))
			m->verdict = (enum modrun_verdict)i;
	m->reason = dup_or_null(get_str(o, "reason"));
	m->inserted = get_int(o, "inserted") != 0;
	m->loaded = get_int(o, "loaded") != 0;
	m->warned = get_int(o, "warned") != 0;
}

static void load_leaks(struct json_object *o, struct leak_watch *w)
{
	struct json_object *sites = get(o, "sites");
	size_t n = sites && json_object_is_type(sites, json_type_array)
			   ? json_object_array_length(sites) : 0;

	w->checked = get_int(o, "checked") != 0;
	w->why_off = dup_or_null(get_str(o, "why_off"));
	w->leaks = xcalloc(n + 1, sizeof(*w->leaks));
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(sites, i);

		w->leaks[i].what = xstrdup(get_str(s, "what") ? get_str(s, "what") : "?");
		w->leaks[i].site = xstrdup(get_str(s, "site") ? get_str(s, "site") : "?");
		w->leaks[i].count = (int)get_int(s, "count");
		w->leaks[i].bytes = (unsigned long long)get_int(s, "bytes");
	}
	w->nleaks = (int)n;
}

/*
 * prepare() again on the recorded draws: the same inputs, or an error
 * naming what changed (the checker's prepare() draws differently now).
 */
static int replay_prepare(const char *dir, struct json_object *o, struct attempt *a)
{
	const struct checker *ck = checker_find(a->ex->check);
	struct json_object *d = get(o, "draws");
	const char *inputs = get_str(o, "inputs");
	size_t n = d && json_object_is_type(d, json_type_array) ? json_object_array_length(d) : 0;

	a->draws.v = xcalloc(n + 1, sizeof(*a->draws.v));
	for (size_t i = 0; i < n; i++)
		a->draws.v[i] = (uint32_t)json_object_get_int64(json_object_array_get_idx(d, i));
	a->draws.n = (int)n;
	a->draws.replay = 1;
	ck->prepare(a);
	a->draws.replay = 0;
	if (a->draws.bad || a->draws.next != a->draws.n || !inputs || !a->inputs ||
	    strcmp(inputs, a->inputs))
		return error("record '%s' does not replay: check '%s' now prepares '%s' from its "
			     "draws, not '%s'; record it again", dir, ck->name,
			     a->inputs ? a->inputs : "", inputs ? inputs : "");
	free(a->params);
	a->params = dup_or_null(get_str(o, "params"));
	return 0;
}

static int load_readings(const char *dir, struct json_object *o, struct attempt *a)
{
	struct json_object *names = get(o, "readings");
	char *rdir = path_join(dir, "readings");
	size_t n = names && json_object_is_type(names, json_type_array)
			   ? json_object_array_length(names) : 0;
	int r = 0;

	for (size_t i = 0; i < n && !r; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, i));

		if (!name || !safe_name(name))
			r = error("record '%s' names a reading '%s' that is no file name", dir,
				  name ? name : "");
		else
			r = load_text(rdir, name, attempt_keep(a, name));
	}
	free(rdir);
	return r;
}

int attempt_load(const char *dir, const struct course *c, struct attempt *a)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_object *o = NULL, *x;
	char *path = path_join(dir, "record.json");
	const char *id, *nonce;
	int r = -1;

	memset(a, 0, sizeof(*a));
	a->verdict = "error";
	a->source = xstrdup(dir);
	if (read_file(path, &sb, RECORD_MAX) < 0) {
		error("cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	o = json_tokener_parse(strbuf_str(&sb));
	if (!o || !json_object_is_type(o, json_type_object)) {
		error("'%s' is not a JSON object", path);
		goto out;
	}
	if (get_int(o, "format") != RECORD_FORMAT) {
		error("'%s' is a record of format %lld; this kmemlab reads format %d", path,
		      (long long)get_int(o, "format"), RECORD_FORMAT);
		goto out;
	}
	id = get_str(o, "exercise");
	nonce = get_str(o, "nonce");
	a->ex = id ? course_exercise(c, id) : NULL;
	if (!a->ex || !checker_find(a->ex->check)) {
		error("'%s' records exercise '%s', which the course does not have", path,
		      id ? id : "");
		goto out;
	}
	if (!nonce || strlen(nonce) != sizeof(a->nonce) - 1) {
		error("'%s' has no nonce of %zu characters", path, sizeof(a->nonce) - 1);
		goto out;
	}
	memcpy(a->nonce, nonce, sizeof(a->nonce));
	if (replay_prepare(dir, o, a) < 0)
		goto out;
	a->kernel = dup_or_null(get_str(o, "kernel"));
	x = get(o, "build");
	a->build.ok = get_int(x, "ok") != 0;
	a->build.name = dup_or_null(get_str(x, "name"));
	load_modrun(get(o, "learner"), &a->learner);
	load_modrun(get(o, "truth"), &a->truth);
	x = get(o, "program");
	a->prog_ran = get_int(x, "ran") != 0;
	a->prog.status = (int)get_int(x, "status");
	a->prog.signal = (int)get_int(x, "signal");
	a->prog.timed_out = get_int(x, "timed_out") != 0;
	load_leaks(get(o, "leaks"), &a->leaks);
	if (load_text(dir, "build.log", &a->build.log) < 0 ||
	    load_text(dir, "learner.text", &a->learner.text) < 0 ||
	    load_text(dir, "truth.text", &a->truth.text) < 0 ||
	    load_text(dir, "program.stdout", &a->prog.out) < 0 ||
	    load_text(dir, "program.stderr", &a->prog.err) < 0 ||
	    load_readings(dir, o, a) < 0)
		goto out;
	r = 0;
out:
	json_object_put(o);
	strbuf_release(&sb);
	free(path);
	return r;
}
