"""compile / fit / evaluate / predict: Keras's training API as one visible loop.

    fit -> _run_epoch -> _train_step

One loop serves every model: a Sequential, a functional `Model(inputs, outputs)` and a
subclass of `Model` with its own `call()`. Inputs and targets travel as lists (one tensor
per model input and per output); a model with one input and one output is the case with
lists of one.

Data given whole is converted and checked once, kept as tensors on the model's device and
sliced by index per batch. Data given as batches (a dataset, a generator, a DataLoader, a
Sequence: see adapters.py) is converted batch by batch. Loss and metric sums stay on the
device; they are read once an epoch, or once a batch only when a callback asks.

Masked outputs (Embedding(mask_zero=True) -> LSTM(return_sequences=True) -> Dense) weight
the per-step loss and metrics by the mask, as Keras does: a batch's loss is
sum(mask * loss) / sum(mask), so padding steps count for nothing.

    >>> import numpy as np
    >>> from rnnkit.layers import Dense, Input, LSTM
    >>> from rnnkit.models import Sequential
    >>> x = np.random.default_rng(0).normal(size=(32, 5, 1)).astype("float32")
    >>> y = x.sum(axis=1)
    >>> model = Sequential([Input(shape=(5, 1)), LSTM(8), Dense(1)])
    >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    >>> history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    >>> sorted(history.history), len(history.history["loss"])
    (['loss', 'mae'], 2)
    >>> model.predict(x[:4], verbose=0).shape
    (4, 1)
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .. import config
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import mixed_precision
from .. import optimizers as optimizers_mod
from ..callbacks.base import History
from ..callbacks.callback_list import CallbackList
from ..layers import penalties
from ..layers.registry import model_class
from ..layers.base import call_module, get_weights, parameters_of, set_weights, unique_name
from ..layers.symbolic import trial_mode
from . import distributed, inference, scoring
from .adapters import BatchSource, as_list, is_batch_source
from .compile_utils import per_output
from .data import (Dataset, align_targets, as_tensor, as_texts, check_label_range,
                   check_same_length, class_weights, to_device)


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
    """Keras's Model: `Model(inputs, outputs)` for a graph of layers (see functional.py), or
    subclass it, set layers in `__init__` and write `call(self, inputs)`."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            return super().__new__(model_class("Functional"))
        return super().__new__(cls)

    def __init__(self, *, name: str | None = None, trainable: bool = True, dtype=None) -> None:
        super().__init__()
        self.name = name or unique_name(type(self).__name__)
        self.compiled = False
        self.optimizer: torch.optim.Optimizer | None = None
        self.stop_training = False
        self.history: History | None = None
        self.trainable = trainable
        self.build_input_shape = None
        self.dtype_policy = mixed_precision.global_policy()     # read once, as in Keras

    def __call__(self, *args, **kwargs):
        policy = self.__dict__.get("dtype_policy")
        if policy is not None and policy.is_mixed:
            return mixed_precision.call_in_policy(
                policy, lambda *a, **k: call_module(self, super(Model, self).__call__, a, k),
                args, kwargs)
        if len(args) == 1 and not kwargs and type(args[0]) is np.ndarray:
            out = inference.call_array(self, args[0])     # a plan for this signature
            if out is None:
                out = call_module(self, super().__call__, args, kwargs)
                inference.remember(self, args[0])
            return out
        return call_module(self, super().__call__, args, kwargs)

    def to_json(self, **kwargs) -> str:
        """The architecture as Keras's JSON model config (models.model_from_json reads it)."""
        from .. import models                 # the package: imported by the time this runs
        return models.cloning.to_json(self, **kwargs)

    @property
    def losses(self) -> list[Tensor]:
        """The penalties of the last forward pass (Keras's model.losses): add_loss values,
        activity and weight regularizers of every layer; fit adds their sum to the loss."""
        return penalties.model_penalties(self)

    # -- subclassed models ------------------------------------------------------------------
    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} has no call(): a subclass of Model computes its outputs in "
            "call(self, inputs, training=False); or build a graph with Model(inputs, outputs).")

    def forward(self, inputs, *args, **kwargs):
        if getattr(self, "_input_specs", None) is None:
            from ..layers.symbolic import flatten
            self._input_specs = [[list(t.shape[1:]), str(t.dtype).replace("torch.", "")]
                                 for t in flatten(inputs) if isinstance(t, Tensor)]
        params = parameters_of(self.call)
        if "training" in params and "training" not in kwargs:
            kwargs["training"] = self.training
        if "mask" in kwargs and "mask" not in params:
            kwargs.pop("mask")
        return self.call(inputs, *args, **kwargs)

    @property
    def layers(self) -> list:
        """The layers set as attributes, in the order they were set (Keras's tracking)."""
        from ..layers.base import Layer
        return [m for m in self.children() if isinstance(m, (Layer, Model))]

    def get_layer(self, name: str | None = None, index: int | None = None):
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"get_layer(index={index}): the model has {len(self.layers)} "
                                 "layers.")
            return self.layers[index]
        for layer in self.layers:
            if getattr(layer, "name", None) == name:
                return layer
        raise ValueError(f"No layer named {name!r}. The model's layers: "
                         f"{[getattr(layer, 'name', '?') for layer in self.layers]}.")

    # -- what each kind of model says about itself -------------------------------------------
    @property
    def input_names(self) -> list[str]:
        return ["input"]

    @property
    def output_names(self) -> list[str]:
        return ["output"]

    def _input_integer_ok(self) -> list[bool]:
        """Per input: may integer arrays stay integer (token ids) rather than become float?"""
        return [True] * len(self.input_names)

    def _input_is_text(self) -> list[bool]:
        """Per input: is it text (strings, for a TextVectorization layer)?"""
        return [False] * len(self.input_names)

    def _output_layer(self, k: int):
        """The layer that makes output k, when the loss may take its logits; else None."""
        return None

    def _run(self, xs: list[Tensor], logits: list[bool] | None = None
             ) -> tuple[list[Tensor], list[Tensor | None]]:
        """(outputs, output masks) as lists. logits[k] stops output k before its activation."""
        out = self(xs[0] if len(xs) == 1 else list(xs))
        outs = list(out.values()) if isinstance(out, dict) else \
            list(out) if isinstance(out, (list, tuple)) else [out]
        return outs, [getattr(o, "_keras_mask", None) for o in outs]

    def _takes_token_ids(self) -> bool:
        return False

    # -- compile ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                device="auto", weighted_metrics=None, run_eagerly=None, jit_compile=None,
                steps_per_execution=None, auto_scale_loss=None) -> None:
        """Choose the optimizer, the loss(es) and the metrics (Keras names or objects). With
        several outputs, loss, loss_weights and metrics may be lists (in output order) or
        dicts (by output name). run_eagerly, jit_compile and steps_per_execution are
        accepted for Keras programs and change nothing."""
        if loss is None:
            raise ValueError(
                "compile() needs a loss, such as loss='mse' for regression or "
                f"'sparse_categorical_crossentropy' for classes. Available: "
                f"{', '.join(sorted(losses_mod.LOSSES))}.")
        self._loss_spec, self._loss_weights_spec = loss, loss_weights
        self._metrics_spec = metrics if metrics is not None else weighted_metrics
        self._optimizer_spec = optimizers_mod.get(optimizer)
        self._compile_outputs()
        self.optimizer = None
        if isinstance(self._optimizer_spec, torch.optim.Optimizer):
            self.optimizer = self._optimizer_spec
        self.to(resolve_device(device))
        self.compiled = True

    def _compile_outputs(self) -> None:
        """Resolve the loss, weight and metrics of each output (names known by now)."""
        names = self.output_names
        self.losses_ = [losses_mod.get(spec) for spec in
                        per_output(self._loss_spec, names, "loss", none_ok=False)]
        for k, loss in enumerate(self.losses_):       # 'crf' by name: the model's CRF layer
            crf = self._output_layer(k)
            if loss.name == "crf" and isinstance(getattr(crf, "loss", None),
                                                 losses_mod.LossFunction):
                self.losses_[k] = crf.loss
        weights = per_output(self._loss_weights_spec, names, "loss_weights", none_ok=True)
        bad = [w for w in weights if w is not None and (isinstance(w, bool) or
                                                         not isinstance(w, (int, float)))]
        if bad:
            raise ValueError(f"loss_weights must be numbers (one per output, a list or a dict "
                             f"by output name), got {self._loss_weights_spec!r}.")
        self.loss_weights_ = [1.0 if w is None else float(w) for w in weights]
        metric_lists = per_output(self._metrics_spec, names, "metrics", none_ok=True,
                                  lists=True)
        for loss, ids in zip(self.losses_, metric_lists):
            for m in ids:        # fail now on unknown names, resolve 'accuracy' later
                metrics_mod.get_metric(m, loss.name, None, False)
        self._metric_ids = metric_lists
        self.loss = self.losses_[0]

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f"You must compile the model before calling {what}(): "
                "model.compile(optimizer='adam', loss='mse').")

    @property
    def dtype(self) -> torch.dtype:
        """The floating dtype of the weights: data is converted to it (float32 by default)."""
        p = first_parameter(self, floating=True)
        return torch.get_default_dtype() if p is None else p.dtype

    @property
    def device(self) -> torch.device:
        p = first_parameter(self)
        return p.device if p is not None else getattr(self, "_device", torch.device("cpu"))

    def to(self, *args, **kwargs):
        out = super().to(*args, **kwargs)
        device = next((a for a in args if isinstance(a, (str, torch.device))),
                      kwargs.get("device"))
        if device is not None:
            self._device = torch.device(device)
        return out

    # -- data -------------------------------------------------------------------------------
    def _x_tensors(self, x) -> list[Tensor]:
        parts = as_list(x, self.input_names, "inputs")
        names = self.input_names
        xs = []
        for i, (part, ok, text) in enumerate(zip(parts, self._input_integer_ok(),
                                                 self._input_is_text())):
            what = "x" if len(parts) == 1 else f"x[{names[i]!r}]"
            xs.append(as_texts(what, part) if text else as_tensor(what, part, integer_ok=ok))
        dtype = self.dtype
        return [t.to(dtype) if isinstance(t, Tensor) and t.is_floating_point()
                and t.dtype != dtype else t for t in xs]

    def _x_tensor(self, x) -> Tensor:
        """The input of a one-input model as a tensor (kept for export and benchmarks)."""
        return self._x_tensors(x)[0]

    def _y_tensors(self, y, out_shapes: list[tuple]) -> list[Tensor]:
        parts = as_list(y, self.output_names, "outputs")
        ys = []
        for k, (part, loss, shape) in enumerate(zip(parts, self.losses_, out_shapes)):
            what = "y" if len(parts) == 1 else f"y[{self.output_names[k]!r}]"
            yt = as_tensor(what, part, integer_ok=loss.name in losses_mod.SPARSE_LABEL_LOSSES)
            yt = yt.to(self.dtype) if yt.is_floating_point() else yt
            yt = align_targets(yt, shape, loss.name)
            check_label_range(yt, loss.name, shape[-1])
            ys.append(yt)
        return ys

    def _dataset(self, x, y, sample_weight=None, class_weight=None) -> Dataset:
        xs = self._x_tensors(x)
        for t in xs[1:]:
            check_same_length(xs[0], t, "every input")
        out_shapes = self._probe(xs)
        ys = None
        if y is not None:
            ys = self._y_tensors(y, out_shapes)
            for t in ys:
                check_same_length(xs[0], t)
        w = None
        if sample_weight is not None:
            w = as_tensor("sample_weight", sample_weight, integer_ok=False)
            check_same_length(xs[0], w, "sample_weight")
        if class_weight is not None:
            if ys is None or len(ys) != 1:
                raise ValueError("class_weight needs targets and a model with one output.")
            cw = class_weights(ys[0], class_weight, self.losses_[0].name)
            w = cw if w is None else w * cw
        return Dataset(xs, ys, w).to(self.device)

    def _probe(self, xs: list[Tensor]) -> list[tuple]:
        """Build lazy layers from one sample (changing no state), make the optimizer, and
        return each output's shape without the batch axis."""
        with trial_mode(self):
            try:
                outs, _ = self._run([to_device(t[:1], self.device) for t in xs])
            except ValueError:      # say what is wrong with the whole data, not one sample
                self._run([to_device(t, self.device) for t in xs])
                raise
        if self.optimizer is None and getattr(self, "_optimizer_spec", None) is not None:
            self.optimizer = self._optimizer_spec.build(self.parameters())
        self._out_shapes = [tuple(o.shape[1:]) for o in outs]
        self._input_specs = [[list(t.shape[1:]), "string" if not isinstance(t, Tensor)
                              else str(t.dtype).replace("torch.", "")] for t in xs]
        return self._out_shapes

    def _ensure_built(self, x_sample) -> None:
        self._probe(self._x_tensors(x_sample) if not isinstance(x_sample, list)
                    else x_sample)

    def _batch_tensors(self, bx, by, bw, with_y: bool = True):
        """One batch from a batch source, as tensors on the model's device."""
        xs = self._x_tensors(bx)
        if not hasattr(self, "_out_shapes"):
            self._probe(xs)
        ys = None
        if with_y and by is not None:       # batches may differ in length: only the last
            ys = self._y_tensors(by, [(None,) * (len(s) - 1) + s[-1:]   # axis is fixed
                                      for s in self._out_shapes])
        w = None if bw is None else as_tensor("sample_weight", bw, integer_ok=False)
        move = lambda ts: None if ts is None else [to_device(t, self.device)  # noqa: E731
                                                   for t in ts]
        return move(xs), move(ys), None if w is None else w.to(self.device)

    def _resolve_metrics(self, ys: list[Tensor]) -> list[list[tuple[str, Any]]]:
        out = []
        for y, loss, ids, shape in zip(ys, self.losses_, self._metric_ids, self._out_shapes):
            sparse_labels = not y.is_floating_point() or y.dim() < 2 or y.shape[-1] == 1
            out.append([metrics_mod.get_metric(m, loss.name, shape[-1], sparse_labels)
                        for m in ids])
        self._epoch_metrics = [metrics_mod.EpochMetrics(ms) for ms in out]   # one per output
        return out

    # -- fit --------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size: int | None = None, epochs: int = 1,
            verbose="auto", callbacks=None, validation_split: float = 0.0,
            validation_data=None, shuffle: bool = True, class_weight=None,
            sample_weight=None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1) -> History:
        """Train for `epochs` passes over (x, y), or over the batches x gives; returns the
        History of losses and metrics."""
        self._require_compiled("fit")
        batch_size = _check_batch_size(batch_size)
        _check_int("epochs", epochs, 0)
        _check_int("initial_epoch", initial_epoch, 0)
        _check_int("validation_freq", validation_freq, 1)
        for name, steps in (("steps_per_epoch", steps_per_epoch),
                            ("validation_steps", validation_steps)):
            if steps is not None:
                _check_int(name, steps, 1)
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"shuffle must be True or False, got {shuffle!r}.")
        shuffle = bool(shuffle)
        if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
                or not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be a number in [0, 1), got "
                             f"{validation_split!r}.")
        train, val = self._fit_data(x, y, sample_weight, class_weight, validation_split,
                                    validation_data, steps_per_epoch, validation_steps)
        verbose = 1 if verbose == "auto" else int(verbose)
        if distributed.active():                # torchrun: same weights, one slice a rank
            if isinstance(train, BatchSource):
                raise ValueError("Under torchrun, fit takes arrays (each rank reads its own "
                                 "slice); pass x and y whole.")
            distributed.broadcast_parameters(list(self.parameters()))
            verbose = verbose if distributed.rank() == 0 else 0
            self._epoch_seed = int(torch.randint(0, 2**31, (1,)))
        steps = train.steps if isinstance(train, BatchSource) else \
            -(-(len(train) // distributed.world_size()) // batch_size)
        cbs = CallbackList(callbacks, model=self, add_history=True, add_progbar=verbose != 0,
                           verbose=verbose, epochs=epochs, steps=steps)
        self.stop_training = False
        logs: dict[str, float] = {}
        cbs.on_train_begin()
        start = self.__dict__.pop("_resume_epoch", initial_epoch)    # see resume_at
        for epoch in range(start, epochs):
            config.apply()                          # threads: see rnnkit.config
            cbs.on_epoch_begin(epoch)
            logs = self._run_epoch(train, batch_size, shuffle, cbs, epoch)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate(val, validation_batch_size or batch_size)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        self.history = cbs.history
        return self.history

    def _fit_data(self, x, y, sample_weight, class_weight, validation_split, validation_data,
                  steps_per_epoch, validation_steps):
        """(train, validation): Datasets for data given whole, BatchSources for batches."""
        if is_batch_source(x):
            if y is not None:
                raise ValueError("x gives batches (a dataset, generator or DataLoader) and y "
                                 "is given too: the batches must carry the targets, (x, y).")
            if validation_split:
                raise ValueError("validation_split needs arrays; with a dataset or generator "
                                 "pass validation_data.")
            train = BatchSource(x, steps_per_epoch, "x")
            bx, by, _ = next(iter(BatchSource(x, 1, "x").epoch())) if not train.is_iterator \
                else (None, None, None)
            if bx is not None:
                xs, ys, _ = self._batch_tensors(bx, by, None)
                self._metrics = self._resolve_metrics(ys)
        else:
            train = self._dataset(x, y, sample_weight, class_weight)
            self._metrics = self._resolve_metrics(train.y)
        val = None
        if validation_data is not None:
            if is_batch_source(validation_data):
                val = BatchSource(validation_data, validation_steps, "validation_data")
            else:
                if not isinstance(validation_data, (tuple, list)) or \
                        len(validation_data) not in (2, 3):
                    raise ValueError("validation_data must be a tuple (x_val, y_val) or "
                                     "(x_val, y_val, sample_weight_val), or a dataset.")
                val = self._dataset(*validation_data)
        elif validation_split and isinstance(train, Dataset):
            train, val = train.split(validation_split)
        return train, val

    def _epoch_batches(self, data, batch_size: int, shuffle: bool, epoch: int):
        if isinstance(data, BatchSource):
            for bx, by, bw in data.epoch():
                xs, ys, w = self._batch_tensors(bx, by, bw)
                if not hasattr(self, "_metrics"):
                    self._metrics = self._resolve_metrics(ys)
                yield xs, ys, w
            return
        order = None
        if distributed.active():
            order = distributed.epoch_order(len(data), epoch, shuffle, self._epoch_seed,
                                            data.device)
        elif shuffle:
            order = torch.randperm(len(data), device=data.device)
        yield from data.batches(batch_size, order)

    def _run_epoch(self, data, batch_size: int, shuffle: bool, cbs: CallbackList,
                   epoch: int = 0) -> dict[str, float]:
        self.train()
        sums, seen = None, 0
        scoring.reset_metrics(self)
        for step, (xs, ys, w) in enumerate(self._epoch_batches(data, batch_size, shuffle, epoch)):
            cbs.on_train_batch_begin(step)
            loss, parts, outs, masks = self._train_step(xs, ys, w)
            batch = scoring.batch_sums(self, loss, parts, outs, ys, masks)
            sums = batch if sums is None else sums + batch
            seen += xs[0].shape[0]
            cbs.on_train_batch_end(
                step, scoring.logs(self, sums, seen) if cbs.needs_batch_logs else None)
            if self.stop_training:
                break
        if sums is None:
            sums = scoring.new_sums(self)
        if distributed.active():                        # the epoch's totals over all ranks
            seen = int(distributed.sum_across_ranks(torch.tensor([seen]))[0])
            sums = distributed.sum_across_ranks(sums)
        return scoring.logs(self, sums, seen)

    def _train_step(self, xs: list[Tensor], ys: list[Tensor], w: Tensor | None):
        """One step of gradient descent: forward, loss, BPTT, clip, update."""
        self.optimizer.zero_grad(set_to_none=True)
        outs, masks = self._forward_for_loss(xs)
        loss, parts = scoring.compute_loss(self, ys, outs, w, masks)
        loss.backward()
        if distributed.active():
            distributed.average_gradients(list(self.parameters()))
        spec = self._optimizer_spec
        if isinstance(spec, optimizers_mod.Optimizer):
            if spec.clips:
                spec.clip([p for g in self.optimizer.param_groups for p in g["params"]])
            if spec.steps_hook:                       # schedules, Keras's Adam epsilon
                spec.before_step(self.optimizer)
        self.optimizer.step()
        for layer in penalties.constrained_layers(self):    # Keras's weight constraints
            penalties.apply_constraints(layer)
        return loss.detach(), [p.detach() for p in parts], [o.detach() for o in outs], masks

    def _forward_for_loss(self, xs: list[Tensor]):
        """Outputs (or logits) and masks; under a mixed policy computed in bfloat16 and
        handed to the loss in float32."""
        with mixed_precision.model_scope(self):
            outs, masks = scoring.forward_for_loss(self, xs)
        return mixed_precision.to_float32(outs), masks

    def train_step(self, data):
        """Keras's train_step(data) on one batch (x, y[, sample_weight]); returns the logs."""
        from .adapters import unpack
        bx, by, bw = unpack(data)
        xs, ys, w = self._batch_tensors(bx, by, bw)
        if not hasattr(self, "_metrics"):
            self._metrics = self._resolve_metrics(ys)
        self.train()
        loss, parts, outs, masks = self._train_step(xs, ys, w)
        sums = scoring.batch_sums(self, loss, parts, outs, ys, masks)
        return scoring.logs(self, sums, xs[0].shape[0])

    # -- evaluate and predict ---------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size: int | None = None, verbose="auto",
                 sample_weight=None, steps: int | None = None, return_dict: bool = False,
                 callbacks=None):
        """Loss (and metrics) on (x, y): a float, a list [loss, *metrics], or a dict."""
        self._require_compiled("evaluate")
        batch_size = _check_batch_size(batch_size)
        config.apply()
        if is_batch_source(x):
            data = BatchSource(x, steps, "x")
        else:
            data = self._dataset(x, y, sample_weight)
            if not hasattr(self, "_metrics"):
                self._metrics = self._resolve_metrics(data.y)
        logs = self._evaluate(data, batch_size)
        if return_dict:
            return logs
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    @torch.no_grad()
    def _evaluate(self, data, batch_size: int) -> dict[str, float]:
        self.eval()
        sums, seen = None, 0
        scoring.reset_metrics(self)
        for xs, ys, w in self._epoch_batches(data, batch_size, False, 0):
            outs, masks = self._forward_for_loss(xs)
            loss, parts = scoring.compute_loss(self, ys, outs, w, masks)
            batch = scoring.batch_sums(self, loss, parts, outs, ys, masks)
            sums = batch if sums is None else sums + batch
            seen += xs[0].shape[0]
        return scoring.logs(self, scoring.new_sums(self) if sums is None else sums, seen)

    @torch.no_grad()
    def predict(self, x, batch_size: int | None = None, verbose="auto", steps=None,
                callbacks=None):
        """The model's outputs for x, as a NumPy array (a list of arrays for several
        outputs), batch by batch, in eval mode. Arrays are converted once; inputs of one
        batch or fewer samples run in one call with nothing concatenated. After two calls on
        a batch shape, a Sequential model (or a functional chain) runs the next ones on a plan
        made for it (models/inference.py), with every check of the input and of the model
        kept."""
        batch_size = _check_batch_size(batch_size)
        config.apply()
        if self.training:
            self.eval()
        fast = inference.predict_array(self, x, batch_size)    # a plan for this signature
        if fast is not None:
            return fast
        device = self.device
        with mixed_precision.model_scope(self):
            if is_batch_source(x):
                chunks = [self._run([to_device(t, device) for t in self._x_tensors(bx)])[0]
                          for bx, _, _ in BatchSource(x, steps, "x").epoch()]
            else:
                xs = [to_device(t, device) for t in self._x_tensors(x)]
                n = len(xs[0])
                batches = [xs if n <= batch_size else [t[i:i + batch_size] for t in xs]
                           for i in range(0, n, batch_size)]
                chunks = inference.run_batches(self, batches) or \
                    [self._run_planned(b) for b in batches]
        outs = [_numpy(chunks[0][k] if len(chunks) == 1 else torch.cat([c[k] for c in chunks]))
                for k in range(len(chunks[0]))]
        return outs[0] if len(outs) == 1 else outs

    def _run_planned(self, xs: list[Tensor]) -> list[Tensor]:
        """The outputs for one batch in inference: by the plan for its signature when one
        holds (models/inference.py), else by the general path, after which a plan is made."""
        if len(xs) == 1 and isinstance(xs[0], Tensor):
            out = inference.run(self, xs[0])
            if out is not None:
                return [out]
            outs = self._run(xs)[0]
            inference.remember(self, xs[0])
            return outs
        return self._run(xs)[0]

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None,
                       return_dict: bool = False):
        """One gradient step on one batch; returns the loss (and metrics) as evaluate does."""
        self._require_compiled("train_on_batch")
        data = self._dataset(x, y, sample_weight, class_weight)
        if not hasattr(self, "_metrics"):
            self._metrics = self._resolve_metrics(data.y)
        self.train()
        loss, parts, outs, masks = self._train_step(data.x, data.y, data.w)
        sums = scoring.batch_sums(self, loss, parts, outs, data.y, masks)
        logs = scoring.logs(self, sums, len(data))
        if return_dict:
            return logs
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    def test_on_batch(self, x, y, sample_weight=None, return_dict: bool = False):
        return self.evaluate(x, y, batch_size=len(self._x_tensors(x)[0]),
                             sample_weight=sample_weight, return_dict=return_dict)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=len(self._x_tensors(x)[0]))

    # -- weights and state ------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """All weights as NumPy arrays, layer by layer in model.layers order (Keras's)."""
        if not self.layers:
            return get_weights(self)
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights: list) -> None:
        if not self.layers:
            return set_weights(self, weights, f"Model {self.name!r}")
        weights = list(weights)
        counts = [len(layer.get_weights()) for layer in self.layers]
        if len(weights) != sum(counts):
            raise ValueError(
                f"Model {self.name!r} expects {sum(counts)} weight arrays (as get_weights "
                f"returns them, layer by layer: {counts}), got {len(weights)}.")
        pos = 0
        for layer, n in zip(self.layers, counts):
            if n:
                layer.set_weights(weights[pos:pos + n])
            pos += n

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def weights(self) -> list:
        return list(self.parameters())

    @property
    def trainable_weights(self) -> list:
        return [p for p in self.parameters() if p.requires_grad]

    @property
    def non_trainable_weights(self) -> list:
        return [p for p in self.parameters() if not p.requires_grad]

    def reset_states(self) -> None:
        """Forget the carried state of every stateful layer."""
        for m in self.modules():
            if m is not self and hasattr(m, "_states"):
                m._states = None

    def reset_state(self) -> None:
        """Keras 3's name for reset_states()."""
        self.reset_states()

    def resume_at(self, epoch: int) -> None:
        """Make the running fit continue at `epoch` (0-based) instead of its initial_epoch:
        a callback restoring a backup calls it from on_train_begin (BackupAndRestore)."""
        _check_int("epoch", epoch, 0)
        self._resume_epoch = int(epoch)

    # -- saving -----------------------------------------------------------------------------
    def save(self, filepath, include_optimizer: bool = True, overwrite: bool = True) -> None:
        """Save config, weights (and optimizer state): see rnnkit.models.saving."""
        from .saving import save_model
        save_model(self, filepath, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        from .saving import save_weights
        save_weights(self, filepath)

    def load_weights(self, filepath, skip_mismatch: bool = False) -> None:
        from .saving import load_weights
        load_weights(self, filepath)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def summary(self, print_fn=print, line_length=None, positions=None) -> None:
        """Print each layer's type, output shape and number of weights, as Keras does."""
        from .summary import print_summary
        print_summary(self, print_fn)


def first_parameter(module: nn.Module, floating: bool = False) -> Tensor | None:
    """The first (floating) parameter in module.parameters() order, or None: the walk that
    `next(module.parameters())` does without its generators and name strings (3-4x faster;
    predict asks for the dtype and device on every call, so nothing is cached to go stale)."""
    for p in module._parameters.values():
        if p is not None and (not floating or p.is_floating_point()):
            return p
    for child in module._modules.values():
        if child is not None:
            p = first_parameter(child, floating)
            if p is not None:
                return p
    return None


def _numpy(t: Tensor) -> np.ndarray:
    """NumPy has no bfloat16 or float16 compute: those come out as float32."""
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.float()
    return t.cpu().numpy()


def _check_batch_size(batch_size) -> int:
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    return int(batch_size)


def _check_int(what: str, value, lowest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lowest:
        raise ValueError(f"{what} must be an integer >= {lowest}, got {value!r}.")
