"""The NumPy reference and rnnkit's SimpleRNN + Dense: same weights, same outputs and gradients."""
import numpy as np
import pytest
import torch

from rnnkit.layers import Dense, Input, SimpleRNN
from rnnkit.models import Sequential
from rnnkit.reference import RNN

T, D, H, O, B = 9, 3, 5, 2, 4


def twin_models(implementation):
    ref = RNN(D, H, O, dtype=np.float64, seed=0)
    rng = np.random.default_rng(1)
    for p in ref.parameters().values():
        p[...] = rng.normal(scale=0.5, size=p.shape)      # weights of order one, not 0.01
    model = Sequential([Input(shape=(T, D)), SimpleRNN(H, implementation=implementation),
                        Dense(O)]).double()
    rnn, dense = model.layers
    with torch.no_grad():
        rnn.cell.W_xh.copy_(torch.from_numpy(ref.Wxh))
        rnn.cell.W_hh.copy_(torch.from_numpy(ref.Whh))
        rnn.cell.b_h.copy_(torch.from_numpy(ref.bh[:, 0]))
        dense.W.copy_(torch.from_numpy(ref.Why))
        dense.b.copy_(torch.from_numpy(ref.by[:, 0]))
    return ref, model


@pytest.mark.parametrize("implementation", ["loop", "compiled"])
def test_reference_and_layers_give_the_same_outputs_and_gradients(implementation):
    ref, model = twin_models(implementation)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(B, T, D))                       # rnnkit: batch first
    target = rng.normal(size=(B, O))
    L, grads, cache = ref.loss_and_gradients(x.transpose(1, 2, 0), target.T, loss="mse")

    y = model(torch.from_numpy(x))
    np.testing.assert_allclose(y.detach().numpy(), cache.ys[-1].T, atol=1e-6, rtol=0)
    loss = (y - torch.from_numpy(target)).square().mean()
    loss.backward()
    np.testing.assert_allclose(loss.item(), L, atol=1e-12)
    rnn, dense = model.layers
    for ours, name in [(rnn.cell.W_xh, "Wxh"), (rnn.cell.W_hh, "Whh"), (dense.W, "Why")]:
        np.testing.assert_allclose(ours.grad.numpy(), grads[name], atol=1e-6, rtol=0)
    np.testing.assert_allclose(rnn.cell.b_h.grad.numpy(), grads["bh"][:, 0], atol=1e-6, rtol=0)
    np.testing.assert_allclose(dense.b.grad.numpy(), grads["by"][:, 0], atol=1e-6, rtol=0)
