/*
 * The KTAP reader (grader/ktap.h) on arbitrary module output: parse the
 * text, then look up in every result's comment and every diagnostic the
 * keys the checks use and each "key=" the text itself has, as the checks
 * do.  Properties: counts are consistent, every string is a string.
 *
 * The same bytes are also taken as raw /dev/kmsg records, the way they
 * reach the grader (labvm/modrun.h: kmsg_format() makes the lines, then
 * KTAP is read from them and crash_scan() looks for an oops).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "modrun.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The keys the grader's checks ask for. */
static const char *const keys[] = {
	"requested", "ksize", "wasted", "waste_pct", "nonce", "size", "bytes", "name",
	"addr", "pfn", "order", "pages", "score", "adj", "pid", "rss", "total", "max",
	"thread_size", "vmalloc_addr", "object_size", "objects", "ctor_calls",
};

static void lookups(const char *text)
{
	char small[2], out[64];
	unsigned long long v;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (ktap_kv(text, keys[i], out, sizeof(out)) && strlen(out) >= sizeof(out))
			abort();
		ktap_kv(text, keys[i], small, sizeof(small));
		ktap_kv_ulong(text, keys[i], &v);
	}
	/* Every key=value the text itself has, as a check reading its own keys would. */
	for (const char *eq = strchr(text, '='); eq; eq = strchr(eq + 1, '=')) {
		const char *k = eq;
		char *key;

		while (k > text && k[-1] != ' ' && k[-1] != '\t' && k[-1] != '\n')
			k--;
		if (k == eq)
			continue;
		key = xstrndup(k, (size_t)(eq - k));
		if (ktap_kv(text, key, out, sizeof(out)) != 1)
			abort();	/* the key is there, followed by '=' */
		ktap_kv_ulong(text, key, &v);
		free(key);
	}
}

static void parse(const char *text)
{
	struct ktap_doc doc;

	ktap_parse(text, &doc);
	if (doc.nresults < 0 || doc.ndiag < 0 || doc.missing < 0 ||
	    (doc.plan >= 0 && doc.missing != (doc.plan > doc.nresults ? doc.plan - doc.nresults : 0)))
		abort();
	for (int i = 0; i < doc.nresults; i++) {
		if (!doc.results[i].name || !doc.results[i].comment || doc.results[i].number <= 0)
			abort();
		lookups(doc.results[i].comment);
	}
	for (int i = 0; i < doc.ndiag; i++)
		lookups(doc.diag[i]);
	ktap_doc_release(&doc);
	lookups(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *line = NULL;
	struct strbuf log = STRBUF_INIT, lines = STRBUF_INIT;
	int warned = 0;

	parse(text);
	kmsg_format(text, &log, &lines);
	parse(strbuf_str(&lines));
	if (crash_scan(strbuf_str(&log), &line, &warned) != MODRUN_OK && !line)
		abort();
	free(line);
	line = NULL;
	crash_scan(text, &line, &warned);
	free(line);
	strbuf_release(&log);
	strbuf_release(&lines);
	free(text);
	return 0;
}
