"""The errors rnnkit raises for a user's input, in one place every module imports from.

`UserError`: a problem with what the user asked for (a flag, a setting, a file); the CLI
prints it as one line and exits with code 2. Data problems (a file that does not parse)
are `rnnkit.datasets.errors.DataError`, also a one-line CLI error.
"""
from __future__ import annotations


class UserError(Exception):
    """A problem with what the user asked for; the CLI prints it and exits with code 2."""


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
