#!/bin/sh
# The grading script of the slabinfo exercise, run in the lab VM in
# /lab/grade (see lesson.json): "sh grade.sh CHECK...", where each CHECK
# is bytes, top, grew or growth (lesson.json runs it once for bytes, top
# and grew, and once for growth, which needs grew).  It prints KTAP: a
# result per CHECK, in order, each with "# expected:" and "# observed:"
# lines, and a "# hint:" line when it is not ok.
#
# What it reads:
#   read/s0 ... read/s3   /proc/slabinfo at the start (the BEFORE file the
#                         program is given), before the "grew" run, before
#                         the "top" run and after it
#   run/grew, run/top     what the two runs printed
#   truth                 the probe's KTAP: ksize= and page_size= of its objects
#   inputs                n= (how many caches "top" lists), size=, bytes=
#
# A cache's memory is whole slabs: num_slabs * pagesperslab * page size.
# A figure the program prints must lie between the script's two readings
# around its run, since other caches move while it runs.
#
# It is one awk program: under TCG every process the script starts costs
# some 15 ms, so it reads all its files in one.
exec awk -v q="'" -v only="$*" '
# The value of key in a line of "key=value" words, or "" (found says whether).
function kv(line, key,    i, m, w) {
	found = 0
	m = split(line, w, " ")
	for (i = 1; i <= m; i++)
		if (index(w[i], key "=") == 1) {
			found = 1
			return substr(w[i], length(key) + 2)
		}
	return ""
}
# A decimal number as the C grader reads one ("0100" is 100, not octal),
# with an optional sign; call it only on text that matches [-+]?[0-9]+.
function dec(s,    neg) {
	neg = substr(s, 1, 1) == "-"
	sub(/^[-+]/, "", s)
	sub(/^0+/, "", s)
	return (neg ? -1 : 1) * (s == "" ? 0 : s + 0)
}
function min(a, b) { return a < b ? a : b }
function max(a, b) { return a > b ? a : b }
function say(ok, want, obs, hint) {
	print (ok ? "ok " : "not ok ") num " " check
	print "# expected: " want
	print "# observed: " obs
	if (!ok && hint != "")
		print "# hint: " hint
}
# The first result of the probe, then the inputs: read before the snapshots, which need page.
FILENAME == "truth" {
	if (page == "" && $1 == "ok") {
		page = kv($0, "page_size")
		ksize = kv($0, "ksize")
	}
	next
}
FILENAME == "inputs" {
	i = index($0, "=")
	if (substr($0, 1, i - 1) == "n")
		n = substr($0, i + 1) + 0
	if (substr($0, 1, i - 1) == "size")
		size = substr($0, i + 1) + 0
	next
}
# Snapshot s, cache c: has[s, c], bytes[s, c], objs[s, c], objsize[s, c], slab[s, c].
FILENAME ~ /^read\/s[0-3]$/ {
	s = substr(FILENAME, 7) + 0
	if (NF == 16 && $7 == ":" && $8 == "tunables" && $12 == ":" && $13 == "slabdata" &&
	    substr($1, 1, 1) != "#") {
		has[s, $1] = 1
		bytes[s, $1] = $15 * $6 * page
		objs[s, $1] = $2
		objsize[s, $1] = $4
		slab[s, $1] = $6 * page
		if (s == 2)
			names[++nnames] = $1
	}
	next
}
FILENAME == "run/top" {
	# As sscanf("top %d"): the rank is the number at the start of the word.
	if ($1 == "top" && match($2, /^[-+]?[0-9]+/)) {
		rank = substr($2, 1, RLENGTH)
		name = kv($0, "name")
		if (found) {
			t++
			tname[t] = name
			trank[t] = dec(rank)
			b = kv($0, "bytes")
			tbytes[t] = found && b ~ /^[0-9]+$/ ? dec(b) : 0
		}
	}
	next
}
FILENAME == "run/grew" {
	if (grew == "" && substr($0, 1, 5) == "grew ")
		grew = $0
	next
}
# What the script saw for cache c around the "top" run: lo and hi.
function around(c) {
	if (!has[2, c] && !has[3, c])
		return 0
	lo = has[2, c] && has[3, c] ? min(bytes[2, c], bytes[3, c]) : has[2, c] ? bytes[2, c] : bytes[3, c]
	hi = has[2, c] && has[3, c] ? max(bytes[2, c], bytes[3, c]) : has[2, c] ? bytes[2, c] : bytes[3, c]
	return 1
}
# The cache whose bytes grew the most from snapshot 0 to y, its growth in g.
function top_growth(y,    i, c, d, best) {
	g = 0
	best = ""
	for (c in objs) {
		split(c, k, SUBSEP)
		if (k[1] + 0 != y)
			continue
		d = bytes[y, k[2]] - (has[0, k[2]] ? bytes[0, k[2]] : 0)
		if (d > g || (d == g && d > 0 && k[2] < best)) {
			g = d
			best = k[2]
		}
	}
	return best
}
function growth_of(y, c, what) {
	if (!has[y, c])
		return 0
	if (what == "objs")
		return objs[y, c] - (has[0, c] ? objs[0, c] : 0)
	return bytes[y, c] - (has[0, c] ? bytes[0, c] : 0)
}
function grade_bytes(    i, ok, want, obs, hint, c) {
	ok = t > 0
	for (i = 1; i <= t; i++) {
		c = tname[i]
		have = around(c)
		want = want (i > 1 ? " " : "") c "=" (lo == hi ? sprintf("%.0f", lo) : sprintf("%.0f..%.0f", lo, hi))
		obs = obs (i > 1 ? " " : "") c "=" sprintf("%.0f", tbytes[i])
		if (!have || tbytes[i] < lo || tbytes[i] > hi) {
			if (ok && hint == "")
				hint = has[2, c] ? sprintf("bytes = num_slabs * pagesperslab * page size (%d), whole slabs: %s has objsize %d but a slab of %.0f bytes, and num_objs * objsize leaves out the waste", page, c, objsize[2, c], slab[2, c]) : "there is no cache " q c q " in /proc/slabinfo: take the first column"
			ok = 0
		}
	}
	if (!t) {
		want = "lines " q "top R name=CACHE bytes=B" q
		obs = "no " q "top" q " lines"
		hint = "print one " q "top R name=CACHE bytes=B" q " line per cache"
	}
	say(ok, want, obs, hint)
}
function grade_top(    i, j, ok, want, obs, hint, floor_hi, best, c, listed, worst) {
	# The n largest of the reading before the run, largest first.
	for (i = 1; i <= n && i <= nnames; i++) {
		best = ""
		for (j = 1; j <= nnames; j++) {
			c = names[j]
			if (taken[c])
				continue
			if (best == "" || bytes[2, c] > bytes[2, best] ||
			    (bytes[2, c] == bytes[2, best] && c < best))
				best = c
		}
		taken[best] = 1
		want = want (i > 1 ? " " : "") best
	}
	ok = t == n
	for (i = 1; i <= t; i++) {
		obs = obs (i > 1 ? " " : "") trank[i] ":" tname[i]
		if (trank[i] != i || (i > 1 && tbytes[i] > tbytes[i - 1]))
			ok = 0
		for (j = 1; j < i; j++)
			if (tname[i] == tname[j])
				ok = 0
		if (around(tname[i]) && (i == 1 || hi < floor_hi))
			floor_hi = hi
		listed[tname[i]] = 1
	}
	# A cache left out that was surely larger than the smallest one listed.
	worst = ""
	for (j = 1; ok && j <= nnames; j++) {
		c = names[j]
		if (!listed[c] && around(c) && lo > floor_hi && (worst == "" || bytes[2, c] > bytes[2, worst]))
			worst = c
	}
	if (worst != "") {
		around(worst)
		hint = sprintf("%s (%.0f bytes) is larger than caches you listed: sort all rows by bytes, largest first, and print the first %d", worst, lo, n)
		ok = 0
	}
	if (hint == "")
		hint = sprintf("print exactly %d lines, ranks 1 to %d, largest first, each cache once", n, n)
	if (obs == "")
		obs = "no " q "top" q " lines"
	say(ok, want, obs, hint)
}
function grade_grew(    w1, w2, g1, name, ok, obs) {
	w1 = top_growth(1)
	w2 = top_growth(2)
	name = grew == "" ? "" : kv(grew, "name")
	ok = found && name != "" && (name == w1 || name == w2)
	if (check == "growth") {
		if (!ok) {
			say(0, "the cache that grew", grew, "name the cache that grew first")
			return
		}
		b = kv(grew, "bytes"); hb = found
		o = kv(grew, "objs"); ho = found
		b1 = growth_of(1, name, "bytes"); b2 = growth_of(2, name, "bytes")
		o1 = growth_of(1, name, "objs"); o2 = growth_of(2, name, "objs")
		blo = min(b1, b2); bhi = max(b1, b2); olo = min(o1, o2); ohi = max(o1, o2)
		ok = hb && ho && b ~ /^[-+]?[0-9]+$/ && o ~ /^[-+]?[0-9]+$/ &&
		     dec(b) >= blo && dec(b) <= bhi && dec(o) >= olo && dec(o) <= ohi
		say(ok, sprintf("bytes=+%.0f..+%.0f objs=+%.0f..+%.0f", blo, bhi, olo, ohi),
		    sprintf("bytes=%s objs=%s", b, o),
		    "bytes: now minus before of num_slabs * pagesperslab * page size; objs: now minus before of active_objs")
		return
	}
	obs = grew != "" ? grew : "no " q "grew name=CACHE ..." q " line"
	say(ok, sprintf("grew name=%s (objsize %d: the probe" q "s objects of %d bytes, ksize %d)",
			w1 == "" ? "?" : w1, objsize[1, w1], size, ksize), obs,
	    grew == "grew none" ? "no cache grew between your two snapshots: read the BEFORE file named by the third argument, not /proc/slabinfo twice" : "parse both files, match caches by name, and pick the largest increase in bytes (whole slabs), not the largest cache")
}
END {
	nc = split(only, checks, " ")
	print "KTAP version 1"
	print "1.." nc
	for (num = 1; num <= nc; num++) {
		check = checks[num]
		if (page == "" || n == "")
			say(0, "the probe" q "s page_size and the input n", "page_size=" page " n=" n, "")
		else if (check == "bytes")
			grade_bytes()
		else if (check == "top")
			grade_top()
		else if (check == "grew" || check == "growth")
			grade_grew()
		else
			say(0, "a check of grade.sh", check, "")
	}
}
' truth inputs read/s0 read/s1 read/s2 read/s3 run/top run/grew
