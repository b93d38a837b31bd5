"""Symbolic tensors: how `Input(...)` and layer calls record a model graph (Keras's functional API).

    x = Input(shape=(20, 1))           # a KerasTensor: a shape and a dtype, no values
    h = LSTM(32)(x)                    # calling a layer on it records a Node, returns another
    model = Model(x, Dense(1)(h))      # the graph between them is the model

A call on symbolic inputs builds the layer and learns its output shapes by running it on
small zero tensors, twice with different sizes for every unknown axis (the batch axis and
any None): an axis whose size changes between the two runs is unknown (None) in the
output. This works for every layer, a user's own included, without a shape rule per layer.
The trial runs happen in eval mode without gradients, and a stateful layer's carried state
is put back afterwards.

    >>> from rnnkit.layers import Dense, Input
    >>> x = Input(shape=(20, 1))
    >>> x.shape, is_symbolic(x)
    ((None, 20, 1), True)
    >>> Dense(4)(x).shape
    (None, 20, 4)
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import Tensor, nn

from .registry import layer_class

# Sizes given to unknown axes in the two trial runs; (2, 3) for the batch axis.
_TRIAL_SIZES = ((2, 29), (3, 43))


class KerasTensor:
    """A symbolic tensor: shape (batch axis first, None where unknown), dtype and origin.

    `node` is the Node whose call produced it (None for a model input) and `index` its
    position among that node's outputs. `has_mask` says whether a mask travels with it.
    """

    def __init__(self, shape: tuple, dtype: torch.dtype, node: "Node | None" = None,
                 index: int = 0, has_mask: bool = False, name: str | None = None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.node = node
        self.index = index
        self.has_mask = has_mask
        self.name = name
        self.input_layer = None        # the InputLayer, for a model input

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        dtype = str(self.dtype).replace("torch.", "")
        return f"<KerasTensor shape={self.shape}, dtype={dtype}, name={self.name}>"

    def __len__(self):
        raise TypeError("A symbolic tensor (from Input(...)) has no length until the model "
                        "runs; use its .shape.")

    def __bool__(self):
        raise TypeError("A symbolic tensor (from Input(...)) has no value to test; it stands "
                        "for data the model receives when it runs.")

    # Arithmetic and slicing on symbolic tensors become small recorded layers.
    def __getitem__(self, key):
        return layer_class("GetItem")(key)(self)

    def _binary(self, other, op: str, swap: bool = False):
        BinaryOp = layer_class("BinaryOp")
        if isinstance(other, KerasTensor):
            return BinaryOp(op)([other, self] if swap else [self, other])
        return BinaryOp(op, other, swap=swap)(self)

    def __add__(self, other):
        return self._binary(other, "add")

    def __radd__(self, other):
        return self._binary(other, "add", swap=True)

    def __sub__(self, other):
        return self._binary(other, "subtract")

    def __rsub__(self, other):
        return self._binary(other, "subtract", swap=True)

    def __mul__(self, other):
        return self._binary(other, "multiply")

    def __rmul__(self, other):
        return self._binary(other, "multiply", swap=True)

    def __truediv__(self, other):
        return self._binary(other, "divide")

    def __rtruediv__(self, other):
        return self._binary(other, "divide", swap=True)

    def __matmul__(self, other):
        return self._binary(other, "matmul")

    def __neg__(self):
        return self._binary(-1.0, "multiply")


class Node:
    """One call of a layer in a graph: the layer, its arguments (symbolic tensors in place)
    and the symbolic outputs it produced. `order` counts nodes as they are made, which is a
    topological order: a node's inputs always exist before it."""

    _count = 0

    def __init__(self, layer: nn.Module, args: tuple, kwargs: dict, outputs: Any):
        Node._count += 1
        self.order = Node._count
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs                      # a KerasTensor or a list of them
        self.inputs = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]

    @property
    def output_list(self) -> list[KerasTensor]:
        return [t for t in flatten(self.outputs) if isinstance(t, KerasTensor)]


# -- nested structures (lists, tuples, dicts of tensors) --------------------------------------
def flatten(structure) -> list:
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn: Callable, structure):
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def is_symbolic(structure) -> bool:
    return any(isinstance(leaf, KerasTensor) for leaf in flatten(structure))


# -- trial runs -------------------------------------------------------------------------------
@contextlib.contextmanager
def trial_mode(module: nn.Module) -> Iterator[None]:
    """Eval mode, no gradients, carried states put back: a forward that changes nothing."""
    modes = [(m, m.training) for m in module.modules()]
    saved = [(m, m._states) for m in module.modules() if hasattr(m, "_states")]
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for m, training in modes:
            m.training = training
        for m, states in saved:
            m._states = states


def is_float(t: KerasTensor) -> bool:
    return isinstance(t.dtype, torch.dtype) and t.dtype.is_floating_point


def is_text(t: KerasTensor) -> bool:
    return not isinstance(t.dtype, torch.dtype)


def _trial_value(t: KerasTensor, trial: int):
    batch_size, unknown = _TRIAL_SIZES[trial]
    shape = [batch_size if i == 0 and d is None else (unknown if d is None else d)
             for i, d in enumerate(t.shape)]
    if is_text(t):                                   # text inputs: arrays of strings
        return np.full(shape, "a", dtype=object)
    return torch.zeros(shape, dtype=t.dtype)


def _trial_mask(t: KerasTensor, value: Tensor) -> Tensor | None:
    if not t.has_mask or not isinstance(value, Tensor):
        return None
    return torch.ones(value.shape[:2], dtype=torch.bool)


def _run_trial(layer: nn.Module, args: tuple, kwargs: dict, trial: int, device, dtype):
    def concrete(leaf):
        if isinstance(leaf, KerasTensor) and is_text(leaf):
            return _trial_value(leaf, trial)
        if isinstance(leaf, KerasTensor):
            v = _trial_value(leaf, trial)
            v = v.to(device=device, dtype=dtype) if v.is_floating_point() and dtype else \
                v.to(device=device)
            return v
        return leaf
    c_args, c_kwargs = map_structure(concrete, args), map_structure(concrete, kwargs)
    masks = _masks_for(args, c_args)
    with trial_mode(layer):
        outputs = call_with_mask(layer, c_args, c_kwargs, masks)
        out_masks = compute_output_masks(layer, c_args, masks, outputs)
    return outputs, out_masks


def _masks_for(args: tuple, c_args: tuple):
    """The masks of the first positional argument (a tensor or a list of tensors)."""
    if not args:
        return None
    first, c_first = args[0], c_args[0]
    if isinstance(first, KerasTensor):
        return _trial_mask(first, c_first)
    if isinstance(first, (list, tuple)) and all(isinstance(t, KerasTensor) for t in first):
        masks = [_trial_mask(t, c) for t, c in zip(first, c_first)]
        return masks if any(m is not None for m in masks) else None
    return None


MASKED_BASES: list[type] = []     # base.py adds Layer: its subclasses all take mask=


def accepts_mask(layer: nn.Module) -> bool:
    return isinstance(layer, tuple(MASKED_BASES)) or hasattr(layer, "forward_with_mask")


def call_with_mask(layer: nn.Module, args: tuple, kwargs: dict, mask):
    """Call a layer as the graph does: the mask of its first input goes in as mask=."""
    if mask is not None and accepts_mask(layer) and "mask" not in kwargs:
        return layer(*args, mask=mask, **kwargs)
    return layer(*args, **kwargs)


def compute_output_masks(layer: nn.Module, args: tuple, mask, outputs) -> list:
    """One mask (or None) per flattened output: the layer's compute_mask goes to the first
    output (the sequence), states returned beside it carry none."""
    n = len(flatten(outputs))
    if not args or not hasattr(layer, "compute_mask"):
        return [None] * n
    out_mask = layer.compute_mask(args[0], mask)
    if isinstance(out_mask, (list, tuple)):
        masks = list(out_mask) + [None] * (n - len(out_mask))
        return masks[:n]
    return [out_mask] + [None] * (n - 1)


def call_symbolic(layer: nn.Module, args: tuple, kwargs: dict):
    """Record a call of `layer` on symbolic inputs and return its symbolic outputs."""
    param = next(layer.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None and param.is_floating_point() else None
    try:
        out_a, masks = _run_trial(layer, args, kwargs, 0, device, dtype)
        out_b, _ = _run_trial(layer, args, kwargs, 1, device, dtype)
    except Exception as e:  # noqa: BLE001 - say which layer and on what, then re-raise
        shapes = [getattr(t, "shape", t) for t in flatten((args, kwargs))
                  if isinstance(t, KerasTensor)]
        raise type(e)(f"{e}\n(while calling {type(layer).__name__} "
                      f"{getattr(layer, 'name', '')!r} on symbolic inputs of shapes {shapes})") \
            from e
    leaves_a, leaves_b = flatten(out_a), flatten(out_b)
    if not all(isinstance(t, Tensor) for t in leaves_a):
        raise TypeError(f"{type(layer).__name__} returned {type(out_a).__name__}; a layer in a "
                        "model must return a tensor or a list of tensors.")
    node = Node(layer, args, kwargs, None)
    symbolic = []
    for i, (a, b, m) in enumerate(zip(leaves_a, leaves_b, masks)):
        shape = tuple(None if da != db else da for da, db in zip(a.shape, b.shape))
        if shape and a.shape[0] == _TRIAL_SIZES[0][0] and b.shape[0] == _TRIAL_SIZES[1][0]:
            shape = (None,) + shape[1:]
        name = getattr(layer, "name", type(layer).__name__)
        symbolic.append(KerasTensor(shape, a.dtype, node, i, m is not None,
                                    name if len(leaves_a) == 1 else f"{name}_{i}"))
    it = iter(symbolic)
    node.outputs = map_structure(lambda _: next(it), out_a)
    return node.outputs
