#include "grading.h"

#include <json-c/json.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "schema.h"
#include "util.h"

static const struct field grade_fields[] = {
	{ "inputs", FT_OBJECTS, 0 },
	{ "params", FT_STRING, 0 },
	{ "runs", FT_OBJECTS, 0, "a program's runs, in order: { \"name\", \"args\" } each" },
	{ "probe", FT_OBJECT, 0 },
	{ "programs", FT_OBJECTS, 0, "guest programs of the pack's own: { \"name\", \"dir\" } each" },
	{ "read", FT_OBJECTS, 0 },
	{ "tests", FT_STRING, 0, "an integer expression (how many KTAP results)" },
	{ "checks", FT_OBJECTS, 1 },
	{ NULL, 0, 0, NULL },
};

static const struct field input_fields[] = {
	{ "name", FT_STRING, 1 },
	{ "int", FT_ARRAY, 0, "[MIN, MAX], two integers, or a list of such ranges (one "
			      "chosen at random)" },
	{ "list", FT_ARRAY, 0, "an array of [MIN, MAX] pairs (or of lists of them), one per "
			       "element" },
	{ "shuffle", FT_BOOL, 0 },
	{ "choice", FT_STRINGS, 0 },
	{ NULL, 0, 0, NULL },
};

static const struct field probe_fields[] = {
	{ "dir", FT_STRING, 1, "a folder beside lesson.json with the probe's Kbuild or Makefile" },
	{ "params", FT_STRING, 0 },
	{ NULL, 0, 0, NULL },
};

static const struct field program_fields[] = {
	{ "name", FT_STRING, 1, "the program's name in the VM: /lab/NAME" },
	{ "dir", FT_STRING, 1, "a folder beside lesson.json with the program's C files" },
	{ NULL, 0, 0, NULL },
};

static const struct field run_fields[] = {
	{ "name", FT_STRING, 1 },
	{ "args", FT_STRING, 0, "the program's arguments: {NAME} is an input, {nonce} the nonce" },
	{ NULL, 0, 0, NULL },
};

static const struct field read_fields[] = {
	{ "name", FT_STRING, 1 },
	{ "when", FT_STRING, 0, "\"start\", \"before\", \"loaded\", \"after\" (the default), "
				"\"before RUN\" or \"after RUN\"" },
	{ "run", FT_STRING, 1 },
	{ NULL, 0, 0, NULL },
};

static const struct field check_fields[] = {
	{ "name", FT_STRING, 1 },
	{ "kind", FT_STRING, 1, "\"ktap\", \"nonce\", \"results\", \"value\", \"log\", \"output\", "
				"\"exit\" or \"script\"" },
	{ "hint", FT_STRING, 0 },
	{ "key", FT_STRING, 0 },
	{ "keys", FT_STRINGS, 0 },
	{ "expect", FT_ANY, 0, "an expression, or one per key" },
	{ "within", FT_STRING, 0, "an expression: how far from expect" },
	{ "one_of", FT_STRINGS, 0 },
	{ "match", FT_STRING, 0, "an extended regular expression" },
	{ "require", FT_STRING, 0, "an extended regular expression" },
	{ "forbid", FT_STRING, 0, "an extended regular expression" },
	{ "status", FT_INT, 0 },
	{ "run", FT_STRING, 0, "a busybox sh script beside lesson.json" },
	{ "args", FT_STRING, 0, "the script's arguments: {NAME} is an input, {nonce} the nonce" },
	{ "results", FT_STRINGS, 0, "the names of further checks the script's results 2, 3, ... grade" },
	{ "in", FT_STRINGS, 0, "the names of the program's runs it reads" },
	{ "needs", FT_STRINGS, 0, "the names of earlier checks that must pass first" },
	{ "value", FT_STRING, 0, "an expression over the inputs, the truth and the readings" },
	{ "at_least", FT_STRING, 0, "an expression: the least the value may be" },
	{ "at_most", FT_STRING, 0, "an expression: the most the value may be" },
	{ NULL, 0, 0, NULL },
};

/* Which fields each kind of check may have, beyond name, kind and hint. */
static const struct {
	const char *kind;
	enum grading_check_kind k;
	const char *fields[8];
} check_kinds[] = {
	{ "ktap", GCHECK_KTAP, { NULL } },
	{ "nonce", GCHECK_NONCE, { NULL } },
	{ "results", GCHECK_RESULTS, { "key", "keys", "expect", "within", "one_of", "match", NULL } },
	{ "log", GCHECK_LOG, { "require", "forbid", NULL } },
	{ "output", GCHECK_OUTPUT, { "require", "forbid", "in", NULL } },
	{ "exit", GCHECK_EXIT, { "status", "in", NULL } },
	{ "script", GCHECK_SCRIPT, { "run", "args", "results", NULL } },
	{ "value", GCHECK_VALUE, { "value", "expect", "within", "at_least", "at_most", NULL } },
};

static int syntax(const char *e, const char *path, char **cause)
{
	int64_t v;
	char *why;

	if (expr_eval(e, NULL, NULL, &v, &why) == 0)
		return 0;
	*cause = xasprintf("'%s' is not an integer expression: %s", path, why);
	free(why);
	return -1;
}

static int regex_ok(const char *re, const char *path, char **cause)
{
	regex_t r;
	int rc = regcomp(&r, re, REG_EXTENDED | REG_NOSUB);

	if (rc) {
		char msg[128];

		regerror(rc, &r, msg, sizeof(msg));
		*cause = xasprintf("'%s' is not an extended regular expression: %s", path, msg);
		return -1;
	}
	regfree(&r);
	return 0;
}

/*
 * One value's ranges at path: [MIN, MAX], or (with alternatives) a list of
 * such pairs, one chosen at random.
 */
static int range(struct json_object *v, const char *path, int64_t out[2], char **cause);

static int value(struct json_object *v, const char *path, int alternatives,
		 struct grading_value *gv, char **cause)
{
	int many = alternatives && json_object_is_type(v, json_type_array) &&
		   json_object_array_length(v) > 0 &&
		   json_object_is_type(json_object_array_get_idx(v, 0), json_type_array);
	size_t n = many ? json_object_array_length(v) : 1;

	gv->alt = xcalloc(n, sizeof(*gv->alt));
	for (size_t i = 0; i < n; i++) {
		char *p = many ? xasprintf("%s[%zu]", path, i) : xstrdup(path);
		int r = range(many ? json_object_array_get_idx(v, i) : v, p, gv->alt[i], cause);

		free(p);
		if (r < 0)
			return -1;
		gv->nalt++;
	}
	return 0;
}

/* An [MIN, MAX] pair of integers at path. */
static int range(struct json_object *v, const char *path, int64_t out[2], char **cause)
{
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2 ||
	    !json_object_is_type(json_object_array_get_idx(v, 0), json_type_int) ||
	    !json_object_is_type(json_object_array_get_idx(v, 1), json_type_int)) {
		*cause = xasprintf("'%s' must be [MIN, MAX], two integers", path);
		return -1;
	}
	out[0] = json_object_get_int64(json_object_array_get_idx(v, 0));
	out[1] = json_object_get_int64(json_object_array_get_idx(v, 1));
	/* One 32-bit draw covers it: MAX - MIN < 2^32. */
	if (out[0] > out[1] || out[0] < -0x80000000LL || out[1] > 0xffffffffLL ||
	    out[1] - out[0] > 0xffffffffLL) {
		*cause = xasprintf("'%s' must have -2147483648 <= MIN <= MAX <= 4294967295, "
				   "and MAX - MIN <= 4294967295", path);
		return -1;
	}
	return 0;
}

static int load_input(struct json_object *o, const char *where, struct grading_input *in,
		      char **cause)
{
	struct json_object *v;
	int kinds = 0;

	if (schema_check_object(o, where, "an input", input_fields, cause) < 0)
		return -1;
	in->name = schema_dup(o, "name");
	if (!schema_valid_id(in->name) || !strcmp(in->name, "nonce")) {
		*cause = xasprintf("'%s.name' ('%s') must be a-z, 0-9, '-' or '_', and not "
				   "'nonce' (which every attempt has)", where, in->name);
		return -1;
	}
	kinds = !!schema_member(o, "int") + !!schema_member(o, "list") +
		!!schema_member(o, "choice");
	if (kinds != 1) {
		*cause = xasprintf("'%s' must have exactly one of \"int\", \"list\" and \"choice\"",
				   where);
		return -1;
	}
	if ((v = schema_member(o, "int"))) {
		char *p = schema_sub(where, "int");

		in->kind = INPUT_INT;
		in->values = xcalloc(1, sizeof(*in->values));
		in->nvalues = 1;
		if (value(v, p, 1, &in->values[0], cause) < 0) {
			free(p);
			return -1;
		}
		free(p);
	} else if ((v = schema_member(o, "list"))) {
		size_t n = json_object_array_length(v);

		in->kind = INPUT_LIST;
		if (n < 1 || n > 64) {
			*cause = xasprintf("'%s.list' must have 1 to 64 ranges", where);
			return -1;
		}
		in->values = xcalloc(n, sizeof(*in->values));
		for (size_t i = 0; i < n; i++) {
			char *p = xasprintf("%s.list[%zu]", where, i);
			int r = value(json_object_array_get_idx(v, i), p, 1, &in->values[i], cause);

			in->nvalues++;
			free(p);
			if (r < 0)
				return -1;
		}
		in->shuffle = schema_member(o, "shuffle") &&
			      json_object_get_boolean(schema_member(o, "shuffle"));
	} else {
		v = schema_member(o, "choice");
		in->kind = INPUT_CHOICE;
		in->nchoices = (int)json_object_array_length(v);
		if (in->nchoices < 1) {
			*cause = xasprintf("'%s.choice' must have one choice or more", where);
			return -1;
		}
		in->choices = xcalloc((size_t)in->nchoices, sizeof(char *));
		for (int i = 0; i < in->nchoices; i++)
			in->choices[i] = xstrdup(json_object_get_string(
				json_object_array_get_idx(v, (size_t)i)));
	}
	if (in->kind != INPUT_LIST && schema_member(o, "shuffle")) {
		*cause = xasprintf("'%s.shuffle' is for a \"list\" input", where);
		return -1;
	}
	return 0;
}

static char *beside(const char *lesson_dir, const char *name, const char *path, char **cause,
		    int dir)
{
	char *p;

	if (name[0] == '/' || strstr(name, "..")) {
		*cause = xasprintf("'%s' ('%s') must be a path inside the lesson's folder", path,
				   name);
		return NULL;
	}
	p = path_join(lesson_dir, name);
	if (dir ? !is_dir(p) : !is_file(p)) {
		*cause = xasprintf("'%s': '%s' is not a %s", path, p, dir ? "folder" : "file");
		free(p);
		return NULL;
	}
	return p;
}

/*
 * Pattern t with each placeholder that grading fills in ({nonce}, {NAME}
 * or {NAME[K]} of an input, {reading...}) made "0", so that the pattern
 * can be checked when the course loads; other braces stay, as regex
 * intervals ("a{2,3}").
 */
static char *placeholders_zeroed(const struct grading *g, const char *t)
{
	struct strbuf sb = STRBUF_INIT;

	for (const char *s = t; *s;) {
		const char *close = *s == '{' ? strchr(s, '}') : NULL;
		size_t len = close ? (size_t)(close - s - 1) : 0, name = strcspn(s + 1, "[}");
		int hit = close && ((len == 5 && !strncmp(s + 1, "nonce", 5)) ||
				    (len > 8 && !strncmp(s + 1, "reading.", 8)));

		for (int k = 0; close && !hit && k < g->ninputs; k++)
			hit = name <= len && strlen(g->inputs[k].name) == name &&
			      !strncmp(g->inputs[k].name, s + 1, name);
		if (hit) {
			strbuf_addch(&sb, '0');
			s = close + 1;
		} else {
			strbuf_addch(&sb, *s++);
		}
	}
	return strbuf_detach(&sb, NULL);
}

static int find_run(const struct grading *g, const char *name)
{
	for (int i = 0; i < g->nruns; i++)
		if (!strcmp(g->runs[i].name, name))
			return i;
	return -1;
}

/*
 * Where name is among the names the checks before check `before` give
 * (their own and their "results", in grading_check_names() order), or -1.
 */
static int find_check(const struct grading *g, int before, const char *name)
{
	int at = 0;

	for (int i = 0; i < before; i++) {
		if (!strcmp(g->checks[i].name, name))
			return at;
		at++;
		for (int k = 0; k < g->checks[i].nresults; k++, at++)
			if (!strcmp(g->checks[i].results[k], name))
				return at;
	}
	return -1;
}

/*
 * The names in array field "field" of check o, as indexes: of the
 * program's runs ("in"), or of the checks before check self ("needs").
 */
static int name_list(struct json_object *o, const char *where, const char *field,
		     const struct grading *g, int self, int **out, int *n, char **cause)
{
	struct json_object *v = schema_member(o, field);
	size_t len = v ? json_object_array_length(v) : 0;

	if (!v)
		return 0;
	if (self < 0 && len > (size_t)g->nruns) {
		*cause = xasprintf("'%s.%s' names %zu runs, and the program has %d", where, field,
				   len, g->nruns);
		return -1;
	}
	*out = xcalloc(len + 1, sizeof(int));
	for (size_t j = 0; j < len; j++) {
		const char *name = json_object_get_string(json_object_array_get_idx(v, j));
		int k = self < 0 ? find_run(g, name) : find_check(g, self, name);

		if (k < 0) {
			*cause = self < 0
				? xasprintf("'%s.%s[%zu]' (\"%s\") is not one of the program's "
					    "\"runs\"", where, field, j, name)
				: xasprintf("'%s.%s[%zu]' (\"%s\") is not the name of an earlier "
					    "check", where, field, j, name);
			return -1;
		}
		(*out)[(*n)++] = k;
	}
	return 0;
}

static int load_check(struct json_object *o, const char *where, const char *lesson_dir,
		      const struct grading *g, int self, struct grading_check *c, char **cause)
{
	const char *kind;
	size_t k;
	struct json_object *it;
	struct json_object_iterator i, end;

	if (schema_check_object(o, where, "a check", check_fields, cause) < 0)
		return -1;
	c->name = schema_dup(o, "name");
	c->hint = schema_dup(o, "hint");
	kind = schema_str(o, "kind");
	for (k = 0; k < ARRAY_SIZE(check_kinds); k++)
		if (!strcmp(check_kinds[k].kind, kind))
			break;
	if (k == ARRAY_SIZE(check_kinds)) {
		char *s = schema_shown(kind);

		*cause = xasprintf("'%s.kind' (\"%s\") is not a kind of check: \"ktap\", \"nonce\", "
				   "\"results\", \"value\", \"log\", \"output\", \"exit\" or \"script\"",
				   where, s);
		free(s);
		return -1;
	}
	c->kind = check_kinds[k].k;
	/* A field of another kind of check is an error, not ignored. */
	i = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&i, &end); json_object_iter_next(&i)) {
		const char *name = json_object_iter_peek_name(&i);
		int ok = !strcmp(name, "name") || !strcmp(name, "kind") || !strcmp(name, "hint") ||
			 !strcmp(name, "needs");

		for (int f = 0; !ok && check_kinds[k].fields[f]; f++)
			ok = !strcmp(check_kinds[k].fields[f], name);
		if (!ok) {
			*cause = xasprintf("'%s.%s' is not a field of a \"%s\" check", where, name,
					   kind);
			return -1;
		}
	}
	switch (c->kind) {
	case GCHECK_RESULTS: {
		int ops = !!schema_member(o, "expect") + !!schema_member(o, "one_of") +
			  !!schema_member(o, "match");
		struct json_object *e = schema_member(o, "expect");

		if (!!schema_member(o, "key") + !!schema_member(o, "keys") != 1) {
			*cause = xasprintf("'%s' must have \"key\" or \"keys\" (the KTAP comment's "
					   "keys to compare)", where);
			return -1;
		}
		if (schema_member(o, "key")) {
			c->keys = xcalloc(1, sizeof(char *));
			c->keys[c->nkeys++] = schema_dup(o, "key");
		} else {
			it = schema_member(o, "keys");
			c->keys = xcalloc(json_object_array_length(it) + 1, sizeof(char *));
			for (size_t j = 0; j < json_object_array_length(it); j++)
				c->keys[c->nkeys++] = xstrdup(json_object_get_string(
					json_object_array_get_idx(it, j)));
		}
		if (ops != 1 || (schema_member(o, "within") && !e)) {
			*cause = xasprintf("'%s' must have one of \"expect\" (with \"within\" for a "
					   "tolerance), \"one_of\" and \"match\"", where);
			return -1;
		}
		if (e) {
			int arr = json_object_is_type(e, json_type_array);
			size_t n = arr ? json_object_array_length(e) : 1;

			if ((!arr && !json_object_is_type(e, json_type_string)) ||
			    (int)n != c->nkeys) {
				*cause = xasprintf("'%s.expect' must be an expression (a string) for "
						   "\"key\", or an array of one per key", where);
				return -1;
			}
			c->op = schema_member(o, "within") ? OP_WITHIN : OP_EQUAL;
			c->expect = xcalloc(n + 1, sizeof(char *));
			for (size_t j = 0; j < n; j++) {
				struct json_object *x = arr ? json_object_array_get_idx(e, j) : e;
				char *p = arr ? xasprintf("%s.expect[%zu]", where, j)
					      : schema_sub(where, "expect");

				if (!json_object_is_type(x, json_type_string)) {
					*cause = xasprintf("'%s' must be an expression (a string)", p);
					free(p);
					return -1;
				}
				c->expect[c->nexpect++] = xstrdup(json_object_get_string(x));
				if (syntax(c->expect[j], p, cause) < 0) {
					free(p);
					return -1;
				}
				free(p);
			}
			if (c->op == OP_WITHIN) {
				char *p = schema_sub(where, "within");

				c->tolerance = schema_dup(o, "within");
				if (syntax(c->tolerance, p, cause) < 0) {
					free(p);
					return -1;
				}
				free(p);
			}
		} else if ((it = schema_member(o, "one_of"))) {
			c->op = OP_ONE_OF;
			c->expect = xcalloc(json_object_array_length(it) + 1, sizeof(char *));
			for (size_t j = 0; j < json_object_array_length(it); j++) {
				char *p = xasprintf("%s.one_of[%zu]", where, j);

				c->expect[c->nexpect++] = xstrdup(json_object_get_string(
					json_object_array_get_idx(it, j)));
				if (syntax(c->expect[j], p, cause) < 0) {
					free(p);
					return -1;
				}
				free(p);
			}
		} else {
			char *p = schema_sub(where, "match");

			c->op = OP_MATCH;
			c->pattern = schema_dup(o, "match");
			if (regex_ok(c->pattern, p, cause) < 0) {
				free(p);
				return -1;
			}
			free(p);
		}
		break;
	}
	case GCHECK_LOG:
	case GCHECK_OUTPUT: {
		char *p, *z;
		int r;

		if (!!schema_member(o, "require") + !!schema_member(o, "forbid") != 1) {
			*cause = xasprintf("'%s' must have \"require\" or \"forbid\"", where);
			return -1;
		}
		c->require = schema_dup(o, "require");
		c->forbid = schema_dup(o, "forbid");
		p = schema_sub(where, c->require ? "require" : "forbid");
		z = placeholders_zeroed(g, c->require ? c->require : c->forbid);
		r = regex_ok(z, p, cause);
		free(z);
		free(p);
		if (r < 0)
			return -1;
		break;
	}
	case GCHECK_VALUE: {
		static const char *const fields[] = { "value", "expect", "within", "at_least",
						      "at_most" };
		char **to[] = { &c->value, NULL, &c->tolerance, &c->at_least, &c->at_most };
		int bounds = schema_member(o, "at_least") || schema_member(o, "at_most");

		if (!schema_member(o, "value") || !!schema_member(o, "expect") + bounds != 1 ||
		    (schema_member(o, "within") && !schema_member(o, "expect"))) {
			*cause = xasprintf("'%s' must have \"value\" and either \"expect\" (with "
					   "\"within\" for a tolerance) or \"at_least\" and/or "
					   "\"at_most\"", where);
			return -1;
		}
		if (schema_member(o, "expect")) {
			if (!json_object_is_type(schema_member(o, "expect"), json_type_string)) {
				*cause = xasprintf("'%s.expect' must be an expression (a string)",
						   where);
				return -1;
			}
			c->expect = xcalloc(2, sizeof(char *));
			c->expect[c->nexpect++] = schema_dup(o, "expect");
			c->op = schema_member(o, "within") ? OP_WITHIN : OP_EQUAL;
		}
		for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
			char *p, *e = f == 1 ? (c->expect ? c->expect[0] : NULL) : schema_dup(o, fields[f]);
			int r;

			if (f != 1)
				*to[f] = e;
			if (!e)
				continue;
			p = schema_sub(where, fields[f]);
			r = syntax(e, p, cause);
			free(p);
			if (r < 0)
				return -1;
		}
		break;
	}
	case GCHECK_EXIT:
		c->status = schema_member(o, "status") ? json_object_get_int(schema_member(o, "status"))
						       : 0;
		break;
	case GCHECK_SCRIPT: {
		char *p = schema_sub(where, "run");

		if (!schema_member(o, "run")) {
			*cause = xasprintf("'%s' is missing: a \"script\" check needs its script", p);
			free(p);
			return -1;
		}
		c->script = beside(lesson_dir, schema_str(o, "run"), p, cause, 0);
		free(p);
		if (!c->script)
			return -1;
		c->args = schema_dup(o, "args");
		if ((it = schema_member(o, "results"))) {
			size_t n = json_object_array_length(it);

			if (n < 1 || n > 64) {
				*cause = xasprintf("'%s.results' must name 1 to 64 further checks", where);
				return -1;
			}
			c->results = xcalloc(n + 1, sizeof(char *));
			for (size_t j = 0; j < n; j++) {
				c->results[c->nresults++] = xstrdup(json_object_get_string(
					json_object_array_get_idx(it, j)));
				if (!schema_valid_id(c->results[j])) {
					*cause = xasprintf("'%s.results[%zu]' ('%s') must be a-z, 0-9, '-' "
							   "or '_'", where, j, c->results[j]);
					return -1;
				}
			}
		}
		break;
	}
	default:
		break;
	}
	if (schema_member(o, "in") && !g->nruns) {
		*cause = xasprintf("'%s.in' names runs, but the exercise declares no \"runs\"",
				   where);
		return -1;
	}
	if (name_list(o, where, "in", g, -1, &c->in, &c->nin, cause) < 0 ||
	    name_list(o, where, "needs", g, self, &c->needs, &c->nneeds, cause) < 0)
		return -1;
	return 0;
}

/* A program's "runs": each named, in order. */
static int load_runs(struct json_object *v, const char *where, struct grading *g, char **cause)
{
	size_t n = json_object_array_length(v);

	if (n < 1 || n > 16) {
		*cause = xasprintf("'%s.runs' must have 1 to 16 runs", where);
		return -1;
	}
	g->runs = xcalloc(n + 1, sizeof(*g->runs));
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(v, i);
		struct grading_run *run = &g->runs[g->nruns++];
		char *p = xasprintf("%s.runs[%zu]", where, i);

		if (schema_check_object(r, p, "a run", run_fields, cause) < 0) {
			free(p);
			return -1;
		}
		run->name = schema_dup(r, "name");
		run->args = schema_member(r, "args") ? schema_dup(r, "args") : xstrdup("");
		if (!schema_valid_id(run->name) || find_run(g, run->name) < g->nruns - 1) {
			*cause = xasprintf("'%s.name' ('%s') must be a-z, 0-9, '-' or '_', and not "
					   "the name of another run", p, run->name);
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

/* "programs": guest programs of the pack's own, each a folder beside lesson.json. */
static int load_programs(struct json_object *v, const char *where, const char *lesson_dir,
			 struct grading *g, char **cause)
{
	size_t n = json_object_array_length(v);

	if (n > 16) {
		*cause = xasprintf("'%s.programs' has %zu programs: at most 16", where, n);
		return -1;
	}
	g->programs = xcalloc(n + 1, sizeof(*g->programs));
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(v, i);
		struct grading_program *pg = &g->programs[g->nprograms];
		char *p = xasprintf("%s.programs[%zu]", where, i), *d;
		int dup = 0;

		if (schema_check_object(o, p, "a program", program_fields, cause) < 0) {
			free(p);
			return -1;
		}
		pg->name = schema_dup(o, "name");
		g->nprograms++;
		for (int k = 0; k < g->nprograms - 1; k++)
			dup |= !strcmp(g->programs[k].name, pg->name);
		if (!schema_valid_id(pg->name) || dup) {
			*cause = xasprintf("'%s.name' ('%s') must be a-z, 0-9, '-' or '_', and not the "
					   "name of another program", p, pg->name);
			free(p);
			return -1;
		}
		d = schema_sub(p, "dir");
		pg->dir = beside(lesson_dir, schema_str(o, "dir"), d, cause, 1);
		free(d);
		free(p);
		if (!pg->dir)
			return -1;
	}
	return 0;
}

/* A reading's "when", at path p: 0, or -1 with *cause. */
static int load_when(const char *when, const char *p, int program, const struct grading *g,
		     struct grading_read *rd, char **cause)
{
	static const struct {
		const char *word;
		enum grading_when when;
		int program;	/* 1: a program's only; -1: a module's only */
	} words[] = {
		{ "start", READ_START, 1 },
		{ "before", READ_BEFORE, 0 },
		{ "loaded", READ_LOADED, -1 },
		{ "after", READ_AFTER, 0 },
	};
	const char *sp = when ? strchr(when, ' ') : NULL;

	rd->when = READ_AFTER;
	if (!when)
		return 0;
	if (sp) {
		rd->run = find_run(g, sp + 1);
		if ((size_t)(sp - when) == 6 && !strncmp(when, "before", 6))
			rd->when = READ_BEFORE_RUN;
		else if ((size_t)(sp - when) == 5 && !strncmp(when, "after", 5))
			rd->when = READ_AFTER_RUN;
		else
			rd->run = -1;
		if (rd->run >= 0)
			return 0;
		*cause = xasprintf("'%s.when' (\"%s\"): after \"before\" or \"after\" comes the "
				   "name of one of the program's \"runs\"", p, when);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (strcmp(words[i].word, when))
			continue;
		if ((words[i].program > 0 && !program) || (words[i].program < 0 && program)) {
			*cause = xasprintf("'%s.when' (\"%s\") is for a %s exercise, and this one "
					   "is a %s", p, when, program ? "module" : "program",
					   program ? "program" : "module");
			return -1;
		}
		rd->when = words[i].when;
		return 0;
	}
	*cause = xasprintf("'%s.when' (\"%s\") must be \"start\", \"before\", \"loaded\", "
			   "\"after\", \"before RUN\" or \"after RUN\"", p, when);
	return -1;
}

/* Every check name once, none of kmemlab's own: 0, or -1 with *cause. */
static int unique_names(const struct grading *g, const char *where, char **cause)
{
	static const char *const own[] = { "build", "load", "runs", "unload", "cleanup" };
	const char **names = grading_check_names(g);
	int ret = 0;

	for (int i = 0; names[i] && !ret; i++) {
		int twice = 0;

		for (size_t k = 0; k < ARRAY_SIZE(own); k++)
			twice |= !strcmp(names[i], own[k]);
		for (int k = 0; k < i; k++)
			twice |= !strcmp(names[i], names[k]);
		if (twice) {
			*cause = xasprintf("'%s.checks': check '%s' is named twice (build, load, runs, "
					   "unload and cleanup are kmemlab's own)", where, names[i]);
			ret = -1;
		}
	}
	free(names);
	return ret;
}

int grading_load(struct json_object *o, const char *where, const char *lesson_dir,
		 int program, struct grading *g, char **cause)
{
	struct json_object *v;

	memset(g, 0, sizeof(*g));
	if (schema_check_object(o, where, "a grade", grade_fields, cause) < 0)
		return -1;
	g->params = schema_dup(o, "params");
	if ((v = schema_member(o, "runs"))) {
		if (!program || g->params) {
			*cause = xasprintf("'%s.runs' is for a program exercise, instead of "
					   "\"params\"", where);
			return -1;
		}
		if (load_runs(v, where, g, cause) < 0)
			return -1;
	}
	g->tests = schema_dup(o, "tests");
	if (g->tests) {
		char *p = schema_sub(where, "tests");
		int r = syntax(g->tests, p, cause);

		free(p);
		if (r < 0)
			return -1;
	}
	if ((v = schema_member(o, "inputs"))) {
		size_t n = json_object_array_length(v);

		g->inputs = xcalloc(n + 1, sizeof(*g->inputs));
		for (size_t i = 0; i < n; i++) {
			char *p = xasprintf("%s.inputs[%zu]", where, i);
			int r = load_input(json_object_array_get_idx(v, i), p, &g->inputs[g->ninputs++],
					   cause);

			free(p);
			if (r < 0)
				return -1;
			for (int k = 0; k < g->ninputs - 1; k++)
				if (!strcmp(g->inputs[k].name, g->inputs[g->ninputs - 1].name)) {
					*cause = xasprintf("'%s.inputs[%zu].name': input '%s' is "
							   "declared twice", where, i,
							   g->inputs[k].name);
					return -1;
				}
		}
	}
	if ((v = schema_member(o, "probe"))) {
		char *p = schema_sub(where, "probe"), *d;

		if (schema_check_object(v, p, "a probe", probe_fields, cause) < 0) {
			free(p);
			return -1;
		}
		d = schema_sub(p, "dir");
		g->probe_dir = beside(lesson_dir, schema_str(v, "dir"), d, cause, 1);
		free(d);
		free(p);
		if (!g->probe_dir)
			return -1;
		g->probe_params = schema_dup(v, "params");
	}
	if ((v = schema_member(o, "programs")) && load_programs(v, where, lesson_dir, g, cause) < 0)
		return -1;
	if ((v = schema_member(o, "read"))) {
		size_t n = json_object_array_length(v);

		g->reads = xcalloc(n + 1, sizeof(*g->reads));
		for (size_t i = 0; i < n; i++) {
			struct json_object *r = json_object_array_get_idx(v, i);
			struct grading_read *rd = &g->reads[g->nreads++];
			char *p = xasprintf("%s.read[%zu]", where, i);

			if (schema_check_object(r, p, "a reading", read_fields, cause) < 0) {
				free(p);
				return -1;
			}
			rd->name = schema_dup(r, "name");
			rd->script = schema_dup(r, "run");
			if (!schema_valid_id(rd->name)) {
				*cause = xasprintf("'%s.name' ('%s') must be a-z, 0-9, '-' or '_'", p,
						   rd->name);
				free(p);
				return -1;
			}
			if (load_when(schema_str(r, "when"), p, program, g, rd, cause) < 0) {
				free(p);
				return -1;
			}
			free(p);
		}
	}
	v = schema_member(o, "checks");
	{
		size_t n = json_object_array_length(v);

		if (!n) {
			*cause = xasprintf("'%s.checks' must have one check or more", where);
			return -1;
		}
		g->checks = xcalloc(n + 1, sizeof(*g->checks));
		for (size_t i = 0; i < n; i++) {
			char *p = xasprintf("%s.checks[%zu]", where, i);
			int r = load_check(json_object_array_get_idx(v, i), p, lesson_dir, g,
					   g->nchecks, &g->checks[g->nchecks], cause);

			g->nchecks++;

			free(p);
			if (r < 0)
				return -1;
		}
	}
	return unique_names(g, where, cause);
}

void grading_release(struct grading *g)
{
	for (int i = 0; i < g->ninputs; i++) {
		free(g->inputs[i].name);
		for (int k = 0; k < g->inputs[i].nvalues; k++)
			free(g->inputs[i].values[k].alt);
		free(g->inputs[i].values);
		for (int k = 0; k < g->inputs[i].nchoices; k++)
			free(g->inputs[i].choices[k]);
		free(g->inputs[i].choices);
	}
	free(g->inputs);
	for (int i = 0; i < g->nreads; i++) {
		free(g->reads[i].name);
		free(g->reads[i].script);
	}
	free(g->reads);
	for (int i = 0; i < g->nchecks; i++) {
		struct grading_check *c = &g->checks[i];

		free(c->name);
		free(c->hint);
		for (int k = 0; k < c->nkeys; k++)
			free(c->keys[k]);
		free(c->keys);
		for (int k = 0; k < c->nexpect; k++)
			free(c->expect[k]);
		free(c->expect);
		free(c->tolerance);
		free(c->value);
		free(c->at_least);
		free(c->at_most);
		free(c->pattern);
		free(c->require);
		free(c->forbid);
		free(c->script);
		free(c->args);
		free(c->in);
		free(c->needs);
		for (int k = 0; k < c->nresults; k++)
			free(c->results[k]);
		free(c->results);
	}
	for (int i = 0; i < g->nruns; i++) {
		free(g->runs[i].name);
		free(g->runs[i].args);
	}
	free(g->runs);
	for (int i = 0; i < g->nprograms; i++) {
		free(g->programs[i].name);
		free(g->programs[i].dir);
	}
	free(g->programs);
	free(g->checks);
	free(g->params);
	free(g->probe_dir);
	free(g->probe_params);
	free(g->tests);
	memset(g, 0, sizeof(*g));
}

const char **grading_check_names(const struct grading *g)
{
	const char **names;
	int n = 0;

	for (int i = 0; i < g->nchecks; i++)
		n += 1 + g->checks[i].nresults;
	names = xcalloc((size_t)n + 1, sizeof(*names));
	n = 0;
	for (int i = 0; i < g->nchecks; i++) {
		names[n++] = g->checks[i].name;
		for (int k = 0; k < g->checks[i].nresults; k++)
			names[n++] = g->checks[i].results[k];
	}
	return names;
}
