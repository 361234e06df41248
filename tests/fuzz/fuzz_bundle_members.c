/*
 * The bundle's validation (grader/bundle.h) past the archive layer: the
 * input is a list of members, which this harness packs into a tar file
 * for bundle_read(), so that mutations reach the manifest, attempts and
 * answers instead of breaking tar checksums.  The input:
 *
 *     === manifest.json
 *     {"format": 1, ...}
 *     === attempts.json
 *     [...]
 *     === sources/ksize/ksize_ex.c
 *     ...
 *
 * A member starts at a line "=== PATH" and holds the bytes up to the
 * newline before the next such line.  "=== link:PATH" makes a symbolic
 * link to its contents and "=== dir:PATH" a directory.  A manifest.json
 * that is a JSON object without "files" gets the right list (path, size,
 * sha256 of every other member), as kmemlab submit writes it; one with
 * "files" is left as it is.
 *
 * Two mutations in three are structure-aware (json-mutate.h): a member
 * that holds JSON gets one value replaced by null or another type, a
 * member left out or added, or an array item repeated; the others are
 * libFuzzer's byte mutations.
 */
#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>

#include "bundle-common.h"
#include "json-mutate.h"

#define MAX_MEMBERS 64

struct fmember {
	const char *line;	/* its "=== " line in the input */
	char *path;
	const char *data;
	size_t len;
	int type;	/* AE_IFREG, AE_IFLNK, AE_IFDIR */
};

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_bundle_init();
	return 0;
}

static int split(const char *data, size_t size, struct fmember *ms)
{
	const char *end = data + size, *p = data;
	int n = 0;

	/* p is at the start of a line. */
	while (p < end && n < MAX_MEMBERS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end, *body, *q;

		if ((size_t)(end - p) < 4 || memcmp(p, "=== ", 4)) {
			p = nl ? nl + 1 : end;
			continue;
		}
		ms[n].line = p;
		ms[n].path = xstrndup(p + 4, (size_t)(line_end - p - 4));
		ms[n].type = AE_IFREG;
		body = nl ? nl + 1 : end;
		/* The body ends at the newline before the next "=== " line. */
		for (q = body; q < end; q++)
			if (*q == '\n' && end - q > 4 && !memcmp(q + 1, "=== ", 4))
				break;
		ms[n].data = body;
		ms[n].len = (size_t)(q - body);
		n++;
		p = q < end ? q + 1 : end;
	}
	return n;
}

/* The manifest with "files" added, allocated, or NULL to keep it as it is. */
static char *fix_manifest(const struct fmember *m, const struct fmember *ms, int n)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, m->data, (int)m->len), *files;
	char *out = NULL;

	if (o && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == m->len &&
	    json_object_is_type(o, json_type_object) && !json_object_object_get_ex(o, "files", NULL)) {
		files = json_object_new_array();
		for (int i = 0; i < n; i++) {
			struct json_object *f;
			char sha[65];

			if (&ms[i] == m || ms[i].type != AE_IFREG)
				continue;
			f = json_object_new_object();
			sha256_hex(ms[i].data, ms[i].len, sha);
			json_object_object_add(f, "path", json_object_new_string(ms[i].path));
			json_object_object_add(f, "size", json_object_new_int64((int64_t)ms[i].len));
			json_object_object_add(f, "sha256", json_object_new_string(sha));
			json_object_array_add(files, f);
		}
		json_object_object_add(o, "files", files);
		out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(o);
	json_tokener_free(tok);
	return out;
}

static la_ssize_t to_strbuf(struct archive *a, void *sb, const void *buf, size_t len)
{
	(void)a;
	strbuf_add(sb, buf, len);
	return (la_ssize_t)len;
}

/* The members as a tar file in sb; -1 when libarchive will not write them. */
static int pack(struct fmember *ms, int n, struct strbuf *sb)
{
	struct archive *a = archive_write_new();
	int ret = -1;

	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, sb, NULL, to_strbuf, NULL) != ARCHIVE_OK)
		goto out;
	for (int i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		char *fixed = !strcmp(ms[i].path, "manifest.json") ? fix_manifest(&ms[i], ms, n) : NULL;
		const char *data = fixed ? fixed : ms[i].data;
		size_t len = fixed ? strlen(fixed) : ms[i].len;
		int r;

		archive_entry_set_pathname(e, ms[i].path);
		archive_entry_set_filetype(e, (unsigned)ms[i].type);
		archive_entry_set_perm(e, ms[i].type == AE_IFDIR ? 0755 : 0644);
		if (ms[i].type == AE_IFLNK) {
			char *target = xstrndup(ms[i].data, ms[i].len);

			archive_entry_set_symlink(e, target);
			free(target);
		}
		archive_entry_set_size(e, ms[i].type == AE_IFREG ? (la_int64_t)len : 0);
		r = archive_write_header(a, e);
		if (r == ARCHIVE_OK && ms[i].type == AE_IFREG && len)
			r = archive_write_data(a, data, len) == (la_ssize_t)len ? ARCHIVE_OK
										: ARCHIVE_FATAL;
		archive_entry_free(e);
		free(fixed);
		if (r != ARCHIVE_OK)
			goto out;
	}
	if (archive_write_close(a) == ARCHIVE_OK)
		ret = 0;
out:
	archive_write_free(a);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fmember ms[MAX_MEMBERS];
	struct strbuf tar = STRBUF_INIT;
	int n = split((const char *)data, size, ms);

	for (int i = 0; i < n; i++) {
		const char *prefixes[] = { "link:", "dir:" };
		int types[] = { AE_IFLNK, AE_IFDIR };

		for (int k = 0; k < 2; k++) {
			size_t pl = strlen(prefixes[k]);

			if (!strncmp(ms[i].path, prefixes[k], pl)) {
				memmove(ms[i].path, ms[i].path + pl, strlen(ms[i].path + pl) + 1);
				ms[i].type = types[k];
				break;
			}
		}
	}
	if (pack(ms, n, &tar) == 0) {
		fuzz_write_file(tar.buf ? tar.buf : "", tar.len);
		fuzz_bundle_file();
	}
	strbuf_release(&tar);
	for (int i = 0; i < n; i++)
		free(ms[i].path);
	return 0;
}

/* ---- structure-aware mutations ---- */

/* The member names of manifest.json, attempts.json and answers.json, and one they do not have. */
static const char *const names[] = {
	"format", "kmemlab_version", "kernel", "created_at", "learner", "id", "name", "files",
	"path", "size", "sha256", "exercise", "started_at", "source_hash", "verdict", "score",
	"max_score", "build_ms", "vm_ms", "grade_ms", "inputs", "summary", "transcript",
	"checks", "status", "expected", "observed", "hint", "lesson", "question",
	"answered_at", "answer", "correct", "colour",
};

static const char *const strings[] = {
	"", "x", "pass", "fail", "error", "skip", "ksize", "slabcache", "no-such-exercise",
	"2026-01-31T12:00:00Z", "2026-01-31 12:00:00", "s1234", "-s", ".hidden",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"sources/ksize/ksize_ex.c", "manifest.json", "../x", "a\x1b[2Jb", "6.1.0-57-cloud-amd64",
};

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static const struct json_words words = { names, ARRAY_SIZE(names), strings,
						 ARRAY_SIZE(strings) };
	struct fmember ms[MAX_MEMBERS];
	int n, json[MAX_MEMBERS], njson = 0, pick = -1;
	struct strbuf sb = STRBUF_INIT;
	char *mutated = NULL;
	size_t mlen = 0;

	rnd_state = seed;
	if (!rnd(3))
		return LLVMFuzzerMutate(data, size, max_size);
	n = split((const char *)data, size, ms);
	for (int i = 0; i < n; i++)
		if (path_has_suffix(ms[i].path, ".json"))
			json[njson++] = i;
	if (njson)
		pick = json[rnd((unsigned int)njson)];
	if (njson)
		mutated = json_mutate_text(ms[pick].data, ms[pick].len, &words, &mlen);
	if (mutated) {
		/* What came before the first member, then each member as it was read. */
		strbuf_add(&sb, data, (size_t)(ms[0].line - (const char *)data));
		for (int i = 0; i < n; i++) {
			strbuf_addf(&sb, "%s=== %s\n", i ? "\n" : "", ms[i].path);
			if (i == pick)
				strbuf_add(&sb, mutated, mlen);
			else
				strbuf_add(&sb, ms[i].data, ms[i].len);
		}
	}
	for (int i = 0; i < n; i++)
		free(ms[i].path);
	free(mutated);
	if (!sb.len || sb.len > max_size) {
		strbuf_release(&sb);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	memcpy(data, sb.buf, sb.len);
	size = sb.len;
	strbuf_release(&sb);
	return size;
}
