#!/bin/sh
# The "freed" check, run in the lab VM in /lab/grade (see lesson.json).
# kmemlab's own "cleanup" check follows kmalloc() but not alloc_pages(),
# so this one asks the page allocator: pgalloc_* minus pgfree in
# /proc/vmstat, read before the learner's module was loaded and after it
# was unloaded, must be back within 64 pages (the VM itself keeps some 15
# pages across a load and unload).  Freeing a block with the wrong order
# gives back fewer pages than were taken, and the difference stays.
before=$(awk '{ print $1; exit }' read/held_before)
after=$(awk '{ print $1; exit }' read/held_after)
echo "KTAP version 1"
echo "1..1"
if [ -z "$before" ] || [ -z "$after" ]; then
	echo "not ok 1 freed"
	echo "# expected: readings of /proc/vmstat before loading and after unloading"
	echo "# observed: before='$before' after='$after'"
	exit 0
fi
kept=$((after - before))
if [ "$kept" -le 64 ]; then
	echo "ok 1 freed"
else
	echo "not ok 1 freed"
	echo "# expected: at most 64 pages still taken once the module is unloaded (pgalloc - pgfree in /proc/vmstat, before loading and after unloading)"
	echo "# observed: $kept pages still taken"
	echo "# hint: free each block with __free_pages() and the order it was allocated with: __free_page() or order 0 gives back only its first page"
fi
