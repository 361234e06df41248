/*
 * Checking JSON documents written by people (lesson.json, course.json, a
 * grade declaration) against a schema of fields: schema.h.
 */
#include "schema.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const ftype_desc[] = {
	[FT_STRING] = "a non-empty string",
	[FT_INT] = "an integer",
	[FT_NUMBER] = "a number",
	[FT_BOOL] = "true or false",
	[FT_OBJECT] = "an object",
	[FT_STRINGS] = "an array of non-empty strings",
	[FT_OBJECTS] = "an array of objects",
	[FT_ARRAY] = "an array",
	[FT_ANY] = "a value",
};

const char *schema_type_desc(enum ftype t)
{
	return (size_t)t < ARRAY_SIZE(ftype_desc) ? ftype_desc[t] : "a value";
}

const char *schema_field_desc(const struct field *f)
{
	return f->desc ? f->desc : schema_type_desc(f->type);
}

/* ---- checking values against it ---- */

/* What a JSON value is, for messages. */
const char *schema_json_what(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return json_object_get_boolean(v) ? "true" : "false";
	case json_type_double:
		return "a decimal number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "an unknown value";
}

/* where.name, or name at the top level. */
char *schema_sub(const char *where, const char *name)
{
	return *where ? xasprintf("%s.%s", where, name) : xstrdup(name);
}

/*
 * A member name as a message may show it: at most 64 bytes, control
 * characters as '?' (a lesson's text reaches the terminal).
 */
char *schema_shown(const char *s)
{
	size_t n = strlen(s) > 64 ? 64 : strlen(s);
	char *t = xstrndup(s, n);

	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return t;
}

/* Whether v, the value at path, is of type t (desc: what it must be, or NULL). */
int schema_check_value(struct json_object *v, const char *path, enum ftype t, const char *desc,
		       char **cause)
{
	json_type jt = json_object_get_type(v);
	int ok = 0;

	switch (t) {
	case FT_STRING:
		ok = jt == json_type_string;
		break;
	case FT_INT:
		ok = jt == json_type_int;
		break;
	case FT_NUMBER:
		ok = jt == json_type_int || jt == json_type_double;
		break;
	case FT_BOOL:
		ok = jt == json_type_boolean;
		break;
	case FT_OBJECT:
		ok = jt == json_type_object;
		break;
	case FT_STRINGS:
	case FT_OBJECTS:
	case FT_ARRAY:
		ok = jt == json_type_array;
		break;
	case FT_ANY:
		ok = jt != json_type_null;
		break;
	}
	if (!desc)
		desc = schema_type_desc(t);
	if (!ok && jt == json_type_null) {
		*cause = xasprintf("'%s' is null: it must be %s", path, desc);
		return -1;
	}
	if (!ok) {
		*cause = xasprintf("'%s' must be %s, not %s", path, desc, schema_json_what(v));
		return -1;
	}
	if (t == FT_STRING) {
		const char *s = json_object_get_string(v);
		size_t len = (size_t)json_object_get_string_len(v);

		if (!len) {
			*cause = xasprintf("'%s' must be a non-empty string, not \"\"", path);
			return -1;
		}
		if (strlen(s) != len) {
			*cause = xasprintf("'%s' holds a NUL character (\\u0000): it must be %s "
					   "without one", path, schema_type_desc(t));
			return -1;
		}
	}
	if (t == FT_NUMBER && !isfinite(json_object_get_double(v))) {
		*cause = xasprintf("'%s' must be a finite number, not %s", path,
				   json_object_get_string(v));
		return -1;
	}
	if (t == FT_STRINGS || t == FT_OBJECTS) {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n; i++) {
			char *item = xasprintf("%s[%zu]", path, i);
			int r = schema_check_value(json_object_array_get_idx(v, i), item,
					    t == FT_STRINGS ? FT_STRING : FT_OBJECT, NULL, cause);

			free(item);
			if (r < 0)
				return -1;
		}
	}
	return 0;
}

static const struct field *find_field(const struct field *fields, const char *name)
{
	for (; fields->name; fields++)
		if (!strcmp(fields->name, name))
			return fields;
	return NULL;
}

static char *field_list(const struct field *fields)
{
	struct strbuf sb = STRBUF_INIT;

	for (const struct field *f = fields; f->name; f++)
		strbuf_addf(&sb, "%s%s", f == fields ? "" : ", ", f->name);
	return strbuf_detach(&sb, NULL);
}

/*
 * Check the object o found at where (a path such as "exercises[0]", or ""
 * for the top level) against fields: each member is known and of its type,
 * and every required field is there.  what names the object in messages.
 */
int schema_check_object(struct json_object *o, const char *where, const char *what,
			const struct field *fields, char **cause)
{
	struct json_object_iterator it = json_object_iter_begin(o);
	struct json_object_iterator end = json_object_iter_end(o);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *name = json_object_iter_peek_name(&it);
		const struct field *f = find_field(fields, name);
		char *path, *list;
		int r;

		if (!f) {
			char *s = schema_shown(name);

			path = schema_sub(where, s);
			list = field_list(fields);
			*cause = xasprintf("'%s' is not a field of %s (unknown fields are errors; "
					   "%s has %s)", path, what, what, list);
			free(list);
			free(path);
			free(s);
			return -1;
		}
		path = schema_sub(where, name);
		r = schema_check_value(json_object_iter_peek_value(&it), path, f->type, f->desc, cause);
		free(path);
		if (r < 0)
			return -1;
	}
	for (const struct field *f = fields; f->name; f++) {
		if (f->required && !json_object_object_get_ex(o, f->name, NULL)) {
			char *path = schema_sub(where, f->name);

			*cause = xasprintf("'%s' is missing: %s needs it (%s)", path, what,
					   schema_field_desc(f));
			free(path);
			return -1;
		}
	}
	return 0;
}

/* Member key of o, checked already: its value or NULL when absent. */
struct json_object *schema_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *schema_str(struct json_object *o, const char *key)
{
	struct json_object *v = schema_member(o, key);

	return v ? json_object_get_string(v) : NULL;
}

char *schema_dup(struct json_object *o, const char *key)
{
	const char *s = schema_str(o, key);

	return s ? xstrdup(s) : NULL;
}

int schema_valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

/* A module or program name: letters, digits, '_' and '-'. */
int schema_valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* ---- exercises and questions ---- */
