"""Bidirectional: one recurrent layer reads forward, a copy reads backward, outputs merged."""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .base import Layer, Shape
from .recurrent import RNN

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """Run `layer` forward and a copy of it backward over time and merge the two outputs.

    Keeps `forward_layer` and `backward_layer` (the copy with go_backwards flipped). With
    return_sequences the backward outputs are reversed back so that step t of both lines up.
    merge_mode: 'concat' (B, ..., 2H), 'sum', 'mul', 'ave' (B, ..., H), or None for the list
    [forward, backward]. return_state adds the forward states, then the backward states.

    >>> from rnnkit.layers import LSTM
    >>> Bidirectional(LSTM(4))(torch.zeros(2, 5, 3)).shape
    torch.Size([2, 8])
    """

    supports_masking = True

    def __init__(self, layer: RNN, merge_mode: str | None = "concat",
                 backward_layer: RNN | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        if not isinstance(layer, RNN):
            raise TypeError(
                f"Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU), got "
                f"{type(layer).__name__}.")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"merge_mode must be one of {MERGE_MODES}, got {merge_mode!r}.")
        super().__init__(name=name or f"bidirectional_{layer.name}", input_shape=input_shape,
                         trainable=trainable)
        self.merge_mode = merge_mode
        self.forward_layer = layer
        if backward_layer is None:
            config = {**layer.get_config(), "go_backwards": not layer.go_backwards,
                      "name": f"backward_{layer.name}"}
            backward_layer = type(layer).from_config(config)
        elif backward_layer.return_sequences != layer.return_sequences:
            raise ValueError("backward_layer must have the same return_sequences as layer.")
        self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):    # Keras forces this: the two
            sub.zero_output_for_mask = sub.return_sequences     # lines merge step by step
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state

    def build(self, input_shape: Shape) -> None:
        self.forward_layer.maybe_build(input_shape)
        self.backward_layer.maybe_build(input_shape)

    def _build_for_weights(self, weights: list) -> None:
        """Keras's order: the forward layer's weights, then the backward layer's."""
        self.forward_layer._build_for_weights(weights)
        self.backward_layer._build_for_weights(weights)
        self.built = self.forward_layer.built and self.backward_layer.built

    def forward(self, x: Tensor, mask: Tensor | None = None, initial_state=None):
        n = len(self.forward_layer.cell.state_size)
        fw_state = bw_state = None
        if initial_state is not None:
            fw_state, bw_state = list(initial_state)[:n], list(initial_state)[n:]
        fw = self.forward_layer(x, mask=mask, initial_state=fw_state)
        bw = self.backward_layer(x, mask=mask, initial_state=bw_state)
        fw_states, bw_states = [], []
        if self.return_state:
            fw, *fw_states = fw
            bw, *bw_states = bw
        if self.return_sequences:
            bw = bw.flip(1)                                    # line step t up with step t
        y = self._merge(fw, bw)
        if self.return_state:
            return ([*y] if isinstance(y, list) else [y]) + fw_states + bw_states
        return y

    def _merge(self, fw: Tensor, bw: Tensor):
        if self.merge_mode == "concat":
            return torch.cat([fw, bw], dim=-1)
        if self.merge_mode == "sum":
            return fw + bw
        if self.merge_mode == "mul":
            return fw * bw
        if self.merge_mode == "ave":
            return (fw + bw) / 2
        return [fw, bw]

    @property
    def last_path(self) -> str | None:
        """The path both directions took ("rnnkit", ...), or "forward / backward" when they
        differ (e.g. "torch / loop")."""
        fw, bw = self.forward_layer.last_path, self.backward_layer.last_path
        return fw if fw == bw else f"{fw} / {bw}"

    @property
    def path_reason(self) -> str | None:
        fw, bw = self.forward_layer.path_reason, self.backward_layer.path_reason
        if fw is None and bw is None:
            return None
        return fw if fw == bw else f"forward: {fw}; backward: {bw}"

    def compute_mask(self, x: Tensor, mask: Tensor | None) -> Tensor | None:
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        shape = self.forward_layer.compute_output_shape(input_shape)
        if self.merge_mode == "concat":
            return tuple(shape[:-1]) + (2 * shape[-1],)
        return tuple(shape)

    def reset_states(self) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self) -> dict[str, Any]:
        from .registry import serialize
        return {**super().get_config(), "layer": serialize(self.forward_layer),
                "merge_mode": self.merge_mode,
                "backward_layer": serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Bidirectional":
        from .registry import deserialize
        config = dict(config)
        layer = deserialize(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        return cls(layer, backward_layer=deserialize(backward) if backward else None, **config)
