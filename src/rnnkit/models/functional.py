"""Functional models: a graph of layer calls from `Input`s to outputs (Keras's functional API).

    encoder_in = Input(shape=(None,), name="source")
    _, h, c = LSTM(64, return_state=True)(Embedding(1000, 32)(encoder_in))
    decoder_in = Input(shape=(None,), name="target")
    y = LSTM(64, return_sequences=True)(Embedding(800, 32)(decoder_in), initial_state=[h, c])
    model = Model([encoder_in, decoder_in], Dense(800, activation="softmax")(y))

Calling layers on symbolic tensors recorded the graph (layers/symbolic.py); the model runs
it in the order the calls were made, passing each tensor's mask along as Sequential does.
Layers may be shared (called twice), a model may be used as a layer, and inputs and outputs
may be lists or dicts. Saved as JSON: the layers' configs and the calls between them, so
loading runs no code from the file.

    >>> import torch
    >>> from rnnkit.layers import Dense, Input, LSTM
    >>> from rnnkit.models import Model
    >>> x = Input(shape=(None, 3))
    >>> model = Model(x, Dense(2)(LSTM(4)(x)))
    >>> type(model).__name__, model(torch.zeros(5, 7, 3)).shape
    ('Functional', torch.Size([5, 2]))
"""
from __future__ import annotations

from typing import Any

import numpy as np
from torch import Tensor, nn

from ..layers.base import parameters_of
from ..layers.core import InputLayer
from ..layers.recurrent import folds_into
from ..layers.symbolic import (KerasTensor, Node, call_with_mask, compute_output_masks, flatten,
                               is_float, is_text, map_structure)
from .data import to_device
from .training import Model


class Functional(Model):
    """A model made of a graph of layer calls; build it with `Model(inputs, outputs)`."""

    plan_kind = "graph"             # predict may run a plan of a chain (inference.py)

    def __init__(self, inputs=None, outputs=None, name: str | None = None,
                 trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        if inputs is None or outputs is None:
            raise ValueError("Model(inputs, outputs) needs both: the Input(...) tensors and the "
                             "tensors the layers made from them.")
        self._input_structure = inputs
        self._output_structure = outputs
        self.inputs = _symbolic_list(inputs, "inputs")
        self.outputs = _symbolic_list(outputs, "outputs")
        for t in self.inputs:
            if t.input_layer is None:
                raise ValueError(
                    f"Model inputs must come from Input(...); {t} is the output of layer "
                    f"{getattr(t.node.layer, 'name', '?')!r}. Start the graph with "
                    "x = Input(shape=...) and pass x.")
        self._nodes = _nodes_between(self.inputs, self.outputs)
        self._input_layers = [t.input_layer for t in self.inputs]
        self.graph_layers = nn.ModuleDict()
        for layer in _unique(node.layer for node in self._nodes):
            name = getattr(layer, "name", None) or type(layer).__name__.lower()
            if name in self.graph_layers:
                raise ValueError(f"Two different layers are named {name!r}; layer names in a "
                                 "model must be unique. Pass name= to tell them apart.")
            self.graph_layers[name] = layer
        self._output_names = _output_names(outputs, self.outputs)
        self._logit_nodes = self._nodes_whose_logits_can_be_used()

    # -- what the model says about itself ---------------------------------------------------
    @property
    def layers(self) -> list:
        """Input layers, then the other layers in the order they were first called."""
        return [*self._input_layers, *self.graph_layers.values()]

    @property
    def input_names(self) -> list[str]:
        return [layer.name for layer in self._input_layers]

    @property
    def output_names(self) -> list[str]:
        return self._output_names

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _input_integer_ok(self) -> list[bool]:
        return [not is_float(t) for t in self.inputs]

    def _input_is_text(self) -> list[bool]:
        return [is_text(t) for t in self.inputs]

    def _takes_token_ids(self) -> bool:
        return not is_float(self.inputs[0]) and not is_text(self.inputs[0])

    def _nodes_whose_logits_can_be_used(self) -> dict[int, Node]:
        """Output k -> its node, when the loss may take that layer's logits instead: the
        layer makes only that tensor, and nothing else in the graph reads it."""
        read = {id(t) for node in self._nodes for t in node.inputs}
        found = {}
        for k, t in enumerate(self.outputs):
            node = t.node
            if (node is not None and isinstance(node.outputs, KerasTensor) and id(t) not in read
                    and not node.kwargs and hasattr(node.layer, "pre_activation")
                    and sum(o is t for o in self.outputs) == 1):
                found[k] = node
        return found

    def _output_layer(self, k: int):
        node = self._logit_nodes.get(k)
        return None if node is None else node.layer

    # -- running the graph ------------------------------------------------------------------
    def forward(self, inputs, mask=None, training=None):
        outs, _ = self._execute(self._input_list(inputs), mask)
        return self._structure_outputs(outs)

    def _input_list(self, inputs) -> list[Tensor]:
        from .adapters import as_list
        xs = as_list(inputs, self.input_names, "inputs")
        if all(isinstance(x, Tensor) or is_text(t) and isinstance(x, np.ndarray)
               for x, t in zip(xs, self.inputs)):
            return xs
        return [to_device(t, self.device) for t in self._x_tensors(inputs)]

    def _structure_outputs(self, outs: list[Tensor]):
        it = iter(outs)
        return map_structure(lambda _: next(it), self._output_structure)

    def _run(self, xs: list[Tensor], logits: list[bool] | None = None):
        return self._execute(xs, None, logits)

    def _execute(self, xs: list[Tensor], mask=None, logits: list[bool] | None = None
                 ) -> tuple[list[Tensor], list[Tensor | None]]:
        """Run every node in order; (outputs, output masks) as lists."""
        if len(xs) != len(self.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self.inputs)} input(s) "
                             f"({', '.join(self.input_names)}), got {len(xs)}.")
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(xs)
        values: dict[int, tuple[Tensor, Tensor | None]] = {}
        for t, x, m in zip(self.inputs, xs, masks):
            values[id(t)] = (_cast_input(t, x, self.name), m)
        use_logits = {id(self._logit_nodes[k]) for k, flag in enumerate(logits or [])
                      if flag and k in self._logit_nodes}
        pairs, folded = self._embedding_pairs(), {}
        for node in self._nodes:
            if id(node) in folded:                   # the Embedding before it runs with it
                layer_before, ids, in_mask = folded.pop(id(node))
                out = node.layer.forward(ids, mask=in_mask, embedding=layer_before)
                out_masks = compute_output_masks(node.layer, (ids,), in_mask, out)
                for sym, value, m in zip(flatten(node.outputs), flatten(out), out_masks):
                    values[id(sym)] = (value, m)
                continue
            args = map_structure(lambda v: values[id(v)][0] if isinstance(v, KerasTensor)
                                 else v, node.args)
            kwargs = map_structure(lambda v: values[id(v)][0] if isinstance(v, KerasTensor)
                                   else v, node.kwargs)
            in_mask = _first_input_mask(node.args, values)
            kwargs.update(_other_input_masks(node, values, kwargs))
            reader = pairs.get(id(node))
            if reader is not None and id(reader) not in use_logits and not kwargs and \
                    len(args) == 1 and folds_into(node.layer, reader.layer, args[0]):
                folded[id(reader)] = (node.layer, args[0],
                                      node.layer.compute_mask(args[0], in_mask))
                continue
            if id(node) in use_logits:
                out = node.layer.pre_activation(*args)
            else:
                out = call_with_mask(node.layer, args, kwargs, in_mask)
            out_masks = compute_output_masks(node.layer, args, in_mask, out)
            for sym, value, m in zip(flatten(node.outputs), flatten(out), out_masks):
                values[id(sym)] = (value, m)
        return [values[id(t)][0] for t in self.outputs], [values[id(t)][1] for t in self.outputs]

    def _embedding_pairs(self) -> dict[int, Node]:
        """{id(an Embedding's node): the node of the recurrent layer that alone reads its
        output (one argument, no keywords)}: pairs that may run as one call
        (RNN.fold_embedding). Worked out once."""
        cached = self.__dict__.get("_pairs")
        if cached is not None:
            return cached
        readers: dict[int, list[Node]] = {}
        for node in self._nodes:
            for v in flatten((node.args, node.kwargs)):
                if isinstance(v, KerasTensor):
                    readers.setdefault(id(v), []).append(node)
        model_outputs = {id(t) for t in self.outputs}
        pairs = {}
        for node in self._nodes:
            outs = flatten(node.outputs)
            if len(outs) != 1 or id(outs[0]) in model_outputs:
                continue
            reader = readers.get(id(outs[0]), [])
            if len(reader) == 1 and len(reader[0].args) == 1 and reader[0].args[0] is outs[0] \
                    and not reader[0].kwargs:
                pairs[id(node)] = reader[0]
        self.__dict__["_pairs"] = pairs
        return pairs

    def compute_mask(self, inputs, mask=None):
        return None

    # -- config ------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The graph as JSON: layers by name, then each call with its arguments, symbolic
        tensors written as references to an input or to an earlier call's output."""
        from ..layers.registry import serialize
        index = {id(node): i for i, node in enumerate(self._nodes)}

        def ref(v):
            if isinstance(v, KerasTensor):
                if v.node is None:
                    return {"__input__": v.input_layer.name}
                return {"__node__": index[id(v.node)], "__output__": v.index}
            if v is None or isinstance(v, (bool, int, float, str)):
                return v
            raise TypeError(f"Cannot save a call argument of type {type(v).__name__} in a "
                            "model config; layer call arguments must be tensors, numbers, "
                            "strings or lists of them.")
        return {
            "name": self.name,
            "input_layers": [layer.get_config() for layer in self._input_layers],
            "layers": [serialize(layer) for layer in self.graph_layers.values()],
            "nodes": [{"layer": _layer_name(node.layer), "args": map_structure(ref, node.args),
                       "kwargs": map_structure(ref, node.kwargs)} for node in self._nodes],
            "inputs": _structure_refs(self._input_structure, ref),
            "outputs": _structure_refs(self._output_structure, ref),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], safe_mode: bool = True) -> "Functional":
        from ..layers.registry import deserialize
        try:
            inputs = {c["name"]: InputLayer(batch_shape=c["batch_shape"], dtype=c.get("dtype"),
                                            name=c["name"]).output
                      for c in config["input_layers"]}
            layers = {}
            for spec in config["layers"]:
                layer = deserialize(spec, safe_mode=safe_mode)
                layers[_layer_name(layer)] = layer
            made: list[Any] = []

            def value(r):
                if isinstance(r, dict) and "__input__" in r:
                    return inputs[r["__input__"]]
                if isinstance(r, dict) and "__node__" in r:
                    return flatten(made[r["__node__"]])[r["__output__"]]
                if isinstance(r, dict):
                    return {k: value(v) for k, v in r.items()}
                if isinstance(r, (list, tuple)):
                    return [value(v) for v in r]
                return r
            for node in config["nodes"]:
                layer = layers[node["layer"]]
                made.append(layer(*value(node["args"]), **value(node["kwargs"])))
            return cls(value(config["inputs"]), value(config["outputs"]),
                       name=config.get("name"))
        except (KeyError, IndexError, TypeError) as e:
            raise ValueError(f"The model graph in the config is damaged or incomplete ({e!r}).") \
                from None


# -- helpers ----------------------------------------------------------------------------------
def _symbolic_list(structure, what: str) -> list[KerasTensor]:
    leaves = flatten(structure)
    if not leaves or not all(isinstance(t, KerasTensor) for t in leaves):
        bad = next((t for t in leaves if not isinstance(t, KerasTensor)), None)
        raise TypeError(
            f"Model {what} must be symbolic tensors (from Input(...) and layer calls on them), "
            f"got {type(bad).__name__ if leaves else 'nothing'}. A Keras graph is built as "
            "x = Input(shape=...); y = LSTM(8)(x); Model(x, y).")
    return leaves


def _nodes_between(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> list[Node]:
    """The nodes the outputs depend on, in the order they were made; every path must start
    at one of the model's inputs."""
    given = {id(t) for t in inputs}
    seen: dict[int, Node] = {}
    stack = list(outputs)
    used_inputs = set()
    while stack:
        t = stack.pop()
        if id(t) in given:
            used_inputs.add(id(t))
            continue
        if t.node is None:
            raise ValueError(
                f"The graph is disconnected: an output depends on the input {t.name!r}, which "
                f"is not among the model's inputs ({[i.name for i in inputs]}). Pass it in "
                "Model(inputs=[...]).")
        if id(t.node) not in seen:
            seen[id(t.node)] = t.node
            stack.extend(t.node.inputs)
    unused = [t.name for t in inputs if id(t) not in used_inputs]
    if unused:
        raise ValueError(f"The model inputs {unused} are not used by any output; remove them "
                         "from Model(inputs=...) or connect them.")
    return sorted(seen.values(), key=lambda node: node.order)


def _unique(items):
    seen, out = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def _layer_name(layer) -> str:
    return getattr(layer, "name", None) or type(layer).__name__.lower()


def _output_names(structure, outputs: list[KerasTensor]) -> list[str]:
    if isinstance(structure, dict):
        return list(structure.keys())
    names, count = [], {}
    for t in outputs:
        base = _layer_name(t.node.layer) if t.node is not None else t.name
        count[base] = count.get(base, 0) + 1
        names.append(base if count[base] == 1 else f"{base}_{count[base] - 1}")
    return names


def _structure_refs(structure, ref):
    return map_structure(ref, structure)


def _first_input_mask(args: tuple, values: dict):
    if not args:
        return None
    first = args[0]
    if isinstance(first, KerasTensor):
        return values[id(first)][1]
    if isinstance(first, (list, tuple)) and first and \
            all(isinstance(t, KerasTensor) for t in first):
        masks = [values[id(t)][1] for t in first]
        return masks if any(m is not None for m in masks) else None
    return None


def _other_input_masks(node: Node, values: dict, kwargs: dict) -> dict:
    """Masks of an attention layer's value and key inputs, as Keras passes them
    (value_mask=, key_mask=) when the layer takes them: padded keys get no attention."""
    params = parameters_of(node.layer.forward)
    found = {}
    for pos, name in ((1, "value"), (2, "key")):
        if f"{name}_mask" not in params or f"{name}_mask" in kwargs:
            continue
        src = node.args[pos] if len(node.args) > pos else node.kwargs.get(name)
        if isinstance(src, KerasTensor) and values[id(src)][1] is not None:
            found[f"{name}_mask"] = values[id(src)][1]
    return found


def _cast_input(t: KerasTensor, x: Tensor, model_name: str) -> Tensor:
    if is_text(t):
        return x
    if not isinstance(x, Tensor):
        raise TypeError(f"Model {model_name!r} expects tensors or arrays, got "
                        f"{type(x).__name__}.")
    expected = len(t.shape)
    if x.dim() != expected:
        raise ValueError(f"Input {t.name!r} of model {model_name!r} expects arrays of shape "
                         f"{t.shape} (rank {expected}), got shape {tuple(x.shape)}.")
    for i, (want, got) in enumerate(zip(t.shape[1:], x.shape[1:]), start=1):
        if want is not None and want != got:
            raise ValueError(f"Input {t.name!r} of model {model_name!r} expects shape "
                             f"{t.shape}, got {tuple(x.shape)} (axis {i} is {got}, not {want}).")
    if is_float(t) and not x.is_floating_point():
        return x.float()
    return x

