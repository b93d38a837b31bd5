"""Data-parallel training through torch.distributed: the same fit under torchrun.

    torchrun --nproc_per_node=2 train.py          # train.py calls model.fit(...) as usual

When a process group is initialised (rnnkit.models.distributed.init_from_env() does it from
torchrun's environment: gloo on CPU, nccl on GPU), fit
  1. broadcasts rank 0's weights so every rank starts the same,
  2. gives each rank its own slice of every epoch's order (the same seeded permutation on
     all ranks, rank r taking samples r, r + W, r + 2W, ..., cut to equal length),
  3. averages the gradients of all ranks after each backward pass (one all-reduce of one
     flat buffer), so every rank takes the same optimizer step,
  4. sums the loss and metric totals of all ranks for the epoch's logs.
With batch_size b per rank on W ranks, a step sees W*b samples, as single-process training
with batch W*b on the same samples would (the tests hold the two equal).

    >>> active(), rank(), world_size()
    (False, 0, 1)
"""
from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch import Tensor


def active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    return dist.get_rank() if active() else 0


def world_size() -> int:
    return dist.get_world_size() if active() else 1


def init_from_env(backend: str | None = None) -> bool:
    """Initialise the process group from torchrun's variables; False when not under torchrun."""
    if not dist.is_available() or "WORLD_SIZE" not in os.environ:
        return False
    if not dist.is_initialized():
        backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
        dist.init_process_group(backend)
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    return True


def broadcast_parameters(params: list[Tensor]) -> None:
    with torch.no_grad():
        for p in params:
            dist.broadcast(p.data, src=0)


def epoch_order(n: int, epoch: int, shuffle: bool, seed: int, device) -> Tensor:
    """This rank's sample indices for one epoch: a slice of one permutation shared by all."""
    if shuffle:
        g = torch.Generator().manual_seed(seed + epoch)
        order = torch.randperm(n, generator=g)
    else:
        order = torch.arange(n)
    W = world_size()
    per_rank = n // W
    return order[rank():per_rank * W:W].to(device)


def average_gradients(params: list[Tensor]) -> None:
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world_size()
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def sum_across_ranks(t: Tensor) -> Tensor:
    t = t.clone()
    dist.all_reduce(t)
    return t
