/*
 * kbuild_once PATH...: build each module as kmemlab does (kbuild_module(),
 * with KMEMLAB_HOME, KMEMLAB_CACHE and KMEMLAB_KBUILD_FAST as usual) and
 * say how it went, without booting the lab VM: for timing builds, e.g.
 *
 *   farm-bench -- build/tests/kbuild_once mod
 *
 * Not a unit test (it needs the lab kernel's headers); make builds it with
 * `make build/tests/kbuild_once`.  Prints one line a build,
 * "PATH: ok|failed fast|full|cached MS ms", then the build log; exits 0
 * when every build made a .ko, 1 when one did not compile, 2 on an error.
 */
#include <stdio.h>

#include "lab.h"
#include "paths.h"

int main(int argc, char **argv)
{
	struct lab_kernel k;
	int ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: kbuild_once PATH...\n");
		return 2;
	}
	paths_init(NULL, NULL);
	if (lab_kernel_find(&k) < 0)
		return 2;
	for (int i = 1; i < argc; i++) {
		struct kbuild_result res;
		int r = kbuild_module(&k, argv[i], &res);

		if (r < 0) {
			ret = 2;
		} else {
			printf("%s: %s %s %lld ms\n", argv[i], r ? "failed" : "ok",
			       res.cached ? "cached" : res.fast ? "fast" : "full", (long long)res.ms);
			fputs(strbuf_str(&res.log), stdout);
			if (r && !ret)
				ret = 1;
		}
		kbuild_result_release(&res);
	}
	lab_kernel_release(&k);
	return ret;
}
