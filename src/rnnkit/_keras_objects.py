"""How a family of small Keras objects (regularizers, constraints) is looked up by name,
written into a config and read back: one `Family` per module.

>>> class Half:
...     def __call__(self, x): return x / 2
...     def get_config(self): return {}
>>> family = Family("halver", "keras.halvers", Half, {"half": Half}, "Half()")
>>> type(family.get("half")).__name__, family.serialize(Half())["class_name"]
('Half', 'Half')
"""
from __future__ import annotations

from typing import Any


class Family:
    """Names, configs and instances of one kind of Keras object.

    `base` is the kind's base class, `names` maps every accepted name (class names and
    Keras's snake_case aliases) to a class, `example` is shown in errors."""

    def __init__(self, what: str, module: str, base: type, names: dict[str, type],
                 example: str):
        self.what, self.module, self.base, self.example = what, module, base, example
        self.names = names
        self.classes = {c.__name__: c for c in names.values()} | {base.__name__: base}

    def get(self, identifier):
        """An instance from a name, a config dict, a class, an instance or a callable."""
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if isinstance(identifier, str):
            cls = self.classes.get(identifier) or self.names.get(identifier)
            if cls is None:
                shown = sorted(k for k in self.names if "_" in k or k.islower())
                raise ValueError(f"Unknown {self.what} {identifier!r}. Use one of: "
                                 f"{', '.join(shown)} (or an instance such as {self.example}).")
            return cls()
        if isinstance(identifier, type) and issubclass(identifier, self.base):
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {self.what} {identifier!r}: expected a name, an "
                         f"instance such as {self.example}, a config dict or a function of a "
                         "tensor.")

    def serialize(self, obj) -> dict[str, Any] | None:
        """Keras's form: {"module", "class_name", "config", "registered_name"}."""
        if obj is None:
            return None
        if type(obj).__name__ not in self.classes:
            raise ValueError(f"Cannot save the {self.what} {obj!r}: only rnnkit's "
                             f"{self.base.__name__} classes are written to a model file.")
        return {"module": self.module, "class_name": type(obj).__name__,
                "config": obj.get_config(), "registered_name": None}

    def deserialize(self, config: dict[str, Any]):
        name = config.get("class_name")
        if name not in self.classes:
            raise ValueError(f"Unknown {self.what} class {name!r} in a config. Known: "
                             f"{', '.join(self.classes)}.")
        return self.classes[name].from_config(dict(config.get("config") or {}))
