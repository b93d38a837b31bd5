"""predict's fast path: a plan per input signature, made once, checked on every call.

A one-sample `model.predict(x)` of Input(40, 57) -> LSTM(128) -> Dense(57) spends about
150 us in the LSTM kernel; the general path around it (the Sequential loop, each layer's
__call__, its checks, the recurrent layer's path choice and initial state, the Dense layer's
checks) cost as much again as plain PyTorch's whole overhead. Between two calls on inputs of
the same shape nothing of that changes, so after one general call succeeds on a signature
(shape, dtype, device, forced path), the next calls run a plan: one step per layer,

    RNN     the kernel chosen for this signature (kernels.choose), with its weights, zero
            initial state and activation codes bound once (kernels.dispatch.bind)
    Dense   y = activation(x W^T + b)
    Dropout nothing (inference)

and set each recurrent layer's last_path / path_reason as the general call does.

What is checked on every call, so that a changed model never runs a stale plan: the layers
are the same objects in the same order (add, pop, or an edited model.layers); each layer's
weights and sublayers are still the tensors and modules the plan holds (a replaced weight or
cell; set_weights and load_weights copy into the same tensors, which the plan reads); no
forward hook anywhere (module or global); no dtype policy on the model or a layer (mixed
precision); no activity regularizer; the recurrent flags the plan was made for (stateful,
return_state, go_backwards, return_sequences, implementation). The input's dtype and device
are part of the signature: after model.double() or .to(device) the input is converted to the
new dtype, so a new plan is made. A cell's activation is read once, when the plan is made (as
Keras reads it when the model is built). Every check of the input itself (shape, dtype, NaN)
ran in the general call that made the plan; the NaN check runs on every call (predict's
conversion). A model with any other layer (Embedding, masks, Bidirectional, ...) or a
functional model keeps the general path.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.modules import module as torch_module

from ..kernels import dispatch
from ..layers.core import Dense, Dropout
from ..layers.recurrent import RNN

_MAX_PLANS = 8                      # signatures kept per model (batch sizes of the last chunk)


class Plan:
    """The steps for one signature and what must hold for them to stand."""

    __slots__ = ("steps", "owners", "layers", "count", "first")

    def __init__(self, steps, owners, layers, count, first) -> None:
        self.steps = steps          # f(x) -> x, one per layer
        self.owners = owners        # (dict, key, object): dict.get(key) must be object
        self.layers = layers        # (layer, its flags as planned): see _flags
        self.count = count          # (model.layers' dict, its length)
        self.first = first          # (the model's first weight, its dtype, its device)

    def holds(self, model) -> bool:
        if torch_module._global_forward_hooks or torch_module._global_forward_pre_hooks \
                or model._forward_hooks or model._forward_pre_hooks:
            return False
        policy = model.__dict__.get("dtype_policy")
        if policy is not None and policy.is_mixed:
            return False
        container, n = self.count
        if len(container) != n:
            return False
        for d, key, obj in self.owners:
            if d.get(key) is not obj:
                return False
        for layer, flags in self.layers:
            if layer._forward_hooks or layer._forward_pre_hooks or _flags(layer) != flags:
                return False
        p, dtype, device = self.first
        return p.dtype == dtype and p.device == device

    def __call__(self, x: Tensor) -> Tensor:
        for step in self.steps:
            x = step(x)
        return x


def _flags(layer) -> tuple:
    """What the plan assumes of a layer that a user may still change, read on every call:
    its own dtype policy, activity regularizer and recurrent flags (None where absent)."""
    d = layer.__dict__
    return (d.get("_run_policy"), d.get("activity_regularizer"), d.get("return_sequences"),
            d.get("implementation"), d.get("stateful"), d.get("return_state"),
            d.get("go_backwards"))


def signature(model, x: Tensor) -> tuple:
    return (x.shape, x.dtype, x.device, dispatch._forced)


_TORCH_DTYPES = {np.dtype("float32"): torch.float32, np.dtype("float64"): torch.float64}
_CPU = torch.device("cpu")


def predict_array(model, x, batch_size: int) -> np.ndarray | None:
    """predict(x) for a NumPy array of at most one batch in the model's dtype, by the plan
    for its signature; None when there is none that holds, or when x holds NaN or inf (the
    general path then says where). Gradients off."""
    plans = model.__dict__.get("_inference_plans")
    if not plans or type(x) is not np.ndarray or not x.ndim or len(x) > batch_size \
            or not x.flags.c_contiguous:
        return None
    plan = plans.get((x.shape, _TORCH_DTYPES.get(x.dtype), _CPU, dispatch._forced))
    if type(plan) is not Plan or not plan.holds(model):
        return None
    with np.errstate(over="ignore", invalid="ignore"):     # as models/data.as_tensor
        if not math.isfinite(x.sum()):
            return None
    return plan(torch.from_numpy(x)).numpy()


def call_array(model, x) -> Tensor | None:
    """model(x) for a float32 NumPy array (a Keras call on arrays: no gradients, dropout
    off) by the plan for its signature; None when there is none that holds."""
    plans = model.__dict__.get("_inference_plans")
    if not plans or x.dtype != np.float32 or not x.ndim or not x.flags.c_contiguous:
        return None
    plan = plans.get((x.shape, torch.float32, _CPU, dispatch._forced))
    if type(plan) is not Plan or not plan.holds(model):
        return None
    with torch.no_grad():
        return plan(torch.from_numpy(x))


def run(model, x: Tensor) -> Tensor | None:
    """The model's output for x by its plan, or None when there is none that holds (then
    the caller runs the general path and may `remember` the signature). Gradients off."""
    plans = model.__dict__.get("_inference_plans")
    if not plans:
        return None
    plan = plans.get(signature(model, x))
    if type(plan) is not Plan or not plan.holds(model):
        return None
    return plan(x)


def remember(model, x) -> None:
    """After a general inference call on x (a tensor, or a float32 array as model(x) takes
    it) succeeded: make the plan for its signature, unless one holds already or the model's
    layers are those that could not be planned before."""
    if not _plannable(model):
        return
    if isinstance(x, np.ndarray):
        if x.dtype != np.float32 or not x.ndim or not x.flags.c_contiguous:
            return
        x = torch.from_numpy(x)
    plans = model.__dict__.setdefault("_inference_plans", {})
    key = signature(model, x)
    layers = tuple(model.layers._modules.values())
    entry = plans.get(key)
    if entry == layers or (type(entry) is Plan and entry.holds(model)):
        return
    if len(plans) >= _MAX_PLANS:
        plans.clear()
    with torch.no_grad():
        plan = make(model, x)
    plans[key] = plan if plan is not None and plan.holds(model) else layers


def make(model, x: Tensor) -> Plan | None:
    """The plan for a Sequential model on inputs like x, or None when a layer is not one
    the plan knows, or is set up in a way it does not take."""
    if not _plannable(model) or not x.is_floating_point():
        return None
    container = model.layers._modules
    layers = list(container.values())
    if not layers:
        return None
    owners = [(container, key, layer) for key, layer in container.items()]
    steps, flags = [], []
    shape = tuple(x.shape)
    for layer in layers:
        if type(layer) not in (Dense, Dropout) and not _plain_rnn(layer):
            return None
        if not getattr(layer, "built", False) or layer.activity_regularizer is not None \
                or layer.__dict__.get("_run_policy") is not None:
            return None
        owners += _owned(layer)
        flags.append((layer, _flags(layer)))
        if isinstance(layer, RNN):
            probe = x.new_empty(shape)
            path = dispatch.choose(layer, probe, None, False)
            steps.append(_rnn_step(layer, path, probe))
        elif type(layer) is Dense:
            steps.append(_dense_step(layer))
        shape = tuple(layer.compute_output_shape(shape))
    first = next(model.parameters(), None)          # its dtype and device: the model's
    if first is None:
        return None
    return Plan(steps, owners, flags, (container, len(container)),
                (first, first.dtype, first.device))


def _plannable(model) -> bool:
    """A model whose class says its forward is the layers in order (Sequential, not a
    subclass that may have changed it)."""
    return type(model).__dict__.get("runs_layers_in_order", False)


def _plain_rnn(layer) -> bool:
    """A SimpleRNN, LSTM or GRU (any RNN with a kernel spec) set up as the plan runs it."""
    return isinstance(layer, RNN) and hasattr(layer.cell, "kernel_spec") and \
        not (layer.stateful or layer.return_state or layer.go_backwards)


def _owned(module: nn.Module) -> list:
    """(dict, key, object) for every parameter and submodule, at every depth."""
    out = [(module._parameters, k, p) for k, p in module._parameters.items()]
    for k, child in module._modules.items():
        out.append((module._modules, k, child))
        if child is not None:
            out += _owned(child)
    return out


def _rnn_step(layer, path: dispatch.Path, probe: Tensor):
    """The recurrent layer on its chosen kernel: its last output (B, H), or every step's."""
    sequences = layer.return_sequences
    kernel = dispatch.bind(layer, path, probe, all_outputs=sequences)
    d = layer.__dict__

    def step(x: Tensor) -> Tensor:
        outputs, state = kernel(x)
        d["last_path"], d["path_reason"] = path
        return outputs if sequences else state[0]
    return step


def _dense_step(layer):
    """y = activation(x W^T + b)."""
    W, b = layer._parameters["W"], layer._parameters["b"]
    d = layer.__dict__
    if "activation" not in d:                    # a module as activation: read it as usual
        return lambda x: layer.activation(F.linear(x, W, b))

    def step(x: Tensor) -> Tensor:
        return d["activation"](F.linear(x, W, b))
    return step
