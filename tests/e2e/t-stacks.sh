# kmemlab check on exercise 6 (stacks): thread stacks in the vmalloc area.
STACKS_SOL=$TOP/modules/exercises/stacks/solution
STACKS_SKEL=$TOP/modules/exercises/stacks/skeleton
STACKS_WRONG=$SOLUTIONS/stacks

# stacks_status NAME: the status of check NAME in the JSON on stdout.
stacks_status() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(" ".join(c["status"] for c in j["checks"] if c["name"] == sys.argv[2]))
' "$OUT" "$1"
}

test_stacks_solution_passes() {
	km check stacks --source "$STACKS_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 11'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json '"nthreads=" in j["inputs"] and "nonce=" in j["inputs"]'
}

test_stacks_skeleton_fails() {
	km check stacks --source "$STACKS_SKEL/stacks_ex.c" --json
	expect_rc 1
	# It loads and unloads cleanly but reports a NULL stack and no threads.
	[ "$(stacks_status load) $(stacks_status unload) $(stacks_status nonce)" = "pass pass pass" ] ||
		fail "load, unload and nonce should pass"
	[ "$(stacks_status current) $(stacks_status threads)" = "fail fail" ] ||
		fail "current and threads should fail"
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_stacks_task_struct_fails() {
	km check stacks --source "$STACKS_WRONG/task" --json
	expect_rc 1
	# current is the task_struct, slab memory: not in the vmalloc range.
	[ "$(stacks_status current)" = fail ] || fail "current should fail"
	[ "$(stacks_status threads) $(stacks_status vmallocinfo)" = "pass pass" ] ||
		fail "threads and vmallocinfo should pass"
}

test_stacks_current_stack_for_threads_fails() {
	km check stacks --source "$STACKS_WRONG/curstack" --json
	expect_rc 1
	# insmod's own stack reported for every thread.
	[ "$(stacks_status current) $(stacks_status threads)" = "pass fail" ] ||
		fail "current should pass and threads fail"
	expect_json '"own stack" in [c for c in j["checks"] if c["name"] == "threads"][0]["hint"]'
}

test_stacks_threads_not_stopped_fails() {
	# The exit function forgets kthread_stop(): the threads and their
	# stacks outlive the module, and the kernel's KernelStack says so.
	km check stacks --source "$STACKS_WRONG/nostop" --json
	expect_rc 1
	expect_json '[c["name"] for c in j["checks"] if c["status"] != "pass"] == ["kernelstack"]'
}
