from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit import metrics
from rnnkit.metrics import (AUC, BinaryAccuracy, EpochMetrics, MeanAbsoluteError, Precision,
                            Recall, RootMeanSquaredError, SparseCategoricalAccuracy)

ORACLE = np.load(Path(__file__).parent / "fixtures" / "keras" / "losses_metrics.npz")

CASES = [
    ("MeanSquaredError", metrics.MeanSquaredError, {}, "reg_true", "reg_pred"),
    ("MeanAbsoluteError", metrics.MeanAbsoluteError, {}, "reg_true", "reg_pred"),
    ("RootMeanSquaredError", metrics.RootMeanSquaredError, {}, "reg_true", "reg_pred"),
    ("MeanAbsolutePercentageError", metrics.MeanAbsolutePercentageError, {}, "reg_true",
     "reg_pred"),
    ("BinaryAccuracy", metrics.BinaryAccuracy, {}, "bin_true", "prob_pred"),
    ("CategoricalAccuracy", metrics.CategoricalAccuracy, {}, "onehot", "logits"),
    ("SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy, {}, "labels", "logits"),
    ("TopKCategoricalAccuracy", metrics.TopKCategoricalAccuracy, {"k": 2}, "onehot", "logits"),
    ("Precision", metrics.Precision, {}, "bin_true", "prob_pred"),
    ("Recall", metrics.Recall, {}, "bin_true", "prob_pred"),
    ("Precision_top2", metrics.Precision, {"top_k": 2}, "bin_true", "prob_pred"),
    ("Recall_class1", metrics.Recall, {"class_id": 1}, "bin_true", "prob_pred"),
    ("AUC", metrics.AUC, {}, "score_labels", "scores"),
    ("AUC_PR", metrics.AUC, {"curve": "PR"}, "score_labels", "scores"),
]


@pytest.mark.parametrize("name, cls, kwargs, t, p", CASES, ids=[c[0] for c in CASES])
def test_metric_accumulated_over_two_batches_matches_keras(name, cls, kwargs, t, p):
    metric, half = cls(**kwargs), len(ORACLE[t]) // 2
    metric.update_state(ORACLE[t][:half], ORACLE[p][:half])
    metric.update_state(ORACLE[t][half:], ORACLE[p][half:])
    np.testing.assert_allclose(metric.result().numpy(), ORACLE[f"metric/{name}"], rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("name, cls, kwargs, t, p",
                         [c for c in CASES if f"metric_weighted/{c[0]}" in ORACLE],
                         ids=[c[0] for c in CASES if f"metric_weighted/{c[0]}" in ORACLE])
def test_metric_with_sample_weight_matches_keras(name, cls, kwargs, t, p):
    metric = cls(**kwargs)
    metric.update_state(ORACLE[t], ORACLE[p], sample_weight=ORACLE["weights"])
    np.testing.assert_allclose(metric.result().numpy(), ORACLE[f"metric_weighted/{name}"],
                               rtol=1e-5, atol=1e-6)


def test_reset_state_forgets_what_was_seen():
    metric = MeanAbsoluteError()
    metric.update_state([[0.0]], [[10.0]])
    metric.reset_state()
    assert float(metric([[0.0]], [[1.0]])) == 1.0


def test_epoch_rmse_is_the_root_of_the_epoch_mean_not_a_mean_of_batch_roots():
    epoch = EpochMetrics([("rmse", RootMeanSquaredError())])
    y = torch.zeros(4, 1)
    p = torch.tensor([[0.0], [0.0], [2.0], [2.0]])
    totals = epoch.batch(y[:2], p[:2]) + epoch.batch(y[2:], p[2:])   # batch roots 0 and 2
    assert epoch.results(totals) == {"rmse": pytest.approx(2 ** 0.5)}


def test_epoch_metrics_weight_steps_by_a_mask():
    epoch = EpochMetrics([("acc", SparseCategoricalAccuracy())])
    y = torch.tensor([[1, 0]])                                  # (B, T) labels
    p = torch.tensor([[[0.1, 0.9], [0.2, 0.8]]])                # step 2 wrong but masked out
    mask = torch.tensor([[True, False]])
    out = epoch.results(epoch.batch(y, p, mask))
    assert out["acc"] == 1.0


def test_precision_and_recall_count_entries_above_the_threshold():
    y, p = [[1.0], [1.0], [0.0], [0.0]], [[0.9], [0.2], [0.7], [0.1]]
    assert float(Precision()(y, p)) == 0.5 and float(Recall()(y, p)) == 0.5
    assert float(Precision(thresholds=0.8)(y, p)) == 1.0


def test_auc_of_a_perfect_ranking_is_one_and_of_a_reversed_one_is_zero():
    y = [[0.0], [0.0], [1.0], [1.0]]
    assert float(AUC()(y, [[0.1], [0.2], [0.8], [0.9]])) == pytest.approx(1.0)
    assert float(AUC()(y, [[0.9], [0.8], [0.2], [0.1]])) == pytest.approx(0.0)


@pytest.mark.parametrize("written, logged", [
    ("acc", "acc"), ("accuracy", "accuracy"), ("mae", "mae"),
    ("mean_absolute_error", "mean_absolute_error"), (MeanAbsoluteError(), "mean_absolute_error"),
    (MeanAbsoluteError(name="err"), "err"), (metrics.mse, "mean_squared_error"),
])
def test_the_log_is_named_as_keras_3_names_it(written, logged):
    name, _ = metrics.get_metric(written, "mse", 1, False)
    assert name == logged


def test_accuracy_resolves_to_binary_sparse_or_categorical_as_keras():
    assert isinstance(metrics.get_metric("acc", "binary_crossentropy", 1, False)[1], BinaryAccuracy)
    resolved = metrics.get_metric("acc", "sparse_categorical_crossentropy", 5, True)[1]
    assert isinstance(resolved, SparseCategoricalAccuracy) and resolved.name == "acc"
    assert isinstance(metrics.get_metric("accuracy", "categorical_crossentropy", 5, False)[1],
                      metrics.CategoricalAccuracy)


def test_get_gives_the_per_sample_function_of_a_mean_metric():
    name, fn = metrics.get("acc", "binary_crossentropy", 1, False)
    assert name == "acc"
    assert fn(torch.tensor([[1.0], [0.0]]), torch.tensor([[0.9], [0.9]])).tolist() == [1.0, 0.0]


def test_get_refuses_a_ratio_metric_the_per_sample_loop_would_average_wrongly():
    with pytest.raises(ValueError, match="'precision'.*not a mean of per-sample values"):
        metrics.get("precision", "binary_crossentropy", 1, False)


def test_get_metric_gives_a_fresh_metric_each_fit():
    metric = MeanAbsoluteError()
    metric.update_state([[0.0]], [[5.0]])
    _, fresh = metrics.get_metric(metric, "mse", 1, False)
    assert fresh is not metric and float(fresh.totals.sum()) == 0.0


def test_unknown_metric_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'.*accuracy"):
        metrics.get_metric("acuracy", "mse", 1, False)


def test_a_metric_config_rebuilds_the_metric():
    name, metric = metrics.get_metric(metrics.serialize(Precision(thresholds=0.7, name="p7")),
                                      "binary_crossentropy", 1, False)
    assert name == "p7" and metric.thresholds == 0.7


def test_keras_positional_order_of_metric_arguments():
    assert metrics.TopKCategoricalAccuracy(3).kwargs == {"k": 3}
    assert metrics.BinaryAccuracy("acc", None, 0.7).name == "acc"


class TruePositives(metrics.Metric):
    """A metric written the Keras way: state from add_weight, its own update_state/result."""

    def __init__(self, name="tp", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_weight(name="count", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = (torch.as_tensor(y_pred) > 0.5) & (torch.as_tensor(y_true) > 0.5)
        self.count.assign_add(hits.sum().float())

    def result(self):
        return self.count


def test_a_keras_style_metric_subclass_works_standalone_and_resets():
    tp = TruePositives()
    tp.update_state([[1.0], [1.0]], [[0.9], [0.1]])
    tp.update_state([[1.0]], [[0.8]])
    assert float(tp.result()) == 2.0
    tp.reset_state()
    assert float(tp.result()) == 0.0


def test_epoch_metrics_update_a_keras_style_metric_every_batch_and_reset_it_each_epoch():
    epoch = EpochMetrics([metrics.get_metric(TruePositives(), "binary_crossentropy", 1, False)])
    y, p = torch.ones(4, 1), torch.tensor([[0.9], [0.9], [0.1], [0.9]])
    for _ in range(2):                                     # two epochs
        totals = epoch.zeros("cpu")
        totals = totals + epoch.batch(y[:2], p[:2]) + epoch.batch(y[2:], p[2:])
        assert epoch.results(totals) == {"tp": 3.0}


def test_mean_and_sum_track_the_values_of_a_custom_training_loop():
    train_loss = metrics.Mean(name="train_loss")
    train_loss(torch.tensor(2.0, requires_grad=True))
    train_loss([4.0, 6.0])
    assert float(train_loss.result()) == 4.0
    total = metrics.Sum()
    total.update_state([1.0, 2.0], sample_weight=[1.0, 0.5])
    assert float(total.result()) == 2.0
    train_loss.reset_states()
    assert float(train_loss.result()) == 0.0


def test_epoch_metrics_reset_forgets_a_keras_style_metrics_state_between_passes():
    epoch = EpochMetrics([("tp", TruePositives())])
    epoch.batch(torch.ones(2, 1), torch.ones(2, 1))
    epoch.reset()
    epoch.batch(torch.ones(1, 1), torch.ones(1, 1))
    assert epoch.results(torch.zeros(0)) == {"tp": 1.0}
