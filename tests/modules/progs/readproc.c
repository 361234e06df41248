/* A user program for --prog: prints a /proc file with its size. */
#include <stdio.h>

int main(int argc, char **argv)
{
	char line[256];
	FILE *f = fopen(argc > 1 ? argv[1] : "/proc/kmemlab_procfile", "r");
	int n = 0;

	if (!f) {
		perror("fopen");
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		printf("readproc %d: %s", ++n, line);
	fclose(f);
	return 0;
}
