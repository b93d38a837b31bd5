"""`rnnkit.keras.X` is `rnnkit.X`: the import prefix of `tensorflow.keras.layers` maps on."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util


class KerasAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `rnnkit.keras.layers` (any depth) as the module `rnnkit.layers` itself, so that
    `from rnnkit.keras.layers import LSTM` and `from rnnkit.layers import LSTM` give the
    same class, never a second copy of the module."""

    def __init__(self, package: str):
        self.prefix = f"{package}.keras."
        self.package = package

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(self.prefix):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(f"{self.package}.{spec.name[len(self.prefix):]}")

    def exec_module(self, module) -> None:
        """The module ran when it was first imported under its own name."""
