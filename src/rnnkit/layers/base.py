"""The one base class of every rnnkit layer: an nn.Module that builds itself lazily.

A layer learns its input size from `Input(shape=...)`, `input_shape=` or the first batch it
sees, as in Keras. Masks travel beside the data: `forward(x, mask=None)` and
`compute_mask(x, mask)`; a layer that does not use a mask passes it on when
`supports_masking` is True and drops it otherwise.

    >>> class Scale(Layer):
    ...     # y = x * w, one learned weight per feature
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
    ...     def call(self, inputs):
    ...         return inputs * self.w
    ...
    >>> layer = Scale()
    >>> layer.built, layer(torch.ones(2, 3)).tolist(), layer.built
    (False, [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], True)
    >>> [w.shape for w in layer.get_weights()]
    [(3,)]
"""
from __future__ import annotations

import collections
import contextlib
import functools
import inspect
import re
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .. import mixed_precision
from . import penalties
from .symbolic import MASKED_BASES, call_symbolic, flatten, is_symbolic, map_structure

_FLOAT32 = mixed_precision.Policy("float32")

Shape = tuple  # a shape with None for unknown sizes, batch first: (None, T, D)

_name_counts: collections.Counter = collections.Counter()

# Keyword arguments every Keras layer takes; a layer's __init__ need not list them.
_KERAS_COMMON_ARGS = ("batch_input_shape", "batch_size", "input_dim", "dtype")


def _snake(name: str) -> str:
    """Keras's to_snake_case: Conv1D -> conv1d, MaxPooling1D -> max_pooling1d, LSTM -> lstm."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_name(cls_name: str) -> str:
    base = _snake(cls_name)
    n = _name_counts[base]
    _name_counts[base] += 1
    return base if n == 0 else f"{base}_{n}"


def reset_names() -> None:
    """Start layer names afresh (Keras's clear_session): the next LSTM is 'lstm' again."""
    _name_counts.clear()


def _to_tensors(structure):
    """NumPy arrays in a call's arguments become tensors (float32 for floats, int64 for ints);
    returns (structure, whether anything was converted)."""
    converted = False

    def convert(leaf):
        nonlocal converted
        if isinstance(leaf, np.ndarray) and leaf.dtype.kind in "fiub":
            converted = True
            if leaf.dtype.kind == "f":
                return torch.as_tensor(leaf, dtype=torch.float32)
            return torch.as_tensor(leaf.astype(np.float32) if leaf.dtype.kind == "b" else
                                   leaf.astype(np.int64))
        return leaf
    return map_structure(convert, structure), converted


def _all_tensors(args: tuple, kwargs: dict) -> bool:
    """Tensors (or None keyword values) only, and no training=: loops, not generators, as
    every layer call of fit and predict asks."""
    for a in args:
        if not isinstance(a, Tensor):
            return False
    if "training" in kwargs:
        return False
    for v in kwargs.values():
        if v is not None and not isinstance(v, Tensor):
            return False
    return True


def call_module(module: nn.Module, call, args: tuple, kwargs: dict):
    """What layers and models do when called: record a graph node on symbolic inputs,
    convert NumPy inputs (then run without gradients and, unless training=True is given, in
    inference mode, as a Keras call on arrays does), and honour Keras's `training=`
    argument. Called on tensors, a layer runs in its module's mode, as in PyTorch."""
    if _all_tensors(args, kwargs):
        return call(*args, **kwargs)                   # the hot path: tensors in, as in fit
    if is_symbolic((args, kwargs)):
        return call_symbolic(module, args, kwargs)
    (args, kwargs), converted = _to_tensors((args, kwargs))
    training = None
    if "training" in kwargs and not _forward_takes(module, "training"):
        training = kwargs.pop("training")
    if training is None and converted:
        training = False            # Keras: a direct call on arrays runs in inference mode
    if training is None:
        with torch.no_grad() if converted else contextlib.nullcontext():
            return call(*args, **kwargs)
    previous = module.training
    module.train(bool(training))
    try:
        with torch.no_grad() if converted else contextlib.nullcontext():
            return call(*args, **kwargs)
    finally:
        module.train(previous)


def parameters_of(function) -> frozenset[str]:
    """The parameter names of a function or method, read once per function (calls in the
    training step ask this every batch)."""
    return _parameters_of(getattr(function, "__func__", function))


@functools.lru_cache(maxsize=None)
def _parameters_of(function) -> frozenset[str]:
    try:
        return frozenset(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return frozenset()


def _forward_takes(module: nn.Module, arg: str) -> bool:
    fn = module.forward
    if getattr(type(module), "forward", None) is Layer.forward and hasattr(module, "call"):
        fn = module.call
    return arg in parameters_of(fn)


class Layer(nn.Module):
    """Base layer: lazy build from the first input shape, Keras-style config and weights."""

    supports_masking = False

    def __init_subclass__(cls, **kwargs):
        """Let every subclass take Keras's common arguments (batch_input_shape=,
        batch_size=, input_dim=, dtype=) without listing them in its __init__."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None or getattr(init, "_takes_keras_common", False):
            return
        named = set(inspect.signature(init).parameters)

        @functools.wraps(init)
        def __init__(self, *args, **kw):
            common = {k: kw.pop(k) for k in _KERAS_COMMON_ARGS if k in kw and k not in named}
            extras = penalties.pop_arguments(kw, named)
            init(self, *args, **kw)
            if common:
                self._apply_common_args(**common)
            if extras:
                penalties.attach(self, extras)
        __init__._takes_keras_common = True
        cls.__init__ = __init__

    def _apply_common_args(self, batch_input_shape=None, batch_size=None, input_dim=None,
                           dtype=None) -> None:
        if batch_input_shape is not None:
            shape = tuple(batch_input_shape)
            if len(shape) < 2:
                raise ValueError(f"batch_input_shape must be (batch, ...), such as (32, 10, 1), "
                                 f"got {batch_input_shape!r}.")
            self.input_shape_arg = _check_shape(shape[1:], "batch_input_shape")
            self.batch_size = None if shape[0] is None else int(shape[0])
        if batch_size is not None:
            self.batch_size = int(batch_size)
        if input_dim is not None:
            if not isinstance(input_dim, int) or input_dim <= 0:
                raise ValueError(f"input_dim must be a positive integer, got {input_dim!r}.")
            self.input_shape_arg = (input_dim,) if self.input_shape_arg is None \
                else tuple(self.input_shape_arg[:-1]) + (input_dim,)
        if dtype is not None:
            policy = mixed_precision.policy_for(dtype)
            if policy is not None:
                self.dtype_policy = policy
                self._run_policy = policy if policy.is_mixed or policy.name == "float32" \
                    else None
            if policy is None or not policy.is_mixed:
                self.dtype_arg = _check_dtype(dtype)

    def __call__(self, *args, **kwargs):
        policy = self.__dict__.get("_run_policy")
        if policy is not None:                    # mixed precision, or float32 inside it
            outputs = mixed_precision.call_in_policy(
                policy, lambda *a, **k: call_module(self, super(Layer, self).__call__, a, k),
                args, kwargs, self)
        else:
            outputs = call_module(self, super().__call__, args, kwargs)
        if self.activity_regularizer is not None:
            penalty = penalties.activity_penalty(self.activity_regularizer, outputs)
            if penalty is not None:
                self.add_loss(penalty)
        return outputs

    # What a layer adds to the loss (layers/penalties.py); set by the constructor's
    # *_regularizer / *_constraint arguments or by add_weight(regularizer=, constraint=).
    activity_regularizer = None
    _weight_regularizers: dict = {}
    _weight_constraints: dict = {}
    _param_regularizers: tuple = ()
    _param_constraints: tuple = ()

    def add_loss(self, loss) -> None:
        """Add a scalar tensor to the loss of this forward pass (Keras's add_loss): `fit`
        adds it to the loss it minimises and reports; `layer.losses` lists it."""
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            raise ValueError(f"add_loss() takes a tensor with one value computed in call(), "
                             f"got {type(loss).__name__}"
                             f"{tuple(loss.shape) if isinstance(loss, Tensor) else ''}. "
                             "Reduce it first, e.g. add_loss(ops.sum(x)).")
        self.__dict__.setdefault("_added_losses", []).append(loss.reshape(()))
        penalties.note_loss_layer(self)

    @property
    def losses(self) -> list[Tensor]:
        """The penalties of the last forward pass, this layer's and its sublayers':
        add_loss values, activity and weight regularizers."""
        return penalties.model_penalties(self)

    def __init__(self, *, name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__()
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__}.")
        self.name = name or unique_name(type(self).__name__)
        self.built = False
        self.trainable = trainable
        self.input_shape_arg = None
        self.batch_size: int | None = None
        self.dtype_arg: torch.dtype | None = None
        self.dtype_policy = mixed_precision.global_policy()     # read once, as in Keras
        self._run_policy = self.dtype_policy if self.dtype_policy.is_mixed else None
        if input_shape is not None:
            self.input_shape_arg = _check_shape(input_shape, "input_shape")

    # -- building ---------------------------------------------------------------------------
    def build(self, input_shape: Shape) -> None:
        """Create the weights for inputs of this shape (batch axis first, may be None)."""

    def maybe_build(self, input_shape: Shape) -> None:
        if not self.built:
            self.build(tuple(input_shape))
            self.built = True
            if not self.trainable:
                self.requires_grad_(False)

    def _build_from(self, x: Tensor) -> None:
        """Lazy build at the first call, with the weights on the input's device and dtype."""
        if not self.built:
            self.maybe_build(tuple(x.shape))
            dtype = x.dtype if x.is_floating_point() else None
            if dtype is not None and self.__dict__.get("dtype_policy", _FLOAT32).is_mixed:
                dtype = torch.float32           # bfloat16 inputs, float32 weights (Keras)
            self.to(device=x.device, dtype=dtype)

    # -- Keras-style layers written by users: build(), call(), add_weight() ------------------
    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} defines neither forward() nor call(): a layer computes its "
            "output in one of them (call(self, inputs) as in Keras, or forward as in PyTorch).")

    def forward(self, inputs, *args, mask=None, **kwargs):
        """Keras-style subclasses write call(); this runs their build() once, then call()."""
        if not self.built:
            shape = map_structure(lambda t: tuple(t.shape) if isinstance(t, Tensor) else t,
                                  inputs)
            self.build(shape)
            self.built = True
            first = next((t for t in flatten(inputs) if isinstance(t, Tensor)), None)
            if first is not None:
                self.to(device=first.device)
            if not self.trainable:
                self.requires_grad_(False)
        params = parameters_of(self.call)
        if "mask" in params:
            kwargs["mask"] = mask
        if "training" in params and "training" not in kwargs:
            kwargs["training"] = self.training
        return self.call(inputs, *args, **kwargs)

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable: bool = True,
                   regularizer=None, constraint=None, name: str | None = None,
                   **unused) -> nn.Parameter:
        """A new weight of this layer (Keras's add_weight): an nn.Parameter registered under
        `name`. Keras 2's order add_weight(name, shape, ...) works too."""
        if isinstance(shape, str) and (name is None or not isinstance(name, str)):
            shape, name = name, shape                  # add_weight("w", (3, 4))
        if shape is None:
            shape = ()
        try:
            shape = tuple(int(d) for d in shape)
        except TypeError:
            raise ValueError(f"add_weight shape must be a tuple of sizes, got {shape!r}.") \
                from None
        from .. import initializers
        init = initializers.get("glorot_uniform" if initializer is None and len(shape) >= 2
                                else "zeros" if initializer is None else initializer)
        value = init(torch.empty(shape, dtype=_check_dtype(dtype) if dtype else torch.float32))
        param = nn.Parameter(value, requires_grad=bool(trainable) and self.trainable)
        base = re.sub(r"\W", "_", name or "weight")
        key, k = base, 1
        while hasattr(self, key):
            key, k = f"{base}_{k}", k + 1
        self.register_parameter(key, param)
        if regularizer is not None or constraint is not None:
            penalties.note_configured()
        if regularizer is not None:
            from .. import regularizers
            self._param_regularizers = (*self._param_regularizers,
                                        (param, regularizers.get(regularizer)))
        if constraint is not None:
            from .. import constraints
            self._param_constraints = (*self._param_constraints,
                                       (param, constraints.get(constraint)))
        return param

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    @property
    def compute_dtype(self) -> str:
        """The dtype this layer computes in ('bfloat16' under 'mixed_bfloat16')."""
        return self.__dict__.get("dtype_policy", mixed_precision.Policy()).compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of this layer's weights ('float32' under a mixed policy)."""
        return self.__dict__.get("dtype_policy", mixed_precision.Policy()).variable_dtype

    def compute_mask(self, x: Tensor, mask: Tensor | None) -> Tensor | None:
        return mask if self.supports_masking else None

    # -- Keras-style weights and config -----------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as NumPy arrays in Keras's order and shapes.

        Keras's order: the layer's own weights (trainable, then non-trainable: parameters,
        then floating-point buffers), then each sublayer's get_weights() in turn. A layer whose
        tensors are stored in PyTorch's layout (Dense's (units, D) kernel, the recurrent cells)
        converts them in `_own_keras_weights` / `_set_own_keras_weights`.
        """
        arrays = self._own_keras_weights()
        for child in self.children():
            arrays += child.get_weights() if isinstance(child, Layer) else get_weights(child)
        return arrays

    def set_weights(self, weights: list) -> None:
        """Set the weights from arrays in get_weights()'s order and shapes (Keras's layout)."""
        weights = [np.asarray(w) for w in weights]
        self._build_for_weights(weights)
        expected = [w.shape for w in self.get_weights()]
        check_weight_shapes(f"{type(self).__name__} {self.name!r}", expected, weights)
        n_own = len(self._own_keras_weights())
        self._set_own_keras_weights(weights[:n_own])
        at = n_own
        for child in self.children():
            n = len(child.get_weights() if isinstance(child, Layer) else get_weights(child))
            part = weights[at:at + n]
            child.set_weights(part) if isinstance(child, Layer) else \
                set_weights(child, part, type(child).__name__)
            at += n

    def _own_keras_weights(self) -> list[np.ndarray]:
        """This layer's own weights (not its sublayers'), in Keras's layout."""
        return [_numpy(t) for t in _own_tensors(self)]

    def _set_own_keras_weights(self, weights: list[np.ndarray]) -> None:
        """Copy arrays of _own_keras_weights()'s shapes into this layer's own tensors."""
        with torch.no_grad():
            for t, w in zip(_own_tensors(self), weights):
                t.copy_(torch.as_tensor(w, dtype=t.dtype))

    def _build_for_weights(self, weights: list[np.ndarray]) -> None:
        """Build an unbuilt layer from the weights' shapes when they tell its input size."""

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        if self.input_shape_arg is not None:
            config["input_shape"] = list(self.input_shape_arg)
        if self._weight_regularizers or self._weight_constraints or self.activity_regularizer:
            config.update(penalties.config_of(self))
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        return cls(**config)

    def extra_repr(self) -> str:
        """The arguments that differ from their defaults, as Keras users would write them."""
        params = inspect.signature(type(self).__init__).parameters
        shown = []
        for key, value in self.get_config().items():
            if key in ("name", "trainable", "layer", "cell"):
                continue
            default = params[key].default if key in params else inspect.Parameter.empty
            if default is inspect.Parameter.empty or default != value:
                shown.append(f"{key}={value!r}")
        return ", ".join(shown)


MASKED_BASES.append(Layer)           # graph replay passes mask= to every Layer


def check_flag(layer_name: str, what: str, value) -> bool:
    """A layer's True/False argument; anything else is an error that says so."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{layer_name} {what} must be True or False, got {value!r}.")
    return bool(value)


def _check_shape(shape, what: str) -> tuple:
    if any(isinstance(d, (float, np.floating)) and not float(d).is_integer() for d in
           (shape if isinstance(shape, (tuple, list)) else ())):
        raise ValueError(f"{what} sizes must be whole numbers, such as (20, 1), got {shape!r}.")
    try:
        out = tuple(None if d is None else int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a tuple of sizes without the batch axis, such as "
                         f"(20, 1), got {shape!r}.") from None
    if any(d is not None and d <= 0 for d in out):
        raise ValueError(f"{what} sizes must be positive (or None for any size), got {shape!r}.")
    return out


_DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
           "bfloat16": torch.bfloat16, "int32": torch.int32, "int64": torch.int64,
           "bool": torch.bool, "int8": torch.int8, "uint8": torch.uint8, "int16": torch.int16}


STRING = "string"       # the dtype of text inputs (TextVectorization's), kept as NumPy arrays


def _check_dtype(dtype) -> torch.dtype | str:
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype in ("string", "str", str, "object"):
        return STRING
    name = getattr(dtype, "name", dtype) if not isinstance(dtype, str) else dtype
    if isinstance(name, str) and name.replace("torch.", "") in _DTYPES:
        return _DTYPES[name.replace("torch.", "")]
    if dtype in (float,):
        return torch.float32
    if dtype in (int,):
        return torch.int64
    raise ValueError(f"Unknown dtype {dtype!r}. Use one of {', '.join(_DTYPES)}.")


def get_weights(module: nn.Module) -> list[np.ndarray]:
    """Copies of a module's weights as NumPy arrays, in parameters() order (Keras's get_weights)."""
    return [p.detach().cpu().numpy().copy() for p in module.parameters()]


def _own_tensors(module: nn.Module) -> list[Tensor]:
    """A module's own weights in Keras's order: trainable parameters, then frozen ones
    (add_weight(trainable=False)), then floating-point persistent buffers."""
    unique = {id(p): p for p in module._parameters.values() if p is not None}   # one per
    params = sorted(unique.values(), key=lambda p: not p.requires_grad)   # object; stable
    buffers = [b for k, b in module._buffers.items()
               if b is not None and b.is_floating_point()
               and k not in module._non_persistent_buffers_set]
    return params + buffers


def _numpy(t: Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


def check_weight_shapes(what: str, expected: list[tuple], weights: list[np.ndarray]) -> None:
    """Raise a clear error when the arrays do not match get_weights()'s count and shapes."""
    shapes = [tuple(s) for s in expected]
    if len(weights) != len(shapes):
        raise ValueError(
            f"{what} expects {len(shapes)} weight arrays in Keras's layout ({shapes}), got "
            f"{len(weights)} ({[tuple(w.shape) for w in weights]}). Pass the list that "
            "get_weights() returns for the same architecture.")
    for i, (shape, w) in enumerate(zip(shapes, weights)):
        if tuple(w.shape) != shape:
            raise ValueError(
                f"{what}: weight {i} must have shape {shape} (Keras's layout), got "
                f"{tuple(w.shape)}. Is the layer built for the same input size and units?")


def set_weights(module: nn.Module, weights: list, what: str) -> None:
    """Copy arrays into a module's weights in parameters() order, checking count and shapes."""
    params = list(module.parameters())
    if len(weights) != len(params):
        raise ValueError(
            f"{what} expects {len(params)} weight arrays (one per weight, as get_weights "
            f"returns them: {[tuple(p.shape) for p in params]}), got {len(weights)}.")
    with torch.no_grad():
        for i, (p, w) in enumerate(zip(params, weights)):
            w = torch.as_tensor(np.asarray(w))
            if tuple(w.shape) != tuple(p.shape):
                raise ValueError(f"{what}: weight {i} of shape {tuple(p.shape)} expected, got "
                                 f"{tuple(w.shape)}.")
            p.copy_(w)


def check_features(layer: Layer, x: Tensor, expected_ndim: int, hint: str = "") -> None:
    """Raise a clear error when x has the wrong rank or the wrong feature size."""
    if x.dim() != expected_ndim:
        letters = {2: "(batch, features)", 3: "(batch, time, features)"}[expected_ndim]
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r} expects input of shape {letters}, got shape "
            f"{tuple(x.shape)} (rank {x.dim()}).{(' ' + hint) if hint else ''}")
