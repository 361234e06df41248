/*
 * The bundle reader (grader/bundle.h) on arbitrary files, as `class
 * import` gets them: gzip'd tar or plain tar, broken anywhere.  A valid
 * one is imported into a class (tests/fuzz/bundle-common.h).
 */
#include "bundle-common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_bundle_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write_file(data, size);
	fuzz_bundle_file();
	return 0;
}
