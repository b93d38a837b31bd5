"""The one builder of rnnkit's C++ kernels: compiled on first use, cached per user, never hangs.

    from rnnkit.kernels import build
    build.ops()        # torch.ops.rnnkit once the kernels are loaded, else None
    build.status()     # (True, what runs) or (False, why not)

The first process that needs the kernels compiles csrc/*.cpp with
torch.utils.cpp_extension.load (gcc and ninja, about 20 s) into its own folder,

    $RNNKIT_KERNELS_DIR  or  ~/.cache/rnnkit/kernels  (or $XDG_CACHE_HOME/rnnkit/kernels)
        <torch version>-<hash>/        hash of the sources, the flags and torch's build
            build/rnnkit_kernels.so    the library; `built` marks it complete
            failed                     why the build failed, and with which compiler

and every later process loads the library in well under a second. What a user sees: one
line on stderr when the build starts; when the kernels cannot be had, one line with the
cause ("c++: not found on PATH", the compiler's first "error:" line), after which rnnkit
runs PyTorch's kernels with the same results. A failure is recorded, so later processes do
not try again until the sources or the compiler change (or RNNKIT_KERNELS_REBUILD=1).

Never waiting forever: builders take an flock on `rnnkit.lock` in the build folder, which
the operating system releases when a process dies; a process that cannot have it within
LOCK_TIMEOUT seconds (60, or RNNKIT_KERNELS_LOCK_TIMEOUT) runs PyTorch's kernels and says
so. Holding it, the builder removes the `lock` file that torch's own build leaves behind
when a build is killed (torch waits on that file forever). The compiler and ninja are also
looked for next to the running interpreter, so `.venv/bin/rnnkit` builds without an
activated venv.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from ..utils.files import write_text_atomically

try:
    import fcntl
except ImportError:  # Windows: no flock; builds there are not guarded across processes
    fcntl = None

CSRC = Path(__file__).parent / "csrc"
LOCK_TIMEOUT = 60.0
STARTING = "rnnkit: building the CPU kernels once (about 20 s)..."

# Compiler flags: no -march (the build may be reused on another CPU; the gate loops carry
# their own AVX-512 / AVX2 clones), no -ffast-math (NaN and rounding stay IEEE). -fopenmp
# where torch's own threads are OpenMP's: at::parallel_for is inline and runs serially
# without it (GOMP symbols then resolve to the libgomp torch already loaded). -fopenmp-simd
# for the scan's `#pragma omp simd` loops.
CFLAGS = ["-O3", "-fno-trapping-math", "-fno-math-errno", "-fopenmp-simd"]
if "parallel backend: OpenMP" in torch.__config__.parallel_info():
    CFLAGS.append("-fopenmp")


@dataclass(frozen=True)
class Extension:
    """A C++ library to build: its name, sources, the headers they include, and flags."""

    name: str
    sources: tuple[Path, ...]
    headers: tuple[Path, ...] = ()
    cflags: tuple[str, ...] = ()

    def key(self) -> str:
        """Changes with the sources, the headers, the flags and torch's build."""
        h = hashlib.sha256()
        for path in (*self.sources, *self.headers):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        h.update("\n".join([self.name, *self.cflags, torch.__version__,
                            str(torch.version.git_version), platform.machine()]).encode())
        return h.hexdigest()[:16]


KERNELS = Extension("rnnkit_kernels",
                    (CSRC / "rnn.cpp", CSRC / "gru_reset_before.cpp", CSRC / "gru_bf16.cpp",
                     CSRC / "scan.cpp"),
                    (CSRC / "common.h", CSRC / "steps.h", CSRC / "gru_cells.h"), tuple(CFLAGS))

_lock = threading.Lock()
_result: tuple[bool, str] | None = None     # this process's answer for KERNELS, once known


def ops():
    """torch.ops.rnnkit with the kernels loaded (building them on first use), or None."""
    return torch.ops.rnnkit if status()[0] else None


def status(build: bool = True) -> tuple[bool, str]:
    """(True, what runs) when the kernels are loaded, else (False, why); decided once per
    process. With build=False, only report: (False, "not loaded yet") until something loads
    them."""
    if _result is None:
        if not build:
            return False, "not loaded yet (rnnkit.kernels.build.status() loads them)"
        _decide()
    return _result


def _decide() -> None:       # under torch.compile: a graph break, the first time only
    global _result
    with _lock:
        if _result is None:
            ok, reason = load(KERNELS)
            _result = (ok, "rnnkit C++ kernels" if ok else reason)


def kernels_dir() -> Path:
    """Where builds live: $RNNKIT_KERNELS_DIR, else the user's cache folder."""
    if os.environ.get("RNNKIT_KERNELS_DIR"):
        return Path(os.environ["RNNKIT_KERNELS_DIR"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "rnnkit" / "kernels"


def load(ext: Extension, root: Path | None = None) -> tuple[bool, str]:
    """Load `ext` into torch (building it first if need be): (True, path) or (False, why).

    Prints one line to stderr when a build starts and one when it fails or times out.
    """
    folder = (root or kernels_dir()) / f"{torch.__version__}-{ext.key()}"
    library = folder / "build" / f"{ext.name}.so"
    if (folder / "built").is_file() and _load_library(library):
        return True, str(library)
    failed = _recorded_failure(folder)
    if failed:
        return False, failed
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return _fail(None, f"cannot create the build folder {folder} ({e.strerror})")
    held = _FileLock(folder / "rnnkit.lock")
    if not held.acquire(_lock_timeout()):
        return _fail(None, f"another process held the build lock {held.path} for "
                           f"{_lock_timeout():.0f} s")
    try:   # another process may have built it, or failed, while this one waited
        if (folder / "built").is_file() and _load_library(library):
            return True, str(library)
        failed = _recorded_failure(folder)
        if failed:
            return False, failed
        stale = _remove_stale_torch_lock(folder / "build")
        missing = _missing_tools()
        if missing:
            return _fail(folder, missing)
        print(STARTING if not stale else STARTING.replace(
            "s)...", "s; removed the stale lock of a killed build)..."), file=sys.stderr,
            flush=True)
        try:
            _compile(ext, folder / "build")
        except Exception as e:  # noqa: BLE001 - any build error: say why, use torch's kernels
            return _fail(folder, _cause(str(e)) or type(e).__name__)
        write_text_atomically(folder / "built", str(library))
        return True, str(library)
    finally:
        held.release()


# ---- the steps ----------------------------------------------------------------------------

def _build_path() -> str:
    """PATH for the build: the running interpreter's folder first (a venv's ninja)."""
    here = str(Path(sys.executable).parent)
    return os.pathsep.join([here, os.environ.get("PATH", "")])


def _missing_tools() -> str | None:
    """The cause when the compiler or ninja cannot be found, else None."""
    cxx = os.environ.get("CXX", "c++")
    if not shutil.which(cxx, path=_build_path()):
        return f"{cxx}: not found on PATH"
    if not shutil.which("ninja", path=_build_path()):
        return "ninja: not found on PATH; pip install ninja"
    return None


def _toolchain() -> str:
    """The compiler and ninja this process would use: a recorded failure holds until it
    changes."""
    parts = []
    for tool in (os.environ.get("CXX", "c++"), "ninja"):
        found = shutil.which(tool, path=_build_path())
        stamp = os.stat(found).st_mtime if found else None
        parts.append(f"{tool}={found and os.path.realpath(found)}@{stamp}")
    return " ".join(parts)


def _compile(ext: Extension, build_dir: Path) -> None:
    from torch.utils.cpp_extension import load as torch_load
    build_dir.mkdir(parents=True, exist_ok=True)
    old_path = os.environ.get("PATH")
    os.environ["PATH"] = _build_path()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")           # torch's compiler-version notes
            torch_load(ext.name, [str(s) for s in ext.sources], extra_cflags=list(ext.cflags),
                       extra_include_paths=[str(CSRC)], build_directory=str(build_dir),
                       is_python_module=False, verbose=False)
    finally:
        if old_path is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = old_path


def _load_library(library: Path) -> bool:
    try:
        torch.ops.load_library(str(library))
        return True
    except OSError:          # removed or damaged since it was built: build it again
        return False


def _cause(message: str) -> str:
    """The line of a build error that says why: the compiler's first "error:", a "not found",
    rather than torch's "Error building extension" or ninja's "[1/2] c++ -MMD ..."."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    for marker in ("error:", "not found", "No such file", "fatal", "cannot"):
        for line in lines:
            if marker in line and not line.startswith(("[", "FAILED:", "Error building")):
                return line[:300]
    useful = [line for line in lines if not line.startswith(("[", "FAILED:"))]
    return (useful or lines or [""])[-1][:300]


def _fail(folder: Path | None, cause: str) -> tuple[bool, str]:
    """Say why in one line, record it in `folder` (None: a timeout, not recorded)."""
    note = ""
    if folder is not None:
        record = {"cause": cause, "toolchain": _toolchain()}
        try:
            write_text_atomically(folder / "failed", json.dumps(record))
            note = (" Later runs skip the build until the compiler changes "
                    "(RNNKIT_KERNELS_REBUILD=1 retries).")
        except OSError:
            pass
    print(f"rnnkit: could not build the CPU kernels ({cause}); using PyTorch's kernels, same "
          f"results.{note}", file=sys.stderr, flush=True)
    return False, f"rnnkit's C++ kernels are not available ({cause}); using PyTorch's kernels"


def _recorded_failure(folder: Path) -> str | None:
    """The reason of an earlier failed build with this compiler, unless a retry is asked."""
    if os.environ.get("RNNKIT_KERNELS_REBUILD") == "1":
        return None
    try:
        record = json.loads((folder / "failed").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("toolchain") != _toolchain():
        return None
    return (f"rnnkit's C++ kernels did not build ({record.get('cause')}; recorded in "
            f"{folder / 'failed'}); using PyTorch's kernels")


def _remove_stale_torch_lock(build_dir: Path) -> bool:
    """Remove torch's FileBaton `lock` (held by no one: this process holds rnnkit.lock)."""
    try:
        (build_dir / "lock").unlink()
        return True
    except FileNotFoundError:
        return False


def _lock_timeout() -> float:
    try:
        return float(os.environ.get("RNNKIT_KERNELS_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


class _FileLock:
    """An exclusive flock with a timeout; the OS drops it when its process dies."""

    def __init__(self, path: Path):
        self.path, self.fd = path, None

    def acquire(self, timeout: float) -> bool:
        if fcntl is None:
            return True
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline, told = time.monotonic() + timeout, False
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    self.fd = None
                    return False
                if not told:
                    print(f"rnnkit: waiting up to {timeout:.0f} s for another process that is "
                          "building the CPU kernels...", file=sys.stderr, flush=True)
                    told = True
                time.sleep(0.1)

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
