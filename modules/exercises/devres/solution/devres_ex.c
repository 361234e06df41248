// SPDX-License-Identifier: GPL-2.0
/*
 * devres_ex: managed (devm) memory in a platform driver.
 *
 * The module registers a platform driver and a platform device of its own
 * that the driver binds to.  probe() allocates every buffer with
 * devm_kzalloc()/devm_kmalloc() (and one coherent DMA buffer with
 * dmam_alloc_coherent()) and frees nothing: the driver core releases them
 * when the device is unbound.  Init then unbinds the device and binds it
 * again, so probe() runs twice and the first set is released in between.
 *
 * Output is KTAP: one test per allocation per probe, e.g.
 *   ok 3 probe1_buf3 # size=200
 *   ok 5 probe1_dma # size=4096 dma=0x...
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#define MAX_BUFS 8
#define ROUNDS 2

static unsigned int sizes[MAX_BUFS];
static int nr_sizes;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "bytes of each managed buffer probe() allocates");

static unsigned int dma_size;
module_param(dma_size, uint, 0444);
MODULE_PARM_DESC(dma_size, "bytes of coherent DMA memory probe() allocates (0: none)");

static char *nonce = "";
module_param(nonce, charp, 0444);
MODULE_PARM_DESC(nonce, "echoed back to prove the report is fresh");

static struct platform_device *pdev;
static int round;	/* which probe this is: 1, then 2 after the rebind */
static int test_nr;	/* the KTAP test number of the last result */

static int devres_ex_probe(struct platform_device *pd)
{
	struct device *dev = &pd->dev;
	int i;

	round++;
	pr_info("# devres_ex: probe round=%d device=%s\n", round, dev_name(dev));
	for (i = 0; i < nr_sizes; i++) {
		/* Even buffers zeroed, odd ones not: both are the same devres. */
		void *buf = i % 2 ? devm_kmalloc(dev, sizes[i], GFP_KERNEL)
				  : devm_kzalloc(dev, sizes[i], GFP_KERNEL);

		if (!buf) {
			pr_info("not ok %d probe%d_buf%d # size=%u\n", ++test_nr, round,
				i + 1, sizes[i]);
			/* Nothing to undo: what was allocated is released on failure. */
			return -ENOMEM;
		}
		pr_info("ok %d probe%d_buf%d # size=%u\n", ++test_nr, round, i + 1, sizes[i]);
	}
	if (dma_size) {
		dma_addr_t handle;
		void *cpu = dmam_alloc_coherent(dev, dma_size, &handle, GFP_KERNEL);

		if (!cpu) {
			pr_info("not ok %d probe%d_dma # size=%u\n", ++test_nr, round, dma_size);
			return -ENOMEM;
		}
		/* The address the device would use, not the CPU's pointer. */
		pr_info("ok %d probe%d_dma # size=%u dma=%pad\n", ++test_nr, round, dma_size,
			&handle);
	}
	return 0;
}

/* The managed memory is still valid here: it is released after remove(). */
static int devres_ex_remove(struct platform_device *pd)
{
	pr_info("# devres_ex: remove round=%d\n", round);
	return 0;
}

static struct platform_driver devres_ex_driver = {
	.probe = devres_ex_probe,
	.remove = devres_ex_remove,
	.driver = { .name = "devres_ex" },
};

static int __init devres_ex_init(void)
{
	int err;

	pr_info("KTAP version 1\n");
	pr_info("1..%d\n", ROUNDS * (nr_sizes + !!dma_size));
	pr_info("# devres_ex: nonce=%s\n", nonce);

	err = platform_driver_register(&devres_ex_driver);
	if (err)
		return err;
	/* Registering a device whose name matches the driver binds it: probe 1. */
	pdev = platform_device_register_simple("devres_ex", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(pdev)) {
		platform_driver_unregister(&devres_ex_driver);
		return PTR_ERR(pdev);
	}
	/* Unbind (remove, then the managed memory is released) and bind again. */
	device_release_driver(&pdev->dev);
	err = device_attach(&pdev->dev);
	if (err != 1) {
		pr_info("# devres_ex: rebind failed (%d)\n", err);
		platform_device_unregister(pdev);
		platform_driver_unregister(&devres_ex_driver);
		return err < 0 ? err : -ENODEV;
	}
	return 0;
}

static void __exit devres_ex_exit(void)
{
	/* Unregistering the device unbinds it: the second set is released. */
	platform_device_unregister(pdev);
	platform_driver_unregister(&devres_ex_driver);
}

module_init(devres_ex_init);
module_exit(devres_ex_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemlab exercise: managed memory with devres");
