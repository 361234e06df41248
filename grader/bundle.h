/*
 * Submission bundles: one .tar.gz a learner hands in and an instructor
 * imports (written and read with libarchive).
 *
 * Members, all regular files:
 *   manifest.json             format version, kmemlab and lab kernel
 *                             versions, learner id and name, created_at,
 *                             and every other member's path, size, sha256
 *   attempts.json             the learner's own graded attempts and checks
 *   answers.json              the answers to lesson questions
 *   sources/EXERCISE/FILE     the learner's workspace, per exercise
 *
 * Reading validates everything before anything is used: member types and
 * paths (relative, no '..', no links or devices), per-member and total size
 * caps (from the header and again while reading), the manifest against the
 * members (nothing missing, nothing extra, sizes and hashes equal), the
 * format version, and each attempt's verdict against its own checks.
 * Everything shown on a terminal (names, ids, paths) must pass
 * text_problem(); free text (summaries, transcripts, check values,
 * answers) is made harmless with text_neutralise() instead.
 */
#ifndef KMEMLAB_BUNDLE_H
#define KMEMLAB_BUNDLE_H

#include <stddef.h>
#include <time.h>

#include "course.h"
#include "store.h"

#define BUNDLE_FORMAT 1
#define BUNDLE_MEMBER_MAX (4u << 20)
#define BUNDLE_TOTAL_MAX (16u << 20)
#define BUNDLE_MEMBERS_MAX 1000
/* A transcript is cut to this in a bundle: the checks and summary stay whole. */
#define BUNDLE_TRANSCRIPT_MAX (16u << 10)

/* The longest name of a file in a bundle (as most file systems allow). */
#define BUNDLE_NAME_MAX 255

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
 * Whether name can be a file's name in a bundle (sources/EXERCISE/NAME,
 * and each part of a member's path): 1 to BUNDLE_NAME_MAX bytes, not '.'
 * or '..', no '/', and nothing text_problem() finds (so UTF-8, without
 * tabs or other controls).  submit and class import both judge by it.
 * NULL when it can, else why not (allocated).
 */
char *bundle_name_problem(const char *name);

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

/*
 * Write the bundle of st's learner: attempts and answers from st, sources
 * from workspace/EXERCISE for every exercise of c that has a workspace,
 * and kernel as the lab kernel version.  Attempts at exercises and
 * answers to questions c does not have are left out, with a warning (the
 * import would refuse them).  A file whose name bundle_name_problem()
 * refuses is reported, and no bundle is written.  out NULL means
 * kmemlab-ID-YYYYmmddTHHMMSSZ.tar.gz in the current directory; *written
 * (allocated) gets the path.  Reports its own errors.
 */
int bundle_write(struct store *st, const struct course *c, const char *workspace,
		 const char *kernel, const char *out, char **written);

struct bundle_member {
	char *path;
	char *data;
	size_t len;
	char sha256[65];
};

struct json_object;

struct bundle {
	char sha256[65];	/* of the whole bundle file */
	struct bundle_member *members;
	int nmembers;
	struct json_object *manifest;
	struct json_object *attempts;	/* array */
	struct json_object *answers;	/* array */
	/* From the manifest (owned by it). */
	const char *learner_id, *learner_name;
	const char *kmemlab_version, *kernel, *created_at;
	time_t created;		/* created_at */
	/* The latest time of an attempt or answer (owned by them), or NULL. */
	const char *latest_at;
	time_t latest;
	int neutralised;	/* characters text_neutralise() replaced */
};

/*
 * Read and validate the bundle file, which must be a regular file.  c,
 * when not NULL, is the course its exercises and questions must belong
 * to.  Returns 0, or -1 with *cause (allocated) the exact reason; nothing
 * is reported.  The learner's clock is not judged here (see class.c).
 */
int bundle_read(const char *file, const struct course *c, struct bundle *b, char **cause);
void bundle_release(struct bundle *b);

/*
 * The submitted sources of exercise in b: its files' "NAME SHA256" hash
 * (source_hash() of the same directory), into hash.  Returns the number of
 * files (0: none submitted, hash is "").
 */
int bundle_source_hash(const struct bundle *b, const char *exercise, char hash[65]);

#endif
