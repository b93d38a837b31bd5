# Train an LSTM forecaster, keep the best epoch with ModelCheckpoint("best_model.keras"),
# then reload it with load_model and check it predicts what the trained model predicts.
# The .keras file is Keras 3's own format: Keras itself can open it.
import numpy as np
from rnnkit.models import Sequential, load_model
from rnnkit.layers import Input, LSTM, Dense
from rnnkit.callbacks import ModelCheckpoint

t = np.arange(1200, dtype="float32")
series = np.sin(0.04 * t) + 0.5 * np.sin(0.011 * t)
window = 24
x = np.stack([series[i:i + window] for i in range(len(series) - window)])[..., None]
y = series[window:]

model = Sequential([
    Input(shape=(window, 1)),
    LSTM(32),
    Dense(1),
])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
checkpoint = ModelCheckpoint("best_model.keras", monitor="val_loss", save_best_only=True)
history = model.fit(x, y, epochs=5, batch_size=64, validation_split=0.2,
                    callbacks=[checkpoint], verbose=0)
print("val_loss per epoch:", [round(v, 4) for v in history.history["val_loss"]])

model.save("sine_lstm.keras")
model.save_weights("sine_lstm.weights.h5")

restored = load_model("sine_lstm.keras")
restored.summary()
difference = np.abs(restored.predict(x[:100], verbose=0) - model.predict(x[:100], verbose=0))
print("largest difference after load_model:", float(difference.max()))
assert difference.max() < 1e-5

fresh = Sequential([Input(shape=(window, 1)), LSTM(32), Dense(1)])
fresh.load_weights("sine_lstm.weights.h5")
assert np.allclose(fresh.predict(x[:100], verbose=0), model.predict(x[:100], verbose=0),
                   atol=1e-5)
best = load_model("best_model.keras")
print("best checkpoint val mse:", round(float(best.evaluate(x[-200:], y[-200:], verbose=0)[0]), 4))
