"""predict's fast path: a plan per input signature, made once, checked on every call.

A one-sample `model.predict(x)` of Input(40, 57) -> LSTM(128) -> Dense(57) spends about
150 us in the LSTM kernel; the general path around it (the Sequential loop, each layer's
__call__, its checks, the recurrent layer's path choice and initial state, the Dense layer's
checks) cost as much again as plain PyTorch's whole overhead. Between two calls on inputs of
the same shape nothing of that changes, so after two general calls succeed on a signature
(shape, dtype, device, forced path), the next calls run a plan: one step per layer,

    RNN     the kernel chosen for this signature (kernels.choose), with its weights, zero
            initial state and activation codes bound once (kernels.dispatch.bind)
    Dense   y = activation(x W^T + b)
    Dropout nothing (inference)
    Embedding (first, without mask_zero) the lookup, ids checked on every call; folded into
            the recurrent layer after it where the general path folds it

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
conversion). A functional model whose graph is a chain (Input -> layer -> layer -> output,
one tensor each) is planned as a Sequential; a model with any other layer (Masking,
Bidirectional, ...), another graph, or an Embedding with mask_zero (or not first) keeps the
general path.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.modules import module as torch_module

from .. import config
from ..kernels import build, dispatch
from ..layers.core import Dense, Dropout, Embedding
from ..layers.recurrent import RNN
from ..layers.symbolic import KerasTensor

_MAX_PLANS = 16                     # signatures kept per model (batch sizes of the last chunk)
_SEEN = "seen once"                 # a signature's first general call: no plan made yet


class Plan:
    """The steps for one signature and what must hold for them to stand."""

    __slots__ = ("steps", "owners", "layers", "count", "first")

    def __init__(self, steps, owners, layers, count, first) -> None:
        self.steps = steps          # f(x) -> x, one per layer
        self.owners = owners        # (dict, key, object): dict.get(key) must be object
        self.layers = layers        # (layer, its flags as planned): see _flags
        self.count = count          # (the dict of the model's layers, its length)
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
    its own dtype policy, activity regularizer, recurrent flags and an Embedding's mask_zero
    (None where absent)."""
    d = layer.__dict__
    return (d.get("_run_policy"), d.get("activity_regularizer"), d.get("return_sequences"),
            d.get("implementation"), d.get("stateful"), d.get("return_state"),
            d.get("go_backwards"), d.get("mask_zero"))


def signature(model, x: Tensor) -> tuple:
    return (x.shape, x.dtype, x.device, dispatch._forced)


_TORCH_DTYPES = {np.dtype("float32"): torch.float32, np.dtype("float64"): torch.float64,
                 np.dtype("int64"): torch.int64}
_CPU = torch.device("cpu")


def predict_array(model, x, batch_size: int) -> np.ndarray | None:
    """predict(x) for a NumPy array of at most one batch in the model's dtype (or of int64
    token ids), by the plan for its signature; None when there is none that holds, or when
    x holds NaN or inf (the general path then says where). Gradients off."""
    plans = model.__dict__.get("_inference_plans")
    if not plans or type(x) is not np.ndarray or not x.ndim or len(x) > batch_size \
            or not x.flags.c_contiguous:
        return None
    plan = plans.get((x.shape, _TORCH_DTYPES.get(x.dtype), _CPU, dispatch._forced))
    if type(plan) is not Plan or not plan.holds(model):
        return None
    if x.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):  # as models/data.as_tensor
            if not math.isfinite(x.sum()):
                return None
    t, rows = torch.from_numpy(x), dispatch.INFERENCE_ROWS
    if len(t) > rows and torch.get_num_threads() > 1:
        pieces = [t[i:i + rows] for i in range(0, len(t), rows)]
        return torch.cat(_on_threads(plan, pieces)).numpy()
    return plan(t).numpy()


def run_batches(model, batches: list[list[Tensor]]) -> list[list[Tensor]] | None:
    """predict's batches on torch's threads, one batch per thread at a time, each thread's
    kernels on one thread (see _on_threads), when every batch has a plan that holds and
    there are two batches and two threads or more; else None (the caller runs them one by
    one)."""
    if len(batches) < 2 or torch.get_num_threads() < 2 or len(batches[0]) != 1:
        return None
    plans = model.__dict__.get("_inference_plans")
    if not plans:
        return None
    by_key = {}
    for b in batches:
        key = signature(model, b[0])
        if key not in by_key:
            plan = plans.get(key)
            if type(plan) is not Plan or not plan.holds(model):
                return None
            by_key[key] = plan
    plan_of = [by_key[signature(model, b[0])] for b in batches]
    outs = _on_threads(lambda i: plan_of[i](batches[i][0]), range(len(batches)))
    return [[o] for o in outs]


_POOL: list = [None]


def _on_threads(fn, items) -> list:
    """[fn(item) for item in items] on torch's threads (torch.get_num_threads()), each call
    with gradients off and its kernels on one thread: independent rows in parallel instead
    of each product split over the threads. 8,192 windows of 40 steps into LSTM(128), chunks
    of 256 rows, OMP_WAIT_POLICY=PASSIVE, a quiet machine: 45,281 windows/s on two such
    threads, 26,463 with the products on two threads, 24,340 on one. torch's thread count is
    1 for the process while they run (it is global) and set back after, and so is the
    number of threads rnnkit's kernels split a sweep over; under "auto" on a busy machine
    torch's is 1 already, and this does not run."""
    from concurrent.futures import ThreadPoolExecutor
    n = torch.get_num_threads()
    pool = _POOL[0]
    if pool is None or pool._max_workers != n:
        pool = _POOL[0] = ThreadPoolExecutor(n, thread_name_prefix="rnnkit-predict")

    def call(item):
        with torch.no_grad():
            return fn(item)
    torch.set_num_threads(1)
    kernels = build.status(False)[0]
    if kernels:                        # nor do rnnkit's kernels split a sweep over rows here
        torch.ops.rnnkit.set_sweep_threads(1)
    try:
        return list(pool.map(call, items))
    finally:
        torch.set_num_threads(n)
        if kernels:
            config.tell_kernels()


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
    it) succeeded: note the signature, and on its second general call make its plan, unless
    one holds already or the model's layers are those that could not be planned before.
    (Inputs whose shapes never repeat, such as sentences of every length, pay no plan: it
    takes about 36 us to make. A batch of more than INFERENCE_ROWS rows, whose own run
    dwarfs that, gets its plan at the first call.)"""
    chain = _chain(model)
    if chain is None:
        return
    if isinstance(x, np.ndarray):
        if x.dtype != np.float32 or not x.ndim or not x.flags.c_contiguous:
            return
        x = torch.from_numpy(x)
    plans = model.__dict__.setdefault("_inference_plans", {})
    key = signature(model, x)
    layers = tuple(chain[0])
    entry = plans.get(key)
    if entry == layers or (type(entry) is Plan and entry.holds(model)):
        return
    if entry is None and len(plans) >= _MAX_PLANS:
        del plans[next(iter(plans))]                    # the oldest signature goes
    if entry is None and x.shape[0] <= dispatch.INFERENCE_ROWS:     # first sighting
        plans[key] = _SEEN
        return
    with torch.no_grad():
        plan = make(model, x)
    plans[key] = plan if plan is not None and plan.holds(model) else layers


def make(model, x: Tensor) -> Plan | None:
    """The plan for a Sequential (or chain-shaped functional) model on inputs like x, or None
    when a layer is not one the plan knows, or is set up in a way it does not take."""
    chain = _chain(model)
    if chain is None or not chain[0] or not (
            x.is_floating_point() or type(chain[0][0]) is Embedding):
        return None
    layers, owners, count = chain
    owners = list(owners)
    steps, flags = [], []
    shape, i, like = tuple(x.shape), 0, x     # like: the dtype and device between layers
    while i < len(layers):
        layer = layers[i]
        if type(layer) not in (Dense, Dropout, Embedding) and not _plain_rnn(layer):
            return None
        if not getattr(layer, "built", False) or layer.activity_regularizer is not None \
                or layer.__dict__.get("_run_policy") is not None:
            return None
        if type(layer) is Embedding and (i > 0 or layer.mask_zero):
            return None                                  # ids first; masks: general path
        owners += _owned(layer)
        flags.append((layer, _flags(layer)))
        if type(layer) is Embedding:
            shape, like = tuple(layer.compute_output_shape(shape)), layer.embeddings
            nxt = layers[i + 1] if i + 1 < len(layers) else None
            folded = _folded_step(layer, nxt, shape) \
                if nxt is not None and _plain_rnn(nxt) else None
            if folded is None:
                steps.append(_embedding_step(layer))
                i += 1
                continue
            rnn = layers[i + 1]
            if not rnn.built or rnn.activity_regularizer is not None \
                    or rnn.__dict__.get("_run_policy") is not None:
                return None
            owners += _owned(rnn)
            flags.append((rnn, _flags(rnn)))
            steps.append(folded)
            shape, i = tuple(rnn.compute_output_shape(shape)), i + 2
            continue
        if isinstance(layer, RNN):
            probe = like.new_empty(shape)
            path = dispatch.choose(layer, probe, None, False)
            steps.append(_rnn_step(layer, path, probe))
        elif type(layer) is Dense:
            steps.append(_dense_step(layer))
        shape = tuple(layer.compute_output_shape(shape))
        i += 1
    first = next(model.parameters(), None)          # its dtype and device: the model's
    if first is None:
        return None
    return Plan(steps, owners, flags, count, (first, first.dtype, first.device))


def _chain(model):
    """(the layers a model runs one after the other on its one input, the (dict, key,
    object) entries that keep them so, (a dict, its length)), or None: a Sequential's layers,
    or a functional model whose graph is a chain (one input and one output tensor, each
    layer called once, on the tensor before it, with nothing else). Only the exact classes:
    a subclass may run its layers otherwise."""
    kind = type(model).__dict__.get("plan_kind")
    if kind == "sequential":
        container = model.layers._modules
        return (list(container.values()), [(container, k, v) for k, v in container.items()],
                (container, len(container)))
    if kind != "graph" or not isinstance(model._input_structure, KerasTensor) \
            or not isinstance(model._output_structure, KerasTensor):
        return None
    nodes, before = model.__dict__["_nodes"], model._input_structure
    for node in nodes:
        if node.kwargs or len(node.args) != 1 or node.args[0] is not before \
                or not isinstance(node.outputs, KerasTensor):
            return None
        before = node.outputs
    layers = [node.layer for node in nodes]
    if before is not model._output_structure or len({id(v) for v in layers}) != len(layers):
        return None
    container = model.graph_layers._modules
    return layers, [(model.__dict__, "_nodes", nodes)], (container, len(container))


def _plain_rnn(layer) -> bool:
    """A built SimpleRNN, LSTM or GRU (or a subclass with their kernels) set up as the plan
    runs it."""
    return isinstance(layer, RNN) and layer.built and \
        not (layer.stateful or layer.return_state or layer.go_backwards) and \
        dispatch.kernel_spec(layer.cell).kind in ("simple_rnn", "lstm", "gru")


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


def _embedding_step(layer):
    """The lookup, with the ids checked on every call (Embedding.ids_of)."""
    table = layer._parameters["embeddings"]
    return lambda ids: F.embedding(layer.ids_of(ids), table)


def _folded_step(embedding, rnn, shape: tuple):
    """Embedding and recurrent layer as one call where the general path folds them
    (RNN.fold_embedding: rnnkit's kernel, fewer table rows than tokens): the input product
    is a lookup in (E W_x^T). None where it would not fold."""
    table = embedding._parameters["embeddings"]
    spec = dispatch.kernel_spec(rnn.cell)
    B, T = shape[0], shape[1]
    if spec.kind not in ("simple_rnn", "lstm", "gru") or table.shape[0] >= B * T:
        return None
    probe = table.new_empty(shape)
    path = dispatch.choose(rnn, probe, None, False)
    if path.name != "rnnkit":
        return None
    path = dispatch.Path(path.name, path.reason + "; the Embedding before it folded into the "
                         "input product, (E W_x^T)[ids]")
    sequences = rnn.return_sequences
    kernel = dispatch.bind(rnn, path, probe, all_outputs=sequences, projected=True)
    W_x, d = spec.weights[0], rnn.__dict__

    def step(ids: Tensor) -> Tensor:
        outputs, state = kernel(F.embedding(embedding.ids_of(ids), table @ W_x.T))
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
