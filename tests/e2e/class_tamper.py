#!/usr/bin/env python3
"""Make a tampered copy of a kmemlab submission bundle, for the tests.

    class_tamper.py IN OUT KIND

KIND: badhash (a source changed, manifest left alone), traversal ('../'
member), absolute ('/etc/...' member), symlink, huge (a 5 MiB member),
verdict (an attempt's check turned to 'fail' under its 'pass'), stale (a
source changed after grading).  Every kind but badhash re-hashes the manifest,
as a careful cheat would.
"""
import hashlib
import io
import json
import sys
import tarfile

src, dst, kind = sys.argv[1:4]
members = {}
with tarfile.open(src, "r:gz") as t:
    for m in t.getmembers():
        members[m.name] = t.extractfile(m).read()
man = json.loads(members.pop("manifest.json"))
extra = []          # (TarInfo, data) added as they are
source = next(n for n in members if n.startswith("sources/") and n.endswith(".c"))

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
else:
    sys.exit("unknown kind " + kind)

if kind != "badhash":
    man["files"] = [{"path": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                    for n, d in members.items()]
    for ti, _ in extra:
        man["files"].append({"path": ti.name, "size": 0,
                             "sha256": hashlib.sha256(b"").hexdigest()})

with tarfile.open(dst, "w:gz", format=tarfile.PAX_FORMAT) as t:
    def add(name, data):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    add("manifest.json", json.dumps(man).encode())
    for n, d in members.items():
        add(n, d)
    for ti, _ in extra:
        t.addfile(ti)
