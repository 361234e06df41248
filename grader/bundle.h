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
#include "text.h"

#define BUNDLE_FORMAT 1
#define BUNDLE_MEMBER_MAX (4u << 20)
#define BUNDLE_TOTAL_MAX (16u << 20)
#define BUNDLE_MEMBERS_MAX 1000
/* A transcript is cut to this in a bundle: the checks and summary stay whole. */
#define BUNDLE_TRANSCRIPT_MAX (16u << 10)

/* The longest name of a file in a bundle (as most file systems allow). */
#define BUNDLE_NAME_MAX 255

/*
 * Whether name can be a file's name in a bundle (sources/EXERCISE/NAME,
 * and each part of a member's path): 1 to BUNDLE_NAME_MAX bytes, not '.'
 * or '..', no '/', and nothing text_problem() finds (so UTF-8, without
 * tabs or other controls).  submit and class import both judge by it.
 * NULL when it can, else why not (allocated).
 */
char *bundle_name_problem(const char *name);

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

struct bundle {
	char sha256[65];	/* of the whole bundle file */
	struct bundle_member *members;
	int nmembers;
	struct record *attempts;	/* attempts.json, checked */
	int nattempts;
	struct store_answer *answers;	/* answers.json, checked */
	int nanswers;
	char *manifest;		/* manifest.json, as JSON text */
	/* From the manifest. */
	char *learner_id, *learner_name;
	char *kmemlab_version, *kernel, *created_at;
	/* The course it was made in (absent in older bundles: kmemlab, 1, ""). */
	char *course_id, *course_version, *course_hash;
	time_t created;		/* created_at */
	/* The latest time of an attempt or answer, or NULL. */
	char *latest_at;
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
