from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit import losses
from rnnkit.losses import (BinaryCrossentropy, CategoricalCrossentropy, Huber, LossFunction,
                           MeanSquaredError, SparseCategoricalCrossentropy)

ORACLE = np.load(Path(__file__).parent / "fixtures" / "keras" / "losses_metrics.npz")

# (oracle name, our loss, y_true key, y_pred key): the same cases make_losses_metrics.py ran
CASES = [
    ("MeanSquaredError", losses.MeanSquaredError(), "reg_true", "reg_pred"),
    ("MeanAbsoluteError", losses.MeanAbsoluteError(), "reg_true", "reg_pred"),
    ("MeanAbsolutePercentageError", losses.MeanAbsolutePercentageError(), "reg_true", "reg_pred"),
    ("MeanSquaredLogarithmicError", losses.MeanSquaredLogarithmicError(), "prob_true", "prob_pred"),
    ("Huber", losses.Huber(delta=0.7), "reg_true", "reg_pred"),
    ("LogCosh", losses.LogCosh(), "reg_true", "reg_pred"),
    ("KLDivergence", losses.KLDivergence(), "prob_true", "prob_pred"),
    ("Poisson", losses.Poisson(), "prob_true", "prob_pred"),
    ("CosineSimilarity", losses.CosineSimilarity(), "reg_true", "reg_pred"),
    ("BinaryCrossentropy", BinaryCrossentropy(), "bin_true", "prob_pred"),
    ("BinaryCrossentropy_logits_smooth", BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
     "bin_true", "logits"),
    ("CategoricalCrossentropy", CategoricalCrossentropy(), "onehot", "softmax"),
    ("CategoricalCrossentropy_logits_smooth",
     CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), "onehot", "logits"),
    ("SparseCategoricalCrossentropy", SparseCategoricalCrossentropy(), "labels", "softmax"),
    ("SparseCategoricalCrossentropy_logits", SparseCategoricalCrossentropy(from_logits=True),
     "labels", "logits"),
]


@pytest.mark.parametrize("name, loss, t, p", CASES, ids=[c[0] for c in CASES])
def test_loss_class_matches_keras(name, loss, t, p):
    np.testing.assert_allclose(loss(ORACLE[t], ORACLE[p]).numpy(), ORACLE[f"loss/{name}"],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, loss, t, p", CASES, ids=[c[0] for c in CASES])
def test_loss_class_with_sample_weight_matches_keras(name, loss, t, p):
    got = loss(ORACLE[t], ORACLE[p], sample_weight=ORACLE["weights"])
    np.testing.assert_allclose(got.numpy(), ORACLE[f"loss_weighted/{name}"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, loss, t, p", CASES, ids=[c[0] for c in CASES])
def test_the_fit_loops_per_sample_form_averages_to_the_keras_loss(name, loss, t, p):
    per_sample = losses.get(loss)(torch.as_tensor(ORACLE[t]), torch.as_tensor(ORACLE[p]))
    assert per_sample.shape == (len(ORACLE[t]),)
    np.testing.assert_allclose(per_sample.mean().numpy(), ORACLE[f"loss/{name}"], rtol=1e-5,
                               atol=1e-6)


def test_function_spellings_return_one_value_per_sample():
    y, p = ORACLE["reg_true"], ORACLE["reg_pred"]
    for fn in (losses.mse, losses.mean_squared_error, losses.mae, losses.huber, losses.logcosh):
        assert fn(y, p).shape == (len(y),)
    np.testing.assert_allclose(losses.mse(y, p).mean().numpy(), ORACLE["loss/MeanSquaredError"],
                               rtol=1e-6)


def test_get_maps_names_classes_instances_and_functions_to_the_fit_loops_form():
    for identifier in ("huber", "Huber", Huber, Huber(), losses.huber):
        fn = losses.get(identifier)
        assert isinstance(fn, LossFunction) and fn.name == "huber"
    sparse = losses.get(SparseCategoricalCrossentropy(from_logits=True, name="my_loss"))
    assert sparse.name == "sparse_categorical_crossentropy"   # the fit loop keys on it
    assert sparse.logits_of == "softmax" and sparse.from_logits


def test_huber_delta_reaches_the_fit_loops_form():
    y, p = torch.zeros(1, 1), torch.full((1, 1), 3.0)
    assert float(losses.get(Huber(delta=2.0))(y, p)[0]) == pytest.approx(2.0 * (3.0 - 1.0))


def test_a_keras_loss_subclass_with_call_trains_through_get():
    class Quartic(losses.Loss):
        def call(self, y_true, y_pred):
            return (y_pred - y_true).pow(4).mean(dim=-1)

    fn = losses.get(Quartic())
    assert fn.name == "quartic"
    assert float(fn(torch.zeros(2, 1), torch.full((2, 1), 2.0))[0]) == 16.0
    assert float(Quartic()(torch.zeros(2, 1), torch.full((2, 1), 2.0))) == 16.0


def test_loss_config_round_trips():
    loss = BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
    copy = losses.deserialize(losses.serialize(loss))
    assert copy.get_config() == loss.get_config()


def test_unknown_loss_and_bad_arguments_say_what_is_accepted():
    with pytest.raises(ValueError, match="Unknown loss 'msq'.*mean_squared_error"):
        losses.get("msq")
    with pytest.raises(TypeError, match="Huber got unexpected arguments \\['delt'\\].*delta"):
        Huber(delt=1.0)
    with pytest.raises(ValueError, match="reduction must be one of"):
        MeanSquaredError(reduction="avg")


def test_a_loss_with_arguments_saves_as_a_config_that_get_rebuilds():
    saved = losses.get(Huber(delta=2.0)).get_config()
    assert saved == {"class_name": "Huber", "config": {"name": "huber_loss",
                                                      "reduction": "sum_over_batch_size",
                                                      "delta": 2.0}}
    rebuilt = losses.get(saved)
    assert float(rebuilt(torch.zeros(1, 1), torch.full((1, 1), 3.0))[0]) == 4.0
    assert losses.get("mse").get_config() == "mean_squared_error"
