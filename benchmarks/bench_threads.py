"""Threads on a shared machine: forward + backward of an LSTM layer with 1 and all threads,
OpenMP's default wait policy (spin) and PASSIVE, and rnnkit's "auto", each in its own
process (the wait policy is read when torch starts), without and with busy processes.

    python benchmarks/bench_threads.py                  # quiet row, then 2 busy processes
    python benchmarks/bench_threads.py --busy 0         # only the row without extra load

Cases: LSTM(32) on (32, 20, 1) (a small layer: the loop's fixed cost a step) and LSTM(256)
on (128, 100, 64) (products near the machine's peak). Medians and 90th percentiles in ms.
The busy processes are plain Python loops, one per core, started by this script and
stopped when it ends.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROGRAM = '''
import json, sys, time, torch
import rnnkit
from rnnkit.layers import LSTM
threads = sys.argv[1]
if threads == "auto":
    rnnkit.config.set_threads("auto"); rnnkit.config.apply(force=True)
else:
    torch.set_num_threads(int(threads))
torch.manual_seed(0)
out = {"threads_used": torch.get_num_threads()}
for units, B, T, D, n in ((32, 32, 20, 1, 31), (256, 128, 100, 64, 3)):
    layer = LSTM(units, return_sequences=True)
    x = torch.randn(B, T, D)
    layer(x)
    ts = []
    for _ in range(n):
        if threads == "auto":
            rnnkit.config.apply()
        t = time.perf_counter(); layer(x).square().mean().backward()
        ts.append(time.perf_counter() - t)
    ts.sort()
    out[f"LSTM({units})"] = [ts[len(ts) // 2] * 1e3, ts[int(len(ts) * 0.9)] * 1e3]
print("RESULT " + json.dumps(out))
'''

BUSY = "import time\nt = time.time()\nwhile time.time() - t < 3600: pass\n"


def run(threads: str, wait: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS",
                                                             "OMP_WAIT_POLICY")}
    if wait:
        env["OMP_WAIT_POLICY"] = wait
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent / "src"),
                                                      env.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, "-c", PROGRAM, threads], capture_output=True,
                         text=True, env=env, timeout=3600)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(line[len("RESULT "):])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--busy", type=int, default=2, help="busy processes for the loaded row")
    p.add_argument("--label", default="loaded", help="the machine's state without --busy")
    args = p.parse_args(argv)
    cores = len(os.sched_getaffinity(0))
    cases = [("1", None), (str(cores), None), (str(cores), "PASSIVE"), ("1", "PASSIVE"),
             ("auto", None)]
    rows = []
    for busy in sorted({0, args.busy}):
        procs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(busy)]
        try:
            time.sleep(1.0 if busy else 0.0)
            for threads, wait in cases:
                r = run(threads, wait)
                rows.append((busy, threads, wait, r))
                print(f"  busy {busy} threads {threads:4s} wait {wait or 'default':8s} "
                      f"{r}", flush=True)
        finally:
            for proc in procs:
                proc.kill()
                proc.wait()
    print(f"\nThreads, forward + backward ms, median (p90) ({args.label}; {cores} cores; "
          f"load now {os.getloadavg()[0]:.1f})\n")
    print("| busy processes | threads | OMP_WAIT_POLICY | LSTM(32), 32 x 20 | "
          "LSTM(256), 128 x 100 |")
    print("|---|---|---|---|---|")
    for busy, threads, wait, r in rows:
        used = f"auto ({r['threads_used']})" if threads == "auto" else threads
        print(f"| {busy} | {used} | {wait or 'default (spin)'} | "
              f"{r['LSTM(32)'][0]:.1f} ({r['LSTM(32)'][1]:.1f}) | "
              f"{r['LSTM(256)'][0]:.0f} ({r['LSTM(256)'][1]:.0f}) |")


if __name__ == "__main__":
    sys.exit(main())
