# kmemlab check on exercise 9 (memwatch, a program run in the guest): the
# solution passes, the skeleton and each plausible wrong solution fail on
# the checks that name their mistake.
MW_SOL=$TOP/modules/exercises/memwatch/solution
MW_SKEL=$TOP/modules/exercises/memwatch/skeleton
MW_WRONG=$SOLUTIONS/memwatch

# mw_failed NAME...: each of these checks failed.
mw_failed() {
	for c in "$@"; do
		expect_json "[c['status'] for c in j['checks'] if c['name'] == '$c'] == ['fail']"
	done
}

test_memwatch_solution_passes() {
	km check memwatch --source "$MW_SOL" --json
	expect_rc 0
	expect_json 'j["verdict"] == "pass" and j["score"] == j["max_score"] == 8'
	expect_json 'all(c["status"] == "pass" for c in j["checks"])'
	expect_json '"interval_ms=" in j["inputs"] and "nonce=" in j["inputs"]'
	expect_json '"kmalloc" in j["inputs"] or "vmalloc" in j["inputs"]'
}

test_memwatch_chart_is_printed() {
	km check memwatch --source "$MW_SOL"
	expect_rc 0
	expect_out 'your SUnreclaim samples|your VmallocUsed samples'
	expect_out '^ +[0-9]+ \|.*\*'
	expect_out '^ +\+-{60}$'
}

test_memwatch_skeleton_fails() {
	km check memwatch --source "$MW_SKEL/memwatch_ex.c" --json
	expect_rc 1
	expect_json 'j["verdict"] == "fail"'
	# One sample of -1s (no field read): the two TODOs.
	mw_failed samples fields
	expect_json 'all(c["expected"] and c["observed"] and c["hint"] for c in j["checks"] if c["status"] == "fail")'
}

test_memwatch_one_sample_fails() {
	km check memwatch --source "$MW_WRONG/once" --json
	expect_rc 1
	mw_failed samples change
	expect_json "'snapshot' in [c for c in j['checks'] if c['name'] == 'samples'][0]['hint']"
}

test_memwatch_wrong_field_fails() {
	km check memwatch --source "$MW_WRONG/wrongfield" --json
	expect_rc 1
	mw_failed baseline freed
	expect_json "'SUnreclaim is off by' in [c for c in j['checks'] if c['name'] == 'baseline'][0]['hint']"
}

test_memwatch_made_up_numbers_fail() {
	km check memwatch --source "$MW_WRONG/madeup" --json
	expect_rc 1
	mw_failed baseline change
}

test_memwatch_link_error_is_named() {
	# A program that does not link: the linker's real error, not collect2's.
	cp -r "$MW_SOL" mw
	printf 'void print_sample(void);\nvoid sample_now(void)\n{\n\tprint_sample();\n}\n' \
		>> mw/memwatch_ex.c
	km check memwatch --source mw --json
	expect_rc 1
	expect_json "\"undefined reference to \`print_sample'\" in [c for c in j['checks'] if c['name'] == 'build'][0]['observed']"
	expect_json "'dmesg' in [c for c in j['checks'] if c['name'] == 'build'][0]['hint']"
	km dmesg
	expect_rc 0
	expect_out 'collect2: error: ld returned 1 exit status'
}

test_memwatch_read_once_fails() {
	# /proc/meminfo read once, its numbers printed at every sample: a flat
	# series, told to read the file again, and no free seen.
	km check memwatch --source "$MW_WRONG/readonce" --json
	expect_rc 1
	mw_failed change freed
	expect_json "'read it again for every sample' in [c for c in j['checks'] if c['name'] == 'change'][0]['hint']"
	km check memwatch --source "$MW_WRONG/readonce"
	# The flat chart's axis has distinct labels.
	[ "$(grep -E '^ +[0-9]+ \|' "$OUT" | awk '{print $1}' | sort -u | wc -l)" -eq 3 ] ||
		fail "the chart's axis labels are not three distinct values: $(grep -E '^ +[0-9]+ \|' "$OUT")"
}
