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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib, page = sysconf(_SC_PAGESIZE);
	size_t len;
	char *mem;
	FILE *f;

	if (argc != 3 || (mib = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: oomhog MIB ADJ\n");
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
