"""rnnkit.config.set_threads: one knob for CPU threads; 'auto' follows the machine's load."""
import pytest
import torch

from rnnkit import config


@pytest.fixture(autouse=True)
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)
    config._SETTING[0] = None
    config._LAST.update(checked=-1e9, threads=None, others=None)
    config.tell_kernels()              # the kernels' sweep count from the setting read anew,
    config._SETTING[0] = None          # which the next test reads anew again


def test_a_number_fixes_torchs_thread_count():
    config.set_threads(1)
    assert torch.get_num_threads() == 1
    assert config.apply() == 1
    assert config.get_threads() == 1


@pytest.mark.parametrize("bad", [0, -2, "two", 1.5, True])
def test_a_bad_count_says_what_is_expected(bad):
    with pytest.raises(ValueError, match="positive number of threads or 'auto'"):
        config.set_threads(bad)


def test_the_environment_variable_sets_the_count(monkeypatch):
    monkeypatch.setenv("RNNKIT_NUM_THREADS", "1")
    config._SETTING[0] = None
    assert config.apply() == 1 and torch.get_num_threads() == 1


def test_auto_uses_one_thread_while_other_processes_run(monkeypatch):
    monkeypatch.setattr(config, "other_runnable", lambda: 2.0)
    monkeypatch.setattr(config, "cores", lambda: 4)
    assert config.auto_threads() == 1


def test_auto_uses_every_core_on_an_idle_machine(monkeypatch):
    monkeypatch.setattr(config, "other_runnable", lambda: 0.0)
    monkeypatch.setattr(config, "cores", lambda: 4)
    assert config.auto_threads() == 4


@pytest.mark.parametrize("others, expected", [(0.0, 4), (1.0, 1), (2.0, 1), (3.6, 4), (7.0, 4)])
def test_auto_splits_sweeps_over_every_core_when_the_machine_is_idle_or_wholly_busy(
        monkeypatch, others, expected):
    monkeypatch.setattr(config, "other_runnable", lambda: others)
    monkeypatch.setattr(config, "cores", lambda: 4)
    config.auto_threads()
    assert config.auto_sweep_threads() == expected


def test_auto_leaves_a_count_the_program_set_itself(monkeypatch):
    monkeypatch.setattr(config, "auto_threads", lambda: 1)
    config.set_threads("auto")
    config.apply(force=True)
    torch.set_num_threads(2)
    assert config.apply(force=True) == 2
    assert config.get_threads() == 2


def test_a_count_the_program_set_before_rnnkit_looked_is_kept(monkeypatch):
    monkeypatch.delenv("RNNKIT_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(config, "auto_threads", lambda: 2)
    monkeypatch.setattr(config, "_AT_IMPORT", 2)
    torch.set_num_threads(1)
    assert config.apply(force=True) == 1 and config.get_threads() == 1


def test_fit_applies_the_setting():
    import numpy as np
    from rnnkit.layers import Dense
    from rnnkit.models import Sequential
    torch.set_num_threads(2)
    config.set_threads(1)
    torch.set_num_threads(2)             # changed behind the knob's back: fit puts it back
    config._LAST["threads"] = None
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    model.fit(np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32"), epochs=1, verbose=0)
    assert torch.get_num_threads() == 1


def test_other_runnable_counts_tasks_on_linux():
    others = config.other_runnable(samples=2, gap=0.0)
    assert others is None or others >= 0
