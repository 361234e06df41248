/*
 * slabinfo_ex: which slab caches use the most memory, and which one grew.
 *
 *   slabinfo_ex NONCE top N        the N caches using the most memory now
 *   slabinfo_ex NONCE grew BEFORE  the cache that grew the most since BEFORE,
 *                                  a copy of /proc/slabinfo saved earlier
 *
 * Reference solution of kmemlab exercise 2.  Reads /proc/slabinfo, which
 * only root may read (mode 0400).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CACHES 1024

struct cache {
	char name[64];
	unsigned long active_objs, num_objs, objsize, objperslab, pagesperslab;
	unsigned long active_slabs, num_slabs;
	unsigned long long bytes;	/* memory the cache holds: whole slabs */
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
		unsigned long limit, batch, shared, avail;

		if (line[0] == '#')	/* the column header */
			continue;
		if (si->n == MAX_CACHES)
			break;
		if (sscanf(line, "%63s %lu %lu %lu %lu %lu : tunables %lu %lu %lu : slabdata %lu %lu %lu",
			   c->name, &c->active_objs, &c->num_objs, &c->objsize, &c->objperslab,
			   &c->pagesperslab, &limit, &batch, &shared, &c->active_slabs,
			   &c->num_slabs, &avail) != 12)
			continue;
		/* Memory is whole slabs, not objects times objsize: the gap is waste. */
		c->bytes = (unsigned long long)c->num_slabs * c->pagesperslab * page;
		si->n++;
	}
	fclose(f);
	return 0;
}

static int by_bytes_desc(const void *x, const void *y)
{
	const struct cache *a = x, *b = y;

	return a->bytes < b->bytes ? 1 : a->bytes > b->bytes ? -1 : strcmp(a->name, b->name);
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

		qsort(now.c, (size_t)now.n, sizeof(now.c[0]), by_bytes_desc);
		for (int i = 0; i < n && i < now.n; i++)
			printf("top %d name=%s bytes=%llu\n", i + 1, now.c[i].name, now.c[i].bytes);
	} else {
		const struct cache *best = NULL;
		long long best_growth = 0, objs = 0;

		if (read_slabinfo(argv[3], &before) < 0)
			return 1;
		for (int i = 0; i < now.n; i++) {
			const struct cache *old = find(&before, now.c[i].name);
			long long growth = (long long)now.c[i].bytes - (old ? (long long)old->bytes : 0);

			if (growth > best_growth) {
				best = &now.c[i];
				best_growth = growth;
				objs = (long long)now.c[i].active_objs -
				       (old ? (long long)old->active_objs : 0);
			}
		}
		if (!best) {
			printf("grew none\n");
			return 0;
		}
		printf("grew name=%s bytes=%+lld objs=%+lld\n", best->name, best_growth, objs);
	}
	return 0;
}
