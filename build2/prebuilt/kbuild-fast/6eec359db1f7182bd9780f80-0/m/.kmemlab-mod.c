#include <linux/module.h>
#define INCLUDE_VERMAGIC
#include <linux/build-salt.h>
#include <linux/elfnote-lto.h>
#include <linux/export-internal.h>
#include <linux/vermagic.h>
#include <linux/compiler.h>

BUILD_SALT;
BUILD_LTO_INFO;

MODULE_INFO(vermagic, VERMAGIC_STRING);
MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};

#ifdef CONFIG_RETPOLINE
MODULE_INFO(retpoline, "Y");
#endif


static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0xc31db0ce, "is_vmalloc_addr" },
	{ 0xe5f5c05d, "param_ops_uint" },
	{ 0x228600bd, "param_ops_ulong" },
	{ 0x7f02188f, "__msecs_to_jiffies" },
	{ 0xaec04f75, "vmalloc_to_page" },
	{ 0x656e4a6e, "snprintf" },
	{ 0x96848186, "scnprintf" },
	{ 0x8f1a9d1b, "param_array_ops" },
	{ 0x37a0cba, "kfree" },
	{ 0x54496b4, "schedule_timeout_interruptible" },
	{ 0xb3f7646e, "kthread_should_stop" },
	{ 0x5188ed9d, "kmem_cache_create" },
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0xf9af4c2b, "wake_up_process" },
	{ 0x65487097, "__x86_indirect_thunk_rax" },
	{ 0x92997ed8, "_printk" },
	{ 0x9cb986f2, "vmalloc_base" },
	{ 0xa19b956, "__stack_chk_fail" },
	{ 0x86ed7fc0, "kmem_cache_alloc" },
	{ 0x40a9b349, "vzalloc" },
	{ 0x7cd8d75e, "page_offset_base" },
	{ 0x599fb41c, "kvmalloc_node" },
	{ 0x178f5673, "kmem_cache_size" },
	{ 0x4ea5d10, "ksize" },
	{ 0x8df92f66, "memchr_inv" },
	{ 0xc2d57e32, "kmem_cache_free" },
	{ 0x531b604e, "__virt_addr_valid" },
	{ 0x4c9d28b0, "phys_base" },
	{ 0x50116d86, "kthread_stop" },
	{ 0x57ae9fd5, "current_task" },
	{ 0x7278d328, "all_vm_events" },
	{ 0xfb578fc5, "memset" },
	{ 0xf2e9ee4a, "param_ops_charp" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0xe2d5255a, "strcmp" },
	{ 0x15ba50a6, "jiffies" },
	{ 0x10808d0d, "kthread_create_on_node" },
	{ 0x40c7247c, "si_meminfo" },
	{ 0x97651e6c, "vmemmap_base" },
	{ 0x999e8297, "vfree" },
	{ 0xb43f9365, "ktime_get" },
	{ 0x78d27962, "boot_cpu_data" },
	{ 0x9f76e404, "kmalloc_trace" },
	{ 0x7aa1756e, "kvfree" },
	{ 0xd6ee688f, "vmalloc" },
	{ 0xcb09776d, "kmem_dump_obj" },
	{ 0xf9a482f9, "msleep" },
	{ 0xeb233a45, "__kmalloc" },
	{ 0xec4361b0, "kmalloc_caches" },
	{ 0x42b9f706, "kmem_cache_destroy" },
	{ 0xa351f379, "module_layout" },
};

MODULE_INFO(depends, "");

