"""Calling rnnkit's ops with autograd: one formula, two ways in.

Each forward op has its autograd formula (a setup_context and a backward) registered with
torch.library.register_autograd: that is what torch.compile, torch.export and torch.jit.trace
use. In plain eager mode the same formula runs inside a torch.autograd.Function that calls
the op below the autograd dispatch key, which costs less Python per call than the registered
path (measured at SimpleRNN(50), T = 20, B = 32, one thread, forward + backward: 0.47 ms
before the ops were registered, 0.62 ms through the registered autograd). With gradients off
(predict, torch.no_grad) there is no graph to record: the op runs below the autograd key
directly, and so does every ATen op inside it.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

_FORMULAS: dict[str, tuple] = {}


def register_autograd(name: str, backward, setup_context, outputs: int = 0) -> None:
    """Register the autograd formula of torch.ops.rnnkit.<name> for both ways in. With
    outputs=k, the op's outputs after the first k are only saved for backward: eager calls
    return the first k (their gradients come to backward, the others' as None)."""
    torch.library.register_autograd(f"rnnkit::{name}", backward, setup_context=setup_context)
    _FORMULAS[name] = (getattr(torch.ops.rnnkit, name), backward, setup_context, outputs)


def call(name: str, *args):
    """torch.ops.rnnkit.<name>(*args), differentiable by its registered formula; the first
    `outputs` outputs only, if register_autograd named a number."""
    if torch.compiler.is_compiling() or torch.jit.is_tracing():
        output = getattr(torch.ops.rnnkit, name)(*args)
        k = _FORMULAS[name][3]
        return output[:k] if k else output
    if not torch.is_grad_enabled():
        # No graph to record (predict, no_grad): the op itself, below the autograd key for
        # it and every op inside it (BENCHMARKS.md has the time this saves).
        op, _, _, k = _FORMULAS[name]
        with torch._C._AutoDispatchBelowAutograd():
            output = op(*args)
        return output[:k] if k else output
    return _Eager.apply(*args, name)


class _Eager(torch.autograd.Function):
    """The op run below autograd; the formula's setup and backward around it. The op's name
    comes last, so ctx.needs_input_grad lines up with the op's inputs."""

    @staticmethod
    def forward(ctx, *args):
        name, inputs = args[-1], args[:-1]
        op, _, setup_context, k = _FORMULAS[name]
        with torch._C._AutoDispatchBelowAutograd():
            output = op(*inputs)
        ctx.rnnkit_op = name
        setup_context(ctx, inputs, output)
        return output[:k] if k else output

    @staticmethod
    @once_differentiable
    def backward(ctx, *grads):
        _, backward, _, k = _FORMULAS[ctx.rnnkit_op]
        grads_in = backward(ctx, *grads)     # the saved outputs' gradients: absent, so None
        return (*(grads_in if isinstance(grads_in, tuple) else (grads_in,)), None)
