/*
 * oomkill_ex: exercise 11, the OOM killer.
 *
 * WRONG SOLUTION (tests): reports WEXITSTATUS() of a killed
 * child (0), not 128 + the signal.
 *
 *     oomkill_ex NONCE CGROUP LIMIT ADJ
 *
 * Starts two children that allocate and touch memory until the OOM killer
 * kills them, and reports how each one ended:
 *
 * 1. memcg: the first child runs in a new memory cgroup
 *    /sys/fs/cgroup/CGROUP whose memory.max is LIMIT bytes, so the kernel
 *    kills it when the group, not the machine, is full.
 * 2. global: the second child stays in the root group and sets its
 *    oom_score_adj to ADJ before it grows, so that when the whole VM runs
 *    out of memory it, and not a bigger process, is the one killed.
 *
 * Output (stdout), one line each:
 *
 *     oomkill_ex nonce=NONCE
 *     memcg pid=PID status=STATUS oom_kill=N
 *     global pid=PID adj=ADJ status=STATUS
 *
 * STATUS is what a shell's $? would say: the exit code, or 128 plus the
 * signal number when the child was killed.  N is the oom_kill count from
 * the group's memory.events.  The program itself exits 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CGROOT "/sys/fs/cgroup"
#define CHUNK (1 << 20)

/* Write text to a control file; 0 or an errno.  The write happens at fclose. */
static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return errno;
	if (fputs(text, f) == EOF) {
		int e = errno;

		fclose(f);
		return e;
	}
	return fclose(f) ? errno : 0;
}

/*
 * Allocate memory a megabyte at a time and write to every page of it:
 * malloc() only reserves addresses; a page is charged to the cgroup, and
 * counts in RSS, when it is first written.  volatile: the memory is never
 * read, so without it gcc -O2 drops the writes as dead stores.
 */
static void grow(void)
{
	long page = sysconf(_SC_PAGESIZE);

	for (;;) {
		volatile char *p = malloc(CHUNK);

		if (!p)
			continue;	/* keep asking: the OOM killer ends this */
		for (size_t off = 0; off < CHUNK; off += (size_t)page)
			p[off] = 1;
	}
}

/* What a shell would show as $? for a waitpid() status. */
static int shell_status(int st)
{
	return WEXITSTATUS(st);
}

static long read_oom_kill(const char *group)
{
	char path[256], key[64];
	long v, found = -1;
	FILE *f;

	snprintf(path, sizeof(path), CGROOT "/%s/memory.events", group);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, "oom_kill"))
			found = v;
	fclose(f);
	return found;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "oomkill_ex: %s: %s\n", what, strerror(err));
	exit(1);
}

static int run_memcg(const char *group, const char *limit)
{
	char path[256], pid[32];
	int st, e;
	pid_t child;

	snprintf(path, sizeof(path), CGROOT "/%s", group);
	if (mkdir(path, 0755) && errno != EEXIST)
		die(path, errno);
	/* A child group has memory.* files only when its parent hands the
	 * memory controller down. */
	e = write_file(CGROOT "/cgroup.subtree_control", "+memory");
	if (e)
		die("cgroup.subtree_control", e);
	snprintf(path, sizeof(path), CGROOT "/%s/memory.max", group);
	e = write_file(path, limit);
	if (e)
		die(path, e);
	fflush(stdout);
	child = fork();
	if (child < 0)
		die("fork", errno);
	if (child == 0) {
		/* Only the child moves: the parent must outlive the kill. */
		snprintf(path, sizeof(path), CGROOT "/%s/cgroup.procs", group);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		e = write_file(path, pid);
		if (e)
			die(path, e);
		grow();
	}
	if (waitpid(child, &st, 0) < 0)
		die("waitpid", errno);
	printf("memcg pid=%d status=%d oom_kill=%ld\n", (int)child, shell_status(st),
	       read_oom_kill(group));
	return 0;
}

static int run_global(const char *adj)
{
	pid_t child;
	int st, e;

	fflush(stdout);
	child = fork();
	if (child < 0)
		die("fork", errno);
	if (child == 0) {
		/* Volunteer as the victim before growing. */
		e = write_file("/proc/self/oom_score_adj", adj);
		if (e)
			die("oom_score_adj", e);
		grow();
	}
	if (waitpid(child, &st, 0) < 0)
		die("waitpid", errno);
	printf("global pid=%d adj=%s status=%d\n", (int)child, adj, shell_status(st));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: oomkill_ex NONCE CGROUP LIMIT ADJ\n");
		return 2;
	}
	printf("oomkill_ex nonce=%s\n", argv[1]);
	run_memcg(argv[2], argv[3]);
	run_global(argv[4]);
	return 0;
}
