"""CRF: log Z and Viterbi against brute-force enumeration, padding on either side changes
nothing, a gradient check, the Keras API (Sequential ... CRF, loss falls), save and load."""
import itertools

import numpy as np
import pytest
import torch

from rnnkit.layers import CRF, LSTM, Dense, Embedding, TimeDistributed
from rnnkit.models import Sequential, load_model
from rnnkit.optimizers import Adam


def _random_crf(K: int, seed: int = 0) -> CRF:
    torch.manual_seed(seed)
    crf = CRF(K)
    crf(torch.zeros(1, 1, K))                                    # build: emissions = inputs
    with torch.no_grad():
        for p in (crf.transitions, crf.start, crf.end):
            p.normal_()
    return crf


def _brute_force(crf: CRF, e: torch.Tensor) -> tuple[float, list[int], dict]:
    """(log Z, best path, {path: score}) by enumerating all K^n paths of one row e (n, K)."""
    n, K = e.shape
    A, s, z = crf.transitions, crf.start, crf.end
    scores = {}
    for y in itertools.product(range(K), repeat=n):
        score = s[y[0]] + z[y[-1]] + sum(e[t, y[t]] for t in range(n))
        score = score + sum(A[y[t - 1], y[t]] for t in range(1, n))
        scores[y] = float(score.detach())
    log_z = float(torch.logsumexp(torch.tensor(list(scores.values())), dim=0))
    return log_z, list(max(scores, key=scores.get)), scores


# lengths of a batch of 3 rows, up to T = 4 steps, K up to 3 tags
CASES = [(1, [1]), (2, [3, 1, 2]), (3, [4, 2, 3]), (3, [1, 4, 4])]


@pytest.mark.parametrize("K, lengths", CASES)
def test_log_partition_equals_brute_force_enumeration_with_masks(K, lengths):
    crf = _random_crf(K)
    T = max(lengths)
    e = torch.randn(len(lengths), T, K)
    mask = torch.tensor([[t < n for t in range(T)] for n in lengths])
    log_z = crf.log_partition(e, mask)
    for b, n in enumerate(lengths):
        assert log_z[b].item() == pytest.approx(_brute_force(crf, e[b, :n])[0], abs=1e-5)


@pytest.mark.parametrize("K, lengths", CASES)
def test_viterbi_equals_the_brute_force_argmax_and_marks_padding(K, lengths):
    crf = _random_crf(K, seed=1)
    T = max(lengths)
    e = torch.randn(len(lengths), T, K)
    mask = torch.tensor([[t < n for t in range(T)] for n in lengths])
    best = crf.decode(e, mask)
    for b, n in enumerate(lengths):
        assert best[b, :n].tolist() == _brute_force(crf, e[b, :n])[1]
        assert best[b, n:].tolist() == [-1] * (T - n)


def test_log_likelihood_is_the_gold_score_minus_log_z_and_probabilities_sum_to_one():
    crf = _random_crf(3, seed=2)
    e = torch.randn(1, 3, 3)
    log_z, _, scores = _brute_force(crf, e[0])
    total = 0.0
    for y, score in scores.items():
        ll = crf.log_likelihood(e, torch.tensor([y]))
        assert ll.item() == pytest.approx(score - log_z, abs=1e-5)
        total += ll.exp().item()
    assert total == pytest.approx(1.0, abs=1e-5)


def test_padding_on_either_side_changes_nothing():
    crf = _random_crf(3, seed=3)
    e, tags = torch.randn(1, 4, 3), torch.tensor([[2, 0, 1, 1]])
    ll, best = crf.log_likelihood(e, tags), crf.decode(e)
    junk = torch.randn(1, 2, 3) * 100                                      # padding steps
    for side in ("post", "pre"):
        ep = torch.cat([e, junk] if side == "post" else [junk, e], dim=1)
        tp = torch.cat([tags, torch.tensor([[2, 2]])] if side == "post"
                       else [torch.tensor([[2, 2]]), tags], dim=1)
        mask = torch.tensor([[True] * 4 + [False] * 2]) if side == "post" \
            else torch.tensor([[False] * 2 + [True] * 4])
        torch.testing.assert_close(crf.log_likelihood(ep, tp, mask), ll)
        real = crf.decode(ep, mask)[mask]
        assert real.tolist() == best[0].tolist()


def test_a_row_without_real_steps_has_log_likelihood_zero_and_no_tags():
    crf = _random_crf(2)
    e, mask = torch.randn(2, 3, 2), torch.tensor([[False] * 3, [True, True, False]])
    assert crf.log_likelihood(e, torch.zeros(2, 3, dtype=torch.long), mask)[0].item() == 0.0
    assert crf.decode(e, mask)[0].tolist() == [-1, -1, -1]


def test_log_likelihood_passes_a_gradient_check_in_float64():
    crf = _random_crf(3, seed=4).double()
    e = torch.randn(2, 4, 3, dtype=torch.float64, requires_grad=True)
    tags = torch.tensor([[0, 2, 1, 1], [1, 1, 0, 2]])
    mask = torch.tensor([[True] * 4, [True, True, True, False]])

    params = [p.detach().clone().requires_grad_() for p in (crf.transitions, crf.start,
                                                             crf.end)]
    assert torch.autograd.gradcheck(
        lambda e, A, s, z: _ll_with(crf, e, A, s, z, tags, mask), (e, *params))


def _ll_with(crf, e, A, s, z, tags, mask):
    """log-likelihood as a function of the weights too: swap them in as plain tensors."""
    saved = crf.transitions, crf.start, crf.end
    del crf.transitions, crf.start, crf.end
    crf.transitions, crf.start, crf.end = A, s, z
    try:
        return crf.log_likelihood(e, tags, mask)
    finally:
        del crf.transitions, crf.start, crf.end
        crf.transitions, crf.start, crf.end = (torch.nn.Parameter(p.data) for p in saved)


def test_emissions_of_the_wrong_size_get_a_clear_error():
    crf = _random_crf(3)
    with pytest.raises(ValueError, match=r"emissions must be \(batch, time, 3\), got \(1, 2, 4\)"):
        crf.log_likelihood(torch.zeros(1, 2, 4), torch.zeros(1, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="projection=False .* needs 3 features, got 5"):
        CRF(3, projection=False)(torch.zeros(1, 2, 5))


# -- the Keras API ---------------------------------------------------------------------------------

def _toy_tagging(n: int = 96, T: int = 7, V: int = 12):
    """Token ids with post-padding; tag 1 after a 3, tag 2 right after a tag-1 step, else 0:
    the tag depends on the previous tag, which a CRF models directly."""
    rng = np.random.default_rng(0)
    x = rng.integers(1, V, size=(n, T))
    lengths = rng.integers(3, T + 1, size=n)
    y = np.zeros((n, T), dtype=np.int64)
    for i in range(n):
        x[i, lengths[i]:] = 0
        for t in range(1, lengths[i]):
            y[i, t] = 1 if x[i, t - 1] == 3 else (2 if y[i, t - 1] == 1 else 0)
    return x, y


@pytest.mark.parametrize("loss", ["crf", "layer"])
def test_sequential_with_a_crf_trains_and_its_loss_falls(loss):
    x, y = _toy_tagging()
    crf = CRF(3)
    model = Sequential([Embedding(12, 8, mask_zero=True), LSTM(16, return_sequences=True),
                        TimeDistributed(Dense(3)), crf])
    model.compile(optimizer=Adam(learning_rate=0.02), loss="crf" if loss == "crf"
                  else crf.loss, metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0).history
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert history["accuracy"][-1] > 0.8
    path = model.predict(x[:4])                                      # one-hot Viterbi paths
    assert path.shape == (4, 7, 3) and set(np.unique(path)) <= {0.0, 1.0}
    assert (path.sum(-1) == (x[:4] != 0)).all()                      # zero rows on padding


def test_a_crf_with_its_own_projection_saves_and_loads_with_the_same_paths(tmp_path):
    x, y = _toy_tagging(32)
    model = Sequential([Embedding(12, 8, mask_zero=True), LSTM(8, return_sequences=True),
                        CRF(3)])
    model.compile(optimizer="adam", loss="crf")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert model.layers[-1].W.shape == (3, 8)
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.loss.name == "crf" and loaded.loss.takes_mask
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))


def test_the_crf_loss_without_a_crf_last_says_where_to_put_it():
    model = Sequential([Embedding(12, 8), LSTM(8, return_sequences=True), Dense(3)])
    model.compile(optimizer="adam", loss="crf")
    x, y = _toy_tagging(8)
    with pytest.raises(ValueError, match=r"put rnnkit.layers.CRF\(n_tags\) last"):
        model.fit(x, y, epochs=1, verbose=0)
