#include "expr.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct parser {
	const char *text, *p;
	expr_lookup lookup;
	void *arg;
	char *why;
};

static int fail(struct parser *ps, const char *what)
{
	if (!ps->why)
		ps->why = xasprintf("%s at character %d of '%s'", what,
				    (int)(ps->p - ps->text) + 1, ps->text);
	return -1;
}

static void skip(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static int expr(struct parser *ps, int64_t *v);

static int primary(struct parser *ps, int64_t *v)
{
	skip(ps);
	if (*ps->p == '(') {
		ps->p++;
		if (expr(ps, v) < 0)
			return -1;
		skip(ps);
		if (*ps->p != ')')
			return fail(ps, "')' expected");
		ps->p++;
		return 0;
	}
	if (isdigit((unsigned char)*ps->p)) {
		int hex = ps->p[0] == '0' && (ps->p[1] == 'x' || ps->p[1] == 'X') &&
			  isxdigit((unsigned char)ps->p[2]);
		char *end;
		long long n;

		errno = 0;
		n = strtoll(ps->p, &end, hex ? 16 : 10);
		if (errno == ERANGE)
			return fail(ps, "a number too large for 64 bits");
		ps->p = end;
		*v = n;
		return 0;
	}
	if (islower((unsigned char)*ps->p) || *ps->p == '_') {
		const char *start = ps->p;
		char *name, *why = NULL;

		while (islower((unsigned char)*ps->p) || isdigit((unsigned char)*ps->p) ||
		       *ps->p == '_' || (*ps->p == '.' && (islower((unsigned char)ps->p[1]) ||
							  isdigit((unsigned char)ps->p[1]) ||
							  ps->p[1] == '_')))
			ps->p++;
		if (!strncmp(ps->p, "[i]", 3))
			ps->p += 3;
		name = xstrndup(start, (size_t)(ps->p - start));
		if (!ps->lookup) {
			*v = 1;
		} else if (ps->lookup(name, v, &why, ps->arg) < 0) {
			if (!ps->why)
				ps->why = why ? why : xasprintf("no value '%s' here", name);
			else
				free(why);
			free(name);
			return -1;
		}
		free(name);
		return 0;
	}
	return fail(ps, *ps->p ? "a number, a name or '(' expected" : "unexpected end");
}

static int unary(struct parser *ps, int64_t *v)
{
	skip(ps);
	if (*ps->p == '-') {
		ps->p++;
		if (unary(ps, v) < 0)
			return -1;
		if (*v == INT64_MIN)
			return fail(ps, "a value too large for 64 bits");
		*v = -*v;
		return 0;
	}
	return primary(ps, v);
}

static int term(struct parser *ps, int64_t *v)
{
	if (unary(ps, v) < 0)
		return -1;
	for (;;) {
		char op;
		int64_t r;

		skip(ps);
		op = *ps->p;
		if (op != '*' && op != '/' && op != '%')
			return 0;
		ps->p++;
		if (unary(ps, &r) < 0)
			return -1;
		if (op != '*' && r == 0) {
			if (!ps->lookup)
				r = 1;	/* syntax only: names are 1, literals may be 0 */
			else
				return fail(ps, "division by zero");
		}
		if (op == '*' ? __builtin_mul_overflow(*v, r, v) : *v == INT64_MIN && r == -1)
			return fail(ps, "a value too large for 64 bits");
		if (op != '*')
			*v = op == '/' ? *v / r : *v % r;
	}
}

static int expr(struct parser *ps, int64_t *v)
{
	if (term(ps, v) < 0)
		return -1;
	for (;;) {
		char op;
		int64_t r;

		skip(ps);
		op = *ps->p;
		if (op != '+' && op != '-')
			return 0;
		ps->p++;
		if (term(ps, &r) < 0)
			return -1;
		if (op == '+' ? __builtin_add_overflow(*v, r, v) : __builtin_sub_overflow(*v, r, v))
			return fail(ps, "a value too large for 64 bits");
	}
}

int expr_eval(const char *text, expr_lookup lookup, void *arg, int64_t *v, char **why)
{
	struct parser ps = { text, text, lookup, arg, NULL };

	*why = NULL;
	*v = 0;
	if (expr(&ps, v) == 0) {
		skip(&ps);
		if (!*ps.p)
			return 0;
		fail(&ps, "an operator expected");
	}
	*why = ps.why;
	return -1;
}
