// SPDX-License-Identifier: GPL-2.0
/*
 * mode=slabcache: the ground truth of exercise 4 (custom slab caches).
 *
 * Builds the same three caches the learner builds, with the same object
 * size and flags but names of its own: one with a constructor, one plain
 * (which SLUB may merge into an existing cache), one with SLAB_POISON |
 * SLAB_RED_ZONE.  It allocates slab_count objects from each and reports
 * kmem_cache_size(), ksize() and the constructor's calls, so the grader
 * compares the learner's ksize() with the kernel's on an identical cache.
 * The caches and objects are kept until unload, so a lab-VM question can
 * read /sys/kernel/slab/kmemlab_probe_<suffix>* while the probe is loaded.
 */
#include "probe.h"

#include <linux/atomic.h>
#include <linux/slab.h>

#define PROBE_SLAB_MAX_COUNT 1000
#define PROBE_SLAB_NAME_MAX 64

static unsigned int slab_objsize;
module_param(slab_objsize, uint, 0444);
MODULE_PARM_DESC(slab_objsize, "mode=slabcache: object size in bytes");

static unsigned int slab_count;
module_param(slab_count, uint, 0444);
MODULE_PARM_DESC(slab_count, "mode=slabcache: objects to allocate from each cache");

static char *slab_suffix = "x";
module_param(slab_suffix, charp, 0444);
MODULE_PARM_DESC(slab_suffix, "mode=slabcache: cache names are kmemlab_probe_<suffix>[_plain|_debug]");

enum { CACHE_CTOR, CACHE_PLAIN, CACHE_DEBUG, NR_CACHES };

static const char *const cache_test[NR_CACHES] = { "ctor_cache", "plain_cache", "debug_cache" };
static const char *const cache_tail[NR_CACHES] = { "", "_plain", "_debug" };

static struct kmem_cache *caches[NR_CACHES];
static char names[NR_CACHES][PROBE_SLAB_NAME_MAX];
static void **objs[NR_CACHES];
static atomic_t ctor_calls = ATOMIC_INIT(0);

static void probe_slab_ctor(void *obj)
{
	atomic_inc(&ctor_calls);
}

static void probe_slab_exit(void)
{
	int c;
	unsigned int i;

	for (c = 0; c < NR_CACHES; c++) {
		if (objs[c])
			for (i = 0; i < slab_count; i++)
				if (objs[c][i])
					kmem_cache_free(caches[c], objs[c][i]);
		kfree(objs[c]);
		objs[c] = NULL;
		kmem_cache_destroy(caches[c]);
		caches[c] = NULL;
	}
}

static int probe_slabcache(const struct probe_mode *pm)
{
	static const slab_flags_t flags[NR_CACHES] = { 0, 0, SLAB_POISON | SLAB_RED_ZONE };
	int c;
	unsigned int i;

	if (!slab_objsize || !slab_count || slab_count > PROBE_SLAB_MAX_COUNT) {
		pr_err("kmemlab_probe: mode=%s needs slab_objsize=N and slab_count=1..%d\n",
		       pm->name, PROBE_SLAB_MAX_COUNT);
		return -EINVAL;
	}

	for (c = 0; c < NR_CACHES; c++) {
		snprintf(names[c], sizeof(names[c]), "kmemlab_probe_%s%s", slab_suffix,
			 cache_tail[c]);
		caches[c] = kmem_cache_create(names[c], slab_objsize, 0, flags[c],
					      c == CACHE_CTOR ? probe_slab_ctor : NULL);
		objs[c] = kcalloc(slab_count, sizeof(void *), GFP_KERNEL);
		if (!caches[c] || !objs[c]) {
			pr_err("kmemlab_probe: cannot create cache '%s'\n", names[c]);
			probe_slab_exit();
			return -ENOMEM;
		}
	}

	probe_begin(pm, NR_CACHES);
	for (c = 0; c < NR_CACHES; c++) {
		for (i = 0; i < slab_count; i++) {
			objs[c][i] = kmem_cache_alloc(caches[c], GFP_KERNEL);
			if (!objs[c][i])
				break;
		}
		if (i < slab_count) {
			pr_info("not ok %d %s # allocation %u failed\n", c + 1, cache_test[c], i + 1);
			continue;
		}
		if (c == CACHE_CTOR)
			pr_info("ok %d %s # object_size=%u ksize=%zu objects=%u ctor_calls=%d\n",
				c + 1, cache_test[c], kmem_cache_size(caches[c]),
				ksize(objs[c][0]), slab_count, atomic_read(&ctor_calls));
		else
			pr_info("ok %d %s # object_size=%u ksize=%zu objects=%u\n", c + 1,
				cache_test[c], kmem_cache_size(caches[c]), ksize(objs[c][0]),
				slab_count);
		/* Names the cache the object really came from: merged or not. */
		pr_info("# %s object:", cache_test[c]);
		kmem_dump_obj(objs[c][0]);
	}
	return 0;
}

const struct probe_mode probe_mode_slabcache = {
	.name = "slabcache",
	.run = probe_slabcache,
	.exit = probe_slab_exit,
};
