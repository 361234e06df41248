/*
 * Exercise 5, vmalloc: the learner's module allocates with vmalloc,
 * vzalloc and kvmalloc (a small and a big size), and reports each
 * pointer, is_vmalloc_addr() and the PFN of each of its first pages.
 *
 * Ground truth, all from the same VM run: the probe allocating the same
 * sizes first (mode=vmalloc: the page size and page counts); while the
 * learner's module is loaded, /proc/vmallocinfo (read with kptr_restrict=1,
 * which shows root the real addresses) and the probe again (mode=vmpfn)
 * calling is_vmalloc_addr() and vmalloc_to_page() on the learner's own
 * pointers; after rmmod, /proc/vmallocinfo once more, to see the areas
 * freed.  PFNs are compared one by one, never judged on whether they are
 * scattered: vmalloc often gets consecutive frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

#define SLOTS 4
#define MAX_PFNS 8	/* as in the exercise and the probe */

static const char *const slot_names[SLOTS] = {
	"vmalloc", "vzalloc", "kvmalloc_small", "kvmalloc_big",
};
static const char *const slot_params[SLOTS] = { "vsize", "zsize", "ksmall", "kbig" };

struct vmalloc_priv {
	unsigned long sizes[SLOTS];
	/* For grade(), from the record: */
	unsigned long long addrs[SLOTS];	/* as the learner printed them; 0: none */
	int looked;				/* while_loaded ran */
	const char *info_loaded;		/* /proc/vmallocinfo while loaded */
	const char *info_after;			/* and after rmmod */
};

/* One /proc/vmallocinfo line. */
struct vm_area {
	unsigned long long start, end, size, pages;
	char caller[128];	/* "func+0x11/0x66 [mod]", or a bare address */
	int has_pages;
};

static const char *const vmalloc_checks[] = {
	"ktap", "nonce", "allocs", "vmalloc_addr", "vmallocinfo", "pfns", "freed", NULL,
};

/*
 * The sizes cover what the lesson teaches: vmalloc and vzalloc of a few
 * pages, rarely a whole number of them (the guard page shows in the
 * area's size); kvmalloc of at most a page, which kmalloc always serves;
 * and kvmalloc of more than kmalloc's 4 MiB ceiling (lesson 3), which
 * only vmalloc can serve.  What each one really got is read in the VM.
 */
static char *sizes_param(const struct vmalloc_priv *p)
{
	return xasprintf("vmalloc_sizes=%lu,%lu,%lu,%lu", p->sizes[0], p->sizes[1],
			 p->sizes[2], p->sizes[3]);
}

static void vmalloc_prepare(struct attempt *a)
{
	struct vmalloc_priv *p = xcalloc(1, sizeof(*p));
	struct strbuf sb = STRBUF_INIT;
	char *sizes;

	p->sizes[0] = attempt_random(a, 4097, 8 * 4096);
	p->sizes[1] = attempt_random(a, 1, 8 * 4096);
	p->sizes[2] = attempt_random(a, 1, 4096);
	p->sizes[3] = attempt_random(a, (4 << 20) + 1, 8 << 20);
	for (int i = 0; i < SLOTS; i++)
		strbuf_addf(&sb, "%s=%lu ", slot_params[i], p->sizes[i]);
	strbuf_addf(&sb, "nonce=%s", a->nonce);
	a->priv = p;
	a->params = strbuf_detach(&sb, NULL);
	a->inputs = xstrdup(a->params);
	sizes = sizes_param(p);
	a->probe_params = xasprintf("mode=vmalloc %s nonce=%s", sizes, a->nonce);
	free(sizes);
}

/* The learner's result for slot i, found by its name; NULL if absent. */
static const struct ktap_result *slot_result(const struct ktap_doc *d, int i)
{
	return ktap_find(d, slot_names[i]);
}

/* The addr= the learner's module printed for each slot, 0 for none. */
static void read_addrs(const struct ktap_doc *mine, unsigned long long *addrs)
{
	for (int i = 0; i < SLOTS; i++) {
		const struct ktap_result *res = slot_result(mine, i);

		if (!res || ktap_kv_hex(res->comment, "addr", &addrs[i]) != 1)
			addrs[i] = 0;
	}
}

/* vmallocinfo read as root with real addresses; the old setting put back. */
static void read_vmallocinfo(struct attempt *a, struct vm *vm, const char *name)
{
	attempt_read(a, vm, name,
		     "k=$(cat /proc/sys/kernel/kptr_restrict); "
		     "echo 1 > /proc/sys/kernel/kptr_restrict; cat /proc/vmallocinfo; "
		     "echo $k > /proc/sys/kernel/kptr_restrict",
		     10000, 1 << 20, 0, NULL);
}

/* The probe on the learner's pointers: its report is reading "vmpfn". */
static int vmalloc_while_loaded(struct attempt *a, struct vm *vm)
{
	struct vmalloc_priv *p = a->priv;
	struct ktap_doc mine;
	struct modrun pfn;
	char *sizes, *pp;
	int r;

	ktap_parse(strbuf_str(&a->learner.text), &mine);
	read_addrs(&mine, p->addrs);
	ktap_doc_release(&mine);

	read_vmallocinfo(a, vm, "vmallocinfo.loaded");
	sizes = sizes_param(p);
	pp = xasprintf("mode=vmpfn %s vmalloc_addrs=0x%llx,0x%llx,0x%llx,0x%llx nonce=%s", sizes,
		       p->addrs[0], p->addrs[1], p->addrs[2], p->addrs[3], a->nonce);
	r = modrun(vm, a->probe.ko, a->probe.name, pp, 30000, 1, &pfn);
	strbuf_addf(&a->transcript, "\n== while loaded: /proc/vmallocinfo\n%s"
		    "\n== while loaded: insmod %s %s\n%s",
		    attempt_reading(a, "vmallocinfo.loaded"), a->probe.name, pp,
		    strbuf_str(&pfn.log));
	free(sizes);
	free(pp);
	if (r == 0 && pfn.verdict != MODRUN_OK)
		r = error("the grader's probe failed in the lab VM (%s): this is a kmemlab "
			  "problem, not yours", pfn.reason);
	if (r == 0)
		strbuf_addstr(attempt_keep(a, "vmpfn"), strbuf_str(&pfn.text));
	modrun_release(&pfn);
	return r;
}

static int vmalloc_observe(struct attempt *a, struct vm *vm)
{
	read_vmallocinfo(a, vm, "vmallocinfo.after");
	return 0;
}

/* The line of info whose area starts at addr (or, with within, holds it). */
static int find_area(const char *info, unsigned long long addr, int within,
		     struct vm_area *out)
{
	for (const char *l = info; l && *l;) {
		const char *nl = strchr(l, '\n');
		char line[512];
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		struct vm_area va = { 0 };
		int used = 0;

		snprintf(line, sizeof(line), "%.*s", (int)n, l);
		l = nl ? nl + 1 : NULL;
		if (sscanf(line, "0x%llx-0x%llx %llu %n", &va.start, &va.end, &va.size,
			   &used) < 3 || !used)
			continue;
		if (within ? addr < va.start || addr >= va.end : addr != va.start)
			continue;
		/* The caller, with the module name after it when there is one. */
		{
			const char *c = line + used;
			size_t cl = strcspn(c, " ");

			if (c[cl] == ' ' && c[cl + 1] == '[')
				cl += 1 + strcspn(c + cl + 1, " ");
			snprintf(va.caller, sizeof(va.caller), "%.*s", (int)cl, c);
		}
		va.has_pages = ktap_kv_ulong(line + used, "pages", &va.pages) == 1;
		*out = va;
		return 1;
	}
	return 0;
}

/* The probe's result for slot i (both probe modes number slots 1..4). */
static const struct ktap_result *probe_slot(const struct ktap_doc *d, int i)
{
	for (int r = 0; r < d->nresults; r++)
		if (d->results[r].number == i + 1)
			return &d->results[r];
	return NULL;
}

/* Up to max comma-separated numbers (hex with 0x, or decimal). */
static int parse_list(const char *text, const char *key, unsigned long long *v, int max)
{
	char buf[512];
	int n = 0;

	if (!text || !ktap_kv(text, key, buf, sizeof(buf)))
		return -1;
	for (char *s = buf; *s && n < max;) {
		char *end;

		v[n++] = strtoull(s, &end, 0);
		if (end == s || (*end && *end != ','))
			return -1;
		s = *end ? end + 1 : end;
	}
	return n;
}

/* printk's %p prints a 32-bit hash: the high half of the value is 0. */
static int looks_hashed(unsigned long long addr)
{
	return addr && addr >> 32 == 0;
}

/*
 * Why slot i has no pointer to look at (for observed); with set_hint, the
 * matching hint replaces hint.
 */
static const char *no_pointer(const struct ktap_doc *mine, int i, int set_hint,
			      struct strbuf *hint)
{
	const struct ktap_result *r = slot_result(mine, i);
	const char *why;

	if (set_hint)
		strbuf_reset(hint);
	if (r && !r->ok) {
		why = "allocation failed";
		if (set_hint)
			strbuf_addf(hint, "%s: the allocation failed, so there is nothing to "
					  "look at: make it in vmalloc_ex_allocate() (TODO 1)",
				    slot_names[i]);
	} else if (!r) {
		why = "no result line";
		if (set_hint)
			strbuf_addf(hint, "%s: report it as 'ok N %s # ... addr=%%px ...'",
				    slot_names[i], slot_names[i]);
	} else {
		why = "no addr=";
		if (set_hint)
			strbuf_addf(hint, "%s: print the pointer as addr=%%px", slot_names[i]);
	}
	return why;
}

static void grade_allocs(struct attempt *a, const struct ktap_doc *mine)
{
	struct vmalloc_priv *p = a->priv;
	const char *hint = "report the four allocations in order as 'ok N NAME # size=...'";
	int ok = mine->nresults == SLOTS;

	for (int i = 0; i < SLOTS; i++) {
		const struct ktap_result *r = i < mine->nresults ? &mine->results[i] : NULL;
		unsigned long long size = 0;
		int have = r && ktap_kv_ulong(r->comment, "size", &size) == 1;

		strbuf_addf(&a->exp, "%sok %d %s size=%lu", i ? ", " : "", i + 1, slot_names[i],
			    p->sizes[i]);
		if (!r) {
			strbuf_addf(&a->obs, "%s(none)", i ? ", " : "");
			ok = 0;
			continue;
		}
		strbuf_addf(&a->obs, "%s%s %d %s size=", i ? ", " : "", r->ok ? "ok" : "not ok",
			    r->number, r->name ? r->name : "?");
		if (have)
			strbuf_addf(&a->obs, "%llu", size);
		else
			strbuf_addch(&a->obs, '?');
		if (!r->ok && ok)
			hint = i < 2 ? "an allocation came back NULL: store vmalloc(vsize) "
				       "and vzalloc(zsize) in bufs[] (TODO 1)"
				     : "an allocation came back NULL: store kvmalloc(ksmall, "
				       "GFP_KERNEL) and kvmalloc(kbig, GFP_KERNEL) in "
				       "bufs[] (TODO 1)";
		if (!r->ok || r->number != i + 1 || !r->name || strcmp(r->name, slot_names[i]) ||
		    !have || size != p->sizes[i])
			ok = 0;
	}
	if (mine->missing)
		strbuf_addf(&a->obs, " (%d planned results missing)", mine->missing);
	attempt_add_text(a, "allocs", ok, hint);
}

static void grade_vmalloc_addr(struct attempt *a, const struct ktap_doc *mine,
			       const struct ktap_doc *vmpfn, const struct ktap_doc *truth)
{
	struct vmalloc_priv *p = a->priv;
	int ok = p->looked;

	for (int i = 0; i < SLOTS; i++) {
		const struct ktap_result *r = slot_result(mine, i), *t = probe_slot(vmpfn, i);
		unsigned long long want = 0, got = 0;
		int have_want = t && t->ok && ktap_kv_ulong(t->comment, "vmalloc_addr", &want) == 1;
		int have = r && ktap_kv_ulong(r->comment, "vmalloc_addr", &got) == 1;

		/* No pointer of the learner's: what the probe's own one was. */
		if (!have_want && probe_slot(truth, i))
			ktap_kv_ulong(probe_slot(truth, i)->comment, "vmalloc_addr", &want);
		strbuf_addf(&a->exp, "%s%s:%llu", i ? " " : "", slot_names[i], want);
		if (!p->addrs[i])
			strbuf_addf(&a->obs, "%s%s:(%s)", i ? " " : "", slot_names[i],
				    no_pointer(mine, i, ok || !a->hint.len, &a->hint));
		else if (have)
			strbuf_addf(&a->obs, "%s%s:%llu", i ? " " : "", slot_names[i], got);
		else
			strbuf_addf(&a->obs, "%s%s:?", i ? " " : "", slot_names[i]);
		if (have_want && have && got == want)
			continue;
		if (p->addrs[i] && (ok || !a->hint.len)) {
			strbuf_reset(&a->hint);
			if (looks_hashed(p->addrs[i]))
				strbuf_addf(&a->hint, "addr=%llx is not a kernel address: %%p "
						   "prints a hashed value, %%px the real "
						   "pointer",
					    p->addrs[i]);
			else if (have_want && i >= 2)
				strbuf_addf(&a->hint, "kvmalloc(%lu) gave %s memory here: kvmalloc "
						   "tries kmalloc first; ask is_vmalloc_addr(p) "
						   "rather than guess",
					    p->sizes[i], want ? "vmalloc" : "kmalloc");
			else
				strbuf_addstr(&a->hint, "set vmalloc_addr from is_vmalloc_addr(p) "
						     "(TODO 2)");
		}
		ok = 0;
	}
	if (!p->looked)
		strbuf_addstr(&a->obs, " (not measured: the module did not load cleanly)");
	attempt_add_text(a, "vmalloc_addr", ok, NULL);
}

static void grade_vmallocinfo(struct attempt *a, const struct ktap_doc *mine,
			      const struct ktap_doc *vmpfn, unsigned long long page_size)
{
	struct vmalloc_priv *p = a->priv;
	const char *info = p->info_loaded;
	char *mod = xasprintf("[%s]", a->ex->module);
	int ok = p->looked && *p->info_loaded;

	for (int i = 0; i < SLOTS; i++) {
		const struct ktap_result *r = slot_result(mine, i), *t = probe_slot(vmpfn, i);
		unsigned long long addr = p->addrs[i], is_vm = 0, pages = 0, want_pages = 0;
		int have_pages = r && ktap_kv_ulong(r->comment, "pages", &pages) == 1;
		const char *sep = i ? "\n" : "";
		struct vm_area va;
		int found;
		const char *bad = NULL;

		if (!t || !t->ok || ktap_kv_ulong(t->comment, "vmalloc_addr", &is_vm) != 1) {
			strbuf_addf(&a->exp, "%s%s: its area", sep, slot_names[i]);
			strbuf_addf(&a->obs, "%s%s: (%s)", sep, slot_names[i],
				    no_pointer(mine, i, ok || !a->hint.len, &a->hint));
			ok = 0;
			continue;
		}
		ktap_kv_ulong(t->comment, "pages", &want_pages);
		if (!is_vm) {
			/* kmalloc memory: no vmalloc area may hold it. */
			found = find_area(info, addr, 1, &va);
			strbuf_addf(&a->exp, "%s%s: no area holds 0x%llx (kmalloc memory)", sep,
				    slot_names[i], addr);
			if (found) {
				strbuf_addf(&a->obs, "%s%s: inside 0x%llx-0x%llx %s", sep,
					    slot_names[i], va.start, va.end, va.caller);
				bad = "a vmalloc area holds this pointer, yet the probe's "
				      "is_vmalloc_addr() says it is not vmalloc memory";
			} else {
				strbuf_addf(&a->obs, "%s%s: none", sep, slot_names[i]);
			}
		} else {
			found = find_area(info, addr, 0, &va);
			if (i < 2)
				strbuf_addf(&a->exp, "%s%s: a line starting 0x%llx, caller in %s, "
						  "pages=%llu, size %llu (%llu pages + a guard "
						  "page)",
					    sep, slot_names[i], addr, mod, want_pages,
					    (want_pages + 1) * page_size, want_pages);
			else
				strbuf_addf(&a->exp, "%s%s: a line starting 0x%llx, caller in %s", sep,
					    slot_names[i], addr, mod);
			if (!found) {
				strbuf_addf(&a->obs, "%s%s: no area starts at 0x%llx", sep,
					    slot_names[i], addr);
				bad = "print the pointer vmalloc returned, unchanged, with %px";
			} else {
				strbuf_addf(&a->obs, "%s%s: 0x%llx-0x%llx %llu %s pages=%llu", sep,
					    slot_names[i], va.start, va.end, va.size, va.caller,
					    va.pages);
				if (!strstr(va.caller, mod) && va.caller[0] == '0')
					bad = "the area's caller is a bare address: you allocated "
					      "in __init code, which the kernel frees after "
					      "loading; allocate in the noinline helper "
					      "vmalloc_ex_allocate()";
				else if (!strstr(va.caller, mod))
					bad = "this area was not allocated by your module";
				else if (i < 2 && (!have_pages || pages != want_pages))
					bad = "report pages = DIV_ROUND_UP(size, PAGE_SIZE), the "
					      "pages= that vmallocinfo shows for the area";
			}
		}
		if (bad) {
			if (ok || !a->hint.len) {
				strbuf_reset(&a->hint);
				strbuf_addf(&a->hint, "%s: %s", slot_names[i], bad);
			}
			ok = 0;
		}
	}
	if (!p->looked || !*p->info_loaded)
		strbuf_addstr(&a->obs, "\n(not read: the module did not load cleanly)");
	attempt_add_text(a, "vmallocinfo", ok, NULL);
	free(mod);
}

static void list_add(struct strbuf *sb, const unsigned long long *v, int n)
{
	for (int j = 0; j < n; j++)
		strbuf_addf(sb, "%s0x%llx", j ? "," : "", v[j]);
	if (n <= 0)
		strbuf_addch(sb, '?');
}

static void grade_pfns(struct attempt *a, const struct ktap_doc *mine,
		       const struct ktap_doc *vmpfn)
{
	struct vmalloc_priv *p = a->priv;
	int ok = p->looked;

	for (int i = 0; i < SLOTS; i++) {
		const struct ktap_result *r = slot_result(mine, i), *t = probe_slot(vmpfn, i);
		unsigned long long want[MAX_PFNS], got[MAX_PFNS], is_vm = 0;
		int nw = t && t->ok ? parse_list(t->comment, "pfns", want, MAX_PFNS) : -1;
		int ng = r ? parse_list(r->comment, "pfns", got, MAX_PFNS) : -1;
		int same = nw > 0 && nw == ng && !memcmp(want, got, (size_t)nw * sizeof(*want));

		if (t)
			ktap_kv_ulong(t->comment, "vmalloc_addr", &is_vm);
		strbuf_addf(&a->exp, "%s%s: ", i ? "\n" : "", slot_names[i]);
		if (nw > 0)
			list_add(&a->exp, want, nw);
		else
			strbuf_addstr(&a->exp, "the PFNs behind its pointer");
		strbuf_addf(&a->obs, "%s%s: ", i ? "\n" : "", slot_names[i]);
		if (nw <= 0)
			strbuf_addf(&a->obs, "(%s)", no_pointer(mine, i, ok || !a->hint.len, &a->hint));
		else
			list_add(&a->obs, got, ng);
		if (same)
			continue;
		if (nw > 0 && (ok || !a->hint.len)) {
			strbuf_reset(&a->hint);
			if (ng != nw)
				strbuf_addf(&a->hint, "%s: one PFN per page for the first %d pages "
						   "(at most %d), as pfns=0x..,0x..",
					    slot_names[i], nw, MAX_PFNS);
			else if (is_vm)
				strbuf_addf(&a->hint, "%s: vmalloc memory is not in the direct "
						   "map, so virt_to_phys() means nothing there; "
						   "ask the page tables: vmalloc_to_pfn(p + j * "
						   "PAGE_SIZE) (TODO 3)",
					    slot_names[i]);
			else
				strbuf_addf(&a->hint, "%s: kmalloc memory is in the direct map: "
						   "its PFN is PHYS_PFN(virt_to_phys(p + j * "
						   "PAGE_SIZE)) (TODO 3)",
					    slot_names[i]);
		}
		ok = 0;
	}
	if (!p->looked)
		strbuf_addstr(&a->obs, "\n(not measured: the module did not load cleanly)");
	attempt_add_text(a, "pfns", ok, NULL);
}

static void grade_freed(struct attempt *a, const struct ktap_doc *vmpfn)
{
	struct vmalloc_priv *p = a->priv;
	const char *log = strbuf_str(&a->learner.text);
	char *mod = xasprintf("[%s]", a->ex->module);
	int ok = *p->info_after != '\0';
	const char *bad_free = strstr(log, "Trying to vfree()");

	for (int i = 0; i < SLOTS; i++) {
		const struct ktap_result *t = probe_slot(vmpfn, i);
		unsigned long long is_vm = 0;
		struct vm_area va;

		if (!p->addrs[i] || !t || ktap_kv_ulong(t->comment, "vmalloc_addr", &is_vm) != 1 ||
		    !is_vm)
			continue;
		/*
		 * A leaked area outlives the module: its caller is now a bare
		 * address.  Freed areas may linger as "unpurged vm_area"
		 * lines, which have no pages=.
		 */
		if (find_area(p->info_after, p->addrs[i], 0, &va) && va.has_pages &&
		    (va.caller[0] == '0' || strstr(va.caller, mod))) {
			strbuf_addf(&a->obs, "%s%s still allocated: 0x%llx-0x%llx %llu pages=%llu",
				    a->obs.len ? "\n" : "", slot_names[i], va.start, va.end, va.size,
				    va.pages);
			if (!a->hint.len)
				strbuf_addf(&a->hint, "free %s's buffer in vmalloc_ex_exit() with %s "
						   "(TODO 4)",
					    slot_names[i], i < 2 ? "vfree()" : "kvfree()");
			ok = 0;
		}
	}
	if (bad_free) {
		const char *nl = strchr(bad_free, '\n');

		strbuf_addf(&a->obs, "%sthe kernel logged: %.*s", a->obs.len ? "\n" : "",
			    (int)(nl ? nl - bad_free : (long)strlen(bad_free)), bad_free);
		strbuf_reset(&a->hint);
		strbuf_addstr(&a->hint, "vfree() only takes vmalloc memory; free kvmalloc() "
				     "pointers with kvfree(), which checks is_vmalloc_addr() "
				     "for you");
		ok = 0;
	}
	if (!*p->info_after)
		strbuf_addstr(&a->obs, "not read: the lab VM did not answer after rmmod");
	else if (ok)
		strbuf_addstr(&a->obs, "no area of your module left in /proc/vmallocinfo");
	strbuf_addstr(&a->exp, "after rmmod, none of your areas in /proc/vmallocinfo, and no "
			       "complaint from vfree()");
	attempt_add_text(a, "freed", ok, NULL);
	free(mod);
}

static void vmalloc_grade(struct attempt *a)
{
	struct vmalloc_priv *p = a->priv;
	const struct ktap_doc *mine = &a->report;
	struct ktap_doc vmpfn;
	unsigned long long page_size = 0;

	/* The pointers the probe looked at: none unless the module loaded cleanly. */
	p->looked = attempt_has_reading(a, "vmpfn");
	if (p->looked)
		read_addrs(mine, p->addrs);
	p->info_loaded = attempt_reading(a, "vmallocinfo.loaded");
	p->info_after = attempt_reading(a, "vmallocinfo.after");
	ktap_parse(attempt_reading(a, "vmpfn"), &vmpfn);
	for (int i = 0; i < a->truth_report.ndiag; i++)
		ktap_kv_ulong(a->truth_report.diag[i], "page_size", &page_size);

	attempt_check_ktap(a, SLOTS, "allocation");
	grade_allocs(a, mine);
	grade_vmalloc_addr(a, mine, &vmpfn, &a->truth_report);
	grade_vmallocinfo(a, mine, &vmpfn, page_size);
	grade_pfns(a, mine, &vmpfn);
	grade_freed(a, &vmpfn);

	ktap_doc_release(&vmpfn);
}

const struct checker checker_vmalloc = {
	.name = "vmalloc",
	.checks = vmalloc_checks,
	.prepare = vmalloc_prepare,
	.while_loaded = vmalloc_while_loaded,
	.observe = vmalloc_observe,
	.grade = vmalloc_grade,
};
