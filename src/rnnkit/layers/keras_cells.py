"""`RNN(cell)` for Keras-style cells, and `StackedRNNCells`.

A Keras-style cell is any object with a `state_size` (an int, or a list of ints or of nested
lists) and `call(inputs, states)` returning `(output, new_states)`; it may have `build(input_shape)`
creating weights with `self.add_weight(...)`, an `output_size` and
`get_initial_state(batch_size)`. The cell of Keras's RNN docstring runs unchanged:

    class MinimalRNNCell(rnnkit.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units, self.state_size = units, units
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units))
        def call(self, inputs, states):
            output = ops.matmul(inputs, self.kernel) + ops.matmul(states[0], self.recurrent_kernel)
            return output, [output]

    RNN(MinimalRNNCell(32))            RNN([MinimalRNNCell(32), MinimalRNNCell(64)])

rnnkit's own cells (`RNN(LSTMCell(8))`) run as they are, compiled paths included. A Keras-style
cell is wrapped in `KerasCell`, which makes it one step of rnnkit's time loop
(recurrent.RNN): the loop's state is the tuple (y_{t-1}, s_1, ..., s_n), the last output
first, then the cell's states flattened. Carrying y_{t-1} as a state gives Keras's
`last_output` for free: a masked step keeps it, as it keeps the states.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..kernels import KernelSpec
from .base import Layer, Shape, _snake
from .recurrent import RNN as _LoopRNN


# -- the nested state sizes of Keras: 8, [8, 8], [[8, 8], 16] -----------------------------
def _flat_sizes(size) -> list[int]:
    if isinstance(size, (int, np.integer)):
        return [int(size)]
    if isinstance(size, (list, tuple)):
        return [s for part in size for s in _flat_sizes(part)]
    raise ValueError(f"A cell's state_size must be an int or a list of ints (one per state), "
                     f"got {size!r}.")


def _state_spec(state_size) -> list:
    """The list of states Keras passes to call(): [8] for 8, [8, 8] for [8, 8]."""
    return [state_size] if isinstance(state_size, (int, np.integer)) else list(state_size)


def _nest(flat: Sequence[Tensor], spec: list) -> list:
    """Flat tensors -> the nested lists of spec (the inverse of _flatten)."""
    it = iter(flat)

    def build(s):
        return next(it) if isinstance(s, (int, np.integer)) else [build(p) for p in s]
    return [build(s) for s in spec]


def _flatten(states) -> list[Tensor]:
    if isinstance(states, (list, tuple)):
        return [t for s in states for t in _flatten(s)]
    return [states]


def _output_size(cell) -> int:
    size = getattr(cell, "output_size", None)
    return int(size) if size is not None else _flat_sizes(cell.state_size)[0]


def _is_rnnkit_cell(cell) -> bool:
    """rnnkit's own cells step as cell(x_t, state_tuple, rec_mask) and have a kernel_spec."""
    return isinstance(cell, Layer) and callable(getattr(cell, "kernel_spec", None)) \
        and hasattr(cell, "input_size")


def _check_keras_cell(cell, where: str) -> None:
    missing = [a for a in ("call", "state_size") if not hasattr(cell, a)]
    if missing and not _is_rnnkit_cell(cell):
        raise ValueError(
            f"{where} expects a cell with a `call(inputs, states)` method and a `state_size` "
            f"attribute (or one of rnnkit's cells such as LSTMCell), got "
            f"{type(cell).__name__} without {' and '.join(missing)}.")
    if _is_rnnkit_cell(cell) and (cell.dropout or cell.recurrent_dropout) and where != "RNN":
        raise ValueError(
            f"{where}: dropout inside stacked cells is not supported ({type(cell).__name__} "
            f"has dropout={cell.dropout}, recurrent_dropout={cell.recurrent_dropout}). Stack "
            "RNN layers with return_sequences=True and Dropout between them instead.")


def _build_cell(cell, input_shape: Shape) -> None:
    """Build a cell of either kind for step inputs of shape (B, D)."""
    if _is_rnnkit_cell(cell):
        cell.maybe_build(input_shape)
        return
    if getattr(cell, "built", False):
        return
    if isinstance(cell, Layer):
        cell.maybe_build(tuple(input_shape))          # build() once, then trainable applies
        return
    if hasattr(cell, "build"):
        cell.build(tuple(input_shape))
    cell.built = True


def _step(cell, x_t: Tensor, states: list, training: bool) -> tuple[Tensor, list]:
    """One step of either kind of cell, Keras's way: states in, (output, new_states) out."""
    if _is_rnnkit_cell(cell):
        out, new = cell(x_t, tuple(states), None)
        return out, list(new)
    kwargs = {"training": training} if _call_takes_training(type(cell)) else {}
    out, new = cell.call(x_t, states, **kwargs)
    return out, list(new) if isinstance(new, (list, tuple)) else [new]


@functools.cache
def _call_takes_training(cls: type) -> bool:
    """Whether a cell class's call() has a `training` argument (asked once per class)."""
    return "training" in inspect.signature(cls.call).parameters


class StackedRNNCells(Layer):
    """Cells run one after the other inside one time step: cell k reads cell k-1's output.

        y_t^(0) = x_t;   y_t^(k), s_t^(k) = cell_k(y_t^(k-1), s_{t-1}^(k))   k = 1..n

    The output is the last cell's; state_size lists each cell's state_size, in order.
    `RNN([cell1, cell2])` builds one for you.
    """

    def __init__(self, cells: Sequence, *, name: str | None = None, trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells expects a non-empty list of cells, got {cells!r}.")
        for cell in cells:
            _check_keras_cell(cell, "StackedRNNCells")
        self.cells = list(cells)
        for i, cell in enumerate(self.cells):           # registered, so weights are tracked
            if isinstance(cell, nn.Module):
                self.add_module(f"cell_{i}", cell)

    @property
    def state_size(self) -> list:
        return [list(c.state_size) if isinstance(c.state_size, tuple) else c.state_size
                for c in self.cells]

    @property
    def output_size(self) -> int:
        return _output_size(self.cells[-1])

    def build(self, input_shape: Shape) -> None:
        for cell in self.cells:
            _build_cell(cell, input_shape)
            input_shape = (input_shape[0], _output_size(cell))

    def call(self, inputs: Tensor, states: list, training: bool = False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            single = not isinstance(cell_states, (list, tuple))
            inputs, cell_new = _step(cell, inputs, [cell_states] if single else list(cell_states),
                                     training)
            new_states.append(cell_new[0] if single and len(cell_new) == 1 else cell_new)
        return inputs, new_states

    def extra_repr(self) -> str:
        return ""                                   # the cells print as children

    def keras_sublayers(self) -> list[tuple[str, Layer]]:
        """The groups of Keras's weight files: cells/lstm_cell, cells/lstm_cell_1, ..."""
        used: dict[str, int] = {}
        groups = []
        for cell in self.cells:
            base = _snake(type(cell).__name__)
            groups.append((f"cells/{base}" if base not in used
                           else f"cells/{base}_{used[base] + 1}", cell))
            used[base] = used.get(base, -1) + 1
        return groups

    def get_weights(self) -> list[np.ndarray]:
        return [w for cell in self.cells for w in cell.get_weights()]

    def set_weights(self, weights: list) -> None:
        weights, at = list(weights), 0
        total = sum(len(cell.get_weights()) for cell in self.cells)
        if len(weights) != total:
            raise ValueError(
                f"StackedRNNCells {self.name!r} expects {total} weight arrays (each cell's "
                f"get_weights() in turn), got {len(weights)}.")
        for cell in self.cells:
            n = len(cell.get_weights())
            cell.set_weights(weights[at:at + n])
            at += n

    def get_config(self) -> dict[str, Any]:
        from .registry import serialize
        return {**super().get_config(), "cells": [serialize(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> StackedRNNCells:
        from .registry import deserialize
        config = dict(config)
        return cls([deserialize(c) for c in config.pop("cells")], **config)


class KerasCell(Layer):
    """A Keras-style cell as one step of rnnkit's time loop (recurrent.RNN).

        y_t, [s_t^1, ..., s_t^n] = cell.call(x_t, [s_{t-1}^1, ..., s_{t-1}^n])

    The loop's state is (y_{t-1}, s^1, ..., s^n), nested states flattened; `nest` puts them
    back in the cell's structure for `return_state`.
    """

    dropout = 0.0              # the loop's input dropout; a Keras cell applies its own
    recurrent_dropout = 0.0

    def __init__(self, cell, *, name: str | None = None, trainable: bool = True):
        super().__init__(name=name or "cell", trainable=trainable)
        _check_keras_cell(cell, "RNN")
        self.cell = cell
        self.spec = _state_spec(cell.state_size)
        self.units = _output_size(cell)
        self.state_size = (self.units, *_flat_sizes(cell.state_size))
        self.input_size = None

    def build(self, input_shape: Shape) -> None:
        self.input_size = input_shape[-1]
        _build_cell(self.cell, input_shape)

    def forward(self, x_t: Tensor, state: tuple[Tensor, ...], rec_mask: Tensor | None = None):
        self._build_from(x_t)
        y_t, new = _step(self.cell, x_t, _nest(state[1:], self.spec), self.training)
        return y_t, (y_t, *_flatten(new))

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(missing=f"{type(self.cell).__name__} is a Keras-style cell: the "
                                  "readable loop runs it")

    def initial_state(self, B: int, x: Tensor, given=None) -> tuple[Tensor, ...]:
        """(y_0, *states): zeros, the cell's get_initial_state, or the states given."""
        if given is None and hasattr(self.cell, "get_initial_state"):
            given = self.cell.get_initial_state(batch_size=B)
        y0 = x.new_zeros(B, self.units)
        if given is None:
            return (y0, *(x.new_zeros(B, n) for n in self.state_size[1:]))
        flat = [torch.as_tensor(s).to(x) for s in _flatten(given)]
        expected = [(B, n) for n in self.state_size[1:]]
        if [tuple(s.shape) for s in flat] != expected:
            raise ValueError(
                f"RNN {self.name!r}: the initial state must be {len(expected)} tensor(s) of "
                f"shape {expected} (the cell's state_size {self.cell.state_size!r}), got "
                f"{[tuple(s.shape) for s in flat]}.")
        return (y0, *flat)

    def keras_sublayers(self) -> list[tuple[str, Layer]]:
        """In Keras's files the wrapped cell is the RNN's `cell` group: its sublayers are
        this adapter's."""
        if hasattr(self.cell, "keras_sublayers"):
            return self.cell.keras_sublayers()
        return [(n, c) for n, c in getattr(self.cell, "named_children", list)()
                if isinstance(c, Layer)]

    def get_weights(self) -> list[np.ndarray]:
        return self.cell.get_weights() if hasattr(self.cell, "get_weights") else []

    def set_weights(self, weights: list) -> None:
        self.cell.set_weights(weights)

    def get_config(self) -> dict[str, Any]:
        return {}                                   # RNN.get_config serializes the cell itself


class _EveryRecurrentLayer(type):
    """`isinstance(LSTM(8), rnnkit.layers.RNN)` is True, as in Keras: every layer run by
    rnnkit's one loop counts as an RNN, not only those made with RNN(cell)."""

    def __instancecheck__(cls, instance) -> bool:
        if cls.__module__ == __name__ and cls.__name__ == "RNN":     # not its subclasses
            return isinstance(instance, _LoopRNN)
        return type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass) -> bool:
        if cls.__module__ == __name__ and cls.__name__ == "RNN":
            return issubclass(subclass, _LoopRNN)
        return type.__subclasscheck__(cls, subclass)


class RNN(_LoopRNN, metaclass=_EveryRecurrentLayer):
    """Keras's `RNN(cell)`: any cell run over time by rnnkit's one loop (recurrent.RNN).

    `cell` is one of rnnkit's cells (`RNN(LSTMCell(8))` is an LSTM layer, compiled paths
    included), a Keras-style cell (see this module's docstring), or a list of cells, which
    becomes StackedRNNCells. Flags as every recurrent layer: return_sequences, return_state
    (then the output is followed by the cell's states in Keras's nesting), go_backwards,
    stateful; masks keep the last output and the states over padded steps.

    >>> from rnnkit.layers import LSTMCell
    >>> RNN(LSTMCell(4), return_sequences=True)(torch.zeros(2, 5, 3)).shape
    torch.Size([2, 5, 4])
    """

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 implementation: str = "auto", *, zero_output_for_mask: bool = False,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not _is_rnnkit_cell(cell):
            cell = KerasCell(cell, trainable=trainable)
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         implementation, zero_output_for_mask=zero_output_for_mask, name=name,
                         input_shape=input_shape, trainable=trainable)

    @property
    def _keras_cell(self) -> bool:
        return isinstance(self.cell, KerasCell)

    def _initial_state(self, B: int, x: Tensor, initial_state):
        if not self._keras_cell or (initial_state is None and self.stateful
                                    and self._states is not None):
            return super()._initial_state(B, x, initial_state)
        return self.cell.initial_state(B, x, initial_state)

    def _keras_outputs(self, outputs: Tensor, state):
        if not self._keras_cell:
            return super()._keras_outputs(outputs, state)
        y = outputs if self.return_sequences else state[0]      # state[0] is the last output
        return [y, *_nest(state[1:], self.cell.spec)] if self.return_state else y

    def compute_output_shape(self, input_shape: Shape):
        B, T = input_shape[0], input_shape[1]
        units = self.cell.units
        y = (B, T, units) if self.return_sequences else (B, units)
        if not self.return_state:
            return y
        sizes = self.cell.state_size[1:] if self._keras_cell else self.cell.state_size
        return [y, *[(B, n) for n in sizes]]

    def get_config(self) -> dict[str, Any]:
        from .registry import serialize
        cell = self.cell.cell if self._keras_cell else self.cell
        config = {k: v for k, v in super().get_config().items()
                  if k in ("name", "trainable", "input_shape", "return_sequences",
                           "return_state", "go_backwards", "stateful", "unroll",
                           "implementation", "zero_output_for_mask")}
        return {**config, "cell": serialize(cell)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RNN:
        from .registry import deserialize
        config = dict(config)
        return cls(deserialize(config.pop("cell")), **config)
