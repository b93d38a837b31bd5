"""BatchNormalization and LayerNormalization, with Keras's defaults (epsilon 1e-3).

Shapes: B batch, T time steps, C features (the normalised axis).

BatchNormalization normalises each feature over the batch (and time) axes:

    training:   mu, var = mean and biased variance of x over every axis but `axis`
                moving_mean     <- momentum * moving_mean     + (1 - momentum) * mu
                moving_variance <- momentum * moving_variance + (1 - momentum) * var
    inference:  mu, var = moving_mean, moving_variance
    y = gamma * (x - mu) / sqrt(var + epsilon) + beta

Keras's momentum is the weight of the *old* statistic (0.99); PyTorch's is the weight of the
new one (0.1) and PyTorch keeps the unbiased variance: rnnkit follows Keras. A layer with
trainable=False also uses the moving statistics in training (Keras's rule for fine-tuning).
With a mask, the statistics are taken over the real steps only.

LayerNormalization normalises each sample over its feature axis (or axes):

    y = gamma * (x - mean_axis(x)) / sqrt(var_axis(x) + epsilon) + beta

Weights are stored in PyTorch's natural form: gamma and beta as parameters, the moving
statistics as buffers (in state_dict, not in parameters()). get_weights returns Keras's list:
[gamma, beta, moving_mean, moving_variance] (gamma/beta left out when scale/center is False).

    >>> norm = LayerNormalization()
    >>> y = norm(torch.tensor([[1.0, 2.0, 3.0]])).detach()
    >>> [round(v, 3) for v in y[0].tolist()]
    [-1.224, 0.0, 1.224]
    >>> BatchNormalization()(torch.zeros(4, 6, 3)).shape
    torch.Size([4, 6, 3])
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import initializers
from .base import Layer, Shape


def _check_float(layer: str, arg: str, value, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{layer} {arg} must be a number, got {value!r} "
                        f"({type(value).__name__}).")
    if value < low or (high is not None and value > high):
        span = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{layer} {arg} must be in {span}, got {value}.")
    return float(value)


def _init(identifier, shape: tuple) -> Tensor:
    return initializers.get(identifier)(torch.empty(shape))


def _set_keras_weights(layer: Layer, names: list[str], weights: list) -> None:
    """Copy Keras-ordered arrays into the named tensors, building the layer if needed."""
    what = f"{type(layer).__name__} {layer.name!r}"
    if len(weights) != len(names):
        raise ValueError(f"{what} expects {len(names)} weight arrays ({', '.join(names)}, in "
                         f"Keras's order), got {len(weights)}.")
    arrays = [np.asarray(w, dtype=np.float32) for w in weights]
    if not layer.built:
        layer._build_for_weights(arrays[0].shape)
    for name, array in zip(names, arrays):
        target = getattr(layer, name)
        if tuple(array.shape) != tuple(target.shape):
            raise ValueError(f"{what}: {name} of shape {tuple(target.shape)} expected, got "
                             f"{tuple(array.shape)}.")
        with torch.no_grad():
            target.copy_(torch.as_tensor(array))


class BatchNormalization(Layer):
    """Normalise each feature with batch statistics while training, moving ones after.

        y = gamma * (x - mu) / sqrt(var + epsilon) + beta

    See the module docstring for the update rule. Shapes: any rank, unchanged; `axis` is the
    feature axis (default -1). Masks pass through.
    """

    supports_masking = True

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", renorm: bool = False,
                 renorm_clipping: dict | None = None, renorm_momentum: float = 0.99,
                 synchronized: bool = False, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if renorm or synchronized:
            raise ValueError(
                f"BatchNormalization with {'renorm' if renorm else 'synchronized'}=True is not "
                "supported by rnnkit (Keras's batch renormalization / cross-device statistics); "
                "the layer takes the standard moving statistics only.")
        self.renorm_clipping, self.renorm_momentum = renorm_clipping, float(renorm_momentum)
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]                          # tf.keras 2 files write the axis as [-1]
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"BatchNormalization axis must be one integer (the feature axis), "
                            f"got {axis!r}.")
        self.axis = axis
        self.momentum = _check_float("BatchNormalization", "momentum", momentum, 0.0, 1.0)
        self.epsilon = _check_float("BatchNormalization", "epsilon", epsilon, 0.0)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        for identifier in (beta_initializer, gamma_initializer, moving_mean_initializer,
                           moving_variance_initializer):
            initializers.get(identifier)

    def build(self, input_shape: Shape) -> None:
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} is out of range "
                             f"for inputs of shape {tuple(input_shape)}.")
        C = input_shape[self.axis]
        if C is None:
            raise ValueError(f"BatchNormalization {self.name!r} needs a known size on axis "
                             f"{self.axis}, got input shape {tuple(input_shape)}.")
        self._build_for_weights((C,))

    def _build_for_weights(self, shape: tuple) -> None:
        self.gamma = nn.Parameter(_init(self.gamma_initializer, shape)) if self.scale else None
        self.beta = nn.Parameter(_init(self.beta_initializer, shape)) if self.center else None
        self.register_buffer("moving_mean", _init(self.moving_mean_initializer, shape))
        self.register_buffer("moving_variance", _init(self.moving_variance_initializer, shape))
        self.built = True
        if not self.trainable:
            self.requires_grad_(False)

    def _broadcast(self, v: Tensor | None, x: Tensor) -> Tensor | None:
        """(C,) -> a shape that lines up with x's feature axis."""
        if v is None:
            return None
        shape = [1] * x.dim()
        shape[self.axis] = -1
        return v.reshape(shape)

    def _moments(self, x: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
        """Mean and biased variance of x over every axis but `axis`, real steps only."""
        axes = [a for a in range(x.dim()) if a != self.axis % x.dim()]
        if mask is None:
            var, mean = torch.var_mean(x, dim=axes, correction=0)
            return mean, var
        if mask.dim() != x.dim() - 1:
            raise ValueError(f"BatchNormalization {self.name!r} takes a mask with one axis less "
                             f"than its input, got mask {tuple(mask.shape)} for input "
                             f"{tuple(x.shape)}.")
        m = mask.unsqueeze(-1).expand_as(x).to(x.dtype)
        count = m.sum(dim=axes) + 1e-7                      # Keras adds backend.epsilon()
        mean = (x * m).sum(dim=axes) / count
        var = ((x - self._broadcast(mean, x)) ** 2 * m).sum(dim=axes) / count
        return mean, var

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if not x.is_floating_point():
            x = x.float()
        self._build_from(x)
        if x.shape[self.axis] != self.moving_mean.shape[0]:
            raise ValueError(f"BatchNormalization {self.name!r} was built for "
                             f"{self.moving_mean.shape[0]} features on axis {self.axis}, got "
                             f"input shape {tuple(x.shape)}.")
        if self.training and self.trainable:
            mean, var = self._moments(x, mask)
            with torch.no_grad():                           # Keras's momentum: weight of the old
                self.moving_mean.mul_(self.momentum).add_((1 - self.momentum) * mean)
                self.moving_variance.mul_(self.momentum).add_((1 - self.momentum) * var)
        else:
            mean, var = self.moving_mean, self.moving_variance
        y = (x - self._broadcast(mean, x)) * torch.rsqrt(self._broadcast(var, x) + self.epsilon)
        if self.scale:
            y = y * self._broadcast(self.gamma, x)
        if self.center:
            y = y + self._broadcast(self.beta, x)
        return y

    def _weight_names(self) -> list[str]:
        return (["gamma"] if self.scale else []) + (["beta"] if self.center else []) + [
            "moving_mean", "moving_variance"]

    def count_params(self) -> int:
        """Keras counts the moving statistics too (as non-trainable weights): 4C, not 2C."""
        return sum(w.size for w in self.get_weights())

    def get_weights(self) -> list[np.ndarray]:
        """[gamma, beta, moving_mean, moving_variance], as Keras lists them."""
        if not self.built:
            return []
        return [getattr(self, n).detach().cpu().numpy().copy() for n in self._weight_names()]

    def set_weights(self, weights: list) -> None:
        _set_keras_weights(self, self._weight_names(), weights)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": self.beta_initializer,
                "gamma_initializer": self.gamma_initializer,
                "moving_mean_initializer": self.moving_mean_initializer,
                "moving_variance_initializer": self.moving_variance_initializer,
                "renorm": False, "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum, "synchronized": False}


class LayerNormalization(Layer):
    """Normalise each sample over its feature axis (or axes), then scale and shift.

        y = gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta     over `axis`

    Shapes: unchanged; gamma and beta have the sizes of the normalised axes. Trailing axes
    run F.layer_norm; other axes the same formula written out. Masks pass through.
    """

    supports_masking = True

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", *,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        axes = [axis] if isinstance(axis, int) and not isinstance(axis, bool) else axis
        if not isinstance(axes, (list, tuple)) or not axes or not all(
                isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise TypeError(f"LayerNormalization axis must be an integer or a list of integers, "
                            f"got {axis!r}.")
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = _check_float("LayerNormalization", "epsilon", epsilon, 0.0)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        initializers.get(beta_initializer), initializers.get(gamma_initializer)

    def _axes(self, rank: int) -> list[int]:
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        if not all(-rank <= a < rank for a in axes):
            raise ValueError(f"LayerNormalization {self.name!r}: axis {self.axis} is out of "
                             f"range for inputs of rank {rank}.")
        return sorted(a % rank for a in axes)

    def build(self, input_shape: Shape) -> None:
        shape = tuple(input_shape[a] for a in self._axes(len(input_shape)))
        if None in shape:
            raise ValueError(f"LayerNormalization {self.name!r} needs known sizes on axis "
                             f"{self.axis}, got input shape {tuple(input_shape)}.")
        self._build_for_weights(shape)

    def _build_for_weights(self, shape: tuple) -> None:
        self.normalized_shape = tuple(int(d) for d in shape)    # plain ints: ONNX export
        self.gamma = nn.Parameter(_init(self.gamma_initializer, shape)) if self.scale else None
        self.beta = nn.Parameter(_init(self.beta_initializer, shape)) if self.center else None
        self.built = True
        if not self.trainable:
            self.requires_grad_(False)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if not x.is_floating_point():
            x = x.float()
        self._build_from(x)
        axes, sizes = self._axes(x.dim()), self.normalized_shape
        if tuple(x.shape[a] for a in axes) != sizes:
            raise ValueError(f"LayerNormalization {self.name!r} was built for sizes {sizes} "
                             f"on axis {self.axis}, got input shape {tuple(x.shape)}.")
        if axes == list(range(x.dim() - len(axes), x.dim())):         # trailing axes
            return F.layer_norm(x, sizes, self.gamma, self.beta, self.epsilon)
        var, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=True)
        y = (x - mean) * torch.rsqrt(var + self.epsilon)
        shape = [sizes[axes.index(a)] if a in axes else 1 for a in range(x.dim())]
        if self.scale:
            y = y * self.gamma.reshape(shape)
        if self.center:
            y = y + self.beta.reshape(shape)
        return y

    def get_weights(self) -> list[np.ndarray]:
        """[gamma, beta], as Keras lists them."""
        if not self.built:
            return []
        return [getattr(self, n).detach().cpu().numpy().copy() for n in self._weight_names()]

    def _weight_names(self) -> list[str]:
        return (["gamma"] if self.scale else []) + (["beta"] if self.center else [])

    def set_weights(self, weights: list) -> None:
        _set_keras_weights(self, self._weight_names(), weights)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": self.beta_initializer,
                "gamma_initializer": self.gamma_initializer}
