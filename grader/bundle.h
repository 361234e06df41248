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
 */
#ifndef KMEMLAB_BUNDLE_H
#define KMEMLAB_BUNDLE_H

#include <stddef.h>

#include "course.h"
#include "store.h"

#define BUNDLE_FORMAT 1
#define BUNDLE_MEMBER_MAX (4u << 20)
#define BUNDLE_TOTAL_MAX (16u << 20)
#define BUNDLE_MEMBERS_MAX 1000
/* A transcript is cut to this in a bundle: the checks and summary stay whole. */
#define BUNDLE_TRANSCRIPT_MAX (16u << 10)

/*
 * Whether id is a learner id: 1 to 64 of letters, digits, '.', '_', '-',
 * not starting with '.' or '-'.  On 0, *cause says why (allocated).
 */
int learner_id_valid(const char *id, char **cause);

/*
 * Write the bundle of st's learner: attempts and answers from st, sources
 * from workspace/EXERCISE for every exercise of c that has a workspace or
 * attempts, and kernel as the lab kernel version.  out NULL means
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
};

/*
 * Read and validate the bundle file.  c, when not NULL, is the course its
 * exercises must belong to.  Returns 0, or -1 with *cause (allocated) the
 * exact reason; nothing is reported.
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
