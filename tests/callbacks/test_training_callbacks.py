"""ReduceLROnPlateau, LearningRateScheduler and TerminateOnNaN against a real torch optimizer."""

import math

import pytest
import torch

from rnnkit.callbacks import LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN


def lrs(model):
    return [group["lr"] for group in model.optimizer.param_groups]


def test_the_lr_is_multiplied_by_factor_after_patience_epochs_without_improvement(model, fit,
                                                                                  losses):
    history = fit(model, [ReduceLROnPlateau(factor=0.5, patience=2)],
                  losses(1.0, 1.0, 1.0, 1.0, 1.0))
    assert history.history["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05])
    assert lrs(model) == pytest.approx([0.025])


def test_improvements_smaller_than_min_delta_count_as_a_plateau(model, fit, losses):
    fit(model, [ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.1)], losses(1.0, 0.95))
    assert lrs(model) == pytest.approx([0.05])


def test_the_lr_never_goes_below_min_lr(model, fit, losses):
    fit(model, [ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.005)], losses(*[1.0] * 6))
    assert lrs(model) == pytest.approx([0.005])


def test_cooldown_pauses_the_wait_after_a_reduction(model, fit, losses):
    history = fit(model, [ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2)],
                  losses(*[1.0] * 6))
    # reduced at the end of epoch 1; epoch 2 is cooldown (without it, epoch 2 would reduce);
    # epoch 3, the last cooldown epoch as in Keras, counts again and reduces
    assert history.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_every_param_group_is_reduced_from_its_own_lr(model, fit, losses):
    model.optimizer = torch.optim.SGD([{"params": [model.net.weight], "lr": 0.1},
                                       {"params": [model.net.bias], "lr": 1.0}])
    fit(model, [ReduceLROnPlateau(factor=0.5, patience=1)], losses(1.0, 1.0))
    assert lrs(model) == pytest.approx([0.05, 0.5])


def test_accuracy_plateaus_are_detected_in_auto_mode(model, fit):
    epochs = [{"val_accuracy": a} for a in (0.5, 0.6, 0.7)]
    fit(model, [ReduceLROnPlateau(monitor="val_accuracy", patience=1)], epochs)
    assert lrs(model) == pytest.approx([0.1])


def test_a_missing_monitor_warns_and_leaves_the_lr(model, fit):
    with pytest.warns(UserWarning, match="'val_loss'.*Available metrics are: loss, lr"):
        fit(model, [ReduceLROnPlateau(patience=0)], [{"loss": 1.0}, {"loss": 1.0}])
    assert lrs(model) == [0.1]


def test_verbose_reports_the_new_lr(model, fit, losses, capsys):
    fit(model, [ReduceLROnPlateau(patience=1, verbose=1)], losses(1.0, 1.0))
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.01." in capsys.readouterr().out


@pytest.mark.parametrize("factor", [1.0, 2.0, 0.0])
def test_a_factor_outside_zero_to_one_is_rejected(factor):
    with pytest.raises(ValueError, match=f"0 < factor < 1.*got factor={factor}"):
        ReduceLROnPlateau(factor=factor)


def test_negative_patience_cooldown_and_min_lr_are_rejected():
    with pytest.raises(ValueError, match="patience=-2"):
        ReduceLROnPlateau(patience=-2)
    with pytest.raises(ValueError, match="cooldown=-1"):
        ReduceLROnPlateau(cooldown=-1)
    with pytest.raises(ValueError, match="min_lr=-0.1"):
        ReduceLROnPlateau(min_lr=-0.1)


def test_a_model_without_an_optimizer_gets_a_clear_error(model, fit, losses):
    model.optimizer = None
    with pytest.raises(ValueError, match="needs a torch.optim.Optimizer.*model.compile"):
        fit(model, [ReduceLROnPlateau()], losses(1.0))


def test_the_scheduler_sets_the_lr_from_epoch_and_current_lr(model, fit, losses):
    history = fit(model, [LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else lr / 2)],
                  losses(1.0, 1.0, 1.0))
    assert history.history["lr"] == pytest.approx([0.1, 0.05, 0.025])


def test_the_scheduler_accepts_a_function_of_the_epoch_only(model, fit, losses):
    fit(model, [LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], losses(1.0, 1.0))
    assert lrs(model) == pytest.approx([0.02])


def test_a_schedule_returning_a_non_number_is_rejected_with_the_epoch(model, fit, losses):
    with pytest.raises(ValueError, match="finite float >= 0, got 'fast' at epoch 0"):
        fit(model, [LearningRateScheduler(lambda epoch: "fast")], losses(1.0))


def test_the_scheduler_needs_a_function():
    with pytest.raises(TypeError, match="schedule\\(epoch, lr\\).*got float"):
        LearningRateScheduler(0.01)


def test_a_nan_batch_loss_stops_training_after_that_batch(model, fit):
    history = fit(model, [TerminateOnNaN()], [{"loss": 1.0}, {"loss": math.nan}, {"loss": 0.5}])
    assert model.stop_training is True
    assert history.epoch == [0, 1]


def test_an_infinite_epoch_loss_stops_training(model):
    model.stop_training = False
    terminate = TerminateOnNaN()
    terminate.set_model(model)
    terminate.on_epoch_end(0, {"loss": math.inf})
    assert model.stop_training is True


def test_a_finite_loss_lets_training_continue(model, fit):
    history = fit(model, [TerminateOnNaN()], [{"loss": 1.0}, {"loss": 0.5}])
    assert model.stop_training is False
    assert history.epoch == [0, 1]
