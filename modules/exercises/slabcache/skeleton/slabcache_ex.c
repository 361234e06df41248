// SPDX-License-Identifier: GPL-2.0
/*
 * slabcache_ex - kmemlab exercise 4: your own slab caches, a constructor,
 * and cache merging.
 *
 * The grader loads this module with an object size, a count and a name
 * suffix, for example
 *
 *	insmod slabcache_ex.ko size=60 count=150 suffix=ab12 nonce=abc
 *
 * Your module creates three caches of size-byte objects:
 *
 *	slabcache_<suffix>		with a constructor
 *	slabcache_<suffix>_plain	no constructor, no flags
 *	slabcache_<suffix>_debug	flags SLAB_POISON | SLAB_RED_ZONE
 *
 * allocates count objects from each, keeps them until unload, and reports
 * for each cache what kmem_cache_size() and ksize() say:
 *
 *	ok 1 ctor_cache # object_size=60 ksize=72 objects=150 ctor_calls=168
 *	# ctor_cache object: slab slabcache_ab12 start ffff888f0370ab88 pointer offset 0
 *
 * The loops and the printing are written for you. Your job is the five
 * TODOs. As given, no cache is ever created, so every line says
 * "not ok", which the grader marks as wrong.
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

/* Filled in by insmod: new values on every attempt. */
static unsigned int size;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "object size in bytes");

static unsigned int count;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "objects to allocate from each cache, up to 1000");

static char *suffix = "x";
module_param(suffix, charp, 0444);
MODULE_PARM_DESC(suffix, "cache names are slabcache_<suffix>, ..._plain, ..._debug");

/* A fresh token per attempt: it proves the report came from this run. */
static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "token from the grader, echoed in the report");

enum { CACHE_CTOR, CACHE_PLAIN, CACHE_DEBUG, NR_CACHES };

static const char *const test_name[NR_CACHES] = { "ctor_cache", "plain_cache", "debug_cache" };
static const char *const name_tail[NR_CACHES] = { "", "_plain", "_debug" };

/* The caches and every object, kept from init until exit. */
static struct kmem_cache *caches[NR_CACHES];
static char names[NR_CACHES][SLABCACHE_EX_NAME_MAX];
static void **objs[NR_CACHES];

/*
 * Counted by the constructor. Atomic because a constructor runs wherever
 * a new slab is made, on any CPU, for whoever is allocating.
 */
static atomic_t ctor_calls = ATOMIC_INIT(0);

/*
 * The constructor of the first cache. __maybe_unused only silences
 * "defined but not used" until TODO 2 passes it to kmem_cache_create().
 */
static void __maybe_unused slabcache_ex_ctor(void *obj)
{
	/*
	 * TODO 1: count this call: atomic_inc(&ctor_calls).
	 *
	 * A real constructor puts @obj into a ready-to-use state (a lock
	 * initialised, a list head empty). SLUB calls it for every object
	 * of a slab when it makes the slab, not on each allocation: the
	 * count will tell you how often that is.
	 */
}

/* Frees every object, then the caches. Also undoes a failed init. */
static void slabcache_ex_release(void)
{
	unsigned int c;

	for (c = 0; c < NR_CACHES; c++) {
		/*
		 * TODO 5: give back what this cache holds, in this order:
		 *
		 * 1. kmem_cache_free(caches[c], objs[c][i]) for each i below
		 *    count whose objs[c][i] is not NULL (only when objs[c]
		 *    is not NULL);
		 * 2. kmem_cache_destroy(caches[c]) (NULL is fine).
		 *
		 * Destroying a cache that still holds objects makes the
		 * kernel complain loudly and leaves the cache behind.
		 */
		kfree(objs[c]);
		objs[c] = NULL;
	}
}

/* Done for you: the line the grader parses. Do not change it. */
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
		unsigned int object_size = 0;	/* TODO 4 sets this */
		size_t real = 0;		/* TODO 4 sets this */

		snprintf(names[c], sizeof(names[c]), "slabcache_%s%s", suffix,
			 name_tail[c]);

		/*
		 * TODO 2: create the cache:
		 *
		 *	caches[c] = kmem_cache_create(names[c], size, 0, flags, ctor);
		 *
		 * 0 is the alignment (the default). flags and ctor depend on
		 * the cache:
		 *   CACHE_CTOR:  flags 0, ctor slabcache_ex_ctor
		 *   CACHE_PLAIN: flags 0, ctor NULL
		 *   CACHE_DEBUG: flags SLAB_POISON | SLAB_RED_ZONE, ctor NULL
		 *
		 * The kernel copies the name; it shows up in /sys/kernel/slab.
		 */

		if (!caches[c]) {
			pr_info("not ok %u %s # no cache\n", c + 1, test_name[c]);
			continue;
		}

		for (i = 0; i < count; i++) {
			/*
			 * TODO 3: objs[c][i] = kmem_cache_alloc(caches[c],
			 * GFP_KERNEL). Every object has the cache's size:
			 * the cache needs no size argument.
			 */
			if (!objs[c][i])
				break;
		}
		if (i < count) {
			pr_info("not ok %u %s # allocation %u failed\n", c + 1,
				test_name[c], i + 1);
			continue;
		}

		/*
		 * TODO 4: object_size = kmem_cache_size(caches[c]), the size
		 * the cache says its objects have, and real = ksize(objs[c][0]),
		 * the room the allocator really gave the first object.
		 */

		report_cache(c, object_size, real, i);
		/*
		 * Done for you: kmem_dump_obj() finishes this line with the
		 * name of the cache the object really came from. Compare it
		 * with names[c].
		 */
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
