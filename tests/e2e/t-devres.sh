# kmemlab check on exercise 8 (devres): the solution passes, the skeleton
# and each plausible wrong solution fail on the check that names the mistake.
DR_SOL=$TOP/modules/exercises/devres/solution
DR_SKEL=$TOP/modules/exercises/devres/skeleton
DR_WRONG=$SOLUTIONS/devres

# dr_status NAME STATUS: the named check has that status.
dr_status() {
	expect_json "[c['status'] for c in j['checks'] if c['name'] == '$1'] == ['$2']"
}

# dr_field NAME FIELD TEXT: TEXT appears in that field of the named check.
dr_field() {
	expect_json "'$3' in ([c for c in j['checks'] if c['name'] == '$1'][0]['$2'] or '')"
}

test_devres_solution_passes() {
	km check devres --source "$DR_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 11'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json '"sizes=" in j["inputs"] and "dma_size=" in j["inputs"] and "nonce=" in j["inputs"]'
	# Three probes seen in the trace: two by the module, one by the grader.
	dr_field devres_add observed 'probe 3:'
	dr_field devres_add observed 'dmam_release'
	expect_json '" added, " in [c for c in j["checks"] if c["name"] == "released"][0]["observed"]'
	# dmesg shows the trace the grader graded, after the kernel log.
	km dmesg
	expect_rc 0
	expect_out '^# the trace events the grader read: dev:devres_log'
	expect_out 'devres_log: devres_ex ADD [0-9a-f]+ devm_kzalloc_release \([0-9]+ bytes\)'
	expect_out 'devres_log: devres_ex REL [0-9a-f]+ dmam_release \(32 bytes\)'
}

test_devres_lesson_vm_command_shows_the_trace() {
	# The lesson's own 'kmemlab vm' line, as typed, with the learner's copy.
	local cmd=$(sed -n "s/^    kmemlab vm '\(.*devres_log.*\)'$/\1/p" "$TOP/lessons/08-devres/lesson.md")
	[ -n "$cmd" ] || fail "the devres lesson has no 'kmemlab vm' line with devres_log"
	km start devres
	cp "$DR_SOL/devres_ex.c" "$KMEMLAB_HOME/workspace/devres/"
	km vm "$cmd"
	expect_rc 0
	expect_out 'devres_log: devres_ex ADD [0-9a-f]+ devm_kzalloc_release \(100 bytes\)'
	expect_out 'devres_log: devres_ex ADD [0-9a-f]+ dmam_release \(32 bytes\)'
	expect_out 'devres_log: devres_ex REL [0-9a-f]+ devm_kzalloc_release \(200 bytes\)'
}

test_devres_skeleton_fails() {
	km check devres --source "$DR_SKEL/devres_ex.c" --json
	expect_rc 1
	expect_json 'j["verdict"] == "fail"'
	dr_status build pass
	dr_status load pass
	dr_status nonce pass
	dr_status allocs fail
	dr_status devres_add fail
	dr_status unload pass
	dr_field allocs hint 'TODO 1'
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_devres_kmalloc_leak_fails() {
	km check devres --source "$DR_WRONG/kmalloc_leak" --json
	expect_rc 1
	dr_status allocs pass
	dr_status devres_add fail
	dr_status released fail
	dr_status unload pass
	dr_status cleanup fail
	dr_field devres_add observed 'no devres_log ADD event'
	dr_field released hint 'leak'
}

test_devres_kfree_by_hand_fails() {
	# kfree() of memory the driver core still owns corrupts the heap: a
	# WARNING, a BUG, an oops, a panic, a hang or a killed rmmod, at insmod
	# or at rmmod, depending on the sizes drawn.  Load or unload fails.
	km check devres --source "$DR_WRONG/kfree_by_hand" --json
	expect_rc 1
	expect_json 'j["verdict"] == "fail"'
	expect_json 'any(c["name"] in ("load", "unload") and c["status"] == "fail" and c["observed"] and c["hint"] for c in j["checks"])'
}

test_devres_devm_kfree_fails() {
	km check devres --source "$DR_WRONG/devm_kfree" --json
	expect_rc 1
	dr_status devres_add pass
	dr_status while_bound pass
	dr_status sysfs_rebind fail
	dr_status released fail
	dr_status unload pass
	dr_field released observed 'removed by hand with REM'
}
