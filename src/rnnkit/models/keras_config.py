"""Keras model configs <-> rnnkit models: the JSON half of reading and writing Keras files.

Keras (3, and tf.keras 2) describes a model as JSON: a class name and a config per layer, and
for functional models the calls between layers ("inbound_nodes"). Reading maps each Keras
layer to the rnnkit layer of the same class name with the config keys rnnkit takes, then
rebuilds the model with the public API: `Sequential([Input(shape), layer, ...])`, or for a
functional model `x = Input(shape=..., name=...)`, `y = layer(x, ...)`, `Model(inputs,
outputs)`. Nothing in a file is ever run: classes come from rnnkit's fixed registry, and a
`Lambda` layer (Python bytecode in the file) is refused.

Keys that change nothing once trained weights are loaded (dtype policies, seeds, Keras's
`implementation=1|2`, regularizers and constraints of classes rnnkit does not have) are
dropped; Keras's own regularizers and constraints are kept, since they shape further
training; any other key rnnkit does not take, set to a non-default value, is refused with an
error that names the layer.

    >>> snake_case("MaxPooling1D"), "LSTM" in supported_classes()
    ('max_pooling1d', True)
    >>> spec = {"class_name": "Dense", "config": {"units": 3, "activation": "relu"}}
    >>> layer = layer_from_keras(spec, "model.keras")
    >>> type(layer).__name__, layer.units
    ('Dense', 3)
"""
from __future__ import annotations

import inspect
import re
from typing import Any

from ..layers.registry import _custom_objects, deserialize, layer_classes, model_class

KERAS_VERSION = "3.15.1"          # the Keras that wrote the fixtures rnnkit's files are tested on

# Keys with no effect on a loaded model's outputs: dropped when reading a Keras config.
_IGNORED_KEYS = {"dtype", "seed", "module", "registered_name", "build_config",
                 "shared_object_id", "use_cudnn", "quantization_config", "lora_rank",
                 "lora_alpha", "batch_input_shape", "batch_shape",
                 "autocast", "weights",
                 "renorm_momentum"}         # BatchNormalization: used only with renorm=True
_IGNORED_SUFFIXES = ("_regularizer", "_constraint")
_INIT_KEYS_SUFFIX = "_initializer"
_NESTED_KEYS = ("layer", "backward_layer", "cell", "cells")
_NEVER_LOADED = {"Lambda": "it holds Python bytecode, and rnnkit never runs code from a file; "
                           "rebuild the model in Python and load the weights alone"}


def snake_case(name: str) -> str:
    """Keras's naming.to_snake_case: 'SimpleRNN' -> 'simple_rnn', 'Conv1D' -> 'conv1d'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _known_penalty(key: str, value) -> bool:
    """A regularizer or constraint of rnnkit's classes (kept); None and other classes (whose
    code rnnkit does not have) are dropped: they do not change a loaded model's outputs."""
    from .. import constraints, regularizers
    known = constraints._CLASSES if key.endswith("_constraint") else regularizers._CLASSES
    return isinstance(value, dict) and value.get("class_name") in known


def supported_classes() -> list[str]:
    return sorted(set(layer_classes()) | {"InputLayer"})


# ---- reading: Keras layer config -> rnnkit layer ---------------------------------------------

def layer_from_keras(spec: dict[str, Any], where: str):
    """Build the rnnkit layer for one Keras layer spec {"class_name", "config", ...}."""
    return deserialize(_rnnkit_spec(spec, where))


def _rnnkit_spec(spec: dict[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"{where}: a layer entry must be an object with a class_name, got "
                         f"{str(spec)[:80]!r}.")
    cls_name = spec["class_name"]
    config = dict(spec.get("config") or {})
    layer_name = config.get("name", spec.get("name", "?"))
    if cls_name in _NEVER_LOADED:
        raise ValueError(f"{where}: layer {layer_name!r} is a {cls_name}, which rnnkit does not "
                         f"load: {_NEVER_LOADED[cls_name]}.")
    classes = {**layer_classes(), **_custom_objects.get()}     # load_model(custom_objects=)
    if cls_name not in classes:
        raise ValueError(
            f"{where}: layer {layer_name!r} is a {cls_name}, which rnnkit cannot map. Supported "
            f"layers: {', '.join(supported_classes())}. A layer of your own loads with "
            f"load_model(path, custom_objects={{{cls_name!r}: {cls_name}}}).")
    cls = classes[cls_name]
    params = inspect.signature(cls.__init__).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key in _NESTED_KEYS and isinstance(value, dict):
            out[key] = _rnnkit_spec(value, where)
        elif key in _NESTED_KEYS and isinstance(value, list):     # StackedRNNCells' cells
            out[key] = [_rnnkit_spec(v, where) for v in value]
        elif key == "activity_regularizer" or key.endswith(_IGNORED_SUFFIXES):
            if _known_penalty(key, value):    # kept: they shape further training
                out[key] = value
        elif key in _IGNORED_KEYS:
            continue
        elif key.endswith(_INIT_KEYS_SUFFIX):
            init = _initializer_name(value)
            if init is not None and key in params:
                out[key] = init
        elif key == "implementation" and isinstance(value, int):
            continue                    # Keras's 1|2: two schedules of the same maths
        elif key == "activation" or key == "recurrent_activation":
            out[key] = _activation_name(value, where, layer_name)
        elif key in params or takes_any:
            out[key] = value
        elif value not in (None, False, 0, 0.0, "", [], {}):
            raise ValueError(
                f"{where}: layer {layer_name!r} ({cls_name}) sets {key}={value!r}, which "
                f"rnnkit's {cls_name} does not support. It takes: "
                f"{', '.join(k for k in params if k not in ('self', 'args', 'kwargs'))}.")
    return {"class_name": cls_name, "config": out}


def _initializer_name(value) -> str | None:
    """'glorot_uniform', or Keras's {"class_name": "GlorotUniform", ...} -> the rnnkit name."""
    from .. import initializers
    if isinstance(value, dict):
        value = snake_case(str(value.get("class_name", "")))
    return value if isinstance(value, str) and value in initializers.INITIALIZERS else None


def _activation_name(value, where: str, layer_name: str):
    if isinstance(value, dict):                       # {"class_name": "function", "config": "relu"}
        value = value.get("config") if isinstance(value.get("config"), str) else \
            value.get("class_name")
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{where}: layer {layer_name!r} has activation {value!r}; rnnkit loads "
                     "activations by name only (a custom function is code).")


# ---- reading: the model --------------------------------------------------------------------

def model_from_keras(config: dict[str, Any], where: str):
    """A Sequential or functional model from Keras's model config (Keras 3 or tf.keras 2).

    Returns (model, layers in the config's order): the order Keras names weight groups by.
    """
    cls_name = config.get("class_name") if isinstance(config, dict) else None
    inner = config.get("config") if isinstance(config, dict) else None
    if cls_name == "Sequential" and isinstance(inner, list):   # Keras <= 2.2: the layers alone
        config, inner = {**config, "config": {"layers": inner}}, {"layers": inner}
    if cls_name == "Sequential" and isinstance(inner, dict):
        return _sequential_from_keras(config, where)
    if cls_name in ("Functional", "Model") and isinstance(inner, dict):
        return _functional_from_keras(inner, where)
    raise ValueError(
        f"{where}: the model is a {cls_name!r}; rnnkit loads Keras 'Sequential' and functional "
        "('Functional') models. A subclassed Keras model has no config to rebuild: define it "
        "in rnnkit and call model.load_weights(...) instead.")


def _input_shape(layer_specs: list, config: dict) -> tuple | None:
    """The batch shape from an InputLayer, a first layer's batch_input_shape or build_config."""
    for spec in layer_specs[:1]:
        c = spec.get("config", {})
        shape = c.get("batch_shape") or c.get("batch_input_shape")
        if shape:
            return tuple(shape)
    build = (config.get("build_config") or {}).get("input_shape") or \
        config.get("config", {}).get("build_input_shape")
    return tuple(build) if build else None


def _sequential_from_keras(config: dict, where: str):
    from ..layers.core import Input
    Sequential = model_class("Sequential")
    specs = list(config["config"].get("layers") or [])
    shape = _input_shape(specs, config)
    model = Sequential(name=config["config"].get("name"))
    if shape is not None:                            # batch_shape keeps a stateful batch size
        model.add(Input(batch_shape=shape))
    layers = []
    for spec in specs:
        if spec.get("class_name") == "InputLayer":
            continue
        layer = layer_from_keras(spec, where)
        model.add(layer)
        layers.append(layer)
    return model, layers


def _functional_from_keras(config: dict, where: str):
    """Replay the graph with the public API: Input(...), layer(tensors), Model(ins, outs)."""
    from ..layers.core import Input
    specs = config.get("layers") or []
    tensors: dict[tuple, Any] = {}
    layers: dict[str, Any] = {}
    pending = []
    for spec in specs:
        name = spec.get("name") or spec.get("config", {}).get("name")
        if spec.get("class_name") == "InputLayer":
            c = spec.get("config", {})
            shape = c.get("batch_shape") or c.get("batch_input_shape")
            kwargs = {"dtype": c["dtype"]} if c.get("dtype") not in (None, "float32") else {}
            tensors[(name, 0, 0)] = Input(batch_shape=tuple(shape), name=name, **kwargs)
            continue
        layers[name] = layer_from_keras(spec, where)
        pending += [(name, k, node) for k, node in enumerate(spec.get("inbound_nodes") or [])]
    while pending:                                   # each call once its inputs exist
        ready = [p for p in pending if _node_ready(p[2], tensors)]
        if not ready:
            raise ValueError(f"{where}: the graph cannot be replayed: layer {pending[0][0]!r} "
                             "waits for tensors no layer makes.")
        for name, k, node in ready:
            args, kwargs = _node_call(node, tensors, _takes_initial_state(layers[name]))
            outputs = layers[name](*args, **kwargs)
            outs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            for i, t in enumerate(outs):
                tensors[(name, k, i)] = t
        pending = [p for p in pending if p not in ready]
    inputs = _endpoints(config.get("input_layers"), tensors)
    outputs = _endpoints(config.get("output_layers"), tensors)
    model = model_class("Functional")(inputs, outputs, name=config.get("name"))
    return model, [layers[s.get("name") or s["config"]["name"]] for s in specs
                   if s.get("class_name") != "InputLayer"]


def _takes_initial_state(layer) -> bool:
    return "initial_state" in inspect.signature(layer.forward).parameters


def _history(value) -> tuple | None:
    """(layer, node, tensor) of a Keras 3 '__keras_tensor__' reference, else None."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return tuple(value["config"]["keras_history"])
    return None


def _node_refs(node) -> list[tuple]:
    if isinstance(node, dict):                                   # Keras 3: {"args", "kwargs"}
        found = []
        _walk(node, lambda v: found.append(_history(v)) if _history(v) else None)
        return found
    return [tuple(entry[:3]) for entry in node]                  # tf.keras 2: [[name, n, t, {}]]


def _walk(value, visit) -> None:
    visit(value)
    if isinstance(value, dict) and value.get("class_name") != "__keras_tensor__":
        for v in value.values():
            _walk(v, visit)
    elif isinstance(value, list):
        for v in value:
            _walk(v, visit)


def _node_ready(node, tensors: dict) -> bool:
    return all(ref in tensors for ref in _node_refs(node))


def _node_call(node, tensors: dict, takes_initial_state: bool) -> tuple[list, dict]:
    """The positional and keyword arguments of one recorded call, with tensors put back."""
    def resolve(value):
        ref = _history(value)
        if ref is not None:
            return tensors[ref]
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    if isinstance(node, dict):
        args = [resolve(a) for a in node.get("args", [])]
        kwargs = {k: resolve(v) for k, v in (node.get("kwargs") or {}).items()
                  if k not in ("training", "mask")}             # masks flow through the graph
        return args, kwargs
    # tf.keras 2: [[name, node, tensor, kwargs], ...]; an RNN's entries after the first are
    # its initial state, other layers with several entries take them as one list
    refs = [tensors[tuple(entry[:3])] for entry in node]
    kwargs = {k: v for k, v in (node[0][3] if len(node[0]) > 3 else {}).items()
              if k not in ("training", "mask")}
    if len(refs) == 1:
        return refs, kwargs
    if takes_initial_state:
        return [refs[0]], {**kwargs, "initial_state": refs[1:]}
    return [refs], kwargs


def _endpoints(spec, tensors: dict):
    """Keras's input_layers/output_layers: [name, 0, 0] for one, [[name, 0, 0], ...] for many."""
    if spec and isinstance(spec[0], str):
        return tensors[tuple(spec)]
    return [tensors[tuple(s)] for s in spec]


# ---- writing: rnnkit model -> Keras 3 config -----------------------------------------------

_RNNKIT_ONLY_KEYS = {"input_shape", "input_length", "implementation"}
_NOT_KERAS = {"MinGRU": "MinGRU (Feng et al. 2024) is not a Keras layer",
              "MinLSTM": "MinLSTM (Feng et al. 2024) is not a Keras layer",
              "CRF": "CRF is rnnkit's, not a Keras layer",
              "CharCNNEmbedding": "CharCNNEmbedding is rnnkit's, not a Keras layer",
              "BinaryOp": "an operator on symbolic tensors (x + y) is not written to Keras "
                          "files yet; use layers.Add/Subtract/Multiply",
              "GetItem": "slicing a symbolic tensor (x[:, -1]) is not written to Keras files "
                         "yet",
              "Lambda": "a Lambda's function is code, which rnnkit neither writes nor reads"}


def keras_layer_spec(layer, input_shape: tuple | None) -> dict[str, Any]:
    """Keras 3's entry for one layer: {"module", "class_name", "config", "build_config"}."""
    cls_name = type(layer).__name__
    if cls_name in _NOT_KERAS or not hasattr(layer, "get_config"):
        reason = _NOT_KERAS.get(cls_name, f"{cls_name} is not an rnnkit layer with a config")
        raise ValueError(
            f"Layer {getattr(layer, 'name', cls_name)!r} cannot be written to a Keras file: "
            f"{reason}. Save with model.save('folder') (rnnkit's format) instead.")
    spec = _keras_spec(cls_name, layer.get_config())
    if input_shape is not None:
        spec["build_config"] = {"input_shape": list(input_shape)}
    return spec


def _keras_spec(cls_name: str, rnnkit_config: dict[str, Any]) -> dict[str, Any]:
    if cls_name in _NOT_KERAS:
        raise ValueError(f"A {cls_name} cannot be written to a Keras file: {_NOT_KERAS[cls_name]}. "
                         "Save with model.save('folder') (rnnkit's format) instead.")
    config: dict[str, Any] = {"dtype": "float32"}
    for key, value in rnnkit_config.items():
        if key in _RNNKIT_ONLY_KEYS or (key == "trainable" and value is True):
            continue                     # (Keras's SpatialDropout1D refuses even trainable=True)
        if key in _NESTED_KEYS and isinstance(value, dict) and "class_name" in value:
            value = _keras_spec(value["class_name"], value.get("config", {}))
        elif key in _NESTED_KEYS and isinstance(value, list):          # StackedRNNCells
            value = [_keras_spec(v["class_name"], v.get("config", {})) for v in value]
        config[key] = value
    return {"module": "keras.layers", "class_name": cls_name, "config": config,
            "registered_name": None}


def keras_sequential_config(model) -> dict[str, Any]:
    """Keras 3's config.json for an rnnkit Sequential (built, so every shape is known)."""
    if model.input_shape is None:
        raise ValueError(
            f"Model {model.name!r} has no known input shape, and a Keras file needs one: start "
            "it with Input(shape=...) (or input_shape= on its first layer) before saving.")
    shape = tuple(model.input_shape)
    dtype = "int32" if model._takes_token_ids() else "float32"
    layers = [{"module": "keras.layers", "class_name": "InputLayer",
               "config": {"batch_shape": list(shape), "dtype": dtype, "sparse": False,
                          "name": "input_layer"}, "registered_name": None}]
    for layer in model.layers:
        layers.append(keras_layer_spec(layer, shape))
        shape = tuple(layer.compute_output_shape(shape))
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": model.name, "trainable": True, "dtype": "float32",
                       "layers": layers},
            "registered_name": None, "build_config": {"input_shape": list(model.input_shape)}}


def keras_model_config(model) -> dict[str, Any]:
    """Keras 3's config.json for an rnnkit Sequential or functional model."""
    if isinstance(model, model_class("Sequential")):
        return keras_sequential_config(model)
    if isinstance(model, model_class("Functional")):
        return keras_functional_config(model)
    raise ValueError(
        f"A {type(model).__name__} has no graph to write as a Keras config (a subclassed model "
        "is code). Save its weights with model.save_weights('w.weights.h5'), or the model "
        "with model.save('folder') (rnnkit's format).")


def keras_functional_config(model) -> dict[str, Any]:
    """Keras 3's Functional config: each layer with the calls made on it ("inbound_nodes"),
    every tensor written as [layer name, that layer's call number, output number]."""
    from ..layers.registry import serialize
    from ..layers.symbolic import KerasTensor, flatten, map_structure
    calls_so_far: dict[int, int] = {}
    history: dict[int, list] = {}                 # id(symbolic tensor) -> keras_history
    for layer in model._input_layers:
        history[id(layer.output)] = [layer.name, 0, 0]
    calls: dict[int, list] = {}                   # id(layer) -> its calls, in order
    for node in model._nodes:
        k = calls_so_far.get(id(node.layer), 0)
        calls_so_far[id(node.layer)] = k + 1
        for i, t in enumerate(flatten(node.outputs)):
            history[id(t)] = [node.layer.name, k, i]
        calls.setdefault(id(node.layer), []).append(node)

    def tensor(v):
        if not isinstance(v, KerasTensor):
            return v
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""),
                           "keras_history": history[id(v)]}}

    layers = [{"module": "keras.layers", "class_name": "InputLayer", "name": layer.name,
               "config": {"batch_shape": [layer.batch_size, *layer.shape],
                          "dtype": str(layer.dtype).replace("torch.", ""), "sparse": False,
                          "name": layer.name},
               "registered_name": None, "inbound_nodes": []} for layer in model._input_layers]
    for layer in model.graph_layers.values():
        spec = serialize(layer)
        entry = _keras_spec(spec["class_name"], spec["config"])
        entry["name"] = layer.name
        entry["inbound_nodes"] = [{"args": map_structure(tensor, list(node.args)),
                                   "kwargs": map_structure(tensor, dict(node.kwargs))}
                                  for node in calls[id(layer)]]
        layers.append(entry)

    def endpoints(structure):
        if isinstance(structure, KerasTensor):
            return history[id(structure)]
        if isinstance(structure, (list, tuple)):
            return [endpoints(s) for s in structure]
        raise ValueError("rnnkit writes Keras files for models whose inputs and outputs are "
                         "one tensor or a list of tensors (not a dict).")
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": model.name, "trainable": True, "layers": layers,
                       "input_layers": endpoints(model._input_structure),
                       "output_layers": endpoints(model._output_structure)},
            "registered_name": "Functional", "build_config": {"input_shape": None}}
