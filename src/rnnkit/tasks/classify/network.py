"""The recurrent classifier both classify recipes train: first layers (Embedding or
Masking) -> (Bi)LSTM / GRU / MinGRU / MinLSTM -> Dropout -> Dense, fitted with Adam and
early stopping on the validation loss.

    binary:  p(positive | x) = sigmoid(w . h_T + b)          (binary cross-entropy)
    K > 2:   p(k | x) = softmax(W h_T + b)_k                 (sparse categorical cross-entropy)

Shapes: N samples, K classes, h_T the last state (both directions concatenated).
"""
from __future__ import annotations

import numpy as np

from ... import optimizers
from ...callbacks import EarlyStopping
from ...layers import GRU, LSTM, Bidirectional, Dense, Dropout, MinGRU, MinLSTM
from ...models import Sequential

CELLS = {"lstm": LSTM, "gru": GRU, "mingru": MinGRU, "minlstm": MinLSTM}


def recurrent_classifier(first_layers: list, n_classes: int, cell: str, units: int,
                         bidirectional: bool, dropout: float) -> Sequential:
    """first_layers (Embedding or Masking) -> (Bi)LSTM/GRU -> Dropout -> Dense.

    Two classes end in Dense(1, sigmoid) (binary cross-entropy), more in Dense(K, softmax).
    """
    rnn = CELLS[cell](units)
    out = Dense(1, activation="sigmoid") if n_classes == 2 else Dense(n_classes,
                                                                      activation="softmax")
    return Sequential([*first_layers, Bidirectional(rnn) if bidirectional else rnn,
                       Dropout(dropout), out])


def fit_classifier(model: Sequential, n_classes: int, x_train, y_train, x_val, y_val,
                   epochs: int, batch_size: int, learning_rate: float, patience: int,
                   verbose: bool) -> tuple[dict[str, list[float]], int]:
    """Adam, cross-entropy and early stopping on the validation loss; the weights of the best
    validation epoch are kept. Returns (history, best epoch counted from 1)."""
    binary = n_classes == 2
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate, clipnorm=5.0),
                  loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])            # device "auto": the GPU if any
    target = (lambda y: y.astype(np.float32)[:, None]) if binary else (lambda y: y)
    stop = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    history = model.fit(x_train, target(y_train), validation_data=(x_val, target(y_val)),
                        epochs=epochs, batch_size=batch_size, callbacks=[stop],
                        verbose=1 if verbose else 0)
    # EarlyStopping restores only when it stopped the run (Keras 2); keep the best epoch always.
    if stop.best_weights is not None and not model.stop_training:
        model.set_weights(stop.best_weights)
    return history.history, stop.best_epoch + 1


def predict_proba(model: Sequential, x, n_classes: int, batch_size: int = 256) -> np.ndarray:
    """Class probabilities (N, K), also for the one-sigmoid binary head."""
    p = model.predict(x, batch_size=batch_size)
    return np.concatenate([1.0 - p, p], axis=1) if n_classes == 2 else p


