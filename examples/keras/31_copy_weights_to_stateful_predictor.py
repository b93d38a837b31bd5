# The classic Keras idiom for generating step by step: train a model on batches, then copy
# its weights with get_weights()/set_weights() into a stateful twin with batch size 1 that
# is fed one time step per call.
import numpy as np
from rnnkit.models import Sequential
from rnnkit.layers import Input, LSTM, Dense
from rnnkit.utils import set_random_seed

set_random_seed(7)

t = np.arange(3000, dtype="float32")
series = np.sin(0.1 * t)
steps = 20
x = np.stack([series[i:i + steps] for i in range(0, 2000, 3)])[..., None]
y = np.stack([series[i + 1:i + steps + 1] for i in range(0, 2000, 3)])[..., None]

train_model = Sequential([Input(shape=(steps, 1)),
                          LSTM(24, return_sequences=True),
                          Dense(1)])
train_model.compile(optimizer="adam", loss="mse")
history = train_model.fit(x, y, epochs=8, batch_size=32, verbose=0)
print("training loss:", [round(v, 4) for v in history.history["loss"]])

predictor = Sequential([Input(batch_shape=(1, 1, 1)),
                        LSTM(24, return_sequences=True, stateful=True),
                        Dense(1)])
predictor.set_weights(train_model.get_weights())           # same layers, same Keras layout
print("weight shapes:", [w.shape for w in predictor.get_weights()])

predictor.reset_states()
warm_up = series[2000:2010]                                # 10 known steps, then 10 new
for value in warm_up[:-1]:
    predictor.predict(np.array([[[value]]], dtype="float32"), verbose=0)
value, generated = warm_up[-1], []
for _ in range(10):
    value = float(predictor.predict(np.array([[[value]]], dtype="float32"), verbose=0)[0, 0, 0])
    generated.append(value)
truth = series[2010:2020]
error = float(np.abs(np.array(generated) - truth).mean())
print("mean absolute error over 10 generated steps:", round(error, 4))
assert error < 0.3          # repeating the last known value is about 0.52 off

# The batch model and its stateful copy agree when fed the same sequence.
predictor.reset_states()
one_by_one = [predictor.predict(x[:1, i:i + 1], verbose=0)[0, 0, 0] for i in range(steps)]
assert np.allclose(one_by_one, train_model.predict(x[:1], verbose=0)[0, :, 0], atol=1e-5)
