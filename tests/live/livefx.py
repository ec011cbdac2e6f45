"""livefx.py — what the live-process tests share: building fixtures with the e2e harness's cache,
starting a fixture and waiting for its ready line, and checking that a target was left exactly as
it was (running, not traced, no child, the same file descriptors)."""
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import run as e2e  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures"


def build(version: str, mode: str, fixtures: list, cgo: bool = False) -> dict:
    """{fixture: binary} for one (version, mode); raises with the harness's reason."""
    roots, errors = e2e.ensure_toolchains([version])
    if version not in roots:
        raise RuntimeError(errors.get(version, f"no Go {version} toolchain"))
    res = e2e.build_group(version, roots[version], None, mode, FIXTURES, {f: cgo for f in fixtures},
                          e2e.fixture_dirs(FIXTURES))
    if res.errors:
        raise RuntimeError(f"Go {version} {mode}: {res.errors}")
    return res.binaries


def no_core():
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Target:
    """A fixture process with a pipe to its stdin and stdout, started and waited for."""

    def __init__(self, binary, args, env=None, stderr=None, timeout=30.0):
        e = dict(os.environ)
        e.update(env or {})
        self.p = subprocess.Popen([str(binary), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=stderr if stderr is not None else subprocess.DEVNULL, env=e,
                                  preexec_fn=no_core, text=True)
        self.pid = self.p.pid
        self.buf = b""
        deadline = time.monotonic() + timeout
        line = self.readline(timeout)
        self.facts = []
        while line.startswith("gopsy-fixture: fact") and time.monotonic() < deadline:
            self.facts.append(line.split("fact", 1)[1].strip())  # facts some fixtures print first
            line = self.readline(deadline - time.monotonic())
        if line.strip() != e2e.READY_LINE:
            self.kill()
            raise RuntimeError(f"{binary} {' '.join(args)}: no ready line (got {line!r})")

    def readline(self, timeout):
        """One line of the fixture's stdout, or "" after timeout seconds (own buffer: select on
        a buffered file object misses lines already read into its buffer)."""
        deadline = time.monotonic() + timeout
        fd = self.p.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return ""
            chunk = os.read(fd, 65536)
            if not chunk:
                return ""
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode(errors="replace") + "\n"

    def ping(self, timeout=5.0):
        """(longest tick gap in µs since the last ping, SIGCHLD count, SIGUSR1 count, ticks), or
        None when the process does not answer in time (the live fixture only)."""
        try:
            self.p.stdin.write("ping\n")
            self.p.stdin.flush()
        except OSError:
            return None
        f = self.readline(timeout).split()
        return tuple(int(x) for x in f[1:5]) if len(f) == 5 and f[0] == "pong" else None

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


def helpers_alive() -> list:
    """Pids of gopsy's snapshot helpers still running (named gopsy-snapshot)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if Path(f"/proc/{d}/comm").read_text().strip() == "gopsy-snapshot":
                    out.append(int(d))
            except OSError:
                pass
    return out


def uffd_registered(pid: int) -> int:
    """How many mappings of pid are registered with a userfaultfd (smaps VmFlags uw/um/ui; --track
    must leave none)."""
    try:
        smaps = Path(f"/proc/{pid}/smaps").read_text()
    except OSError:
        return 0
    return sum(1 for l in smaps.splitlines() if l.startswith("VmFlags:") and {"uw", "um", "ui"} & set(l.split()[1:]))


def state(pid: int) -> dict:
    """What must not change: tracer and state of every thread, children, open descriptors, and no
    mapping registered with a userfaultfd."""
    threads = {}
    children = set()
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            st = Path(f"/proc/{pid}/task/{tid}/status").read_text()
            kv = dict(l.split(":", 1) for l in st.splitlines() if ":" in l)
            threads[int(tid)] = (kv["State"].split()[0], int(kv["TracerPid"]))
            children |= {int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()}
        except OSError:
            pass
    fds = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return {"threads": threads, "children": children, "fds": fds, "uffd": uffd_registered(pid)}


def left_alone(pid: int, before: dict, wait_s: float = 5.0) -> list:
    """Problems with the target after gopsy is gone (helpers get wait_s to finish): traced or
    stopped threads, a new child, descriptors opened or closed, mappings left registered."""
    deadline = time.monotonic() + wait_s
    while True:
        now = state(pid)
        probs = []
        for tid, (st, tracer) in now["threads"].items():
            if tracer:
                probs.append(f"thread {tid} still traced by {tracer}")
            if st in ("t", "T"):
                probs.append(f"thread {tid} left stopped (state {st})")
        if now["children"] - before["children"]:
            probs.append(f"new children {sorted(now['children'] - before['children'])}")
        if now["uffd"] > before["uffd"]:
            probs.append(f"{now['uffd']} mappings left registered with a userfaultfd (VmFlags uw/um/ui)")
        if now["fds"] != before["fds"]:
            probs.append(f"descriptors changed: {sorted(set(now['fds'].items()) ^ set(before['fds'].items()))}")
        if helpers_alive():
            probs.append(f"snapshot helpers still running: {helpers_alive()}")
        if not probs or time.monotonic() > deadline:
            return probs
        time.sleep(0.02)


def gopsy(tool, *args, timeout=120):
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=timeout)
