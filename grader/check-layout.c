/*
 * Exercise 7, layout: the learner's module prints where the x86_64
 * kernel's regions begin and end (PAGE_OFFSET, the vmalloc range,
 * VMEMMAP_START, the modules range, the kernel text), then six sample
 * addresses and the region each lies in.
 *
 * Ground truth, read in the same VM run after the module's: the PT_LOAD
 * program headers of /proc/kcore, one per region (the kernel text at
 * _text, the vmalloc range, the modules range, and the direct map and
 * vmemmap pieces of each RAM range), named with /proc/kallsyms (_text)
 * and /proc/meminfo (VmallocTotal, the vmalloc range's size).  KASLR
 * moves most of these on every boot, so nothing can be remembered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ktap.h"

enum region { R_NONE, R_DIRECT, R_VMALLOC, R_VMEMMAP, R_TEXT, R_MODULES, NR_REGIONS };

static const char *const region_names[NR_REGIONS] = {
	"other", "direct_map", "vmalloc", "vmemmap", "kernel_text", "modules",
};

enum { B_PAGE_OFFSET, B_VMALLOC_START, B_VMALLOC_END, B_VMEMMAP_START, B_MODULES_VADDR,
       B_MODULES_END, B_KERNEL_TEXT, NR_BOUNDS };

static const char *const bound_names[NR_BOUNDS] = {
	"page_offset", "vmalloc_start", "vmalloc_end", "vmemmap_start",
	"modules_vaddr", "modules_end", "kernel_text",
};

#define NR_SAMPLES 6

static const char *const sample_names[NR_SAMPLES] = {
	"module_global", "kmalloc", "vmalloc", "stack", "struct_page", "kernel_func",
};

/* Where each sample must be, whatever the learner says about it. */
static const enum region sample_home[NR_SAMPLES] = {
	R_MODULES, R_DIRECT, R_VMALLOC, R_VMALLOC, R_VMEMMAP, R_TEXT,
};

#define MAX_SEGS 64

/* One PT_LOAD of /proc/kcore: [vaddr, vaddr + memsz), or up to end inclusive. */
struct seg {
	unsigned long long vaddr, paddr, memsz;
	enum region r;
};

struct layout_truth {
	int ok;			/* everything below was read */
	char why[160];		/* what was missing, if not */
	unsigned long long text, vmalloc_total_kb;
	struct seg segs[MAX_SEGS];
	int nsegs;
	unsigned long long bounds[NR_BOUNDS];
};

static const char *const layout_checks[] = {
	"ktap", "nonce", "bounds", "samples", "regions", NULL,
};

static void layout_prepare(struct attempt *a)
{
	unsigned kbytes = attempt_random(a, 8, 4096), vbytes = attempt_random(a, 4097, 65536);

	a->params = xasprintf("kbytes=%u vbytes=%u nonce=%s", kbytes, vbytes, a->nonce);
	a->inputs = xstrdup(a->params);
}

/*
 * Root sees real addresses in /proc/kallsyms with kptr_restrict at 1 (at
 * 0 only if perf says so); the setting is put back.  _text comes early in
 * it: grep stops there rather than read all of it (a second under TCG).
 * The first page of
 * /proc/kcore holds its ELF and program headers, printed as hex bytes
 * since busybox has no readelf.
 */
static int layout_observe(struct attempt *a, struct vm *vm)
{
	attempt_read(a, vm, "layout",
		     "k=$(cat /proc/sys/kernel/kptr_restrict); "
		     "echo 1 > /proc/sys/kernel/kptr_restrict; "
		     "grep -m1 ' _text$' /proc/kallsyms; "
		     "echo $k > /proc/sys/kernel/kptr_restrict; "
		     "grep '^VmallocTotal:' /proc/meminfo; "
		     "echo kcore:; dd if=/proc/kcore bs=4096 count=1 2>/dev/null | od -An -tx1 -v",
		     10000, 64 << 10, 0, NULL);
	strbuf_addf(&a->transcript, "\n== ground truth (kallsyms, meminfo, kcore headers)\n%s",
		    attempt_reading(a, "layout"));
	return 0;
}

static unsigned long long le(const unsigned char *b, size_t off, int n)
{
	unsigned long long v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | b[off + (size_t)i];
	return v;
}

/* Read what observe() printed into t; t->ok says whether it all was there. */
static void parse_truth(const char *raw, struct layout_truth *t)
{
	static unsigned char elf[4096];
	const char *k = strstr(raw, "kcore:\n");
	size_t n = 0;
	unsigned long long phoff, phentsize, phnum, none = ~0ULL;

	memset(t, 0, sizeof(*t));
	for (const char *l = raw; l && *l && (!k || l < k);) {
		const char *nl = strchr(l, '\n');
		unsigned long long v;
		char name[32];

		if (sscanf(l, "%llx %*s %31s", &v, name) == 2 && !strcmp(name, "_text"))
			t->text = v;
		sscanf(l, "VmallocTotal: %llu", &t->vmalloc_total_kb);
		l = nl ? nl + 1 : NULL;
	}
	if (!t->text || !t->vmalloc_total_kb || !k) {
		snprintf(t->why, sizeof(t->why), "_text or VmallocTotal not read in the VM");
		return;
	}
	for (const char *s = k + 7; *s && n < sizeof(elf);) {
		char *end;
		unsigned long v = strtoul(s, &end, 16);

		if (end == s) {
			s++;
			continue;
		}
		elf[n++] = (unsigned char)v;
		s = end;
	}
	if (n < 64 || memcmp(elf, "\177ELF\2\1", 6)) {
		snprintf(t->why, sizeof(t->why),
			 "/proc/kcore did not start with a 64-bit ELF header");
		return;
	}
	phoff = le(elf, 0x20, 8);
	phentsize = le(elf, 0x36, 2);
	phnum = le(elf, 0x38, 2);
	for (unsigned long long i = 0; i < phnum && t->nsegs < MAX_SEGS; i++) {
		size_t off = (size_t)(phoff + i * phentsize);
		struct seg s;

		if (phentsize < 56 || off + 56 > n)
			break;
		if (le(elf, off, 4) != 1)	/* PT_LOAD */
			continue;
		s.vaddr = le(elf, off + 16, 8);
		s.paddr = le(elf, off + 24, 8);
		s.memsz = le(elf, off + 40, 8);
		/*
		 * kcore gives RAM and the kernel text a physical address and
		 * the rest none (all ones).  Of those, the vmalloc range is
		 * the one as big as VmallocTotal, the modules range lies
		 * above the kernel text, and vmemmap is the rest.
		 */
		if (s.paddr != none)
			s.r = s.vaddr == t->text ? R_TEXT : R_DIRECT;
		else if (s.memsz >> 10 == t->vmalloc_total_kb)
			s.r = R_VMALLOC;
		else if (s.vaddr > t->text)
			s.r = R_MODULES;
		else
			s.r = R_VMEMMAP;
		t->segs[t->nsegs++] = s;
	}
	for (int i = 0; i < t->nsegs; i++) {
		const struct seg *s = &t->segs[i];

		switch (s->r) {
		case R_DIRECT:
			t->bounds[B_PAGE_OFFSET] = s->vaddr - s->paddr;
			break;
		case R_VMALLOC:
			/* VMALLOC_END is the range's last byte. */
			t->bounds[B_VMALLOC_START] = s->vaddr;
			t->bounds[B_VMALLOC_END] = s->vaddr + s->memsz;
			break;
		case R_VMEMMAP:
			/*
			 * The lowest piece: the struct pages of the first RAM
			 * range, which starts at page frame 1 in the lab VM, so
			 * its page is vmemmap's first.
			 */
			if (!t->bounds[B_VMEMMAP_START] || s->vaddr < t->bounds[B_VMEMMAP_START])
				t->bounds[B_VMEMMAP_START] = s->vaddr;
			break;
		case R_MODULES:
			t->bounds[B_MODULES_VADDR] = s->vaddr;
			t->bounds[B_MODULES_END] = s->vaddr + s->memsz;
			break;
		default:
			break;
		}
	}
	t->bounds[B_KERNEL_TEXT] = t->text;
	for (int b = 0; b < NR_BOUNDS; b++)
		if (!t->bounds[b]) {
			snprintf(t->why, sizeof(t->why), "no /proc/kcore program header gives %s",
				 bound_names[b]);
			return;
		}
	t->ok = 1;
}

/* The region that holds addr, by the VM's own program headers. */
static enum region region_at(const struct layout_truth *t, unsigned long long addr)
{
	for (int i = 0; i < t->nsegs; i++) {
		const struct seg *s = &t->segs[i];
		unsigned long long last = s->vaddr + s->memsz - (s->r == R_VMALLOC ? 0 : 1);

		if (addr >= s->vaddr && addr <= last)
			return s->r;
	}
	return R_NONE;
}

/* addr= of the named result, in hex: 1 ok, 0 absent or malformed. */
static int result_addr(const struct ktap_doc *d, const char *name, unsigned long long *v)
{
	const struct ktap_result *r = ktap_find(d, name);

	return r && ktap_kv_hex(r->comment, "addr", v) == 1;
}

static void bound_hint(int b, const struct layout_truth *t, unsigned long long got,
		       struct strbuf *hint)
{
	switch (b) {
	case B_KERNEL_TEXT:
		strbuf_addf(hint, "KASLR moved the kernel this boot: _text is at 0x%llx in "
				  "/proc/kallsyms, 0x%llx away from 0x%llx; report "
				  "kernel_text_start(), not a link-time address such as "
				  "__START_KERNEL",
			    t->text, t->text > got ? t->text - got : got - t->text, got);
		break;
	case B_VMALLOC_END:
		strbuf_addf(hint, "VMALLOC_END is the last byte of the range: VmallocTotal "
				  "(%llu kB) is (VMALLOC_END - VMALLOC_START) / 1024",
			    t->vmalloc_total_kb);
		break;
	default:
		strbuf_addf(hint, "report the value of the kernel's %s macro (TODO 1)",
			    b == B_PAGE_OFFSET ? "PAGE_OFFSET"
			    : b == B_VMALLOC_START ? "VMALLOC_START"
			    : b == B_VMEMMAP_START ? "VMEMMAP_START"
			    : b == B_MODULES_VADDR ? "MODULES_VADDR"
						   : "MODULES_END");
		break;
	}
}

static void grade_bounds(struct attempt *a, const struct ktap_doc *mine,
			 const struct layout_truth *t)
{
	int ok = t->ok;

	for (int b = 0; b < NR_BOUNDS; b++) {
		unsigned long long got = 0;
		int have = result_addr(mine, bound_names[b], &got);

		strbuf_addf(&a->exp, "%s%s=%016llx", b ? "\n" : "", bound_names[b], t->bounds[b]);
		if (have)
			strbuf_addf(&a->obs, "%s%s=%016llx", b ? "\n" : "", bound_names[b], got);
		else
			strbuf_addf(&a->obs, "%s%s=?", b ? "\n" : "", bound_names[b]);
		if (have && got == t->bounds[b])
			continue;
		if (ok || !a->hint.len) {
			strbuf_reset(&a->hint);
			if (!have)
				strbuf_addf(&a->hint, "print 'ok N %s # addr=<hex>'", bound_names[b]);
			else
				bound_hint(b, t, got, &a->hint);
		}
		ok = 0;
	}
	if (!t->ok)
		strbuf_addf(&a->obs, "\n(not measured: %s)", t->why);
	attempt_add_text(a, "bounds", ok, NULL);
}

static void sample_hint(int i, unsigned long long addr, enum region where, struct strbuf *hint)
{
	if (addr && addr >> 32 == 0) {
		strbuf_addf(hint, "%s: %llx is not a kernel address: %%p prints a hashed value, "
				  "%%px the real pointer",
			    sample_names[i], addr);
		return;
	}
	switch (i) {
	case 1:
	case 2:
		strbuf_addf(hint, "%s: report the pointer %s returned%s", sample_names[i],
			    sample_names[i],
			    where == R_MODULES ? ", not the address of the variable that holds it"
					       : "");
		break;
	case 3:
		strbuf_addf(hint, "stack: report the address of a local variable of the init "
				  "function (&local)");
		break;
	case 4:
		strbuf_addf(hint, "struct_page: report virt_to_page(kbuf), the struct page of "
				  "the kmalloc buffer's page frame");
		break;
	case 5:
		strbuf_addf(hint, "kernel_func: report the address of a function of the kernel "
				  "itself, such as kfree");
		break;
	default:
		strbuf_addf(hint, "module_global: report the address of a variable of your "
				  "module (&layout_ex_global)");
		break;
	}
}

static void grade_samples(struct attempt *a, const struct ktap_doc *mine,
			  const struct layout_truth *t)
{
	int ok = t->ok;

	for (int i = 0; i < NR_SAMPLES; i++) {
		unsigned long long addr = 0;
		int have = result_addr(mine, sample_names[i], &addr);
		enum region where = have ? region_at(t, addr) : R_NONE;

		strbuf_addf(&a->exp, "%s%s in %s", i ? "\n" : "", sample_names[i],
			    region_names[sample_home[i]]);
		if (i == 5)
			strbuf_addf(&a->exp, " (the kernel image, from _text 0x%llx)", t->text);
		if (have)
			strbuf_addf(&a->obs, "%s%s=%016llx: in %s", i ? "\n" : "", sample_names[i],
				    addr, where == R_NONE ? "no region of /proc/kcore"
							  : region_names[where]);
		else
			strbuf_addf(&a->obs, "%s%s: no addr=", i ? "\n" : "", sample_names[i]);
		if (have && where == sample_home[i])
			continue;
		if (ok || !a->hint.len) {
			strbuf_reset(&a->hint);
			sample_hint(i, addr, where, &a->hint);
		}
		ok = 0;
	}
	if (!t->ok)
		strbuf_addf(&a->obs, "\n(not measured: %s)", t->why);
	attempt_add_text(a, "samples", ok, NULL);
}

static void grade_regions(struct attempt *a, const struct ktap_doc *mine,
			  const struct layout_truth *t)
{
	int ok = t->ok;

	for (int i = 0; i < NR_SAMPLES; i++) {
		const struct ktap_result *r = ktap_find(mine, sample_names[i]);
		unsigned long long addr = 0;
		int have = result_addr(mine, sample_names[i], &addr);
		enum region where = have ? region_at(t, addr) : R_NONE;
		char said[32] = "?";

		if (r)
			ktap_kv(r->comment, "region", said, sizeof(said));
		if (where == R_NONE)
			strbuf_addf(&a->exp, "%s%s: (needs an address inside a region)", i ? " " : "",
				    sample_names[i]);
		else
			strbuf_addf(&a->exp, "%s%s: %s", i ? " " : "", sample_names[i],
				    region_names[where]);
		strbuf_addf(&a->obs, "%s%s: %s", i ? " " : "", sample_names[i], said);
		if (where != R_NONE && !strcmp(said, region_names[where]))
			continue;
		if (ok || !a->hint.len) {
			strbuf_reset(&a->hint);
			if (where == R_NONE)
				strbuf_addf(&a->hint, "%s: its address is in no region, so there is "
						   "nothing to classify: fix the samples first",
					    sample_names[i]);
			else if (i == 3 && where == R_VMALLOC)
				strbuf_addstr(&a->hint, "stack: kernel stacks are vmalloc memory "
						     "on this kernel (CONFIG_VMAP_STACK=y): a "
						     "stack overflow hits a guard page instead "
						     "of its neighbour");
			else
				strbuf_addf(&a->hint, "%s: 0x%llx is in %s; region_of() must "
						   "test both ends of each range (TODO 3)",
					    sample_names[i], addr, region_names[where]);
		}
		ok = 0;
	}
	if (!t->ok)
		strbuf_addf(&a->obs, " (not measured: %s)", t->why);
	attempt_add_text(a, "regions", ok, NULL);
}

static void layout_grade(struct attempt *a)
{
	struct layout_truth t;

	parse_truth(attempt_reading(a, "layout"), &t);
	attempt_check_ktap(a, NR_BOUNDS + NR_SAMPLES, "boundary or sample");
	grade_bounds(a, &a->report, &t);
	grade_samples(a, &a->report, &t);
	grade_regions(a, &a->report, &t);
}

const struct checker checker_layout = {
	.name = "layout",
	.checks = layout_checks,
	.prepare = layout_prepare,
	.observe = layout_observe,
	.grade = layout_grade,
};
