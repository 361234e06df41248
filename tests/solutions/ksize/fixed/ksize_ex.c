// SPDX-License-Identifier: GPL-2.0
/*
 * A wrong solution for the grader's tests: it prints numbers remembered
 * from the lesson instead of measuring the sizes it was given.
 */
#define pr_fmt(fmt) fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

static unsigned int sizes[32];
static unsigned int nr_sizes;
module_param_array(sizes, uint, &nr_sizes, 0444);

static char *nonce = "";
module_param(nonce, charp, 0444);

static const unsigned int remembered[][2] = {
	{ 160, 192 }, { 65, 96 }, { 193, 256 }, { 4097, 8192 }, { 8193, 16384 },
	{ 100000, 131072 },
};

static int __init ksize_ex_init(void)
{
	unsigned int i;

	pr_info("KTAP version 1\n");
	pr_info("# ksize_ex nonce=%s\n", nonce);
	pr_info("1..%zu\n", ARRAY_SIZE(remembered));
	for (i = 0; i < ARRAY_SIZE(remembered); i++) {
		unsigned int req = remembered[i][0], got = remembered[i][1];

		pr_info("ok %u size_%u # requested=%u ksize=%u wasted=%u waste_pct=%u\n",
			i + 1, req, req, got, got - req, (got - req) * 100 / got);
	}
	return 0;
}

static void __exit ksize_ex_exit(void)
{
}

module_init(ksize_ex_init);
module_exit(ksize_ex_exit);
MODULE_LICENSE("GPL");
