"""The errors rnnkit raises for a user's input, in one place every module imports from.

`UserError`: a problem with what the user asked for (a flag, a setting, a file).
`DataError`: a data file or array that is not what rnnkit expected (format, encoding,
values, size); `DataFileNotFoundError` is also a FileNotFoundError. The CLI prints any of
them as one line on stderr and exits with code 2. Each message says what was expected,
what was received and how to fix it.

This module imports nothing from rnnkit, so any module may import from it.

    >>> try:
    ...     raise DataFileNotFoundError("no such file: 'x.csv'")
    ... except DataError as err:
    ...     print(type(err).__name__, isinstance(err, FileNotFoundError))
    DataFileNotFoundError True
    >>> issubclass(DataError, ValueError), issubclass(UserError, DataError)
    (True, False)
"""
from __future__ import annotations

__all__ = ["UserError", "DataError", "DataFileNotFoundError"]


class UserError(Exception):
    """A problem with what the user asked for; the CLI prints it and exits with code 2."""


class DataError(ValueError):
    """A data file or array is not what rnnkit expected (format, encoding, values, size)."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """A data file does not exist; also a FileNotFoundError, for code that catches that."""


class DamagedFileError(UserError, ValueError):
    """A file rnnkit reads (a model, a run folder's JSON, a backup) is not what it should be:
    missing, not a regular file, too large, outside its folder, not parseable, or holding a
    field of the wrong type or range. The message names the file, the field, what was
    expected and what was found. Also a ValueError, for code that caught that before."""

    def __init__(self, path, field: str | None, expected: str, received: str,
                 fix: str = "write the file again with the rnnkit command or call that made it"):
        self.path, self.field = str(path), field
        where = f"{self.path}" + (f": field {field!r}" if field else "")
        super().__init__(f"{where}: expected {expected}, got {received}; {fix}.")
