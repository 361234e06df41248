/*
 * oomhog: the grader's memory holder for exercise 10 (oomscore).
 *
 *     oomhog MIB ADJ
 *
 * Sets its own oom_score_adj to ADJ, maps MIB MiB of anonymous memory and
 * writes to every page so that all of it is resident (RSS), prints
 * "ready" on stdout, and sleeps until killed.  It does nothing else, so
 * its RSS and page tables stay still while the learner's program and the
 * grader read them.
 *
 *     oomhog read PID...
 *
 * The grader's reading of them: "total=KB swap=KB" (MemTotal, SwapTotal),
 * then for each PID still there "pid=P score=S adj=A rss=KB pte=KB
 * swap=KB" (oom_score, oom_score_adj, VmRSS, VmPTE, VmSwap; empty where a
 * process has none, as a kernel thread).  One process instead of a shell
 * that starts one per number: under TCG each costs some 15 ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The text after "key:" in a /proc status-like file, trimmed, into v ("" if none). */
static void field(const char *path, const char *key, char *v, size_t n)
{
	char line[256];
	size_t k = strlen(key);
	FILE *f = fopen(path, "r");

	v[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, k) && line[k] == ':') {
			char *s = line + k + 1;

			s += strspn(s, " \t");
			snprintf(v, n, "%.*s", (int)strspn(s, "0123456789"), s);
		}
	if (f)
		fclose(f);
}

/* The first line of a one-line /proc file, without its newline; 0 if none. */
static int one_line(const char *path, char *v, size_t n)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(v, (int)n, f);

	if (f)
		fclose(f);
	if (ok)
		v[strcspn(v, "\n")] = '\0';
	return ok;
}

static int read_procs(int n, char **pids)
{
	char total[32], swap[32];

	field("/proc/meminfo", "MemTotal", total, sizeof(total));
	field("/proc/meminfo", "SwapTotal", swap, sizeof(swap));
	printf("total=%s swap=%s\n", total, swap);
	for (int i = 0; i < n; i++) {
		char path[64], score[32], adj[32], rss[32], pte[32], vswap[32];

		snprintf(path, sizeof(path), "/proc/%s/oom_score", pids[i]);
		if (!one_line(path, score, sizeof(score)))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/oom_score_adj", pids[i]);
		if (!one_line(path, adj, sizeof(adj)))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", pids[i]);
		field(path, "VmRSS", rss, sizeof(rss));
		field(path, "VmPTE", pte, sizeof(pte));
		field(path, "VmSwap", vswap, sizeof(vswap));
		printf("pid=%s score=%s adj=%s rss=%s pte=%s swap=%s\n", pids[i], score, adj, rss,
		       pte, vswap);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long mib, page = sysconf(_SC_PAGESIZE);
	size_t len;
	char *mem;
	FILE *f;

	if (argc >= 2 && !strcmp(argv[1], "read"))
		return read_procs(argc - 2, argv + 2);
	if (argc != 3 || (mib = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: oomhog MIB ADJ | oomhog read PID...\n");
		return 2;
	}
	f = fopen("/proc/self/oom_score_adj", "w");
	/* An invalid value only shows up when stdio flushes: check fclose. */
	if (!f || fprintf(f, "%s\n", argv[2]) < 0 || fclose(f) != 0) {
		perror("oomhog: oom_score_adj");
		return 1;
	}
	len = (size_t)mib << 20;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("oomhog: mmap");
		return 1;
	}
	/* A read would map the shared zero page; only a write makes RSS. */
	for (size_t off = 0; off < len; off += (size_t)page)
		mem[off] = 1;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
