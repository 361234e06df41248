/*
 * What a learner's module allocated and did not give back by the time it
 * was unloaded, on the kernel's own ground truth from the same run.
 *
 * Before insmod, a private trace instance (tracefs instances/kmemlab,
 * apart from whatever the exercise traces itself; the guest agent makes it
 * at boot in VMs started with vm_options.alloc_trace, as module exercises'
 * are) records the kmem
 * events kmalloc and kmem_cache_alloc whose call site is in module space,
 * and every kfree and kmem_cache_free.  Just before rmmod the allocations
 * whose call site lies in one of the module's code sections are taken
 * (where the kernel put each section, from /sys/module/NAME/sections; how
 * long it is, from the .ko: init code is freed after init, so its call
 * sites no longer resolve to names), with the /proc/vmallocinfo areas
 * whose caller does.  After rmmod, an allocation with no later free of the same
 * pointer, or an area still listed, leaked.  Allocations the exit function
 * makes, pages from alloc_pages() and what devres owns are not counted.
 */
#ifndef KMEMLAB_LEAKS_H
#define KMEMLAB_LEAKS_H

#include "util.h"
#include "vm.h"

struct leak_site {
	char *what;		/* "kmalloc", "kmem_cache_alloc", "vmalloc" */
	char *site;		/* "ksize_ex_init+0x5d" */
	int count;
	unsigned long long bytes;
};

/* A section of the module that holds code, where the kernel put it. */
struct leak_text {
	char *name;		/* ".text", ".init.text" */
	unsigned long long addr, size;
	int index;		/* its section number in the .ko */
};

/* A function of the module, for naming a call site. */
struct leak_func {
	char *name;
	int section;
	unsigned long long value, size;
};

struct leak_watch {
	char *module;
	char *tag;		/* "[module]", as a resolved call site ends */
	char *ko;		/* the built module, for its sections' sizes */
	struct leak_text *text;
	int ntext;
	struct leak_func *funcs;
	int nfuncs;
	int on;			/* the trace instance is recording */
	char *why_off;		/* why the check could not be made */
	struct strbuf allocs;	/* "ts ptr what bytes site\n" of the module's allocations */
	struct strbuf areas;	/* "addr bytes site\n" of its vmalloc areas */
	struct leak_site *leaks;
	int nleaks;
	int checked;		/* leaks[] is the answer */
};

/*
 * Before insmod of ko (named module).  Returns -1 only when kmemlab
 * failed (reported).
 */
int leaks_start(struct vm *vm, struct leak_watch *w, const char *module, const char *ko);
/* While the module is loaded, just before rmmod. */
int leaks_loaded(struct vm *vm, struct leak_watch *w);
/* After rmmod: fills w->leaks, or w->why_off. */
int leaks_finish(struct vm *vm, struct leak_watch *w);
void leaks_release(struct leak_watch *w);

/* For people: "2 allocations, 352 bytes: kmalloc 192 B at f+0x5d (x1); ...". */
char *leaks_describe(const struct leak_watch *w);

#endif
