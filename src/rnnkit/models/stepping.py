"""One time step at a time, state carried: the fast way to generate from a trained model.

Keras programs generate text by calling `model.predict` on the last 40 characters for
every new character, which reruns 40 steps of the recurrence each time. A recurrent model
only needs the new character and the state it carried:

    step = Stepper(model)                  # model: Embedding/Input -> LSTM/GRU/... -> Dense
    probs = step.warm_up(seed)             # seed (B, T[, D]): run the prompt, keep the state
    for _ in range(400):
        probs = step(next_x)               # next_x (B[, D]): one step, (B, classes) out

Per step and recurrent layer this is one fused cell call (torch.lstm_cell, gru_cell,
rnn_tanh_cell / rnn_relu_cell with the layer's own weights), or the layer's cell (the
readable path) where no fused cell applies; every other layer (Embedding, Dense,
Dropout, Activation, ...) sees the step as a batch of vectors (B, D). The outputs equal
`model.predict` on the whole sequence (tests/models/test_stepping.py holds them to 1e-5).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .. import config
from ..layers.recurrent import RNN

# Shapes: B batch, T time steps, D input features, H hidden units.


class Stepper:
    """A Sequential model run one time step per call, with each recurrent layer's state
    (h, or h and c) carried between calls. `reset()` starts new sequences."""

    def __init__(self, model) -> None:
        layers = list(getattr(model, "layers", []))
        if type(model).__name__ != "Sequential" or not layers:
            raise ValueError(
                f"Stepper runs a Sequential model layer by layer, got {type(model).__name__}. "
                "Rebuild the model as Sequential([...]) with the same layers (set_weights "
                "copies the weights), or call model.predict on the whole sequence.")
        for layer in layers:
            if isinstance(layer, RNN) and layer.go_backwards:
                raise ValueError(
                    f"{type(layer).__name__} {layer.name!r} has go_backwards=True: it reads "
                    "the sequence from its end, so it cannot run one new step at a time.")
            if not isinstance(layer, RNN) and type(layer).__name__ in ("Bidirectional",
                                                                    "Conv1D", "Flatten"):
                raise ValueError(
                    f"{type(layer).__name__} {layer.name!r} needs the whole sequence: "
                    "Stepper takes Embedding, recurrent, Dense, Dropout and other per-step "
                    "layers. Use model.predict on the whole sequence instead.")
        self.model, self.layers = model, layers
        self.states: list[tuple[Tensor, ...] | None] = [None] * len(layers)

    def reset(self) -> None:
        """Forget the carried states: the next step starts new sequences."""
        self.states = [None] * len(self.layers)

    @torch.no_grad()
    def warm_up(self, seed) -> np.ndarray:
        """Run the sequence seed (B, T[, D]) step by step; returns the last step's output."""
        config.apply()                          # threads: see rnnkit.config
        x = self._tensor(seed)
        out = None
        for t in range(x.shape[1]):
            out = self._step(x[:, t])
        return _numpy(out)

    @torch.no_grad()
    def __call__(self, x_t) -> np.ndarray:
        """One step: x_t (B,) ids or (B, D) features -> the model's output (B, ...)."""
        return _numpy(self._step(self._tensor(x_t)))

    def step_tensor(self, x_t: Tensor) -> Tensor:
        """One step on a tensor, no conversion, output as a tensor (for loops in torch)."""
        with torch.no_grad():
            return self._step(x_t)

    # -- the step ---------------------------------------------------------------------------
    def _tensor(self, x) -> Tensor:
        t = x if isinstance(x, Tensor) else torch.as_tensor(np.asarray(x))
        if t.is_floating_point():
            t = t.to(self.model.dtype)
        elif not self.model._takes_token_ids():
            t = t.to(self.model.dtype)
        else:
            t = t.long()
        return t.to(self.model.device)

    def _step(self, x: Tensor) -> Tensor:
        if self.model.training:
            self.model.eval()
        for i, layer in enumerate(self.layers):
            if isinstance(layer, RNN):
                x, self.states[i] = _rnn_step(layer, x, self.states[i])
            else:
                x = layer(x)
        return x


def _rnn_step(layer: RNN, x_t: Tensor, state):
    """One step of a recurrent layer: (output (B, H), new state)."""
    cell = layer.cell
    if state is None:
        state = tuple(x_t.new_zeros(x_t.shape[0], layer.units, dtype=x_t.dtype
                                    if x_t.is_floating_point() else None)
                      for _ in range(len(cell.state_size)))
    kernel = getattr(cell, "fused_kernel", None)
    if kernel is not None and cell.fused_blocker() is None:
        weights, _ = cell.fused_weights()
        fused_cell = getattr(torch, f"{kernel}_cell")        # torch.lstm_cell, gru_cell, ...
        if kernel == "lstm":
            h, c = fused_cell(x_t, state, *weights)
            return h, (h, c)
        h = fused_cell(x_t, state[0], *weights)
        return h, (h,)
    out, new_state = cell(x_t, state)
    return out, tuple(new_state)


def _numpy(t: Tensor) -> np.ndarray:
    return (t.float() if t.dtype in (torch.bfloat16, torch.float16) else t).cpu().numpy()
