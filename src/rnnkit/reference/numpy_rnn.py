"""The Elman RNN in pure NumPy, with backpropagation through time written out.

Seed 004's ``RNN`` class, made whole: the same constructor, weight names, initialisation and
``forward``, plus the half the seed leaves out: a forward pass that caches every step, losses,
BPTT, gradient clipping, SGD and Adagrad updates, and sampling.

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)
    y_t = W_hy h_t + b_y

Shapes: T time steps, D input features, H hidden units, O outputs, B batch.
Vectors are columns, as in the seed: one input x_t is (D, 1); a batch puts samples side by
side as the columns of (D, B); a whole sequence is (T, D, B). One-hot inputs may be given as
integer token indices of shape (T,) or (T, B): then W_xh x_t is the column W_xh[:, ix_t].
No torch here, on purpose: this is the oracle the PyTorch layers are checked against.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PARAMETER_NAMES = ("Wxh", "Whh", "Why", "bh", "by")
LOSSES = ("mse", "softmax")
MODES = ("last", "every")
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@dataclass
class Cache:
    """What ``forward_sequence`` saw and computed, kept for ``backward``.

    xs: (T, D, B) float inputs, or None for token inputs;  ix: (T, B) token indices, or None.
    h0: (H, B) initial state;  hs: (T, H, B) with hs[t] = h_t;  ys: (T, O, B) with ys[t] = y_t.
    """

    xs: np.ndarray | None
    ix: np.ndarray | None
    h0: np.ndarray
    hs: np.ndarray
    ys: np.ndarray

    @property
    def h_last(self) -> np.ndarray:
        """The state after the last step, (H, B): the h0 of the next truncated-BPTT window."""
        return self.hs[-1]


def _check_finite(name: str, a: np.ndarray) -> None:
    if not np.all(np.isfinite(a)):
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf); "
                         "clean or impute the data before passing it to the RNN.")


class RNN:
    """Elman RNN with a linear read-out, column-vector convention (seed 004).

        h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)      W_xh (H, D), W_hh (H, H), b_h (H, 1)
        y_t = W_hy h_t + b_y                           W_hy (O, H), b_y (O, 1)

    Init as in the seed: weights ``randn * 0.01``, biases zero. With ``seed=None`` the weights
    come from NumPy's global generator in the seed's order (Wxh, Whh, Why), so after
    ``np.random.seed(s)`` this class and the seed's draw the same weights; an integer ``seed``
    uses a private ``np.random.default_rng(seed)`` instead. Everything is computed in ``dtype``
    (float64 or float32).

    >>> rnn = RNN(3, 5, 2, seed=0)
    >>> y, h = rnn.forward([np.ones((3, 1)), np.zeros((3, 1))])
    >>> y.shape, h.shape
    ((2, 1), (5, 1))
    """

    def __init__(self, input_size, hidden_size, output_size, *, dtype=np.float64, seed=None):
        for name, size in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("output_size", output_size)):
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
                raise ValueError(f"RNN {name} must be a positive integer, got {size!r}.")
        self.dtype = np.dtype(dtype)
        if self.dtype not in DTYPES:
            raise ValueError(f"RNN dtype must be float32 or float64, got {self.dtype}.")
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.output_size = int(output_size)
        self.rng = np.random.default_rng(seed)
        if seed is None:
            randn = np.random.randn                                  # the seed's generator
        else:
            def randn(*shape):
                return self.rng.standard_normal(shape)
        self.Wxh = (randn(hidden_size, input_size) * 0.01).astype(self.dtype)
        self.Whh = (randn(hidden_size, hidden_size) * 0.01).astype(self.dtype)
        self.Why = (randn(output_size, hidden_size) * 0.01).astype(self.dtype)
        self.bh = np.zeros((hidden_size, 1), dtype=self.dtype)
        self.by = np.zeros((output_size, 1), dtype=self.dtype)

    def __repr__(self) -> str:
        extra = "" if self.dtype == np.float64 else f", dtype={self.dtype.name}"
        return (f"RNN(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"output_size={self.output_size}{extra})")

    def parameters(self) -> dict[str, np.ndarray]:
        """The live parameter arrays by name; updating them in place updates the model."""
        return {name: getattr(self, name) for name in PARAMETER_NAMES}

    # ----------------------------------------------------------------------------- forward

    def forward(self, inputs):
        """The seed's forward: run the sequence from h = 0, read out y from the last h only.

        inputs: a sequence of (D, 1) column vectors (or (T, D, B), or token indices).
        Returns (y, h): y = W_hy h_T + b_y of shape (O, B) and h_T of shape (H, B).
        """
        h = self.forward_sequence(inputs).h_last
        y = np.dot(self.Why, h) + self.by                    # y = W_hy h_T + b_y
        return y, h

    def forward_sequence(self, inputs, h0=None) -> Cache:
        """Run every step from h0 (zeros if None) and cache xs, hs and ys for ``backward``.

        inputs: a list of T column vectors (D, 1), an array (T, D, B) whose columns are the
        samples, or integer token indices (T,) or (T, B) standing for one-hot x_t.
        """
        xs, ix = self._as_sequence(inputs)
        T, B = (ix.shape if xs is None else (xs.shape[0], xs.shape[2]))
        h0 = self._initial_state(h0, B)
        hs = np.empty((T, self.hidden_size, B), dtype=self.dtype)          # (T, H, B)
        h = h0
        for t in range(T):
            # W_xh x_t: a product for dense inputs, a column lookup for one-hot tokens
            xh = np.dot(self.Wxh, xs[t]) if xs is not None else self.Wxh[:, ix[t]]
            # h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)
            h = np.tanh(xh + np.dot(self.Whh, h) + self.bh)
            hs[t] = h
        ys = np.matmul(self.Why, hs) + self.by                # y_t = W_hy h_t + b_y, all t at once
        return Cache(xs=xs, ix=ix, h0=h0, hs=hs, ys=ys)

    def _as_sequence(self, inputs):
        """Validate inputs; return (xs (T, D, B), None) or (None, ix (T, B))."""
        D = self.input_size
        expected = (f"RNN(input_size={D}) expects a sequence of ({D}, 1) column vectors, an "
                    f"array of shape (T, {D}, B), or integer token indices of shape (T,) or (T, B)")
        if isinstance(inputs, (list, tuple)):
            if len(inputs) == 0:
                raise ValueError(f"{expected}; got an empty sequence. Pass at least one step.")
            for t, x in enumerate(inputs):
                shape = np.shape(x)
                if shape != () and (len(shape) != 2 or shape[0] != D):
                    raise ValueError(f"{expected}; inputs[{t}] has shape {shape}. "
                                     f"Make each step a column with x.reshape({D}, 1).")
            if len({np.shape(x) for x in inputs}) > 1:
                raise ValueError(f"{expected}; the steps have different shapes "
                                 f"{sorted({np.shape(x) for x in inputs})}.")
        arr = np.asarray(inputs)
        if arr.ndim >= 1 and arr.shape[0] == 0:
            raise ValueError(f"{expected}; got an empty sequence of shape {arr.shape}.")
        if np.issubdtype(arr.dtype, np.integer) and arr.ndim in (1, 2):
            ix = arr.reshape(arr.shape[0], -1)
            if ix.size == 0:
                raise ValueError(f"{expected}; got an empty batch of shape {arr.shape}.")
            if ix.min() < 0 or ix.max() >= D:
                raise ValueError(f"Token indices must lie in [0, {D}) for input_size={D}; got "
                                 f"values from {ix.min()} to {ix.max()}.")
            return None, ix
        if arr.ndim != 3 or arr.shape[1] != D or arr.shape[2] == 0 or arr.dtype == object:
            hint = ""
            if arr.ndim == 2 and arr.shape[1] == D:
                hint = f" For one sample of T steps, use inputs.reshape(T, {D}, 1)."
            raise ValueError(f"{expected}; got shape {arr.shape}.{hint}")
        if not np.issubdtype(arr.dtype, np.number):
            raise ValueError(f"{expected}; got values of dtype {arr.dtype}.")
        xs = arr.astype(self.dtype, copy=False)
        _check_finite("inputs", xs)
        return xs, None

    def _initial_state(self, h0, B: int, name: str = "h0") -> np.ndarray:
        """Validate a state of shape (H, B); None means zeros."""
        H = self.hidden_size
        if h0 is None:
            return np.zeros((H, B), dtype=self.dtype)
        h0 = np.asarray(h0)
        if h0.shape != (H, B):
            raise ValueError(f"{name} must have shape (hidden_size, batch) = ({H}, {B}); got "
                             f"{h0.shape}. Pass None for zeros.")
        _check_finite(name, h0)
        return h0.astype(self.dtype, copy=False)

    # -------------------------------------------------------------------------------- loss

    def loss(self, cache: Cache, targets, kind: str = "mse", mode: str | None = None):
        """Return (L, dys): the scalar loss and dL/dy_t for every step, dys of shape (T, O, B).

        kind='mse':      L = mean over steps, outputs and batch of (y_t - target_t)^2.
                         targets (O, B) -> mode 'last' (only y_T is scored);
                         targets (T, O, B) or a list of T (O, 1) columns -> mode 'every'.
        kind='softmax':  p_t = softmax(y_t),  L = -mean log p_t[target_t]  (nats per step).
                         targets are class indices in [0, O): (T,) or (T, B) for mode
                         'every' (the default, as for char models), (B,) for mode 'last'.
        """
        if kind not in LOSSES:
            raise ValueError(f"Unknown loss {kind!r}. Available: {', '.join(LOSSES)}.")
        if mode is not None and mode not in MODES:
            raise ValueError(f"Unknown mode {mode!r}. Available: {', '.join(MODES)}.")
        ys = cache.ys
        T, O, B = ys.shape
        targets = np.asarray(targets)
        dys = np.zeros_like(ys)
        if kind == "mse":
            mode = mode or ("last" if targets.ndim == 2 else "every")
            want = (O, B) if mode == "last" else (T, O, B)
            if targets.shape != want:
                raise ValueError(self._target_shape_error("mse", mode, want, targets.shape, T))
            if not np.issubdtype(targets.dtype, np.number):
                raise ValueError(f"mse targets must be numbers, got dtype {targets.dtype}.")
            _check_finite("targets", targets)
            targets = targets.astype(self.dtype, copy=False)
            y = ys[-1] if mode == "last" else ys
            diff = y - targets                                  # L = mean (y - target)^2
            L = float(np.mean(diff * diff))
            dy = (2.0 / diff.size) * diff                       # dL/dy = 2 (y - target) / N
            if mode == "last":
                dys[-1] = dy
            else:
                dys[:] = dy
            return L, dys
        mode = mode or "every"
        if mode == "every" and targets.ndim == 1 and B == 1:
            targets = targets.reshape(-1, 1)                    # (T,) for a single sequence
        want = (B,) if mode == "last" else (T, B)
        if targets.shape != want:
            raise ValueError(self._target_shape_error("softmax", mode, want, targets.shape, T))
        if not np.issubdtype(targets.dtype, np.integer):
            raise ValueError(f"softmax targets are class indices and must be integers; got "
                             f"dtype {targets.dtype}. Convert with targets.astype(int).")
        if targets.min() < 0 or targets.max() >= O:
            raise ValueError(f"softmax target indices must lie in [0, {O}) for output_size={O}; "
                             f"got values from {targets.min()} to {targets.max()}.")
        y = ys[-1:] if mode == "last" else ys                  # (T', O, B)
        tgt = targets.reshape(-1, B)                            # (T', B)
        z = y - y.max(axis=1, keepdims=True)                    # shift for a stable softmax
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # log p_t = log softmax(y_t)
        t_idx, b_idx = np.arange(tgt.shape[0])[:, None], np.arange(B)[None, :]
        L = float(-logp[t_idx, tgt, b_idx].mean())              # L = -mean log p_t[target_t]
        dy = np.exp(logp)                                       # dL/dy_t = (p_t - onehot) / N
        dy[t_idx, tgt, b_idx] -= 1.0
        dy /= tgt.size
        if mode == "last":
            dys[-1] = dy[0]
        else:
            dys[:] = dy
        return L, dys

    def _target_shape_error(self, kind, mode, want, got, T) -> str:
        msg = f"{kind} targets for mode {mode!r} must have shape {want}; got {got}."
        if mode == "every" and len(got) >= 1 and got[0] != T:
            msg += f" The targets cover {got[0]} time steps but the inputs have {T}."
        if kind == "softmax" and mode == "every":
            msg += " For one target per sequence, pass mode='last' and targets of shape (B,)."
        return msg

    # ---------------------------------------------------------------------------- backward

    def backward(self, cache: Cache, dys, dh_last=None) -> dict[str, np.ndarray]:
        """Backpropagation through time: gradients of the loss for every parameter and h0.

        dys: (T, O, B), dL/dy_t from ``loss``. dh_last: optional (H, B) gradient arriving at
        h_T from outside the window (None means zero, as in truncated BPTT).
        Returns {'Wxh', 'Whh', 'Why', 'bh', 'by'} (shaped like the parameters) and 'dh0' (H, B).
        """
        hs, h0, xs, ix = cache.hs, cache.h0, cache.xs, cache.ix
        T, H, B = hs.shape
        dys = np.asarray(dys, dtype=self.dtype)
        if dys.shape != cache.ys.shape:
            raise ValueError(f"dys must have the shape of the outputs {cache.ys.shape} "
                             f"(T, O, B); got {dys.shape}.")
        dWxh, dWhh, dWhy = (np.zeros_like(W) for W in (self.Wxh, self.Whh, self.Why))
        dbh, dby = np.zeros_like(self.bh), np.zeros_like(self.by)
        if ix is not None:                                    # one-hot x_t, built once for dW_xh
            xs = np.zeros((T, B, self.input_size), dtype=self.dtype)
            xs[np.arange(T)[:, None], np.arange(B)[None, :], ix] = 1.0
            xs = xs.transpose(0, 2, 1)                        # (T, D, B)
        dh_next = self._initial_state(dh_last, B, "dh_last")  # dL/dh_T from beyond the window
        for t in reversed(range(T)):
            h, h_prev, dy = hs[t], (hs[t - 1] if t > 0 else h0), dys[t]
            # forward was: y_t = W_hy h_t + b_y
            dWhy += np.dot(dy, h.T)                           # (O, B) @ (B, H) -> (O, H)
            dby += dy.sum(axis=1, keepdims=True)
            dh = np.dot(self.Why.T, dy) + dh_next             # h_t feeds y_t and h_{t+1}
            # forward was: h_t = tanh(a_t), a_t = W_xh x_t + W_hh h_{t-1} + b_h
            da = (1.0 - h * h) * dh                           # d tanh(a)/da = 1 - tanh(a)^2
            dWxh += np.dot(da, xs[t].T)                       # (H, B) @ (B, D) -> (H, D)
            dWhh += np.dot(da, h_prev.T)                      # (H, B) @ (B, H) -> (H, H)
            dbh += da.sum(axis=1, keepdims=True)
            dh_next = np.dot(self.Whh.T, da)                  # flows into step t-1: "through time"
        return {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh, "by": dby, "dh0": dh_next}

    def loss_and_gradients(self, inputs, targets, loss="mse", mode=None, h0=None):
        """forward_sequence -> loss -> backward in one call. Returns (L, grads, cache)."""
        cache = self.forward_sequence(inputs, h0)
        L, dys = self.loss(cache, targets, kind=loss, mode=mode)
        return L, self.backward(cache, dys), cache

    # ---------------------------------------------------------------------------- sampling

    def sample(self, h, seed_ix, n, temperature=1.0, rng=None) -> list[int]:
        """Generate n token indices, feeding each one back as the next input (min-char-rnn).

            h_t = tanh(W_xh[:, ix_{t-1}] + W_hh h_{t-1} + b_h),  p_t = softmax(y_t / temperature),
            ix_t ~ p_t

        h: (H, 1) state to start from (None for zeros); seed_ix: the first input token.
        rng: a np.random.Generator or an int seed (None uses the model's generator).
        """
        V = self.output_size
        if self.input_size != V:
            raise ValueError(f"sample feeds outputs back as inputs, so it needs input_size == "
                             f"output_size; got {self.input_size} and {V}.")
        if isinstance(seed_ix, bool) or not isinstance(seed_ix, (int, np.integer)) \
                or not 0 <= seed_ix < V:
            raise ValueError(f"seed_ix must be an integer token index in [0, {V}); "
                             f"got {seed_ix!r}.")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n (the number of tokens to sample) must be an integer >= 0; "
                             f"got {n!r}.")
        if not (np.isfinite(temperature) and temperature > 0):
            raise ValueError(f"temperature must be a positive number; got {temperature!r}. "
                             "Lower values sample more greedily.")
        rng = self.rng if rng is None else np.random.default_rng(rng)
        h = self._initial_state(h, 1)
        ix, out = int(seed_ix), []
        for _ in range(n):
            h = np.tanh(self.Wxh[:, [ix]] + np.dot(self.Whh, h) + self.bh)  # one-hot x = column
            y = np.dot(self.Why, h) + self.by                 # y = W_hy h + b_y
            z = y[:, 0].astype(np.float64) / temperature
            p = np.exp(z - z.max())
            p /= p.sum()                                      # p = softmax(y / temperature)
            ix = int(rng.choice(V, p=p))
            out.append(ix)
        return out


# -------------------------------------------------------------------- clipping and updates

def global_norm(grads: dict[str, np.ndarray]) -> float:
    """sqrt of the sum of squares of every parameter gradient (dh0 is not a parameter)."""
    return float(np.sqrt(sum(float(np.sum(grads[k] * grads[k])) for k in PARAMETER_NAMES)))


def clip_gradients(grads, max_norm=None, max_value=None) -> dict[str, np.ndarray]:
    """Return clipped copies of the parameter gradients (other keys pass through unchanged).

    max_norm:  g <- g * max_norm / ||g||  when the global norm ||g|| exceeds max_norm.
    max_value: g <- clip(g, -max_value, max_value) elementwise, as min-char-rnn does with 5.
    """
    if (max_norm is None) == (max_value is None):
        raise ValueError("clip_gradients needs exactly one of max_norm or max_value, e.g. "
                         "clip_gradients(grads, max_value=5.0).")
    limit = max_norm if max_norm is not None else max_value
    if not (np.isfinite(limit) and limit > 0):
        raise ValueError(f"The clipping limit must be a positive number; got {limit!r}.")
    missing = [k for k in PARAMETER_NAMES if k not in grads]
    if missing:
        raise ValueError(f"grads is missing {missing}; pass the dict returned by RNN.backward.")
    out = dict(grads)
    if max_value is not None:
        for k in PARAMETER_NAMES:
            out[k] = np.clip(grads[k], -max_value, max_value)  # mitigate exploding gradients
        return out
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    for k in PARAMETER_NAMES:
        out[k] = grads[k] * grads[k].dtype.type(scale)
    return out


class SGD:
    """Plain gradient descent:  param <- param - lr * dparam."""

    def __init__(self, lr=0.1):
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"SGD lr must be a positive number; got {lr!r}.")
        self.lr = lr

    def step(self, params, grads) -> None:
        for name, p in params.items():
            p -= p.dtype.type(self.lr) * grads[name]             # in place: the model sees it


class Adagrad:
    """min-char-rnn's Adagrad:  mem += dparam^2;  param <- param - lr * dparam / sqrt(mem + eps).

    mem starts at ``initial_accumulator`` (0 in min-char-rnn, 0.1 in Keras). With 0 the first
    update moves every weight by lr * sign(dparam), which is large next to a 0.01 init.
    """

    def __init__(self, lr=0.1, eps=1e-8, initial_accumulator=0.0):
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"Adagrad lr must be a positive number; got {lr!r}.")
        if not (np.isfinite(initial_accumulator) and initial_accumulator >= 0):
            raise ValueError(f"Adagrad initial_accumulator must be a number >= 0; "
                             f"got {initial_accumulator!r}.")
        self.lr, self.eps, self.initial_accumulator = lr, eps, initial_accumulator
        self.mem: dict[str, np.ndarray] = {}

    def step(self, params, grads) -> None:
        for name, p in params.items():
            g = grads[name]
            mem = self.mem.setdefault(name, np.full_like(p, self.initial_accumulator))
            mem += g * g                                        # mem += dparam^2
            p -= p.dtype.type(self.lr) * g / np.sqrt(mem + p.dtype.type(self.eps))
