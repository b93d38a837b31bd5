"""The tune model and its n-gram baseline: bits per token, sampling after a prompt."""
import math

import numpy as np
import pytest
import torch

from rnnkit.tasks.compose.model import NGram, TuneModel, Vocabulary, bits_per_token, sample

TUNES = [["M:2/4", "K:G", "G", "A", "|", "B", "c", "|"],
         ["M:2/4", "K:G", "G", "B", "|", "B", "c", "|"]]


def test_the_ngram_bits_per_token_follow_the_add_k_formula():
    vocab = Vocabulary([t for tune in TUNES for t in tune])
    ngram = NGram(order=2, k=1.0).fit(TUNES, vocab)
    V = len(vocab) - 2                                    # every token but <pad> and <s>
    # by hand, tune 0: "G" after "K:G" 2 times in 2, "A" after "G" 1 in 2, "c" after "B" 2 in 3
    expected = -sum(math.log2((c + 1) / (n + V)) for c, n in
                    [(2, 2), (2, 2), (2, 2), (1, 2), (1, 1), (2, 4), (2, 3), (2, 2), (2, 4)])
    assert ngram.bits_per_token(TUNES[:1], vocab) == pytest.approx(expected / 9)


def test_ngram_samples_only_continue_with_tokens_seen_after_the_context():
    vocab = Vocabulary([t for tune in TUNES for t in tune])
    ngram = NGram(order=3).fit(TUNES, vocab)
    for tune in ngram.sample(["M:2/4", "K:G"], 5, np.random.default_rng(0)):
        assert tune[:3] == ["M:2/4", "K:G", "G"] and tune[-1] == "|"


def test_the_model_samples_after_the_prompt_and_its_bits_per_token_are_finite():
    torch.manual_seed(0)
    vocab = Vocabulary([t for tune in TUNES for t in tune])
    model = TuneModel(len(vocab), embedding=4, units=8, layers=1)
    tunes = sample(model, vocab, ["M:2/4", "K:G"], 3, temperature=1.0, max_tokens=20)
    assert all(t[:2] == ["M:2/4", "K:G"] and len(t) <= 22 for t in tunes)
    ids = [vocab.encode(["<s>", *t, "</s>"]) for t in TUNES]
    assert 0 < bits_per_token(model, ids) < 2 * math.log2(len(vocab))


def test_greedy_sampling_is_the_same_every_time():
    torch.manual_seed(0)
    vocab = Vocabulary([t for tune in TUNES for t in tune])
    model = TuneModel(len(vocab), embedding=4, units=8, layers=1)
    assert sample(model, vocab, [], 2, temperature=0, max_tokens=10)[0] == \
        sample(model, vocab, [], 1, temperature=0, max_tokens=10)[0]


def test_bar_guarded_samples_are_well_formed_and_no_finished_bar_runs_over():
    from rnnkit.tasks.compose.bars import bar_durations, well_formed
    from rnnkit.tasks.compose.abc import tokenize
    tunes = [tokenize(f"X:1\nM:6/8\nL:1/8\nK:G\n|:GAB cde|(3fga b2 a|{n}|gfe dB:|") for n in
             ("GAB cde", "g3 fed")]
    torch.manual_seed(0)
    vocab = Vocabulary([t for tune in tunes for t in tune] + ["/2", "/4", "3/2"])
    model = TuneModel(len(vocab), embedding=4, units=8, layers=1)
    gen = torch.Generator().manual_seed(0)
    for tune in sample(model, vocab, [], 4, temperature=1.5, max_tokens=80, generator=gen,
                       guard=True):
        assert well_formed(tune), tune
        assert all(length <= 6 for length, _, _, closing in bar_durations(tune)
                   if closing != "end"), tune                        # 80 tokens may cut one
