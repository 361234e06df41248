# The tutor shell's working commands, at a real terminal where it matters.

tutor_pty() {
	python3 "$TOP/tests/e2e/pty_tutor.py" "$KMEMLAB" "$TOP" "$1" > "pty-$1.log" 2>&1 ||
		fail "pty $1 failed: $(tail -n 30 "pty-$1.log")"
	cat "pty-$1.log"
}

# tutor_no_orphan_qemu: no lab VM outlives the kmemlab that started it.
# A VM's folder is /tmp/kmemlab-vm-PID-XXXXXX, PID its kmemlab's; other
# kmemlab processes on the machine (other tests) may have VMs of their own.
tutor_no_orphan_qemu() {
	local line pid
	ORPHANS=
	for _ in $(seq 50); do
		ORPHANS=
		while read -r line; do
			pid=$(echo "$line" | sed -n 's|.*/tmp/kmemlab-vm-\([0-9]*\)-.*|\1|p')
			[ -n "$pid" ] && ! kill -0 "$pid" 2> /dev/null && ORPHANS="$ORPHANS $line"
		done < <(pgrep -af "kmemlab-vm-[0-9]+-.*chan.sock")
		[ -z "$ORPHANS" ] && return 0
		sleep 0.1
	done
	return 1
}

test_tutor_newcomer_passes_lesson_1() {
	tutor_pty lesson1
	[ "$(sql "SELECT verdict FROM attempt WHERE exercise = 'ksize'")" = pass ] || fail "the pass was not stored"
}

test_tutor_greets_and_resumes() {
	tutor_pty resume
}

test_tutor_ctrl_c_interrupts_a_check() {
	tutor_pty interrupt
	# Nothing of the interrupted check was stored, and no QEMU is left.
	[ "$(sql 'SELECT count(*) FROM attempt')" = 0 ] || fail "an interrupted check was stored"
	tutor_no_orphan_qemu || fail "QEMU outlived the check: $(tutor_no_orphan_qemu; echo "$ORPHANS")"
}

test_tutor_vm_first_boot_is_quiet() {
	# A cache of its own: no saved state, so the VM boots.
	KMEMLAB_CACHE=$T_DIR/cache tutor_pty vmquiet
	ls "$T_DIR"/cache/vmstate/*.state > /dev/null 2>&1 || fail "the first boot saved no state"
}

test_tutor_layout_next_vm_boots_meanwhile() {
	tutor_pty spare
	[ "$(sql "SELECT group_concat(verdict) FROM attempt WHERE exercise = 'layout'")" = "pass,pass" ] ||
		fail "two passes of layout not stored: $(sql 'SELECT verdict FROM attempt')"
}

test_tutor_watch_rechecks_on_save() {
	tutor_pty watch
	# The skeleton's failure and the saved solution's pass, in that order.
	[ "$(sql "SELECT group_concat(verdict) FROM (SELECT verdict FROM attempt ORDER BY id)")" = "fail,pass" ] ||
		fail "watch did not store fail then pass: $(sql 'SELECT verdict FROM attempt')"
}

test_tutor_vm_shell() {
	tutor_pty vm
}

test_tutor_answer_inline() {
	tutor_pty answer
	[ "$(sql "SELECT group_concat(correct) FROM (SELECT correct FROM answer ORDER BY id)")" = "0,1" ] ||
		fail "the wrong then right answers were not stored: $(sql 'SELECT * FROM answer')"
}

test_tutor_next_back_diff_reset() {
	km next
	expect_rc 0
	expect_out '^Lesson 1: '
	km next
	expect_out '^Lesson 2: '
	km back
	expect_out '^Lesson 1: '
	km diff
	expect_rc 0
	expect_out "still the skeleton"
	echo '/* my change */' >> "$KMEMLAB_HOME/workspace/ksize/ksize_ex.c"
	km diff
	expect_out '^\+\+\+ yours/ksize_ex.c'
	expect_out '^\+/\* my change \*/'
	km reset
	expect_rc 2
	expect_err "add --yes to confirm"
	grep -q 'my change' "$KMEMLAB_HOME/workspace/ksize/ksize_ex.c" || fail "reset without --yes changed the file"
	km reset --yes
	expect_rc 0
	! grep -q 'my change' "$KMEMLAB_HOME/workspace/ksize/ksize_ex.c" || fail "reset kept the change"
	grep -q 'my change' "$KMEMLAB_HOME/workspace/ksize.before-reset/ksize_ex.c" ||
		fail "reset lost the learner's files"
	km solution
	expect_rc 1
	expect_err "has not passed yet"
	km dmesg
	expect_rc 2
	expect_err "no kernel log yet"
}

test_tutor_dmesg_after_a_check() {
	km check vmalloc --source "$TOP/modules/exercises/vmalloc/solution"
	expect_rc 0
	km dmesg
	expect_rc 0
	expect_out '^# the kernel log of: check vmalloc'
	expect_out 'Linux version'
	expect_out 'vmalloc_ex'
}

test_tutor_edit_uses_the_editor() {
	cat > ed.sh <<-'EOS'
	#!/bin/sh
	echo "/* edited */" >> "$1"
	EOS
	chmod +x ed.sh
	km start 1
	VISUAL="$PWD/ed.sh" km edit
	expect_rc 0
	grep -q 'edited' "$KMEMLAB_HOME/workspace/ksize/ksize_ex.c" || fail "the editor did not get the file"
	VISUAL=false km edit
	expect_rc 2
	expect_err "the editor 'false' exited with status 1"
}
