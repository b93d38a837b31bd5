"""The one time loop that serves every recurrent cell; the compiled paths are chosen beside it.

Shapes: B batch, T time steps, D input features, H hidden units.

A recurrent layer (SimpleRNN, LSTM, GRU, MinGRU, ...) is a cell (one time step, its
equations in its docstring) plus this class, which owns time order, `go_backwards`, masks,
dropout (its masks drawn here, once per sequence), initial and stateful state, and Keras's
`return_sequences` / `return_state` flags. Every call runs one path, chosen by
`kernels.choose` and run by `kernels.run` (kernels/dispatch.py): "loop", this module's
readable loop (the reference every other path is tested against), or a compiled one:
"torch" (PyTorch's RNN kernels), "rnnkit" (rnnkit's C++ ops) or "scan" (MinGRU/MinLSTM).
`layer.last_path` and `layer.path_reason` say which ran and why.

implementation: "auto" (Keras's 1 and 2 too) lets rnnkit choose; "loop" always runs the
loop; "compiled" takes a compiled path or raises saying why not. To force a path for some
calls only: `with rnnkit.kernels.use_path("loop"): ...`.

    >>> import torch
    >>> from rnnkit import kernels
    >>> from rnnkit.layers import GRU
    >>> layer, x = GRU(4, return_sequences=True), torch.randn(2, 5, 3)
    >>> y = layer(x)
    >>> y.shape, layer.last_path in ("torch", "rnnkit")             # a compiled path ran
    (torch.Size([2, 5, 4]), True)
    >>> with kernels.use_path("loop"):                                # the readable one
    ...     y_loop = layer(x)
    >>> layer.last_path, torch.allclose(y, y_loop, atol=1e-6)
    ('loop', True)
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor

from .. import kernels
from .base import Layer, Shape, check_features, check_flag
from .core import Embedding

IMPLEMENTATIONS = ("auto", "compiled", "loop", 1, 2)   # Keras's 1 and 2 mean "auto" here

State = tuple[Tensor, ...]


class RNN(Layer):
    """A recurrent layer: a cell run over time. Subclasses give the cell.

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
        if implementation == "fused":          # the old name of "compiled", in saved configs
            implementation = "compiled"
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"implementation must be one of {IMPLEMENTATIONS}, got {implementation!r}. "
                "'auto' takes a compiled kernel when one applies, 'compiled' raises when none "
                "does, 'loop' always runs the readable cell loop (Keras's 1 and 2 act as "
                "'auto').")
        self.cell = cell
        kind = type(self).__name__
        self.return_sequences = check_flag(kind, "return_sequences", return_sequences)
        self.return_state = check_flag(kind, "return_state", return_state)
        self.go_backwards = check_flag(kind, "go_backwards", go_backwards)
        self.stateful = check_flag(kind, "stateful", stateful)
        self.unroll = bool(unroll)          # accepted for Keras compatibility; no effect
        self.implementation = implementation
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.last_path: str | None = None   # "loop", "torch", "rnnkit" or "scan", every call
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
                initial_state: Sequence[Tensor] | Tensor | None = None, embedding=None):
        """embedding: the Embedding layer before this one, x then being its ids (Sequential
        passes it): when rnnkit's kernel runs the call, the lookup and the input product
        become one, z_t = (E W_x^T)[id_t] (see fold_embedding)."""
        outputs, state = self.sequence(x, mask, initial_state, self.return_sequences,
                                       embedding)
        if self.stateful:
            self._states = tuple(s.detach() for s in state)
        return self._keras_outputs(outputs, state)

    def sequence(self, x: Tensor, mask: Tensor | None = None,
                 initial_state: Sequence[Tensor] | Tensor | None = None,
                 all_outputs: bool = True, embedding=None) -> tuple[Tensor, State]:
        """Every step's output (B, T, H), in the order processed, and the final state: the
        layer's work before Keras's flags and the stateful carry. With all_outputs=False the
        masked steps' outputs are left at zero (only the final state is used), and are None
        when an inference batch ran in chunks (kernels.run)."""
        projected, path = False, None
        if embedding is not None:
            x, projected, path = self.fold_embedding(embedding, x, mask)
        if not projected:
            x = self._check_input(x)
        B, T, _ = x.shape
        mask = self._check_mask(mask, B, T, x.device)
        state = self._initial_state(B, x, initial_state)

        if self.go_backwards:
            x = x.flip(1)
            mask = None if mask is None else mask.flip(1)
        x = _dropout_over_time(x, self.cell.dropout, self.training)
        rec_mask = self._recurrent_dropout_mask(state[0])

        if path is None:                 # fold_embedding may have chosen already: same call
            path = kernels.choose(self, x, mask, self.training)
        if projected:
            path = kernels.Path(path.name, path.reason + "; the Embedding before it folded "
                                "into the input product, (E W_x^T)[ids]")
        # plain strings: set in __dict__ directly, past nn.Module.__setattr__'s checks for
        # parameters and submodules (a few µs a call, counted in a one-sample predict)
        self.__dict__["last_path"], self.__dict__["path_reason"] = path
        outputs, state = kernels.run(self, path, x, state, mask, rec_mask, projected,
                                     all_outputs)
        if mask is not None and all_outputs and not self.zero_output_for_mask:
            outputs = _repeat_last_output(outputs, mask)        # every path wrote zeros there
        return outputs, state

    def fold_embedding(self, embedding, ids: Tensor, mask: Tensor | None
                       ) -> tuple[Tensor, bool, kernels.Path | None]:
        """(the input for this layer, whether it is the input product already, the path for
        the call when deciding needed it, else None). The input product of embedded ids is a
        lookup in a product of the table: x_t W_x^T = E[id_t] W_x^T = (E W_x^T)[id_t]. With V
        ids in the table and B*T tokens in the batch, the table's product (V rows) replaces
        the tokens' (B*T rows) in the forward pass and in the two weight-gradient products of
        the backward pass. Taken when rnnkit's kernel runs the call and V < B*T; else the
        plain lookup, E[ids]. The lookup is time-major, as the kernel reads x and returns its
        gradient, so neither pass copies a (B, T, G) tensor across its axes."""
        ids = embedding.ids_of(ids)
        table = embedding.embeddings
        B, T = ids.shape
        spec = kernels.dispatch.kernel_spec(self.cell)
        if (self.built and spec.kind in ("simple_rnn", "lstm", "gru") and
                table.shape[0] < B * T and not (self.training and self.cell.dropout > 0)):
            probe = table.new_empty((B, T, 0))              # choose reads shape, dtype, device
            checked = self._check_mask(mask, B, T, ids.device)
            path = kernels.choose(self, probe, checked, self.training)
            if path.name == "rnnkit":
                projected = torch.nn.functional.embedding(ids.t(), table @ spec.weights[0].T)
                return projected.transpose(0, 1), True, path
            return torch.nn.functional.embedding(ids, table), False, path
        return torch.nn.functional.embedding(ids, table), False, None

    def _keras_outputs(self, outputs: Tensor, state: State):
        """The one place that applies return_sequences and return_state."""
        y = outputs if self.return_sequences else state[0]   # last output == final h
        return [y, *state] if self.return_state else y

    # -- the readable path -------------------------------------------------------------------
    def loop(self, x: Tensor, state: State, mask: Tensor | None,
             rec_mask: Tensor | None = None) -> tuple[Tensor, State]:
        """The readable path: one cell step per time step. Masked steps keep the state and
        output zeros; rec_mask (B, H) multiplies h_{t-1} in the recurrent product."""
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

    def _recurrent_dropout_mask(self, h: Tensor) -> Tensor | None:
        """Keras's recurrent dropout: one mask (B, H) on h_{t-1} for every step, drawn here
        so that every path gets the same one; None outside training or at rate 0."""
        rate = self.cell.recurrent_dropout
        if not self.training or rate == 0.0:
            return None
        keep = torch.empty(h.shape, device=h.device, dtype=h.dtype)
        return keep.bernoulli_(1.0 - rate).div_(1.0 - rate)

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


def folds_into(layer, following, x) -> bool:
    """Whether an Embedding and the recurrent layer after it may run as one call (Sequential
    and functional models ask; RNN.fold_embedding decides the rest): on a tensor of ids,
    nothing between the two that sees the embedded vectors (an activity regularizer, a mixed
    precision policy, a module hook), the recurrent layer built."""
    return (type(layer) is Embedding and isinstance(following, RNN) and following.built
            and isinstance(x, Tensor) and layer.activity_regularizer is None
            and following.activity_regularizer is None
            and layer.__dict__.get("_run_policy") is None
            and following.__dict__.get("_run_policy") is None
            and not (layer._forward_hooks or layer._forward_pre_hooks
                     or following._forward_hooks or following._forward_pre_hooks))
