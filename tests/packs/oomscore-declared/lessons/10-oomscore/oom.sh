#!/bin/sh
# The grading script of the oomscore exercise, run in the lab VM in
# /lab/grade (see lesson.json): "sh oom.sh", once for the eight checks
# list, score, adj, predict, unkillable, set, einval and after (or "sh
# oom.sh CHECK" for one).  It prints KTAP: a result per check, in that
# order, each with "# expected:" and "# observed:" lines, and a "# hint:"
# line when it is not ok.
#
# What it reads:
#   inputs        mibs, adjs (holders 1 to 3; holder 0 is at -1000), target
#                 (the holder whose adjustment the program sets) and setto
#                 (the two values it is told to set, in the order given)
#   read/holders  the holders' PIDs: hog0= ... hog3=, target=, other=
#   read/before   total= swap= (kB), then pid= score= adj= rss= pte= swap=
#   read/after    the same, after the program ran
#   read/einval   what the kernel said to this script's own writes of both
#                 values to another holder: the error, then v= rc=
#   learner       the program's output
#
# The kernel's formula (mm/oom_kill.c, 6.1): totalpages = MemTotal/4 +
# SwapTotal/4; badness = rss + pte + swap pages + adj * (totalpages /
# 1000); oom_score = (1000 + badness * 1000 / totalpages) * 2 / 3.
#
# It is one awk program: under TCG every process costs some 15 ms.
exec awk -v q="'" -v only="$1" '
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
function isint(s) { return s ~ /^[-+]?[0-9]+$/ }
# A decimal number as the C grader reads one ("010" is 10, not octal).
function dec(s,    neg) {
	neg = substr(s, 1, 1) == "-"
	sub(/^[-+]/, "", s)
	sub(/^0+/, "", s)
	return (neg ? -1 : 1) * (s == "" ? 0 : s + 0)
}
# As atoi(): the number at the start of s, or 0.
function lead(s) { return match(s, /^[-+]?[0-9]+/) ? dec(substr(s, 1, RLENGTH)) : 0 }
function say(ok, want, obs, hint) {
	print (ok ? "ok " : "not ok ") num " " check
	print "# expected: " want
	print "# observed: " obs
	if (!ok && hint != "")
		print "# hint: " hint
}
# A "pid=... score=..." line of reading r (B or A) into its arrays.
function truth(r, line,    p) {
	if (index(line, "total=") == 1) {
		total_kb = kv(line, "total") + 0
		swap_kb = kv(line, "swap") + 0
		return
	}
	p = kv(line, "pid")
	if (!found)
		return
	seen[r, p] = 1
	score[r, p] = kv(line, "score") + 0
	adj[r, p] = kv(line, "adj") + 0
	rss[r, p] = kv(line, "rss") + 0
	pte[r, p] = kv(line, "pte") + 0
	swp[r, p] = kv(line, "swap") + 0
}
FILENAME == "inputs" {
	i = index($0, "=")
	in_[substr($0, 1, i - 1)] = substr($0, i + 1)
	next
}
FILENAME == "read/holders" {
	for (i = 0; i < 4; i++)
		hog[i] = kv($0, "hog" i) + 0
	tpid = kv($0, "target") + 0
	next
}
FILENAME == "read/before" { truth("B", $0); next }
FILENAME == "read/after" { truth("A", $0); next }
FILENAME == "read/einval" {
	if (index($0, "v=") == 1) {
		if (kv($0, "v") == invalid_text()) {
			einval_rc = kv($0, "rc") + 0
			einval_msg = pending
		}
		pending = ""
	} else {
		pending = pending (pending == "" ? "" : "\n") $0
	}
	next
}
FILENAME == "learner" { out[++nout] = $0; next }
function invalid_text(    v) {
	split(in_["setto"], v, ",")
	return (v[1] + 0 >= -1000 && v[1] + 0 <= 1000) ? v[2] : v[1]
}
function valid_text(    v) {
	split(in_["setto"], v, ",")
	return (v[1] + 0 >= -1000 && v[1] + 0 <= 1000) ? v[1] : v[2]
}
# The configured adjustment of holder i.
function hog_adj(i,    a) {
	if (i == 0)
		return -1000
	split(in_["adjs"], a, ",")
	return a[i] + 0
}
# The learner s first line "WHAT ..." with pid=PID (pid < 0: any), or "".
function find_line(what, pid,    i, v) {
	for (i = 1; i <= nout; i++) {
		if (substr(out[i], 1, length(what) + 1) != what " ")
			continue
		if (pid < 0)
			return out[i]
		v = kv(out[i], "pid")
		if (found && lead(v) == pid)
			return out[i]
	}
	return ""
}
# Its first "set pid=PID ... adj=ADJ errno=" line, or "".
function set_line(pid, adjtext,    i, v) {
	for (i = 1; i <= nout; i++) {
		if (substr(out[i], 1, 4) != "set " || !index(out[i], "adj=" adjtext " errno="))
			continue
		v = kv(out[i], "pid")
		if (found && lead(v) == pid)
			return out[i]
	}
	return ""
}
function totalpages() { return int(total_kb / 4) + int(swap_kb / 4) }
function formula(r, p, with_adj,    total, badness) {
	total = totalpages()
	if (total <= 0)
		return -1
	badness = int(rss[r, p] / 4) + int(pte[r, p] / 4) + int(swp[r, p] / 4) +
		  (with_adj ? adj[r, p] * int(total / 1000) : 0)
	return int((1000 + int(badness * 1000 / total)) * 2 / 3)
}
function explain(r, p,    total, b) {
	total = totalpages()
	b = int(rss[r, p] / 4) + int(pte[r, p] / 4) + int(swp[r, p] / 4) + adj[r, p] * int(total / 1000)
	return sprintf("pid %d: rss %d + pte %d + swap %d pages + adj %d * (%d / 1000) = %d; (1000 + %d * 1000 / %d) * 2 / 3 = %d",
		       p, int(rss[r, p] / 4), int(pte[r, p] / 4), int(swp[r, p] / 4), adj[r, p], total,
		       b, b, total, formula(r, p, 1))
}
# Field key of each holder s "proc" line against the truth before the
# program: into want_s, obs_s, ok_c, no_adj, first_bad.
function compare_hogs(key, skip_never,    i, p, line, want, v, have, got) {
	want_s = obs_s = ""
	ok_c = 1
	no_adj = 1
	first_bad = -1
	for (i = 0; i < 4; i++) {
		p = hog[i]
		line = find_line("proc", p)
		want = key == "adj" ? adj["B", p] + 0 : score["B", p] + 0
		v = kv(line, key)
		have = found && isint(v)
		got = have ? dec(v) : 0
		if (skip_never && hog_adj(i) == -1000)
			continue
		want_s = want_s (want_s == "" ? "" : " ") p ":" want
		obs_s = obs_s (obs_s == "" ? "" : " ") p ":" (have ? got : "?")
		if (!have || got != want) {
			ok_c = 0
			if (first_bad < 0)
				first_bad = i
		}
		if (!have || got != formula("B", p, 0))
			no_adj = 0
	}
}
END {
	n = split(only != "" ? only : "list score adj predict unkillable set einval after", checks, " ")
	print "KTAP version 1"
	print "1.." n
	for (num = 1; num <= n; num++) {
		check = checks[num]
		grade()
	}
}
# The check named check, as result num.
function grade(    ok, want, obs, hint, i, p, line, v, have, e, refused, a1, a2, a3, h1, h2, h3) {
	if (check == "list") {
		ok = 1
		want = "a " q "proc" q " line for pids 1 2"
		obs = ""
		for (i = 0; i < 4; i++)
			want = want " " hog[i]
		for (i = -2; i < 4; i++) {
			p = i == -2 ? 1 : i == -1 ? 2 : hog[i]
			if (find_line("proc", p) == "") {
				obs = obs (obs == "" ? "missing: " : " ") p
				ok = 0
			}
		}
		say(ok, want, ok ? "all listed" : obs, "read every numeric directory of /proc (readdir), kernel threads and init included; the grader" q "s memory holders are ordinary processes")
	} else if (check == "score") {
		compare_hogs("score", 0)
		say(ok_c, want_s, obs_s, "print what /proc/PID/oom_score says, as a number (pid:score above)")
	} else if (check == "adj") {
		compare_hogs("adj", 0)
		say(ok_c, want_s, obs_s, "print what /proc/PID/oom_score_adj says; it may be negative")
	} else if (check == "predict") {
		compare_hogs("predicted", 1)
		hint = ""
		if (!ok_c && no_adj)
			hint = "your predictions are the score without the adjustment: oom_badness() adds adj * (totalpages / 1000) pages before scaling; "
		else if (!ok_c)
			hint = "badness = rss + pte + swap pages + adj * (totalpages / 1000); oom_score = (1000 + badness * 1000 / totalpages) * 2 / 3, integer arithmetic; "
		if (!ok_c && first_bad >= 0)
			hint = hint explain("B", hog[first_bad])
		say(ok_c, want_s, obs_s, hint)
	} else if (check == "unkillable") {
		ok = 1
		want = obs = ""
		for (i = -2; i < 4; i++) {
			if (i >= 0 && hog_adj(i) != -1000)
				continue
			p = i == -2 ? 1 : i == -1 ? 2 : hog[i]
			line = find_line("proc", p)
			v = kv(line, "predicted")
			have = found && isint(v)
			want = want (want == "" ? "" : " ") p ":" (score["B", p] + 0)
			obs = obs (obs == "" ? "" : " ") p ":" (have ? dec(v) : "?")
			if (!seen["B", p] || !have || dec(v) != score["B", p])
				ok = 0
		}
		say(ok, want, obs, "oom_badness() returns LONG_MIN, shown as 0, for init (pid 1), kernel threads (no VmRSS line: no memory of their own) and oom_score_adj -1000; do not apply the formula to them")
	} else if (check == "set") {
		line = set_line(tpid, valid_text())
		e = kv(line, "errno")
		ok = line != "" && found && isint(e) && dec(e) == 0 && seen["A", tpid] &&
		     adj["A", tpid] == valid_text() + 0
		say(ok, sprintf("set pid=%d adj=%d errno=0, and oom_score_adj %d afterwards", tpid, valid_text(), valid_text()),
		    sprintf("%s, and oom_score_adj %d afterwards", line != "" ? line : "no such " q "set" q " line", adj["A", tpid]),
		    "open /proc/PID/oom_score_adj for writing, write the number as text, and close it; report errno=0 when that worked")
	} else if (check == "einval") {
		refused = einval_rc != 0 && index(einval_msg, "Invalid argument")
		line = set_line(tpid, invalid_text())
		e = -1
		ok = 0
		if (refused && line != "") {
			v = kv(line, "errno")
			if (found && isint(v)) {
				e = dec(v)
				ok = e == 22
			}
		}
		say(ok, sprintf("set pid=%d adj=%d errno=22 (EINVAL; in the lab VM, echo %d > oom_score_adj said " q "%s" q ")", tpid, invalid_text(), invalid_text(), einval_msg),
		    line != "" ? line : "no such " q "set" q " line",
		    e == 0 ? "the kernel refused the value but your program reported success: stdio sends the text only when it flushes, so the error comes from fclose() (or fflush()), not fprintf()" : "values outside -1000..1000 are refused with EINVAL: report the errno of the failed write (or of fclose) as a number")
	} else if (check == "after") {
		line = find_line("after", tpid)
		a1 = kv(line, "adj"); h1 = found && isint(a1)
		a2 = kv(line, "score"); h2 = found && isint(a2)
		a3 = kv(line, "predicted"); h3 = found && isint(a3)
		ok = h1 && h2 && h3 && seen["A", tpid] && dec(a1) == adj["A", tpid] &&
		     dec(a2) == score["A", tpid] && dec(a3) == score["A", tpid]
		say(ok, sprintf("after pid=%d adj=%d score=%d predicted=%d", tpid, adj["A", tpid], score["A", tpid], score["A", tpid]),
		    line != "" ? line : "no " q "after" q " line",
		    "read the target again after setting the adjustment and predict with its new oom_score_adj; " explain("A", tpid))
	} else {
		say(0, "a check of oom.sh", check, "")
	}
}
' inputs read/holders read/before read/after read/einval learner
