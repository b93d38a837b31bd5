"""Preprocessing layers with Keras's names: TextVectorization (strings -> token ids or
bag-of-words vectors) and Normalization (features -> zero mean, unit variance), both with
`adapt(data)`.

    vectorize = TextVectorization(max_tokens=10_000, output_sequence_length=40)
    vectorize.adapt(train_texts)
    model = Sequential([vectorize, Embedding(10_000, 64, mask_zero=True), LSTM(32), Dense(1)])

Shapes: B batch, T tokens, V vocabulary, D features.

    >>> vectorize = TextVectorization(output_sequence_length=4)
    >>> vectorize.adapt(["the cat sat", "the dog ran"])
    >>> vectorize.get_vocabulary()[:3]
    ['', '[UNK]', 'the']
    >>> vectorize(["the cat"]).tolist()
    [[2, 6, 0, 0]]
    >>> norm = Normalization()
    >>> norm.adapt(np.array([[1.0], [3.0]]))
    >>> norm(torch.tensor([[1.0], [3.0]])).flatten().tolist()
    [-1.0, 1.0]
"""
from __future__ import annotations

import collections
import math
import re
from typing import Any, Callable, Iterable

import numpy as np
import torch
from torch import Tensor

from .base import Layer, Shape

# Keras's DEFAULT_STRIP_REGEX: ASCII punctuation
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
PAD, OOV = "", "[UNK]"
_BUILT_IN = {"standardize": "lower_and_strip_punctuation", "split": "whitespace"}


def _batches(data) -> Iterable:
    """The batches of an adapt() argument: one array, or an iterable (Dataset) of batches."""
    if isinstance(data, (str, bytes, np.ndarray, Tensor)) or (
            isinstance(data, (list, tuple)) and (not data or not _is_batch_like(data[0]))):
        return [data]
    return data


def _is_batch_like(item) -> bool:
    return isinstance(item, (np.ndarray, Tensor, list, tuple)) and not isinstance(item, str)


def _strings(batch) -> list[str]:
    """A batch of texts, shape (B,) or (B, 1), as a list of Python strings."""
    if isinstance(batch, (str, bytes)):
        batch = [batch]
    arr = np.asarray(batch, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"TextVectorization expects a batch of strings of shape (batch,) or "
                         f"(batch, 1), got shape {arr.shape}.")
    return [s.decode("utf-8") if isinstance(s, bytes) else str(s) for s in arr]


class TextVectorization(Layer):
    """Strings -> tokens -> ids, as Keras's layer of the same name.

        standardize   'lower_and_strip_punctuation' (default), 'lower', 'strip_punctuation',
                      None or a function str -> str
        split         'whitespace' (default), 'character', None or a function str -> list
        ngrams        None, n (all 1..n-grams) or a tuple of widths, joined by spaces
        output_mode   'int':       (B, T) ids; 0 is padding, 1 the OOV token '[UNK]'
                      'multi_hot': (B, V) 1 where a token occurs; 0 is '[UNK]'
                      'count':     (B, V) occurrences
                      'tf_idf':    (B, V) count * idf, idf = log(1 + N / (1 + n_t)) from adapt

    adapt() ranks tokens by frequency (ties in reverse alphabetical order, as Keras) and keeps
    the first max_tokens (special tokens included). The vocabulary is in get_config(), so a
    saved model keeps it. Inputs are strings: a list, a NumPy array or a Dataset batch.
    """

    accepts_strings = True

    def __init__(self, max_tokens: int | None = None,
                 standardize: str | Callable | None = "lower_and_strip_punctuation",
                 split: str | Callable | None = "whitespace", ngrams=None,
                 output_mode: str = "int", output_sequence_length: int | None = None,
                 pad_to_max_tokens: bool = False, vocabulary=None, idf_weights=None,
                 sparse: bool = False, ragged: bool = False, encoding: str = "utf-8", *,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True, vocabulary_size: int | None = None):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if output_mode not in ("int", "multi_hot", "count", "tf_idf"):
            raise ValueError(f"TextVectorization output_mode must be 'int', 'multi_hot', "
                             f"'count' or 'tf_idf', got {output_mode!r}.")
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 2):
            raise ValueError(f"TextVectorization max_tokens must be None or an integer > 1 "
                             f"(it counts the padding and OOV tokens), got {max_tokens!r}.")
        if standardize not in (None, "lower", "strip_punctuation",
                               "lower_and_strip_punctuation") and not callable(standardize):
            raise ValueError(f"TextVectorization standardize must be None, 'lower', "
                             f"'strip_punctuation', 'lower_and_strip_punctuation' or a "
                             f"function, got {standardize!r}.")
        if split not in (None, "whitespace", "character") and not callable(split):
            raise ValueError(f"TextVectorization split must be None, 'whitespace', 'character' "
                             f"or a function, got {split!r}.")
        if ragged:
            raise ValueError("TextVectorization(ragged=True) is not supported: rnnkit returns "
                             "padded ids. Use output_sequence_length or Embedding(mask_zero=True).")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError("output_sequence_length applies to output_mode='int' only, got "
                             f"output_mode={output_mode!r}.")
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else (
            tuple(ngrams) if ngrams is not None else None)
        self._ngrams_arg = list(ngrams) if isinstance(ngrams, (list, tuple)) else ngrams
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.pad_to_max_tokens, self.sparse, self.encoding = pad_to_max_tokens, sparse, encoding
        self.idf: np.ndarray | None = None
        self.set_vocabulary(vocabulary or [], idf_weights)
        # no weights, so a buffer tells which device model.to(...) chose for the outputs
        self.register_buffer("_device_anchor", torch.zeros(0), persistent=False)
        self.built = True

    # -- text -> tokens ---------------------------------------------------------------------
    def _standardize(self, text: str) -> str:
        if callable(self.standardize):
            return self.standardize(text)
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.lower()
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = _PUNCTUATION.sub("", text)
        return text

    def tokens(self, text: str) -> list[str]:
        """One text's tokens after standardize, split and ngrams."""
        text = self._standardize(text)
        if self.split is None:
            words = [text]
        elif self.split == "whitespace":
            words = text.split()
        elif self.split == "character":
            words = list(text)
        else:
            words = [str(w) for w in self.split(text)]
        if self.ngrams is None:
            return words
        return [" ".join(words[i:i + n]) for n in self.ngrams for i in range(len(words) - n + 1)]

    # -- vocabulary -------------------------------------------------------------------------
    @property
    def _specials(self) -> list[str]:
        return [PAD, OOV] if self.output_mode == "int" else [OOV]

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use these tokens (special tokens, if at the front, are recognised and kept once)."""
        tokens = [str(t) for t in _read_vocabulary(vocabulary)]
        for special in self._specials:
            if tokens and tokens[0] == special:
                tokens = tokens[1:]
        if len(set(tokens)) != len(tokens):
            dup = [t for t, c in collections.Counter(tokens).items() if c > 1][:3]
            raise ValueError(f"TextVectorization vocabulary has repeated tokens {dup}.")
        self.vocabulary = tokens
        self.index = {t: i + len(self._specials) for i, t in enumerate(tokens)}
        if self.output_mode == "tf_idf" and tokens:
            if idf_weights is None:
                raise ValueError("TextVectorization(output_mode='tf_idf') with a vocabulary "
                                 "needs idf_weights, one per token (or call adapt()).")
            idf = np.asarray(idf_weights, dtype=np.float32)
            if len(idf) == len(tokens) + 1:              # given with the OOV weight in front
                idf = idf[1:]
            if len(idf) != len(tokens):
                raise ValueError(f"idf_weights has {len(idf)} values for {len(tokens)} tokens.")
            self.idf = np.concatenate([[idf.mean()], idf]).astype(np.float32)  # OOV: the mean

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Build the vocabulary (and idf) from texts: an array, a list or a Dataset of them."""
        counts: collections.Counter = collections.Counter()
        doc_counts: collections.Counter = collections.Counter()
        n_docs = 0
        for step, batch in enumerate(_batches(data)):
            if steps is not None and step >= steps:
                break
            if isinstance(batch, tuple):
                raise ValueError("TextVectorization.adapt expects texts only, got (x, y) pairs. "
                                 "Pass ds.map(lambda x, y: x).")
            for text in _strings(batch):
                toks = self.tokens(text)
                counts.update(toks)
                doc_counts.update(set(toks))
                n_docs += 1
        for special in (PAD, OOV):
            counts.pop(special, None)
        ranked = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[:self.max_tokens - len(self._specials)]
        idf = None
        if self.output_mode == "tf_idf":
            idf = [math.log(1 + n_docs / (1 + doc_counts[t])) for t in ranked]
        self.set_vocabulary(ranked, idf)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        return (self._specials if include_special_tokens else []) + list(self.vocabulary)

    def vocabulary_size(self) -> int:
        return len(self._specials) + len(self.vocabulary)

    # -- strings -> tensors -----------------------------------------------------------------
    def _width(self) -> int:
        if self.pad_to_max_tokens and self.max_tokens is not None:
            return self.max_tokens
        return self.vocabulary_size()

    def forward(self, inputs, mask=None) -> Tensor:
        single = isinstance(inputs, (str, bytes))
        texts = _strings(inputs)
        ids = [[self.index.get(t, 1 if self.output_mode == "int" else 0) for t in self.tokens(s)]
               for s in texts]
        out = self._ids_tensor(ids) if self.output_mode == "int" else self._bag_tensor(ids)
        out = out.to(self._device_anchor.device)
        return out[0] if single else out

    def _ids_tensor(self, ids: list[list[int]]) -> Tensor:
        """(B, T) ids, padded with 0 after the text or cut to output_sequence_length."""
        T = self.output_sequence_length or max((len(r) for r in ids), default=0)
        out = torch.zeros(len(ids), T, dtype=torch.long)
        for b, row in enumerate(ids):
            row = row[:T]
            out[b, :len(row)] = torch.tensor(row, dtype=torch.long)
        return out

    def _bag_tensor(self, ids: list[list[int]]) -> Tensor:
        """(B, V) multi-hot, counts or tf-idf."""
        out = torch.zeros(len(ids), self._width())
        for b, row in enumerate(ids):
            if row:
                out[b].index_add_(0, torch.tensor(row), torch.ones(len(row)))
        if self.output_mode == "multi_hot":
            return (out > 0).float()
        if self.output_mode == "tf_idf":
            idf = torch.zeros(self._width())
            idf[:len(self.idf)] = torch.from_numpy(self.idf)
            return out * idf
        return out

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        return (input_shape[0], self._width())

    def get_config(self) -> dict[str, Any]:
        idf = None if self.idf is None else self.idf[1:].tolist()
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "standardize": _function_marker(self.standardize),
                "split": _function_marker(self.split), "ngrams": self._ngrams_arg,
                "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": self.pad_to_max_tokens, "vocabulary": list(self.vocabulary),
                "idf_weights": idf, "sparse": self.sparse, "encoding": self.encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "TextVectorization":
        for key in ("standardize", "split"):
            if isinstance(config.get(key), dict):
                raise ValueError(
                    f"This TextVectorization was saved with the custom {key} function "
                    f"{config[key].get('function')!r}; a model file never holds code. Make the "
                    f"layer again with {key}=your function and "
                    "vocabulary=config['vocabulary'], or use a built-in "
                    f"{key} such as {_BUILT_IN[key]!r}.")
        return cls(**config)

    def get_weights(self) -> list[np.ndarray]:
        return []

    def set_weights(self, weights: list) -> None:
        if weights:
            raise ValueError(f"TextVectorization has no weights, got {len(weights)} arrays. "
                             "Use set_vocabulary() for its vocabulary.")


def _function_marker(value):
    """A built-in name stays; a function is named in the config (never stored as code)."""
    if callable(value):
        return {"function": getattr(value, "__name__", repr(value))}
    return value


def _read_vocabulary(vocabulary) -> list:
    """A vocabulary given as a list, or as the path of a file of one token a line (Keras)."""
    if isinstance(vocabulary, (str, bytes)) or hasattr(vocabulary, "__fspath__"):
        with open(vocabulary, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f if line.rstrip("\n")]
    return list(vocabulary)


class Normalization(Layer):
    """Features to zero mean and unit variance, with statistics from adapt() or given:

        y = (x - mean) / max(sqrt(variance), 1e-7)        invert=True: y = x * sqrt(var) + mean

    `axis` names the axes that keep their own statistics (default -1: one mean per feature);
    the mean and variance run over all other axes. Shapes: (B, ..., D) -> same.
    """

    supports_masking = True

    def __init__(self, axis: int | tuple | None = -1, mean=None, variance=None,
                 invert: bool = False, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.axis = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.invert = invert
        if (mean is None) != (variance is None):
            raise ValueError("Normalization needs both mean and variance, or neither (then "
                             "call adapt()).")
        self.mean_arg, self.variance_arg = mean, variance
        self.register_buffer("mean", None)
        self.register_buffer("variance", None)
        self.register_buffer("count", None)
        if mean is not None:
            self._set_statistics(np.asarray(mean, np.float32), np.asarray(variance, np.float32),
                                 0)
        self.built = True

    def _set_statistics(self, mean: np.ndarray, variance: np.ndarray, count: int) -> None:
        self.mean = torch.as_tensor(mean, dtype=torch.float32)
        self.variance = torch.as_tensor(variance, dtype=torch.float32)
        self.count = torch.tensor(count, dtype=torch.int64)

    def _kept(self, ndim: int) -> list[int]:
        return sorted(a % ndim for a in self.axis)

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Mean and (population) variance of the data over every axis but `axis`, summed in
        float64 over the batches of an array, a list or a Dataset."""
        total = total_sq = None
        n = 0
        for step, batch in enumerate(_batches(data)):
            if steps is not None and step >= steps:
                break
            x = np.asarray(batch.detach().cpu() if isinstance(batch, Tensor) else batch,
                           dtype=np.float64)
            kept = self._kept(x.ndim)
            reduce = tuple(a for a in range(x.ndim) if a not in kept)
            s, sq = x.sum(axis=reduce), np.square(x).sum(axis=reduce)
            total = s if total is None else total + s
            total_sq = sq if total_sq is None else total_sq + sq
            n += x.size // max(int(np.prod([x.shape[a] for a in kept])), 1)
        if total is None or n == 0:
            raise ValueError("Normalization.adapt got no data.")
        mean = total / n
        self._set_statistics(mean, np.maximum(total_sq / n - mean ** 2, 0.0), n)

    def forward(self, x, mask=None) -> Tensor:
        if self.mean is None:
            raise RuntimeError(f"Normalization {self.name!r} has no statistics: call "
                               "adapt(data) or pass mean= and variance= first.")
        if not isinstance(x, Tensor):
            x = torch.as_tensor(np.asarray(x), dtype=torch.get_default_dtype())
        x = x if x.is_floating_point() else x.float()
        kept = self._kept(x.dim())
        mean = _broadcast(self.mean.to(x.device, x.dtype), x, kept)
        std = _broadcast(self.variance.to(x.device, x.dtype), x, kept).sqrt().clamp(min=1e-7)
        return x * std + mean if self.invert else (x - mean) / std

    def count_params(self) -> int:
        """Keras counts the statistics as (non-trainable) weights: mean, variance, count."""
        return 0 if self.mean is None else self.mean.numel() + self.variance.numel() + 1

    def get_weights(self) -> list[np.ndarray]:
        """Keras's order: mean, variance, count (after adapt)."""
        if self.mean is None:
            return []
        return [self.mean.numpy().copy(), self.variance.numpy().copy(),
                np.asarray(self.count.item(), dtype=np.int64)]

    def set_weights(self, weights: list) -> None:
        if len(weights) != 3:
            raise ValueError(f"Normalization {self.name!r} expects 3 weight arrays (mean, "
                             f"variance, count), got {len(weights)}.")
        mean, variance, count = weights
        self._set_statistics(np.asarray(mean, np.float32), np.asarray(variance, np.float32),
                             int(np.asarray(count)))

    def get_config(self) -> dict[str, Any]:
        def listed(t):
            return None if t is None else t.tolist()
        axis = None if not self.axis else (self.axis[0] if len(self.axis) == 1 else
                                           list(self.axis))
        return {**super().get_config(), "axis": axis, "mean": listed(self.mean),
                "variance": listed(self.variance), "invert": self.invert}

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """A model saved after adapt() holds the statistics: make room for them first."""
        for key in ("mean", "variance", "count"):
            if prefix + key in state_dict and getattr(self, key) is None:
                setattr(self, key, torch.empty_like(state_dict[prefix + key]))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def _broadcast(stat: Tensor, x: Tensor, kept: list[int]) -> Tensor:
    """A statistic of the kept axes, shaped to broadcast against x: (D,) -> (1, 1, D)."""
    kept_shape = tuple(x.shape[a] for a in kept)
    stat = stat.expand(kept_shape) if stat.numel() == 1 else stat.reshape(kept_shape)
    return stat.reshape([x.shape[a] if a in kept else 1 for a in range(x.dim())])
