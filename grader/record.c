#include "record.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *record_to_json(const struct record *r)
{
	struct json_object *o = json_object_new_object(), *checks = json_object_new_array();

	json_object_object_add(o, "exercise", json_object_new_string(r->exercise ? r->exercise : ""));
	json_object_object_add(o, "started_at",
			       json_object_new_string(r->started_at ? r->started_at : ""));
	json_object_object_add(o, "source_hash",
			       json_object_new_string(r->source_hash ? r->source_hash : ""));
	json_object_object_add(o, "verdict", json_object_new_string(r->verdict ? r->verdict : ""));
	json_object_object_add(o, "score", json_object_new_int(r->score));
	json_object_object_add(o, "max_score", json_object_new_int(r->max_score));
	json_object_object_add(o, "build_ms", json_object_new_int64(r->build_ms));
	json_object_object_add(o, "vm_ms", json_object_new_int64(r->vm_ms));
	json_object_object_add(o, "grade_ms", json_object_new_int64(r->grade_ms));
	json_object_object_add(o, "inputs", str_or_null(r->inputs));
	json_object_object_add(o, "summary", str_or_null(r->summary));
	json_object_object_add(o, "transcript",
			       json_object_new_string(r->transcript ? r->transcript : ""));
	json_object_object_add(o, "kernel", str_or_null(r->kernel));
	for (int i = 0; i < r->nchecks; i++) {
		const struct record_check *c = &r->checks[i];
		struct json_object *ck = json_object_new_object();

		json_object_object_add(ck, "name", json_object_new_string(c->name ? c->name : ""));
		json_object_object_add(ck, "status",
				       json_object_new_string(c->status ? c->status : ""));
		json_object_object_add(ck, "expected", str_or_null(c->expected));
		json_object_object_add(ck, "observed", str_or_null(c->observed));
		json_object_object_add(ck, "hint", str_or_null(c->hint));
		json_object_array_add(checks, ck);
	}
	json_object_object_add(o, "checks", checks);
	return o;
}

static char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return xstrdup(json_object_get_string(v));
}

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

int record_from_json(struct json_object *o, struct record *r)
{
	struct json_object *checks;

	memset(r, 0, sizeof(*r));
	if (!json_object_is_type(o, json_type_object))
		return -1;
	r->exercise = get_str(o, "exercise");
	r->started_at = get_str(o, "started_at");
	r->source_hash = get_str(o, "source_hash");
	r->verdict = get_str(o, "verdict");
	r->score = (int)get_int(o, "score");
	r->max_score = (int)get_int(o, "max_score");
	r->build_ms = get_int(o, "build_ms");
	r->vm_ms = get_int(o, "vm_ms");
	r->grade_ms = get_int(o, "grade_ms");
	r->inputs = get_str(o, "inputs");
	r->summary = get_str(o, "summary");
	r->transcript = get_str(o, "transcript");
	r->kernel = get_str(o, "kernel");
	if (json_object_object_get_ex(o, "checks", &checks) &&
	    json_object_is_type(checks, json_type_array)) {
		size_t n = json_object_array_length(checks);

		r->checks = xcalloc(n + 1, sizeof(*r->checks));
		for (size_t i = 0; i < n; i++) {
			struct json_object *c = json_object_array_get_idx(checks, i);
			struct record_check *rc = &r->checks[r->nchecks++];

			rc->name = get_str(c, "name");
			rc->status = get_str(c, "status");
			rc->expected = get_str(c, "expected");
			rc->observed = get_str(c, "observed");
			rc->hint = get_str(c, "hint");
		}
	}
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void record_add_check(struct record *r, const char *name, const char *status,
		      const char *expected, const char *observed, const char *hint)
{
	struct record_check *c;

	r->checks = xrealloc(r->checks, (size_t)(r->nchecks + 1) * sizeof(*r->checks));
	c = &r->checks[r->nchecks++];
	c->name = dup_or_null(name);
	c->status = dup_or_null(status);
	c->expected = dup_or_null(expected);
	c->observed = dup_or_null(observed);
	c->hint = dup_or_null(hint);
}

void record_release(struct record *r)
{
	for (int i = 0; i < r->nchecks; i++) {
		free(r->checks[i].name);
		free(r->checks[i].status);
		free(r->checks[i].expected);
		free(r->checks[i].observed);
		free(r->checks[i].hint);
	}
	free(r->checks);
	free(r->exercise);
	free(r->started_at);
	free(r->source_hash);
	free(r->verdict);
	free(r->inputs);
	free(r->summary);
	free(r->transcript);
	free(r->kernel);
	memset(r, 0, sizeof(*r));
}
