# kmemlab lab run on real-world module code: trees that reach up with
# ../, folders of many modules, experiments while a module is loaded,
# several modules in order, kernel arguments and memory.
LT=$TOP/tests/modules

# lt_line_of TEXT: the number of the first stdout line containing TEXT.
lt_line_of() {
	grep -nF -- "$1" "$OUT" | head -n 1 | cut -d: -f1
}

test_labtree_reaches_up_for_headers_and_objects() {
	# ch1/treedemo includes ../../common/klib.h and links ../../common/klib.o.
	local before=$(find "$LT/tree" -type f | sort)
	km lab run "$LT/tree/ch1/treedemo"
	expect_rc 0
	expect_out 'treedemo: klib says 42$'
	expect_out "^lab: $LT/tree/ch1/treedemo built in .*/kbuild-tree/[0-9a-f]+/ch1/treedemo \(a copy of $LT/tree: your tree is not written\)$"
	expect_out '^lab: treedemo: loaded and unloaded cleanly'
	[ "$(find "$LT/tree" -type f | sort)" = "$before" ] || fail "the user's tree was written"
	# Unchanged, it comes from the cache; a changed shared header is seen.
	km lab run "$LT/tree/ch1/treedemo"
	expect_out '^lab: treedemo: loaded and unloaded cleanly \(build [0-9.]+ s cached'
	cp -r "$LT/tree" mytree
	sed -i 's/return 42;/return 43;/' mytree/common/klib.c
	km lab run mytree/ch1/treedemo
	expect_rc 0
	expect_out 'treedemo: klib says 43$'
}

test_labtree_many_modules_are_listed_before_building() {
	export KMEMLAB_CACHE=$T_DIR/cache
	km lab run "$LT/many"
	expect_rc 2
	expect_out "^lab: '$LT/many' builds 6 modules \(obj-m\)"
	expect_out '^  demo4$'
	expect_out '^  muser$'
	expect_no_out 'commented'
	expect_out "^  kmemlab lab run $LT/many --module demo1$"
	[ ! -e "$KMEMLAB_CACHE/kbuild-tree" ] && [ ! -e "$KMEMLAB_CACHE/kbuild" ] ||
		fail "something was built before the list"
	km lab run "$LT/many" --module nosuch
	expect_rc 2
	expect_err "--module 'nosuch': no folder given declares it in its obj-m"
}

test_labtree_module_picks_and_exec_while_loaded() {
	# A library and its user from one Makefile, in order, with commands between.
	km lab run "$LT/many" --module mlib --module muser --exec 'lsmod' --exec 'grep -c mlib /proc/kallsyms'
	expect_rc 0
	expect_out 'muser: mlib_twice\(21\) = 42$'
	expect_out '^lab: \$ lsmod$'
	expect_out '^mlib +[0-9]+ +1 muser'
	expect_out '^lab: exit status 0$'
	expect_out '^lab: mlib: loaded and unloaded cleanly'
	expect_out '^lab: muser: loaded and unloaded cleanly'
	expect_no_out 'demo1'
	# Loaded in order, the commands while both are in, unloaded in reverse.
	local load=$(lt_line_of 'muser: mlib_twice') ls=$(lt_line_of 'lab: $ lsmod')
	local out_user=$(lt_line_of 'muser unloaded') out_lib=$(lt_line_of 'mlib unloaded')
	[ "$load" -lt "$ls" ] && [ "$ls" -lt "$out_user" ] && [ "$out_user" -lt "$out_lib" ] ||
		fail "not load, exec, unload in reverse: $load $ls $out_user $out_lib"
}

test_labtree_exec_and_prog_see_the_proc_file() {
	km lab run "$LT/procfile" --prog "$LT/progs/readproc.c" --exec /lab/readproc --exec 'cat /proc/nosuch'
	expect_rc 1
	expect_out "^lab: $LT/progs/readproc.c is in the guest as /lab/readproc$"
	expect_out '^readproc 1: hello from /proc/kmemlab_procfile$'
	expect_out '^lab: \$ cat /proc/nosuch$'
	expect_out '^lab: exit status 1$'
	expect_out '^lab: procfile: loaded and unloaded cleanly'
	expect_out '^lab: 1 of 2 --exec commands failed'
	km lab run "$LT/procfile" --prog "$LT/nosuch.c"
	expect_rc 2
	expect_err "--prog wants a C file to build for the guest, not '.*nosuch.c'"
}

test_labtree_library_then_user_folders() {
	km lab run "$LT/libexp" "$LT/libuser"
	expect_rc 0
	expect_out 'libuser: libexp_square\(12\) = 144$'
	expect_out '^lab: libexp: loaded and unloaded cleanly'
	expect_out '^lab: libuser: loaded and unloaded cleanly'
	[ "$(lt_line_of 'libuser unloaded')" -lt "$(lt_line_of 'libexp unloaded')" ] ||
		fail "libexp was unloaded before its user"
	# Alone, the user cannot link: said, with what to do.
	km lab run "$LT/libuser"
	expect_rc 1
	expect_out 'modpost: "libexp_square" .* undefined!'
	expect_out '^lab: a symbol it uses is undefined: name the module that exports it first'
	# One that fails to load stops the ones after it.
	km lab run "$LT/einval" "$LT/hello"
	expect_rc 1
	expect_out "^lab: einval: insmod 'einval' failed: Invalid argument"
	expect_out '^lab: hello: not loaded: a module before it failed$'
	expect_no_out 'hello from the lab'
}

test_labtree_param_for_one_of_several() {
	km lab run "$LT/hello" "$LT/params" --param params.count=5
	expect_rc 0
	expect_out 'params: count=5 '
	km lab run "$LT/hello" "$LT/params" --param count=5
	expect_rc 2
	expect_err 'this run loads 2 modules: say which with MODULE.NAME=VALUE'
}

test_labtree_slub_debug_report_is_a_failure() {
	# Plain, the overflow goes unseen; under slub_debug the kernel reports it.
	km lab run "$LT/slaboverflow"
	expect_rc 0
	expect_out '^lab: slaboverflow: loaded and unloaded cleanly'
	km lab run "$LT/slaboverflow" --append slub_debug=FZPU
	expect_rc 1
	expect_out 'BUG kmalloc-64 .*: Right Redzone overwritten$'
	expect_out '^lab: slaboverflow: BUG kmalloc-64 .*: Right Redzone overwritten \(build .*booted'
}

test_labtree_vm_append_and_mem_reach_the_guest() {
	km vm --append kmemlab_probe_arg=7 --mem 512 'cat /proc/cmdline; sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo'
	expect_rc 0
	expect_out 'kmemlab_probe_arg=7'
	local kb=$(grep -E '^[0-9]+$' "$OUT" | tail -n 1)
	[ "${kb:-0}" -gt 400000 ] || fail "MemTotal $kb kB with --mem 512"
	km vm --mem 12 true
	expect_rc 2
	expect_err '--mem wants the guest.s memory in MB, from 128 to 16384, not .12.'
	km lab run "$LT/hello" --append "$(printf 'a\nb')"
	expect_rc 2
	expect_err '--append wants kernel arguments on one line'
}

test_labtree_shell_with_the_module_loaded() {
	tutor_pty labshell
}
