"""fit / evaluate weight per-step losses and metrics by the output mask, as Keras does.

A tagging model: Embedding(mask_zero=True) -> Bidirectional(LSTM(return_sequences=True))
-> Dense(K, softmax) over sentences padded with id 0 at the end.
"""
import numpy as np
import pytest
import torch

from rnnkit.layers import LSTM, Bidirectional, Dense, Embedding, TimeDistributed
from rnnkit.models import Sequential
from rnnkit.optimizers import SGD, Adam
from rnnkit.preprocessing.sequence import pad_sequences

V, K = 12, 4                                         # vocabulary (0 = padding), tags
SENTENCES = [[3, 5, 7, 2, 9], [4, 11], [1, 6, 8], [10]]
TAGS = [[0, 1, 2, 3, 1], [2, 0], [3, 3, 1], [2]]


def tagger(mask_zero=True, time_distributed=False) -> Sequential:
    dense = Dense(K, activation="softmax")
    model = Sequential([Embedding(V, 6, mask_zero=mask_zero),
                        Bidirectional(LSTM(5, return_sequences=True)),
                        TimeDistributed(dense) if time_distributed else dense])
    model.compile(optimizer=SGD(learning_rate=1.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], device="cpu")
    model(torch.tensor(pad_sequences(SENTENCES, padding="post")))      # build the weights
    return model


def padded(pad_label=0):
    x = pad_sequences(SENTENCES, padding="post")                         # (4, 5)
    y = pad_sequences(TAGS, padding="post", value=pad_label)             # (4, 5)
    return x, y


def per_sentence_reference(model):
    """Loss and gradients from each unpadded sentence alone, weighted by its length."""
    model.zero_grad()
    n_tokens = sum(len(s) for s in SENTENCES)
    total = 0.0
    for words, tags in zip(SENTENCES, TAGS):
        p = model(torch.tensor([words]))                                  # (1, T_i, K)
        nll = -p[0].log().gather(1, torch.tensor(tags)[:, None]).sum()
        (nll / n_tokens).backward()
        total += nll.item() / n_tokens
    grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    return total, grads


@pytest.mark.parametrize("time_distributed", [False, True])
def test_a_padded_batch_trains_like_its_sentences_one_by_one(time_distributed):
    model = tagger(time_distributed=time_distributed)
    model.eval()                                       # no dropout here; same in train mode
    loss_ref, grads_ref = per_sentence_reference(model)
    before = [p.detach().clone() for p in model.parameters()]
    x, y = padded(pad_label=3)                          # padding labels must not matter
    loss, _ = model.train_on_batch(x, y)                # SGD with learning rate 1: w -= grad
    assert loss == pytest.approx(loss_ref, rel=1e-5)
    for p, p0, g in zip(model.parameters(), before, grads_ref):
        torch.testing.assert_close(p0 - p.detach(), g, rtol=1e-4, atol=1e-6)


def test_accuracy_and_loss_ignore_the_padding_steps():
    model = tagger()
    x, y = padded()
    pred = model.predict(x).argmax(-1)                  # (4, 5)
    real = x != 0
    wrong_on_padding = np.where(real, y, (pred + 1) % K)   # every padding label is wrong
    right_on_padding = np.where(real, y, pred)             # every padding label is right
    logs_wrong = model.evaluate(x, wrong_on_padding, return_dict=True)
    logs_right = model.evaluate(x, right_on_padding, return_dict=True)
    assert logs_wrong["accuracy"] == pytest.approx((pred == y)[real].mean())
    assert logs_wrong == pytest.approx(logs_right)


def test_a_model_without_a_mask_still_averages_over_every_step():
    model = tagger(mask_zero=False)
    x, y = padded()
    logs = model.evaluate(x, y, return_dict=True)
    p = torch.as_tensor(model.predict(x))                                # (4, 5, K)
    nll = -p.log().gather(-1, torch.as_tensor(y)[..., None]).squeeze(-1)
    assert logs["loss"] == pytest.approx(float(nll.mean()), rel=1e-5)
    assert logs["accuracy"] == pytest.approx(float((p.argmax(-1) == torch.as_tensor(y))
                                                   .float().mean()))


def test_fit_with_a_mask_lowers_the_loss_of_the_real_steps():
    model = tagger()
    model.compile(optimizer=Adam(learning_rate=0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], device="cpu")
    x, y = padded()
    history = model.fit(x, y, epochs=60, batch_size=2, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] == 1.0


def test_masked_accuracy_over_batches_counts_every_real_step_once():
    # batches of 2 sentences hold 7 and 4 real words: a mean of the two batch accuracies
    # would weight the 4 words of the second batch like the 7 of the first (Keras does not)
    model = tagger()
    x, y = padded()
    pred = model.predict(x).argmax(-1)
    real = x != 0
    logs = model.evaluate(x, y, batch_size=2, return_dict=True)
    assert logs["accuracy"] == pytest.approx((pred == y)[real].mean())
