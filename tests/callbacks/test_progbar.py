import re
import time

import pytest

from rnnkit.callbacks import CallbackList, EarlyStopping


def test_verbose_1_shows_a_bar_per_epoch_and_the_metrics_at_epoch_end(model, fit, capsys):
    fit(model, [], [{"loss": 0.5, "accuracy": 0.9, "val_loss": 0.61234},
                    {"loss": 0.1234, "accuracy": 0.95, "val_loss": 0.2}], steps=4, verbose=1)
    out = capsys.readouterr().out
    final_lines = [line.split("\r")[-1] for line in out.split("\n")]
    assert re.search(r"^Epoch 1/2: 4/4 \[#{30}\] .* - loss: 0\.5000 - accuracy: 0\.9000 - "
                     r"val_loss: 0\.6123$", final_lines[0])
    assert final_lines[1].startswith("Epoch 2/2: 4/4 [")
    assert final_lines[1].endswith("- loss: 0.1234 - accuracy: 0.9500 - val_loss: 0.2000")
    assert out.isascii()


def test_verbose_1_counts_steps_without_per_batch_values(model, capsys):
    callbacks = CallbackList([], model=model, add_progbar=True, verbose=1, epochs=1, steps=3)
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    for batch in range(3):
        callbacks.on_train_batch_end(batch, None)
    during_epoch = capsys.readouterr().out
    assert "Epoch 1/1: 0/3" in during_epoch and "loss" not in during_epoch
    callbacks.on_epoch_end(0, {"loss": 0.25})
    callbacks.on_train_end()
    assert "Epoch 1/1: 3/3" in capsys.readouterr().out


def test_verbose_1_shows_running_metrics_when_batch_logs_are_given(model, capsys):
    callbacks = CallbackList([], model=model, add_progbar=True, verbose=1, epochs=1, steps=2)
    callbacks.on_epoch_begin(0)
    time.sleep(0.15)  # past tqdm's refresh interval
    callbacks.on_train_batch_end(0, {"loss": 0.75})
    shown = capsys.readouterr().out.split("\r")[-1]
    assert shown.startswith("Epoch 1/1: 1/2 [") and shown.endswith(" - loss: 0.7500")
    callbacks.on_train_end()


def test_verbose_1_with_an_unknown_number_of_steps_counts_them(model, capsys):
    callbacks = CallbackList([], model=model, add_progbar=True, verbose=1, epochs=1, steps=None)
    callbacks.on_epoch_begin(0)
    callbacks.on_train_batch_end(0)
    callbacks.on_epoch_end(0, {"loss": 0.5})
    assert "Epoch 1/1: 1 steps" in capsys.readouterr().out


def test_verbose_2_prints_one_line_per_epoch(model, fit, capsys):
    fit(model, [], [{"loss": 0.5, "val_loss": 0.6}, {"loss": 0.1234, "val_loss": 0.00001}],
        verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"Epoch 1/2 - \d+\.\d\ds - loss: 0\.5000 - val_loss: 0\.6000", lines[0])
    assert re.fullmatch(r"Epoch 2/2 - \d+\.\d\ds - loss: 0\.1234 - val_loss: 1\.0000e-05",
                        lines[1])


def test_verbose_0_prints_nothing(model, fit, capsys):
    fit(model, [], [{"loss": 0.5}], verbose=0)
    assert capsys.readouterr().out == ""


def test_callback_messages_get_their_own_line_next_to_the_bar(model, fit, capsys):
    fit(model, [EarlyStopping(monitor="loss", patience=0, verbose=1)],
        [{"loss": 0.5}, {"loss": 0.6}], verbose=1)
    lines = [line.split("\r")[-1] for line in capsys.readouterr().out.rstrip("\n").split("\n")]
    assert lines[-1] == "Epoch 2: early stopping"
    assert lines[-2].startswith("Epoch 2/2: 3/3 [")


def test_an_invalid_verbose_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="0 \\(silent\\), 1 \\(progress bar\\), 2.*verbose=3"):
        CallbackList([], add_progbar=True, verbose=3)
