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
config.json records the SHA-256 of the weights and of its own values (`config_sha256`),
optimizer.json those of the optimizer's tensors and its own: loading checks them, so a file
damaged or changed after the save is refused by name instead of loading as another model.
"""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from ..errors import DamagedFileError
from ..layers.registry import custom_object_scope, model_class, model_classes
from ..utils.files import recover, write_atomically, write_file_atomically
from ..utils.safe_read import (check_file, check_safetensors, check_seal, field, read_json,
                               sealed, sha256_of)
from .compile_utils import compile_config

FORMAT = "rnnkit.model"
VERSION = 1
CONFIG, WEIGHTS = "config.json", "model.safetensors"
SEAL = "config_sha256"              # config.json's and optimizer.json's own SHA-256 (sealed)
MAX_CONFIG_BYTES = 64 * 2**20
MAX_WEIGHTS_BYTES = 64 * 2**30
MAX_LAYERS = 10_000                 # layers in one config (deep stacks are a few hundred)
MAX_TIME_STEPS = 2**24              # any one dimension of an input shape
# config fields that size a weight: each at most the weights file's element count
SIZE_FIELDS = {"units", "filters", "output_dim", "input_dim", "num_heads", "key_dim",
               "value_dim", "embedding_dim", "hidden_size", "vocab_size", "latent_dim",
               "n_features", "n_symbols", "n_tokens", "embedding"}
COUNT_FIELDS = {"layers", "stack", "num_layers"}          # stacked layers: at most MAX_LAYERS
BOOL_FIELDS = {"return_sequences", "return_state", "go_backwards", "stateful", "use_bias",
               "unroll", "mask_zero", "unit_forget_bias", "reset_after"}
SHAPE_FIELDS = {"input_shape", "build_input_shape", "batch_input_shape", "shape",
                "batch_shape", "input_length"}
OPT_TENSORS, OPT_JSON = "optimizer.safetensors", "optimizer.json"


def state_tensors(module: torch.nn.Module) -> dict[str, torch.Tensor]:
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
    if not isinstance(filepath, (str, os.PathLike)) or os.path.basename(
            os.path.normpath(os.fspath(filepath))) in ("", ".", ".."):
        raise ValueError(f"model.save expects a path naming a new or saved model, such as "
                         f"'model.rnnkit', got {filepath!r}.")
    if Path(filepath).is_dir() and any(Path(filepath).iterdir()) and not os.path.lexists(
            Path(filepath) / CONFIG):
        raise ValueError(f"model.save will not replace {str(filepath)!r}: it is a folder that "
                         "holds no rnnkit model. Pass a new name, such as 'model.rnnkit'.")
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
        save_file(state_tensors(model), str(folder / WEIGHTS))
        config["weights_sha256"] = sha256_of(folder / WEIGHTS)
        (folder / CONFIG).write_text(json.dumps(sealed(config, SEAL), indent=2))
        if include_optimizer and getattr(model, "optimizer", None) is not None:
            save_optimizer(model.optimizer, folder)

    return write_atomically(filepath, write)


def save_optimizer(optimizer: torch.optim.Optimizer, folder: Path) -> None:
    state = optimizer.state_dict()
    tensors, scalars = {}, {}
    for idx, entry in state["state"].items():
        for key, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{idx}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{idx}.{key}"] = value
    save_file(tensors, str(folder / OPT_TENSORS))
    (folder / OPT_JSON).write_text(json.dumps(sealed(
        {"class": type(optimizer).__name__, "param_groups": state["param_groups"],
         "scalars": scalars, "tensors_sha256": sha256_of(folder / OPT_TENSORS)}, SEAL), indent=2))


def load_optimizer(optimizer: torch.optim.Optimizer, folder: Path) -> None:
    """optimizer.json and optimizer.safetensors back into `optimizer`; a DamagedFileError
    naming the file and field when either is not what save_optimizer wrote."""
    source = folder / OPT_JSON
    meta = read_json(source, root=folder, max_bytes=MAX_CONFIG_BYTES, what="optimizer state",
                     allow_nan=True)
    check_seal(meta, SEAL, source)
    if meta.get("class") != type(optimizer).__name__:
        raise ValueError(f"The saved optimizer in {source} is {meta.get('class')!r}, the "
                         f"model's is {type(optimizer).__name__}: compile with the same "
                         "optimizer to resume, or load with compile=False.")
    groups = field(meta, "param_groups", source, list)
    scalars = field(meta, "scalars", source, dict)
    state: dict[int, dict[str, Any]] = {}
    tensors = read_safetensors(folder / OPT_TENSORS, folder, "optimizer state")
    expected = field(meta, "tensors_sha256", source, str, default=None)
    if expected is not None and sha256_of(folder / OPT_TENSORS) != expected:
        raise DamagedFileError(folder / OPT_TENSORS, None, f"the optimizer state whose SHA-256 "
                               f"{OPT_JSON} records ({expected[:12]}...)", "other bytes: the "
                               "file was damaged or replaced after the save")
    for origin, items in ((OPT_TENSORS, tensors.items()), (OPT_JSON, scalars.items())):
        for name, value in items:
            idx, _, key = name.partition(".")
            if not idx.isdigit() or not key or int(idx) >= _n_params(optimizer):
                raise DamagedFileError(folder / origin, name, "'<parameter index>.<name>' for "
                                       f"one of the optimizer's {_n_params(optimizer)} "
                                       "parameters", repr(name)[:60])
            state.setdefault(int(idx), {})[key] = value
    try:
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    except (ValueError, KeyError, TypeError, IndexError, RuntimeError) as e:
        raise DamagedFileError(source, "param_groups", "the groups this optimizer saved",
                               f"{type(e).__name__}: {e}") from None


def _n_params(optimizer: torch.optim.Optimizer) -> int:
    return sum(len(group["params"]) for group in optimizer.param_groups)


def read_safetensors(path: Path, root: Path | None, what: str) -> dict[str, torch.Tensor]:
    """A safetensors file checked first (check_safetensors), its own errors turned into one
    DamagedFileError that names the file."""
    check_safetensors(path, root, what)
    try:
        return load_file(str(path))
    except Exception as e:  # noqa: BLE001 - safetensors' own errors do not name the file
        raise DamagedFileError(path, None, f"a readable safetensors file of {what}",
                               f"{type(e).__name__}: {e}") from None


def read_config(filepath) -> dict[str, Any]:
    """config.json of a model folder, checked: a regular file of bounded size, JSON at most a
    few dozen levels deep, the rnnkit format, an integer version, at most MAX_LAYERS layers
    and sizes (units, shapes) the weights file can hold. Refusals are DamagedFileError."""
    path = recover(Path(filepath))
    if not os.path.lexists(path / CONFIG):
        what = "does not exist" if not path.exists() else f"has no {CONFIG}"
        raise FileNotFoundError(
            f"No rnnkit model at {str(path)!r}: the path {what}. A model is a folder written by "
            "model.save(path).")
    source = path / CONFIG
    config = read_json(source, root=path, max_bytes=MAX_CONFIG_BYTES, what="model config",
                       allow_nan=True)
    if config.get("format") != FORMAT:
        raise DamagedFileError(source, "format", repr(FORMAT), repr(config.get("format"))[:60],
                               "the folder is not an rnnkit model (model.save writes one)")
    version = field(config, "version", source, int, default=0)
    if version > VERSION:
        raise ValueError(f"{path} was written by a newer rnnkit (format version "
                         f"{config['version']} > {VERSION}); upgrade rnnkit to load it.")
    field(config, "class_name", source, str)
    _check_sizes(config, source, _weights_bytes(path))
    check_seal(config, SEAL, source)
    _check_checksum(config, path, source)
    return config


def _check_checksum(config: dict, path: Path, source: Path) -> None:
    expected = field(config, "weights_sha256", source, str, default=None)
    if expected is not None:                  # models saved before the checksum have none
        check_safetensors(path / WEIGHTS, path, "weights")
        if sha256_of(path / WEIGHTS) != expected:
            raise DamagedFileError(path / WEIGHTS, None, f"the weights whose SHA-256 "
                                   f"{CONFIG} records ({expected[:12]}...)", "other bytes: "
                                   "the file was damaged or replaced after the save")


def save_task_model(folder: Path, class_name: str, config: dict, module) -> None:
    """A task's own model (compose, speech): model.safetensors, then config.json with
    {"class_name", "config", "weights_sha256"}; read back with check_task_model_config."""
    folder.mkdir(parents=True, exist_ok=True)
    save_file(state_tensors(module), str(folder / WEIGHTS))
    (folder / CONFIG).write_text(json.dumps(sealed(
        {"class_name": class_name, "config": config,
         "weights_sha256": sha256_of(folder / WEIGHTS)}, SEAL), indent=2) + "\n")


def check_task_model_config(folder: Path) -> dict[str, Any]:
    """config.json of a task's own model folder ({"class_name", "config"}), read safely, its
    sizes bounded as read_config bounds them and the weights' SHA-256 checked when recorded;
    returns the inner config."""
    source = Path(folder) / CONFIG
    config = read_json(source, root=folder, max_bytes=MAX_CONFIG_BYTES, what="model config")
    check_seal(config, SEAL, source)
    inner = field(config, "config", source, dict)
    _check_sizes(inner, source, _weights_bytes(Path(folder)))
    _check_checksum(config, Path(folder), source)
    return inner


def load_task_model(folder: Path, cls):
    """A task's own model saved by save_task_model: `cls(**config)` with its weights checked
    (shapes, dtypes, finite values), in eval mode."""
    model = cls(**check_task_model_config(folder))
    load_weights(model, folder / WEIGHTS)
    return model.eval()


def _weights_bytes(path: Path) -> int:
    try:
        return os.stat(path / WEIGHTS).st_size
    except OSError:
        return 0


def _check_sizes(config: dict, source: Path, weights_bytes: int) -> None:
    """Numbers from the file that decide how much memory the model takes: at most MAX_LAYERS
    layers, each size field at most the elements the weights file can hold (float16 or
    wider), each input dimension at most MAX_TIME_STEPS. Walked without recursion."""
    largest = max(weights_bytes // 2, 64)
    layers, stack = 0, [(config, "")]
    while stack:
        item, key = stack.pop()
        if isinstance(item, dict):
            layers += "class_name" in item
            for name in BOOL_FIELDS & item.keys():
                if not isinstance(item[name], bool):
                    raise DamagedFileError(source, name, "true or false",
                                           repr(item[name])[:60])
            if layers > MAX_LAYERS:
                raise DamagedFileError(source, "layers", f"at most {MAX_LAYERS:,} layers",
                                       "more")
            stack.extend((v, k) for k, v in item.items() if k != "compile")
        elif isinstance(item, list):
            stack.extend((v, key) for v in item)
        elif isinstance(item, int) and not isinstance(item, bool):
            if key in COUNT_FIELDS and item > MAX_LAYERS:
                raise DamagedFileError(source, key, f"at most {MAX_LAYERS:,} layers", f"{item:,}")
            if key in SIZE_FIELDS and item > largest:
                raise DamagedFileError(source, key, f"at most {largest:,} (the weights file "
                                       f"holds {weights_bytes:,} bytes)", f"{item:,}")
            if (key in SHAPE_FIELDS or key == "input_specs") and item > MAX_TIME_STEPS:
                raise DamagedFileError(source, key, f"dimensions of at most {MAX_TIME_STEPS:,}",
                                       f"{item:,}")


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
        if os.path.lexists(filepath):                 # else keras_files says it is missing
            check_file(filepath, MAX_WEIGHTS_BYTES, what="Keras model file")
        with custom_object_scope(custom_objects), _damaged(filepath, None, "a Keras model"):
            return load(filepath, compile=compile).to(device)
    path = Path(filepath)
    config = read_config(path)
    name = config.get("class_name")
    if name == "Seq2Seq":          # an encoder-decoder (translate)
        with _damaged(path / CONFIG, "config", "an encoder-decoder config"):
            return model_class("Seq2Seq").load(path).to(device)
    if name not in model_classes() and not (custom_objects and name in custom_objects):
        raise ValueError(
            f"{path / CONFIG} holds a model of class {name!r}. Known: "
            f"{', '.join(model_classes())}. A subclassed model loads with "
            f"load_model(path, custom_objects={{{name!r}: {name}}}).")
    with custom_object_scope(custom_objects), _damaged(path / CONFIG, "config",
                                                       f"a {name} config"):
        if name in model_classes():
            model = model_classes()[name].from_config(field(config, "config", path / CONFIG,
                                                            dict), safe_mode=safe_mode)
        else:
            model = _subclassed_from_config(custom_objects[name], config, path)
    load_weights(model, path / WEIGHTS)
    if compile and config.get("compile"):
        c = field(config, "compile", path / CONFIG, dict)
        with _damaged(path / CONFIG, "compile", "the compile settings model.save wrote"):
            model.compile(optimizer=c["optimizer"] or "rmsprop", loss=c["loss"],
                          metrics=c["metrics"] or None, loss_weights=c.get("loss_weights"),
                          device=device)
            if os.path.lexists(path / OPT_JSON):
                model.optimizer = model._optimizer_spec.build(model.parameters())
        if os.path.lexists(path / OPT_JSON):
            load_optimizer(model.optimizer, path)
    else:
        model.to(device)
    return model


@contextlib.contextmanager
def _damaged(source, name: str | None, expected: str):
    """Errors that a damaged file provokes deeper down (a constructor given a list for its
    units, a missing key) as one DamagedFileError naming the file and field."""
    try:
        yield
    except DamagedFileError:
        raise
    except (KeyError, TypeError, IndexError, AttributeError, ValueError, RuntimeError,
            RecursionError, OverflowError, MemoryError, OSError, EOFError) as e:
        if isinstance(e, FileNotFoundError) and not os.path.lexists(source):
            raise
        raise DamagedFileError(source, name, expected, f"{type(e).__name__}: "
                               f"{str(e)[:2000]}") from None


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
    if not os.path.lexists(path):
        raise FileNotFoundError(f"No weights file at {str(path)!r}.")
    tensors = read_safetensors(path, None, "weights")
    own = model.state_dict()
    missing = sorted(set(own) - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    if missing or unexpected:
        raise DamagedFileError(
            path, None, "the weights of this model",
            f"weights that do not fit this model: missing {missing[:5]}, unexpected "
            f"{unexpected[:5]}", "build the model the same way (same layers and input shape)")
    for name, value in tensors.items():
        if tuple(value.shape) != tuple(own[name].shape):
            raise DamagedFileError(path, name, f"shape {tuple(own[name].shape)}",
                                   f"shape {tuple(value.shape)}")
        if value.dtype != own[name].dtype and not (value.is_floating_point()
                                                   and own[name].is_floating_point()):
            raise DamagedFileError(path, name, f"a {own[name].dtype} tensor",
                                   f"{value.dtype}: the file is damaged or from another model")
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise DamagedFileError(path, name, "finite values", "NaN or infinite values: a "
                                   "model that diverged was saved, or the file is damaged")
    model.load_state_dict(tensors)
