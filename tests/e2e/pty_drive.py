"""Drive the kmemlab tutor shell through a real pseudo-terminal.

Types commands as a person would, including a tab completion, and checks
what the screen shows.  Exits non-zero with the reason on failure.
"""
import sys

from ptylib import Session

KMEMLAB = sys.argv[1]


s = Session(KMEMLAB)
s.expect("kmemlab> ")
s.send("help\r")
s.expect("Commands")
s.expect("kmemlab> ")
# Tab completes a unique command prefix, then a lesson id.
s.send("sta\t")
s.expect("rt ")          # libedit redraws: only the completed part is new
s.send("ks\t")
s.expect("ize ")
s.send("\r")
s.expect("Lesson 1: kmalloc and ksize")
s.expect("kmemlab> ")
s.send("progress\r")
s.expect("ksize")
s.expect("kmemlab> ")
s.send("quit\r")
code = s.wait()
if code != 0:
    raise SystemExit("quit left with status %d" % code)

# Reopen: the current lesson is remembered.
s = Session(KMEMLAB)
s.expect("kmemlab> ")
s.send("lessons\r")
s.expect("> 1  ksize")
s.expect("kmemlab> ")
s.send("\x04")  # Ctrl-D leaves too
code = s.wait()
if code != 0:
    raise SystemExit("Ctrl-D left with status %d" % code)
print("pty session ok")
