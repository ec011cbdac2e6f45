#!/usr/bin/env python3
"""Regenerate tests/e2e/testdata/*.txt: the real stderr of testdata/gen crashing under
GOTRACEBACK=crash with several Go versions. Run by hand (needs the toolchains of
scripts/go-toolchains and gcc); the outputs are committed, never edited by hand.

    tests/e2e/testdata/capture.py            # all scenarios

harness-*.txt.gz are not made here: they are stderr files the harness kept from a run of the real
fixtures (a case too rare to reproduce on demand), gzipped as they were.
"""
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import gotrace  # noqa: E402
import run  # noqa: E402

# (scenario, args, extra env, versions[, predicate on the parsed dump: rerun until it holds])
SCENARIOS = [
    ("nil", ["nil"], {}, ["1.19", "1.22", "1.26", "1.27"]),
    ("sigquit", ["sigquit"], {}, ["1.19", "1.22", "1.26"]),
    # SIGQUIT delivered to a thread other than the spinning goroutine's: the spinner is printed
    # "running on other thread" in section 0 and again, with its stack, by its own M. Without
    # async preemption freezetheworld cannot stop the spinner, so it is still running.
    ("sigquit-dup", ["sigquit"], {"GODEBUG": "asyncpreemptoff=1"}, ["1.22", "1.27"],
     lambda d: bool(d.duplicates())),
    ("deep", ["deep"], {}, ["1.19", "1.24"]),
    ("overflow", ["overflow"], {}, ["1.19", "1.26"]),
    ("repanic", ["repanic"], {"GODEBUG": "tracebackancestors=2"}, ["1.21"]),
    ("labels", ["nil"], {"GODEBUG": "tracebacklabels=1"}, ["1.26", "1.27"]),
    ("cgo", ["cgo"], {}, ["1.23", "1.25"]),
]


def main():
    vers = sorted({v for s in SCENARIOS for v in s[3]})
    roots, errs = run.ensure_toolchains(vers)
    if errs:
        sys.exit("; ".join(errs.values()))
    run.raise_core_limit()
    # a fixed directory, so that the paths in the committed dumps are stable and nothing in the
    # runtime's text has to be rewritten
    tmp = Path("/tmp/gopsy-e2e-testdata")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    if True:
        # gen/ is its own throwaway module
        (tmp / "src").mkdir()
        (tmp / "src" / "go.mod").write_text("module gen\n\ngo 1.19\n")
        (tmp / "src" / "main.go").write_bytes((HERE / "gen" / "main.go").read_bytes())
        for v in vers:
            env = run.go_env(v, roots[v], True)
            subprocess.run([str(roots[v] / "bin" / "go"), "build", "-o", str(tmp / f"gen{v}"), "."],
                           cwd=tmp / "src", env=env, check=True)
        for name, args, extra, versions, *pred in SCENARIOS:
            for v in versions:
              for attempt in range(40):
                env = {"PATH": "/usr/bin:/bin", "GOTRACEBACK": "crash", **extra}
                p = subprocess.Popen([str(tmp / f"gen{v}"), *args], cwd=tmp, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                if args == ["sigquit"]:
                    p.stdout.readline()
                    time.sleep(0.05)
                    p.send_signal(signal.SIGQUIT)
                _, err = p.communicate(timeout=60)
                for c in tmp.glob("core*"):
                    c.unlink()
                text = err.decode()
                if pred and not pred[0](gotrace.parse(text)):
                    continue
                out = HERE / f"{name}-go{v}.txt"
                out.write_text(text)
                print(f"{out.name}: exit {p.returncode}, {len(text.splitlines())} lines")
                break
              else:
                sys.exit(f"{name} go{v}: predicate never held")


if __name__ == "__main__":
    main()
