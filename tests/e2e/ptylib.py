"""A person at a terminal, for the e2e tests of the tutor shell.

Session runs the real kmemlab binary on a pseudo-terminal, types keys the
way a person would (only once the shell reads raw keys) and waits for what
the screen shows.  A failed wait raises SystemExit with the screen's end.
"""
import fcntl
import os
import pty
import select
import struct
import termios
import time


class Session:
    def __init__(self, kmemlab, env=None, size=None):
        self.pid, self.fd = pty.fork()
        if self.pid and size:
            # rows, columns; the child reads them when it asks (TIOCGWINSZ).
            fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
        if self.pid == 0:
            os.environ["TERM"] = "xterm"
            os.environ["NO_COLOR"] = "1"
            os.environ["PAGER"] = "cat"   # lessons are taller than the pty
            os.environ.update(env or {})
            os.execv(kmemlab, [kmemlab])
        self.seen = b""
        self.log = b""

    def _read(self, left):
        r, _, _ = select.select([self.fd], [], [], left)
        if not r:
            return
        try:
            data = os.read(self.fd, 4096)
        except OSError:
            data = b""
        if not data:
            raise SystemExit("the shell exited; screen ends with:\n%s" % self.tail())
        self.seen += data
        self.log += data

    def tail(self):
        return self.log[-3000:].decode(errors="replace")

    def expect(self, text, timeout=60):
        """Wait for text; later waits look only after it."""
        want = text.encode()
        deadline = time.time() + timeout
        while want not in self.seen:
            left = deadline - time.time()
            if left <= 0:
                raise SystemExit("never saw %r within %d s; screen ends with:\n%s"
                                 % (text, timeout, self.tail()))
            self._read(left)
        self.seen = self.seen[self.seen.index(want) + len(want):]

    def send(self, keys, raw=True, timeout=60):
        """Type keys; with raw, first wait for libedit's raw mode."""
        deadline = time.time() + timeout
        while raw and termios.tcgetattr(self.fd)[3] & termios.ICANON:
            if time.time() > deadline:
                raise SystemExit("the shell never put the terminal in raw mode")
            time.sleep(0.01)
        os.write(self.fd, keys.encode())

    def wait(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                self._read(0.05)
            except SystemExit:
                pass
        os.kill(self.pid, 9)
        raise SystemExit("the shell did not exit")
