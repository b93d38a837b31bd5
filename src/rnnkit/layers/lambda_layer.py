"""Lambda: a Python function as a layer, and the rule that keeps saved files from running code.

    Lambda(lambda x: x[:, -1])                 (B, T, D) -> (B, D), the last step
    Lambda(lambda x: x * 2, output_shape=(4,)) output_shape without the batch axis

The function runs on torch tensors (rnnkit's data), so it may use torch, slicing and the
tensor methods. Saving writes the function's source text into the config (from
inspect.getsource; a lambda is cut out of its line). Loading a Lambda would run that text,
so it is refused unless the caller opts in, as Keras's `safe_mode`:

    load_model(path)                                  -> ValueError naming the layer
    load_model(path, safe_mode=False)                 -> rebuilt from the source text
    load_model(path, custom_objects={"fn": fn})       -> the named function, no code run

The loaders pass their safe_mode to `Lambda.from_config(config, safe_mode=...)` (the
registry does so for every class with `needs_safe_mode`); `with SafeModeScope(False):` or
`enable_unsafe_deserialization()` opt in for a whole block or session. Unset means safe.

    >>> last = Lambda(lambda x: x[:, -1])
    >>> last(torch.arange(6.0).reshape(1, 3, 2)).tolist()
    [[4.0, 5.0]]
"""
from __future__ import annotations

import ast
import contextvars
import inspect
import math
import textwrap
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor

from .base import Layer, Shape

_safe_mode: contextvars.ContextVar = contextvars.ContextVar("rnnkit_safe_mode", default=None)
_unsafe_everywhere = False


class SafeModeScope:
    """`with SafeModeScope(False): model = ...` lets Lambda configs in that block run code."""

    def __init__(self, safe_mode: bool | None = True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._token = _safe_mode.set(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _safe_mode.reset(self._token)


def enable_unsafe_deserialization() -> None:
    """Keras's `keras.config.enable_unsafe_deserialization()`: every later load may run code."""
    global _unsafe_everywhere
    _unsafe_everywhere = True


def in_safe_mode() -> bool:
    """True unless a SafeModeScope(False) is active or unsafe loading was enabled globally."""
    scoped = _safe_mode.get()
    if scoped is not None:
        return bool(scoped)
    return not _unsafe_everywhere


# -- the function as text ---------------------------------------------------------------------
def _lambda_source(fn: Callable) -> str | None:
    """The text of `lambda ...: ...` itself, cut out of the line that defines it."""
    try:
        lines, _ = inspect.findsource(fn)
    except (OSError, TypeError):
        return None
    text = "".join(lines)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    code = fn.__code__
    found = [n for n in ast.walk(tree)
             if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno]
    if len(found) > 1:                         # several lambdas on one line: match the bytecode
        same = [n for n in found if _compiled(ast.get_source_segment(text, n)) == code.co_code]
        found = same or [n for n in found if [a.arg for a in n.args.args]
                         == list(code.co_varnames[:code.co_argcount])]
    return ast.get_source_segment(text, found[0]) if found else None


def _compiled(source: str | None) -> bytes | None:
    try:
        outer = compile(source, "<lambda>", "eval")
    except (SyntaxError, TypeError, ValueError):
        return None
    inner = [c for c in outer.co_consts if inspect.iscode(c)]
    return inner[0].co_code if inner else None


def serialize_function(fn: Callable) -> dict[str, Any]:
    """{'class_name': '__lambda__' | 'function', 'config': {'name', 'source'}}."""
    name = getattr(fn, "__name__", type(fn).__name__)
    if name == "<lambda>":
        return {"class_name": "__lambda__", "config": {"name": name,
                                                       "source": _lambda_source(fn)}}
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        source = None
    return {"class_name": "function", "config": {"name": name, "source": source}}


def _namespace() -> dict[str, Any]:
    """What a rebuilt function can name: torch, NumPy, math and rnnkit (also as tf/keras)."""
    import rnnkit
    ns = {"torch": torch, "F": torch.nn.functional, "np": np, "numpy": np, "math": math,
          "rnnkit": rnnkit, "tf": rnnkit, "keras": rnnkit}
    for short, attr in (("ops", "ops"), ("K", "backend")):
        if hasattr(rnnkit, attr):
            ns[short] = getattr(rnnkit, attr)
    return ns


def deserialize_function(spec, layer_name: str, custom_objects: dict | None,
                         safe_mode: bool) -> Callable:
    """Rebuild a function saved by serialize_function; refuse to run its text in safe mode."""
    if not isinstance(spec, dict) or "config" not in spec:
        raise ValueError(f"Lambda layer {layer_name!r}: the saved function must be a dict with "
                         f"'class_name' and 'config', got {spec!r}.")
    config = spec["config"] if isinstance(spec["config"], dict) else {"name": spec["config"]}
    name, source = config.get("name"), config.get("source")
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if safe_mode:
        lines = (source or "").strip().splitlines()
        shown = (lines[0] + (" ..." if len(lines) > 1 else "")) if lines else f"function {name}"
        other = ("" if name == "<lambda>" else "; or give the function itself: load_model(path, "
                 f"custom_objects={{{name!r}: {name}}})")
        raise ValueError(
            f"Lambda layer {layer_name!r} holds Python code ({shown}). Loading it would run that "
            "code, so it is refused by default. If you trust the file, load it with "
            f"load_model(path, safe_mode=False){other}.")
    if not source:
        way_out = ("rebuild the model in Python and load its weights (model.load_weights)"
                   if name == "<lambda>" else
                   f"pass the function in: load_model(path, custom_objects={{{name!r}: {name}}})")
        raise ValueError(
            f"Lambda layer {layer_name!r}: the file has no source text for its function {name!r} "
            "(it was defined where Python keeps no source, such as an interactive session); "
            f"{way_out}.")
    ns = _namespace()
    if spec.get("class_name") == "__lambda__":
        return eval(source, ns)                                 # noqa: S307 (safe_mode=False)
    exec(source, ns)                                            # noqa: S102 (safe_mode=False)
    return ns[name]


# -- the layer ----------------------------------------------------------------------------------
class Lambda(Layer):
    """y = function(x, **arguments), on torch tensors; x may be a list of tensors.

    output_shape: None (worked out by running the function on zeros), a shape without the
    batch axis, or a function of the input shape. mask: None (the output has no mask), a
    function (inputs, mask) -> mask, or a fixed mask. A function with a `mask` or `training`
    parameter receives the input mask or the training flag.
    """

    needs_safe_mode = True              # the registry passes the loader's safe_mode along

    def __init__(self, function: Callable, output_shape=None, mask=None,
                 arguments: dict | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if not callable(function):
            raise TypeError(f"Lambda expects a function, such as Lambda(lambda x: x[:, -1]), got "
                            f"{function!r} ({type(function).__name__}).")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Lambda arguments must be a dict of keyword arguments for the "
                            f"function, got {type(arguments).__name__}.")
        if output_shape is not None and not callable(output_shape):
            try:
                if isinstance(output_shape, str):
                    raise TypeError
                output_shape = tuple(None if d is None else int(d) for d in output_shape)
            except (TypeError, ValueError):
                raise ValueError(f"Lambda output_shape must be a shape without the batch axis, "
                                 f"such as (4,), or a function; got {output_shape!r}.") from None
        self.function, self.output_shape_arg, self.mask = function, output_shape, mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._takes_mask, self._takes_training = "mask" in params, "training" in params
        self.built = True

    def forward(self, inputs, mask=None):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = self.training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def compute_output_shape(self, input_shape):
        many = isinstance(input_shape, list) and all(isinstance(s, (list, tuple))
                                                     for s in input_shape)
        if callable(self.output_shape_arg):
            return self.output_shape_arg(input_shape)
        if self.output_shape_arg is not None:
            return ((input_shape[0] if many else input_shape)[0],) + self.output_shape_arg
        # Run the function on zeros twice, unknown sizes as 2 then 3: sizes that follow are None.
        runs = [self._shapes_of(self._run_on_zeros(input_shape, many, fill)) for fill in (2, 3)]
        return _merge_shapes(*runs)

    def _run_on_zeros(self, input_shape, many: bool, fill: int):
        def zeros(shape):
            return torch.zeros(tuple(fill if d is None else d for d in shape))
        x = [zeros(s) for s in input_shape] if many else zeros(input_shape)
        with torch.no_grad():
            return self.forward(x)

    @staticmethod
    def _shapes_of(y):
        return [tuple(t.shape) for t in y] if isinstance(y, (list, tuple)) else tuple(y.shape)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "function": serialize_function(self.function),
                  "arguments": self.arguments}
        if self.output_shape_arg is not None:
            config["output_shape"] = (serialize_function(self.output_shape_arg)
                                      if callable(self.output_shape_arg)
                                      else list(self.output_shape_arg))
        if self.mask is not None:
            config["mask"] = (serialize_function(self.mask) if callable(self.mask)
                              else self.mask)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], safe_mode: bool | None = None,
                    custom_objects: dict | None = None) -> "Lambda":
        """Rebuild from get_config(). Saved source text runs only when the caller opted in:
        safe_mode=False here, or SafeModeScope(False) / enable_unsafe_deserialization()
        around the load. Functions named in custom_objects (or the loader's
        custom_object_scope) are used as given, with no code from the file."""
        safe = in_safe_mode() and (safe_mode is None or bool(safe_mode))
        from .registry import _custom_objects
        known = {**_custom_objects.get(), **(custom_objects or {})}
        config = dict(config)
        name = config.get("name", "lambda")
        config["function"] = deserialize_function(config["function"], name, known, safe)
        for key in ("output_shape", "mask"):
            if isinstance(config.get(key), dict) and "class_name" in config[key]:
                config[key] = deserialize_function(config[key], name, known, safe)
        return cls(**config)

    def extra_repr(self) -> str:
        fn = self.function
        return getattr(fn, "__name__", type(fn).__name__)


def _merge_shapes(a, b):
    if isinstance(a, list):
        return [_merge_shapes(x, y) for x, y in zip(a, b)]
    return tuple(x if x == y else None for x, y in zip(a, b))
