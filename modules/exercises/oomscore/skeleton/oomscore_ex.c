/*
 * oomscore_ex: list every process with its oom_score and oom_score_adj,
 * predict oom_score from the process's memory and its adjustment the way
 * the 6.1 kernel computes it, then set adjustments on one process.
 *
 *     oomscore_ex NONCE PID ADJ...
 *
 * Output (one line each, key=value fields):
 *
 *     oomscore_ex nonce=NONCE totalpages=T
 *     proc pid=P rss=R pte=E swap=S adj=A score=O predicted=X comm=NAME
 *     set pid=P adj=A errno=N          (one per ADJ, 0 when accepted)
 *     after pid=P adj=A score=O predicted=X
 *
 * Your work is the five numbered TODOs.  As given, the program lists
 * every process but predicts 0 everywhere and never writes anything.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADJ_MIN (-1000)	/* OOM_SCORE_ADJ_MIN: never kill this process */

struct proc_mem {
	long rss, pte, swap;	/* pages */
	int has_mm;		/* kernel threads and zombies have no memory */
	char comm[64];
};

/* One number from a /proc file, or def if it cannot be read. */
static long read_long(const char *path, long def)
{
	FILE *f = fopen(path, "r");
	long v;

	if (!f)
		return def;
	if (fscanf(f, "%ld", &v) != 1)
		v = def;
	fclose(f);
	return v;
}

/* The "Key:   N kB" line of /proc/meminfo, in kB, or -1. */
static long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t n = strlen(key);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * RSS, page tables and swap from /proc/PID/status, which shows them in kB
 * (VmRSS = anon + file + shmem pages, the same counters the OOM killer
 * reads).  Returns -1 when the process is gone.
 */
static int read_status(int pid, struct proc_mem *m)
{
	char path[64], line[256];
	FILE *f;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Name:", 5)) {
			sscanf(line + 5, " %63[^\n]", m->comm);
			for (char *c = m->comm; *c; c++)
				if (isspace((unsigned char)*c))
					*c = '_';
		} else if (!strncmp(line, "VmRSS:", 6)) {
			/*
			 * TODO 2: status shows kB, the kernel counts 4 KiB
			 * pages.  Convert here and in the two lines below.
			 */
			m->rss = strtol(line + 6, NULL, 10);
			m->has_mm = 1;
		} else if (!strncmp(line, "VmPTE:", 6)) {
			m->pte = strtol(line + 6, NULL, 10);
		} else if (!strncmp(line, "VmSwap:", 7)) {
			m->swap = strtol(line + 7, NULL, 10);
		}
	}
	fclose(f);
	return 0;
}

/*
 * oom_badness() (mm/oom_kill.c) and proc_oom_score() (fs/proc/base.c) of
 * the 6.1 kernel.  Unkillable tasks (init, kernel threads, no mm) and
 * oom_score_adj == -1000 give LONG_MIN, which /proc shows as 0.  Otherwise
 * the adjustment counts as adj thousandths of all memory, in pages, and
 * the sum is scaled to 0..2000 and then by 2/3 (so 0..1333).
 */
static long predict(int pid, const struct proc_mem *m, long adj, long totalpages)
{
	/*
	 * TODO 3: return 0 for the processes the OOM killer never picks:
	 * pid 1, a process with no memory of its own (m->has_mm is 0:
	 * kernel threads), and adj == ADJ_MIN.
	 *
	 * TODO 4: badness = rss + swap + pte + adj * (totalpages / 1000),
	 * in pages; return (1000 + badness * 1000 / totalpages) * 2 / 3.
	 * Keep the kernel's order of operations: it is integer arithmetic.
	 */
	(void)pid;
	(void)m;
	(void)adj;
	(void)totalpages;
	return 0;
}

static void print_proc(const char *what, int pid, long totalpages, int with_comm)
{
	char path[64];
	struct proc_mem m;
	long adj, score;

	if (read_status(pid, &m) < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	adj = read_long(path, 0);
	snprintf(path, sizeof(path), "/proc/%d/oom_score", pid);
	score = read_long(path, -1);
	if (score < 0)
		return;
	if (with_comm)
		printf("%s pid=%d rss=%ld pte=%ld swap=%ld adj=%ld score=%ld predicted=%ld comm=%s\n",
		       what, pid, m.rss, m.pte, m.swap, adj, score,
		       predict(pid, &m, adj, totalpages), m.comm);
	else
		printf("%s pid=%d adj=%ld score=%ld predicted=%ld\n", what, pid, adj, score,
		       predict(pid, &m, adj, totalpages));
}

/* Write adj to /proc/PID/oom_score_adj; 0 or the errno of the failure. */
static int set_adj(int pid, const char *adj)
{
	/*
	 * TODO 5: open /proc/PID/oom_score_adj for writing, write adj as
	 * text and close it.  Return 0 when the kernel accepted it, else the
	 * errno of the step that failed.  With stdio, the kernel only sees
	 * the text when fclose() (or fflush()) writes it: that is where an
	 * out-of-range value fails, so check what fclose() returns.
	 */
	(void)pid;
	(void)adj;
	return 0;
}

int main(int argc, char **argv)
{
	long totalpages;
	struct dirent *d;
	DIR *dir;
	int pid;

	if (argc < 4) {
		fprintf(stderr, "usage: oomscore_ex NONCE PID ADJ...\n");
		return 2;
	}
	pid = atoi(argv[2]);
	/*
	 * TODO 1: the OOM killer's totalpages is totalram_pages() +
	 * total_swap_pages.  /proc/meminfo shows both in kB (MemTotal,
	 * SwapTotal).  As given, this is RAM alone, and in kB: add the swap
	 * and convert both to 4 KiB pages.
	 */
	totalpages = meminfo_kb("MemTotal");
	if (totalpages <= 0) {
		fprintf(stderr, "oomscore_ex: cannot read /proc/meminfo\n");
		return 1;
	}
	printf("oomscore_ex nonce=%s totalpages=%ld\n", argv[1], totalpages);

	dir = opendir("/proc");
	if (!dir) {
		perror("oomscore_ex: /proc");
		return 1;
	}
	while ((d = readdir(dir)))
		if (isdigit((unsigned char)d->d_name[0]))
			print_proc("proc", atoi(d->d_name), totalpages, 1);
	closedir(dir);

	for (int i = 3; i < argc; i++)
		printf("set pid=%d adj=%s errno=%d\n", pid, argv[i], set_adj(pid, argv[i]));
	print_proc("after", pid, totalpages, 0);
	return 0;
}
