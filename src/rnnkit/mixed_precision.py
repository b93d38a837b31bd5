"""Mixed precision as Keras names it: compute in bfloat16 (or float16), keep the weights,
the optimizer and the loss in float32.

    from rnnkit import mixed_precision            # or keras.mixed_precision, prefix changed
    mixed_precision.set_global_policy("mixed_bfloat16")
    model = Sequential([Embedding(65, 64), LSTM(256, return_sequences=True), Dense(65)])

A policy is read when a layer or model is created (as in Keras), so set it first. Under
"mixed_bfloat16" each layer casts its floating inputs to bfloat16 and runs inside
`torch.autocast`, so its matrix products run in bfloat16:

    y = x W^T + b     with x, W rounded to bfloat16 (8 bits of mantissa), products
                      accumulated in float32 by oneDNN, y stored in bfloat16

The weights stay float32 (`layer.variable_dtype`), so the optimizer updates float32
values with float32 gradients (autocast's casts pass gradients back in float32).
The loss is computed on float32 copies of the outputs, as Keras's losses cast y_pred to
float32. A layer given `dtype="float32"` inside a mixed model runs in float32 (Keras's
advice for a final softmax).

On CPUs with bfloat16 instructions (AVX-512 BF16, AMX) the recurrent layers then train on
bfloat16 kernels: GRU (reset_after=True) on rnnkit's own (csrc/gru_bf16.cpp: products in
bfloat16, the state and gates in float32), LSTM and SimpleRNN on torch's fused ones (oneDNN
for LSTM); 1.2-1.9x faster than float32 on this project's machine (benchmarks/bench_bf16.py).
Their `path_reason` says which kernel ran. Narrow layers train faster on rnnkit's float32
kernels than in bfloat16 (fixed costs a step dominate), so under the policy SimpleRNN below
256 units and GRU below 256 train in float32 (`FLOAT32_BELOW`); LSTM takes oneDNN's kernel
either way and gains at every size. The same policy uses CUDA's autocast on a GPU.
"""
from __future__ import annotations

import contextlib

import torch
from torch import Tensor

_COMPUTE = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16,
            "float16": torch.float16, "mixed_bfloat16": torch.bfloat16,
            "mixed_float16": torch.float16}


class Policy:
    """A dtype policy: the dtype layers compute in and the dtype of their variables.

    Policy("mixed_bfloat16"): compute_dtype "bfloat16", variable_dtype "float32".
    Policy("float32"): both float32 (the default).
    """

    def __init__(self, name: str = "float32") -> None:
        if isinstance(name, Policy):
            name = name.name
        if not isinstance(name, str) or name not in _COMPUTE:
            raise ValueError(
                f"Unknown dtype policy {name!r}. Expected one of {', '.join(_COMPUTE)}; for "
                "bfloat16 training on a CPU that has it, use 'mixed_bfloat16'.")
        self.name = name

    @property
    def compute_dtype(self) -> str:
        return str(_COMPUTE[self.name]).replace("torch.", "")

    @property
    def variable_dtype(self) -> str:
        return "float32" if self.name.startswith("mixed_") else self.compute_dtype

    @property
    def is_mixed(self) -> bool:
        return self.name.startswith("mixed_")

    @property
    def compute_torch_dtype(self) -> torch.dtype:
        return _COMPUTE[self.name]

    def get_config(self) -> dict:
        return {"name": self.name}

    def __eq__(self, other) -> bool:
        return isinstance(other, Policy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self.name}">'


DTypePolicy = Policy            # Keras 3's name
_GLOBAL = [Policy("float32")]


def set_global_policy(policy) -> None:
    """Make layers and models created from now on use `policy` ("mixed_bfloat16",
    "mixed_float16", "float32", or a Policy). Layers created before keep theirs."""
    _GLOBAL[0] = Policy(policy if policy is not None else "float32")


def global_policy() -> Policy:
    """The policy new layers take (Policy("float32") unless set_global_policy changed it)."""
    return _GLOBAL[0]


set_dtype_policy, dtype_policy = set_global_policy, global_policy     # keras.config names


def policy_for(dtype) -> Policy | None:
    """The policy a layer's `dtype=` argument names, or None when it names no float policy
    (an integer dtype, say): 'mixed_bfloat16' and Policy objects are policies."""
    if isinstance(dtype, Policy):
        return dtype
    name = str(dtype).replace("torch.", "") if isinstance(dtype, torch.dtype) else dtype
    return Policy(name) if isinstance(name, str) and name in _COMPUTE else None


# -- running under a policy ----------------------------------------------------------------
def _device_type(args) -> str:
    for a in args:
        if isinstance(a, Tensor):
            return a.device.type
    return "cpu"


def _cast(structure, dtype: torch.dtype):
    """Floating tensors of float32/bfloat16/float16 in `structure` (tensors, lists, tuples)
    cast to dtype; integer and boolean tensors (token ids, masks) pass through."""
    if isinstance(structure, Tensor):
        if structure.dtype != dtype and structure.dtype in (torch.float32, torch.bfloat16,
                                                           torch.float16):
            return structure.to(dtype)
        return structure
    if isinstance(structure, (list, tuple)):
        return type(structure)(_cast(s, dtype) for s in structure)
    return structure


def call_in_policy(policy: Policy, call, args: tuple, kwargs: dict, module=None):
    """Run a layer's call under its policy: a mixed policy casts the floating inputs to the
    compute dtype and runs inside autocast, and keeps a stateful layer's carried state in
    float32; a float32 layer inside a mixed model runs with autocast off and float32
    inputs."""
    if not all(isinstance(a, Tensor) for a in args):      # symbolic or NumPy: convert first
        return call(*args, **kwargs)
    device = _device_type(args)
    if policy.is_mixed and module is not None and float32_is_faster(module, device):
        policy = _FLOAT32
    dtype = policy.compute_torch_dtype
    args = _cast(args, dtype if policy.is_mixed else torch.float32)
    if policy.is_mixed:
        on = torch.is_autocast_enabled(device) and torch.get_autocast_dtype(device) == dtype
        with contextlib.nullcontext() if on else torch.autocast(device, dtype=dtype):
            out = call(*args, **kwargs)
        states = getattr(module, "_states", None)
        if isinstance(states, tuple) and any(isinstance(s, Tensor) and s.dtype == dtype
                                             for s in states):
            module._states = _cast(states, torch.float32)      # carried state: float32
        return out
    if not torch.is_autocast_enabled(device):
        return call(*args, **kwargs)
    with torch.autocast(device, enabled=False):
        return call(*args, **kwargs)


# Units below which rnnkit's float32 C++ kernel trains faster than bfloat16 does (forward +
# backward, batch 32, 100 steps, 64 inputs, loaded machine; BENCHMARKS.md): SimpleRNN on
# torch's bfloat16 kernel 64/128/256 units 2.76/1.29/0.81 of float32's time; GRU on rnnkit's
# bfloat16 kernel 32/64/128/256 units 2.52/1.10/0.58/0.54 (128 inputs: 2.22/0.88/0.78/0.52);
# LSTM, on oneDNN either way, 0.56-0.66 at every size. GRU(128) stays float32 for now: in
# the Embedding + GRU(128) Keras program (bench_keras_programs.py --bf16) bfloat16 took 0.64-
# 0.78 of the epoch time but ended 3 epochs at a higher loss on 4 paired seeds (mean 0.478
# against 0.447); at 5 epochs, seeds 1 and 2, 0.157 / 0.292 against 0.166 / 0.243.
FLOAT32_BELOW = {"SimpleRNN": 256, "GRU": 256}
_FLOAT32 = Policy("float32")


def float32_is_faster(module, device: str) -> bool:
    """Should this layer train in float32 under a mixed policy, because rnnkit's float32
    kernel beats bfloat16 at its size? (CPU training only: inference uses torch's kernels.)"""
    if device != "cpu" or not torch.is_grad_enabled():
        return False
    limit = next((FLOAT32_BELOW[c.__name__] for c in type(module).__mro__
                  if c.__name__ in FLOAT32_BELOW), None)
    return limit is not None and getattr(module, "units", limit) < limit


def model_scope(model) -> contextlib.AbstractContextManager:
    """Autocast around a model's forward pass when its policy is mixed, else nothing."""
    policy = getattr(model, "dtype_policy", None)
    if policy is None or not policy.is_mixed:
        return contextlib.nullcontext()
    return torch.autocast(model.device.type, dtype=policy.compute_torch_dtype)


def to_float32(tensors: list) -> list:
    """Outputs as float32 for the loss and metrics (Keras's losses cast y_pred so)."""
    return [t.float() if isinstance(t, Tensor) and t.dtype in (torch.bfloat16, torch.float16)
            else t for t in tensors]


def bfloat16_supported() -> bool:
    """Does this CPU have bfloat16 arithmetic (AVX-512 BF16 or AMX), as oneDNN sees it?"""
    return bool(getattr(torch.backends.mkldnn, "is_available", lambda: False)()) and \
        torch.ops.mkldnn._is_mkldnn_bf16_supported()


class LossScaleOptimizer:
    """Keras's LossScaleOptimizer(optimizer): float16 needs loss scaling, bfloat16 does not.
    rnnkit returns the wrapped optimizer unchanged, so Keras programs that wrap it run; use
    'mixed_bfloat16' on CPUs (float16 training on a CPU gains nothing)."""

    def __new__(cls, inner_optimizer, *args, **kwargs):
        return inner_optimizer
