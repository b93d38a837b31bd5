"""Layer classes by name, for saving and loading without pickle or code from the file."""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator

from .base import Layer

_custom_objects: contextvars.ContextVar[dict] = contextvars.ContextVar("custom_objects",
                                                                       default={})


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


def layer_classes() -> dict[str, type[Layer]]:
    from . import bidirectional, core, gru, lstm, ops_layers, simple_rnn
    classes = [core.Dense, core.Embedding, core.Dropout, core.Masking, core.Activation,
               core.TimeDistributed, simple_rnn.SimpleRNN, lstm.LSTM, gru.GRU,
               bidirectional.Bidirectional, ops_layers.GetItem, ops_layers.BinaryOp]
    # klayers: the plain layers (reshaping, convolution, pooling, merge, normalization, noise)
    from . import (activation_layers, conv_transpose, convolutional, lambda_layer, merging,
                   normalization, pooling, regularization, reshaping)
    classes += [reshaping.RepeatVector, reshaping.Flatten, reshaping.Reshape, reshaping.Permute,
                reshaping.UpSampling1D, reshaping.ZeroPadding1D, reshaping.Cropping1D,
                convolutional.Conv1D, convolutional.Conv2D, convolutional.Conv3D,
                conv_transpose.Conv1DTranspose,
                conv_transpose.Conv2DTranspose,
                pooling.MaxPooling1D, pooling.AveragePooling1D, pooling.MaxPooling2D,
                pooling.AveragePooling2D, pooling.GlobalMaxPooling1D,
                pooling.GlobalAveragePooling1D, pooling.GlobalMaxPooling2D,
                pooling.GlobalAveragePooling2D,
                merging.Add, merging.Subtract, merging.Multiply, merging.Average,
                merging.Maximum, merging.Minimum, merging.Concatenate, merging.Dot,
                normalization.BatchNormalization, normalization.LayerNormalization,
                regularization.SpatialDropout1D, regularization.SpatialDropout2D,
                regularization.GaussianNoise, regularization.GaussianDropout,
                regularization.ActivityRegularization, lambda_layer.Lambda,
                activation_layers.ReLU, activation_layers.LeakyReLU, activation_layers.ELU,
                activation_layers.PReLU, activation_layers.Softmax]
    # kattn: attention, ConvLSTM, Keras-style cells
    from . import attention, conv_lstm, keras_cells, multi_head_attention
    classes += [attention.Attention, attention.AdditiveAttention, conv_lstm.ConvLSTM1D,
                conv_lstm.ConvLSTM2D, conv_lstm.ConvLSTM3D,
                multi_head_attention.MultiHeadAttention, keras_cells.RNN,
                keras_cells.StackedRNNCells, simple_rnn.SimpleRNNCell, lstm.LSTMCell,
                gru.GRUCell]
    from . import preprocessing                           # kutils
    classes += [preprocessing.TextVectorization, preprocessing.Normalization]
    from . import char_embedding, crf                    # ner
    classes += [crf.CRF, char_embedding.CharCNNEmbedding]
    try:
        from . import min_rnn
        classes += [min_rnn.MinGRU, min_rnn.MinLSTM]
    except ImportError:
        pass
    return {c.__name__: c for c in classes}


def model_classes() -> dict[str, type]:
    from ..models.functional import Functional
    from ..models.sequential import Sequential
    return {"Sequential": Sequential, "Functional": Functional}


def serialize(layer: Layer) -> dict[str, Any]:
    name = type(layer).__name__
    from ..models.training import Model
    if isinstance(layer, Model) and name not in model_classes():
        raise TypeError(
            f"Cannot save the subclassed model {name!r} as a layer of another model: its "
            "call() is Python code, which rnnkit files never hold. Use a Sequential or "
            "functional model inside, or save the weights alone (save_weights).")
    return {"class_name": name, "config": layer.get_config()}


def deserialize(spec: dict[str, Any], safe_mode: bool = True, custom_objects=None) -> Layer:
    classes = {**layer_classes(), **model_classes(), **_custom_objects.get(),
               **(custom_objects or {})}
    name = spec.get("class_name") if isinstance(spec, dict) else None
    if name not in classes:
        raise ValueError(
            f"Unknown layer class {name!r} in the saved config. Known layers: "
            f"{', '.join(sorted(classes))}. A layer of your own needs "
            f"custom_objects={{{name!r}: {name}}} when loading.")
    config = spec.get("config", {})
    if not isinstance(config, dict):
        raise ValueError(f"Layer {name}: config must be a JSON object, got {type(config).__name__}.")
    config = {k: (tuple(v) if k == "input_shape" and v is not None else v)
              for k, v in config.items()}
    cls = classes[name]
    if name in ("Functional", "Sequential") or getattr(cls, "needs_safe_mode", False):
        return cls.from_config(config, safe_mode=safe_mode)
    return cls.from_config(config)
