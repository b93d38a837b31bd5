"""compile / fit / evaluate / predict: learning, Keras's conventions, and clear errors."""
import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.callbacks import Callback, EarlyStopping
from rnnkit.layers import GRU, LSTM, Dense, Embedding, Input, SimpleRNN
from rnnkit.models import Sequential
from rnnkit.utils import set_random_seed


def sine_windows(n=256, T=12, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, size=(n, 1)) + np.arange(T + 1) * 0.3
    s = np.sin(t).astype("float32")
    return s[:, :T, None], s[:, T:]


def regression_model(cls=SimpleRNN):
    model = Sequential([Input(shape=(12, 1)), cls(16), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_fit_lowers_the_loss_on_a_sine_forecast(cls):
    x, y = sine_windows()
    model = Sequential([Input(shape=(12, 1)), cls(16), Dense(1)])
    model.compile(optimizer=rnnkit.optimizers.Adam(learning_rate=0.01), loss="mse")
    history = model.fit(x, y, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.2 * losses[0]
    assert model.history is history


def test_fit_returns_history_with_validation_metrics():
    x, y = sine_windows()
    model = Sequential([Input(shape=(12, 1)), LSTM(8), Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert len(history.history["loss"]) == 2


def test_binary_text_classifier_learns_and_reports_binary_accuracy():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 50, size=(200, 10))
    y = (x[:, -1] > 25).astype("float32")                 # the label is in the last token
    model = Sequential([Embedding(50, 8), SimpleRNN(16), Dense(1, activation="sigmoid")])
    model.compile(optimizer=rnnkit.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_sparse_categorical_sequence_model_predicts_the_next_token():
    seq = np.tile(np.arange(5), 40)                       # 0 1 2 3 4 0 1 2 ...
    x = np.stack([seq[i:i + 8] for i in range(100)])
    y = np.stack([seq[i + 1:i + 9] for i in range(100)])
    model = Sequential([Embedding(5, 8), LSTM(16, return_sequences=True),
                        Dense(5, activation="softmax")])
    model.compile(optimizer=rnnkit.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    assert model.predict(x[:2]).shape == (2, 8, 5)


def test_softmax_output_with_cross_entropy_stays_finite_on_saturated_logits():
    model = Sequential([Input(shape=(3, 2)), SimpleRNN(4), Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with torch.no_grad():
        model.layers[-1].W.fill_(-500.0)                  # probabilities of exactly 0 and 1
        model.layers[-1].W[0].fill_(500.0)
    loss = model.evaluate(np.ones((4, 3, 2)), np.array([0, 1, 2, 0]), verbose=0)
    assert np.isfinite(loss) and loss > 10                # the true large loss, not NaN or inf


def test_same_seed_gives_identical_weights_and_losses():
    def run():
        set_random_seed(7)
        model = regression_model(GRU)
        x, y = sine_windows()
        return model.fit(x, y, epochs=2, verbose=0).history["loss"], model.get_weights()
    (loss_a, w_a), (loss_b, w_b) = run(), run()
    assert loss_a == loss_b
    assert all(np.array_equal(a, b) for a, b in zip(w_a, w_b))


def test_inputs_may_be_lists_numpy_or_tensors_and_train_alike():
    x, y = sine_windows(n=64)
    losses = []
    for xs, ys in [(x.tolist(), y.tolist()), (torch.from_numpy(x), torch.from_numpy(y)), (x, y)]:
        set_random_seed(3)
        history = regression_model().fit(xs, ys, epochs=2, verbose=0)
        losses.append(history.history["loss"])
    assert losses[0] == losses[1] == losses[2]
    assert losses[0][1] < losses[0][0]


def test_targets_of_shape_n_fit_a_one_unit_output_as_targets_of_shape_n_1_do():
    x, y = sine_windows(n=64)
    assert y.shape == (64, 1)
    runs = []
    for targets in (y[:, 0], y):
        set_random_seed(3)
        model = regression_model()
        runs.append(model.fit(x, targets, epochs=2, verbose=0).history["loss"])
    assert runs[0] == runs[1]


def test_lazy_model_builds_from_the_first_batch_and_compiles_before():
    model = Sequential([SimpleRNN(8), Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse")
    x, y = sine_windows(n=64)
    model.fit(x, y, epochs=1, verbose=0)
    assert model.count_params() == 8 * 1 + 8 * 8 + 8 + 8 + 1


def test_class_weight_scales_the_loss_of_each_class():
    x = np.random.default_rng(0).normal(size=(4, 3, 1)).astype("float32")
    y = np.array([0, 0, 1, 1], dtype="float32")
    model = Sequential([Input(shape=(3, 1)), SimpleRNN(2), Dense(1, activation="sigmoid")])
    model.compile(optimizer=rnnkit.optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy")
    p = model.predict(x, verbose=0)[:, 0].astype("float64")
    per_sample = -(y * np.log(p) + (1 - y) * np.log(1 - p))       # binary cross-entropy
    weighted = model.fit(x, y, batch_size=4, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    # Keras's convention: sum(w_i * loss_i) / n, the weights not normalised
    expected = (np.array([1.0, 1.0, 3.0, 3.0]) * per_sample).sum() / 4
    assert weighted.history["loss"][0] == pytest.approx(expected, rel=1e-5)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(per_sample.mean(), rel=1e-5)


def test_early_stopping_stops_training_and_restores_the_best_weights():
    x, y = sine_windows(n=64)
    model = regression_model()

    class WorseEveryEpoch(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = float(epoch)

    class WeightsAtEpochEnd(Callback):
        seen = []

        def on_epoch_end(self, epoch, logs=None):
            self.seen.append([w.copy() for w in self.model.get_weights()])

    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    snapshots = WeightsAtEpochEnd()
    history = model.fit(x, y, epochs=20, validation_split=0.25, verbose=0,
                        callbacks=[WorseEveryEpoch(), snapshots, stop])
    assert len(history.history["loss"]) == 3                    # best at 0, then 2 worse
    best, last = snapshots.seen[0], snapshots.seen[-1]
    assert not all(np.array_equal(a, b) for a, b in zip(best, last))
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), best))


def test_clipnorm_keeps_every_weight_gradient_within_the_norm():
    model = regression_model()
    model.compile(optimizer=rnnkit.optimizers.SGD(learning_rate=0.0, clipnorm=0.01), loss="mse")
    x, y = sine_windows(n=32)
    model.fit(x, y * 1000, epochs=1, verbose=0)
    assert all(p.grad is None or p.grad.norm() <= 0.01 + 1e-6 for p in model.parameters())


def test_a_torch_optimizer_can_be_passed_to_compile_and_is_the_one_that_steps():
    model = regression_model()
    sgd = torch.optim.SGD(model.parameters(), lr=0.1)
    model.compile(optimizer=sgd, loss="mse")
    x, y = sine_windows(n=64)
    before = [w.copy() for w in model.get_weights()]
    losses = model.fit(x, y, epochs=3, verbose=0).history["loss"]
    assert model.optimizer is sgd
    assert not any(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert losses[-1] < losses[0]


def test_progress_output_for_verbose_two_is_one_line_an_epoch(capsys):
    x, y = sine_windows(n=64)
    regression_model().fit(x, y, epochs=3, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 3 and "loss:" in lines[-1]


def test_summary_lists_layers_shapes_and_parameter_counts():
    lines = []
    model = Sequential([Input(shape=(10, 1)), SimpleRNN(10), Dense(1)])
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(None, 10)" in text and "120" in text and "Total params: 131" in text


def test_the_model_is_a_torch_module_usable_without_fit():
    model = Sequential([Input(shape=(5, 3)), LSTM(4), Dense(2)])
    out = model(torch.randn(6, 5, 3))
    assert isinstance(model, torch.nn.Module) and out.shape == (6, 2)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_tf_keras_style_access_resolves_to_rnnkit():
    assert rnnkit.keras.models.Sequential is Sequential


# -- bad input ----------------------------------------------------------------------------
@pytest.fixture
def model():
    return regression_model()


def test_fit_before_compile_says_to_compile():
    with pytest.raises(RuntimeError, match=r"compile the model before calling fit\(\)"):
        Sequential([Input(shape=(12, 1)), SimpleRNN(4), Dense(1)]).fit(*sine_windows())


def test_x_and_y_of_different_lengths_are_rejected(model):
    x, y = sine_windows()
    with pytest.raises(ValueError, match="different numbers of samples: x has 256.*y has 255"):
        model.fit(x, y[:-1], verbose=0)


@pytest.mark.parametrize("where", ["x", "y"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_x_or_y_is_rejected_with_its_position(model, where, bad):
    x, y = sine_windows()
    (x if where == "x" else y)[3, 0] = bad
    with pytest.raises(ValueError, match=f"{where} contains 1 NaN or infinite value.*index \\(3, 0"):
        model.fit(x, y, verbose=0)


def test_wrong_rank_input_names_the_expected_shape(model):
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, time, features\)"):
        model.fit(np.zeros((10, 12)), np.zeros(10), verbose=0)


def test_wrong_feature_size_names_both_sizes(model):
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, time, 1\), got \(\d+, 12, 3\)"):
        model.fit(np.zeros((10, 12, 3)), np.zeros(10), verbose=0)


def test_labels_outside_the_output_range_are_rejected():
    model = Sequential([Input(shape=(4, 2)), GRU(4), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\).*got values in \[0, 5\]"):
        model.fit(np.zeros((6, 4, 2)), np.array([0, 1, 2, 5, 1, 0]), verbose=0)


def test_binary_labels_outside_zero_one_are_rejected():
    model = Sequential([Input(shape=(4, 2)), GRU(4), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"labels in \[0, 1\], got values in \[0, 2\]"):
        model.fit(np.zeros((3, 4, 2)), np.array([0, 1, 2]), verbose=0)


def test_token_ids_beyond_the_embedding_are_rejected():
    model = Sequential([Embedding(10, 4), SimpleRNN(4), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"ids in \[0, 10\), got values in \[0, 12\]"):
        model.fit(np.array([[1, 2, 12], [0, 1, 2]]), np.array([0, 1]), verbose=0)


@pytest.mark.parametrize("kwargs,match", [
    ({"optimizer": "adamm", "loss": "mse"}, "Unknown optimizer 'adamm'. Available: adadelta, adagrad, adam"),
    ({"optimizer": "adam", "loss": "mse2"}, "Unknown loss 'mse2'. Available: .*mean_squared_error"),
    ({"optimizer": "adam", "loss": "mse", "metrics": ["acc2"]}, "Unknown metric 'acc2'. Available: .*accuracy"),
    ({"optimizer": "adam"}, "compile\\(\\) needs a loss"),
])
def test_unknown_names_in_compile_list_the_available_ones(model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        model.compile(**kwargs)


def test_an_empty_dataset_is_rejected(model):
    with pytest.raises(ValueError, match="x is empty"):
        model.fit(np.zeros((0, 12, 1)), np.zeros((0, 1)), verbose=0)


def test_ragged_sequences_point_to_pad_sequences(model):
    with pytest.raises(ValueError, match="pad_sequences"):
        model.fit([[1, 2, 3], [1, 2]], [0, 1], verbose=0)


def test_categorical_crossentropy_with_integer_labels_suggests_the_sparse_loss():
    model = Sequential([Input(shape=(4, 2)), GRU(4), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(np.zeros((3, 4, 2)), np.array([0, 1, 2]), verbose=0)


def test_epoch_metrics_that_are_not_means_equal_the_standalone_metric_on_the_same_predictions():
    from rnnkit.metrics import AUC, Precision, RootMeanSquaredError
    rng = np.random.default_rng(0)
    x = rng.normal(size=(90, 5, 2)).astype("float32")
    y = (x[:, :, 0].sum(axis=1) > 0).astype("float32")
    model = Sequential([Input(shape=(5, 2)), LSTM(4), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[Precision(), AUC(), RootMeanSquaredError(name="rmse")])
    logs = model.evaluate(x, y, batch_size=32, return_dict=True, verbose=0)
    p = model.predict(x, batch_size=32)
    for name, metric in (("precision", Precision()), ("auc", AUC()),
                         ("rmse", RootMeanSquaredError())):
        metric.update_state(y[:, None], p)
        assert logs[name] == pytest.approx(float(metric.result()), abs=1e-5), name


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), -0.1, True, "0.01"])
def test_an_optimizer_refuses_a_learning_rate_that_is_not_a_finite_non_negative_number(rate):
    from rnnkit.optimizers import Adam
    with pytest.raises(ValueError, match="learning_rate must be a non-negative number"):
        Adam(learning_rate=rate)


def test_a_negative_class_label_says_to_re_encode_not_to_add_units():
    model = Sequential([Input(shape=(3, 2)), LSTM(2), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"negative label \(-1\)\. Re-encode"):
        model.fit(np.zeros((4, 3, 2)), np.array([0, -1, 2, 1]), verbose=0)


def test_a_bfloat16_model_fits_and_predicts_float32_arrays():
    model = Sequential([Input(shape=(4, 2)), LSTM(3), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.bfloat16()
    rng = np.random.default_rng(0)
    history = model.fit(rng.random((16, 4, 2)), rng.random(16), epochs=2, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    assert model.predict(rng.random((3, 4, 2))).dtype == np.float32
