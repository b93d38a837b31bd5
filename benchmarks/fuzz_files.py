"""Fuzz the loaders: damaged and hostile model files and run folders, counted by outcome.

Each case copies a good target (an rnnkit model folder, a Keras `.keras` or `.h5` file, or a
task's run folder), damages it one way (truncation, bit flips, a deleted or empty file, a
FIFO, a link out of the folder, a file grown to 3 GB, deep JSON, a wrong type or a huge
number in a JSON field, a changed dtype, a huge shape or NaN in a safetensors header, a
pickle or Lambda payload that would create a marker file), and loads it in a worker process
(`load_model(...).predict(x)`, or `rnnkit.tasks.predict.predict(run, input)`) with a 20 s
limit. The outcome of each case is one of:

    same          loaded, and predicts exactly as the undamaged target (the damage was unused)
    refused       one of the documented errors, naming the damaged file or folder
    unnamed       a documented error that does not name the file           (a defect)
    crash         any other exception                                       (a defect)
    hang          no answer within the limit; the worker is killed          (a defect)
    wrong         loaded, predicts differently after damage to weights      (a defect)
    setting       loaded, predicts differently after a JSON value changed to another valid
                  value (the file asked for it: not counted as a defect, listed)
    code          the payload's marker file exists                          (a defect)

    python benchmarks/fuzz_files.py --cases 1200 --make-runs          # + a run of every task
    python benchmarks/fuzz_files.py --cases 1200 --runs /tmp/runs    # run folders from tasks
    python benchmarks/fuzz_files.py --cases 300                       # models only

tests/utils/test_fuzz_files.py runs a few hundred of these cases on each test run.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import pickle
import random
import select
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

LIMIT_S = 20
DOCUMENTED = ("DamagedFileError", "UserError", "DataError", "DataFileNotFoundError",
              "ValueError", "FileNotFoundError")
DEFECTS = ("unnamed", "crash", "hang", "wrong", "code")
RUN_INPUTS = {"generate": "ROMEO:", "forecast": None, "classify": "a fine film .",
              "tag": "The cat sat on the mat .", "translate": "我很好。",
              "ner": "John lives in Paris .", "compose": None, "speech": "@wav"}


# ---- targets -------------------------------------------------------------------------------

def make_models(root: Path) -> list[dict]:
    """Tiny models saved in every format rnnkit loads, with an input to predict on."""
    import numpy as np

    import rnnkit
    from rnnkit.layers import GRU, LSTM, Dense, Input
    from rnnkit.models import Model, Sequential
    rnnkit.utils.set_random_seed(0)
    x = np.random.default_rng(0).standard_normal((3, 5, 2)).astype("float32")
    seq = Sequential([Input(shape=(5, 2)), LSTM(4), Dense(2)])
    seq.compile(optimizer="adam", loss="mse")
    seq.fit(x, np.zeros((3, 2), "float32"), epochs=1, verbose=0)
    inp = Input(shape=(5, 2))
    func = Model(inp, Dense(1)(GRU(3)(inp)))
    root.mkdir(parents=True, exist_ok=True)
    np.save(root / "x.npy", x)
    targets = []
    for name, model in (("seq.rnnkit", seq), ("func.rnnkit", func), ("seq.keras", seq),
                        ("seq.h5", seq)):
        model.save(root / name)
        targets.append({"kind": "model", "path": str(root / name), "input": str(root / "x.npy")})
    return targets


def make_runs(root: Path, runs: Path) -> list[dict]:
    """Copies of the run folders under `runs` (one per task, named by task), with inputs."""
    root.mkdir(parents=True, exist_ok=True)
    targets = []
    for run in sorted(p for p in runs.iterdir() if (p / "task.json").is_file()):
        task = json.loads((run / "task.json").read_text())["task"]
        shutil.copytree(run, root / run.name, symlinks=True)
        user_input = RUN_INPUTS.get(task)
        if user_input == "@wav":
            user_input = str(_write_wav(root / "digit.wav"))
        targets.append({"kind": "run", "path": str(root / run.name), "input": user_input})
    return targets


SMALL_RUNS = {       # each task on its bundled data, as small as it goes (about 2 minutes)
    "generate": ["--steps", "3", "--units", "8", "--embed-dim", "4", "--seq-len", "16",
                 "--sample-length", "10", "--threads", "1"],
    "forecast": ["--quick", "--epochs", "2", "--members", "1", "--units", "4"],
    "classify": ["--quick", "--epochs", "1", "--units", "4"],
    "tag": ["--quick", "--epochs", "1", "--units", "4", "--embed-dim", "4"],
    "ner": ["--quick", "--epochs", "1", "--units", "4", "--embed-dim", "4"],
    "translate": ["--quick", "--epochs", "1", "--units", "8", "--embed-dim", "8",
                  "--threads", "1"],
    "speech": ["--quick", "--steps", "2", "--units", "8", "--layers", "1", "--templates", "1",
               "--test-passes", "1"],
    "compose": ["--quick", "--epochs", "1", "--units", "8"]}


def make_task_runs(runs: Path) -> Path:
    """A run folder of every task in `runs` (runs/<task>), trained with SMALL_RUNS."""
    from rnnkit.cli import main as cli_main
    for task, flags in SMALL_RUNS.items():
        if not (runs / task / "task.json").is_file():
            if cli_main([task, "--out", str(runs / task), "--quiet", *flags]) != 0:
                raise RuntimeError(f"rnnkit {task} failed; see the lines above")
    return runs


def _write_wav(path: Path) -> Path:
    import wave

    import numpy as np
    t = np.arange(8000) / 8000
    signal_ = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(8000)
        f.writeframes(signal_.tobytes())
    return path


# ---- mutations -----------------------------------------------------------------------------

def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _pick(rng, folder: Path, suffix: str | tuple = "") -> Path | None:
    files = [p for p in _files(folder) if p.name.endswith(suffix)]
    return rng.choice(files) if files else None


class Payload:
    """Unpickling this runs os.system: it must never happen."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


HOSTILE_KINDS = ("pickle", "lambda", "class_name")


def _unseal(folder: Path) -> None:
    """As an attacker would: drop the checksums rnnkit wrote over its JSON (a run's
    checksums.json, config_sha256 in model configs, a .keras zip's config checksum), so
    that a hostile payload meets the loader's own checks rather than a checksum mismatch."""
    for path in list(folder.rglob("*.json")):
        if path.name == "checksums.json":
            path.unlink()
            continue
        try:
            value = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError, OSError):
            continue
        if isinstance(value, dict) and ({"config_sha256", "rnnkit_sha256"} & set(value)):
            for key in ("config_sha256", "rnnkit_sha256"):
                value.pop(key, None)
            path.write_text(json.dumps(value))


def mutate(rng, target: Path, marker: Path) -> tuple[str, str]:
    """Damage the copy at `target` one way; returns (mutation, kind) where kind is 'weights'
    when tensor bytes or headers changed, 'setting' for a JSON value, else 'other'. A hostile
    payload (pickle, Lambda, class name) comes with the checksums removed (_unseal)."""
    what, kind = _mutate(rng, target, marker)
    words = what.split()
    if target.is_dir() and _hostile(words[0], words[1] if len(words) > 1 else ""):
        _unseal(target)
        what += " (unsealed)"
    return what, kind


def _hostile(kind: str, file: str) -> bool:
    """A payload meant to run code: a pickle anywhere, a Lambda or a class name in a model's
    config.json (elsewhere the same mutation only changes a value)."""
    return kind == "pickle" or (kind in HOSTILE_KINDS and file.startswith("config.json"))


def _mutate(rng, target: Path, marker: Path) -> tuple[str, str]:
    folder_like = target.is_dir()
    if not folder_like and target.suffix == ".keras" and rng.random() < 0.5:
        return _mutate_zip_member(rng, target, marker)
    choices = ["truncate", "bitflip", "delete", "empty", "fifo", "symlink_out", "huge_file",
               "pickle"]
    if folder_like:
        choices += ["deep_json", "json_type", "json_type", "json_type", "json_drop",
                    "json_number", "dtype", "shape", "nan", "lambda", "class_name",
                    "path_field"]
    kind = rng.choice(choices)
    if kind in ("truncate", "bitflip", "delete", "empty", "fifo", "symlink_out", "huge_file",
                "pickle"):
        file = _pick(rng, target) if folder_like else target
        return _mutate_bytes(rng, kind, file, marker), (
            "weights" if file.suffix == ".safetensors" or not folder_like else "other")
    if kind in ("dtype", "shape", "nan"):
        file = _pick(rng, target, ".safetensors")
        return _mutate_tensors(rng, kind, file), "weights"
    file = _pick(rng, target, ".json")
    return _mutate_json(rng, kind, file, marker, target)


def _mutate_bytes(rng, kind: str, file: Path, marker: Path) -> str:
    data = file.read_bytes()
    if kind == "truncate":
        file.write_bytes(data[:rng.randrange(max(len(data), 1))])
    elif kind == "bitflip":
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if buf:
                buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        file.write_bytes(bytes(buf))
    elif kind == "delete":
        file.unlink()
    elif kind == "empty":
        file.write_bytes(b"")
    elif kind == "fifo":
        file.unlink()
        os.mkfifo(file)
    elif kind == "symlink_out":
        outside = marker.parent / f"outside{file.suffix}"
        outside.write_bytes(data)                       # even the same bytes, from outside
        file.unlink()
        file.symlink_to(outside)
    elif kind == "huge_file":
        with open(file, "ab") as f:
            f.truncate(3 * 2**30)                       # sparse: instant, 3 GB to a reader
    elif kind == "pickle":
        file.write_bytes(pickle.dumps(Payload(marker)))
    return f"{kind} {file.name}"


def _mutate_tensors(rng, kind: str, file: Path) -> str:
    data = file.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    names = [k for k in header if k != "__metadata__"]
    if not names:
        return f"{kind} {file.name} (no tensors)"
    name = rng.choice(names)
    entry = header[name]
    body = bytearray(data[8 + n:])
    if kind == "dtype":
        entry["dtype"] = rng.choice([d for d in ("I32", "F16", "F64", "BF16", "U8", "I64")
                                     if d != entry["dtype"]])
    elif kind == "shape":
        entry["shape"] = [rng.choice([2**31, 10**9, 2**62, 0, 7])] + entry["shape"][1:]
    elif kind == "nan":
        start, end = entry["data_offsets"]
        if entry["dtype"] == "F32" and end - start >= 4:
            at = start + 4 * rng.randrange((end - start) // 4)
            body[at:at + 4] = struct.pack("<f", float("nan"))
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    file.write_bytes(struct.pack("<Q", len(text)) + text + bytes(body))
    return f"{kind} {file.name}:{name}"


HOSTILE = [None, "x", -1, 0, 10**12, -10**12, 1e308, [], {}, True, 1.5, "../../etc/passwd",
           "/etc/passwd", [[[[1]]]], {"class_name": "os.system", "config": {}}]


def _paths(value, prefix=()):
    """Every (path, value) inside a JSON value, breadth first, at most 400."""
    out, queue = [], [(prefix, value)]
    while queue and len(out) < 400:
        path, item = queue.pop(0)
        if isinstance(item, dict):
            queue += [(path + (k,), v) for k, v in item.items()]
        elif isinstance(item, list):
            queue += [(path + (i,), v) for i, v in enumerate(item)]
        if path:
            out.append((path, item))
    return out


def _set(obj, path, value):
    for key in path[:-1]:
        obj = obj[key]
    if value is _DROP:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value


_DROP = object()


def _mutate_json(rng, kind: str, file: Path, marker: Path, root: Path) -> tuple[str, str]:
    if file is None:
        return "no json", "other"
    if kind == "deep_json":
        file.write_text("[" * 200_000 + "]" * 200_000)
        return f"deep_json {file.name}", "other"
    try:
        value = json.loads(file.read_text())
    except ValueError:
        return f"unparsable {file.name}", "other"
    paths = _paths(value)
    if kind == "lambda" and file.name == "config.json":
        code = f"lambda x: __import__('os').system('touch {marker}') or x"
        layer = {"class_name": "Lambda", "config": {"function": code, "name": "evil"}}
        layers = value.get("config", {}).get("layers") if isinstance(value, dict) else None
        if isinstance(layers, list) and layers:
            layers.insert(rng.randrange(len(layers) + 1), layer)
            file.write_text(json.dumps(value))
            return f"lambda {file.name}", "other"
        kind = "class_name"
    if kind == "class_name" and isinstance(value, dict):
        names = [p for p, v in paths if p[-1] == "class_name"]
        path = rng.choice(names) if names else ("class_name",)
        _set(value, path, rng.choice(["os.system", "builtins.eval", "__import__",
                                      "subprocess.Popen", "Lambda"]))
        file.write_text(json.dumps(value))
        return f"class_name {file.name}:{'/'.join(map(str, path))}", "other"
    if kind == "path_field":
        strings = [p for p, v in paths if isinstance(v, str)] or [p for p, _ in paths]
        if not strings:
            return f"no fields {file.name}", "other"
        path = rng.choice(strings)
        _set(value, path, rng.choice(["/etc/passwd", "../../outside", str(marker.parent),
                                      "model/../../x"]))
        file.write_text(json.dumps(value))
        return f"path_field {file.name}:{'/'.join(map(str, path))}", "setting"
    if not paths:
        return f"no fields {file.name}", "other"
    path, old = rng.choice(paths)
    if kind == "json_drop":
        _set(value, path, _DROP)
    elif kind == "json_number":
        numbers = [p for p, v in paths if isinstance(v, (int, float)) and not isinstance(v, bool)]
        path = rng.choice(numbers) if numbers else path
        _set(value, path, rng.choice([10**9, 2**31, -2**31, 10**15, 1e300, -1, 0]))
    else:
        _set(value, path, rng.choice([h for h in HOSTILE if h != old] or [None]))
    file.write_text(json.dumps(value))
    return f"{kind} {file.name}:{'/'.join(map(str, path))}", "setting"


def _mutate_zip_member(rng, target: Path, marker: Path) -> tuple[str, str]:
    """Unzip a .keras, damage one member the folder way, zip it again."""
    tmp = target.with_name(target.name + ".d")
    with zipfile.ZipFile(target) as zf:
        zf.extractall(tmp)
    kind = rng.choice(["json_type", "json_type", "deep_json", "json_drop", "json_number",
                       "class_name", "pickle", "truncate", "bitflip"])
    if kind in ("pickle", "truncate", "bitflip"):
        member = _pick(rng, tmp)
        what = _mutate_bytes(rng, kind, member, marker)
    else:
        what, _ = _mutate_json(rng, kind, tmp / "config.json", marker, tmp)
    if _hostile(kind, "config.json"):
        _unseal(tmp)
        what += " (unsealed)"
    target.unlink()
    with zipfile.ZipFile(target, "w") as zf:
        for file in _files(tmp):
            zf.write(file, file.relative_to(tmp).as_posix())
    shutil.rmtree(tmp)
    return f"zip {what}", "other" if kind in ("pickle", "deep_json", "class_name") else "setting"


# ---- the worker: loads one case at a time, answers in JSON lines ---------------------------

def worker() -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))   # a huge tensor fails
    import numpy as np
    import torch
    torch.set_num_threads(1)
    from rnnkit.models import load_model
    from rnnkit.tasks.predict import format_result, predict

    class CaseTimeout(BaseException):
        """Not an Exception: no loader's `except` may swallow it."""

    def alarm(signum, frame):
        raise CaseTimeout

    signal.signal(signal.SIGALRM, alarm)
    for line in sys.stdin:
        case = json.loads(line)
        signal.alarm(case.get("limit", LIMIT_S))
        try:
            if case["kind"] == "model":
                x = np.load(case["input"])
                out = load_model(case["path"]).predict(x, verbose=0)
                answer = {"ok": np.asarray(out, dtype="float64").round(6).tolist()}
            else:
                task = case["path"]
                answer = {"ok": format_result(predict(task, case["input"], length=20,
                                                      seed=0))}
        except CaseTimeout:
            answer = {"hang": True}
        except BaseException as e:  # noqa: BLE001 - every outcome is counted
            answer = {"error": type(e).__name__, "message": str(e)[:600]}
        finally:
            signal.alarm(0)
        print(json.dumps(answer), flush=True)


class Worker:
    """A worker process; restarted when it dies or hangs beyond the limit."""

    def __init__(self):
        self.proc = None

    def ask(self, case: dict) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
            self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True)
        self.proc.stdin.write(json.dumps(case) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], case.get("limit", LIMIT_S) + 40)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.close()
            return {"hang": True} if not ready else {"error": "WorkerDied", "message": ""}
        return json.loads(line)

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


# ---- the driver ----------------------------------------------------------------------------

def classify(answer: dict, baseline: dict, kind: str, case_dir: Path, marker: Path) -> str:
    if marker.exists():
        return "code"
    if answer.get("hang"):
        return "hang"
    if "error" in answer:
        if answer["error"] not in DOCUMENTED:
            return "crash"
        return "refused" if case_dir.name in answer["message"] else "unnamed"
    if answer["ok"] == baseline["ok"]:
        return "same"
    return "setting" if kind == "setting" else "wrong"


def fuzz(targets: list[dict], cases: int, work: Path, seed: int = 0, verbose: bool = True):
    """Run `cases` damaged copies of the targets (round robin); returns (counts, examples)."""
    rng = random.Random(seed)
    worker_ = Worker()
    try:
        baselines = {}
        for target in targets:
            first = worker_.ask(dict(target, limit=300))     # imports, first calls: slower
            again = worker_.ask(target)
            if "ok" not in first or first != again:
                raise RuntimeError(f"The undamaged target {target['path']} does not give one "
                                   f"answer: {first} / {again}")
            baselines[target["path"]] = first
        counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        examples: dict[str, list[str]] = collections.defaultdict(list)
        for i in range(cases):
            target = targets[i % len(targets)]
            case_dir = work / f"case-{i:05d}"
            case_dir.mkdir(parents=True)
            marker = case_dir / "CODE_RAN"
            source = Path(target["path"])
            copy = case_dir / source.name
            (shutil.copytree(source, copy, symlinks=True) if source.is_dir()
             else shutil.copy(source, copy))
            what, kind = mutate(rng, copy, marker)
            start = time.perf_counter()
            answer = worker_.ask(dict(target, path=str(copy)))
            outcome = classify(answer, baselines[target["path"]], kind, case_dir, marker)
            label = _label(target)
            counts[label][outcome] += 1
            counts["~" + what.split()[0] + (" " + what.split()[1] if what.startswith("zip")
                                            else "")][outcome] += 1       # by mutation
            if outcome != "refused" and outcome != "same" and len(examples[outcome]) < 12:
                examples[outcome].append(f"{label}: {what} -> {answer.get('error', '')} "
                                         f"{answer.get('message', '')[:160]}")
            if verbose and outcome in DEFECTS:
                print(f"[{outcome}] {label}: {what} ({time.perf_counter() - start:.1f} s) "
                      f"{answer.get('error', '')}: {answer.get('message', '')[:200]}",
                      flush=True)
            _remove(case_dir)
        return counts, examples
    finally:
        worker_.close()


def _label(target: dict) -> str:
    path = Path(target["path"])
    if target["kind"] == "run":
        return "run:" + json.loads((path / "task.json").read_text())["task"]
    return "model:" + path.name


def _remove(folder: Path) -> None:
    for item in folder.rglob("*"):
        if item.is_fifo() or item.is_symlink():
            item.unlink()
    shutil.rmtree(folder, ignore_errors=True)


def table(counts) -> str:
    outcomes = ["same", "refused", "setting", *DEFECTS]
    rows = [f"{'target':<18}{'cases':>7}" + "".join(f"{o:>9}" for o in outcomes)]
    total = collections.Counter()
    for label in sorted(counts, key=lambda k: (k.startswith("~"), k)):
        c = counts[label]
        if label.startswith("~"):                 # by mutation: the same cases again
            if not any(row.startswith("all") for row in rows):
                rows.append(f"{'all':<18}{sum(total.values()):>7}" + "".join(
                    f"{total[o]:>9}" for o in outcomes))
                rows.append("by mutation:")
            rows.append(f"{label[1:]:<18}{sum(c.values()):>7}" + "".join(
                f"{c[o]:>9}" for o in outcomes))
            continue
        total.update(c)
        rows.append(f"{label:<18}{sum(c.values()):>7}" + "".join(f"{c[o]:>9}" for o in outcomes))
    if not any(row.startswith("all") for row in rows):
        rows.append(f"{'all':<18}{sum(total.values()):>7}" + "".join(f"{total[o]:>9}"
                                                                   for o in outcomes))
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cases", type=int, default=1200)
    parser.add_argument("--runs", type=Path, default=None,
                        help="a folder of run folders, one per task (rnnkit <task> --out)")
    parser.add_argument("--make-runs", action="store_true",
                        help="train a small run of every task first (in WORK/runs) and fuzz "
                             "those too")
    parser.add_argument("--work", type=Path, default=Path("/tmp/rnnkit-fuzz"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return 0
    for folder in ("targets", "cases"):
        shutil.rmtree(args.work / folder, ignore_errors=True)
    targets = make_models(args.work / "targets" / "models")
    if args.make_runs:
        args.runs = make_task_runs(args.work / "runs")
    if args.runs is not None:
        targets += make_runs(args.work / "targets" / "runs", args.runs)
    start = time.perf_counter()
    counts, examples = fuzz(targets, args.cases, args.work / "cases", args.seed)
    print(table(counts))
    for outcome, lines in examples.items():
        print(f"\n{outcome}, first examples:")
        print("\n".join(f"  {line}" for line in lines))
    print(f"\n{args.cases} cases in {time.perf_counter() - start:.0f} s")
    defects = sum(sum(c[o] for o in DEFECTS) for c in counts.values())
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
