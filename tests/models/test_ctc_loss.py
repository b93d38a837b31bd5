"""loss="ctc" in compile: equals torch's CTC per label, and a Sequential model learns to
emit two toy words in order with fit."""
import numpy as np
import torch
import torch.nn.functional as F

from rnnkit import losses, optimizers
from rnnkit.layers import GRU, Bidirectional, Dense, Input
from rnnkit.models import Sequential


def test_ctc_equals_torch_ctc_loss_per_label_with_zero_padding():
    torch.manual_seed(0)
    logits = torch.randn(2, 6, 4)
    y_true = torch.tensor([[1, 2, 0], [3, 3, 1]])
    got = losses.get("ctc")(y_true, logits, from_logits=True)
    lp = logits.log_softmax(-1).transpose(0, 1)
    want = F.ctc_loss(lp, torch.tensor([1, 2, 3, 3, 1]), torch.tensor([6, 6]),
                      torch.tensor([2, 3]), reduction="none") / torch.tensor([2.0, 3.0])
    torch.testing.assert_close(got, want)


def test_a_sequential_model_learns_a_toy_transcription_with_compile_and_fit():
    rng = np.random.default_rng(0)
    x = np.zeros((128, 12, 2), np.float32)
    y = np.zeros((128, 2), np.float32)
    for b in range(128):                       # two bursts: word 1 on feature 0, 2 on 1
        words = rng.integers(1, 3, size=2)
        x[b, 2:5, words[0] - 1] = 1.0
        x[b, 7:10, words[1] - 1] = 1.0
        y[b] = words
    model = Sequential([Input(shape=(12, 2)), Bidirectional(GRU(16, return_sequences=True)),
                        Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="ctc")
    torch.manual_seed(0)
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.25 * history["loss"][0]
    best = model.predict(x[:8], verbose=0).argmax(-1)          # greedy: merge, drop blanks
    decoded = [[k for t, k in enumerate(row) if k and (t == 0 or row[t - 1] != k)]
               for row in best]
    assert decoded == y[:8].astype(int).tolist()
