# kmemlab check on exercise 5 (vmalloc): the solution passes, the skeleton
# and each plausible wrong solution fail on the check that names the mistake.
VM_SOL=$TOP/modules/exercises/vmalloc/solution
VM_SKEL=$TOP/modules/exercises/vmalloc/skeleton
VM_WRONG=$SOLUTIONS/vmalloc

# vm_check_status NAME STATUS: the named check has that status.
vm_check_status() {
	expect_json "[c['status'] for c in j['checks'] if c['name'] == '$1'] == ['$2']"
}

test_vmalloc_solution_passes() {
	km check vmalloc --source "$VM_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 11'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json '"kbig=" in j["inputs"] and "nonce=" in j["inputs"]'
	# The areas were found by the module's name, guard page included.
	expect_json '"[vmalloc_ex]" in [c for c in j["checks"] if c["name"] == "vmallocinfo"][0]["observed"]'
	expect_json '"guard page" in [c for c in j["checks"] if c["name"] == "vmallocinfo"][0]["expected"]'
}

test_vmalloc_skeleton_fails() {
	km check vmalloc --source "$VM_SKEL/vmalloc_ex.c" --json
	expect_rc 1
	expect_json 'j["verdict"] == "fail"'
	vm_check_status build pass
	vm_check_status load pass
	vm_check_status allocs fail
	expect_json '"TODO 1" in [c for c in j["checks"] if c["name"] == "allocs"][0]["hint"]'
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_vmalloc_virt_to_phys_fails() {
	km check vmalloc --source "$VM_WRONG/virt_to_phys" --json
	expect_rc 1
	vm_check_status vmalloc_addr pass
	vm_check_status vmallocinfo pass
	vm_check_status pfns fail
	expect_json '"vmalloc_to_pfn" in [c for c in j["checks"] if c["name"] == "pfns"][0]["hint"]'
}

test_vmalloc_guess_fails() {
	km check vmalloc --source "$VM_WRONG/guess" --json
	expect_rc 1
	vm_check_status vmalloc_addr fail
	vm_check_status pfns pass
	expect_json '"kvmalloc tries kmalloc first" in [c for c in j["checks"] if c["name"] == "vmalloc_addr"][0]["hint"]'
}

test_vmalloc_in_init_fails() {
	km check vmalloc --source "$VM_WRONG/in_init" --json
	expect_rc 1
	vm_check_status vmalloc_addr pass
	vm_check_status vmallocinfo fail
	vm_check_status pfns pass
	expect_json '"__init" in [c for c in j["checks"] if c["name"] == "vmallocinfo"][0]["hint"]'
}

test_vmalloc_vfree_all_fails() {
	km check vmalloc --source "$VM_WRONG/vfree_all" --json
	expect_rc 1
	vm_check_status pfns pass
	vm_check_status freed fail
	vm_check_status unload fail
	expect_json '"kvfree()" in [c for c in j["checks"] if c["name"] == "freed"][0]["hint"]'
	expect_json '"Trying to vfree()" in [c for c in j["checks"] if c["name"] == "freed"][0]["observed"]'
}

test_vmalloc_leak_fails() {
	km check vmalloc --source "$VM_WRONG/leak" --json
	expect_rc 1
	vm_check_status pfns pass
	vm_check_status freed fail
	vm_check_status unload pass
	vm_check_status cleanup fail
	expect_json '"vmalloc of" in [c for c in j["checks"] if c["name"] == "cleanup"][0]["observed"] and "at vmalloc_ex_allocate+0x" in [c for c in j["checks"] if c["name"] == "cleanup"][0]["observed"]'
	expect_json '"still allocated" in [c for c in j["checks"] if c["name"] == "freed"][0]["observed"]'
}
