#!/bin/sh
# The "allocated" check, run in the lab VM in /lab/grade (see lesson.json).
# The page allocator's own event counters in /proc/vmstat (pgalloc_*
# counts every page it hands out, pgfree every page it takes back) were
# read before the learner's module was loaded and while it was loaded:
# the pages it held in between must be at least the pages of the blocks
# the probe says these sizes need, less a little, and not much more (the
# module's own code and data take some 15 pages).
sum=$(sed -n 's/^.*ok [0-9]* .*# .*pages=\([0-9]*\).*/\1/p' truth | awk '{ s += $1 } END { print s + 0 }')
before=$(awk '{ print $1; exit }' read/held_before)
loaded=$(awk '{ print $1; exit }' read/held_loaded)
echo "KTAP version 1"
echo "1..1"
if [ -z "$before" ] || [ -z "$loaded" ]; then
	echo "not ok 1 allocated"
	echo "# expected: readings of /proc/vmstat before and while loaded"
	echo "# observed: before='$before' loaded='$loaded'"
	exit 0
fi
held=$((loaded - before))
if [ "$held" -ge $((sum - 16)) ] && [ "$held" -le $((sum + 128)) ]; then
	echo "ok 1 allocated"
else
	echo "not ok 1 allocated"
	echo "# expected: about $sum pages taken from the page allocator while the module is loaded (pgalloc - pgfree in /proc/vmstat, from $((sum - 16)) to $((sum + 128)))"
	echo "# observed: $held pages"
	echo "# hint: allocate every block with alloc_pages() and keep it until the exit function: reporting numbers is not allocating"
fi
