"""The data errors, kept importable here: they live in `rnnkit.errors` with UserError.

    >>> from rnnkit import errors
    >>> DataError is errors.DataError
    True
"""

from __future__ import annotations

from ..errors import DataError, DataFileNotFoundError

__all__ = ["DataError", "DataFileNotFoundError"]
