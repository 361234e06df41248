# kmemlab lab run: any module, every way it can go wrong.
M=$TOP/tests/modules

test_lab_hello_dir() {
	km lab run "$M/hello"
	expect_rc 0
	expect_out '^\[ *[0-9]+\.[0-9]+\] hello from the lab$'
	expect_out '^\[ *[0-9]+\.[0-9]+\] goodbye from the lab$'
	expect_out '^lab: hello: loaded and unloaded cleanly \(build'
}

test_lab_single_c_file_and_ko() {
	cp "$M/params/params.c" my-params.c
	km lab run my-params.c --param count=7 --param name=kmem
	expect_rc 0
	expect_out 'params: count=7 name=kmem$'
	# The learner's directory stays clean: kbuild ran in the cache.
	[ -z "$(ls | grep -v '^my-params.c$' | grep -v '^out\.' | grep -v '^home$')" ] ||
		fail "build output left beside the source: $(ls)"
	ko=$(find "$KMEMLAB_CACHE/kbuild" -name 'my-params.ko' | head -n 1)
	[ -n "$ko" ] || fail "no my-params.ko in the build cache"
	cp "$ko" ./prebuilt.ko
	km lab run ./prebuilt.ko --param count=3
	expect_rc 0
	expect_out 'params: count=3 name=$'
}

test_lab_classic_makefile() {
	km lab run "$M/classic"
	expect_rc 0
	expect_out 'classic module loaded$'
}

test_lab_compile_error() {
	km lab run "$M/broken"
	expect_rc 1
	expect_out "$M/broken/broken.c:5:25: error: expected expression"
	expect_out '^lab: .*broken: build failed$'
}

test_lab_insmod_error() {
	km lab run "$M/einval"
	expect_rc 1
	expect_out 'einval: init returns -EINVAL$'
	expect_out "^lab: einval: insmod 'einval' failed: Invalid argument"
}

test_lab_oops() {
	km lab run "$M/oops"
	expect_rc 1
	expect_out '^lab: oops: BUG: kernel NULL pointer dereference'
	expect_out 'RIP: 0010:oops_init'
}

test_lab_panic() {
	km lab run "$M/panic"
	expect_rc 1
	expect_out '^lab: panic: Kernel panic - not syncing: kmemlab test panic'
}

test_lab_hang() {
	start=$(date +%s)
	km lab run "$M/hang" --timeout 5
	took=$(( $(date +%s) - start ))
	expect_rc 1
	expect_out '^lab: hang: timed out after 5 s'
	# Limit 5 s plus the reply margin, boot and build: far below a minute.
	[ "$took" -lt 60 ] || fail "a 5 s time limit took $took s"
}

test_lab_flood() {
	km lab run "$M/flood"
	expect_rc 1
	expect_out '^lab: flood: the module flooded the kernel log: the kernel dropped [0-9]+ lines'
	expect_out 'flood line 299999$'
	[ "$(wc -c < "$OUT")" -lt 600000 ] || fail "flood output was not capped: $(wc -c < "$OUT") bytes"
}

test_lab_usage_errors() {
	km lab run
	expect_rc 2
	expect_err 'name a module'
	km lab run "$M/hello" --param novalue
	expect_rc 2
	expect_err "wants NAME=VALUE"
	km lab run /nonexistent/mod.c
	expect_rc 2
	expect_err "cannot open '/nonexistent/mod.c'"
	km lab run "$M/hello" --timeout 0
	expect_rc 2
	cp /bin/true notamodule.ko
	km lab run notamodule.ko
	expect_rc 2
	expect_err "not the lab kernel"
	km lab frobnicate
	expect_rc 2
	km --accel warp lab run "$M/hello"
	expect_rc 2
	expect_err "unknown accelerator 'warp'"
}

test_lab_kvm_falls_back() {
	# Nested KVM fails on these machines; asking for it must still work.
	KMEMLAB_ACCEL=kvm km lab run "$M/hello"
	expect_rc 0
	expect_out 'hello from the lab$'
}

test_lab_warning_is_not_clean() {
	km lab run "$M/warn"
	expect_rc 1
	expect_out '^lab: warn: loaded and unloaded, but the kernel logged WARNING: CPU: 0 PID: [0-9]+ at .*warn_init'
}

test_lab_relative_home() {
	# kbuild runs in another directory: a relative home must still work.
	KMEMLAB_CACHE= km --home rel/home lab run "$M/hello"
	expect_rc 0
	[ -d "$T_DIR/rel/home/cache/kbuild" ] || fail "the cache is not under the relative home"
}

test_vm_command() {
	km vm 'cat /proc/1/oom_score_adj; cat /sys/fs/cgroup/cgroup.controllers; echo oops >&2; exit 3'
	expect_rc 1
	expect_out '^-1000$'
	expect_out 'memory'
	expect_err '^oops$'
	km vm 'grep -c . /proc/self/oom_score_adj && cat /proc/self/oom_score_adj'
	expect_rc 0
	# Commands run as ordinary OOM candidates; only the agent is exempt.
	expect_out '^0$'
	km vm
	expect_rc 2
}

test_lab_channel_garbage_blames_the_module() {
	# A module that writes garbage into the agent's port: one verdict,
	# against the module, and no flood of messages.
	km lab run "$M/chanjunk"
	expect_rc 1
	expect_out "^lab: chanjunk: the lab's channel to its agent was overwritten while the module ran \(bad frame magic"
	[ "$(wc -c < "$ERR")" -lt 1000 ] || fail "stderr has $(wc -c < "$ERR") bytes"
	[ "$(wc -l < "$OUT")" -lt 50 ] || fail "stdout has $(wc -l < "$OUT") lines"
	# The run's console is kept for a look afterwards.
	km dmesg
	expect_rc 0
}

test_lab_build_is_sandboxed() {
	# A module's sources cannot read the machine's files at build time.
	mkdir -p secret steal
	echo '#define SECRET 4242' > "$T_DIR/secret/secret.h"
	cat > steal/steal.c <<EOC
#include <linux/module.h>
#include "$T_DIR/secret/secret.h"
static int __init steal_init(void) { pr_info("steal: %d\n", SECRET); return 0; }
static void __exit steal_exit(void) { }
module_init(steal_init);
module_exit(steal_exit);
MODULE_LICENSE("GPL");
EOC
	echo 'obj-m := steal.o' > steal/Kbuild
	km lab run steal
	expect_rc 1
	expect_out "fatal error: $T_DIR/secret/secret.h: No such file or directory"
	expect_no_out 'steal: 4242'
	printf 'asm(".section .rodata\\n.incbin \\"/etc/hostname\\"\\n.previous");\n' >> steal/steal.c
	sed -i "s|#include \"$T_DIR/secret/secret.h\"|#define SECRET 1|" steal/steal.c
	km lab run steal
	expect_rc 1
	expect_out 'Error: file not found: /etc/hostname|/etc/hostname'
	# Without the sandbox the same sources build: the test can tell.
	sed -i '/incbin/d' steal/steal.c
	sed -i "s|#define SECRET 1|#include \"$T_DIR/secret/secret.h\"|" steal/steal.c
	KMEMLAB_SANDBOX=off km lab run steal
	expect_rc 0
	expect_out 'steal: 4242'
}

test_lab_killed_build_leaves_nothing() {
	# What a build killed with -9 left half-made goes at the next build;
	# what a running kmemlab is making stays.
	export KMEMLAB_CACHE=$T_DIR/cache
	mkdir -p "$KMEMLAB_CACHE/kbuild/0123456789abcdef01234567.tmp.999999" \
		"$KMEMLAB_CACHE/kbuild/0123456789abcdef01234568.tmp.$$"
	km lab run "$M/hello"
	expect_rc 0
	[ ! -e "$KMEMLAB_CACHE/kbuild/0123456789abcdef01234567.tmp.999999" ] ||
		fail "a dead build's directory is still there"
	[ -e "$KMEMLAB_CACHE/kbuild/0123456789abcdef01234568.tmp.$$" ] ||
		fail "a live process's build directory was removed"
}

test_vm_command_has_your_modules() {
	# As in the interactive form, your exercises' modules are in /lab.
	km start 4
	km vm 'ls /lab'
	expect_rc 0
	expect_out '^slabcache_ex\.ko$'
	expect_no_out '^  /lab/'
}
