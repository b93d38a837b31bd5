"""The CTC acoustic model and its decoders: greedy decoding on hand-made posteriors, beam
width 1 equals greedy, the beam finds a labelling the best path misses, CTC learns."""
import doctest

import numpy as np
import pytest
import torch

import rnnkit.tasks.speech.model as model_module
from rnnkit.tasks.speech.model import (AcousticModel, beam_decode, ctc_loss, decode_batch,
                                       greedy_decode, stack_frames)

_ = 0    # the blank


def posteriors(frames: list[dict[int, float]], V1: int = 4) -> np.ndarray:
    """Log-posteriors (T, V1) from each frame's probabilities, the rest spread evenly."""
    rows = []
    for f in frames:
        rest = (1.0 - sum(f.values())) / max(1, V1 - len(f))
        rows.append([f.get(k, rest) for k in range(V1)])
    return np.log(np.array(rows))


def test_greedy_decoding_merges_repeats_and_drops_blanks():
    p = posteriors([{1: .9}, {1: .9}, {_: .9}, {1: .9}, {2: .9}, {2: .9}, {_: .9}, {3: .9}])
    assert greedy_decode(p) == [1, 1, 2, 3]          # 1 1 _ 1 2 2 _ 3


def test_greedy_decoding_of_only_blanks_is_empty():
    assert greedy_decode(posteriors([{_: .97}] * 5)) == []


def test_beam_width_one_equals_greedy_on_confident_posteriors():
    rng = np.random.default_rng(0)
    for _trial in range(200):
        T, V1 = int(rng.integers(1, 30)), 5
        best = rng.integers(0, V1, size=T)
        probs = rng.dirichlet(np.ones(V1), size=T) * 0.4          # the rest below 0.4 ...
        probs[np.arange(T), best] += 0.6                           # ... the winner above 0.6
        p = np.log(probs / probs.sum(1, keepdims=True))
        assert beam_decode(p, beam=1) == greedy_decode(p)


def test_the_beam_finds_the_labelling_whose_paths_add_up_where_the_best_path_is_blank():
    # Best path: blank, blank (p = .16). P("a") = .35·.35 + 2·.35·.4 = .4025 is larger.
    p = posteriors([{_: .4, 1: .35, 2: .25}, {_: .4, 1: .35, 2: .25}], V1=3)
    assert greedy_decode(p) == []
    assert beam_decode(p, beam=4) == [1]


def test_decode_batch_stops_each_utterance_at_its_own_length():
    lp = torch.from_numpy(posteriors([{1: .9}, {_: .9}, {2: .9}, {3: .9}])).float()
    batch = torch.stack([lp, lp])
    assert decode_batch(batch, torch.tensor([4, 2])) == [[1, 2, 3], [1]]
    assert decode_batch(batch, torch.tensor([4, 2]), beam=4) == [[1, 2, 3], [1]]


def test_stacking_frames_shortens_time_and_rounds_lengths_up():
    z, n = stack_frames(torch.ones(2, 7, 3), torch.tensor([7, 4]), 3)
    assert z.shape == (2, 3, 9) and n.tolist() == [3, 2]


@pytest.mark.parametrize("cell", ["gru", "lstm", "mingru", "minlstm"])
def test_the_model_outputs_log_probabilities_for_every_cell(cell):
    model = AcousticModel(n_features=8, n_symbols=3, units=4, layers=1, stack=2, cell=cell)
    lp, steps = model(torch.randn(2, 9, 8), torch.tensor([9, 5]))
    assert lp.shape == (2, 5, 4) and steps.tolist() == [5, 3]
    torch.testing.assert_close(lp.exp().sum(-1), torch.ones(2, 5))


def test_an_unknown_cell_names_the_choices():
    with pytest.raises(ValueError, match="cell must be one of gru, lstm, mingru, minlstm"):
        AcousticModel(8, 3, cell="rnn")


def test_ctc_training_learns_to_transcribe_two_toy_words():
    """Word 1 is a burst on feature 0, word 2 on feature 1; utterances of 1-3 words."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    def batch(n=16):
        xs, ys = [], []
        for _i in range(n):
            words = rng.integers(1, 3, size=rng.integers(1, 4)).tolist()
            x = [np.zeros((2, 4))]
            for w in words:
                burst = np.zeros((4, 4))
                burst[:, w - 1] = 1.0
                x += [burst, np.zeros((2, 4))]
            xs.append(np.concatenate(x))
            ys.append(words)
        T = max(len(x) for x in xs)
        x = torch.zeros(n, T, 4)
        for b, xb in enumerate(xs):
            x[b, :len(xb)] = torch.from_numpy(xb)
        return x, torch.tensor([len(x) for x in xs]), ys

    model = AcousticModel(4, 2, units=16, layers=1, stack=1, dropout=0.0)
    opt = torch.optim.Adam(model.parameters(), lr=3e-2)
    for _step in range(60):
        x, frames, ys = batch()
        loss = ctc_loss(*model(x, frames), ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    x, frames, ys = batch(32)
    with torch.no_grad():
        assert decode_batch(*model(x, frames)) == ys


def test_the_docstring_examples_run():
    result = doctest.testmod(model_module)
    assert result.attempted > 0 and result.failed == 0
