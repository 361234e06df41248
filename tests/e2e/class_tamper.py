#!/usr/bin/env python3
"""Make a tampered copy of a kmemlab submission bundle, for the tests.

    class_tamper.py IN OUT KIND

KIND: badhash (a source changed, manifest left alone), traversal ('../'
member), absolute ('/etc/...' member), symlink, huge (a 5 MiB member),
verdict (an attempt's check turned to 'fail' under its 'pass'), stale (a
source changed after grading), future (made in 2099), tabname (a source
named 'a<TAB>b.c'), bidiname, c1name, rawname (a learner name with U+202E,
U+009B or a raw 0x9B byte), badtime (an answer at 9999-99-99T99:99:99Z),
noquestion (an answer to a question the course lacks), errorverdict (an
attempt that says 'error' with every check passed), escapes (a summary,
a check's observed value and an answer with terminal escapes).  Every kind
but badhash re-hashes the manifest, as a careful cheat would.

    class_tamper.py hold BUNDLE SIGNAL OUT ERR -- COMMAND...

Runs COMMAND (a 'kmemlab class import' whose second bundle is BUNDLE)
while a write lease on BUNDLE makes its open wait, so the import stops
there after the first bundle.  Once the first line is out on the pipe
(while COMMAND still runs: a line kept in a buffer would not be), sends
SIGNAL (INT or KILL), then lifts the lease.  COMMAND's stdout and stderr
go to OUT and ERR; the exit status is COMMAND's (128 + N for signal N).
"""
import fcntl
import hashlib
import io
import json
import os
import select
import signal
import subprocess
import sys
import tarfile
import time

F_SETLEASE = 1024


def hold(argv):
    bundle, sig, out_path, err_path = argv[:4]
    cmd = argv[5:]
    # The lease breaker gets SIGIO; the lease holds for lease-break-time.
    signal.signal(signal.SIGIO, lambda *a: None)
    fd = os.open(bundle, os.O_WRONLY)
    fcntl.fcntl(fd, F_SETLEASE, fcntl.F_WRLCK)
    err = open(err_path, "wb")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
    first = b""
    deadline = time.time() + 60
    while not first.endswith(b"\n") and time.time() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 1)
        if r:
            c = os.read(p.stdout.fileno(), 1)
            if not c:
                break
            first += c
    running = p.poll() is None
    if first.endswith(b"\n") and running:
        p.send_signal(signal.SIGINT if sig == "INT" else signal.SIGKILL)
    else:
        p.kill()
    try:
        rest, _ = p.communicate(timeout=30)
        stopped = True
    except subprocess.TimeoutExpired:
        p.kill()
        rest, _ = p.communicate()
        stopped = False
    fcntl.fcntl(fd, F_SETLEASE, fcntl.F_UNLCK)
    os.close(fd)
    with open(out_path, "wb") as f:
        f.write(first + rest)
    if not first.endswith(b"\n"):
        err.write(b"class_tamper: no line came out while the import waited\n")
        return 99
    if not running:
        err.write(b"class_tamper: the import had ended before the first line came\n")
        return 99
    if not stopped:
        err.write(b"class_tamper: the import did not stop on the signal\n")
        return 99
    rc = p.returncode
    return rc if rc >= 0 else 128 - rc


if len(sys.argv) > 1 and sys.argv[1] == "hold":
    sys.exit(hold(sys.argv[2:]))

src, dst, kind = sys.argv[1:4]
members = {}
with tarfile.open(src, "r:gz") as t:
    for m in t.getmembers():
        members[m.name] = t.extractfile(m).read()
man = json.loads(members.pop("manifest.json"))
extra = []          # (TarInfo, data) added as they are
source = next((n for n in members if n.startswith("sources/") and n.endswith(".c")), None)


def passing_attempt(verdict):
    return {"exercise": "ksize", "started_at": "2026-01-01T00:00:00Z",
            "source_hash": "", "verdict": verdict, "score": 1, "max_score": 1,
            "checks": [{"name": "build", "status": "pass"}]}


def answer(question, at):
    return {"lesson": "ksize", "question": question, "answered_at": at, "answer": "63",
            "expected": "64", "correct": False}


if kind == "badhash":
    # Same size, other bytes: only the hash tells.
    members[source] = members[source].replace(b"int", b"INT", 1)
elif kind == "stale":
    members[source] += b"\n/* changed after grading */\n"
elif kind in ("traversal", "absolute"):
    name = "../evil.c" if kind == "traversal" else "/tmp/evil.c"
    members[name] = b"int x;\n"
elif kind == "symlink":
    ti = tarfile.TarInfo("sources/ksize/link.c")
    ti.type = tarfile.SYMTYPE
    ti.linkname = "/etc/passwd"
    extra.append((ti, None))
elif kind == "huge":
    members["sources/ksize/huge.c"] = b"/" * (5 << 20)
elif kind == "verdict":
    att = json.loads(members["attempts.json"])
    a = next(a for a in att if a["verdict"] == "pass")
    a["checks"][-1]["status"] = "fail"
    members["attempts.json"] = json.dumps(att).encode()
elif kind == "future":
    man["created_at"] = "2099-01-01T00:00:00Z"
elif kind == "tabname":
    members["sources/ksize/a\tb.c"] = b"int x;\n"
elif kind == "bidiname":
    man["learner"]["name"] = "Eve \u202eevE"
elif kind == "c1name":
    man["learner"]["name"] = "Eve \u009b2J"
elif kind == "rawname":
    man["learner"]["name"] = "Eve RAWBYTE2J"
elif kind == "badtime":
    members["answers.json"] = json.dumps([answer("waste65", "9999-99-99T99:99:99Z")]).encode()
elif kind == "noquestion":
    members["answers.json"] = json.dumps([answer("no_such_q", "2026-01-01T00:00:00Z")]).encode()
elif kind == "errorverdict":
    members["attempts.json"] = json.dumps([passing_attempt("error")]).encode()
elif kind == "escapes":
    a = passing_attempt("fail")
    a["checks"][0]["status"] = "fail"
    a["score"] = 0
    a["summary"] = "build: \x1b]0;pwned\x07 failed"
    a["checks"][0]["observed"] = "\x1b[2J\u202eterces"
    members["attempts.json"] = json.dumps([a]).encode()
    members["answers.json"] = json.dumps([answer("waste65", "2026-01-01T00:00:00Z") |
                                          {"answer": "6\u009b3"}]).encode()
else:
    sys.exit("unknown kind " + kind)

if kind != "badhash":
    man["files"] = [{"path": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                    for n, d in members.items()]
    for ti, _ in extra:
        man["files"].append({"path": ti.name, "size": 0,
                             "sha256": hashlib.sha256(b"").hexdigest()})
manifest = json.dumps(man, ensure_ascii=False).encode()
if kind == "rawname":
    # A byte that is not UTF-8: CSI to a terminal that takes 8-bit controls.
    manifest = manifest.replace(b"RAWBYTE", b"\x9b")

with tarfile.open(dst, "w:gz", format=tarfile.PAX_FORMAT) as t:
    def add(name, data):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    add("manifest.json", manifest)
    for n, d in members.items():
        add(n, d)
    for ti, _ in extra:
        t.addfile(ti)
