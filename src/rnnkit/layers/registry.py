"""Layer classes by name, for saving and loading without pickle or code from the file."""
from __future__ import annotations

from typing import Any

from .base import Layer


def layer_classes() -> dict[str, type[Layer]]:
    from . import bidirectional, char_embedding, core, crf, gru, lstm, simple_rnn
    classes = [core.Dense, core.Embedding, core.Dropout, core.Masking, core.Activation,
               core.TimeDistributed, simple_rnn.SimpleRNN, lstm.LSTM, gru.GRU,
               bidirectional.Bidirectional, crf.CRF,
               char_embedding.CharCNNEmbedding]
    try:
        from . import min_rnn
        classes += [min_rnn.MinGRU, min_rnn.MinLSTM]
    except ImportError:
        pass
    return {c.__name__: c for c in classes}


def serialize(layer: Layer) -> dict[str, Any]:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(spec: dict[str, Any]) -> Layer:
    classes = layer_classes()
    name = spec.get("class_name") if isinstance(spec, dict) else None
    if name not in classes:
        raise ValueError(
            f"Unknown layer class {name!r} in the saved config. Known layers: "
            f"{', '.join(sorted(classes))}. Was the file written by a newer rnnkit?")
    config = spec.get("config", {})
    if not isinstance(config, dict):
        raise ValueError(f"Layer {name}: config must be a JSON object, got {type(config).__name__}.")
    config = {k: (tuple(v) if k == "input_shape" and v is not None else v)
              for k, v in config.items()}
    return classes[name].from_config(config)
