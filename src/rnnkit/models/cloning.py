"""Keras's model-from-config helpers: `model.to_json()`, `model_from_json(text)` and
`clone_model(model)`.

    text = model.to_json()                 # Keras 3's model config as JSON (no weights)
    same_architecture = model_from_json(text)
    fresh = clone_model(model)             # same layers, newly initialised weights

`to_json` writes the config Keras itself writes (Keras reads it with
`keras.models.model_from_json`); `model_from_json` reads configs written by Keras 3 and
tf.keras 2, or by rnnkit. Nothing in the JSON is run: layers come from rnnkit's registry
(classes of your own through `custom_objects=`).
"""
from __future__ import annotations

import json
from typing import Any, Callable

from ..layers.registry import custom_object_scope


def to_json(model, **kwargs: Any) -> str:
    """The model's architecture as Keras's JSON config (json.dumps keyword arguments pass
    through, e.g. indent=2)."""
    from .keras_config import keras_model_config
    return json.dumps(keras_model_config(model), **kwargs)


def model_from_json(json_string: str, custom_objects: dict | None = None):
    """A new, untrained model from the JSON that `to_json` (or Keras) wrote."""
    from .keras_config import model_from_keras
    if not isinstance(json_string, (str, bytes)):
        raise TypeError(f"model_from_json takes the JSON text of a model config, got "
                        f"{type(json_string).__name__}. Read the file first: "
                        "model_from_json(open('model.json').read()).")
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as e:
        raise ValueError(f"model_from_json: the text is not valid JSON ({e.msg} at line "
                         f"{e.lineno}, column {e.colno}).") from None
    with custom_object_scope(custom_objects):
        model, _ = model_from_keras(config, "model_from_json")
    return model


def clone_model(model, input_tensors=None, clone_function: Callable | None = None):
    """A model with the same architecture and newly initialised weights (Keras's
    clone_model). `clone_function(layer) -> layer` replaces how each layer of a Sequential
    model is copied (default: a new layer from `layer.get_config()`)."""
    from .functional import Functional
    from .sequential import Sequential
    if input_tensors is not None:
        raise ValueError("clone_model(input_tensors=...) is not supported: clone the model, "
                         "then call it on the new inputs (new_model(inputs)).")
    if isinstance(model, Sequential):
        copy = clone_function or (lambda layer: type(layer).from_config(layer.get_config()))
        config = model.get_config()
        clone = Sequential(name=config.get("name"))
        clone.input_shape_arg, clone.batch_size = model.input_shape_arg, model.batch_size
        for layer in model.layers:
            clone.add(copy(layer))
        if clone.input_shape_arg is None and model.build_input_shape is not None:
            clone.build((None, *model.build_input_shape))
        return clone
    if isinstance(model, Functional):
        if clone_function is not None:
            raise ValueError("clone_model(clone_function=...) works on Sequential models; for a "
                             "functional model rebuild the graph with the layers you want.")
        return Functional.from_config(model.get_config())
    raise ValueError(f"clone_model takes a Sequential or functional model, got a "
                     f"{type(model).__name__} (a subclassed model is code: create a new "
                     "instance of its class).")
