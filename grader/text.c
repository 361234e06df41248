#include "text.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

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


char *text_utf8_dup(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct strbuf sb = STRBUF_INIT;
	size_t n, len, i;
	uint32_t cp;

	if (!s)
		return NULL;
	n = strlen(s);
	/* Most text is valid: copied whole. */
	for (i = 0; i < n && (len = utf8_next(p + i, n - i, &cp)); i += len)
		;
	if (i == n)
		return xstrdup(s);
	strbuf_add(&sb, s, i);
	for (; i < n; i += len) {
		len = utf8_next(p + i, n - i, &cp);
		if (len) {
			strbuf_add(&sb, p + i, len);
		} else {
			strbuf_addstr(&sb, "\xef\xbf\xbd");
			len = 1;
		}
	}
	return strbuf_detach(&sb, NULL);
}

int natural_ncasecmp(const char *a, size_t na, const char *b, size_t nb)
{
	const char *ea = a + na, *eb = b + nb;

	while (a < ea && b < eb) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *x = a, *y = b;
			size_t nx, ny;
			int c;

			while (x + 1 < ea && *x == '0' && isdigit((unsigned char)x[1]))
				x++;
			while (y + 1 < eb && *y == '0' && isdigit((unsigned char)y[1]))
				y++;
			for (nx = 0; x + nx < ea && isdigit((unsigned char)x[nx]); nx++)
				;
			for (ny = 0; y + ny < eb && isdigit((unsigned char)y[ny]); ny++)
				;
			if (nx != ny)
				return nx < ny ? -1 : 1;
			c = strncmp(x, y, nx);
			if (c)
				return c;
			a = x + nx;
			b = y + ny;
			continue;
		}
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return tolower((unsigned char)*a) - tolower((unsigned char)*b);
		a++;
		b++;
	}
	return (a < ea ? (unsigned char)*a : 0) - (b < eb ? (unsigned char)*b : 0);
}

int natural_casecmp(const char *a, const char *b)
{
	return natural_ncasecmp(a, strlen(a), b, strlen(b));
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

int text_plain(const char *s, size_t max)
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

int text_is_sha256(const char *s)
{
	size_t n = strlen(s);

	if (n && n != 64)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && (*s < 'a' || *s > 'f'))
			return 0;
	return 1;
}
