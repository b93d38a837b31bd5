"""Reading files that may be damaged or hostile: regular files only, sizes checked before
reading, paths kept inside their folder, JSON with bounded depth, numbers with bounds.

Every refusal is one `rnnkit.errors.DamagedFileError` naming the file, the field, what was
expected and what was found. Nothing here follows a FIFO or a device (open would block
forever), reads a file larger than its limit, or leaves the folder it was given.

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "task.json").write_text('{"task": "tag", "units": 64}')
    >>> read_json(folder / "task.json", root=folder)["units"]
    64
    >>> inside(folder, "../elsewhere", folder / "task.json", "members")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rnnkit.errors.DamagedFileError: ...task.json: field 'members': expected a name inside ...
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from ..errors import DamagedFileError

MAX_JSON_BYTES = 64 * 2**20            # configs, vocabularies, task.json: far smaller
MAX_JSON_DEPTH = 64                    # rnnkit writes at most ~10 levels (nested layers)
MAX_TREE_FILES = 10_000                # files in one run folder or model folder
MAX_TENSOR_BYTES = 64 * 2**30          # one safetensors file


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISREG, "a regular file")):
        if test(mode):
            return name
    return "an unknown kind of file"


def check_inside(root, path, field: str | None = None, source=None) -> Path:
    """path, resolved (symbolic links followed), when it lies inside root; else the error."""
    root_real, real = Path(os.path.realpath(root)), Path(os.path.realpath(path))
    if real != root_real and root_real not in real.parents:
        raise DamagedFileError(source or path, field, f"a file inside {root}",
                               f"{path} which leads to {real}",
                               "a run or model folder may only refer to its own files")
    return real


def inside(root, name, source, field: str) -> Path:
    """root / name for a relative name read from `source`'s `field`: a str, not absolute,
    no '..', and (after symbolic links) still inside root."""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise DamagedFileError(source, field, f"a name inside {root}", repr(name)[:80])
    parts = Path(name).parts
    if Path(name).is_absolute() or ".." in parts:
        raise DamagedFileError(source, field, f"a name inside {root}", repr(name)[:80],
                               "a run folder may only refer to its own files")
    check_inside(root, Path(root) / name, field, source)
    return Path(root) / name


def _an(what: str) -> str:
    return ("an " if what[:1] in "aeiou" else "a ") + what


def check_file(path, max_bytes: int, root=None, what: str = "file") -> os.stat_result:
    """The stat of path when it is a regular file of at most max_bytes (inside root, if
    given); a DamagedFileError otherwise. Call before opening: open() on a FIFO blocks."""
    path = Path(path)
    if root is not None:
        check_inside(root, path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DamagedFileError(path, None, f"a {what}", "nothing at that path") from None
    except OSError as e:
        raise DamagedFileError(path, None, f"a readable {what}", f"{type(e).__name__}: "
                               f"{e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise DamagedFileError(path, None, f"{_an(what)} (a regular file)", _kind(st.st_mode),
                               "replace it with the file rnnkit wrote")
    if st.st_size > max_bytes:
        raise DamagedFileError(path, None, f"a {what} of at most {max_bytes:,} bytes",
                               f"{st.st_size:,} bytes")
    return st


def read_bytes(path, max_bytes: int, root=None, what: str = "file") -> bytes:
    """The bytes of a regular file of at most max_bytes. The file is opened without blocking
    and checked again once open, so a FIFO swapped in after the check cannot hang us."""
    check_file(path, max_bytes, root, what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise DamagedFileError(path, None, f"a readable {what}", f"{type(e).__name__}: "
                               f"{e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise DamagedFileError(path, None, f"a {what} (a regular file)", _kind(st.st_mode))
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DamagedFileError(path, None, f"a {what} of at most {max_bytes:,} bytes",
                               "a file that grew while it was read")
    return data


def read_text(path, max_bytes: int = MAX_JSON_BYTES, root=None, what: str = "text file") -> str:
    """A UTF-8 text file, checked as read_bytes does."""
    data = read_bytes(path, max_bytes, root, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DamagedFileError(path, None, f"UTF-8 {what}", f"bytes that are not UTF-8 "
                               f"(at byte {e.start})") from None


def read_json(path, root=None, max_bytes: int = MAX_JSON_BYTES, expect: type = dict,
              what: str = "JSON file", allow_nan: bool = False) -> Any:
    """A JSON file as Python objects: at most max_bytes, at most MAX_JSON_DEPTH levels deep,
    strict (no NaN unless allow_nan), and of type `expect` at the top (dict by default; None
    for any)."""
    text = read_text(path, max_bytes, root, what)
    try:
        value = json.loads(text, parse_constant=None if allow_nan else _no_constant)
    except RecursionError:
        raise DamagedFileError(path, None, f"JSON at most {MAX_JSON_DEPTH} levels deep",
                               "deeper JSON than Python can parse") from None
    except ValueError as e:                        # JSONDecodeError, NaN, Infinity
        raise DamagedFileError(path, None, "valid JSON", f"{type(e).__name__}: {e}") from None
    depth = _max_depth(value)
    if depth > MAX_JSON_DEPTH:
        raise DamagedFileError(path, None, f"JSON at most {MAX_JSON_DEPTH} levels deep",
                               f"{depth} levels")
    if expect is not None and not isinstance(value, expect):
        raise DamagedFileError(path, None, f"a JSON {_json_name(expect)} at the top",
                               _a((type(value),)))
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _max_depth(value) -> int:
    """The deepest nesting of lists and dicts in a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in
                         (item.values() if isinstance(item, dict) else item))
    return deepest


def _json_name(kind) -> str:
    return {dict: "object", list: "array", str: "string", int: "integer", float: "number",
            bool: "boolean", type(None): "null"}.get(kind, kind.__name__)


def _a(kinds: tuple) -> str:
    names = " or ".join(map(_json_name, kinds))
    return ("an " if names[0] in "aeiou" else "a ") + names


def field(obj: dict, key: str, source, kinds, low=None, high=None, default=...):
    """obj[key] when it has one of the JSON types `kinds` (bool is never an int here) and,
    for numbers, low <= value <= high; default when the key is missing and a default is
    given; a DamagedFileError naming source and key otherwise."""
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if not isinstance(obj, dict) or key not in obj:
        if default is not ...:
            return default
        raise DamagedFileError(source, key, _a(kinds), "no such field")
    value = obj[key]
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise DamagedFileError(source, key, _a(kinds),
                               f"{repr(value)[:60]} ({_json_name(type(value))})")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or (low is not None and value < low) or (high is not None
                                                                   and value > high):
            raise DamagedFileError(source, key, f"a number in [{low}, {high}]", repr(value))
    return value


def check_tree(root, max_files: int = MAX_TREE_FILES, max_json_bytes: int = MAX_JSON_BYTES
               ) -> int:
    """Every entry under root (not following links) is a folder or a regular file, every
    symbolic link leads to one inside root, and every .json file is at most max_json_bytes;
    returns the number of entries. Run before loading a run folder, so no later read meets
    a FIFO, a device, a link out of the folder or a JSON file grown to gigabytes."""
    root = Path(root)
    count, stack = 0, [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as e:
            raise DamagedFileError(folder, None, "a readable folder", f"{type(e).__name__}: "
                                   f"{e.strerror}") from None
        for entry in entries:
            count += 1
            if count > max_files:
                raise DamagedFileError(root, None, f"a folder of at most {max_files:,} files",
                                       "more")
            path = Path(entry.path)
            if entry.is_symlink():
                real = check_inside(root, path)
                if not (real.is_file() or real.is_dir()):
                    mode = os.stat(real).st_mode if real.exists() else None
                    raise DamagedFileError(path, None, "a link to a regular file",
                                           _kind(mode) if mode is not None else "a broken link")
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(path)
            elif entry.name.endswith(".json") and entry.is_file(follow_symlinks=False):
                size = entry.stat(follow_symlinks=False).st_size
                if size > max_json_bytes:
                    raise DamagedFileError(path, None, f"a JSON file of at most "
                                           f"{max_json_bytes:,} bytes", f"{size:,} bytes")
            elif not entry.is_file(follow_symlinks=False):
                raise DamagedFileError(path, None, "a regular file",
                                       _kind(entry.stat(follow_symlinks=False).st_mode),
                                       "replace it with the file rnnkit wrote")
    return count


def check_safetensors(path, root=None, what: str = "tensors") -> None:
    """A regular file of bounded size inside root whose length is what its header says:
    8 bytes of header length, the JSON header, then the tensors' bytes. Reads the header
    only, so a file grown to gigabytes is refused before it is hashed or mapped."""
    size = check_file(path, MAX_TENSOR_BYTES, root, what).st_size
    with open(path, "rb") as f:
        head = f.read(8)
        n = int.from_bytes(head, "little") if len(head) == 8 else -1
        if not 2 <= n <= min(size - 8, 100 * 2**20):
            raise DamagedFileError(path, None, f"a safetensors file of {what}", "a file whose "
                                   f"first 8 bytes do not give a header length ({size:,} "
                                   "bytes in all)")
        try:
            header = json.loads(f.read(n))
            end = max([v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"],
                      default=0)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError) as e:
            raise DamagedFileError(path, None, f"a safetensors header of {what}",
                                   f"{type(e).__name__}: {e}") from None
    if not isinstance(end, int) or 8 + n + end != size:
        raise DamagedFileError(path, None, f"{8 + n + end if isinstance(end, int) else '?'} "
                               "bytes, as its header says", f"{size:,} bytes")


def sealed(obj: dict, key: str) -> dict:
    """obj as JSON will read it back, with obj[key] = the SHA-256 of the rest (json_sha256);
    check_seal(read_back, key, path) then finds any value changed after the write.

    >>> config = sealed({"units": 4, "betas": (0.9, 0.999)}, "config_sha256")
    >>> config["betas"], len(config["config_sha256"])
    ([0.9, 0.999], 64)
    >>> check_seal(config, "config_sha256", "config.json")
    >>> check_seal({**config, "units": 5}, "config_sha256", "config.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.DamagedFileError: config.json: field 'config_sha256': expected ...
    """
    obj = json.loads(json.dumps(obj, allow_nan=True))
    obj[key] = json_sha256(obj, key)
    return obj


def json_sha256(obj: dict, key: str) -> str:
    """SHA-256 of obj without obj[key], as canonical JSON (sorted keys)."""
    rest = {k: v for k, v in obj.items() if k != key}
    return hashlib.sha256(json.dumps(rest, sort_keys=True, allow_nan=True).encode("utf-8")
                          ).hexdigest()


def check_seal(obj: dict, key: str, path) -> None:
    """Nothing when obj has no obj[key] (written before seals) or it matches; else a
    DamagedFileError naming path."""
    expected = obj.get(key)
    if expected is None:
        return
    if not isinstance(expected, str) or json_sha256(obj, key) != expected:
        raise DamagedFileError(path, key, f"the values whose SHA-256 it records "
                               f"({str(expected)[:12]}...)", "other values: the file was "
                               "changed after it was written", "write it again with the call "
                               f"that made it (or, if you changed it on purpose, delete {key})")


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


class checked_csv:
    """A csv.reader whose errors (a field over csv's 131,072-character limit, a NUL byte)
    are a DataError naming the file and line, not `_csv.Error`. Keeps `line_num`.

    >>> import csv, io
    >>> rows = checked_csv(csv.reader(io.StringIO("a,b\\n" + "x" * 200_000)), "long.csv")
    >>> next(rows)
    ['a', 'b']
    >>> next(rows)                                                   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rnnkit.errors.DataError: long.csv, line 2: expected CSV fields of at most 131,072 ...
    """

    def __init__(self, reader, path):
        self._reader, self.path = reader, path

    def __iter__(self):
        return self

    def __next__(self):
        import csv

        from ..errors import DataError
        try:
            return next(self._reader)
        except csv.Error as e:
            raise DataError(f"{self.path}, line {self._reader.line_num}: expected CSV fields of "
                            f"at most {csv.field_size_limit():,} characters, got {e}. Is it a "
                            "CSV file (one record a line)?") from None

    @property
    def line_num(self) -> int:
        return self._reader.line_num
