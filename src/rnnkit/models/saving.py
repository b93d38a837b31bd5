"""Model files: a folder with a JSON config and safetensors weights. No pickle, no code.

    model.rnnkit/
        config.json              architecture, compile settings, format version
        model.safetensors        the weights, by parameter name
        optimizer.safetensors    optimizer state tensors (to resume training), optional
        optimizer.json           optimizer hyper-parameters and scalar state, optional
        ...                      a task may add tokenizer.json, scaler.json, metrics.json

Keras's own files go by their suffix to keras_files.py: `.keras` (Keras 3's zip),
`.weights.h5` (Keras 3's weights) and `.h5` / `.hdf5` (tf.keras 2); never another format under
those names.

Loading reads JSON and safetensors only: layer classes are looked up by name in a fixed
registry, so a file can never run code. A save writes a temporary folder beside the target
and renames it into place, so an interrupted save never leaves a half-written model.

    >>> import tempfile
    >>> from rnnkit.layers import Dense, Input
    >>> from rnnkit.models import Sequential
    >>> model = Sequential([Input(shape=(3,)), Dense(2)])
    >>> path = save_model(model, tempfile.mkdtemp() + "/m.rnnkit")
    >>> sorted(p.name for p in path.iterdir())
    ['config.json', 'model.safetensors']
    >>> loaded = load_model(path)
    >>> torch.equal(loaded(torch.ones(1, 3)), model(torch.ones(1, 3)))
    True
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from ..layers.registry import custom_object_scope, model_class, model_classes
from ..utils.files import recover, write_atomically, write_file_atomically
from .compile_utils import compile_config

FORMAT = "rnnkit.model"
VERSION = 1
CONFIG, WEIGHTS = "config.json", "model.safetensors"
MAX_CONFIG_BYTES = 64 * 2**20
OPT_TENSORS, OPT_JSON = "optimizer.safetensors", "optimizer.json"


def state_tensors(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The module's state_dict as contiguous CPU tensors, ready for safetensors."""
    return {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}


def keras_suffix(filepath) -> str | None:
    """'.keras', '.weights.h5' or '.h5' when the name asks for a Keras file, else None."""
    name = str(filepath).lower()
    for suffix in (".keras", ".weights.h5", ".h5", ".hdf5"):
        if name.endswith(suffix):
            return ".h5" if suffix == ".hdf5" else suffix
    return None


def save_model(model, filepath, include_optimizer: bool = True) -> Path:
    """Save a model (config, weights, compile settings, optimizer state). A Sequential or
    functional model is saved whole; a subclassed model saves its get_config() and the
    shapes of its inputs, and loads with custom_objects={"MyModel": MyModel}.

    A '.keras' name writes Keras 3's zip and a '.h5' name tf.keras 2's HDF5 (keras_files.py)."""
    suffix = keras_suffix(filepath)
    if suffix is not None:
        from . import keras_files
        if suffix == ".weights.h5":
            raise ValueError(
                f"{str(filepath)!r} names a weights file: use model.save_weights(...) for it, "
                "or a '.keras' name for the whole model.")
        save = keras_files.save_keras_model if suffix == ".keras" else keras_files.save_h5_model
        return save(model, filepath)
    if not any(True for _ in model.parameters()):
        raise ValueError("The model has no weights yet: build it (fit, or call it on a batch, or "
                         "give Input(shape=...)) before saving.")
    config: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                              "class_name": type(model).__name__, "config": model.get_config()}
    if type(model).__name__ not in model_classes() and type(model).__name__ != "Seq2Seq":
        specs = getattr(model, "_input_specs", None)
        if specs is None:
            raise ValueError(
                f"Cannot save the subclassed model {type(model).__name__!r} before it has run "
                "once: call it on a batch, or fit it, so its input shapes are known.")
        config["input_specs"] = specs
    if getattr(model, "compiled", False):
        config["compile"] = compile_config(model)

    def write(folder: Path) -> None:
        (folder / CONFIG).write_text(json.dumps(config, indent=2))
        save_file(state_tensors(model), str(folder / WEIGHTS))
        if include_optimizer and getattr(model, "optimizer", None) is not None:
            save_optimizer(model.optimizer, folder)

    return write_atomically(filepath, write)


def save_optimizer(optimizer: torch.optim.Optimizer, folder: Path) -> None:
    """The optimizer's state into `folder`: its tensors in optimizer.safetensors, its
    hyper-parameters and scalar state in optimizer.json."""
    state = optimizer.state_dict()
    tensors, scalars = {}, {}
    for idx, entry in state["state"].items():
        for key, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{idx}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{idx}.{key}"] = value
    save_file(tensors, str(folder / OPT_TENSORS))
    (folder / OPT_JSON).write_text(json.dumps(
        {"class": type(optimizer).__name__, "param_groups": state["param_groups"],
         "scalars": scalars}, indent=2))


def load_optimizer(optimizer: torch.optim.Optimizer, folder: Path) -> None:
    """Restore what save_optimizer wrote into an optimizer of the same class and groups."""
    meta = json.loads((folder / OPT_JSON).read_text())
    if meta.get("class") != type(optimizer).__name__:
        raise ValueError(f"The saved optimizer is {meta.get('class')}, the model's is "
                         f"{type(optimizer).__name__}.")
    state: dict[int, dict[str, Any]] = {}
    for name, value in load_file(str(folder / OPT_TENSORS)).items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = value
    for name, value in meta["scalars"].items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def read_config(filepath) -> dict[str, Any]:
    path = recover(Path(filepath))
    if not (path / CONFIG).is_file():
        what = "does not exist" if not path.exists() else f"has no {CONFIG}"
        raise FileNotFoundError(
            f"No rnnkit model at {str(path)!r}: the path {what}. A model is a folder written by "
            "model.save(path).")
    if (path / CONFIG).stat().st_size > MAX_CONFIG_BYTES:
        raise ValueError(f"{path / CONFIG} is {(path / CONFIG).stat().st_size:,} bytes; a model "
                         f"config is far smaller (at most {MAX_CONFIG_BYTES:,}). The file is not "
                         "an rnnkit model config.")
    try:
        config = json.loads((path / CONFIG).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise ValueError(f"{path / CONFIG} is not valid JSON ({type(e).__name__}: {e}); the "
                         "model file is damaged.") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"{path / CONFIG} is not an rnnkit model config (format "
                         f"{config.get('format') if isinstance(config, dict) else None!r}).")
    version = config.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"{path / CONFIG}: 'version' must be an integer, got {version!r}; the "
                         "model file is damaged.")
    if version > VERSION:
        raise ValueError(f"{path} was written by a newer rnnkit (format version "
                         f"{config['version']} > {VERSION}); upgrade rnnkit to load it.")
    return config


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True, device: str = "cpu"):
    """Load a model saved with model.save(filepath): config, weights, optimizer state.

    Layers and models of your own are named in custom_objects ({"MyLayer": MyLayer}): a
    file names classes, it never holds their code. safe_mode=False lets Lambda layers
    rebuild their function from the source text saved with them. Keras's files load too: a
    Keras 3 `.keras` zip or a tf.keras 2 `.h5` (never with Lambda layers)."""
    suffix = keras_suffix(filepath)
    if suffix is not None and not Path(filepath).is_dir():       # Keras's own files
        from . import keras_files
        load = keras_files.load_keras_model if suffix == ".keras" else keras_files.load_h5_model
        with custom_object_scope(custom_objects):
            return load(filepath, compile=compile).to(device)
    path = Path(filepath)
    config = read_config(path)
    name = config.get("class_name")
    if name == "Seq2Seq":          # an encoder-decoder (translate)
        return model_class("Seq2Seq").load(path).to(device)
    with custom_object_scope(custom_objects):
        if name in model_classes():
            model = model_classes()[name].from_config(config["config"], safe_mode=safe_mode)
        elif custom_objects and name in custom_objects:
            model = _subclassed_from_config(custom_objects[name], config, path)
        else:
            raise ValueError(
                f"{path / CONFIG} holds a model of class {name!r}. Known: "
                f"{', '.join(model_classes())}. A subclassed model loads with "
                f"load_model(path, custom_objects={{{name!r}: {name}}}).")
    load_weights(model, path / WEIGHTS)
    if compile and config.get("compile"):
        c = config["compile"]
        model.compile(optimizer=c["optimizer"] or "rmsprop", loss=c["loss"],
                      metrics=c["metrics"] or None, loss_weights=c.get("loss_weights"),
                      device=device)
        if (path / OPT_JSON).is_file():
            model.optimizer = model._optimizer_spec.build(model.parameters())
            load_optimizer(model.optimizer, path)
    else:
        model.to(device)
    return model


def _subclassed_from_config(cls, config: dict[str, Any], path: Path):
    """A subclassed model: made from its get_config(), then run once on zeros of the saved
    input shapes so that its layers build before the weights load."""
    init = dict(config.get("config") or {})
    try:
        model = cls.from_config(init) if "from_config" in cls.__dict__ else cls(**init)
    except TypeError:
        if set(init) - {"name", "trainable"}:
            raise
        model = cls()
    specs = config.get("input_specs")
    if not isinstance(specs, list) or not specs:
        raise ValueError(f"{path / CONFIG} has no input shapes for {cls.__name__}; it cannot be "
                         "built before its weights load.")
    from ..layers.base import _check_dtype
    from ..layers.symbolic import trial_mode
    xs = [torch.zeros((1, *shape), dtype=_check_dtype(dtype)) for shape, dtype in specs]
    with trial_mode(model):
        model._run(xs)
    return model


def save_weights(model, filepath) -> Path:
    """The weights alone, as one safetensors file (written to a temporary name, then renamed).

    A '.weights.h5' name writes Keras 3's weights file instead."""
    suffix = keras_suffix(filepath)
    if suffix is not None:
        from . import keras_files
        if suffix == ".keras":
            raise ValueError(
                f"{str(filepath)!r} names a whole-model Keras file: use model.save(...) for it, "
                "or a '.weights.h5' name for the weights alone.")
        save = keras_files.save_keras_weights if suffix == ".weights.h5" else \
            keras_files.save_h5_weights                 # '.h5': tf.keras 2's weights file
        return save(model, filepath)
    tensors = state_tensors(model)
    return write_file_atomically(filepath, lambda tmp: save_file(tensors, str(tmp)))


def load_weights(model, filepath) -> None:
    """Load weights saved by save_weights; Keras's '.weights.h5' and '.h5' files load too."""
    if keras_suffix(filepath) in (".weights.h5", ".h5"):
        from .keras_files import load_keras_weights
        return load_keras_weights(model, filepath)
    path = Path(filepath)
    if not path.is_file():
        raise FileNotFoundError(f"No weights file at {str(path)!r}.")
    try:
        tensors = load_file(str(path))
    except Exception as e:  # noqa: BLE001 - safetensors' own errors do not name the file
        raise ValueError(f"{path} is not a readable safetensors file ({type(e).__name__}: "
                         f"{e}); the weights file is damaged.") from None
    own = model.state_dict()
    missing = sorted(set(own) - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    if missing or unexpected:
        raise ValueError(
            f"The weights in {path} do not fit this model: missing {missing[:5]}, unexpected "
            f"{unexpected[:5]}. Was the model built the same way (same layers and input shape)?")
    for name, value in tensors.items():
        if tuple(value.shape) != tuple(own[name].shape):
            raise ValueError(f"Weight {name!r} in {path} has shape {tuple(value.shape)}, the "
                             f"model expects {tuple(own[name].shape)}.")
        if value.dtype != own[name].dtype and not (value.is_floating_point()
                                                   and own[name].is_floating_point()):
            raise ValueError(f"Weight {name!r} in {path} is {value.dtype}, the model expects "
                             f"{own[name].dtype}: the file is damaged or from another model.")
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise ValueError(f"Weight {name!r} in {path} holds NaN or infinite values; a "
                             "model that diverged was saved, or the file is damaged.")
    model.load_state_dict(tensors)
