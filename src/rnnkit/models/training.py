"""compile / fit / evaluate / predict: Keras's training API as one visible loop.

    fit -> _run_epoch -> _train_step

Data is converted and checked once, kept as tensors on the model's device and sliced by
index per batch (no per-sample collate). Loss and metric sums stay on the device; they are
read once an epoch, or once a batch only when a callback asks for batch logs.

Masked outputs (Embedding(mask_zero=True) -> LSTM(return_sequences=True) -> Dense) weight
the per-step loss and metrics by the mask, as Keras does: a batch's loss is
sum(mask * loss) / sum(mask), so padding steps count for nothing.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .. import activations
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from ..callbacks import CallbackList, History
from . import distributed
from .data import (Dataset, align_targets, as_tensor, check_label_range, check_same_length,
                   class_weights)


def resolve_device(device: str | torch.device) -> torch.device:
    """'auto' is the GPU when there is one, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.") \
            from None


class Model(nn.Module):
    """Keras's training API on an nn.Module; Sequential supplies the layers and forward."""

    def __init__(self) -> None:
        super().__init__()
        self.compiled = False
        self.optimizer: torch.optim.Optimizer | None = None
        self.stop_training = False
        self.history: History | None = None

    # -- compile ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, device="auto") -> None:
        """Choose the optimizer, the loss and the metrics (Keras names or objects)."""
        if loss is None:
            raise ValueError(
                "compile() needs a loss, such as loss='mse' for regression or "
                f"'sparse_categorical_crossentropy' for classes. Available: "
                f"{', '.join(sorted(losses_mod.LOSSES))}.")
        if metrics is not None and (isinstance(metrics, str) or not hasattr(metrics, "__iter__")):
            raise TypeError(f"metrics must be a list such as ['accuracy'], got {metrics!r}.")
        self.loss = losses_mod.get(loss)
        if self.loss.name == "crf" and getattr(self, "layers", None) and \
                isinstance(getattr(self.layers[-1], "loss", None), losses_mod.Loss):
            self.loss = self.layers[-1].loss      # 'crf' by name: bind the model's CRF layer
        self._optimizer_spec = optimizers_mod.get(optimizer)
        for m in metrics or []:        # fail now on unknown names, resolve 'accuracy' later
            metrics_mod.get(m, self.loss.name, None, False)
        self._metric_ids = list(metrics or [])
        self.optimizer = None
        if isinstance(self._optimizer_spec, torch.optim.Optimizer):
            self.optimizer = self._optimizer_spec
        self.to(resolve_device(device))
        self.compiled = True

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f"You must compile the model before calling {what}(): "
                "model.compile(optimizer='adam', loss='mse').")

    @property
    def device(self) -> torch.device:
        p = next(self.parameters(), None)
        return p.device if p is not None else getattr(self, "_device", torch.device("cpu"))

    def to(self, *args, **kwargs):
        out = super().to(*args, **kwargs)
        device = next((a for a in args if isinstance(a, (str, torch.device))),
                      kwargs.get("device"))
        if device is not None:
            self._device = torch.device(device)
        return out

    # -- data -------------------------------------------------------------------------------
    def _x_tensor(self, x) -> Tensor:
        return as_tensor("x", x, integer_ok=self._takes_token_ids())

    def _dataset(self, x, y, sample_weight=None, class_weight=None) -> Dataset:
        xt = self._x_tensor(x)
        sparse = self.loss.name in losses_mod.SPARSE_LABEL_LOSSES
        yt = as_tensor("y", y, integer_ok=sparse)
        check_same_length(xt, yt)
        self._ensure_built(xt[:1])
        out_shape = tuple(self.output_shape_for(xt[:1])[1:])
        yt = align_targets(yt, out_shape, self.loss.name)
        check_label_range(yt, self.loss.name, out_shape[-1])
        w = None
        if sample_weight is not None:
            w = as_tensor("sample_weight", sample_weight, integer_ok=False)
            check_same_length(xt, w, "sample_weight")
        if class_weight is not None:
            cw = class_weights(yt, class_weight, self.loss.name)
            w = cw if w is None else w * cw
        return Dataset(xt, yt, w).to(self.device)

    def _ensure_built(self, x_sample: Tensor) -> None:
        """Build lazy layers from one sample, then make the optimizer for their weights."""
        if any(p.numel() == 0 for p in self.parameters()) or not self.is_built:
            with torch.no_grad():
                self.eval()
                self(x_sample.to(self.device))
        if self.optimizer is None:
            self.optimizer = self._optimizer_spec.build(self.parameters())

    def _resolve_metrics(self, y: Tensor, out_dim: int) -> list[tuple[str, Any]]:
        sparse_labels = not y.is_floating_point() or y.dim() < 2 or y.shape[-1] == 1
        return [metrics_mod.get(m, self.loss.name, out_dim, sparse_labels)
                for m in self._metric_ids]

    # -- fit --------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size: int | None = None, epochs: int = 1,
            verbose="auto", callbacks=None, validation_split: float = 0.0,
            validation_data=None, shuffle: bool = True, class_weight=None,
            sample_weight=None, initial_epoch: int = 0) -> History:
        """Train for `epochs` passes over (x, y); returns the History of losses and metrics."""
        self._require_compiled("fit")
        batch_size = _check_batch_size(batch_size)
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}.")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}.")
        train = self._dataset(x, y, sample_weight, class_weight)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError("validation_data must be a tuple (x_val, y_val) or "
                                 "(x_val, y_val, sample_weight_val).")
            val = self._dataset(*validation_data[:2], *validation_data[2:])
        elif validation_split:
            train, val = train.split(validation_split)
        self._metrics = self._resolve_metrics(train.y, self.output_shape_for(train.x[:1])[-1])

        verbose = 1 if verbose == "auto" else int(verbose)
        if distributed.active():                # torchrun: same weights, one slice a rank
            distributed.broadcast_parameters(list(self.parameters()))
            verbose = verbose if distributed.rank() == 0 else 0
            self._epoch_seed = int(torch.randint(0, 2**31, (1,)))
        steps = -(-(len(train) // distributed.world_size()) // batch_size)
        cbs = CallbackList(callbacks, model=self, add_history=True, add_progbar=verbose != 0,
                           verbose=verbose, epochs=epochs, steps=steps)
        self.stop_training = False
        logs: dict[str, float] = {}
        cbs.on_train_begin()
        start = self.__dict__.pop("_resume_epoch", initial_epoch)    # set by BackupAndRestore
        for epoch in range(start, epochs):
            cbs.on_epoch_begin(epoch)
            logs = self._run_epoch(train, batch_size, shuffle, cbs, epoch)
            if val is not None:
                val_logs = self._evaluate(val, batch_size)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        self.history = cbs.history
        return self.history

    def _run_epoch(self, data: Dataset, batch_size: int, shuffle: bool,
                   cbs: CallbackList, epoch: int = 0) -> dict[str, float]:
        self.train()
        order = None
        if distributed.active():
            order = distributed.epoch_order(len(data), epoch, shuffle, self._epoch_seed,
                                            data.x.device)
        elif shuffle:
            order = torch.randperm(len(data), device=data.x.device)
        n = len(data) if order is None else len(order)
        sums = self._new_sums(data.x.device)
        seen = 0
        for step, start in enumerate(range(0, n, batch_size)):
            idx = slice(start, start + batch_size) if order is None else order[start:start + batch_size]
            xb, yb, wb = data.batch(idx)
            cbs.on_train_batch_begin(step)
            loss, y_pred, mask = self._train_step(xb, yb, wb)
            sums += self._batch_sums(loss, y_pred, yb, mask)
            seen += xb.shape[0]
            cbs.on_train_batch_end(step, self._logs(sums, seen) if cbs.needs_batch_logs else None)
            if self.stop_training:
                break
        if distributed.active():                        # the epoch's totals over all ranks
            seen = int(distributed.sum_across_ranks(torch.tensor([seen]))[0])
            sums = distributed.sum_across_ranks(sums)
        return self._logs(sums, seen)

    def _train_step(self, x: Tensor, y: Tensor, w: Tensor | None
                    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """One step of gradient descent: forward, loss, BPTT, clip, update."""
        self.optimizer.zero_grad(set_to_none=True)
        y_out, mask = self._forward_for_loss(x)
        loss = self._compute_loss(y, y_out, w, mask)
        loss.backward()
        if distributed.active():
            distributed.average_gradients(list(self.parameters()))
        spec = self._optimizer_spec
        if isinstance(spec, optimizers_mod.Optimizer) and spec.clips:
            spec.clip([p for g in self.optimizer.param_groups for p in g["params"]])
        self.optimizer.step()
        return loss.detach(), y_out.detach(), mask

    # -- loss and metrics -------------------------------------------------------------------
    @property
    def _fuses_logits(self) -> bool:
        """The loss takes the last layer's logits: its activation matches the loss's."""
        last = self.layers[-1] if getattr(self, "layers", None) else None
        return (self.loss.logits_of is not None and not self.loss.from_logits
                and hasattr(last, "pre_activation")
                and getattr(last, "activation_name", None) == self.loss.logits_of)

    def _forward_for_loss(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        """(output or logits, output mask or None)."""
        return self.forward_with_mask(x, logits=self._fuses_logits)

    def forward_with_mask(self, x: Tensor, logits: bool = False
                          ) -> tuple[Tensor, Tensor | None]:
        """A model without masks; Sequential returns the mask its layers carry."""
        return self.forward(x, logits=logits), None

    def _compute_loss(self, y: Tensor, y_out: Tensor, w: Tensor | None,
                      mask: Tensor | None = None) -> Tensor:
        """Mean loss of the batch; with a mask (B, T), sum(w * mask * loss) / sum(mask)."""
        extra = {"mask": mask} if self.loss.takes_mask else {}          # a CRF's sequences
        per_sample = (self.loss(y, y_out, from_logits=True, **extra) if self._fuses_logits
                      else self.loss(y, y_out, **extra))             # (B,) or (B, T)
        if w is not None:
            per_sample = per_sample * w.reshape(w.shape + (1,) * (per_sample.dim() - w.dim()))
        if mask is None:
            return per_sample.mean()
        mask = mask.to(per_sample.dtype)                    # 1 on real steps, 0 on padding
        return (per_sample * mask).sum() / mask.sum().clamp(min=1.0)

    def _probabilities(self, y_out: Tensor, mask: Tensor | None = None) -> Tensor:
        if not self._fuses_logits:
            return y_out
        if self.loss.logits_of == "crf":         # emissions -> the CRF's Viterbi path, one-hot
            return self.layers[-1].one_hot_path(y_out, mask)
        # by name: TimeDistributed(Dense(K, 'softmax')) names its activation but has none
        return activations.get(self.layers[-1].activation_name)(y_out)

    @torch.no_grad()
    def _batch_sums(self, loss: Tensor, y_out: Tensor, y: Tensor,
                    mask: Tensor | None = None) -> Tensor:
        """[loss * n, *metric sums, metric weight] of a batch of n samples, to add up over an
        epoch. The loss is weighted by samples (as Keras's loss tracker is); metrics by the
        values they average, so with a mask the epoch's accuracy is over all real steps of
        the epoch (Keras's stateful metrics), not a mean of per-batch means."""
        n = y.shape[0]
        values = [loss * n]
        if mask is None:
            weight = torch.tensor(float(n), device=loss.device)
        else:
            mask = mask.float()
            weight = mask.sum()
        if self._metrics:
            y_pred = self._probabilities(y_out, mask)
            if mask is None:
                values += [fn(y, y_pred).float().mean() * n for _, fn in self._metrics]
            else:
                values += [(fn(y, y_pred).float() * mask).sum() for _, fn in self._metrics]
        return torch.stack(values + [weight])

    def _new_sums(self, device) -> Tensor:
        return torch.zeros(2 + len(self._metrics), device=device)

    def _logs(self, sums: Tensor, seen: int) -> dict[str, float]:
        """Epoch (or running) means from the sums of _batch_sums: one device-to-host read."""
        means = torch.cat([sums[:1] / max(seen, 1), sums[1:-1] / sums[-1].clamp(min=1.0)])
        names = ["loss"] + [name for name, _ in self._metrics]
        return dict(zip(names, means.tolist()))

    # -- evaluate and predict ---------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size: int | None = None, verbose="auto",
                 sample_weight=None, return_dict: bool = False):
        """Loss (and metrics) on (x, y): a float, a list [loss, *metrics], or a dict."""
        self._require_compiled("evaluate")
        data = self._dataset(x, y, sample_weight)
        if not hasattr(self, "_metrics"):
            self._metrics = self._resolve_metrics(data.y, self.output_shape_for(data.x[:1])[-1])
        logs = self._evaluate(data, _check_batch_size(batch_size))
        if return_dict:
            return logs
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    @torch.no_grad()
    def _evaluate(self, data: Dataset, batch_size: int) -> dict[str, float]:
        self.eval()
        sums = self._new_sums(data.x.device)
        for start in range(0, len(data), batch_size):
            xb, yb, wb = data.batch(slice(start, start + batch_size))
            y_out, mask = self._forward_for_loss(xb)
            sums += self._batch_sums(self._compute_loss(yb, y_out, wb, mask), y_out, yb, mask)
        return self._logs(sums, len(data))

    @torch.no_grad()
    def predict(self, x, batch_size: int | None = None, verbose="auto") -> np.ndarray:
        """The model's outputs for x, as a NumPy array (batch by batch, in eval mode)."""
        xt = self._x_tensor(x)
        batch_size = _check_batch_size(batch_size)
        self.eval()
        outs = [self(xt[s:s + batch_size].to(self.device)) for s in range(0, len(xt), batch_size)]
        return torch.cat(outs).cpu().numpy()

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One gradient step on one batch; returns the loss (and metrics) as evaluate does."""
        self._require_compiled("train_on_batch")
        data = self._dataset(x, y, sample_weight, class_weight)
        if not hasattr(self, "_metrics"):
            self._metrics = self._resolve_metrics(data.y, self.output_shape_for(data.x[:1])[-1])
        self.train()
        loss, y_out, mask = self._train_step(data.x, data.y, data.w)
        logs = self._logs(self._batch_sums(loss, y_out, data.y, mask), len(data))
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    def predict_on_batch(self, x) -> np.ndarray:
        return self.predict(x, batch_size=len(self._x_tensor(x)))


def _check_batch_size(batch_size) -> int:
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    return int(batch_size)
