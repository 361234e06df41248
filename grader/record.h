/*
 * The attempt record: one graded attempt as kmemlab keeps and exchanges
 * it.  The store saves it as an attempt row with its check_result rows;
 * `check --json` prints it (with the run's own source, experiment and
 * stored added); a submission carries one per attempt in attempts.json.
 * record_to_json() and record_from_json() are its only writer and reader.
 *
 * The JSON object, every key always present unless marked:
 *
 *   exercise      string   the exercise id ("ksize")
 *   started_at    string   UTC, "2026-11-29T17:42:33Z"
 *   source_hash   string   source_hash() of what was graded, 64 hex digits,
 *                          or "" when it could not be read
 *   verdict       string   "pass", "fail" or "error"
 *   score         integer  checks passed
 *   max_score     integer  checks
 *   build_ms      integer  time to build, in the VM, to grade
 *   vm_ms         integer
 *   grade_ms      integer
 *   inputs        string   this attempt's random inputs (null: none)
 *   summary       string   one line (null: none)
 *   transcript    string   everything the grader saw, for people
 *   kernel        string   uname -r of the lab VM (null: not seen)
 *   checks        array    in order, each an object:
 *     name        string
 *     status      string   "pass", "fail", "skip" or "error"
 *     expected, observed, hint   string or null
 *
 * A reader trusts nothing: bundle.c checks a submission's records (types,
 * times, text, consistency of verdict and score with the checks) before
 * record_from_json() takes them.
 */
#ifndef KMEMLAB_RECORD_H
#define KMEMLAB_RECORD_H

#include <stdint.h>

struct json_object;

struct record_check {
	char *name;
	char *status;		/* pass, fail, skip, error */
	char *expected;		/* NULL: none */
	char *observed;
	char *hint;
};

struct record {
	char *exercise;
	char *started_at;
	char *source_hash;
	char *verdict;		/* pass, fail, error */
	int score, max_score;
	int64_t build_ms, vm_ms, grade_ms;
	char *inputs;		/* NULL: none */
	char *summary;
	char *transcript;
	char *kernel;
	struct record_check *checks;
	int nchecks;
};

/* A new JSON object of r (free it with json_object_put()). */
struct json_object *record_to_json(const struct record *r);
/*
 * r from o, which must have the shape above (a missing string is NULL, a
 * missing number 0).  Returns 0, or -1 when o is not an object.
 */
int record_from_json(struct json_object *o, struct record *r);
/* Add one check to r (copies of the strings, which may be NULL). */
void record_add_check(struct record *r, const char *name, const char *status,
		      const char *expected, const char *observed, const char *hint);
void record_release(struct record *r);

#endif
