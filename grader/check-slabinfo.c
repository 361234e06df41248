/*
 * Exercise 2, slabinfo: the learner's program parses /proc/slabinfo
 * (version 2.1), lists the N caches holding the most memory, and names the
 * cache that grew the most since a saved copy.
 *
 * The grader saves /proc/slabinfo, loads its probe (mode=slabgrow: a
 * random number of kmalloc objects of a random size, held until rmmod),
 * then runs "NONCE grew BEFORE" and "NONCE top N", reading /proc/slabinfo
 * itself just before and just after each run.  The learner's numbers must
 * fall between the grader's two readings around the run; the cache that
 * grew must be the one the grader saw grow, whose objsize is the probe's
 * ksize().  Memory is whole slabs: num_slabs * pagesperslab * page size,
 * the page size coming from the probe (PAGE_SIZE in the VM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

#define SNAPS 4		/* before the probe, before grew, before top, after top */

struct slab_row {
	char name[64];
	unsigned long long active_objs, objsize, slab_bytes, bytes;
};

struct slab_snap {
	struct slab_row *rows;
	int n;
};

struct slabinfo_priv {
	unsigned n;		/* top N */
	unsigned size, count;	/* the probe's objects */
	/* For grade(), from the record, while it runs: */
	unsigned long long ksize, page;
	struct slab_snap snap[SNAPS];	/* readings slabinfo.0 to .3 */
	struct vm_exec grew;	/* the "grew" run; a->prog holds the "top" run */
	int grew_ran;
};

static const char *const slabinfo_checks[] = { "nonce", "bytes", "top", "grew", "growth", NULL };

static void slabinfo_prepare(struct attempt *a)
{
	struct slabinfo_priv *p = xcalloc(1, sizeof(*p));

	p->n = attempt_random(a, 3, 9);
	/*
	 * A kmalloc cache from 32 bytes to 4 KiB, and enough objects for
	 * 0.5 to 1.5 MiB: far above what a program run moves in other caches,
	 * yet not enough to make it the largest cache.
	 */
	p->size = attempt_random(a, 0, 3) ? attempt_random(a, 33, 1024) : attempt_random(a, 1025, 4096);
	p->count = attempt_random(a, 512 << 10, 1536 << 10) / p->size;
	a->priv = p;
	a->params = xasprintf("%s top %u / %s grew BEFORE", a->nonce, p->n, a->nonce);
	a->inputs = xasprintf("N=%u nonce=%s probe: %u objects of %u bytes", p->n, a->nonce,
			      p->count, p->size);
	a->probe_params = xasprintf("mode=slabgrow slabgrow_size=%u slabgrow_count=%u nonce=%s",
				    p->size, p->count, a->nonce);
}

/* Parse version 2.1 slabinfo text; rows without the 12 fields are skipped. */
static void parse_snap(const char *text, unsigned long long page, struct slab_snap *s)
{
	s->n = 0;
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		struct slab_row r = { 0 };
		unsigned long long num_objs, perslab, pages, t1, t2, t3, active_slabs, num_slabs,
			avail;

		if (sscanf(l, "%63s %llu %llu %llu %llu %llu : tunables %llu %llu %llu : slabdata "
			      "%llu %llu %llu",
			   r.name, &r.active_objs, &num_objs, &r.objsize, &perslab, &pages, &t1,
			   &t2, &t3, &active_slabs, &num_slabs, &avail) == 12 &&
		    r.name[0] != '#') {
			r.slab_bytes = pages * page;
			r.bytes = num_slabs * r.slab_bytes;
			s->rows = xrealloc(s->rows, (size_t)(s->n + 1) * sizeof(r));
			s->rows[s->n++] = r;
		}
		l = nl ? nl + 1 : NULL;
	}
}

static const struct slab_row *snap_find(const struct slab_snap *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->rows[i].name, name))
			return &s->rows[i];
	return NULL;
}

static const char *const snap_names[SNAPS] = {
	"slabinfo.0", "slabinfo.1", "slabinfo.2", "slabinfo.3",
};

static int read_snap(struct attempt *a, struct vm *vm, int i, const char *script)
{
	int r;

	/* The learner's program took the VM down: its "runs" check says so. */
	if (vm->dead)
		return 0;
	r = attempt_read(a, vm, snap_names[i], script, 10000, 1 << 20, 0, NULL);

	if (r != VM_OK || !*attempt_reading(a, snap_names[i]))
		return error("cannot read /proc/slabinfo in the lab VM");
	return 0;
}

/* The probe's first result: the ksize() of its objects and the page size. */
static int probe_objects(const struct ktap_doc *truth, unsigned long long *ksize,
			 unsigned long long *page)
{
	return truth->nresults >= 1 && truth->results[0].ok &&
	       ktap_kv_ulong(truth->results[0].comment, "ksize", ksize) == 1 &&
	       ktap_kv_ulong(truth->results[0].comment, "page_size", page) == 1;
}

static int slabinfo_run(struct attempt *a, struct vm *vm)
{
	struct slabinfo_priv *p = a->priv;
	char n[16];
	const char *grew_args[] = { a->nonce, "grew", "/lab/slab.before", NULL };
	const char *top_args[] = { a->nonce, "top", n, NULL };
	struct ktap_doc truth;
	struct vm_exec grew = { 0 };
	int grew_ran, ret = -1;

	snprintf(n, sizeof(n), "%u", p->n);
	if (read_snap(a, vm, 0, "mkdir -p /lab && cat /proc/slabinfo > /lab/slab.before && cat /lab/slab.before") < 0)
		goto out;
	if (attempt_run_probe(a, vm, 30000, 0) < 0)
		goto out;
	ktap_parse(strbuf_str(&a->truth.text), &truth);
	if (!probe_objects(&truth, &p->ksize, &p->page)) {
		ktap_doc_release(&truth);
		error("the grader's probe did not report its objects: this is a kmemlab problem");
		goto out;
	}
	ktap_doc_release(&truth);

	if (read_snap(a, vm, 1, "cat /proc/slabinfo") < 0 ||
	    attempt_exec_program(a, vm, grew_args, 20000) < 0)
		goto out;
	grew = a->prog;
	grew_ran = a->prog_ran;
	memset(&a->prog, 0, sizeof(a->prog));
	a->prog_ran = 0;
	strbuf_addf(&a->transcript, "\n== your program: %s grew /lab/slab.before\n-- stdout\n%s"
		    "-- stderr\n%s== exit status %d\n", a->nonce, strbuf_str(&grew.out),
		    strbuf_str(&grew.err), grew.status);
	if (read_snap(a, vm, 2, "cat /proc/slabinfo") < 0 ||
	    attempt_exec_program(a, vm, top_args, 20000) < 0 ||
	    read_snap(a, vm, 3, "cat /proc/slabinfo") < 0)
		goto out;
	/* The generic "runs" check sees a->prog: give it the run that failed. */
	if (grew_ran && a->prog_ran && !a->prog.status && !a->prog.signal &&
	    (grew.status || grew.signal)) {
		struct vm_exec t = a->prog;

		a->prog = grew;
		grew = t;
	} else if (!grew_ran) {
		a->prog_ran = 0;
	}
	attempt_keep_exec(a, "grew", &grew, grew_ran);
	if (modrun_unload(vm, a->probe.name, 30000, &a->truth) < 0)
		goto out;
	strbuf_addf(&a->transcript, "\n== /proc/slabinfo just before the top run\n%s",
		    attempt_reading(a, snap_names[2]));
	ret = 0;
out:
	vm_exec_release(&grew);
	return ret;
}

static const char *nonce_of(const char *out, char *buf, size_t n)
{
	for (const char *l = out; l && *l;) {
		if (!strncmp(l, "# ", 2)) {
			const char *nl = strchr(l, '\n');
			char line[256];

			snprintf(line, sizeof(line), "%.*s",
				 (int)(nl ? (size_t)(nl - l) : strlen(l)), l);
			if (ktap_kv(line, "nonce", buf, n))
				return buf;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return NULL;
}

static void grade_nonce(struct attempt *a)
{
	struct slabinfo_priv *p = a->priv;
	char b1[64], b2[64];
	const char *n1 = nonce_of(strbuf_str(&a->prog.out), b1, sizeof(b1));
	const char *n2 = nonce_of(strbuf_str(&p->grew.out), b2, sizeof(b2));

	strbuf_addf(&a->exp, "'# slabinfo_ex nonce=%s' first in both runs", a->nonce);
	strbuf_addf(&a->obs, "nonce=%s and nonce=%s", n1 ? n1 : "(none)", n2 ? n2 : "(none)");
	attempt_add_text(a, "nonce", n1 && n2 && !strcmp(n1, a->nonce) && !strcmp(n2, a->nonce),
			 "print '# slabinfo_ex nonce=' and the first argument before anything "
			     "else");
}

struct top_line {
	char name[64];
	unsigned long long bytes;
	int rank;
};

/* The "top R name=... bytes=..." lines of out. */
static int parse_top(const char *out, struct top_line **lines)
{
	int n = 0;

	*lines = NULL;
	for (const char *l = out; l && *l;) {
		const char *nl = strchr(l, '\n');
		char line[256];
		struct top_line t = { 0 };
		unsigned long long b;

		snprintf(line, sizeof(line), "%.*s", (int)(nl ? (size_t)(nl - l) : strlen(l)), l);
		if (sscanf(line, "top %d", &t.rank) == 1 && ktap_kv(line, "name", t.name, sizeof(t.name))) {
			t.bytes = ktap_kv_ulong(line, "bytes", &b) == 1 ? b : 0;
			*lines = xrealloc(*lines, (size_t)(n + 1) * sizeof(t));
			(*lines)[n++] = t;
		}
		l = nl ? nl + 1 : NULL;
	}
	return n;
}

/* What the grader saw for name around the "top" run: lo..hi bytes. */
static int around_top(const struct slabinfo_priv *p, const char *name, unsigned long long *lo,
		      unsigned long long *hi)
{
	const struct slab_row *x = snap_find(&p->snap[2], name), *y = snap_find(&p->snap[3], name);

	if (!x && !y)
		return 0;
	*lo = x && y ? (x->bytes < y->bytes ? x->bytes : y->bytes) : x ? x->bytes : y->bytes;
	*hi = x && y ? (x->bytes > y->bytes ? x->bytes : y->bytes) : x ? x->bytes : y->bytes;
	return 1;
}

static int by_bytes(const void *x, const void *y)
{
	const struct slab_row *a = x, *b = y;

	return a->bytes < b->bytes ? 1 : a->bytes > b->bytes ? -1 : strcmp(a->name, b->name);
}

static void grade_top(struct attempt *a)
{
	struct slabinfo_priv *p = a->priv;
	struct top_line *t;
	int n = parse_top(strbuf_str(&a->prog.out), &t);
	struct slab_row *sorted = xmalloc((size_t)p->snap[2].n * sizeof(*sorted) + 1);
	unsigned long long lo, hi, floor_hi = 0;
	int ok = n > 0;

	/* bytes: every figure printed lies between the grader's two readings. */
	for (int i = 0; i < n; i++) {
		int have = around_top(p, t[i].name, &lo, &hi);

		if (lo == hi)
			strbuf_addf(&a->exp, "%s%s=%llu", i ? " " : "", t[i].name, lo);
		else
			strbuf_addf(&a->exp, "%s%s=%llu..%llu", i ? " " : "", t[i].name, lo, hi);
		strbuf_addf(&a->obs, "%s%s=%llu", i ? " " : "", t[i].name, t[i].bytes);
		if (!have || t[i].bytes < lo || t[i].bytes > hi) {
			if (ok) {
				const struct slab_row *r = snap_find(&p->snap[2], t[i].name);

				if (r)
					strbuf_addf(&a->hint, "bytes = num_slabs * pagesperslab * page "
						    "size (%llu), whole slabs: %s has objsize "
						    "%llu but a slab of %llu bytes, and "
						    "num_objs * objsize leaves out the waste",
						    p->page, r->name, r->objsize, r->slab_bytes);
				else
					strbuf_addf(&a->hint, "there is no cache '%s' in "
						    "/proc/slabinfo: take the first column",
						    t[i].name);
			}
			ok = 0;
		}
	}
	if (!n) {
		strbuf_addstr(&a->exp, "lines 'top R name=CACHE bytes=B'");
		strbuf_addstr(&a->obs, "no 'top' lines");
		strbuf_addstr(&a->hint, "print one 'top R name=CACHE bytes=B' line per cache");
	}
	attempt_add_text(a, "bytes", ok, NULL);

	/* top: the N largest, largest first (ties in any order). */
	if (p->snap[2].n)
		memcpy(sorted, p->snap[2].rows, (size_t)p->snap[2].n * sizeof(*sorted));
	qsort(sorted, (size_t)p->snap[2].n, sizeof(*sorted), by_bytes);
	for (unsigned i = 0; i < p->n && (int)i < p->snap[2].n; i++)
		strbuf_addf(&a->exp, "%s%s", i ? " " : "", sorted[i].name);
	ok = n == (int)p->n;
	for (int i = 0; i < n; i++) {
		strbuf_addf(&a->obs, "%s%d:%s", i ? " " : "", t[i].rank, t[i].name);
		if (t[i].rank != i + 1 || (i && t[i].bytes > t[i - 1].bytes))
			ok = 0;
		for (int j = 0; j < i; j++)
			if (!strcmp(t[i].name, t[j].name))
				ok = 0;
		if (around_top(p, t[i].name, &lo, &hi) && (!i || hi < floor_hi))
			floor_hi = hi;
	}
	/* A cache left out that was surely larger than the smallest one listed. */
	for (int i = 0; ok && i < p->snap[2].n; i++) {
		int listed = 0;

		for (int j = 0; j < n; j++)
			listed |= !strcmp(t[j].name, sorted[i].name);
		if (!listed && around_top(p, sorted[i].name, &lo, &hi) && lo > floor_hi) {
			strbuf_addf(&a->hint, "%s (%llu bytes) is larger than caches you listed: sort "
				    "all rows by bytes, largest first, and print the first %u",
				    sorted[i].name, lo, p->n);
			ok = 0;
		}
	}
	if (!a->hint.len)
		strbuf_addf(&a->hint, "print exactly %u lines, ranks 1 to %u, largest first, each "
			    "cache once", p->n, p->n);
	if (ok) {
		strbuf_reset(&a->obs);
		strbuf_addstr(&a->obs, a->exp.buf);
	}
	if (!a->obs.len)
		strbuf_addstr(&a->obs, "no 'top' lines");
	attempt_add_text(a, "top", ok, NULL);
	free(sorted);
	free(t);
}

/* The cache whose bytes grew the most from snapshot x to y. */
static const struct slab_row *top_growth(const struct slabinfo_priv *p, int x, int y,
					 long long *growth)
{
	const struct slab_row *best = NULL;

	*growth = 0;
	for (int i = 0; i < p->snap[y].n; i++) {
		const struct slab_row *old = snap_find(&p->snap[x], p->snap[y].rows[i].name);
		long long g = (long long)p->snap[y].rows[i].bytes - (old ? (long long)old->bytes : 0);

		if (g > *growth) {
			*growth = g;
			best = &p->snap[y].rows[i];
		}
	}
	return best;
}

static long long growth_of(const struct slabinfo_priv *p, int y, const char *name, int objs)
{
	const struct slab_row *o = snap_find(&p->snap[0], name), *n = snap_find(&p->snap[y], name);

	if (!n)
		return 0;
	return objs ? (long long)n->active_objs - (o ? (long long)o->active_objs : 0)
		    : (long long)n->bytes - (o ? (long long)o->bytes : 0);
}

static void grade_grew(struct attempt *a)
{
	struct slabinfo_priv *p = a->priv;
	long long g1, g2, bytes = 0, objs = 0;
	const struct slab_row *w1 = top_growth(p, 0, 1, &g1), *w2 = top_growth(p, 0, 2, &g2);
	char name[64] = "", line[256] = "";
	const char *out = strbuf_str(&p->grew.out), *gl = strstr(out, "grew ");
	int ok, have;

	if (gl && (gl == out || gl[-1] == '\n'))
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(gl, "\n"), gl);
	have = line[0] && ktap_kv(line, "name", name, sizeof(name));

	/* grew: the cache the grader saw grow the most, just before or after the run. */
	ok = have && ((w1 && !strcmp(name, w1->name)) || (w2 && !strcmp(name, w2->name)));
	strbuf_addf(&a->exp, "grew name=%s (objsize %llu: the probe's %u objects of %u bytes, "
			    "ksize %llu)", w1 ? w1->name : "?", w1 ? w1->objsize : 0, p->count,
		    p->size, p->ksize);
	if (!p->grew_ran)
		strbuf_addstr(&a->obs, "the grew run did not finish");
	else if (p->grew.status)
		strbuf_addf(&a->obs, "exit status %d: %s", p->grew.status,
			    rtrim(p->grew.err.buf ? p->grew.err.buf : ""));
	else
		strbuf_addstr(&a->obs, line[0] ? line : "no 'grew name=CACHE ...' line");
	attempt_add_text(a, "grew", ok,
			 !strcmp(line, "grew none")
				 ? "no cache grew between your two snapshots: read the BEFORE file "
				   "named by the third argument, not /proc/slabinfo twice"
				 : "parse both files, match caches by name, and pick the largest "
				   "increase in bytes (whole slabs), not the largest cache");

	/* growth: its bytes and active objects, between the grader's readings. */
	if (!ok) {
		attempt_skip(a, "growth", "not reached: the cache named is not the one that grew");
		return;
	}
	{
		long long b1 = growth_of(p, 1, name, 0), b2 = growth_of(p, 2, name, 0);
		long long o1 = growth_of(p, 1, name, 1), o2 = growth_of(p, 2, name, 1);
		long long blo = b1 < b2 ? b1 : b2, bhi = b1 < b2 ? b2 : b1;
		long long olo = o1 < o2 ? o1 : o2, ohi = o1 < o2 ? o2 : o1;

		ok = ktap_kv_long(line, "bytes", &bytes) == 1 && ktap_kv_long(line, "objs", &objs) == 1 &&
		     bytes >= blo && bytes <= bhi && objs >= olo && objs <= ohi;
		strbuf_addf(&a->exp, "bytes=+%lld..+%lld objs=+%lld..+%lld", blo, bhi, olo, ohi);
		strbuf_addf(&a->obs, "bytes=%+lld objs=%+lld", bytes, objs);
		attempt_add_text(a, "growth", ok,
				 "bytes: now minus before of num_slabs * pagesperslab * page size; "
				 "objs: now minus before of active_objs");
	}
}

static void slabinfo_grade(struct attempt *a)
{
	struct slabinfo_priv *p = a->priv;

	probe_objects(&a->truth_report, &p->ksize, &p->page);
	for (int i = 0; i < SNAPS; i++) {
		memset(&p->snap[i], 0, sizeof(p->snap[i]));
		parse_snap(attempt_reading(a, snap_names[i]), p->page, &p->snap[i]);
	}
	p->grew_ran = attempt_reading_exec(a, "grew", &p->grew);
	grade_nonce(a);
	grade_top(a);
	grade_grew(a);
	for (int i = 0; i < SNAPS; i++)
		free(p->snap[i].rows);
	vm_exec_release(&p->grew);
}

const struct checker checker_slabinfo = {
	.name = "slabinfo",
	.checks = slabinfo_checks,
	.prepare = slabinfo_prepare,
	.run = slabinfo_run,
	.grade = slabinfo_grade,
};
