"""A re-iterable stream of NumPy elements with the tf.data methods Keras programs call.

    ds = Dataset.from_tensor_slices((x, y)).shuffle(1000, seed=0).batch(32).prefetch(AUTOTUNE)
    model.fit(ds, epochs=3)                 # one pass over ds each epoch
    for xb, yb in ds.take(1): ...           # (32, ...) NumPy arrays

An element is an array, a tuple of elements or a dict of elements (as tf.data's nested
structures). Every method returns a new Dataset; iterating starts over from the source each
time, so a dataset serves every epoch. `len(ds)` is the number of elements (batches after
`.batch`), known without iterating when the source's length is known.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Iterator

import numpy as np

AUTOTUNE = -1   # tf.data.AUTOTUNE: accepted wherever a buffer size or parallelism is


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
    """Elements from `make_iter()` (called once per pass); `length` when known."""

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
        n = None if None in lengths else min(lengths)
        return Dataset(lambda: zip(*(iter(d) for d in datasets)), n)

    # -- iteration --------------------------------------------------------------------------
    def __iter__(self) -> Iterator:
        return (_as_batch(e) for e in self._make_iter())

    def as_numpy_iterator(self) -> Iterator:
        return (_map_structure(np.asarray, e) for e in self._make_iter())

    def __len__(self) -> int:
        if self._length is None:
            self._length = sum(1 for _ in self._make_iter())     # count once, then remember
        return self._length

    def cardinality(self) -> int:
        return len(self)

    def __repr__(self) -> str:
        n = "unknown" if self._length is None else self._length
        return f"<Dataset of {n} elements>"

    # -- transformations --------------------------------------------------------------------
    def batch(self, batch_size: int, drop_remainder: bool = False, **_ignored) -> "Dataset":
        """Stack `batch_size` consecutive elements into one (the last may be smaller)."""
        _check_positive("batch", "batch_size", batch_size)

        def make():
            it = self._make_iter()
            while True:
                chunk = list(itertools.islice(it, batch_size))
                if not chunk or (drop_remainder and len(chunk) < batch_size):
                    return
                yield _stack(chunk)

        n = self._length
        if n is not None:
            n = n // batch_size if drop_remainder else -(-n // batch_size)
        return Dataset(make, n)

    def unbatch(self) -> "Dataset":
        """Split every element along its first axis: the inverse of batch."""
        def make():
            for element in self._make_iter():
                for i in range(_length(element)):
                    yield _slice(element, i)
        return Dataset(make)

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
        return Dataset(lambda: (e for e in self._make_iter() if keep(e)))

    def take(self, count: int) -> "Dataset":
        """The first `count` elements (all of them when count is -1)."""
        if count == -1:
            return self
        n = count if self._length is None else min(count, self._length)
        return Dataset(lambda: itertools.islice(self._make_iter(), count), n)

    def skip(self, count: int) -> "Dataset":
        n = None if self._length is None else max(self._length - count, 0)
        return Dataset(lambda: itertools.islice(self._make_iter(), count, None), n)

    def repeat(self, count: int | None = None) -> "Dataset":
        """The elements `count` times over (forever when None: use steps_per_epoch)."""
        def make():
            for _ in (itertools.count() if count is None or count < 0 else range(count)):
                yield from self._make_iter()
        n = None if self._length is None or count is None or count < 0 else self._length * count
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
        n = None if self._length is None or other._length is None else self._length + other._length
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


def _check_positive(method: str, arg: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"Dataset.{method} expects {arg} to be a positive integer, got {value!r}.")
