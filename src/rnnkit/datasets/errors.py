"""The one exception family for problems with data: bundled files, users' files, series.

Catch `DataError` to handle every data problem at once; the CLI turns it into one line on
stderr and exit code 2. Each message says what was expected, what was received and how
to fix it.

    >>> try:
    ...     raise DataFileNotFoundError("no such file: 'x.csv'")
    ... except DataError as err:
    ...     print(type(err).__name__, isinstance(err, FileNotFoundError))
    DataFileNotFoundError True
"""

from __future__ import annotations

__all__ = ["DataError", "DataFileNotFoundError"]


class DataError(ValueError):
    """A data file or array is not what rnnkit expected (format, encoding, values, size)."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """A data file does not exist; also a FileNotFoundError, for code that catches that."""
