"""How a model's outputs are scored: each output's loss (fused with the last layer's
logits when the activations match), the weighted total, and the sums an epoch's logs are
made from.

A batch's sums are one small tensor: [loss * n, (each output's loss * n), metric sums...,
one weight per output], added up on the device and read once an epoch. The loss is
weighted by samples (as Keras's loss tracker is); metrics by the values they average, so
with a mask the epoch's accuracy is over all real steps of the epoch (Keras's stateful
metrics), not a mean of per-batch means.

    >>> from rnnkit.layers import Dense, Input
    >>> from rnnkit.models import Sequential
    >>> model = Sequential([Input(shape=(2,)), Dense(3, activation="softmax")])
    >>> model.compile(loss="sparse_categorical_crossentropy")
    >>> fuses_logits(model)
    True
"""
from __future__ import annotations

import torch
from torch import Tensor

from .. import activations, losses
from ..layers import penalties


def fuses_logits(model, k: int = 0) -> bool:
    """Output k's loss takes the last layer's logits: its activation matches the loss's."""
    layer, loss = model._output_layer(k), model.losses_[k]
    return (loss.logits_of is not None and not loss.from_logits
            and hasattr(layer, "pre_activation")
            and getattr(layer, "activation_name", None) == loss.logits_of
            and getattr(layer, "activity_regularizer", None) is None)   # it sees the output


def forward_for_loss(model, xs: list[Tensor]) -> tuple[list[Tensor], list]:
    """(outputs or logits, output masks), one per output."""
    logits = [fuses_logits(model, k) for k in range(len(model.losses_))]
    penalties.clear_added(model)                  # add_loss values of this pass only
    return model._run(xs, logits if any(logits) else None)


def compute_loss(model, ys: list[Tensor], outs: list[Tensor], w: Tensor | None,
                 masks: list) -> tuple[Tensor, list[Tensor]]:
    """The weighted sum of the outputs' mean losses plus the layers' penalties (add_loss,
    regularizers: Keras's `model.losses`), and each output's mean loss."""
    parts = [output_loss(model, k, y, out, w, m)
             for k, (y, out, m) in enumerate(zip(ys, outs, masks))]
    extra = penalties.model_penalties(model)
    if len(parts) == 1 and model.loss_weights_[0] == 1.0 and not extra:
        return parts[0], parts
    total = sum(lw * p for lw, p in zip(model.loss_weights_, parts))
    if extra:
        total = total + sum(e.to(total.dtype) for e in extra)
    return total, parts


def output_loss(model, k: int, y: Tensor, out: Tensor, w: Tensor | None,
                mask: Tensor | None) -> Tensor:
    """Mean loss of output k; with a mask (B, T), sum(w * mask * loss) / sum(mask)."""
    loss = model.losses_[k]
    batch_mean = losses.BATCH_MEANS.get(loss.fn)
    if (batch_mean is not None and w is None and mask is None and y.shape == out.shape
            and y.dtype == out.dtype):
        return batch_mean(y, out)                 # the mean of the per-sample values, one op
    extra = {"mask": mask} if loss.takes_mask else {}               # a CRF's sequences
    per_sample = (loss(y, out, from_logits=True, **extra) if fuses_logits(model, k)
                  else loss(y, out, **extra))                      # (B,) or (B, T)
    if w is not None:
        per_sample = per_sample * w.reshape(w.shape + (1,) * (per_sample.dim() - w.dim()))
    if mask is None or mask.dim() != per_sample.dim():
        return per_sample.mean()
    mask = mask.to(per_sample.dtype)                    # 1 on real steps, 0 on padding
    return (per_sample * mask).sum() / mask.sum().clamp(min=1.0)


def probabilities(model, k: int, out: Tensor, mask: Tensor | None = None) -> Tensor:
    if not fuses_logits(model, k):
        return out
    if model.losses_[k].logits_of == "crf":    # emissions -> the CRF's Viterbi path, one-hot
        return model._output_layer(k).one_hot_path(out, mask)
    # by name: TimeDistributed(Dense(K, 'softmax')) names its activation but has none
    return activations.get(model._output_layer(k).activation_name)(out)


@torch.no_grad()
def batch_sums(model, loss: Tensor, parts: list[Tensor], outs: list[Tensor],
               ys: list[Tensor], masks: list) -> Tensor:
    """[loss * n, (each output's loss * n), each output's metric statistics...] of a batch
    of n samples, to add up over an epoch. The loss is weighted by samples (as Keras's loss
    tracker is); metrics keep the sums they need (rnnkit.metrics.EpochMetrics): a mean's
    weighted sum and weight (with a mask, over all real steps of the epoch), RMSE's squared
    errors, Precision's TP and FP, AUC's counts per threshold."""
    n = ys[0].shape[0]
    values = [loss * n]
    if len(outs) > 1:
        values += [p * n for p in parts]
    stats = []                   # each output's metric statistics (EpochMetrics.batch)
    for k, (out, y, mask, metrics) in enumerate(zip(outs, ys, masks, model._metrics)):
        if metrics:
            y_pred = probabilities(model, k, out, mask)
            stats.append(model._epoch_metrics[k].batch(
                y, y_pred, None if mask is None else mask.float()))
    return torch.cat([torch.stack(values), *stats])


def log_names(model) -> list[str]:
    names = model.output_names
    if len(names) == 1:
        return ["loss"] + [m for m, _ in model._metrics[0]]
    return (["loss"] + [f"{name}_loss" for name in names]
            + [f"{name}_{m}" for name, ms in zip(names, model._metrics) for m, _ in ms])


def reset_metrics(model) -> None:
    """A pass (epoch, evaluation) starts: metrics that keep their own state forget it."""
    for epoch_metrics in getattr(model, "_epoch_metrics", []):
        epoch_metrics.reset()


def new_sums(model) -> Tensor:
    n_out = len(model.output_names)
    n_loss = 1 + (n_out if n_out > 1 else 0)
    return torch.cat([torch.zeros(n_loss, device=model.device),
                      *(e.zeros(model.device) for e in model._epoch_metrics)])


def logs(model, sums: Tensor, seen: int) -> dict[str, float]:
    """Epoch (or running) means from the sums of _batch_sums: one device-to-host read."""
    n_out = len(model.output_names)
    n_loss = 1 + (n_out if n_out > 1 else 0)
    values = sums.tolist()                                # the one device-to-host read
    out = [v / max(seen, 1) for v in values[:n_loss]]
    pos = n_loss
    for epoch_metrics in model._epoch_metrics:
        width = sum(epoch_metrics.widths)
        out += list(epoch_metrics.results(values[pos:pos + width]).values())
        pos += width
    return dict(zip(log_names(model), out))
