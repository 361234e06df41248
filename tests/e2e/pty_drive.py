"""Drive the kmemlab tutor shell through a real pseudo-terminal.

Types commands as a person would, including a tab completion, and checks
what the screen shows.  Exits non-zero with the reason on failure.
"""
import os
import pty
import select
import sys
import termios
import time

KMEMLAB = sys.argv[1]


class Session:
    def __init__(self):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "xterm"
            os.environ["NO_COLOR"] = "1"
            os.environ["PAGER"] = "cat"  # lessons are longer than the pty
            os.execv(KMEMLAB, [KMEMLAB])
        self.seen = b""

    def expect(self, text, timeout=30):
        want = text.encode()
        deadline = time.time() + timeout
        while want not in self.seen:
            left = deadline - time.time()
            if left <= 0:
                raise SystemExit("never saw %r; screen ends with:\n%s"
                                 % (text, self.seen[-2000:].decode(errors="replace")))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    raise SystemExit("the shell exited while waiting for %r" % text)
                self.seen += data
        # Later expectations look only at what comes after this point.
        self.seen = self.seen[self.seen.index(want) + len(want):]

    def send(self, keys, timeout=30):
        # Type only once the shell reads keys one by one (libedit's raw
        # mode): a Ctrl-D typed while the line discipline is still in
        # canonical mode reaches the editor as a NUL, not as end of file.
        # The master side of a pty reports the slave's termios.
        deadline = time.time() + timeout
        while termios.tcgetattr(self.fd)[3] & termios.ICANON:
            if time.time() > deadline:
                raise SystemExit("the shell never put the terminal in raw mode")
            time.sleep(0.01)
        os.write(self.fd, keys.encode())

    def wait(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    os.read(self.fd, 4096)
                except OSError:
                    pass
        os.kill(self.pid, 9)
        raise SystemExit("the shell did not exit")


s = Session()
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
s = Session()
s.expect("kmemlab> ")
s.send("lessons\r")
s.expect("> 1  ksize")
s.expect("kmemlab> ")
s.send("\x04")  # Ctrl-D leaves too
code = s.wait()
if code != 0:
    raise SystemExit("Ctrl-D left with status %d" % code)
print("pty session ok")
