"""`rnnkit demo` on a quiet machine and on one kept busy: the same scores, and progress lines.

    .venv/bin/python benchmarks/demo_under_load.py                      # every job, twice
    .venv/bin/python benchmarks/demo_under_load.py --only translate     # one job
    .venv/bin/python benchmarks/demo_under_load.py --busy 4             # 4 busy processes

Runs the demo once as the machine is (run it on a quiet one), then again while `--busy`
processes (default: one per core) spin on the CPU, and prints per job the score of each
run, whether they are identical, the seconds each took, and the longest silence between
two lines of the demo's output (the demo promises a line at least every 10 s). Every job's
budget is in steps or epochs with a fixed thread count, so the scores must be identical
bit for bit; only the seconds may differ. Exit code 0 when every score matches and no
silence exceeded the limit, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SILENCE_LIMIT = 10.0        # seconds; the first line may take longer (imports, kernel build)


def run_demo(out: Path, only: list[str]) -> tuple[list[dict], float, float]:
    """(the jobs' rows from metrics.json, wall seconds, longest gap between output lines
    after the first)."""
    argv = [sys.executable, "-m", "rnnkit.cli", "demo", "--out", str(out)]
    for name in only:
        argv += ["--only", name]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    last, longest = None, 0.0
    for line in proc.stdout:
        now = time.perf_counter()
        if last is not None:
            longest = max(longest, now - last)
        last = now
        print(f"    | {line.rstrip()}", flush=True)
    if proc.wait() != 0:
        raise SystemExit(f"rnnkit demo exited with {proc.returncode}: {' '.join(argv)}")
    rows = json.loads((out / "metrics.json").read_text())["jobs"]
    return rows, time.perf_counter() - started, longest


def busy_processes(n: int) -> list[subprocess.Popen]:
    """n processes that each keep one core busy until killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="a demo job (repeatable)")
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2,
                        help="busy processes during the second run (default: one per core)")
    parser.add_argument("--out", help="keep both demo folders here (default: a temporary "
                        "folder, deleted afterwards)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out) if args.out else Path(tmp)
        print(f"quiet run ({load()})", flush=True)
        quiet, quiet_s, quiet_gap = run_demo(root / "quiet", args.only)
        spinners = busy_processes(args.busy)
        try:
            time.sleep(2.0)                                # let the load rise
            print(f"loaded run, {args.busy} busy processes ({load()})", flush=True)
            loaded, loaded_s, loaded_gap = run_demo(root / "loaded", args.only)
        finally:
            for p in spinners:
                p.kill()
                p.wait()

    print(f"\ncommand: {' '.join([sys.executable, *sys.argv])}")
    print("| job | metric | quiet: model / baseline | loaded: model / baseline | identical "
          "| seconds quiet / loaded |")
    print("|---|---|---|---|---|---|")
    same_all = True
    for q, b in zip(quiet, loaded):
        same = (q["job"], q["model"], q["baseline"]) == (b["job"], b["model"], b["baseline"])
        same_all &= same
        print(f"| {q['job']} | {q['metric']} | {q['model']:.6g} / {q['baseline']:.6g} | "
              f"{b['model']:.6g} / {b['baseline']:.6g} | {'yes' if same else 'NO'} | "
              f"{q['seconds']:.0f} / {b['seconds']:.0f} |")
    print(f"\nwall time: quiet {quiet_s:.0f} s, loaded {loaded_s:.0f} s; longest silence "
          f"between output lines: quiet {quiet_gap:.1f} s, loaded {loaded_gap:.1f} s "
          f"(limit {SILENCE_LIMIT:g} s)")
    ok = same_all and max(quiet_gap, loaded_gap) <= SILENCE_LIMIT
    print("verdict: " + ("identical scores, progress within the limit" if ok else
                         "scores differ or a silence exceeded the limit"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
