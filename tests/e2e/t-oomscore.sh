# kmemlab check on exercise 10 (oomscore, a program run in the guest): the
# solution passes, the skeleton and each plausible wrong solution fail on
# the checks that name their mistake.
OOM_SOL=$TOP/modules/exercises/oomscore/solution
OOM_SKEL=$TOP/modules/exercises/oomscore/skeleton
OOM_WRONG=$SOLUTIONS/oomscore

# oom_failed_only NAMES...: exactly these checks did not pass.
oom_failed_only() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
got = sorted(c["name"] for c in j["checks"] if c["status"] != "pass")
sys.exit(0 if got == sorted(sys.argv[2:]) else 1)
' "$OUT" "$@" || fail "failed checks are not exactly: $*"
}

# oom_hint NAME TEXT: the hint of check NAME contains TEXT.
oom_hint() {
	expect_json "'$2' in ([c for c in j['checks'] if c['name'] == '$1'][0]['hint'] or '')"
}

test_oomscore_solution_passes() {
	km check oomscore --source "$OOM_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 11'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json '"holders=" in j["inputs"] and "@-1000" in j["inputs"] and "nonce=" in j["inputs"]'
	# The grader's own write of the out-of-range value was refused.
	expect_json '"Invalid argument" in [c for c in j["checks"] if c["name"] == "einval"][0]["expected"]'
}

test_oomscore_skeleton_fails() {
	km check oomscore --source "$OOM_SKEL/oomscore_ex.c" --json
	expect_rc 1
	expect_json 'j["verdict"] == "fail"'
	# It lists and reads correctly; it predicts 0 and writes nothing.
	oom_failed_only predict set einval after
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_oomscore_remembered_output_fails() {
	km check oomscore --source "$OOM_WRONG/remembered" --json
	expect_rc 1
	for c in nonce adj set einval; do
		expect_json "[c['status'] for c in j['checks'] if c['name'] == '$c'] == ['fail']"
	done
}

test_oomscore_without_adjustment_fails() {
	km check oomscore --source "$OOM_WRONG/noadj" --json
	expect_rc 1
	oom_failed_only predict unkillable after
	oom_hint predict 'without the adjustment'
	oom_hint unkillable '-1000'
}

test_oomscore_unchecked_fclose_fails() {
	km check oomscore --source "$OOM_WRONG/nofclose" --json
	expect_rc 1
	oom_failed_only einval
	oom_hint einval 'fclose'
}
