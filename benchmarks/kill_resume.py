"""SIGKILL a training process at random moments; every resumed run must end bit-exact.

A child process (forked, so rnnkit is imported once) fits a small LSTM for EPOCHS epochs
with BackupAndRestore and ModelCheckpoint (a whole-model folder each epoch), then saves the
final model with model.save. The parent kills it with SIGKILL at a moment chosen at random:
anywhere in the fit, or a few milliseconds after the child announces a backup write, the
end-of-fit cleanup, a checkpoint or the final save. After every kill it checks that each
file that existed before is still whole at its path (load_model, BackupAndRestore.latest),
then starts the child again, which resumes from the backup. When a child finishes, its
final weights must equal, bit for bit, those of one uninterrupted run.

    python benchmarks/kill_resume.py --kills 40

Prints one line per kill and a table of the counts; tests/callbacks/test_kill_resume.py runs
a handful of kills on each test run.
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import sys
import time
from pathlib import Path

EPOCHS = 6
SAMPLES = 256                          # the test sets fewer: a faster epoch
MOMENTS = ("anywhere", "backup", "cleanup", "checkpoint", "save")


def child(folder: Path, pipe_w: int) -> None:
    """The training run: fit with a backup and a checkpoint, then save. Announces moments."""
    import numpy as np
    import torch

    import rnnkit
    from rnnkit.callbacks import BackupAndRestore, Callback, ModelCheckpoint
    from rnnkit.layers import LSTM, Dense, Dropout, Input
    from rnnkit.models import Sequential
    torch.set_num_threads(1)

    def say(word: str) -> None:
        os.write(pipe_w, (word + "\n").encode())

    class Announce(Callback):
        def on_epoch_end(self, epoch, logs=None):
            say("backup")                       # BackupAndRestore writes right after

        def on_train_end(self, logs=None):
            say("cleanup")                      # BackupAndRestore deletes right after

    class AnnounceCheckpoint(Callback):
        def on_epoch_end(self, epoch, logs=None):
            say("checkpoint")                   # ModelCheckpoint saves right after

    rnnkit.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((SAMPLES, 12, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None] / 10
    model = Sequential([Input(shape=(12, 3)), LSTM(16), Dropout(0.2), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    say("fit")
    model.fit(x, y, batch_size=16, epochs=EPOCHS, verbose=0, callbacks=[
        Announce(), BackupAndRestore(folder / "backup"), AnnounceCheckpoint(),
        ModelCheckpoint(str(folder / "ckpt.rnnkit"), monitor="loss")])
    say("save")
    model.save(folder / "final.rnnkit")
    say("done")


def start(folder: Path):
    """Fork a child running `child`; returns (pid, file to read its announcements from)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                     # the child
        os.close(r)
        code = 0
        try:
            child(folder, w)
        except BaseException as e:  # noqa: BLE001 - reported through the exit code
            sys.stderr.write(f"child failed: {type(e).__name__}: {e}\n")
            code = 1
        os._exit(code)
    os.close(w)
    return pid, os.fdopen(r)


def run_to_end(folder: Path) -> int:
    pid, announcements = start(folder)
    announcements.read()
    _, status = os.waitpid(pid, 0)
    announcements.close()
    return os.waitstatus_to_exitcode(status)


def kill_at(folder: Path, moment: str, rng: random.Random, span: float) -> tuple[bool, str]:
    """Start the child and SIGKILL it at the moment; returns (killed, what it last said)."""
    import select
    pid, announcements = start(folder)
    fd = announcements.fileno()
    said, deadline, killed = "", None, False
    targets = {"backup": rng.randint(1, EPOCHS), "checkpoint": rng.randint(1, EPOCHS)}
    seen = collections.Counter()
    buffer = b""
    while True:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:                              # the deadline: kill now
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        chunk = os.read(fd, 4096)
        if not chunk:                              # the child ended before the moment
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            said = line.decode()
            seen[said] += 1
            if deadline is not None:
                continue
            if moment == "anywhere" and said == "fit":
                deadline = time.monotonic() + rng.uniform(0, span)
            elif said == moment and (moment not in targets or seen[said] == targets[moment]):
                deadline = time.monotonic() + rng.uniform(0, 0.03)
    os.waitpid(pid, 0)
    announcements.close()
    return killed, said


def intact(folder: Path, existed: set[str]) -> list[str]:
    """Problems with the files at their paths after a kill ([] when all is well)."""
    from rnnkit.callbacks import BackupAndRestore
    from rnnkit.models import load_model
    problems = []
    for name in ("ckpt.rnnkit", "final.rnnkit"):
        if name in existed or (folder / name).exists():
            try:
                load_model(folder / name)
                existed.add(name)
            except Exception as e:  # noqa: BLE001 - any failure is a finding
                problems.append(f"{name}: {type(e).__name__}: {str(e)[:150]}")
    if (folder / "backup").is_dir():
        try:
            BackupAndRestore(folder / "backup").latest()
        except Exception as e:  # noqa: BLE001
            problems.append(f"backup: {type(e).__name__}: {str(e)[:150]}")
    return problems


def final_weights(folder: Path):
    from safetensors.numpy import load_file
    return load_file(str(folder / "final.rnnkit" / "model.safetensors"))


def same(a: dict, b: dict) -> bool:
    import numpy as np
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def campaign(root: Path, kills: int, seed: int = 0, verbose: bool = True) -> collections.Counter:
    """`kills` SIGKILLs over several runs; returns counts of kills, resumes and findings."""
    import shutil

    import rnnkit.callbacks  # noqa: F401 - imported once here, so forked children start fast
    import rnnkit.layers  # noqa: F401
    import rnnkit.models  # noqa: F401
    rng = random.Random(seed)
    shutil.rmtree(root, ignore_errors=True)
    (root / "reference").mkdir(parents=True)
    began = time.monotonic()
    assert run_to_end(root / "reference") == 0, "the uninterrupted run failed"
    span = time.monotonic() - began
    reference = final_weights(root / "reference")
    counts = collections.Counter()
    run_no = 0
    while counts["kills"] < kills:
        run_no += 1
        folder = root / f"run-{run_no}"
        folder.mkdir()
        existed: set[str] = set()
        for _ in range(rng.randint(1, 4)):           # one to four kills, then run to the end
            moment = rng.choice(MOMENTS)
            killed, said = kill_at(folder, moment, rng, span)
            counts["kills"] += killed
            counts[f"kill at {moment}"] += killed
            problems = intact(folder, existed) if killed else []
            counts["file missing or damaged"] += len(problems)
            if verbose:
                print(f"run {run_no}: kill at {moment} (last said {said!r}): "
                      f"{'; '.join(problems) or 'files whole'}", flush=True)
            if counts["kills"] >= kills:
                break
        code = run_to_end(folder)
        ok = code == 0 and same(final_weights(folder), reference)
        counts["resumed runs"] += 1
        counts["bit-exact"] += ok
        leftovers = sorted(p.name for p in folder.iterdir()
                           if p.name not in ("ckpt.rnnkit", "final.rnnkit"))
        counts["runs with leftovers"] += bool(leftovers)
        for name in leftovers:                       # named, so a failure says what was left
            counts[f"left: {name.split('.tmp')[0].split('.old')[0][:40]}"] += 1
        if verbose:
            print(f"run {run_no}: resumed to the end (exit {code}): "
                  f"{'bit-exact' if ok else 'DIFFERENT'}; left: {leftovers or 'nothing else'}",
                  flush=True)
        shutil.rmtree(folder)
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--work", type=Path, default=Path("/tmp/rnnkit-kills"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start_time = time.monotonic()
    counts = campaign(args.work, args.kills, args.seed)
    for key in sorted(counts):
        print(f"{key:<28}{counts[key]:>6}")
    print(f"{time.monotonic() - start_time:.0f} s")
    bad = counts["file missing or damaged"] or counts["bit-exact"] != counts["resumed runs"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
