"""Layer and model classes by name, for saving and loading without pickle or code from a file.

The registry imports nothing from rnnkit: `rnnkit.layers` registers its layer classes and
`rnnkit.models` its model classes when they are imported (which happens before any
submodule runs, as Python imports a package before its modules). Loading looks a class up
by the name the file gives; a name the registry does not hold is refused, unless the
caller passes the class in `custom_objects`.

    >>> from rnnkit.layers import Dense
    >>> spec = serialize(Dense(3, activation="tanh"))
    >>> spec["class_name"], spec["config"]["units"]
    ('Dense', 3)
    >>> type(deserialize(spec)).__name__
    'Dense'
    >>> model_classes()["Sequential"].__name__
    'Sequential'
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator

_custom_objects: contextvars.ContextVar[dict] = contextvars.ContextVar("custom_objects",
                                                                       default={})
_layers: dict[str, type] = {}
_models: dict[str, type] = {}
_model_base: list[type] = []          # rnnkit.models.Model, once registered


def register_layers(*classes: type) -> None:
    """Make layer classes loadable by their class name."""
    _register(_layers, classes)


def register_models(*classes: type, base: type | None = None) -> None:
    """Make model classes loadable by their class name; `base` is the Model class, whose
    subclasses of your own (Python code) are never written inside another model's file."""
    _register(_models, classes)
    if base is not None:
        _model_base[:] = [base]


def _register(table: dict[str, type], classes) -> None:
    for cls in classes:
        name = cls.__name__
        old = table.get(name, cls)
        same = (old.__module__, old.__qualname__) == (cls.__module__, cls.__qualname__)
        if not same:                                 # the same class reloaded replaces it
            raise ValueError(f"Two classes named {name!r} in the registry: "
                             f"{table[name].__module__}.{name} and {cls.__module__}.{name}. "
                             "Give one of them another name.")
        table[name] = cls


@contextlib.contextmanager
def custom_object_scope(objects: dict | None) -> Iterator[None]:
    """Classes of your own that configs may name, while loading (Keras's custom_object_scope)."""
    if objects is not None and not isinstance(objects, dict):
        raise TypeError(f"custom_objects must be a dict {{'MyLayer': MyLayer}}, got "
                        f"{type(objects).__name__}.")
    token = _custom_objects.set({**_custom_objects.get(), **(objects or {})})
    try:
        yield
    finally:
        _custom_objects.reset(token)


def layer_classes() -> dict[str, type]:
    """Every registered layer class, by name."""
    return dict(_layers)


def model_classes() -> dict[str, type]:
    """Every registered model class (Sequential, Functional, Seq2Seq), by name."""
    return dict(_models)


def model_class(name: str) -> type:
    """The registered model class called `name` ("Sequential", "Functional", "Seq2Seq")."""
    if name not in _models:
        raise LookupError(f"No model class {name!r} is registered (known: "
                          f"{', '.join(sorted(_models)) or 'none'}); import rnnkit.models first.")
    return _models[name]


def layer_class(name: str) -> type:
    """The registered layer class called `name` ("Dense", "GetItem", ...)."""
    if name not in _layers:
        raise LookupError(f"No layer class {name!r} is registered; import rnnkit.layers first.")
    return _layers[name]


def serialize(layer) -> dict[str, Any]:
    """{"class_name": ..., "config": layer.get_config()}: what a file holds for a layer."""
    name = type(layer).__name__
    if _model_base and isinstance(layer, _model_base[0]) and name not in _models:
        raise TypeError(
            f"Cannot save the subclassed model {name!r} as a layer of another model: its "
            "call() is Python code, which rnnkit files never hold. Use a Sequential or "
            "functional model inside, or save the weights alone (save_weights).")
    return {"class_name": name, "config": layer.get_config()}


def deserialize(spec: dict[str, Any], safe_mode: bool = True, custom_objects=None):
    """The layer (or model) a serialize() spec describes, its class looked up by name."""
    classes = {**_layers, **_models, **_custom_objects.get(), **(custom_objects or {})}
    name = spec.get("class_name") if isinstance(spec, dict) else None
    if name not in classes:
        raise ValueError(
            f"Unknown layer class {name!r} in the saved config. Known layers: "
            f"{', '.join(sorted(classes))}. A layer of your own needs "
            f"custom_objects={{{name!r}: {name}}} when loading.")
    config = spec.get("config", {})
    if not isinstance(config, dict):
        raise ValueError(f"Layer {name}: config must be a JSON object, got "
                         f"{type(config).__name__}.")
    config = {k: (tuple(v) if k == "input_shape" and v is not None else v)
              for k, v in config.items()}
    cls = classes[name]
    if name in ("Functional", "Sequential") or getattr(cls, "needs_safe_mode", False):
        return cls.from_config(config, safe_mode=safe_mode)
    return cls.from_config(config)
