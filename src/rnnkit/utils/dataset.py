"""A re-iterable stream of NumPy elements with the tf.data methods Keras programs call.

    ds = Dataset.from_tensor_slices((x, y)).shuffle(1000, seed=0).batch(32).prefetch(AUTOTUNE)
    model.fit(ds, epochs=3)                 # one pass over ds each epoch
    for xb, yb in ds.take(1): ...           # (32, ...) NumPy arrays

An element is an array, a tuple of elements or a dict of elements (as tf.data's nested
structures). Every method returns a new Dataset; iterating starts over from the source each
time, so a dataset serves every epoch. `len(ds)` is the number of elements (batches after
`.batch`), known without iterating when the source's length is known.

    >>> ds = Dataset.from_tensor_slices((np.arange(4), np.arange(4) * 10)).batch(2)
    >>> [(xb.tolist(), yb.tolist()) for xb, yb in ds]
    [([0, 1], [0, 10]), ([2, 3], [20, 30])]
    >>> len(ds), len(ds.take(1))
    (2, 1)
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Iterator

import numpy as np

AUTOTUNE = -1   # tf.data.AUTOTUNE: accepted wherever a buffer size or parallelism is
INFINITE = -1   # the length of a repeat()-ed dataset, as tf.data.INFINITE_CARDINALITY


class Batch(np.ndarray):
    """A NumPy array with `.numpy()`, so that `for x, y in ds: x.numpy()` reads as in Keras."""

    def numpy(self) -> np.ndarray:
        return np.asarray(self)


def _as_batch(element):
    return _map_structure(lambda a: a.view(Batch) if isinstance(a, np.ndarray) else a, element)


def _map_structure(fn: Callable, element):
    if isinstance(element, tuple):
        return tuple(_map_structure(fn, e) for e in element)
    if isinstance(element, list):
        return [_map_structure(fn, e) for e in element]
    if isinstance(element, dict):
        return {k: _map_structure(fn, v) for k, v in element.items()}
    return fn(element)


def _stack(elements: list):
    """Stack a list of same-structured elements along a new first axis."""
    first = elements[0]
    if isinstance(first, (tuple, list)):
        return type(first)(_stack([e[i] for e in elements]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elements]) for k in first}
    return np.stack([np.asarray(e) for e in elements])


def _length(element) -> int:
    if isinstance(element, (tuple, list)):
        return _length(element[0])
    if isinstance(element, dict):
        return _length(next(iter(element.values())))
    return len(element)


def _slice(element, i):
    return _map_structure(lambda a: a[i], element)


def _tensors_to_numpy(element):
    """torch tensors that a map function returned (a layer's output) become NumPy arrays."""
    return _map_structure(lambda a: a.detach().cpu().numpy() if hasattr(a, "detach") else a,
                          element)


def _as_arrays(element):
    """Tuples and dicts are structures; anything else (a list too, as in tf.data) an array."""
    if isinstance(element, tuple):
        return tuple(_as_arrays(e) for e in element)
    if isinstance(element, dict):
        return {k: _as_arrays(v) for k, v in element.items()}
    if hasattr(element, "detach"):                             # a torch tensor
        return element.detach().cpu().numpy()
    return np.asarray(element)


class Dataset:
    """Elements from `make_iter()` (called once per pass); `length` when known (INFINITE
    after repeat())."""

    def __init__(self, make_iter: Callable[[], Iterator], length: int | None = None):
        self._make_iter = make_iter
        self._length = length

    # -- sources ----------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors) -> "Dataset":
        """One element per row of `tensors` (an array, or a tuple or dict of arrays of the
        same length)."""
        arrays = _as_arrays(tensors)
        n = _length(arrays)
        lengths = []
        _map_structure(lambda a: lengths.append(len(a)), arrays)
        if len(set(lengths)) > 1:
            raise ValueError(f"from_tensor_slices needs arrays of one length, got lengths "
                             f"{lengths}.")
        return Dataset(lambda: (_slice(arrays, i) for i in range(n)), n)

    @staticmethod
    def from_tensors(tensors) -> "Dataset":
        element = _as_arrays(tensors)
        return Dataset(lambda: iter([element]), 1)

    @staticmethod
    def from_generator(generator: Callable[[], Iterable], output_signature=None,
                       output_types=None, output_shapes=None) -> "Dataset":
        """Elements from a fresh call of `generator()` each pass (the signature is ignored)."""
        return Dataset(lambda: iter(generator()))

    @staticmethod
    def range(*args) -> "Dataset":
        r = range(*args)
        return Dataset(lambda: (np.int64(i) for i in r), len(r))

    @staticmethod
    def zip(datasets) -> "Dataset":
        datasets = tuple(datasets)
        lengths = [d._length for d in datasets]
        finite = [n for n in lengths if n is not None and n != INFINITE]
        n = min(finite) if finite else (INFINITE if INFINITE in lengths else None)
        if None in lengths and finite:
            n = None
        return Dataset(lambda: zip(*(iter(d) for d in datasets)), n)

    # -- iteration --------------------------------------------------------------------------
    def __iter__(self) -> Iterator:
        return (_as_batch(e) for e in self._make_iter())

    def as_numpy_iterator(self) -> Iterator:
        return (_map_structure(np.asarray, e) for e in self._make_iter())

    def __len__(self) -> int:
        if self._length == INFINITE:
            raise TypeError("This dataset repeats forever (repeat() without a count): it has no "
                            "length. Pass steps_per_epoch= to fit(), or take(n) first.")
        if self._length is None:
            self._length = sum(1 for _ in self._make_iter())     # count once, then remember
        return self._length

    def cardinality(self) -> "Batch":
        """The number of elements, as a 0-d array (so `ds.cardinality().numpy()` reads as in TF)."""
        n = INFINITE if self._length == INFINITE else len(self)
        return np.asarray(n).view(Batch)

    def __repr__(self) -> str:
        n = {None: "unknown", INFINITE: "infinite"}.get(self._length, self._length)
        return f"<Dataset of {n} elements>"

    # -- transformations --------------------------------------------------------------------
    def batch(self, batch_size: int, drop_remainder: bool = False, **_ignored) -> "Dataset":
        """Stack `batch_size` consecutive elements into one (the last may be smaller)."""
        _check_positive("batch", "batch_size", batch_size)

        def make():
            for chunk in _chunks(self._make_iter(), batch_size, drop_remainder):
                yield _stack(chunk)

        return Dataset(make, self._batched_length(batch_size, drop_remainder))

    def _batched_length(self, batch_size: int, drop_remainder: bool) -> int | None:
        n = self._length
        if n is None or n == INFINITE:
            return n
        return n // batch_size if drop_remainder else -(-n // batch_size)

    def padded_batch(self, batch_size: int, padded_shapes=None, padding_values=None,
                     drop_remainder: bool = False) -> "Dataset":
        """batch() for elements of different lengths: each array is padded at the end of
        every axis to the longest in the batch (or to `padded_shapes`), with
        `padding_values` (0 by default)."""
        def pad(arrays: list, shape, value):
            arrays = [np.asarray(a) for a in arrays]
            target = [max(a.shape[d] for a in arrays) for d in range(arrays[0].ndim)]
            if shape is not None:
                target = [t if s in (None, -1) else s for t, s in zip(target, shape)]
            out = np.full((len(arrays), *target), 0 if value is None else value,
                          dtype=arrays[0].dtype)
            for i, a in enumerate(arrays):
                out[(i, *(slice(0, min(n, t)) for n, t in zip(a.shape, target)))] = \
                    a[tuple(slice(0, t) for t in target)]
            return out

        def stack(elements, shapes, values):
            first = elements[0]
            if isinstance(first, (tuple, list)):
                return type(first)(stack([e[i] for e in elements], _part(shapes, i, True),
                                         _part(values, i)) for i in range(len(first)))
            if isinstance(first, dict):
                return {k: stack([e[k] for e in elements], _part(shapes, k, True),
                                 _part(values, k)) for k in first}
            return pad(elements, shapes, values)

        def make():
            for chunk in _chunks(self._make_iter(), batch_size, drop_remainder):
                yield stack(chunk, padded_shapes, padding_values)

        return Dataset(make, self._batched_length(batch_size, drop_remainder))

    def unbatch(self) -> "Dataset":
        """Split every element along its first axis: the inverse of batch."""
        def make():
            for element in self._make_iter():
                for i in range(_length(element)):
                    yield _slice(element, i)
        return Dataset(make, INFINITE if self._length == INFINITE else None)

    def rebatch(self, batch_size: int, drop_remainder: bool = False) -> "Dataset":
        return self.unbatch().batch(batch_size, drop_remainder)

    def map(self, fn: Callable, num_parallel_calls=None, deterministic=None) -> "Dataset":
        """fn on every element; a tuple element is passed as separate arguments, as tf.data."""
        def call(element):
            out = fn(*element) if isinstance(element, tuple) else fn(element)
            return _tensors_to_numpy(out)
        return Dataset(lambda: (call(e) for e in self._make_iter()), self._length)

    def filter(self, predicate: Callable) -> "Dataset":
        def keep(element):
            return bool(predicate(*element) if isinstance(element, tuple) else predicate(element))
        return Dataset(lambda: (e for e in self._make_iter() if keep(e)),
                       INFINITE if self._length == INFINITE else None)

    def window(self, size: int, shift: int | None = None, stride: int = 1,
               drop_remainder: bool = False) -> "Dataset":
        """A dataset of windows, each itself a Dataset of `size` elements (every `stride`-th),
        starting every `shift` elements (default: size). The TF idiom for time series:

            ds.window(w + 1, shift=1, drop_remainder=True).flat_map(lambda win: win.batch(w + 1))
        """
        _check_positive("window", "size", size)
        shift = size if shift is None else shift
        _check_positive("window", "shift", shift)
        _check_positive("window", "stride", stride)
        span = (size - 1) * stride + 1                          # elements one window covers

        def make():
            elements = list(self._make_iter())
            for start in range(0, len(elements), shift):
                part = elements[start:start + span:stride]
                if len(part) < size and (drop_remainder or not part):
                    return
                yield Dataset(lambda part=part: iter(part), len(part))
        return Dataset(make)

    def flat_map(self, fn: Callable) -> "Dataset":
        """fn maps each element to a Dataset (or an iterable); their elements in order."""
        def make():
            for element in self._make_iter():
                inner = fn(*element) if isinstance(element, tuple) else fn(element)
                yield from (inner._make_iter() if isinstance(inner, Dataset) else inner)
        return Dataset(make)

    def take(self, count: int) -> "Dataset":
        """The first `count` elements (all of them when count is -1)."""
        if count == -1:
            return self
        n = {None: None, INFINITE: count}.get(self._length, min(count, self._length or 0))
        return Dataset(lambda: itertools.islice(self._make_iter(), count), n)

    def skip(self, count: int) -> "Dataset":
        n = self._length if self._length in (None, INFINITE) else max(self._length - count, 0)
        return Dataset(lambda: itertools.islice(self._make_iter(), count, None), n)

    def repeat(self, count: int | None = None) -> "Dataset":
        """The elements `count` times over (forever when None: use steps_per_epoch)."""
        def make():
            for _ in (itertools.count() if count is None or count < 0 else range(count)):
                yield from self._make_iter()
        if count is None or count < 0 or self._length == INFINITE:
            n = INFINITE
        else:
            n = None if self._length is None else self._length * count
        return Dataset(make, n)

    def shuffle(self, buffer_size: int, seed: int | None = None,
                reshuffle_each_iteration: bool = True) -> "Dataset":
        """tf.data's buffered shuffle: keep `buffer_size` elements, emit a random one, refill.
        A buffer at least as large as the dataset shuffles it uniformly."""
        buffer_size = len(self) if buffer_size == AUTOTUNE else buffer_size
        _check_positive("shuffle", "buffer_size", buffer_size)
        seeds = np.random.SeedSequence(seed)

        def make():
            child = seeds.spawn(1)[0] if reshuffle_each_iteration else np.random.SeedSequence(seed)
            rng = np.random.default_rng(child)
            buffer: list = []
            for element in self._make_iter():
                buffer.append(element)
                if len(buffer) >= buffer_size:
                    i = int(rng.integers(len(buffer)))
                    buffer[i], buffer[-1] = buffer[-1], buffer[i]
                    yield buffer.pop()
            rng.shuffle(buffer)
            yield from buffer

        return Dataset(make, self._length)

    def concatenate(self, other: "Dataset") -> "Dataset":
        lengths = (self._length, other._length)
        n = INFINITE if INFINITE in lengths else (None if None in lengths else sum(lengths))
        return Dataset(lambda: itertools.chain(self._make_iter(), other._make_iter()), n)

    def cache(self, filename: str = "") -> "Dataset":
        """Keep the elements after the first pass (in memory; `filename` is ignored)."""
        kept: list = []
        done = [False]

        def make():
            if done[0]:
                yield from kept
                return
            kept.clear()
            for element in self._make_iter():
                kept.append(element)
                yield element
            done[0] = True

        return Dataset(make, self._length)

    def prefetch(self, buffer_size=AUTOTUNE) -> "Dataset":
        """A no-op: elements are made when asked for."""
        return self

    def with_options(self, options: Any) -> "Dataset":
        return self


def _chunks(it: Iterator, size: int, drop_remainder: bool) -> Iterator[list]:
    """Consecutive lists of `size` elements (the last may be shorter unless dropped)."""
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk or (drop_remainder and len(chunk) < size):
            return
        yield chunk


def _part(spec, key, is_shape: bool = False):
    """One component's part of a padded_shapes / padding_values structure (a shape such as
    [None] or a single value applies to every component)."""
    if isinstance(spec, dict):
        return spec[key]
    if isinstance(spec, (tuple, list)):
        flat_shape = is_shape and all(isinstance(d, (int, type(None))) for d in spec)
        return None if flat_shape else spec[key]
    return spec


def _check_positive(method: str, arg: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"Dataset.{method} expects {arg} to be a positive integer, got {value!r}.")
