"""The adding problem (Hochreiter & Schmidhuber, 1997): a test of long-range memory.

Each sequence has T steps of 2 features: a value drawn uniformly from [0, 1) and a marker
that is 1 at exactly two steps, one in each half of the sequence, and 0 elsewhere. The
target is the sum of the two marked values:

    x[b, t] = (u_t, m_t),   u_t ~ U[0, 1),   m_t = 1 at t = p_1 < T/2 and t = p_2 >= T/2
    y[b]    = u_{p_1} + u_{p_2}

A model that reads the sequence to its end must carry the first marked value across at
least T/2 steps. Predicting the constant 1 (the mean of y) scores an MSE of
Var(u_1 + u_2) = 2/12 ≈ 0.167: the baseline a model must beat to show it remembers.
"""
from __future__ import annotations

import numpy as np

BASELINE_PREDICTION = 1.0          # E[u_1 + u_2]
BASELINE_MSE = 2.0 / 12.0          # Var(u_1 + u_2): the always-predict-1 MSE


def make_adding_problem(n: int, T: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n sequences of the adding problem: x (n, T, 2) float32, y (n, 1) float32.

    Feature 0 is the value, feature 1 the marker. The same seed gives the same data.

    >>> x, y = make_adding_problem(3, T=10, seed=0)
    >>> x.shape, y.shape
    ((3, 10, 2), (3, 1))
    >>> x[..., 1].sum(axis=1).tolist()
    [2.0, 2.0, 2.0]
    >>> bool(np.allclose(y[:, 0], (x[..., 0] * x[..., 1]).sum(axis=1)))
    True
    """
    for arg, value, low in (("n", n, 1), ("T", T, 2), ("seed", seed, 0)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ValueError(f"make_adding_problem: {arg} must be an integer >= {low}, "
                             f"got {value!r}.")
    rng = np.random.default_rng(int(seed))
    half = T // 2
    values = rng.uniform(0.0, 1.0, size=(n, T))                      # (n, T)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, rng.integers(0, half, size=n)] = 1.0               # one in the first half
    markers[rows, rng.integers(half, T, size=n)] = 1.0               # one in the second half
    x = np.stack([values, markers], axis=-1).astype(np.float32)      # (n, T, 2)
    y = (values * markers).sum(axis=1, keepdims=True).astype(np.float32)   # (n, 1)
    return x, y


def baseline_mse(y: np.ndarray) -> float:
    """The MSE of always predicting 1 on these targets (about 0.167 for enough samples)."""
    return float(np.mean((np.asarray(y, dtype=np.float64) - BASELINE_PREDICTION) ** 2))
