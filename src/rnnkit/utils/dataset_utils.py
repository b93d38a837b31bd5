"""Keras's dataset makers: windows over a time series, texts from class folders, and the
PyDataset / Sequence base class. Each returns batches of NumPy arrays that fit() takes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .dataset import Dataset


def timeseries_dataset_from_array(data, targets, sequence_length: int, sequence_stride: int = 1,
                                  sampling_rate: int = 1, batch_size: int | None = 128,
                                  shuffle: bool = False, seed: int | None = None,
                                  start_index: int | None = None,
                                  end_index: int | None = None) -> Dataset:
    """Sliding windows over `data`, batched, as Keras's function of the same name.

    Window i starts at s_i = start_index + i * sequence_stride and holds the rows
    data[s_i], data[s_i + sampling_rate], ... (sequence_length of them); its target is
    targets[s_i]. So to predict the value after each window, pass
    targets=data[sequence_length:].

    >>> ds = timeseries_dataset_from_array(np.arange(6), np.arange(3, 6), 3, batch_size=2)
    >>> [(x.tolist(), y.tolist()) for x, y in ds]
    [([[0, 1, 2], [1, 2, 3]], [3, 4]), ([[2, 3, 4]], [5])]
    """
    for arg, value in (("sequence_length", sequence_length),
                       ("sequence_stride", sequence_stride), ("sampling_rate", sampling_rate)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"timeseries_dataset_from_array: {arg} must be a positive integer, "
                             f"got {value!r}.")
    data = np.asarray(data)
    start_index = 0 if start_index is None else int(start_index)
    end_index = len(data) if end_index is None else int(end_index)
    if not 0 <= start_index < max(end_index, 1) or end_index > len(data):
        raise ValueError(f"timeseries_dataset_from_array: need 0 <= start_index < end_index <= "
                         f"len(data) = {len(data)}, got start_index={start_index}, "
                         f"end_index={end_index}.")
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride)      # relative to start_index
    if len(starts) == 0:
        raise ValueError(
            f"timeseries_dataset_from_array: no window of sequence_length={sequence_length} "
            f"(sampling_rate={sampling_rate}) fits in {end_index - start_index} rows. Use "
            "shorter windows or more data.")
    window = np.arange(sequence_length) * sampling_rate          # (L,) offsets in a window
    data_part = data[start_index:end_index]
    target_part = None if targets is None else targets[start_index:]
    rng = np.random.default_rng(seed)

    def make():
        order = rng.permutation(starts) if shuffle else starts
        step = len(order) if batch_size is None else batch_size
        for b in range(0, len(order), step):
            s = order[b:b + step]
            x = data_part[s[:, None] + window]                      # (B, L, ...) windows
            element = x if target_part is None else (x, target_part[s])
            yield element
    dataset = Dataset(make, -(-len(starts) // (batch_size or len(starts))))
    return dataset if batch_size is not None else dataset.unbatch()


def text_dataset_from_directory(directory, labels="inferred", label_mode: str | None = "int",
                                class_names=None, batch_size: int | None = 32,
                                max_length: int | None = None, shuffle: bool = True,
                                seed: int | None = None, validation_split: float | None = None,
                                subset: str | None = None, follow_links: bool = False,
                                encoding: str = "utf-8"):
    """Texts and labels from `directory/<class name>/*.txt`, as Keras's function.

    Classes are the sub-folders in alphabetical order (or `class_names`), label i for the i-th.
    label_mode 'int' gives int32 labels, 'categorical' one-hot, 'binary' float32 (B, 1), None
    no labels. With validation_split, subset='training' / 'validation' / 'both' take the
    first / last part of the (seeded) shuffled files. The dataset's `class_names` lists the
    classes.
    """
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"text_dataset_from_directory: {str(root)!r} is not a folder. "
                                "Expected a folder with one sub-folder of .txt files per class.")
    if labels not in ("inferred", None):
        raise ValueError(f"text_dataset_from_directory supports labels='inferred' or None, got "
                         f"{labels!r}.")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"label_mode must be 'int', 'categorical', 'binary' or None, got "
                         f"{label_mode!r}.")
    found = sorted(p.name for p in root.iterdir() if p.is_dir())
    classes = list(class_names) if class_names is not None else found
    missing = set(classes) - set(found)
    if missing:
        raise ValueError(f"class_names {sorted(missing)} are not sub-folders of {str(root)!r} "
                         f"(found {found}).")
    paths, label_ids = [], []
    for i, name in enumerate(classes):
        files = sorted((root / name).rglob("*.txt"))
        paths += files
        label_ids += [i] * len(files)
    if labels is None:                                        # texts only, from every folder
        paths, label_mode = sorted(root.rglob("*.txt")), None
        label_ids = [0] * len(paths)
    if not paths:
        raise ValueError(f"No .txt files under {str(root)!r} in the class folders {classes}.")
    if label_mode == "binary" and len(classes) != 2:
        raise ValueError(f"label_mode='binary' needs exactly 2 classes, found {len(classes)}: "
                         f"{classes}. Use label_mode='int' or 'categorical'.")
    label_ids = np.asarray(label_ids)
    order = np.arange(len(paths))
    if shuffle:
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(order)
    parts = _split(order, validation_split, subset, seed, shuffle)

    def build(indices):
        texts = np.array([_read(paths[i], encoding, max_length) for i in indices], dtype=object)
        ys = _encode_labels(label_ids[indices], label_mode, len(classes))
        tensors = texts if ys is None else (texts, ys)
        ds = Dataset.from_tensor_slices(tensors)
        if shuffle:
            ds = ds.shuffle(max(len(indices), 1), seed=seed)
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds.class_names = classes
        ds.file_paths = [str(paths[i]) for i in indices]
        return ds

    built = [build(p) for p in parts]
    return built if subset == "both" else built[0]


def _split(order: np.ndarray, validation_split, subset, seed, shuffle) -> list[np.ndarray]:
    if not validation_split:
        if subset is not None:
            raise ValueError(f"subset={subset!r} needs validation_split, such as 0.2.")
        return [order]
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split!r}.")
    if subset not in ("training", "validation", "both"):
        raise ValueError(f"With validation_split, subset must be 'training', 'validation' or "
                         f"'both', got {subset!r}.")
    if shuffle and seed is None:
        raise ValueError("With validation_split and shuffle=True, pass seed= so that the "
                         "training and validation subsets do not overlap.")
    n_val = int(validation_split * len(order))
    train, val = order[:len(order) - n_val], order[len(order) - n_val:]
    return {"training": [train], "validation": [val], "both": [train, val]}[subset]


def _read(path: Path, encoding: str, max_length: int | None) -> str:
    text = path.read_text(encoding=encoding, errors="replace")
    return text if max_length is None else text[:max_length]


def _encode_labels(ids: np.ndarray, label_mode, n_classes: int):
    if label_mode is None:
        return None
    if label_mode == "int":
        return ids.astype(np.int32)
    if label_mode == "binary":
        return ids.astype(np.float32)[:, None]
    return np.eye(n_classes, dtype=np.float32)[ids]


class PyDataset:
    """Keras's base class for batches made in Python: implement `__len__` (the number of
    batches) and `__getitem__(i)` (batch i as (x, y) or (x, y, sample_weight)).
    `on_epoch_end` runs after every pass (shuffle there)."""

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        self.workers, self.use_multiprocessing = workers, use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index).")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__().")

    @property
    def num_batches(self) -> int:
        return len(self)

    def on_epoch_end(self) -> None:
        """Called after each pass; override to reshuffle."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
        self.on_epoch_end()


Sequence = PyDataset   # Keras 2's name


class TimeseriesGenerator(PyDataset):
    """Keras 2's batches of windows: sample j of a batch is data[r - length : r : sampling_rate]
    and its target targets[r], for rows r = start_index + length, ... end_index, every
    `stride`-th (random rows with shuffle). `reverse` flips each window in time.

    >>> g = TimeseriesGenerator(np.arange(6), np.arange(6), length=3, batch_size=2)
    >>> len(g), [a.tolist() for a in g[0]]
    (2, [[[0, 1, 2], [1, 2, 3]], [3, 4]])
    """

    def __init__(self, data, targets, length: int, sampling_rate: int = 1, stride: int = 1,
                 start_index: int = 0, end_index: int | None = None, shuffle: bool = False,
                 reverse: bool = False, batch_size: int = 128):
        super().__init__()
        self.data, self.targets = np.asarray(data), np.asarray(targets)
        if len(self.data) != len(self.targets):
            raise ValueError(f"TimeseriesGenerator: data and targets have different lengths "
                             f"({len(self.data)} and {len(self.targets)}); targets[r] is the "
                             "target of the window ending before row r.")
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        self.start_index = start_index + length
        self.end_index = len(self.data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"TimeseriesGenerator: start_index + length = {self.start_index} > "
                             f"end_index = {self.end_index}: no window fits. Use a shorter "
                             "length or more data.")

    def __len__(self) -> int:
        step = self.batch_size * self.stride
        return (self.end_index - self.start_index + step) // step

    def __getitem__(self, index: int):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1),
                             self.stride)
        samples = np.array([self.data[r - self.length:r:self.sampling_rate] for r in rows])
        if self.reverse:
            samples = samples[:, ::-1, ...]
        return samples, self.targets[rows]


_CUSTOM_OBJECTS: dict[str, object] = {}


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Keras's decorator for custom layers, losses and metrics: records the object under
    'package>name' (see get_custom_objects) and returns it unchanged."""
    def register(obj):
        _CUSTOM_OBJECTS[f"{package}>{name or obj.__name__}"] = obj
        return obj
    return register


def get_custom_objects() -> dict[str, object]:
    """The objects registered with register_keras_serializable (a live dict, as Keras)."""
    return _CUSTOM_OBJECTS
