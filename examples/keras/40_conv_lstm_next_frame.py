"""Next-frame prediction with ConvLSTM2D (after Keras's conv_lstm example), on generated movies.

Each movie shows a few squares drifting across a 12x12 frame; the model sees frames 0..T-2
and predicts frames 1..T-1 pixel by pixel.
"""
import numpy as np

from rnnkit.layers import ConvLSTM2D, Dense
from rnnkit.models import Sequential
from rnnkit.optimizers import Adam
from rnnkit.utils import set_random_seed

set_random_seed(1)


def generate_movies(n_samples=96, n_frames=7, size=12):
    rng = np.random.default_rng(0)
    movies = np.zeros((n_samples, n_frames + 1, size, size, 1), dtype="float32")
    for i in range(n_samples):
        for _ in range(rng.integers(1, 3)):
            x, y = rng.integers(2, size - 2, 2)
            dx, dy = rng.integers(-1, 2, 2)
            for t in range(n_frames + 1):
                cx, cy = (x + dx * t) % size, (y + dy * t) % size
                movies[i, t, max(cx - 1, 0):cx + 1, max(cy - 1, 0):cy + 1, 0] = 1.0
    return movies[:, :-1], movies[:, 1:]


noisy_movies, shifted_movies = generate_movies()

seq = Sequential()
seq.add(ConvLSTM2D(filters=8, kernel_size=(3, 3), input_shape=(None, 12, 12, 1),
                   padding="same", return_sequences=True))
seq.add(ConvLSTM2D(filters=8, kernel_size=(3, 3), padding="same", return_sequences=True))
seq.add(Dense(1, activation="sigmoid"))
seq.compile(loss="binary_crossentropy", optimizer=Adam(learning_rate=0.01))
seq.summary()

history = seq.fit(noisy_movies[:80], shifted_movies[:80], batch_size=16, epochs=12,
                  validation_split=0.1, verbose=0)
loss = history.history["loss"]
print(f"training loss: first epoch {loss[0]:.4f}, last epoch {loss[-1]:.4f}")

pred = seq.predict(noisy_movies[80:], verbose=0)
print("predicted frames:", pred.shape)
copy_last = np.mean((noisy_movies[80:] - shifted_movies[80:]) ** 2)
model_mse = np.mean((pred - shifted_movies[80:]) ** 2)
print(f"held-out pixel MSE: model {model_mse:.4f}, repeat-the-last-frame {copy_last:.4f}")
assert loss[-1] < loss[0] / 2
