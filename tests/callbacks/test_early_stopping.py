import pytest

from rnnkit.callbacks import EarlyStopping


def test_training_stops_after_patience_epochs_without_improvement(model, fit, losses):
    stop = EarlyStopping(monitor="val_loss", patience=2)
    history = fit(model, [stop], losses(1.0, 0.8, 0.9, 0.85, 0.7, 0.6))
    assert history.epoch == [0, 1, 2, 3]   # best at epoch 1, two more epochs, then stop
    assert model.stop_training is True
    assert stop.stopped_epoch == 3


def test_patience_zero_stops_at_the_first_epoch_that_does_not_improve(model, fit, losses):
    history = fit(model, [EarlyStopping(patience=0)], losses(1.0, 0.9, 0.95, 0.5))
    assert history.epoch == [0, 1, 2]


def test_best_weights_are_restored_when_training_is_stopped(model, fit, losses):
    fit(model, [EarlyStopping(patience=2, restore_best_weights=True)],
        losses(1.0, 0.5, 0.7, 0.6, 0.1))
    assert model.weights_epoch() == 1.0   # the model holds epoch 1's weights, not epoch 3's


def test_best_weights_are_restored_even_when_training_runs_to_the_end(model, fit, losses):
    fit(model, [EarlyStopping(patience=5, restore_best_weights=True)], losses(1.0, 0.5, 0.7))
    assert model.weights_epoch() == 1.0   # Keras 3: the best epoch, not the last


def test_improvements_smaller_than_min_delta_do_not_count(model, fit, losses):
    stop = EarlyStopping(patience=1, min_delta=0.1)
    history = fit(model, [stop], losses(1.0, 0.95, 0.92, 0.5))
    assert history.epoch == [0, 1]
    assert stop.best == 1.0


def test_training_stops_after_patience_epochs_if_the_baseline_is_never_beaten(model, fit, losses):
    stop = EarlyStopping(patience=2, baseline=0.5, restore_best_weights=True)
    history = fit(model, [stop], losses(0.9, 0.8, 0.7, 0.6, 0.4))
    assert history.epoch == [0, 1]        # improving, but not below the baseline in time
    assert model.weights_epoch() == 1.0   # the best epoch seen is restored


def test_beating_the_baseline_resets_the_wait(model, fit, losses):
    history = fit(model, [EarlyStopping(patience=2, baseline=0.5)], losses(0.9, 0.4, 0.3, 0.2))
    assert history.epoch == [0, 1, 2, 3]


def test_auto_mode_wants_accuracy_to_rise(model, fit):
    epochs = [{"val_accuracy": a} for a in (0.5, 0.6, 0.7, 0.8)]
    stop = EarlyStopping(monitor="val_accuracy", patience=0)
    history = fit(model, [stop], epochs)
    assert history.epoch == [0, 1, 2, 3]
    assert stop.best == 0.8


def test_auto_mode_wants_auc_to_rise_and_other_names_to_fall(model, fit):
    stop_auc = EarlyStopping(monitor="val_auc", patience=0)
    fit(model, [stop_auc], [{"val_auc": 0.6}, {"val_auc": 0.9}])
    assert stop_auc.best == 0.9
    stop_mae = EarlyStopping(monitor="val_mae", patience=0)
    fit(model, [stop_mae], [{"val_mae": 0.6}, {"val_mae": 0.9}])
    assert stop_mae.best == 0.6


def test_explicit_max_mode_stops_when_the_value_falls(model, fit):
    history = fit(model, [EarlyStopping(monitor="score", mode="max", patience=0)],
                  [{"score": 3.0}, {"score": 2.0}, {"score": 5.0}])
    assert history.epoch == [0, 1]


def test_epochs_before_start_from_epoch_are_ignored(model, fit, losses):
    stop = EarlyStopping(patience=0, start_from_epoch=2)
    history = fit(model, [stop], losses(0.1, 0.9, 1.0, 0.8, 0.9))
    assert history.epoch == [0, 1, 2, 3, 4]
    assert stop.best == 0.8


def test_a_missing_monitor_warns_with_the_available_keys_and_does_not_stop(model, fit):
    with pytest.warns(UserWarning, match="'val_loss'.*Available metrics are: loss, accuracy"):
        history = fit(model, [EarlyStopping(patience=0)],
                      [{"loss": 1.0, "accuracy": 0.5}, {"loss": 2.0, "accuracy": 0.4}])
    assert history.epoch == [0, 1]


def test_an_instance_can_be_reused_for_a_second_fit(model, fit, losses):
    stop = EarlyStopping(patience=0)
    fit(model, [stop], losses(0.5, 0.6))
    history = fit(model, [stop], losses(0.9, 0.8, 0.7))
    assert history.epoch == [0, 1, 2]


def test_verbose_reports_the_stop_and_the_restore(model, fit, losses, capsys):
    fit(model, [EarlyStopping(patience=0, verbose=1, restore_best_weights=True)],
        losses(0.5, 0.6))
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 1." in out


def test_an_unknown_mode_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="mode='minimum'; expected 'auto', 'min' or 'max'"):
        EarlyStopping(mode="minimum")


def test_a_negative_patience_is_rejected():
    with pytest.raises(ValueError, match="patience to be an integer >= 0, got patience=-1"):
        EarlyStopping(patience=-1)
