# kmemlab check on exercise 11 (oomkill, a program whose children the OOM
# killer kills in the guest, once for a memory cgroup and once for the
# whole VM): the solution passes, the skeleton and each plausible wrong
# solution fail on the checks that name their mistake, and the VM survives.
OOMK_SOL=$TOP/modules/exercises/oomkill/solution
OOMK_SKEL=$TOP/modules/exercises/oomkill/skeleton
OOMK_WRONG=$SOLUTIONS/oomkill

# oomk_failed_only NAMES...: exactly these checks did not pass.
oomk_failed_only() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
got = sorted(c["name"] for c in j["checks"] if c["status"] != "pass")
sys.exit(0 if got == sorted(sys.argv[2:]) else 1)
' "$OUT" "$@" || fail "failed checks are not exactly: $*"
}

# oomk_field NAME FIELD TEXT: FIELD (hint, expected, observed) of check NAME contains TEXT.
oomk_field() {
	expect_json "'$3' in ([c for c in j['checks'] if c['name'] == '$1'][0]['$2'] or '')"
}

test_oomkill_solution_passes() {
	km check oomkill --source "$OOMK_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 9'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json '"cgroup=kmemlab-" in j["inputs"] and "holder_adj=" in j["inputs"]'
	# The kills the grader saw in the kernel log, and the VM answered after.
	oomk_field memcg_kill observed 'CONSTRAINT_MEMCG'
	oomk_field global_kill observed 'CONSTRAINT_NONE'
	oomk_field alive observed 'it ran'
}

test_oomkill_skeleton_fails() {
	km check oomkill --source "$OOMK_SKEL/oomkill_ex.c" --json
	expect_rc 1
	expect_json 'j["verdict"] == "fail"'
	# It runs and the VM survives; no limit, no move, no adjustment, status 0.
	oomk_failed_only memcg_kill memcg_events global_kill victim status
	oomk_field memcg_kill hint 'memory.max'
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_oomkill_without_adjustment_fails() {
	km check oomkill --source "$OOMK_WRONG/noadj" --json
	expect_rc 1
	oomk_failed_only global_kill victim
	oomk_field global_kill observed 'task=oomhog'
	oomk_field global_kill hint 'oom_score_adj'
}

test_oomkill_exit_code_fails() {
	km check oomkill --source "$OOMK_WRONG/exitcode" --json
	expect_rc 1
	oomk_failed_only status
	oomk_field status observed 'status=0'
	oomk_field status hint 'WTERMSIG'
}

test_oomkill_parent_in_group_fails() {
	km check oomkill --source "$OOMK_WRONG/wholeprocess" --json
	expect_rc 1
	oomk_failed_only global_kill
	oomk_field global_kill hint 'only the first child'
}
