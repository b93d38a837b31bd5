"""The errors rnnkit raises for a user's input, in one place every module imports from.

`UserError`: a problem with what the user asked for (a flag, a setting, a file); the CLI
prints it as one line and exits with code 2. Data problems (a file that does not parse)
are `rnnkit.datasets.errors.DataError`, also a one-line CLI error.
"""
from __future__ import annotations


class UserError(Exception):
    """A problem with what the user asked for; the CLI prints it and exits with code 2."""
