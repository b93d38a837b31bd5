"""Core layers: Input, Dense, Embedding, Dropout, Masking, Activation, TimeDistributed.

Shapes: B batch, T time steps, D input features, V vocabulary, E embedding size.

    >>> layer = Dense(4, activation="relu")
    >>> layer(torch.ones(2, 3)).shape
    torch.Size([2, 4])
    >>> embed = Embedding(10, 3, mask_zero=True)
    >>> ids = torch.tensor([[0, 0, 5, 6]])
    >>> embed(ids).shape, embed.compute_mask(ids, None)
    (torch.Size([1, 4, 3]), tensor([[False, False,  True,  True]]))
    >>> TimeDistributed(Dense(2))(torch.zeros(1, 4, 3)).shape
    torch.Size([1, 4, 2])
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import activations, initializers
from .base import Layer, Shape, _check_shape, check_features, check_flag, unique_name


class InputLayer(Layer):
    """A model's input: its shape without the batch axis, its dtype and, for stateful
    models, a fixed batch size. `Input(...)` makes one and returns its symbolic tensor."""

    def __init__(self, shape: Shape | None = None, batch_size: int | None = None,
                 dtype=None, batch_shape: Shape | None = None, name: str | None = None,
                 sparse: bool | None = None, *, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name or unique_name("input_layer"), trainable=trainable)
        if sparse:
            raise ValueError("Input(sparse=True): rnnkit has no sparse tensors; pass dense "
                             "arrays (and an Embedding layer for token ids).")
        given = [a for a, v in (("shape", shape), ("batch_shape", batch_shape),
                                ("input_shape", input_shape)) if v is not None]
        if len(given) != 1:
            raise ValueError(
                "Input needs exactly one of shape=(time, features) (without the batch axis) "
                f"or batch_shape=(batch, time, features); got {given or 'neither'}.")
        if batch_shape is not None:
            if isinstance(batch_shape, (str, bytes)) or not hasattr(batch_shape, "__len__") \
                    or len(batch_shape) < 1:
                raise ValueError(f"Input batch_shape must be a tuple such as (32, 10, 1), got "
                                 f"{batch_shape!r}.")
            batch_size = batch_shape[0] if batch_size is None else batch_size
            shape = tuple(batch_shape)[1:]
        shape = input_shape if shape is None else shape
        if isinstance(shape, int):
            shape = (shape,)
        if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
            raise ValueError(f"Input(shape=...) expects a tuple of sizes without the batch "
                             f"axis, such as (20, 1), got {shape!r}.")
        self.shape = _check_shape(shape, "Input shape")
        if any(d is not None and d <= 0 for d in self.shape):
            raise ValueError(f"Input shape sizes must be positive (None for any size), got "
                             f"{shape!r}.")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"Input batch_size must be a positive integer, got {batch_size!r}.")
        self.batch_size = batch_size
        from .base import _check_dtype
        self.dtype = _check_dtype(dtype) if dtype is not None else torch.float32
        self.built = True
        from .symbolic import KerasTensor
        self.output = KerasTensor((batch_size, *self.shape), self.dtype, name=self.name)
        self.output.input_layer = self

    def forward(self, x, mask=None):
        return x

    def __repr__(self) -> str:
        return f"InputLayer(shape={self.shape}, name={self.name!r})"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "batch_shape": [self.batch_size, *self.shape],
                "dtype": self.dtype if isinstance(self.dtype, str)
                else str(self.dtype).replace("torch.", "")}


def Input(shape: Shape | None = None, batch_size: int | None = None, dtype=None,  # noqa: N802
          batch_shape: Shape | None = None, name: str | None = None, sparse: bool | None = None,
          tensor=None):
    """A model input as a symbolic tensor (Keras's functional API):

        x = Input(shape=(20, 1))
        model = Model(x, Dense(1)(LSTM(32)(x)))

    In a Sequential it fixes the input shape: `Sequential([Input(shape=(20, 1)), LSTM(32)])`.
    """
    if tensor is not None:
        raise ValueError("Input(tensor=...) is not supported: build the model on Input(shape=...) "
                         "and call it on your tensor.")
    return InputLayer(shape, batch_size, dtype, batch_shape, name, sparse).output


class Dense(Layer):
    """Fully connected layer on the last axis.

        y = activation(x W^T + b)        W is (units, D), as in nn.Linear

    Shapes: (..., D) -> (..., units). Inputs of rank 3 apply the same weights at every step.
    """

    supports_masking = True
    _required_config_keys = ("units",)

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", *,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Dense units must be a positive integer, got {units!r}.")
        self.units = units
        self.activation = activations.get(activation)
        self.activation_name = activations.name_of(activation)
        self.use_bias = check_flag("Dense", "use_bias", use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        initializers.get(kernel_initializer), initializers.get(bias_initializer)

    def build(self, input_shape: Shape) -> None:
        D = input_shape[-1]
        if D is None:
            raise ValueError(f"Dense {self.name!r} needs a known last axis, got {input_shape}.")
        self.W = nn.Parameter(initializers.get(self.kernel_initializer)(torch.empty(self.units, D)))
        if self.use_bias:
            self.b = nn.Parameter(initializers.get(self.bias_initializer)(torch.empty(self.units)))
        else:
            self.register_parameter("b", None)

    def pre_activation(self, x: Tensor) -> Tensor:
        """x W^T + b: the logits when the activation is softmax or sigmoid."""
        if x.dim() < 2:
            raise ValueError(
                f"Dense {self.name!r} expects input of shape (batch, ..., features), got shape "
                f"{tuple(x.shape)}.")
        if not x.is_floating_point():
            x = x.float()
        self._build_from(x)
        if x.shape[-1] != self.W.shape[1]:
            raise ValueError(
                f"Dense {self.name!r} expects input with {self.W.shape[1]} features on the last "
                f"axis, got shape {tuple(x.shape)}.")
        return F.linear(x, self.W, self.b)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return self.activation(self.pre_activation(x))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[:-1]) + (self.units,)

    # Keras's layout: kernel (D, units) = W^T, bias (units,)
    def _own_keras_weights(self) -> list:
        if not self.built:
            return []
        return [t.detach().cpu().numpy().copy() for t in (self.W.T, self.b) if t is not None]

    def _set_own_keras_weights(self, weights: list) -> None:
        with torch.no_grad():
            self.W.copy_(torch.as_tensor(weights[0], dtype=self.W.dtype).T)
            if self.b is not None:
                self.b.copy_(torch.as_tensor(weights[1], dtype=self.b.dtype))

    def _build_for_weights(self, weights: list) -> None:
        if not self.built and weights and weights[0].ndim == 2:
            self.maybe_build((None, int(weights[0].shape[0])))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "activation": self.activation_name,
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer)}


class Embedding(Layer):
    """Token ids to vectors: a lookup in a (V, E) table.

    Shapes: (B, T) integer ids in [0, V) -> (B, T, E). With mask_zero, id 0 is padding and
    the mask it makes tells the recurrent layers after it which steps to skip.
    """

    _required_config_keys = ("input_dim", "output_dim")

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 mask_zero: bool = False, input_length: int | None = None, *,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        if input_shape is None and input_length is not None:
            input_shape = (input_length,)
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding {arg} must be a positive integer, got {value!r}.")
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = embeddings_initializer
        self.mask_zero = mask_zero
        self.input_length = input_length
        self.embeddings = nn.Parameter(
            initializers.get(embeddings_initializer)(torch.empty(input_dim, output_dim)))
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return F.embedding(self.ids_of(x), self.embeddings)

    def ids_of(self, x: Tensor) -> Tensor:
        """x as integer ids, checked to lie in [0, input_dim)."""
        if x.is_floating_point():
            if not torch.equal(x, x.round()):
                raise ValueError(
                    f"Embedding {self.name!r} expects integer token ids, got non-integer values "
                    f"of dtype {x.dtype}. Use Tokenizer.texts_to_sequences to make ids.")
            x = x.long()
        if x.numel():
            lo, hi = torch.aminmax(x)
            if lo < 0 or hi >= self.input_dim:
                raise ValueError(
                    f"Embedding {self.name!r} expects ids in [0, {self.input_dim}), got values in "
                    f"[{int(lo)}, {int(hi)}]. Raise input_dim to at least {int(hi) + 1} or "
                    f"cap the vocabulary (Tokenizer(num_words={self.input_dim})).")
        return x

    def compute_mask(self, x: Tensor, mask: Tensor | None) -> Tensor | None:
        return (x != 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim, "mask_zero": self.mask_zero,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "input_length": self.input_length}


class Dropout(Layer):
    """Zero a fraction `rate` of the inputs while training, scaling the rest by 1/(1-rate)."""

    supports_masking = True
    _required_config_keys = ("rate",)

    def __init__(self, rate: float, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)):
            raise TypeError(f"Dropout rate must be a number in [0, 1), such as 0.2, got "
                            f"{rate!r} ({type(rate).__name__}).")
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout rate must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return F.dropout(x, self.rate, self.training) if self.rate else x

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate}


class Masking(Layer):
    """Mark the time steps whose features all equal mask_value as padding.

    Shapes: (B, T, D) -> (B, T, D), with a (B, T) mask for the recurrent layers after it.
    """

    def __init__(self, mask_value: float = 0.0, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.mask_value = float(mask_value)
        self.built = True

    def compute_mask(self, x: Tensor, mask: Tensor | None) -> Tensor:
        return (x != self.mask_value).any(dim=-1)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        check_features(self, x, 3)
        if not x.is_floating_point():
            x = x.float()
        return x * self.compute_mask(x, None).unsqueeze(-1).to(x.dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}


class Activation(Layer):
    """Apply an activation by name: Activation('softmax')."""

    supports_masking = True
    _required_config_keys = ("activation",)

    def __init__(self, activation, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.activation = activations.get(activation)
        self.activation_name = activations.name_of(activation)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return self.activation(x)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": self.activation_name}


class TimeDistributed(Layer):
    """Apply a layer to every time step: (B, T, ...) -> layer on (B*T, ...) -> (B, T, ...)."""

    supports_masking = True

    def __init__(self, layer: Layer, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        if not isinstance(layer, Layer):
            raise TypeError(
                f"TimeDistributed wraps an rnnkit layer, got {type(layer).__name__}.")
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.layer = layer

    def build(self, input_shape: Shape) -> None:
        self.layer.maybe_build((None,) + tuple(input_shape[2:]))

    def _per_step(self, fn, x: Tensor) -> Tensor:
        if x.dim() < 3:
            check_features(self, x, 3)
        self._build_from(x)
        B, T = x.shape[:2]
        y = fn(x.reshape(B * T, *x.shape[2:]))
        return y.reshape(B, T, *y.shape[1:])

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return self._per_step(self.layer, x)

    def pre_activation(self, x: Tensor) -> Tensor:
        return self._per_step(self.layer.pre_activation, x)

    @property
    def activation_name(self) -> str | None:
        return getattr(self.layer, "activation_name", None)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def _build_for_weights(self, weights: list) -> None:
        self.layer._build_for_weights(weights)              # the weights are the inner layer's

    def get_config(self) -> dict[str, Any]:
        from .registry import serialize
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "TimeDistributed":
        from .registry import deserialize
        config = dict(config)
        return cls(deserialize(config.pop("layer")), **config)


class Identity(Layer):
    """y = x (Keras's Identity: a placeholder layer); passes the mask on."""

    supports_masking = True

    def __init__(self, *, name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.built = True

    def forward(self, x, mask=None):
        return x


class Rescaling(Layer):
    """y = x * scale + offset (Keras's Rescaling, e.g. Rescaling(1 / 255))."""

    supports_masking = True

    def __init__(self, scale: float, offset: float = 0.0, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        for arg, value in (("scale", scale), ("offset", offset)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"Rescaling {arg} must be a number, got {value!r}.")
        self.scale, self.offset = float(scale), float(offset)
        self.built = True

    def forward(self, x: Tensor, mask=None) -> Tensor:
        return x.float() * self.scale + self.offset if not x.is_floating_point() else \
            x * self.scale + self.offset

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
