/*
 * memwatch_ex: sample five /proc/meminfo fields every INTERVAL_MS
 * milliseconds for DURATION_MS milliseconds, while something in the
 * kernel allocates and frees memory.
 *
 *     memwatch_ex NONCE INTERVAL_MS DURATION_MS
 *
 * Output (one line each, key=value fields, values in kB):
 *
 *     memwatch_ex nonce=NONCE interval_ms=I duration_ms=D
 *     sample t_ms=T MemFree=K MemAvailable=K Slab=K SUnreclaim=K VmallocUsed=K
 *
 * Two TODOs: read_meminfo() (TODO 1) and the sampling loop in main()
 * (TODO 2).  Build: gcc -static -o memwatch_ex memwatch_ex.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NFIELDS 5

static const char *const fields[NFIELDS] = {
	"MemFree", "MemAvailable", "Slab", "SUnreclaim", "VmallocUsed"
};

/*
 * Read the fields into kb[] (-1 when absent).  The file is opened afresh
 * each time: /proc/meminfo is generated at read time, and a stdio buffer
 * kept open would hand back the old text.
 */
static int read_meminfo(long kb[NFIELDS])
{
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	for (int i = 0; i < NFIELDS; i++)
		kb[i] = -1;
	/*
	 * TODO 1: read the file line by line (fgets) and fill kb[i] with the
	 * number of the line whose name is exactly fields[i].  Each line is
	 * "Name:   <spaces>   NUMBER kB".  Compare whole names: a prefix
	 * match on "Vmalloc" finds VmallocTotal (the size of the vmalloc
	 * address space, 32 TiB) before VmallocUsed.
	 */
	fclose(f);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC: wall-clock jumps must not bend the series. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void sleep_until(long t_ms)
{
	long left = t_ms - now_ms();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = left / 1000;
	ts.tv_nsec = (left % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	long interval, duration, start, kb[NFIELDS];

	if (argc != 4) {
		fprintf(stderr, "usage: %s NONCE INTERVAL_MS DURATION_MS\n", argv[0]);
		return 2;
	}
	interval = atol(argv[2]);
	duration = atol(argv[3]);
	if (interval <= 0 || duration < 0) {
		fprintf(stderr, "%s: bad interval or duration\n", argv[0]);
		return 2;
	}
	printf("memwatch_ex nonce=%s interval_ms=%ld duration_ms=%ld\n", argv[1], interval,
	       duration);
	start = now_ms();
	/*
	 * TODO 2: one sample is a snapshot, not a series.  Take sample k at
	 * start + k * interval (sleep_until()), for k = 0, 1, ... while
	 * k * interval <= duration: sleeping a fixed interval after each
	 * sample would drift by the time the sample itself takes.
	 */
	{
		sleep_until(start);	/* sample 0 is due at once */
		if (read_meminfo(kb) < 0) {
			perror("/proc/meminfo");
			return 1;
		}
		printf("sample t_ms=%ld", now_ms() - start);
		for (int i = 0; i < NFIELDS; i++)
			printf(" %s=%ld", fields[i], kb[i]);
		printf("\n");
		/* The grader may read the output while the program still runs. */
		fflush(stdout);
	}
	return 0;
}
