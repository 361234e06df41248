"""Run a command on a pseudo-terminal of a given size and keep its output.

    pty_run.py ROWS COLS OUTFILE [--send TEXT | --key TEXT | --expect TEXT]... -- CMD [ARG]...

The steps run in order: --expect waits until TEXT has appeared on the
screen since the last expectation, --send types TEXT once the program
reads keys one by one (a line editor or a pager in raw mode), --key types
it at once (to a program reading lines, or Ctrl-C to one that is busy).  Then the output is read to the end,
written raw (escape sequences and all) to OUTFILE, and the command's exit
status becomes this script's.  Exits 125 with the reason on a timeout.
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

rows, cols, outfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
args = sys.argv[4:]
steps = []
while args and args[0] != "--":
    steps.append((args[0], args[1]))
    args = args[2:]
cmd = args[1:]

pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.environ["TERM"] = "xterm"
    os.execvp(cmd[0], cmd)

seen = b""
mark = 0


def read_some(timeout):
    global seen
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:
        data = b""
    if not data:
        return False
    seen += data
    return True


def give_up(why):
    open(outfile, "wb").write(seen)
    os.kill(pid, 9)
    print(why, file=sys.stderr)
    sys.exit(125)


for kind, text in steps:
    deadline = time.time() + 60
    if kind == "--expect":
        want = text.encode()
        while want not in seen[mark:]:
            if time.time() > deadline:
                give_up("never saw %r" % text)
            if not read_some(deadline - time.time()):
                give_up("the program ended before %r" % text)
        mark = seen.index(want, mark) + len(want)
    elif kind == "--send":
        while termios.tcgetattr(fd)[3] & termios.ICANON:
            if time.time() > deadline:
                give_up("the terminal never left canonical mode before %r" % text)
            read_some(0.01)
        os.write(fd, text.encode())
    elif kind == "--key":
        os.write(fd, text.encode())
    else:
        give_up("unknown step %s" % kind)

deadline = time.time() + 120
while read_some(max(0.0, deadline - time.time())):
    if time.time() > deadline:
        give_up("the program did not end")
_, status = os.waitpid(pid, 0)
open(outfile, "wb").write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
