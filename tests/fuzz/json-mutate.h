/*
 * A structure-aware mutation of a JSON document for libFuzzer's custom
 * mutators (fuzz_lesson, fuzz_bundle_members): one value, chosen at
 * random, is replaced by null or a value of another type, or its member
 * is left out, or a member is added to an object, or an array item is
 * repeated.  Byte mutations alone seldom turn a value into a well-formed
 * null, or leave out exactly one member.
 *
 * The caller gives the member names to add (the format's own, and some
 * it does not have) and strings worth trying as values.
 */
#ifndef KMEMLAB_FUZZ_JSON_MUTATE_H
#define KMEMLAB_FUZZ_JSON_MUTATE_H

#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct json_words {
	const char *const *names;
	size_t nnames;
	const char *const *strings;
	size_t nstrings;
};

static unsigned int rnd_state;

static unsigned int rnd(unsigned int n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static struct json_object *random_value(const struct json_words *w)
{
	static const int64_t ints[] = { 0, 1, -1, 2, 63, 64, 4096, 4097, 999, 1000,
					2147483647, 2147483648LL, INT64_MAX, INT64_MIN };
	static const double doubles[] = { 0.5, -0.5, 1.0, 1e300 };

	switch (rnd(8)) {
	case 0:
		return NULL;	/* null */
	case 1:
		return json_object_new_int64(ints[rnd(ARRAY_SIZE(ints))]);
	case 2:
		switch (rnd(4)) {
		case 0:
			return json_object_new_double(NAN);
		case 1:
			return json_object_new_double(rnd(2) ? INFINITY : -INFINITY);
		default:
			return json_object_new_double(doubles[rnd(ARRAY_SIZE(doubles))]);
		}
	case 3:
		if (!rnd(8))	/* a string holding a NUL */
			return json_object_new_string_len("a\0b", 3);
		return json_object_new_string(w->strings[rnd((unsigned int)w->nstrings)]);
	case 4:
		return json_object_new_boolean((int)rnd(2));
	case 5:
		return json_object_new_object();
	case 6:
		return json_object_new_array();
	default: {
		struct json_object *a = json_object_new_array();

		json_object_array_add(a, json_object_new_string(
						 w->strings[rnd((unsigned int)w->nstrings)]));
		return a;
	}
	}
}

/* The k-th value of the document (depth first) and where it is. */
struct json_spot {
	int k, seen;
	struct json_object *parent, *node;
	char *key;	/* its name in parent, or NULL in an array */
	size_t idx;
};

static void find_spot(struct json_object *parent, const char *key, size_t idx,
		      struct json_object *o, struct json_spot *sp)
{
	if (sp->seen++ == sp->k) {
		sp->parent = parent;
		sp->node = o;
		sp->key = key ? xstrdup(key) : NULL;
		sp->idx = idx;
	}
	if (json_object_is_type(o, json_type_object)) {
		struct json_object_iterator it = json_object_iter_begin(o);
		struct json_object_iterator end = json_object_iter_end(o);

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			find_spot(o, json_object_iter_peek_name(&it), 0,
				  json_object_iter_peek_value(&it), sp);
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			find_spot(o, NULL, i, json_object_array_get_idx(o, i), sp);
	}
}

static void put_spot(struct json_spot *sp, struct json_object **root, struct json_object *v)
{
	if (!sp->parent) {
		json_object_put(*root);
		*root = v;
	} else if (sp->key) {
		json_object_object_add(sp->parent, sp->key, v);
	} else {
		json_object_array_put_idx(sp->parent, sp->idx, v);
	}
}

/* One mutation of root (which it may replace): the new root. */
static struct json_object *json_mutate(struct json_object *root, const struct json_words *w)
{
	struct json_spot sp = { 0, 0, NULL, NULL, NULL, 0 };

	find_spot(NULL, NULL, 0, root, &sp);	/* counts the values */
	sp.k = (int)rnd((unsigned int)sp.seen);
	sp.seen = 0;
	find_spot(NULL, NULL, 0, root, &sp);
	switch (rnd(5)) {
	case 0:
	case 1:	/* another value */
		put_spot(&sp, &root, random_value(w));
		break;
	case 2:	/* left out */
		if (sp.parent && sp.key)
			json_object_object_del(sp.parent, sp.key);
		else if (sp.parent)
			json_object_array_del_idx(sp.parent, sp.idx, 1);
		break;
	case 3:	/* a member added */
		if (json_object_is_type(sp.node, json_type_object))
			json_object_object_add(sp.node, w->names[rnd((unsigned int)w->nnames)],
					       random_value(w));
		else if (sp.parent && sp.key)
			json_object_object_add(sp.parent, w->names[rnd((unsigned int)w->nnames)],
					       random_value(w));
		break;
	default:	/* an array item twice */
		if (sp.parent && !sp.key) {
			struct json_object *copy = NULL;

			if (json_object_deep_copy(sp.node, &copy, NULL) == 0)
				json_object_array_add(sp.parent, copy);
		}
		break;
	}
	free(sp.key);
	return root;
}

/*
 * The len bytes at text, mutated as JSON, allocated (with *out_len), or
 * NULL when they are not a JSON document.
 */
static char *json_mutate_text(const char *text, size_t len, const struct json_words *w,
			      size_t *out_len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	char *out = NULL;

	if (json_tokener_get_error(tok) == json_tokener_success && root &&
	    json_tokener_get_parse_end(tok) == len) {
		const char *s;

		root = json_mutate(root, w);
		s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
		out = xstrdup(s ? s : "null");
		*out_len = strlen(out);
	}
	json_object_put(root);
	json_tokener_free(tok);
	return out;
}

#endif
