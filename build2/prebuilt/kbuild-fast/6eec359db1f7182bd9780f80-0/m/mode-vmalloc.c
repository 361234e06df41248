// SPDX-License-Identifier: GPL-2.0
/*
 * The ground truth of exercise 5 (vmalloc), in two modes that share their
 * parameters, so they live in one file.
 *
 * mode=vmalloc, before the learner's run: allocate vmalloc_sizes with
 * vmalloc, vzalloc, kvmalloc and kvmalloc (the exercise's four slots, in
 * that order) and report what the kernel did: is_vmalloc_addr(), the
 * number of pages the size spans, and whether vzalloc memory read as zero.
 *
 * mode=vmpfn, while the learner's module is still loaded: for each of
 * vmalloc_addrs (the learner's printed pointers) with the matching size,
 * report is_vmalloc_addr() and the PFN behind each of the first pages,
 * with the same calls the learner should make.  Addresses come from the
 * learner, so nothing here dereferences them: page tables are walked
 * (vmalloc_to_page) or the direct map is checked (virt_addr_valid) first.
 */
#include "probe.h"

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define VMALLOC_SLOTS 4
/* As many PFNs per allocation as the exercise asks the learner for. */
#define VMALLOC_MAX_PFNS 8

static const char *const slot_names[VMALLOC_SLOTS] = {
	"vmalloc", "vzalloc", "kvmalloc_small", "kvmalloc_big",
};

static unsigned long vmalloc_sizes[VMALLOC_SLOTS];
static unsigned int nr_vmalloc_sizes;
module_param_array(vmalloc_sizes, ulong, &nr_vmalloc_sizes, 0444);
MODULE_PARM_DESC(vmalloc_sizes, "mode=vmalloc,vmpfn: the four sizes in bytes");

static unsigned long vmalloc_addrs[VMALLOC_SLOTS];
static unsigned int nr_vmalloc_addrs;
module_param_array(vmalloc_addrs, ulong, &nr_vmalloc_addrs, 0444);
MODULE_PARM_DESC(vmalloc_addrs, "mode=vmpfn: the learner's four pointers (0: none)");

static bool sizes_ok(const struct probe_mode *pm)
{
	if (nr_vmalloc_sizes == VMALLOC_SLOTS)
		return true;
	pr_err("kmemlab_probe: mode=%s needs vmalloc_sizes=V,Z,KS,KB\n", pm->name);
	return false;
}

static int probe_vmalloc(const struct probe_mode *pm)
{
	unsigned int i;

	if (!sizes_ok(pm))
		return -EINVAL;

	probe_begin(pm, VMALLOC_SLOTS);
	pr_info("# page_size=%lu\n", PAGE_SIZE);
	for (i = 0; i < VMALLOC_SLOTS; i++) {
		unsigned long size = vmalloc_sizes[i];
		int zeroed = -1;
		void *p;

		switch (i) {
		case 0:
			p = vmalloc(size);
			break;
		case 1:
			p = vzalloc(size);
			if (p)
				zeroed = !memchr_inv(p, 0, size);
			break;
		default:
			p = kvmalloc(size, GFP_KERNEL);
			break;
		}
		if (!p) {
			pr_info("not ok %u %s # size=%lu allocation failed\n", i + 1,
				slot_names[i], size);
			continue;
		}
		pr_info("ok %u %s # size=%lu vmalloc_addr=%d pages=%lu zeroed=%d\n", i + 1,
			slot_names[i], size, is_vmalloc_addr(p), DIV_ROUND_UP(size, PAGE_SIZE),
			zeroed);
		kvfree(p);
	}
	return 0;
}

/* The PFN behind addr, or 0 when no page is mapped there. */
static unsigned long addr_pfn(unsigned long addr)
{
	const void *p = (const void *)addr;
	struct page *page;

	if (is_vmalloc_addr(p)) {
		page = vmalloc_to_page(p);
		return page ? page_to_pfn(page) : 0;
	}
	return virt_addr_valid(p) ? PHYS_PFN(__pa(addr)) : 0;
}

static int probe_vmpfn(const struct probe_mode *pm)
{
	unsigned int i;

	if (!sizes_ok(pm))
		return -EINVAL;
	if (nr_vmalloc_addrs != VMALLOC_SLOTS) {
		pr_err("kmemlab_probe: mode=%s needs vmalloc_addrs=A,B,C,D\n", pm->name);
		return -EINVAL;
	}

	probe_begin(pm, VMALLOC_SLOTS);
	for (i = 0; i < VMALLOC_SLOTS; i++) {
		unsigned long addr = vmalloc_addrs[i];
		unsigned long pages = DIV_ROUND_UP(vmalloc_sizes[i], PAGE_SIZE);
		unsigned long j;
		char pfns[VMALLOC_MAX_PFNS * 20] = "";
		size_t len = 0;

		if (!addr) {
			pr_info("not ok %u %s # no address\n", i + 1, slot_names[i]);
			continue;
		}
		for (j = 0; j < min_t(unsigned long, pages, VMALLOC_MAX_PFNS); j++)
			len += scnprintf(pfns + len, sizeof(pfns) - len, "%s0x%lx",
					 j ? "," : "", addr_pfn(addr + j * PAGE_SIZE));
		pr_info("ok %u %s # addr=%lx vmalloc_addr=%d pages=%lu pfns=%s\n", i + 1,
			slot_names[i], addr, is_vmalloc_addr((void *)addr), pages, pfns);
	}
	return 0;
}

const struct probe_mode probe_mode_vmalloc = {
	.name = "vmalloc",
	.run = probe_vmalloc,
};

const struct probe_mode probe_mode_vmpfn = {
	.name = "vmpfn",
	.run = probe_vmpfn,
};
