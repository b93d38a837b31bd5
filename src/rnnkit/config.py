"""keras.config, and the one knob for CPU threads.

    import rnnkit
    rnnkit.config.set_threads(1)        # or RNNKIT_NUM_THREADS=1 in the environment
    rnnkit.config.set_threads("auto")   # the default

Threads. torch runs its CPU kernels on an OpenMP team whose threads spin while they wait
for work. On a machine where other processes keep the cores busy that collapses: each
parallel step waits at a barrier for a thread the scheduler has put to sleep. Measured on
the project's 2-core machine (torch 2.13, already loaded by other jobs, plus two busy
processes started by `python benchmarks/bench_threads.py`; forward + backward of one layer,
median ms):

    | layer, batch x steps  | 1 thread | 2 threads | 2 threads, OMP_WAIT_POLICY=PASSIVE |
    | LSTM(32), 32 x 20     | 0.5      | 336       | 0.5                                |
    | LSTM(256), 128 x 100  | 3,180    | 24,508    | 1,923                              |

PASSIVE (threads sleep instead of spinning) must be set before torch starts, and it slows
a quiet machine (BENCHMARKS.md: plain PyTorch 2-8x slower with it); one thread does not
collapse and leaves the other core to the other jobs (two PASSIVE threads ran the LSTM(256)
1.65x faster under load by taking a larger share of the machine from them). With the machine
quiet, two threads are faster than one on large products (about 1.8x for torch.mm).
So "auto" (the default) uses every core while no other process is running, and one thread
while others are: `auto_threads()` counts the runnable tasks of other processes (Linux's
/proc/stat minus this process's own) over ~2 ms, and fit/evaluate/predict ask it at most
once a second (fit also at each epoch). A number fixes the count; OMP_NUM_THREADS in the
environment, or torch.set_num_threads called by the program (before or after the first fit),
also turn "auto" off.
rnnkit's recurrent kernels also split a sweep over batch rows on threads of their own, which
sleep between sweeps and meet once a sweep, not at every step: under "auto" every core
while the machine is idle or wholly busy, one while a core is free (auto_sweep_threads);
otherwise the fixed count (kernels/csrc/steps.h, sweep_rows).
"""
from __future__ import annotations

import os
import time

import torch

from .backend import epsilon, floatx, image_data_format, set_epsilon, set_floatx  # noqa: F401
from .backend import backend                                                    # noqa: F401
from .mixed_precision import dtype_policy, set_dtype_policy                     # noqa: F401

_SETTING: list = [None]            # "auto" or an int; None: not read from the environment yet
_AT_IMPORT = torch.get_num_threads()   # torch's count when rnnkit was imported
_LAST = {"checked": -1e9, "threads": None, "others": None}
_CHECK_EVERY = 1.0                 # seconds between two looks at the machine's load


def set_threads(n="auto") -> None:
    """Use n CPU threads for rnnkit's and torch's kernels, or "auto" (all cores while the
    machine is otherwise idle, one while other processes run)."""
    _SETTING[0] = _check(n, "set_threads")
    _LAST["checked"] = -1e9
    if _SETTING[0] != "auto":
        torch.set_num_threads(_SETTING[0])
        _LAST["threads"] = _SETTING[0]
    tell_kernels()


def get_threads():
    """The setting: "auto" or the fixed number of threads."""
    return _setting()


def _check(n, where: str):
    if n is None or n == "auto":
        return "auto"
    try:
        value = int(n)
    except (TypeError, ValueError):
        value = 0
    if isinstance(n, bool) or value < 1 or str(n).strip() != str(value):
        raise ValueError(f"{where} expects a positive number of threads or 'auto', got {n!r}. "
                         "For a machine shared with other jobs, 1; alone on it, 'auto'.")
    return value


def _setting():
    if _SETTING[0] is None:
        env = os.environ.get("RNNKIT_NUM_THREADS")
        if env is not None:
            _SETTING[0] = _check(env.strip(), "RNNKIT_NUM_THREADS")
        elif os.environ.get("OMP_NUM_THREADS") or torch.get_num_threads() != _AT_IMPORT:
            _SETTING[0] = int(torch.get_num_threads())      # the user chose: keep it
        else:
            _SETTING[0] = "auto"
    return _SETTING[0]


def cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                                   # not Linux
        return os.cpu_count() or 1


def other_runnable(samples: int = 3, gap: float = 0.001) -> float | None:
    """Mean number of runnable tasks of other processes (None where /proc is missing)."""
    counts = []
    for k in range(samples):
        try:
            with open("/proc/stat") as f:
                total = next(int(line.split()[1]) for line in f
                             if line.startswith("procs_running"))
            own = 0
            for tid in os.listdir("/proc/self/task"):
                try:
                    with open(f"/proc/self/task/{tid}/stat") as f:
                        own += f.read().rsplit(")", 1)[1].split()[0] == "R"
                except OSError:
                    pass
        except (OSError, StopIteration, ValueError):
            return None
        counts.append(max(0, total - own))
        if k + 1 < samples:
            time.sleep(gap)
    return sum(counts) / len(counts)


def auto_threads() -> int:
    """All cores when no other process is runnable, else one (the machine is shared)."""
    n = cores()
    others = _LAST["others"] = other_runnable()
    if others is None:
        return n
    return n if others < 0.5 else 1


def auto_sweep_threads() -> int:
    """Under "auto", the threads that split a recurrent sweep over batch rows (they sleep
    while they wait, and meet once a sweep): every core on an idle machine and on one whose
    every core other processes keep busy (there they take this process's fair share instead
    of one thread's); one while a core is left free (one thread runs there at full speed,
    where a split waits for its half that shares a core). From the last look at the load."""
    n, others = cores(), _LAST.get("others")
    if others is None or others < 0.5 or others >= n - 0.5:
        return n
    return 1


def tell_kernels() -> None:
    """Tell rnnkit's C++ kernels how many threads may split a sweep over batch rows: the
    fixed count, or auto_sweep_threads(). Nothing to tell before they load (they ask then)."""
    from .kernels import build
    if build.status(False)[0]:
        setting = _setting()
        torch.ops.rnnkit.set_sweep_threads(auto_sweep_threads() if setting == "auto"
                                           else setting)


def apply(force: bool = False) -> int:
    """Set torch's thread count from the setting (under "auto", from the machine's load at
    most once a second); returns the count. fit, evaluate and predict call this."""
    setting = _setting()
    if setting != "auto":
        if _LAST["threads"] != setting:
            torch.set_num_threads(setting)
            _LAST["threads"] = setting
        return setting
    if _LAST["threads"] is not None and torch.get_num_threads() != _LAST["threads"]:
        _SETTING[0] = int(torch.get_num_threads())    # the program set it itself: keep it
        tell_kernels()
        return _SETTING[0]
    now = time.monotonic()
    if force or now - _LAST["checked"] >= _CHECK_EVERY:
        _LAST["checked"] = now
        n = auto_threads()
        if n != torch.get_num_threads():
            torch.set_num_threads(n)
        _LAST["threads"] = n
        tell_kernels()
    return torch.get_num_threads()
