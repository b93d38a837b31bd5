# A stateful LSTM with a fixed batch (Keras 2's batch_input_shape), trained one epoch at a
# time with reset_states() between epochs, as the classic stateful examples do.
import numpy as np
from rnnkit.models import Sequential
from rnnkit.layers import LSTM, Dense

batch_size, steps = 8, 5
t = np.arange(batch_size * 200, dtype="float32")
series = np.sin(0.05 * t).reshape(batch_size, -1)          # 8 parallel streams
x_chunks = [series[:, i:i + steps, None] for i in range(0, series.shape[1] - steps - 1, steps)]
y_chunks = [series[:, i + steps] for i in range(0, series.shape[1] - steps - 1, steps)]
x = np.concatenate(x_chunks)
y = np.concatenate(y_chunks)

model = Sequential()
model.add(LSTM(16, batch_input_shape=(batch_size, steps, 1), stateful=True))
model.add(Dense(1))
model.compile(loss="mean_squared_error", optimizer="adam")
losses = []
for epoch in range(4):
    h = model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0, shuffle=False)
    losses.append(h.history["loss"][0])
    model.reset_states()
print("loss per epoch", [round(v, 4) for v in losses])
assert losses[-1] < losses[0]
