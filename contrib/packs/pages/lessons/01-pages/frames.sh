#!/bin/sh
# The "frames" check, run in the lab VM in /lab/grade (see lesson.json).
# Each block the learner reported must be a real block of the buddy
# allocator:
#   - its first page frame number (pfn=) is a multiple of its number of
#     pages (pages=): a block of order n starts on a multiple of 2^n
#     frames, or its buddy could not be found by flipping one bit;
#   - its address (addr=) is that frame's address in the direct map, where
#     page_address() puts it: the probe's page_offset= plus pfn pages.
off=$(sed -n 's/.*page_offset=\(0x[0-9a-f]*\).*/\1/p' truth | head -n 1)
psize=$(sed -n 's/.*page_size=\([0-9]*\).*/\1/p' truth | head -n 1)
# The learner's "ok N NAME # ..." results, with or without the log's time stamps.
sed -E 's/^\[[ 0-9.]*\] //' learner | grep -E '^ok [0-9]+ [^#]*# ' > results
n=$(wc -l < results)
echo "KTAP version 1"
if [ "$n" -eq 0 ] || [ -z "$off" ] || [ -z "$psize" ]; then
	echo "1..1"
	echo "not ok 1 frames"
	echo "# expected: ok results with pfn= and addr= (and the probe's page_offset=)"
	echo "# observed: ${n} ok results; page_offset=${off:-none}"
	exit 0
fi
echo "1..$n"
# key NAME LINE: the value of NAME= in the line's "# ..." comment
key() { echo "$2" | sed -n "s/.*[# ]$1=\([^ ]*\).*/\1/p"; }
k=0
while IFS= read -r line; do
	k=$((k + 1))
	name=$(echo "$line" | awk '{ print $3 }')
	pfn=$(key pfn "$line")
	pages=$(key pages "$line")
	addr=$(key addr "$line")
	addr=${addr#0x}
	case "$pfn$pages$addr" in
	*[!0-9a-fx]* | "")
		echo "not ok $k $name"
		echo "# expected: pfn=0x..., pages=N and addr=... in result $k"
		echo "# observed: $line"
		continue ;;
	esac
	if [ "$pages" -eq 0 ] || [ $((pfn % pages)) -ne 0 ]; then
		echo "not ok $k $name"
		echo "# expected: result $k's pfn a multiple of pages=$pages (a block of 2^order pages starts on a multiple of 2^order frames)"
		echo "# observed: pfn=$pfn"
		echo "# hint: report page_to_pfn() of the block's first page"
	elif [ $(((0x$addr - off) / psize)) -ne $((pfn)) ] || [ $(((0x$addr - off) % psize)) -ne 0 ]; then
		echo "not ok $k $name"
		echo "# expected: result $k's addr in the direct map at frame $pfn: $(printf '%x' $((off + pfn * psize)))"
		echo "# observed: addr=$addr"
		echo "# hint: page_address() of the block's first page gives the address the kernel uses for it"
	else
		echo "ok $k $name"
	fi
done < results
