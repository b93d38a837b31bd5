import numpy as np
import pytest
import torch

from rnnkit.callbacks import (
    Callback,
    CallbackList,
    EarlyStopping,
    History,
    LambdaCallback,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
)


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(f"epoch_begin {epoch}")

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(f"epoch_end {epoch}")

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


class BatchReader(Callback):
    def __init__(self):
        super().__init__()
        self.batch_logs = []

    def on_batch_end(self, batch, logs=None):
        self.batch_logs.append(logs)


def test_history_accumulates_each_epochs_logs(model, fit):
    history = fit(model, [], [{"loss": 0.5, "accuracy": 0.6}, {"loss": 0.4, "accuracy": 0.7}])
    assert history.history == {"loss": [0.5, 0.4], "accuracy": [0.6, 0.7]}
    assert history.epoch == [0, 1]


def test_hooks_run_in_the_fit_loops_order(model, fit):
    recorder = Recorder()
    fit(model, [recorder], [{"loss": 1.0}, {"loss": 0.5}])
    assert recorder.calls == ["train_begin", "epoch_begin 0", "epoch_end 0", "epoch_begin 1",
                              "epoch_end 1", "train_end"]


def test_callbacks_receive_the_model_and_params():
    callback = Recorder()
    model = object()
    CallbackList([callback], model=model, verbose=2, epochs=5, steps=10)
    assert callback.model is model
    assert callback.params == {"verbose": 2, "epochs": 5, "steps": 10}


def test_history_and_progress_bar_are_appended_after_the_users_callbacks():
    user = Recorder()
    callbacks = CallbackList([user], add_history=True, add_progbar=True)
    assert callbacks.callbacks[0] is user
    assert isinstance(callbacks.callbacks[1], History)
    assert isinstance(callbacks.callbacks[2], ProgbarLogger)
    assert callbacks.history is callbacks.callbacks[1]


def test_a_history_passed_by_the_user_is_reused_not_duplicated():
    history = History()
    callbacks = CallbackList([history], add_history=True)
    assert callbacks.history is history
    assert sum(isinstance(c, History) for c in callbacks) == 1


def test_no_batch_logs_are_needed_for_epoch_level_callbacks_and_the_progress_bar(tmp_path):
    callbacks = CallbackList(
        [EarlyStopping(), ReduceLROnPlateau(), ModelCheckpoint(str(tmp_path / "m.rnnkit")),
         LambdaCallback(on_epoch_end=print), Recorder()],
        add_history=True, add_progbar=True)
    assert callbacks.needs_batch_logs is False


@pytest.mark.parametrize("make_callback", [
    BatchReader,
    TerminateOnNaN,
    lambda: LambdaCallback(on_batch_end=lambda batch, logs: None),
    lambda: ModelCheckpoint("m_{batch}.rnnkit", save_freq=10),
], ids=["on_batch_end override", "TerminateOnNaN", "LambdaCallback", "batch checkpoint"])
def test_batch_logs_are_needed_when_a_callback_reads_batch_ends(make_callback):
    assert CallbackList([make_callback()], add_progbar=True).needs_batch_logs is True


def test_train_batch_hooks_call_keras_batch_aliases(model, fit):
    reader = BatchReader()
    fit(model, [reader], [{"loss": 0.5}], steps=2)
    assert reader.batch_logs == [{"loss": 0.5}, {"loss": 0.5}]


def test_lr_added_to_the_logs_by_a_callback_reaches_history(model, fit, losses):
    history = fit(model, [ReduceLROnPlateau(patience=1)], losses(1.0, 1.0, 1.0))
    assert history.history["lr"] == pytest.approx([0.1, 0.1, 0.01])


def test_tensor_and_numpy_scalars_in_epoch_logs_become_python_floats():
    history = History()
    callbacks = CallbackList([history])
    callbacks.on_train_begin()
    callbacks.on_epoch_end(0, {"loss": torch.tensor(0.25), "accuracy": np.float32(0.5)})
    assert history.history == {"loss": [0.25], "accuracy": [0.5]}
    assert all(type(v[0]) is float for v in history.history.values())


def test_test_and_predict_hooks_exist_and_do_nothing(model):
    callbacks = CallbackList([Recorder(), EarlyStopping()], model=model, add_history=True)
    callbacks.on_test_begin()
    callbacks.on_test_batch_begin(0)
    callbacks.on_test_batch_end(0, {"loss": 1.0})
    callbacks.on_test_end({"loss": 1.0})
    callbacks.on_predict_begin()
    callbacks.on_predict_batch_begin(0)
    callbacks.on_predict_batch_end(0)
    callbacks.on_predict_end()
    assert callbacks.history.history == {}


def test_a_callback_class_instead_of_an_instance_is_rejected_with_the_fix():
    with pytest.raises(TypeError, match=r"is the class EarlyStopping.*EarlyStopping\(\)"):
        CallbackList([EarlyStopping])


def test_a_function_instead_of_a_callback_is_rejected_with_the_fix():
    with pytest.raises(TypeError, match="got function.*LambdaCallback"):
        CallbackList([lambda epoch, logs: None])


def test_lambda_callback_calls_the_functions_it_was_given(model, fit):
    events = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_end=lambda epoch, logs: events.append((epoch, logs["loss"])),
        on_batch_end=lambda batch, logs: events.append(f"batch {batch}"),
        on_train_end=lambda logs: events.append("end"))
    fit(model, [callback], [{"loss": 0.5}], steps=2)
    assert events == ["begin", "batch 0", "batch 1", (0, 0.5), "end"]


def test_lambda_callback_rejects_a_hook_that_is_not_callable():
    with pytest.raises(TypeError, match="on_epoch_end to be a function, got str"):
        LambdaCallback(on_epoch_end="print")
