"""Lookup layers with Keras's names: StringLookup and IntegerLookup (tokens <-> indices),
CategoryEncoding (indices -> one-hot, multi-hot or counts).

The index layout is Keras's: with a mask token it takes index 0, then `num_oov_indices`
out-of-vocabulary indices, then the vocabulary; `adapt` ranks tokens by count, most frequent
first (ties: the larger token first, as Keras's sort does). With several OOV indices a token
goes to one by a CRC-32 of its text (Keras uses another hash: the buckets differ).

    chars = StringLookup(vocabulary=list("abc"), mask_token=None)
    chars(np.array([["a", "c", "z"]]))            # [[1, 3, 0]]: 0 is '[UNK]'
    back = StringLookup(vocabulary=chars.get_vocabulary(), invert=True, mask_token=None)
    back(torch.tensor([[1, 3]]))                  # [['a', 'c']] as a NumPy array

>>> ids = StringLookup(vocabulary=["a", "b"])
>>> ids(np.array(["b", "a", "?"])).tolist()
[2, 1, 0]
>>> IntegerLookup(vocabulary=[10, 20])(torch.tensor([20, 7])).tolist()
[2, 0]
>>> CategoryEncoding(num_tokens=3, output_mode="multi_hot")(torch.tensor([[0, 2]])).tolist()
[[1.0, 0.0, 1.0]]
"""
from __future__ import annotations

import collections
import zlib
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .base import Layer, Shape

_MODES = ("int", "one_hot", "multi_hot", "count")


def _encode(ids: Tensor, depth: int, mode: str) -> Tensor:
    """Indices (B,) or (B, T) -> one_hot (..., depth), or multi_hot/count (B, depth)."""
    if mode == "one_hot":
        return torch.nn.functional.one_hot(ids, depth).float()
    flat = ids if ids.dim() == 2 else ids[:, None]
    out = torch.zeros(flat.shape[0], depth, device=ids.device)
    out.scatter_add_(1, flat, torch.ones_like(flat, dtype=out.dtype))
    return out.clamp(max=1.0) if mode == "multi_hot" else out


class IndexLookup(Layer):
    """What StringLookup and IntegerLookup share: the vocabulary and the index layout."""

    oov_default: Any = "[UNK]"
    mask_default: Any = None

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token=None, oov_token=None, vocabulary=None, invert: bool = False,
                 output_mode: str = "int", *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True, **keras_only):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        what = type(self).__name__
        unknown = set(keras_only) - {"vocabulary_dtype", "idf_weights", "sparse", "pad_to_max_tokens",
                                     "encoding"}
        if unknown:
            raise TypeError(f"{what} got unexpected arguments {sorted(unknown)}.")
        if output_mode not in _MODES:
            raise ValueError(f"{what} output_mode must be one of {', '.join(_MODES)}, got "
                             f"{output_mode!r}.")
        if isinstance(num_oov_indices, bool) or not isinstance(num_oov_indices, int) or \
                num_oov_indices < 0:
            raise ValueError(f"{what} num_oov_indices must be an integer >= 0, got "
                             f"{num_oov_indices!r}.")
        if invert and output_mode != "int":
            raise ValueError(f"{what}(invert=True) maps indices back to tokens: output_mode "
                             f"must be 'int', got {output_mode!r}.")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token = mask_token
        self.oov_token = self.oov_default if oov_token is None else oov_token
        self.invert, self.output_mode = bool(invert), output_mode
        self.register_buffer("_device_anchor", torch.zeros(0), persistent=False)
        self.set_vocabulary([] if vocabulary is None else vocabulary)
        self.built = True

    # -- the vocabulary ---------------------------------------------------------------------
    def _specials(self) -> list:
        mask = [self.mask_token] if self.mask_token is not None and self.output_mode == "int" \
            else []
        return mask + [self.oov_token] * self.num_oov_indices

    def set_vocabulary(self, vocabulary) -> None:
        tokens = [self._token(t) for t in vocabulary]
        specials = self._specials()
        if tokens[:len(specials)] == specials and specials:
            tokens = tokens[len(specials):]        # get_vocabulary() output passed back in
        clash = [t for t in tokens if t == self.mask_token or t == self.oov_token]
        if clash:
            raise ValueError(f"{type(self).__name__} vocabulary holds the special token "
                             f"{clash[0]!r} (mask or OOV token) after the special positions.")
        if len(set(tokens)) != len(tokens):
            repeated = [t for t, n in collections.Counter(tokens).items() if n > 1][:3]
            raise ValueError(f"{type(self).__name__} vocabulary repeats {repeated}.")
        self.vocabulary = tokens
        start = len(specials)
        self.index = {t: start + i for i, t in enumerate(tokens)}

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        return (self._specials() if include_special_tokens else []) + list(self.vocabulary)

    def vocabulary_size(self) -> int:
        return len(self._specials()) + len(self.vocabulary)

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """The vocabulary from data: tokens by count, most frequent first."""
        counts = collections.Counter(self._token(t) for t in np.asarray(data, dtype=object)
                                     .ravel().tolist())
        counts.pop(self.mask_token, None)
        counts.pop(self.oov_token, None)
        ranked = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[:max(0, self.max_tokens - len(self._specials()))]
        self.set_vocabulary(ranked)

    # -- the call ---------------------------------------------------------------------------
    def forward(self, inputs, mask=None):
        if self.invert:
            return self._tokens_of(inputs)
        arr = self._array(inputs)
        oov = len(self._specials()) - self.num_oov_indices if self.num_oov_indices else None
        lookup = np.vectorize(lambda t: self._index_of(t, oov), otypes=[np.int64])
        ids = torch.as_tensor(lookup(arr) if arr.size else arr.astype(np.int64),
                              device=self._device_anchor.device)
        if self.output_mode == "int":
            return ids
        return _encode(ids, self.vocabulary_size(), self.output_mode)

    def _index_of(self, token, oov: int | None) -> int:
        token = self._token(token)
        if self.mask_token is not None and token == self.mask_token:
            return 0
        if token in self.index:
            return self.index[token]
        if oov is None:
            raise ValueError(f"{type(self).__name__} met {token!r}, which is not in its "
                             "vocabulary, and num_oov_indices=0 leaves no index for it.")
        if self.num_oov_indices == 1:
            return oov
        return oov + zlib.crc32(str(token).encode("utf-8")) % self.num_oov_indices

    def _tokens_of(self, ids) -> np.ndarray:
        table = np.array(self.get_vocabulary(), dtype=object)
        arr = ids.detach().cpu().numpy() if isinstance(ids, Tensor) else np.asarray(ids)
        if arr.size and (arr.min() < 0 or arr.max() >= len(table)):
            raise ValueError(f"{type(self).__name__}(invert=True) got index {int(arr.max())}; "
                             f"the vocabulary has {len(table)} entries.")
        return table[arr.astype(np.int64)]

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if self.output_mode == "one_hot":
            return (*input_shape, self.vocabulary_size())
        if self.output_mode in ("multi_hot", "count"):
            return (input_shape[0], self.vocabulary_size())
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "mask_token": self.mask_token,
                "oov_token": self.oov_token, "vocabulary": list(self.vocabulary),
                "invert": self.invert, "output_mode": self.output_mode}

    def get_weights(self) -> list[np.ndarray]:
        return []


class StringLookup(IndexLookup):
    """Strings -> indices (or back with invert=True). Inputs: a NumPy array or list of str."""

    @staticmethod
    def _token(t):
        return t.decode("utf-8") if isinstance(t, bytes) else t

    @staticmethod
    def _array(inputs) -> np.ndarray:
        if isinstance(inputs, Tensor):
            raise TypeError("StringLookup takes strings (a NumPy array or a list of str), got "
                            "a tensor. For integer tokens use IntegerLookup.")
        return np.asarray(inputs, dtype=object)


class IntegerLookup(IndexLookup):
    """Integers -> indices (or back with invert=True); the OOV token is -1, as in Keras."""

    oov_default = -1

    @staticmethod
    def _token(t):
        return int(t)

    @staticmethod
    def _array(inputs) -> np.ndarray:
        if isinstance(inputs, Tensor):
            return inputs.detach().cpu().numpy()
        return np.asarray(inputs)


class CategoryEncoding(Layer):
    """Integer categories -> one_hot (B, num_tokens), multi_hot or count (B, num_tokens)."""

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, int) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding num_tokens must be an integer >= 1, got "
                             f"{num_tokens!r}.")
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError(f"CategoryEncoding output_mode must be 'one_hot', 'multi_hot' or "
                             f"'count', got {output_mode!r}.")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, sparse
        self.built = True

    def forward(self, x: Tensor, mask=None) -> Tensor:
        ids = x.long()
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.num_tokens):
            raise ValueError(f"CategoryEncoding(num_tokens={self.num_tokens}) got category "
                             f"{int(ids.max()) if int(ids.max()) >= 0 else int(ids.min())}: "
                             f"values must be in [0, {self.num_tokens}).")
        if self.output_mode == "one_hot" and ids.dim() == 2 and ids.shape[1] == 1:
            ids = ids[:, 0]
        return _encode(ids, self.num_tokens, self.output_mode)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], self.num_tokens)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": self.sparse}
