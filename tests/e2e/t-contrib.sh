# Course packs kept in contrib/packs: each proves clean in the lab VM
# (its solution passes, its skeleton fails, each wrong solution fails on
# the check it names, its measured questions have answers), and its hints
# progress as the shipped course's do.

test_contrib_pages_proves_clean() {
	local pack=$TOP/contrib/packs/pages
	km course prove "$pack"
	expect_rc 0
	expect_out '^course pages, version 1: 1 lesson '
	expect_out '^pages +solution +pass +pass 11/11 +ok$'
	expect_out '^pages +skeleton +fail +fail on [a-z_]+ +ok$'
	expect_out '^pages +wrong/free_page +fail on freed +fail on freed +ok$'
	expect_out '^pages +wrong/floor_order +fail on orders +fail on orders +ok$'
	expect_out '^pages +wrong/no_alloc +fail on allocated +fail on allocated +ok$'
	expect_out '^pages +wrong/no_kfree +fail on cleanup +fail on cleanup +ok$'
	expect_out '^lesson 1 +max_order +a measured answer +10 +ok$'
	expect_out '^lesson 1 +pageblock_order +a measured answer +9 +ok$'
	expect_out '^8 of 8 held$'
	expect_no_out 'WRONG'
	# Every row of the table, whatever it is, held.
	awk '/^exercise /{ t = 1; next } t && NF && !/ held/ && $NF != "ok" { bad = 1; print "not ok: " $0 } END { exit bad }' "$OUT" ||
		fail "a row of the proof did not hold"
	python3 "$TOP/tests/e2e/hints_check.py" "$pack" || fail "the pack's hints do not progress (above)"
}
