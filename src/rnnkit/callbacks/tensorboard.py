"""TensorBoard: the epoch logs (and optionally batch losses and weight histograms) as
TensorBoard event files, laid out as Keras writes them.

    model.fit(x, y, validation_split=0.2, callbacks=[TensorBoard(log_dir="logs")])
    # tensorboard --logdir logs

    logs/train/       epoch_loss, epoch_<metric>, epoch_learning_rate (and batch_loss with
                      update_freq="batch" or every N batches; weight histograms every
                      histogram_freq epochs)
    logs/validation/  epoch_loss, epoch_<metric> from the val_ logs

Writing uses torch.utils.tensorboard, which needs the `tensorboard` package: install it with
`pip install "rnnkit[tensorboard]"`.
"""
from __future__ import annotations

import os

from .base import Callback


def _summary_writer():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ImportError(
            "TensorBoard logging needs the tensorboard package, which is not installed. "
            "Install it with: pip install \"rnnkit[tensorboard]\" (or pip install tensorboard), "
            "or drop the TensorBoard callback (CSVLogger writes the same logs to a CSV file)."
        ) from None
    return SummaryWriter


class TensorBoard(Callback):
    """Keras's TensorBoard callback. Arguments TensorBoard-specific to TensorFlow
    (write_graph, write_images, profile_batch, embeddings_freq) are accepted and ignored."""

    def __init__(self, log_dir="logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False,
                 update_freq="epoch", profile_batch=0, embeddings_freq: int = 0,
                 embeddings_metadata=None):
        super().__init__()
        self._writer_class = _summary_writer()
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or \
                histogram_freq < 0:
            raise ValueError(f"TensorBoard histogram_freq must be an integer >= 0 (0: no "
                             f"histograms), got {histogram_freq!r}.")
        if update_freq not in ("epoch", "batch") and (
                isinstance(update_freq, bool) or not isinstance(update_freq, int)
                or update_freq < 1):
            raise ValueError(f"TensorBoard update_freq must be 'epoch', 'batch' or a number of "
                             f"batches >= 1, got {update_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers: dict = {}
        self._step = 0
        self._needs_batch_logs = self.update_freq != "epoch"

    def _writer(self, which: str):
        if which not in self._writers:
            self._writers[which] = self._writer_class(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_train_begin(self, logs=None):
        self._step = 0

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.update_freq != "epoch" and logs and self._step % self.update_freq == 0:
            for key, value in logs.items():
                if isinstance(value, (int, float)):
                    self._writer("train").add_scalar(f"batch_{key}", value, self._step)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for key, value in logs.items():
            if not isinstance(value, (int, float)):
                continue
            which, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            self._writer(which).add_scalar(f"epoch_{name}", value, epoch)
        rate = self._learning_rate()
        if rate is not None and "learning_rate" not in logs:
            self._writer("train").add_scalar("epoch_learning_rate", rate, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0 and self.model is not None:
            for name, param in self.model.named_parameters():
                self._writer("train").add_histogram(name, param.detach().cpu(), epoch)
        for writer in self._writers.values():
            writer.flush()

    def _learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        groups = getattr(optimizer, "param_groups", None)
        return float(groups[0]["lr"]) if groups else None

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
