# The warm lab VM: saved once, restored for every run, reseeded, and
# booted afresh where a restore cannot give what the run needs.
HELLO=$TOP/tests/modules/hello

# state_files: the saved VM states in the shared cache.
state_files() {
	ls "$KMEMLAB_CACHE"/vmstate/*.state 2>/dev/null
}

test_warm_restored_and_reseeded() {
	km lab run "$HELLO"
	expect_rc 0
	[ -n "$(state_files)" ] || fail "no saved VM state in $KMEMLAB_CACHE/vmstate"
	km lab run "$HELLO"
	expect_rc 0
	expect_out '^lab: hello: loaded and unloaded cleanly \(build .*, then the lab VM restored'
	# Two restored runs must not draw the same random numbers: without the
	# reseed both would print what the saved VM's CRNG was about to give.
	km vm 'cat /proc/sys/kernel/random/uuid; head -c 16 /dev/urandom | od -An -tx1'
	expect_rc 0
	cp "$OUT" first.out
	km vm 'cat /proc/sys/kernel/random/uuid; head -c 16 /dev/urandom | od -An -tx1'
	expect_rc 0
	[ "$(wc -l < first.out)" -ge 2 ] || fail "no random bytes printed"
	if [ -n "$(comm -12 <(sort first.out) <(sort "$OUT"))" ]; then
		fail "two restored VMs printed the same random bytes: $(cat first.out)"
	fi
	# The guest's clock is the host's, not the saved VM's.
	km vm 'date +%s'
	expect_rc 0
	guest=$(cat "$OUT")
	host=$(date +%s)
	[ $((host - guest)) -lt 30 ] && [ $((guest - host)) -lt 30 ] ||
		fail "the restored guest's clock is $guest, the host's $host"
	# Nothing of one run is left for the next: not the module lab run put
	# in /lab, not a file a command wrote.
	km vm 'touch /tmp/left-behind'
	expect_rc 0
	km vm 'ls /lab /tmp'
	expect_rc 0
	expect_no_out 'hello.ko|left-behind'
}

test_warm_corrupt_state_boots() {
	km lab run "$HELLO"
	expect_rc 0
	for f in $(state_files); do
		# Keep the start of the stream, cut the rest: QEMU cannot load it.
		head -c 300000 "$f" > "$f.cut" && mv "$f.cut" "$f"
	done
	km lab run "$HELLO"
	expect_rc 0
	expect_err "warning: the saved lab VM state '.*' could not be restored \(.*\): it is removed and the lab VM boots instead"
	expect_out 'hello from the lab$'
	expect_out 'then the lab VM booted'
	# Booted, it saved a good state again.
	km lab run "$HELLO"
	expect_rc 0
	expect_out 'then the lab VM restored'
	[ ! -s "$ERR" ] || fail "a warning on the run after the fallback: $(cat "$ERR")"
	# Garbage in place of a state: the same.
	for f in $(state_files); do
		head -c 1000000 /dev/urandom > "$f"
	done
	km lab run "$HELLO"
	expect_rc 0
	expect_err "could not be restored"
	expect_out 'hello from the lab$'
}

test_warm_states_off_boots() {
	KMEMLAB_VM_STATE=off km lab run "$HELLO"
	expect_rc 0
	expect_out 'then the lab VM booted'
	KMEMLAB_VM_STATE=off km doctor
	expect_rc 0
	expect_out '^  saved VM +off \(KMEMLAB_VM_STATE=off\)'
}

# The same verdicts, check by check, from a booted VM and a restored one.
test_warm_grades_as_cold() {
	for run in "ksize $TOP/modules/exercises/ksize/solution" \
		"ksize $TOP/modules/exercises/ksize/skeleton" "ksize $SOLUTIONS/ksize/pow2" \
		"vmalloc $TOP/modules/exercises/vmalloc/solution"; do
		ex=${run%% *}
		src=${run#* }
		KMEMLAB_VM_STATE=off km check "$ex" --source "$src" --json
		python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["verdict"], [(c["name"], c["status"]) for c in j["checks"]])' "$OUT" > cold.txt
		km check "$ex" --source "$src" --json
		python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["verdict"], [(c["name"], c["status"]) for c in j["checks"]])' "$OUT" > warm.txt
		cmp -s cold.txt warm.txt ||
			fail "$src: booted '$(cat cold.txt)', restored '$(cat warm.txt)'"
	done
}

# The layout exercise needs a new KASLR offset per check: it always boots.
test_warm_layout_new_kaslr_each_check() {
	sol=$TOP/modules/exercises/layout/solution
	for i in 1 2 3; do
		km check layout --source "$sol"
		expect_rc 0
		km dmesg
		grep -o 'kernel_text # addr=[0-9a-f]*' "$OUT" | head -n 1 >> text.txt
	done
	[ "$(wc -l < text.txt)" -eq 3 ] || fail "kernel_text not in the log: $(cat text.txt)"
	[ "$(sort -u text.txt | wc -l)" -ge 2 ] ||
		fail "three checks saw one kernel text address: $(cat text.txt)"
}

# KVM is tried once where /dev/kvm opens, and the outcome is remembered.
test_warm_accel_remembered() {
	export KMEMLAB_CACHE=$T_DIR/cache
	km lab run "$HELLO"
	expect_rc 0
	km doctor
	expect_rc 0
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		expect_out '^accelerator +(tcg: KVM failed here|kvm: KVM worked)'
		expect_out 'remembered in '
		if grep -q '^accelerator *tcg' "$OUT"; then
			km lab run "$HELLO"
			expect_rc 0
			! grep -q 'KVM' "$ERR" || fail "KVM was tried again: $(cat "$ERR")"
		fi
		km doctor --retry-kvm
		expect_rc 0
		expect_out 'the next lab VM tries it again'
		expect_out '^accelerator +kvm: trying KVM for the first time'
	else
		expect_out '^accelerator +tcg: KVM cannot be used here \(/dev/kvm: '
	fi
	km --accel tcg doctor
	expect_out '^accelerator +tcg: tcg was asked for'
	expect_out '^  probe +.*kmemlab_probe.ko'
}

test_warm_doctor_fresh_cache() {
	export KMEMLAB_CACHE=$T_DIR/cache
	km doctor
	expect_rc 0
	expect_out '^lab kernel +[0-9]'
	expect_out '^QEMU +QEMU emulator version'
	expect_out '^  saved VM +none yet'
	# `make` built the probe ahead: a first check builds only the learner's module.
	expect_out "^  probe +$(dirname "$KMEMLAB")/prebuilt/kbuild/.*/kmemlab_probe.ko"
}
