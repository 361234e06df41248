// SPDX-License-Identifier: GPL-2.0
/*
 * A wrong solution for the grader's tests: it believes the constructor
 * runs once per kmem_cache_alloc(), so it counts allocations instead of
 * constructor calls.
 */

/* The grader reads KTAP, whose lines must start at column 0. */
#define pr_fmt(fmt) fmt

#include <linux/atomic.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#define SLABCACHE_EX_MAX_COUNT 1000
#define SLABCACHE_EX_NAME_MAX 64

static unsigned int size;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "object size in bytes");

static unsigned int count;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "objects to allocate from each cache, up to 1000");

static char *suffix = "x";
module_param(suffix, charp, 0444);
MODULE_PARM_DESC(suffix, "cache names are slabcache_<suffix>, ..._plain, ..._debug");

static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "token from the grader, echoed in the report");

enum { CACHE_CTOR, CACHE_PLAIN, CACHE_DEBUG, NR_CACHES };

static const char *const test_name[NR_CACHES] = { "ctor_cache", "plain_cache", "debug_cache" };
static const char *const name_tail[NR_CACHES] = { "", "_plain", "_debug" };

static struct kmem_cache *caches[NR_CACHES];
static char names[NR_CACHES][SLABCACHE_EX_NAME_MAX];
static void **objs[NR_CACHES];

/* Atomic: a constructor runs wherever a slab is made, on any CPU. */
static atomic_t ctor_calls = ATOMIC_INIT(0);

/* SLUB calls this once per object when it makes a new slab. */
static void slabcache_ex_ctor(void *obj)
{
}

/* Free every object, then the caches: also undoes a failed init. */
static void slabcache_ex_release(void)
{
	unsigned int c, i;

	for (c = 0; c < NR_CACHES; c++) {
		if (objs[c])
			for (i = 0; i < count; i++)
				if (objs[c][i])
					kmem_cache_free(caches[c], objs[c][i]);
		kfree(objs[c]);
		objs[c] = NULL;
		/* kmem_cache_destroy(NULL) does nothing. */
		kmem_cache_destroy(caches[c]);
		caches[c] = NULL;
	}
}

/* The result line the grader parses; only the first cache has a ctor. */
static void report_cache(unsigned int c, unsigned int object_size, size_t real,
			 unsigned int objects)
{
	if (c == CACHE_CTOR)
		pr_info("ok %u %s # object_size=%u ksize=%zu objects=%u ctor_calls=%d\n",
			c + 1, test_name[c], object_size, real, objects,
			atomic_read(&ctor_calls));
	else
		pr_info("ok %u %s # object_size=%u ksize=%zu objects=%u\n", c + 1,
			test_name[c], object_size, real, objects);
}

static int __init slabcache_ex_init(void)
{
	unsigned int c, i;

	if (!size || !count || count > SLABCACHE_EX_MAX_COUNT) {
		pr_err("slabcache_ex: load with size=BYTES count=1..%d\n",
		       SLABCACHE_EX_MAX_COUNT);
		return -EINVAL;
	}
	for (c = 0; c < NR_CACHES; c++) {
		objs[c] = kcalloc(count, sizeof(void *), GFP_KERNEL);
		if (!objs[c]) {
			slabcache_ex_release();
			return -ENOMEM;
		}
	}

	pr_info("KTAP version 1\n");
	pr_info("# slabcache_ex nonce=%s size=%u count=%u suffix=%s\n", nonce, size,
		count, suffix);
	pr_info("1..%d\n", NR_CACHES);

	for (c = 0; c < NR_CACHES; c++) {
		/* Only a plain cache may be merged into an existing one. */
		slab_flags_t flags = c == CACHE_DEBUG ? SLAB_POISON | SLAB_RED_ZONE : 0;
		void (*ctor)(void *) = c == CACHE_CTOR ? slabcache_ex_ctor : NULL;

		snprintf(names[c], sizeof(names[c]), "slabcache_%s%s", suffix,
			 name_tail[c]);
		caches[c] = kmem_cache_create(names[c], size, 0, flags, ctor);
		if (!caches[c]) {
			pr_info("not ok %u %s # no cache\n", c + 1, test_name[c]);
			continue;
		}

		for (i = 0; i < count; i++) {
			objs[c][i] = kmem_cache_alloc(caches[c], GFP_KERNEL);
			if (!objs[c][i])
				break;
			/* Wrong: one allocation is not one constructor call. */
			if (c == CACHE_CTOR)
				atomic_inc(&ctor_calls);
		}
		if (i < count) {
			pr_info("not ok %u %s # allocation %u failed\n", c + 1,
				test_name[c], i + 1);
			continue;
		}

		report_cache(c, kmem_cache_size(caches[c]), ksize(objs[c][0]), i);
		/* kmem_dump_obj() ends the line with the object's real cache. */
		pr_info("# %s object:", test_name[c]);
		kmem_dump_obj(objs[c][0]);
	}
	return 0;
}

static void __exit slabcache_ex_exit(void)
{
	slabcache_ex_release();
}

module_init(slabcache_ex_init);
module_exit(slabcache_ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise 4: custom slab caches, constructors and merging");
