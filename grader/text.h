/*
 * Text from learners, judged before it is shown or stored: names, ids and
 * times that must be exactly what they claim, and free text made harmless
 * on a terminal.
 */
#ifndef KMEMLAB_TEXT_H
#define KMEMLAB_TEXT_H

#include <stddef.h>
#include <time.h>

/*
 * Text a learner wrote that may reach a terminal must not be able to
 * drive it.  text_problem() says what in s could: a byte that is not
 * UTF-8 (a raw 0x9B is CSI to some terminals), a C0 control character
 * (but '\n' and '\t' when lines is set) or DEL, a C1 control character
 * (U+0080 to U+009F), or a bidirectional control (U+061C, U+200E, U+200F,
 * U+202A to U+202E, U+2066 to U+2069), which reorders what is shown.
 * NULL when there is none, else an allocated description: "the control
 * character U+0009 at byte 2".
 */
char *text_problem(const char *s, int lines);
/*
 * s as it can be shown in a message: each such character as an escape
 * (\t, \x1b, \u202e), cut with "..." after about max bytes.  Allocated.
 */
char *text_quote(const char *s, size_t max);
/*
 * s with each such character (but '\n' and '\t') replaced by U+FFFD;
 * *changed gets how many were.  Allocated.
 */
char *text_neutralise(const char *s, int *changed);

/*
 * s with each byte that is not UTF-8 replaced by U+FFFD, and nothing else
 * changed, for text read back from the database.  Allocated; NULL stays
 * NULL.
 */
char *text_utf8_dup(const char *s);

/*
 * Compare names as people sort them: case aside, and runs of digits by
 * their value ("Learner 2" before "Learner 10").  natural_ncasecmp()
 * compares na bytes of a with nb bytes of b.
 */
int natural_casecmp(const char *a, const char *b);
int natural_ncasecmp(const char *a, size_t na, const char *b, size_t nb);

/*
 * Whether name can be a learner's name in a bundle: at most 200 bytes
 * and nothing text_problem() finds.  On 0, *cause says why (allocated).
 */
int learner_name_valid(const char *name, char **cause);

/*
 * Parse a time as utc_now() writes it ("2026-01-31T12:00:00Z") into *t:
 * 0 when s is one and a real one (no 2026-02-30, no 9999-99-99), else -1.
 */
int utc_time_parse(const char *s, time_t *t);

/*
 * Whether id is a learner id: 1 to 64 of letters, digits, '.', '_', '-',
 * not starting with '.' or '-'.  On 0, *cause says why (allocated).
 */
int learner_id_valid(const char *id, char **cause);

/* One line of text of at most max bytes that text_problem() finds nothing in. */
int text_plain(const char *s, size_t max);
/* A SHA-256 as 64 lowercase hex digits (or empty: nothing was hashed). */
int text_is_sha256(const char *s);

#endif
