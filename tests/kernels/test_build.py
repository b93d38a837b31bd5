"""The builder (kernels/build.py) as a user meets it: fresh processes, no compiler, a killed
build's lock, a build that fails. Each process runs in a subprocess with its own build folder
(RNNKIT_KERNELS_DIR); builds use a one-line C++ library, so they take a second or two."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import rnnkit
from rnnkit.kernels import build

SRC = str(Path(rnnkit.__file__).parents[1])
pytestmark = pytest.mark.skipif(build.fcntl is None, reason="file locks need fcntl (POSIX)")

TINY = """
from pathlib import Path
from rnnkit.kernels import build
ext = build.Extension("rnnkit_tiny", (Path({source!r}),))
print(build.load(ext)[0])
"""


def run(code: str, root: Path, timeout: float = 120, **env) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python with rnnkit's kernels folder at `root`."""
    environ = {k: v for k, v in os.environ.items() if k != "CXX"}
    environ |= {"RNNKIT_KERNELS_DIR": str(root), "PYTHONPATH": SRC, "OMP_NUM_THREADS": "1"}
    environ |= env
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environ,
                          capture_output=True, text=True, timeout=timeout)


def rnnkit_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("rnnkit:")]


@pytest.fixture
def tiny(tmp_path) -> Path:
    source = tmp_path / "tiny.cpp"
    source.write_text('extern "C" int rnnkit_tiny_answer() { return 42; }\n')
    return source


def test_the_first_process_builds_with_one_line_and_the_next_loads_silently(tmp_path, tiny):
    first = run(TINY.format(source=str(tiny)), tmp_path / "k")
    assert first.stdout.strip() == "True", first.stderr
    assert rnnkit_lines(first.stderr) == [build.STARTING]
    second = run(TINY.format(source=str(tiny)), tmp_path / "k")
    assert second.stdout.strip() == "True" and rnnkit_lines(second.stderr) == []


def test_without_a_compiler_one_line_says_why_the_fit_runs_and_the_next_process_skips(tmp_path):
    code = """
    import numpy as np
    from rnnkit.layers import LSTM, Dense, Input
    from rnnkit.models import Sequential
    model = Sequential([Input(shape=(5, 2)), LSTM(4), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((16, 5, 2)).astype("float32")
    loss = model.fit(x, x.sum(axis=(1, 2)), epochs=1, verbose=0).history["loss"][0]
    print(np.isfinite(loss), model.layers[0].path_reason)
    """
    no_compiler = {"PATH": str(tmp_path / "empty-bin")}       # the interpreter's folder is added
    first = run(code, tmp_path / "k", **no_compiler)
    assert first.returncode == 0, first.stderr
    lines = rnnkit_lines(first.stderr)
    assert len(lines) == 1 and "c++: not found on PATH" in lines[0], first.stderr
    assert "ninja" not in lines[0]                         # found next to the interpreter
    assert first.stdout.startswith("True PyTorch's LSTM kernel")  # which trained it
    second = run(code, tmp_path / "k", **no_compiler)
    assert second.returncode == 0 and rnnkit_lines(second.stderr) == []
    assert second.stdout.startswith("True")
    [failed] = (tmp_path / "k").glob("*/failed")
    assert json.loads(failed.read_text())["cause"].startswith("c++: not found")


def test_a_compile_error_is_reported_by_the_compilers_own_line(tmp_path):
    broken = tmp_path / "broken.cpp"
    broken.write_text("int f() { return undefined_name; }\n")
    result = run(TINY.format(source=str(broken)), tmp_path / "k")
    assert result.stdout.strip() == "False"
    starting, line = rnnkit_lines(result.stderr)
    assert starting == build.STARTING
    assert "error:" in line and "undefined_name" in line and "[1/2]" not in line


HOLDER = """
import fcntl, os, sys, time
folder = sys.argv[1]
os.makedirs(os.path.join(folder, "build"), exist_ok=True)
fd = os.open(os.path.join(folder, "rnnkit.lock"), os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)                            # as build.load does while building
if sys.argv[2] == "torch-lock":
    open(os.path.join(folder, "build", "lock"), "w").close()   # torch's FileBaton
print("holding", flush=True)
time.sleep(600)
"""


def hold_build_lock(folder: Path, torch_lock: bool) -> subprocess.Popen:
    """A process in the middle of a build: it holds the lock until killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder),
                             "torch-lock" if torch_lock else "-"], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def build_folder(root: Path, source: Path) -> Path:
    key = build.Extension("rnnkit_tiny", (source,)).key()
    return root / f"{build.torch.__version__}-{key}"


def test_the_lock_a_killed_build_leaves_does_not_stop_the_next_process(tmp_path, tiny):
    folder = build_folder(tmp_path / "k", tiny)
    kill(hold_build_lock(folder, torch_lock=True))           # SIGKILL in the middle of a build
    assert (folder / "build" / "lock").exists()              # torch's lock outlives it
    start = time.monotonic()
    result = run(TINY.format(source=str(tiny)), tmp_path / "k", timeout=90)
    assert time.monotonic() - start < 60
    assert result.stdout.strip() == "True", result.stderr
    [line] = rnnkit_lines(result.stderr)
    assert "removed the stale lock of a killed build" in line


def test_a_build_another_live_process_holds_too_long_falls_back_with_one_line(tmp_path, tiny):
    holder = hold_build_lock(build_folder(tmp_path / "k", tiny), torch_lock=False)
    try:
        result = run(TINY.format(source=str(tiny)), tmp_path / "k",
                     RNNKIT_KERNELS_LOCK_TIMEOUT="2")
    finally:
        kill(holder)
    assert result.stdout.strip() == "False"
    waiting, line = rnnkit_lines(result.stderr)
    assert waiting.startswith("rnnkit: waiting up to 2 s")
    assert "another process held the build lock" in line
    assert not list((tmp_path / "k").glob("*/failed"))      # a timeout is not a failed build


def test_a_recorded_failure_holds_only_for_the_same_compiler_and_without_a_rebuild_request(
        tmp_path, monkeypatch):
    (tmp_path / "failed").write_text(json.dumps({"cause": "c++: not found",
                                                 "toolchain": build._toolchain()}))
    assert "c++: not found" in build._recorded_failure(tmp_path)
    monkeypatch.setenv("RNNKIT_KERNELS_REBUILD", "1")
    assert build._recorded_failure(tmp_path) is None
    monkeypatch.delenv("RNNKIT_KERNELS_REBUILD")
    (tmp_path / "failed").write_text(json.dumps({"cause": "c++: not found",
                                                 "toolchain": "c++=/old/c++@1.0"}))
    assert build._recorded_failure(tmp_path) is None


def test_the_cause_skips_torch_and_ninja_preambles():
    message = ("Error building extension 'rnnkit_kernels': [1/2] c++ -MMD -MF rnn.o.d -O3 ...\n"
               "FAILED: rnn.o\n/bin/sh: 1: c++: not found\nninja: build stopped")
    assert build._cause(message) == "/bin/sh: 1: c++: not found"


def test_the_key_changes_with_sources_and_flags(tmp_path, tiny):
    ext = build.Extension("rnnkit_tiny", (tiny,))
    key = ext.key()
    assert build.Extension("rnnkit_tiny", (tiny,), cflags=("-O2",)).key() != key
    tiny.write_text(tiny.read_text() + "// changed\n")
    assert ext.key() != key


def test_a_process_killed_while_the_built_kernels_load_does_not_stop_the_next_fit(tmp_path):
    ok, library = build.load(build.KERNELS)              # this machine's build of the kernels
    if not ok:
        pytest.skip(library)
    folder = tmp_path / "k" / f"{build.torch.__version__}-{build.KERNELS.key()}"
    (folder / "build").mkdir(parents=True)
    (folder / "build" / Path(library).name).write_bytes(Path(library).read_bytes())
    (folder / "built").write_text(library)
    kill(hold_build_lock(folder, torch_lock=True))       # the state a kill mid-load leaves
    code = """
    import numpy as np
    from rnnkit.layers import LSTM, Dense, Input
    from rnnkit.models import Sequential
    model = Sequential([Input(shape=(5, 2)), LSTM(4), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((16, 5, 2)).astype("float32")
    model.fit(x, x.sum(axis=(1, 2)), epochs=1, verbose=0)
    print(model.layers[0].path_reason)
    """
    start = time.monotonic()
    result = run(code, tmp_path / "k", timeout=90)
    assert time.monotonic() - start < 60
    assert result.stdout.startswith("rnnkit's C++ LSTM kernel"), result.stderr
    assert rnnkit_lines(result.stderr) == []                # nothing to build, nothing to say
