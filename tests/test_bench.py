import pytest

from rnnkit import bench
from rnnkit.cli import main


def test_bench_prints_a_table_row_with_timings_losses_and_a_verdict(capsys):
    assert main(["bench", "--only", "simple_rnn", "--epochs", "1", "--seeds", "0", "1"]) == 0
    out = capsys.readouterr().out
    assert "command: rnnkit bench --only simple_rnn --epochs 1 --seeds 0 1 --threads 2" in out
    row = [line for line in out.splitlines() if line.startswith("| SimpleRNN(50)")]
    assert len(row) == 1
    cells = [c.strip() for c in row[0].strip("|").split("|")]
    rnnkit_s, torch_s, ratio = float(cells[1]), float(cells[2]), float(cells[3])
    assert rnnkit_s > 0 and torch_s > 0
    assert ratio == pytest.approx(rnnkit_s / torch_s, abs=0.01)
    assert "±" in cells[4] and "±" in cells[5]                # mean ± sd over the two seeds
    assert cells[7] in ("lower", "equal", "higher")


def test_both_sides_start_from_the_same_weights_and_train_the_same_model():
    # one epoch without shuffling: the two sides take identical steps (to float rounding)
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    from rnnkit.utils import set_random_seed
    _, layers, opt_name, loss_name, make_data = bench.WORKLOADS["simple_rnn"]
    x, y = make_data(np.random.default_rng(0))
    x, y = x[:256], y[:256]
    set_random_seed(0)
    ours = bench.Sequential(layers())
    ours.compile(optimizer=opt_name, loss=loss_name)
    ours._ensure_built(ours._x_tensor(x[:1]))
    plain = bench.PlainModel(ours)
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=32)
    opt = bench.torch_optimizer(opt_name, plain.parameters())
    loss_plain = bench.torch_epoch(plain, loader, opt, bench.torch_loss(loss_name))
    loss_ours = ours.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0).history["loss"][0]
    assert loss_ours == pytest.approx(loss_plain, rel=1e-5)


@pytest.mark.parametrize("differences, expected", [
    ([0.1, 0.11, 0.09, 0.1], "higher"),
    ([-0.1, -0.11, -0.09, -0.1], "lower"),
    ([0.1, -0.1, 0.05, -0.04], "equal"),
    ([0.1], "one seed: no verdict"),
])
def test_the_verdict_compares_the_mean_paired_difference_with_its_standard_error(differences,
                                                                                 expected):
    assert bench.verdict(differences) == expected


@pytest.mark.parametrize("flag, value", [("--epochs", "0"), ("--threads", "0")])
def test_bench_refuses_settings_it_cannot_time_with(capsys, flag, value):
    assert main(["bench", "--only", "simple_rnn", flag, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{flag} must be at least 1" in err


def test_the_functional_twin_of_a_workload_computes_what_its_sequential_computes():
    import numpy as np
    from rnnkit.bench import WORKLOADS, as_functional
    from rnnkit.models import Sequential
    _, layers, _, _, make_data = WORKLOADS["gru"]
    x, _ = make_data(np.random.default_rng(0))
    seq = Sequential(layers())
    seq._ensure_built(seq._x_tensor(x[:1]))
    func = as_functional(seq, "int64")
    np.testing.assert_allclose(func.predict(x[:8]), seq.predict(x[:8]), atol=1e-6)


def test_the_progress_bar_counts_every_epoch_pair_and_is_off_when_quiet_or_not_a_terminal():
    bar = bench.progress_bar(["simple_rnn", "gru"], epochs=2, seeds=[0, 1], quiet=False)
    assert bar.total == 2 * 2 * (2 + 1) and bar.disable     # pytest's stderr: not a terminal
    assert bench.progress_bar(["gru"], 1, [0], quiet=True).disable

    class Counter:
        n, desc = 0, ""

        def update(self, k):
            self.n += k

        def set_description(self, desc):
            self.desc = desc

    counter = Counter()
    bench.run("simple_rnn", epochs=1, seed=3, bar=counter)
    assert counter.n == 1 + 1 and counter.desc == "simple_rnn, seed 3"   # warm-up + timed
