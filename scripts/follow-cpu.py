#!/usr/bin/env python3
"""CPU the real cockpit uses while a file it follows grows by 10,000 lines a second.

Starts `BINARY open` in a pseudo-terminal (120x40) on a config that follows one file, writes 100
lines every 10 ms for SECS seconds (the same lines as `cargo bench --bench ui`), and prints the
cockpit's CPU time (user + system, from /proc/PID/stat) as a share of one core. Unlike the bench,
it takes the binary as an argument, so two builds can be compared in one sitting, alternately.

Usage: scripts/follow-cpu.py BINARY [SECS]
  e.g. for i in 1 2 3; do python3 scripts/follow-cpu.py /tmp/old/sitrep; python3 scripts/follow-cpu.py target/release/sitrep; done
"""
import os
import pty
import select
import signal
import struct
import sys
import tempfile
import time
import fcntl
import termios

binary = os.path.abspath(sys.argv[1])
secs = int(sys.argv[2]) if len(sys.argv) > 2 else 10


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def drain(fd, until):
    """Reads (and drops) what the cockpit draws until `until`, so it never blocks on the pty, and
    answers its cursor-position query."""
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return
            # The cockpit asks where the cursor is at start, as a terminal would be asked.
            if b"\x1b[6n" in data:
                os.write(fd, b"\x1b[1;1R")


with tempfile.TemporaryDirectory() as d:
    log = os.path.join(d, "api.log")
    open(log, "w").close()
    with open(os.path.join(d, "sitrep.toml"), "w") as f:
        f.write('[incident]\ntitle = "bench"\n[[log]]\nname = "api"\npath = "api.log"\n')
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(d)
        os.environ["TERM"] = "xterm-256color"
        os.execv(binary, [binary, "open"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    drain(fd, time.monotonic() + 3)
    hz = os.sysconf("SC_CLK_TCK")
    t0, s0 = cpu_ticks(pid), time.monotonic()
    with open(log, "a") as out:
        for tick in range(secs * 100):
            chunk = []
            for i in range(100):
                n = tick * 100 + i
                if n % 9 == 0:
                    chunk.append("2026-11-24T14:00:00.000Z ERROR provider call failed: upstream timeout after %dms req_id=%08x\n" % (n % 5000, n))
                else:
                    chunk.append("2026-11-24T14:00:00.000Z INFO  request method=POST path=/v1/charges status=200 duration_ms=%d req_id=%08x\n" % (n % 300, n))
            out.write("".join(chunk))
            out.flush()
            drain(fd, s0 + (tick + 1) * 0.01)
    t1, s1 = cpu_ticks(pid), time.monotonic()
    print(f"{binary}: {(t1 - t0) / hz / (s1 - s0) * 100:.1f}% of one core following 10,000 lines/s for {s1 - s0:.1f} s")
    os.kill(pid, signal.SIGTERM)
    drain(fd, time.monotonic() + 1)
    os.waitpid(pid, 0)
