# Variable-length sequences padded with zeros and a Masking layer, so padded steps are
# skipped; the padded and the unpadded sequence give the same prediction.
import numpy as np
from rnnkit.models import Sequential
from rnnkit.layers import Masking, LSTM, Dense
from rnnkit.preprocessing.sequence import pad_sequences

rng = np.random.default_rng(9)
seqs = [rng.normal(size=(rng.integers(3, 12), 2)).astype("float32") for _ in range(400)]
y = np.array([s[:, 0].sum() for s in seqs], dtype="float32")
x = pad_sequences(seqs, maxlen=12, dtype="float32", padding="post", value=0.0)

model = Sequential()
model.add(Masking(mask_value=0.0, input_shape=(12, 2)))
model.add(LSTM(32))
model.add(Dense(1))
model.compile(loss="mse", optimizer="adam")
history = model.fit(x, y, epochs=6, batch_size=32, verbose=0)
short = seqs[0][None]
padded = x[:1]
print(model.predict(short, verbose=0), model.predict(padded, verbose=0))
np.testing.assert_allclose(model.predict(short, verbose=0), model.predict(padded, verbose=0),
                           atol=1e-5)
