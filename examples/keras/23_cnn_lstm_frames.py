# A CNN-LSTM over video frames, the Keras way: TimeDistributed(Conv2D) and
# TimeDistributed(MaxPooling2D) look at each frame, TimeDistributed(Flatten) makes one vector
# per frame, an LSTM reads the frames in order. The task needs the order: a dot that moves
# left or right across 8x8 frames (generated), and the model says which way.
# Written as Keras code with the `keras` prefix spelled `rnnkit`.
import numpy as np
from rnnkit.layers import (LSTM, Conv2D, Dense, Flatten, MaxPooling2D, TimeDistributed)
from rnnkit.models import Sequential
from rnnkit.utils import set_random_seed

set_random_seed(0)
rng = np.random.default_rng(0)
frames, size = 6, 8


def moving_dots(n):
    x = np.zeros((n, frames, size, size, 1), "float32")
    direction = rng.integers(0, 2, n)                       # 1: moves right, 0: moves left
    for i in range(n):
        row, col = rng.integers(0, size), rng.integers(2, size - 2)
        step = 1 if direction[i] else -1
        for t in range(frames):
            x[i, t, row, np.clip(col + step * (t - frames // 2), 0, size - 1), 0] = 1.0
    x += rng.normal(0, 0.1, x.shape).astype("float32")
    return x, direction.astype("float32")


x_train, y_train = moving_dots(400)
x_test, y_test = moving_dots(100)

model = Sequential()
model.add(TimeDistributed(Conv2D(8, (3, 3), padding="same", activation="relu"),
                          input_shape=(frames, size, size, 1)))
model.add(TimeDistributed(MaxPooling2D((2, 2))))
model.add(TimeDistributed(Flatten()))
model.add(LSTM(16))
model.add(Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.summary()
history = model.fit(x_train, y_train, epochs=8, batch_size=32, verbose=0)
loss, acc = model.evaluate(x_test, y_test, verbose=0)
print(f"loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}; "
      f"test accuracy {acc:.2f} (chance 0.5)")
assert acc > 0.8
