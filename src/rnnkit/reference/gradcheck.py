"""Check the hand-written BPTT against central differences.

    numerical:       dL/dw ~ (L(w + eps) - L(w - eps)) / (2 eps)          error O(eps^2)
    relative error:  |analytic - numerical| / max(|analytic|, |numerical|, floor)

Run it in float64: in float32 the rounding in L alone swamps a 1e-6 tolerance.
"""
from __future__ import annotations

import numpy as np

from .numpy_rnn import RNN


def gradcheck(model: RNN, inputs, targets, loss="mse", eps=1e-5, *, mode=None, h0=None,
              floor=1e-10) -> dict[str, float]:
    """Return the largest elementwise relative error of every parameter's analytic gradient.

    Each parameter element is nudged by +-eps in place (and restored), so the model is left
    as it was. If ``h0`` is given, the gradient for the initial state is checked too, under
    the key 'h0'. ``floor`` keeps elements whose gradient is exactly zero (e.g. the columns
    of W_xh for tokens that never occur) from dividing by zero.

    Use weights of order one: with the 0.01 init some gradients are ~1e-9, below what finite
    differences resolve, and their relative error says nothing about the backward pass.

    >>> rnn = RNN(2, 3, 1, seed=0)
    >>> for p in rnn.parameters().values():
    ...     p[...] = np.random.default_rng(1).normal(size=p.shape)
    >>> errors = gradcheck(rnn, np.ones((4, 2, 1)), np.zeros((1, 1)))
    >>> sorted(errors), max(errors.values()) < 1e-6
    (['Whh', 'Why', 'Wxh', 'bh', 'by'], True)
    """
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"gradcheck eps must be a small positive number such as 1e-5; "
                         f"got {eps!r}.")
    params = dict(model.parameters())
    if h0 is not None:
        h0 = np.array(h0, dtype=model.dtype)                    # a copy we may nudge
    _, grads, _ = model.loss_and_gradients(inputs, targets, loss=loss, mode=mode, h0=h0)
    if h0 is not None:
        params["h0"], grads["h0"] = h0, grads["dh0"]

    def loss_now() -> float:
        cache = model.forward_sequence(inputs, h0)
        return model.loss(cache, targets, kind=loss, mode=mode)[0]

    errors = {}
    for name, p in params.items():
        numerical = np.zeros(p.shape, dtype=np.float64)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            loss_plus = loss_now()
            p[idx] = old - eps
            loss_minus = loss_now()
            p[idx] = old                                        # restore the weight exactly
            numerical[idx] = (loss_plus - loss_minus) / (2.0 * eps)
        analytic = np.asarray(grads[name], dtype=np.float64)
        denom = np.maximum(np.maximum(np.abs(analytic), np.abs(numerical)), floor)
        errors[name] = float(np.max(np.abs(analytic - numerical) / denom))
    return errors


def assert_gradcheck(model: RNN, inputs, targets, loss="mse", eps=1e-5, *, mode=None, h0=None,
                     tol=1e-6, floor=1e-10) -> dict[str, float]:
    """Run ``gradcheck`` and raise AssertionError naming every parameter above ``tol``.

    Returns the errors when all pass, so a test can also print them.
    """
    errors = gradcheck(model, inputs, targets, loss=loss, eps=eps, mode=mode, h0=h0, floor=floor)
    failed = {k: v for k, v in errors.items() if not v < tol}
    if failed:
        table = ", ".join(f"{k}: {v:.2e}" for k, v in sorted(failed.items()))
        raise AssertionError(
            f"BPTT gradients disagree with central differences beyond tol={tol:g} ({table}). "
            f"All errors: {', '.join(f'{k}: {v:.2e}' for k, v in sorted(errors.items()))}. "
            "Check the backward line for these parameters, and run in float64.")
    return errors
