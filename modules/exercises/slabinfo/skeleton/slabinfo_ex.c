/*
 * slabinfo_ex: which slab caches use the most memory, and which one grew.
 *
 *   slabinfo_ex NONCE top N        the N caches using the most memory now
 *   slabinfo_ex NONCE grew BEFORE  the cache that grew the most since BEFORE,
 *                                  a copy of /proc/slabinfo saved earlier
 *
 * kmemlab exercise 2.  Four TODOs, in order.  Opening, checking the
 * version line and printing are done for you.  Run it as root:
 * /proc/slabinfo is mode 0400.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CACHES 1024

/* One row of /proc/slabinfo: the columns of its "# name ..." header. */
struct cache {
	char name[64];
	unsigned long active_objs, num_objs, objsize, objperslab, pagesperslab;
	unsigned long active_slabs, num_slabs;
	unsigned long long bytes;	/* memory the cache holds */
};

struct slabinfo {
	struct cache c[MAX_CACHES];
	int n;
};

/* Parse a version 2.1 slabinfo file into si; -1 (reported) on failure. */
static int read_slabinfo(const char *path, struct slabinfo *si)
{
	unsigned long long page = (unsigned long long)sysconf(_SC_PAGESIZE);
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f) {
		/* EACCES here means not root: /proc/slabinfo is mode 0400. */
		fprintf(stderr, "slabinfo_ex: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	si->n = 0;
	if (!fgets(line, sizeof(line), f) || strncmp(line, "slabinfo - version: 2.1", 23)) {
		fprintf(stderr, "slabinfo_ex: '%s' is not slabinfo version 2.1\n", path);
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct cache *c = &si->c[si->n];

		if (line[0] == '#')	/* the column header */
			continue;
		if (si->n == MAX_CACHES)
			break;
		/*
		 * TODO 1: a row looks like
		 *   dentry  10983  11067  192  21  1 : tunables 0 0 0 : slabdata  527  527  0
		 * Read all twelve numbers (sscanf with "%63s %lu ... : tunables
		 * %lu %lu %lu : slabdata %lu %lu %lu", the literal words
		 * included) into c's fields and a few locals for the columns
		 * you do not keep; skip the row (continue) unless sscanf
		 * returns 12.
		 */
		continue;

		/*
		 * TODO 2: c->bytes, the memory the cache holds.  The kernel
		 * hands a cache whole slabs of pagesperslab pages each, so it
		 * is num_slabs * pagesperslab * page, not num_objs * objsize:
		 * the difference is the slab's waste.
		 */
		(void)page;
		c->bytes = 0;
		si->n++;
	}
	fclose(f);
	return 0;
}

static const struct cache *find(const struct slabinfo *si, const char *name)
{
	for (int i = 0; i < si->n; i++)
		if (!strcmp(si->c[i].name, name))
			return &si->c[i];
	return NULL;
}

static struct slabinfo now, before;

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[2], "top") && strcmp(argv[2], "grew"))) {
		fprintf(stderr, "usage: slabinfo_ex NONCE top N\n"
				"       slabinfo_ex NONCE grew BEFORE\n");
		return 2;
	}
	if (read_slabinfo("/proc/slabinfo", &now) < 0)
		return 1;
	printf("# slabinfo_ex nonce=%s\n", argv[1]);
	if (!strcmp(argv[2], "top")) {
		int n = atoi(argv[3]);

		/*
		 * TODO 3: sort now.c[0 .. now.n - 1] by bytes, largest first
		 * (qsort with a comparison function of your own).
		 */
		for (int i = 0; i < n && i < now.n; i++)
			printf("top %d name=%s bytes=%llu\n", i + 1, now.c[i].name, now.c[i].bytes);
	} else {
		const struct cache *best = NULL;
		long long best_growth = 0, objs = 0;

		if (read_slabinfo(argv[3], &before) < 0)
			return 1;
		/*
		 * TODO 4: for each cache in now, find() it in before (a cache
		 * missing there counts as 0), and keep in best the one whose
		 * bytes grew the most, with that growth in best_growth and the
		 * growth of its active_objs in objs.
		 */
		(void)find;
		if (!best) {
			printf("grew none\n");
			return 0;
		}
		printf("grew name=%s bytes=%+lld objs=%+lld\n", best->name, best_growth, objs);
	}
	return 0;
}
