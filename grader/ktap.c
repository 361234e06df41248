#include "ktap.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * The decimal number at s, from 0 to INT_MAX, with *end after it; -1 when
 * there is none or it is larger (which an int would wrap: "ok 4294967297"
 * must not read as result 1).
 */
static int parse_count(const char *s, const char **end)
{
	long long v = 0;
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -1;
	}
	*end = p;
	return (int)v;
}

static void add_result(struct ktap_doc *doc, int ok, const char *rest)
{
	struct ktap_result *r;
	const char *end, *hash, *name;
	int num = parse_count(rest, &end);

	if (num <= 0)
		return;
	doc->results = xrealloc(doc->results, (size_t)(doc->nresults + 1) * sizeof(*r));
	r = &doc->results[doc->nresults++];
	r->number = num;
	r->ok = ok;
	name = skip_ws(end);
	if (*name == '-')
		name = skip_ws(name + 1);
	hash = strchr(name, '#');
	if (hash) {
		r->name = rtrim(xstrndup(name, (size_t)(hash - name)));
		r->comment = rtrim(xstrdup(skip_ws(hash + 1)));
	} else {
		r->name = rtrim(xstrdup(name));
		r->comment = xstrdup("");
	}
}

void ktap_parse(const char *text, struct ktap_doc *doc)
{
	memset(doc, 0, sizeof(*doc));
	doc->plan = -1;
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = rtrim(xstrndup(p, n));
		const char *s = line, *end;
		int v;

		p += n + (nl ? 1 : 0);
		if ((!strncmp(s, "KTAP version ", 13) && (v = parse_count(s + 13, &end)) >= 0) ||
		    (!strncmp(s, "TAP version ", 12) && (v = parse_count(s + 12, &end)) >= 0)) {
			if (!doc->version && !strncmp(s, "KTAP", 4))
				doc->version = v;
			else if (!doc->version)
				doc->version = v >= 13 ? v : 13;
			free(line);
			continue;
		}
		if (!doc->version) {
			free(line);
			continue;
		}
		/* Subtests are indented; kmemlab's modules report one level. */
		if (!strncmp(s, "1..", 3) && isdigit((unsigned char)s[3])) {
			if (doc->plan < 0)
				doc->plan = parse_count(s + 3, &end);	/* too large: no plan */
		} else if (!strncmp(s, "ok ", 3)) {
			add_result(doc, 1, s + 3);
		} else if (!strncmp(s, "not ok ", 7)) {
			add_result(doc, 0, s + 7);
		} else if (!strncmp(s, "Bail out!", 9)) {
			doc->bail_out = 1;
		} else if (s[0] == '#') {
			doc->diag = xrealloc(doc->diag, (size_t)(doc->ndiag + 1) * sizeof(char *));
			doc->diag[doc->ndiag++] = xstrdup(skip_ws(s + 1));
		}
		free(line);
	}
	if (doc->plan > doc->nresults)
		doc->missing = doc->plan - doc->nresults;
}

void ktap_doc_release(struct ktap_doc *doc)
{
	for (int i = 0; i < doc->nresults; i++) {
		free(doc->results[i].name);
		free(doc->results[i].comment);
	}
	free(doc->results);
	for (int i = 0; i < doc->ndiag; i++)
		free(doc->diag[i]);
	free(doc->diag);
	memset(doc, 0, sizeof(*doc));
	doc->plan = -1;
}

int ktap_kv(const char *text, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);

	for (const char *p = text; (p = strstr(p, key)); p += klen) {
		const char *v;
		size_t n;

		if (p != text && !isspace((unsigned char)p[-1]))
			continue;
		if (p[klen] != '=')
			continue;
		v = p + klen + 1;
		n = strcspn(v, " \t\n");
		if (n >= outlen)
			n = outlen - 1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

int ktap_kv_ulong(const char *text, const char *key, unsigned long long *v)
{
	char buf[32], *end;

	if (!text || !ktap_kv(text, key, buf, sizeof(buf)))
		return 0;
	if (!isdigit((unsigned char)buf[0]))
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (*end || errno)
		return -1;
	return 1;
}

int ktap_kv_long(const char *text, const char *key, long long *v)
{
	char buf[32], *end;

	if (!text || !ktap_kv(text, key, buf, sizeof(buf)))
		return 0;
	if (!buf[0])
		return -1;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	return *end || errno ? -1 : 1;
}

int ktap_kv_hex(const char *text, const char *key, unsigned long long *v)
{
	char buf[64], *end;

	if (!text || !ktap_kv(text, key, buf, sizeof(buf)))
		return 0;
	if (!buf[0])
		return -1;
	*v = strtoull(buf, &end, 16);
	return *end ? -1 : 1;
}

int ktap_diag_ulong(const struct ktap_doc *doc, const char *key, unsigned long long *v)
{
	int found = 0;

	for (int i = 0; i < doc->ndiag; i++)
		if (ktap_kv_ulong(doc->diag[i], key, v) == 1)
			found = 1;
	return found;
}

const struct ktap_result *ktap_find(const struct ktap_doc *doc, const char *name)
{
	for (int i = 0; i < doc->nresults; i++)
		if (doc->results[i].name && !strcmp(doc->results[i].name, name))
			return &doc->results[i];
	return NULL;
}

char *ktap_line_of(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, word, n) && l[n] == ' ')
			return xstrndup(l, strcspn(l, "\n"));
	return NULL;
}

char *ktap_line_with(const char *text, const char *needle)
{
	const char *hit = strstr(text, needle), *bol;

	if (!hit)
		return NULL;
	for (bol = hit; bol > text && bol[-1] != '\n'; bol--)
		;
	return xstrndup(bol, strcspn(bol, "\n"));
}
