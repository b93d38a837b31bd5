"""The one time loop that serves every recurrent cell, and the fused fast path beside it.

Shapes: B batch, T time steps, D input features, H hidden units.

A recurrent layer (SimpleRNN, LSTM, GRU) is a cell (one time step, its equations in its
docstring) plus this class, which owns time order, `go_backwards`, masks, dropout, initial
and stateful state, and Keras's `return_sequences` / `return_state` flags. It runs one of
two paths:

- `_loop`: the readable path, the cell called once per step in a Python loop;
- `_fused`: the fast path, PyTorch's fused kernel for the whole sequence (oneDNN or ATen on
  CPU, cuDNN on GPU); padded batches go through packed sequences, pre- or post-padded.

`implementation="auto"` takes the fast path whenever the configuration allows and says why
not otherwise (`layer.last_path`, `layer.path_reason`); `"fused"` is strict and raises
instead of falling back; `"loop"` always runs the readable path.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor, _VF
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from ..kernels import rnn as fused
from .base import Layer, Shape, check_features

IMPLEMENTATIONS = ("auto", "fused", "loop", 1, 2)   # Keras's 1 and 2 mean "auto" here

State = tuple[Tensor, ...]


class RNN(Layer):
    """A recurrent layer: a cell run over time. Subclasses give the cell and the fused call.

    Keras's flags, applied in one place (`_keras_outputs`):
      return_sequences  output every step (B, T, H) instead of the last (B, H)
      return_state      also return the final state: [y, h] or [y, h, c] for LSTM
      go_backwards      read the sequence from the end (outputs in the order processed)
      stateful          the final state of a batch is the initial state of the next
    Masked (padded) steps carry the state over unchanged and, with return_sequences, output
    what Keras outputs there (`zero_output_for_mask`, Keras's argument and default):
      False  repeat the last unmasked output (zeros before the first real step)
      True   output zeros (Bidirectional sets this on the layers it wraps, as Keras does)
    """

    supports_masking = True
    cell: Layer

    def __init__(self, cell: Layer, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 implementation: str = "auto", *, zero_output_for_mask: bool = False,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"implementation must be one of {IMPLEMENTATIONS}, got {implementation!r}. "
                "'auto' takes the fused kernel when it can, 'fused' raises when it cannot, "
                "'loop' always runs the readable cell loop (Keras's 1 and 2 act as 'auto').")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)          # accepted for Keras compatibility; no effect
        self.implementation = implementation
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.last_path: str | None = None   # "fused" or "loop", set by every forward
        self.path_reason: str | None = None
        self._states: State | None = None    # carried between batches when stateful

    # -- building ---------------------------------------------------------------------------
    @property
    def units(self) -> int:
        return self.cell.units

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 3:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects input of shape (batch, time, "
                f"features), got shape {tuple(input_shape)}. For a univariate series add a "
                "feature axis: x[..., None]. For token ids, put an Embedding layer first.")
        self.cell.maybe_build((input_shape[0], input_shape[2]))

    def _build_for_weights(self, weights: list) -> None:
        """Keras's kernel (D, G*H) tells the input size: set_weights builds an unbuilt layer."""
        if not self.built and weights and getattr(weights[0], "ndim", 0) == 2:
            self.maybe_build((None, None, int(weights[0].shape[0])))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        B, T = input_shape[0], input_shape[1]
        return (B, T, self.units) if self.return_sequences else (B, self.units)

    def compute_mask(self, x: Tensor, mask: Tensor | None) -> Tensor | None:
        if mask is None or not self.return_sequences:
            return None
        return mask.flip(1) if self.go_backwards else mask

    # -- the public call --------------------------------------------------------------------
    def forward(self, x: Tensor, mask: Tensor | None = None,
                initial_state: Sequence[Tensor] | Tensor | None = None):
        x = self._check_input(x)
        B, T, _ = x.shape
        mask = self._check_mask(mask, B, T, x.device)
        state = self._initial_state(B, x, initial_state)

        if self.go_backwards:
            x = x.flip(1)
            mask = None if mask is None else mask.flip(1)
        x = _dropout_over_time(x, self.cell.dropout, self.training)

        use_fused, reason = self.fast_path_status(x, mask)
        self.last_path, self.path_reason = ("fused" if use_fused else "loop"), reason
        if use_fused:
            outputs, state = self._fused_masked(x, state, mask)
        else:
            outputs, state = self._loop(x, state, mask)
        if mask is not None and self.return_sequences and not self.zero_output_for_mask:
            outputs = _repeat_last_output(outputs, mask)        # both paths wrote zeros there

        if self.stateful:
            self._states = tuple(s.detach() for s in state)
        return self._keras_outputs(outputs, state)

    def _keras_outputs(self, outputs: Tensor, state: State):
        """The one place that applies return_sequences and return_state."""
        y = outputs if self.return_sequences else state[0]   # last output == final h
        return [y, *state] if self.return_state else y

    # -- the two paths ----------------------------------------------------------------------
    def fast_path_status(self, x: Tensor, mask: Tensor | None) -> tuple[bool, str]:
        """(True, kernel) when the fused kernel can run this call, else (False, the reason)."""
        reason = self._fused_blocker(x, mask)
        self._own_kernel = reason is None and self._own_kernel_applies(x, mask)
        if reason is None:
            if hasattr(self.cell, "scan_sequence"):
                return True, self.cell.scan_name(x)
            if self._own_kernel:
                return True, (f"rnnkit fused {type(self).__name__} CPU kernel for training "
                              "(hoisted input product, vectorised gates)")
            why = ""
            if x.device.type == "cpu" and torch.is_grad_enabled() and \
                    not getattr(self.cell, "own_kernel_pays", lambda x: True)(x):
                why = "; faster than rnnkit's kernel for this size (see LSTMCell.own_kernel_pays)"
            return True, f"fused {type(self).__name__} kernel ({_backend_name(x)}){why}"
        if self.implementation == "fused":
            raise RuntimeError(
                f"{type(self).__name__} {self.name!r} was asked for the fused path "
                f"(implementation='fused') but cannot take it: {reason}. Use "
                "implementation='auto' to fall back to the readable loop.")
        return False, reason

    def _fused_blocker(self, x: Tensor, mask: Tensor | None) -> str | None:
        if self.implementation == "loop":
            return "implementation='loop' asks for the readable cell loop"
        if self.training and self.cell.recurrent_dropout > 0:
            return "recurrent_dropout > 0 needs a new mask on h_{t-1} at every step"
        reason = self.cell.fused_blocker()
        if reason is not None:
            return reason
        if mask is not None and not hasattr(self.cell, "scan_sequence") \
                and not _is_contiguous_mask(mask):
            return "the mask has gaps inside a sequence (only pre- or post-padding packs)"
        return None

    def _own_kernel_applies(self, x: Tensor, mask: Tensor | None) -> bool:
        """rnnkit's C++ kernels (kernels/rnn.py) train SimpleRNN and GRU faster than torch's
        on CPU, and LSTM where the cell says its kernel pays (`own_kernel_pays`); for
        inference, masks and GPUs torch's kernels are used."""
        return (x.device.type == "cpu" and torch.is_grad_enabled()
                and not torch.jit.is_tracing() and not torch.onnx.is_in_onnx_export()
                and x.dtype in (torch.float32, torch.float64)
                and (mask is None or bool(mask.all()))
                and getattr(self.cell, "own_kernel_ok", lambda: False)()
                and getattr(self.cell, "own_kernel_pays", lambda x: True)(x)
                and fused.fused_available()[0])

    def _loop(self, x: Tensor, state: State, mask: Tensor | None) -> tuple[Tensor, State]:
        """The readable path: one cell step per time step."""
        rec_mask = None
        if self.training and self.cell.recurrent_dropout > 0:     # one mask for all steps
            rec_mask = _dropout_over_time(torch.ones_like(state[0])[:, None],
                                          self.cell.recurrent_dropout, True)[:, 0]
        outputs = []
        for t in range(x.shape[1]):
            out_t, new_state = self.cell(x[:, t], state, rec_mask)
            if mask is not None:                               # padded step: keep the state
                m = mask[:, t, None]
                new_state = tuple(torch.where(m, n, s) for n, s in zip(new_state, state))
                out_t = out_t * m
            state = new_state
            outputs.append(out_t)
        return torch.stack(outputs, dim=1), state

    def _fused_masked(self, x: Tensor, state: State, mask: Tensor | None) -> tuple[Tensor, State]:
        """The fast path; padded rows are moved to the left and packed, then put back."""
        if hasattr(self.cell, "scan_sequence"):          # MinGRU, MinLSTM: any mask
            return self.cell.scan_sequence(x, state, mask)
        if getattr(self, "_own_kernel", False):
            return self.cell.own_kernel(x, state, self.return_sequences)
        if mask is None or bool(mask.all()):
            return self._fused(x, state, None)
        B, T, _ = x.shape
        lengths = mask.sum(1)
        left = torch.arange(T, device=x.device)[None, :] < lengths[:, None]   # (B, T)
        x_left = x.new_zeros(x.shape)
        x_left[left] = x[mask]
        packed = pack_padded_sequence(x_left, lengths.clamp(min=1).cpu(), batch_first=True,
                                      enforce_sorted=False)
        out_left, new_state = self._fused(x_left, state, packed)
        outputs = out_left.new_zeros(B, T, out_left.shape[-1])
        outputs[mask] = out_left[left]
        empty = (lengths == 0)[:, None]                       # all-padding rows keep h0
        if bool(empty.any()):
            new_state = tuple(torch.where(empty, s0, s) for s0, s in zip(state, new_state))
        return outputs, new_state

    def _fused(self, x: Tensor, state: State, packed: PackedSequence | None):
        weights, has_biases = self.cell.fused_weights()
        hx = tuple(s.unsqueeze(0) for s in state)              # (1, B, H): one layer
        if packed is not None:
            hx = tuple(h.index_select(1, packed.sorted_indices) for h in hx)
        args = (hx if len(hx) > 1 else hx[0], weights, has_biases, 1, 0.0, self.training, False)
        kernel = getattr(_VF, self.cell.fused_kernel)
        if packed is None:
            out = kernel(x, *args, True)                       # batch_first=True
        else:
            out = kernel(packed.data, packed.batch_sizes, *args)
        y, h_n = out[0], out[1:]
        if packed is not None:
            y, _ = pad_packed_sequence(
                PackedSequence(y, packed.batch_sizes, packed.sorted_indices,
                               packed.unsorted_indices), batch_first=True, total_length=x.shape[1])
            h_n = tuple(h.index_select(1, packed.unsorted_indices) for h in h_n)
        return y, tuple(h[0] for h in h_n)

    # -- input, mask and state checks -------------------------------------------------------
    def _check_input(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{type(self).__name__} {self.name!r} expects a torch.Tensor of shape (batch, "
                f"time, features), got {type(x).__name__}. Sequential.fit/predict convert "
                "NumPy arrays for you; when calling a layer directly use torch.as_tensor(x).")
        check_features(self, x, 3, "For a univariate series add a feature axis: x[..., None]. "
                                   "For token ids, put an Embedding layer first.")
        if x.shape[1] == 0:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} got sequences with no time steps "
                f"(shape {tuple(x.shape)}). Every sequence needs at least one step; pad "
                "empty ones and mask them instead.")
        if not x.is_floating_point():
            x = x.float()
        self._build_from(x)
        D = self.cell.input_size
        if x.shape[2] != D:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects input of shape (batch, time, {D}), "
                f"got {tuple(x.shape)}: it was built for {D} input feature(s) per step.")
        return x

    def _check_mask(self, mask: Tensor | None, B: int, T: int, device) -> Tensor | None:
        if mask is None:
            return None
        if tuple(mask.shape) != (B, T):
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects a mask of shape ({B}, {T}), got "
                f"{tuple(mask.shape)}.")
        return mask.to(device=device, dtype=torch.bool)

    def _initial_state(self, B: int, x: Tensor, initial_state) -> State:
        n = len(self.cell.state_size)
        if initial_state is not None:
            states = [initial_state] if isinstance(initial_state, Tensor) else list(initial_state)
            if len(states) != n or any(tuple(s.shape) != (B, self.units) for s in states):
                raise ValueError(
                    f"{type(self).__name__} {self.name!r} expects initial_state as {n} "
                    f"tensor(s) of shape ({B}, {self.units}), got "
                    f"{[tuple(getattr(s, 'shape', ())) for s in states]}.")
            return tuple(s.to(x.dtype) for s in states)
        if self.stateful and self._states is not None:
            if self._states[0].shape[0] != B:
                raise ValueError(
                    f"Stateful {type(self).__name__} {self.name!r} carries state for batches of "
                    f"{self._states[0].shape[0]} but got a batch of {B}. Stateful layers need a "
                    "fixed batch size (drop the last partial batch), or call reset_states().")
            return self._states
        return tuple(x.new_zeros(B, self.units) for _ in range(n))

    def reset_states(self, states=None) -> None:
        """Forget the carried state of a stateful layer (call between independent sequences),
        or set it to `states` (one array per state, each (batch, units))."""
        if states is None:
            self._states = None
            return
        states = [states] if not isinstance(states, (list, tuple)) else list(states)
        n = len(self.cell.state_size)
        if len(states) != n:
            raise ValueError(f"{type(self).__name__} {self.name!r} has {n} state(s), got "
                             f"{len(states)} to set.")
        self._states = tuple(torch.as_tensor(s, dtype=torch.float32) for s in states)

    def reset_state(self, states=None) -> None:
        """Keras 3's name for reset_states()."""
        self.reset_states(states)

    @property
    def states(self) -> list[Tensor] | None:
        """The carried state of a stateful layer ([h] or [h, c]); None before the first batch."""
        return None if self._states is None else list(self._states)

    # -- config -----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        cell_args = {k: v for k, v in self.cell.get_config().items()
                     if k not in ("name", "trainable")}
        return {**super().get_config(), **cell_args,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "implementation": self.implementation,
                "zero_output_for_mask": self.zero_output_for_mask}


def _dropout_over_time(x: Tensor, rate: float, training: bool) -> Tensor:
    """Keras's RNN dropout: one mask per sequence, (B, 1, D), shared by every time step."""
    if not training or rate == 0.0:
        return x
    keep = torch.empty(x.shape[0], 1, x.shape[2], device=x.device, dtype=x.dtype)
    return x * keep.bernoulli_(1.0 - rate).div_(1.0 - rate)


def _repeat_last_output(outputs: Tensor, mask: Tensor) -> Tensor:
    """Keras's masked outputs: y_t = y_s for the last real step s <= t, zeros if none.

    outputs (B, T, H) with zeros at masked steps, mask (B, T) -> (B, T, H).
    """
    T = mask.shape[1]
    steps = torch.arange(T, device=mask.device).expand_as(mask)
    last_real = torch.where(mask, steps, -1).cummax(dim=1).values        # (B, T), -1: none yet
    held = outputs.gather(1, last_real.clamp(min=0)[..., None].expand_as(outputs))
    return held * (last_real >= 0)[..., None].to(outputs.dtype)


def _is_contiguous_mask(mask: Tensor) -> bool:
    """True when each row is one run of True steps (pre-, post- or no padding)."""
    starts = (mask[:, 1:] & ~mask[:, :-1]).sum(1) + mask[:, 0].long()
    return bool((starts <= 1).all())


def _backend_name(x: Tensor) -> str:
    if x.is_cuda:
        return "cuDNN" if torch.backends.cudnn.is_available() else "CUDA ATen"
    return "oneDNN/ATen CPU"
