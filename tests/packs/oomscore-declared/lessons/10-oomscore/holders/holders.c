/*
 * holders: the memory holders of the oomscore pack, and what the kernel
 * says of them.
 *
 *   holders start MIBS ADJS TARGET   MIBS and ADJS are four comma-separated
 *       numbers: start four holders, holder i taking MIBS[i] MiB (all of
 *       it resident) at oom_score_adj ADJS[i], and print, once all are
 *       ready, "hog0=PID ... hog3=PID target=PID other=PID ready=4":
 *       target is holder TARGET, other the holder after it.  The holders
 *       sleep until killed; this command returns.
 *   holders read PID...   print "total=KB swap=KB" (MemTotal, SwapTotal),
 *       then for each PID "pid=P score=S adj=A rss=KB pte=KB swap=KB"
 *       (oom_score, oom_score_adj, VmRSS, VmPTE, VmSwap; 0 where a
 *       process has none, as a kernel thread).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#define NHOLDERS 4

/* The number after "key:" in a /proc status-like file, or 0. */
static long field_kb(const char *path, const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* The first number in a one-line /proc file; *ok cleared when there is none. */
static long file_long(const char *path, int *ok)
{
	long v = 0;
	FILE *f = fopen(path, "r");

	if (!f || fscanf(f, "%ld", &v) != 1)
		*ok = 0;
	if (f)
		fclose(f);
	return v;
}

/* A holder: set the adjustment, make mib MiB resident, say so on fd, sleep. */
static void hold(long mib, const char *adj, int fd)
{
	size_t len = (size_t)mib << 20;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/oom_score_adj", "w");
	char *mem;
	int null = open("/dev/null", O_RDWR);

	/* Let go of the reading's output, or it would wait for us. */
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (!f || fprintf(f, "%s\n", adj) < 0 || fclose(f) != 0)
		_exit(1);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		_exit(1);
	for (size_t off = 0; off < len; off += (size_t)page)
		mem[off] = 1;
	if (write(fd, "r", 1) != 1)
		_exit(1);
	close(fd);
	for (;;)
		pause();
}

static int start(const char *mibs, const char *adjs, int target)
{
	char *m = strdup(mibs), *a = strdup(adjs), *ms = m, *as = a;
	pid_t pid[NHOLDERS];
	int fds[2], ready = 0;
	char c;

	if (!m || !a || pipe(fds) < 0 || target < 0 || target >= NHOLDERS)
		return 2;
	for (int i = 0; i < NHOLDERS; i++) {
		char *mi = strsep(&ms, ","), *ai = strsep(&as, ",");

		if (!mi || !ai)
			return 2;
		pid[i] = fork();
		if (pid[i] < 0)
			return 1;
		if (!pid[i]) {
			close(fds[0]);
			hold(atol(mi), ai, fds[1]);
		}
	}
	close(fds[1]);
	alarm(60);
	while (ready < NHOLDERS && read(fds[0], &c, 1) == 1)
		ready++;
	for (int i = 0; i < NHOLDERS; i++)
		printf("hog%d=%d ", i, (int)pid[i]);
	printf("target=%d other=%d ready=%d\n", (int)pid[target],
	       (int)pid[(target + 1) % NHOLDERS], ready);
	return ready == NHOLDERS ? 0 : 1;
}

static void show(const char *pid)
{
	char path[64];
	int ok = 1;
	long score, adj;

	snprintf(path, sizeof(path), "/proc/%s/oom_score", pid);
	score = file_long(path, &ok);
	snprintf(path, sizeof(path), "/proc/%s/oom_score_adj", pid);
	adj = file_long(path, &ok);
	if (!ok)
		return;
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	printf("pid=%s score=%ld adj=%ld rss=%ld pte=%ld swap=%ld\n", pid, score, adj,
	       field_kb(path, "VmRSS"), field_kb(path, "VmPTE"), field_kb(path, "VmSwap"));
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "start"))
		return start(argv[2], argv[3], atoi(argv[4]));
	if (argc >= 2 && !strcmp(argv[1], "read")) {
		printf("total=%ld swap=%ld\n", field_kb("/proc/meminfo", "MemTotal"),
		       field_kb("/proc/meminfo", "SwapTotal"));
		for (int i = 2; i < argc; i++)
			show(argv[i]);
		return 0;
	}
	fprintf(stderr, "usage: holders start MIBS ADJS TARGET | holders read PID...\n");
	return 2;
}
