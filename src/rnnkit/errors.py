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
