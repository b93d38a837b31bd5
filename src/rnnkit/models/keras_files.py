"""Keras's own files, read and written without TensorFlow (h5py for HDF5, zipfile for zips).

    m.keras          Keras 3: a zip of config.json (the model, keras_config.py),
                     metadata.json and model.weights.h5
    w.weights.h5     Keras 3's weights: layers/<name>/vars/<i>, a layer's sublayers in
                     groups named by attribute (lstm/cell/vars/0, bidirectional/forward_layer/...)
    m.h5, w.h5       tf.keras 2's HDF5: model_config (JSON) in the attributes and
                     model_weights/<layer name>/<weight names> (the legacy format)

Weights in these files are in Keras's layout (kernel (D, 4H), GRU gates z, r, h), which is what
`layer.get_weights()` / `set_weights()` speak, so reading is: rebuild the model from the JSON,
then hand each layer its arrays. Keras 3 names a model's weight groups by class, not by layer
name: the first LSTM is layers/lstm, the second layers/lstm_1, in the order of model.layers.

Nothing from a file is ever run: classes come from rnnkit's registry, Lambda layers are
refused, and nothing is unpickled. HDF5 keeps no checksum of its data, and a damaged HDF5
file can send the HDF5 library into a loop no signal interrupts, so rnnkit checks its own
files before HDF5 parses a byte: an `.h5` or `.weights.h5` it writes starts with a 512-byte
user block (which HDF5 skips and Keras reads past) holding the SHA-256 of the rest of the
file; a `.keras` zip it writes records the SHA-256 of its config.json and model.weights.h5
in metadata.json. A mismatch is a DamagedFileError; files Keras wrote have neither and load
as before.

    >>> import tempfile
    >>> from rnnkit.layers import Dense, Input, LSTM
    >>> from rnnkit.models import Sequential, load_model
    >>> model = Sequential([Input(shape=(5, 2)), LSTM(3), Dense(1)])
    >>> path = tempfile.mkdtemp() + "/m.keras"
    >>> model.save(path)
    >>> x = torch.randn(4, 5, 2)
    >>> torch.allclose(load_model(path)(x), model(x))
    True
"""
from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import DamagedFileError
from ..layers.base import Layer
from ..layers.registry import model_class
from .compile_utils import compile_config
from .keras_config import KERAS_VERSION, keras_model_config, model_from_keras, snake_case

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
CHECKSUM = "rnnkit_sha256"


def _h5py():
    try:
        import h5py
    except ImportError:                                     # pragma: no cover - a dependency
        raise ImportError("Reading and writing Keras files needs h5py: pip install h5py.") \
            from None
    return h5py


def _damaged(path, error: Exception, what: str) -> ValueError:
    return ValueError(
        f"{str(path)!r} is not a readable {what} ({type(error).__name__}: {error}). The file "
        "may be truncated or not what its name says; write it again with Keras's model.save().")


# ---- .keras: the Keras 3 zip ---------------------------------------------------------------

def load_keras_model(filepath, compile: bool = True):
    """Read a Keras 3 `.keras` file into an rnnkit model with the same weights."""
    path = _existing(filepath)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if CONFIG not in names or WEIGHTS not in names:
                raise ValueError(f"{str(path)!r} is a zip but not a Keras model: it has "
                                 f"{sorted(names)[:5]}, not {CONFIG} and {WEIGHTS}.")
            config_bytes, weights = zf.read(CONFIG), zf.read(WEIGHTS)
            _check_recorded_sha256(zf, names, {CONFIG: config_bytes, WEIGHTS: weights}, path)
            config = json.loads(config_bytes.decode("utf-8"))
    except (zipfile.BadZipFile, OSError, EOFError, UnicodeDecodeError,
            json.JSONDecodeError) as e:
        raise _damaged(path, e, "Keras .keras file (a zip of config.json and "
                                "model.weights.h5)") from None
    model, layers = model_from_keras(config, str(path))
    with _open_h5(io.BytesIO(weights), path, "r") as f:
        _load_keras3_layers(f, _in_layers_group(layers), str(path))
    if compile and config.get("compile_config"):
        _compile_from_keras(model, config["compile_config"], path)
    return model


def _check_recorded_sha256(zf, names: set, members: dict[str, bytes], path) -> None:
    """The SHA-256 of each member that rnnkit records in metadata.json, when it is there."""
    if METADATA not in names:
        return
    try:
        metadata = json.loads(zf.read(METADATA).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise DamagedFileError(path, METADATA, "JSON", f"{type(e).__name__}: {e}") from None
    recorded = metadata.get(CHECKSUM) if isinstance(metadata, dict) else None
    if recorded is None:
        return
    if not isinstance(recorded, dict):
        raise DamagedFileError(path, f"{METADATA}: {CHECKSUM}", "{member: SHA-256}",
                               repr(recorded)[:60])
    for name, data in members.items():
        if recorded.get(name) != hashlib.sha256(data).hexdigest():
            raise DamagedFileError(path, name, f"the bytes whose SHA-256 {METADATA} records "
                                   f"({str(recorded.get(name))[:12]}...)", "other bytes: it "
                                   "was changed after rnnkit wrote the file",
                                   "save the model again")


def save_keras_model(model, filepath) -> Path:
    """Write a Keras 3 `.keras` zip that Keras's load_model reads (Sequential and functional
    models; a subclassed model is code, so it raises)."""
    config = keras_model_config(model)
    if getattr(model, "compiled", False):
        config["compile_config"] = _keras_compile_config(model)
    config_text = json.dumps(config)
    weights = io.BytesIO()
    with _h5py().File(weights, "w") as f:
        _write_keras3_layers(f, _model_paths(model), model.name)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "written_by": "rnnkit",
                CHECKSUM: {name: hashlib.sha256(data).hexdigest() for name, data in
                           ((CONFIG, config_text.encode("utf-8")),
                            (WEIGHTS, weights.getvalue()))}}
    path = Path(filepath)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as zf:
            zf.writestr(METADATA, json.dumps(metadata))
            zf.writestr(CONFIG, config_text)
            zf.writestr(WEIGHTS, weights.getvalue(), compress_type=zipfile.ZIP_STORED)
    return _write_file_atomically(path, write)


# ---- .weights.h5 and .h5: weights alone ----------------------------------------------------

def load_keras_weights(model, filepath) -> None:
    """Load Keras weights (Keras 3 `.weights.h5`, or a tf.keras 2 `.h5`) into a built model."""
    path = _existing(filepath)
    with _open_h5(path, path, "r") as f:
        if "layers" in f or "vars" in f:
            _load_keras3_layers(f, _model_paths(model), str(path))
        elif "layer_names" in f.attrs or "model_weights" in f:
            group = f["model_weights"] if "model_weights" in f else f
            _load_legacy_layers(group, _model_layers(model), str(path))
        else:
            raise ValueError(f"{str(path)!r} is an HDF5 file but holds no Keras weights (no "
                             "'layers' group of Keras 3, no 'layer_names' of tf.keras 2).")


def save_keras_weights(model, filepath) -> Path:
    """Write Keras 3's `.weights.h5`: Keras's model.load_weights reads it back."""
    path = Path(filepath)
    return _write_file_atomically(
        path, lambda tmp: _write_h5(tmp, lambda f: _write_keras3_layers(
            f, _model_paths(model), getattr(model, "name", "model"))))


def save_h5_model(model, filepath) -> Path:
    """Write the legacy HDF5 model file (tf.keras 2's `model.save("m.h5")`, which Keras 3
    still reads): the config JSON in the attributes, the weights under model_weights."""
    config = keras_model_config(model)

    def fill(f) -> None:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = "torch"
        _write_legacy_layers(f.create_group("model_weights"), _model_layers(model), model.name)
    return _write_file_atomically(Path(filepath), lambda tmp: _write_h5(tmp, fill))


def save_h5_weights(model, filepath) -> Path:
    """Write tf.keras 2's weights-only HDF5 (`save_weights("w.h5")`): layer_names at the root."""
    name = getattr(model, "name", "model")
    return _write_file_atomically(Path(filepath), lambda tmp: _write_h5(
        tmp, lambda f: _write_legacy_layers(f, _model_layers(model), name)))


def load_h5_model(filepath, compile: bool = True):
    """Read a whole-model tf.keras 2 `.h5` (model_config attribute + model_weights)."""
    path = _existing(filepath)
    with _open_h5(path, path, "r") as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(
                f"{str(path)!r} holds weights but no model_config: it was written by "
                "save_weights. Build the model in rnnkit, then model.load_weights(path).")
        config = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        model, layers = model_from_keras(config, str(path))
        _load_legacy_layers(f["model_weights"], layers, str(path))
        training = f.attrs.get("training_config")
    if compile and training is not None:
        training = json.loads(training.decode() if isinstance(training, bytes) else training)
        _compile_from_keras(model, {"optimizer": training.get("optimizer_config"),
                                    "loss": training.get("loss"),
                                    "metrics": training.get("metrics")}, path)
    return model


# ---- Keras 3 weight groups -----------------------------------------------------------------

def _model_layers(model) -> list:
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"Expected an rnnkit model with .layers, got {type(model).__name__}.")
    return [layer for layer in layers if type(layer).__name__ != "InputLayer"]


def _group_names(layers: list) -> list[str]:
    """Keras 3's group names: the class in snake case, _1, _2... for repeats (not layer.name)."""
    used: dict[str, int] = {}
    names = []
    for layer in layers:
        base = snake_case(type(layer).__name__)
        names.append(base if base not in used else f"{base}_{used[base] + 1}")
        used[base] = used.get(base, -1) + 1
    return names


def _in_layers_group(layers: list) -> list[tuple]:
    return [(layer, f"layers/{g}") for layer, g in zip(layers, _group_names(layers))]


def _model_paths(model) -> list[tuple]:
    """(layer, group path) as Keras 3 saves a model: a Sequential's or functional model's
    layers under layers/; a subclassed model's where Keras's walk meets them first, its
    attributes in name order (private ones last) with the `layers` list among them."""
    in_list = _in_layers_group(_model_layers(model))
    if isinstance(model, (model_class("Sequential"), model_class("Functional"))):
        return in_list
    children = dict(model.named_children())
    order = sorted([*children, "layers"], key=lambda n: f"~{n}" if n.startswith("_") else n)
    paths, seen = [], set()
    for name in order:
        child = children.get(name)
        if name == "layers":
            entries = in_list
        elif isinstance(child, Layer):
            entries = [(child, name)]
        elif isinstance(child, torch.nn.ModuleList):          # a list of layers
            sub = [c for c in child if isinstance(c, Layer)]
            entries = [(c, f"{name}/{g}") for c, g in zip(sub, _group_names(sub))]
        else:
            entries = []
        for layer, path in entries:
            if id(layer) not in seen:
                seen.add(id(layer))
                paths.append((layer, path))
    return paths


def _load_keras3_layers(f, pairs: list[tuple], where: str) -> None:
    for layer, path in pairs:
        expected = layer.get_weights() if isinstance(layer, Layer) else []
        if not expected and not _has_vars(f, path):
            continue
        if path not in f:
            raise ValueError(
                f"{where} has no weights for layer {layer.name!r} ({type(layer).__name__}): "
                f"no group {path}. Is it the same architecture? The file has: "
                f"{sorted(f['layers']) if 'layers' in f else sorted(f)}.")
        _set(layer, _read_layer(f[path], layer), f"{where}, {path}")


def _has_vars(f, path: str) -> bool:
    if path not in f:
        return False
    found = []
    f[path].visititems(lambda n, o: found.append(n) if hasattr(o, "shape") else None)
    return bool(found)


def _vars(group) -> list[np.ndarray]:
    v = group.get("vars")
    return [] if v is None else [np.asarray(v[str(i)]) for i in range(len(v))]


def _sublayers(layer) -> list[tuple[str, Layer]]:
    if hasattr(layer, "keras_sublayers"):     # groups named otherwise than the attributes
        return layer.keras_sublayers()
    return [(n, c) for n, c in layer.named_children() if isinstance(c, Layer)]


# Keras layers that keep their weights in sublayers rnnkit's layer does not have, in the
# order Keras lists them (creation order; the file's groups are alphabetical).
_KERAS_SUBLAYERS = {"MultiHeadAttention": ["query_dense", "key_dense", "value_dense",
                                           "output_dense"]}


def _read_layer(group, layer) -> list[np.ndarray]:
    """A layer's own vars, then each sublayer's, by attribute name (Keras's weights order)."""
    arrays = _vars(group)
    children = _sublayers(layer)
    for name, child in children:
        if name in group:
            arrays += _read_layer(group[name], child)
    if not children:                         # Keras's sublayers folded into one rnnkit layer
        for name in _KERAS_SUBLAYERS.get(type(layer).__name__, []):
            if name in group:
                arrays += _read_group(group[name])
    return arrays


def _read_group(group) -> list[np.ndarray]:
    arrays = _vars(group)
    for name in sorted(k for k in group if k != "vars"):
        arrays += _read_group(group[name])
    return arrays


def _write_keras3_layers(f, pairs: list[tuple], model_name: str) -> None:
    f.require_group("layers")
    for layer, path in pairs:
        _write_layer(f.create_group(path), layer)
    f.create_group("vars").attrs["name"] = model_name


def _write_layer(group, layer) -> None:
    arrays = layer.get_weights()
    children = _sublayers(layer)
    n_own = len(arrays) - sum(len(c.get_weights()) for _, c in children)
    own = group.create_group("vars")
    own.attrs["name"] = getattr(layer, "name", type(layer).__name__)
    folded = _KERAS_SUBLAYERS.get(type(layer).__name__) if not children else None
    if folded:                                 # equal shares: each sublayer's kernel (and bias)
        per = len(arrays) // len(folded)
        for k, name in enumerate(folded):
            sub = group.create_group(name).create_group("vars")
            for i, a in enumerate(arrays[k * per:(k + 1) * per]):
                sub.create_dataset(str(i), data=a)
        return
    for i, a in enumerate(arrays[:n_own]):
        own.create_dataset(str(i), data=a)
    for name, child in children:
        _write_layer(group.create_group(name), child)


# ---- tf.keras 2 (legacy HDF5) weight groups ------------------------------------------------

def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _load_legacy_layers(group, layers: list, where: str) -> None:
    """Match file layers to model layers by name when every name matches, else by order
    among the layers that have weights (tf.keras 2's own rule)."""
    saved = {}
    for name in (_text(n) for n in group.attrs["layer_names"]):
        g = group[name]
        arrays = [np.asarray(g[_text(w)]) for w in g.attrs.get("weight_names", [])]
        if arrays:
            saved[name] = arrays
    with_weights = [layer for layer in layers if isinstance(layer, Layer) and layer.get_weights()
                    or not getattr(layer, "built", True)]
    by_name = all(layer.name in saved for layer in with_weights)
    if not by_name and len(saved) != len(with_weights):
        raise ValueError(
            f"{where} holds weights for {len(saved)} layers ({', '.join(saved)}), the model has "
            f"{len(with_weights)} layers with weights ({', '.join(l.name for l in with_weights)}).")
    for layer, (name, arrays) in zip(with_weights, saved.items()):
        if by_name:
            name, arrays = layer.name, saved[layer.name]
        _set(layer, arrays, f"{where}, layer {name!r}")


_KERAS_WEIGHT_NAMES = {"SimpleRNNCell": ["kernel", "recurrent_kernel", "bias"],
                       "LSTMCell": ["kernel", "recurrent_kernel", "bias"],
                       "GRUCell": ["kernel", "recurrent_kernel", "bias"],
                       "Dense": ["kernel", "bias"], "Embedding": ["embeddings"]}


def _write_legacy_layers(group, layers: list, model_name: str) -> None:
    group.attrs["layer_names"] = [layer.name.encode("utf-8") for layer in layers]
    group.attrs["backend"] = b"torch"
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf-8")
    for layer in layers:
        g = group.create_group(layer.name)
        names = _legacy_weight_names(layer, f"{model_name}/{layer.name}")
        g.attrs["weight_names"] = [n.encode("utf-8") for n in names]
        for name, array in zip(names, layer.get_weights(), strict=True):
            g.create_dataset(name, data=array)


def _legacy_weight_names(layer, prefix: str) -> list[str]:
    """Variable paths in get_weights() order: own weights, then each sublayer's."""
    children = _sublayers(layer)
    n_own = len(layer.get_weights()) - sum(len(c.get_weights()) for _, c in children)
    known = _KERAS_WEIGHT_NAMES.get(type(layer).__name__, [])     # a missing bias is last
    names = [f"{prefix}/{known[i] if i < len(known) else i}" for i in range(n_own)]
    for name, child in children:
        names += _legacy_weight_names(child, f"{prefix}/{getattr(child, 'name', name)}")
    return names


def _set(layer, arrays: list, where: str) -> None:
    try:
        layer.set_weights(arrays)
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None


# ---- small helpers -------------------------------------------------------------------------

def _existing(filepath) -> Path:
    path = Path(filepath)
    if not path.is_file():
        raise FileNotFoundError(f"No Keras file at {str(path)!r}.")
    return path


def _open_h5(source, path, mode: str):
    """The open HDF5 file; a file on disk is first checked against the SHA-256 in its rnnkit
    user block, if it has one (check_h5_sha256), so HDF5 never parses a damaged file rnnkit
    wrote."""
    h5py = _h5py()
    if mode == "r" and isinstance(source, (str, os.PathLike)):
        check_h5_sha256(source)
    try:
        return h5py.File(source, mode)
    except OSError as e:
        raise _damaged(path, e, "HDF5 file (Keras .h5 / .weights.h5)") from None


USER_BLOCK = 512
SHA_TAG = b"rnnkit-sha256 "


def _write_h5(tmp: Path, fill) -> None:
    """An HDF5 file whose 512-byte user block records the SHA-256 of the bytes after it."""
    with _h5py().File(tmp, "w", userblock_size=USER_BLOCK) as f:
        fill(f)
    digest = hashlib.sha256()
    with open(tmp, "r+b") as f:
        f.seek(USER_BLOCK)
        for block in iter(lambda: f.read(2**20), b""):
            digest.update(block)
        f.seek(0)
        f.write((SHA_TAG + digest.hexdigest().encode("ascii") + b"\n").ljust(USER_BLOCK, b"\0"))


def check_h5_sha256(path) -> None:
    """Nothing for an HDF5 file without rnnkit's user block (Keras wrote it) or one whose
    bytes match the SHA-256 there; a DamagedFileError otherwise, before HDF5 reads it.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "w.h5"
    >>> _write_h5(path, lambda f: f.create_dataset("w", data=[1.0, 2.0]))
    >>> check_h5_sha256(path)
    >>> data = bytearray(path.read_bytes()); data[-1] ^= 1; _ = path.write_bytes(bytes(data))
    >>> check_h5_sha256(path)                                      # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.DamagedFileError: .../w.h5: expected bytes whose SHA-256 ...
    """
    with open(path, "rb") as f:
        head = f.read(USER_BLOCK)
        if sum(a == b for a, b in zip(head, SHA_TAG)) < len(SHA_TAG) // 2:
            return                    # no user block of rnnkit's (a flipped bit or two in
                                      # its tag still counts as rnnkit's, and is refused)
        expected = head[len(SHA_TAG):len(SHA_TAG) + 64].decode("ascii", "replace")
        digest = hashlib.sha256()
        for block in iter(lambda: f.read(2**20), b""):
            digest.update(block)
    if not head.startswith(SHA_TAG) or digest.hexdigest() != expected:
        raise DamagedFileError(path, None, f"bytes whose SHA-256 its first {USER_BLOCK} bytes "
                               f"record ({expected[:12]}...)", "other bytes: the file was "
                               "damaged or changed after rnnkit wrote it", "save it again")


def _write_file_atomically(path: Path, write) -> Path:
    """write(tmp) a file beside path, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _keras_compile_config(model) -> dict[str, Any]:
    """Keras's compile_config: what Keras's load_model compiles the model with."""
    config = compile_config(model)
    spec = model._optimizer_spec
    if hasattr(spec, "get_config"):
        config["optimizer"] = {"module": "keras.optimizers", "class_name": type(spec).__name__,
                               "config": spec.get_config(), "registered_name": None}
    return {**config, "weighted_metrics": None, "run_eagerly": False,
            "steps_per_execution": 1, "jit_compile": False}


def _compile_from_keras(model, compile_config: dict[str, Any], path) -> None:
    """compile() with the file's optimizer, loss and metrics when rnnkit knows them."""
    from .. import optimizers
    opt = compile_config.get("optimizer")
    loss = compile_config.get("loss")
    if isinstance(opt, dict):
        cls = getattr(optimizers, str(opt.get("class_name")), None)
        rate = (opt.get("config") or {}).get("learning_rate")
        if isinstance(cls, type) and isinstance(rate, (int, float)):
            opt = cls(learning_rate=rate)
        else:
            opt = str(opt.get("class_name", "rmsprop")).lower()
    if isinstance(loss, dict):
        loss = snake_case(str(loss.get("class_name", "")))
    metrics = [m for m in (compile_config.get("metrics") or []) if isinstance(m, str)]
    try:
        model.compile(optimizer=opt or "rmsprop", loss=loss, metrics=metrics or None)
    except (ValueError, TypeError) as e:
        warnings.warn(f"{path}: the model loaded uncompiled ({e}); call model.compile(...) "
                      "before fit.", stacklevel=3)
