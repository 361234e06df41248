#!/bin/sh
# A grading script: it runs in the lab VM (busybox sh and awk) in
# /lab/grade, where kmemlab has put
#   learner    the learner's report (the module's kernel log, or a program's output)
#   truth      the probe's report
#   inputs     this attempt's inputs, NAME=VALUE lines (nonce= too)
#   read/NAME  each declared reading
# and prints KTAP: the check passes when every result is ok; after a
# result that is not ok, "# expected: ", "# observed: " and "# hint: "
# lines say why.
count=$(sed -n 's/^count=//p' inputs)
ksize=$(sed -n 's/.* ksize=\([0-9]*\).*/\1/p' truth | head -n 1)
want=$((count * ksize))
got=$(sed -n 's/.*# total=\([0-9]*\).*/\1/p' learner | tail -n 1)
echo "KTAP version 1"
echo "1..1"
if [ "$got" = "$want" ]; then
	echo "ok 1 total"
else
	echo "not ok 1 total"
	echo "# expected: total=$want ($count objects of ksize $ksize)"
	echo "# observed: total=${got:-none}"
fi
