/*
 * Checking JSON documents written by people (lesson.json, course.json, a
 * grade declaration) against a schema: each object a table of fields
 * with their types.  Unknown fields are errors, not warnings, so a
 * misspelt field is caught at once; a message names the field by its path
 * from the top of the file, counting array items from 0
 * ('exercises[0].boot.cmdline'), and says what it must be.
 */
#ifndef KMEMLAB_SCHEMA_H
#define KMEMLAB_SCHEMA_H

struct json_object;

/* What a field's value must be. */
enum ftype {
	FT_STRING,	/* a non-empty string without NUL characters */
	FT_INT,		/* a JSON integer */
	FT_NUMBER,	/* an integer or a finite decimal number */
	FT_BOOL,
	FT_OBJECT,
	FT_STRINGS,	/* an array whose items are FT_STRING */
	FT_OBJECTS,	/* an array whose items are objects */
	FT_ARRAY,	/* an array of anything (the caller checks the items) */
	FT_ANY,		/* any value but null (the caller checks it) */
};

struct field {
	const char *name;
	enum ftype type;
	int required;	/* in every object of this kind (kind-dependent ones: 0) */
	const char *desc;	/* what it must be, when more than the type says */
};

const char *schema_type_desc(enum ftype t);
const char *schema_field_desc(const struct field *f);
/* What a JSON value is, for messages ("an integer", "null"). */
const char *schema_json_what(struct json_object *v);
/* where.name, or name at the top level (allocated). */
char *schema_sub(const char *where, const char *name);
/* A member name as a message may show it: at most 64 bytes, controls as '?'. */
char *schema_shown(const char *s);
/* Whether v, the value at path, is of type t (desc: what it must be, or NULL). */
int schema_check_value(struct json_object *v, const char *path, enum ftype t, const char *desc,
		       char **cause);
/*
 * Check the object o found at where (a path such as "exercises[0]", or ""
 * for the top level) against fields: each member is known and of its type,
 * and every required field is there.  what names the object in messages.
 * 0, or -1 with *cause (allocated).
 */
int schema_check_object(struct json_object *o, const char *where, const char *what,
			const struct field *fields, char **cause);
/* Member key of o (checked already): its value, or NULL when absent. */
struct json_object *schema_member(struct json_object *o, const char *key);
const char *schema_str(struct json_object *o, const char *key);
char *schema_dup(struct json_object *o, const char *key);
/* An id: a-z, 0-9, '-' and '_'; a name: letters, digits, '-' and '_'. */
int schema_valid_id(const char *s);
int schema_valid_name(const char *s);

#endif
