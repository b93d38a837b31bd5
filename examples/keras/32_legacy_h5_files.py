# tf.keras 2 style: save the whole model as HDF5 ("model.h5"), keep the best weights with a
# checkpoint, reload both. GRU(reset_after=False) is the original GRU that old Keras
# versions used by default; its weights keep Keras's layout (one (3 * units,) bias).
import numpy as np
import rnnkit as tf

rng = np.random.default_rng(3)
vocab, length = 50, 15
x = rng.integers(1, vocab, size=(600, length))
lengths = rng.integers(4, length + 1, size=600)
x[np.arange(length)[None, :] >= lengths[:, None]] = 0          # padded with 0 at the end
y = (x == 7).any(axis=1).astype("float32")                      # does token 7 occur?

model = tf.keras.Sequential([
    tf.keras.layers.Embedding(vocab, 16, mask_zero=True, input_length=length),
    tf.keras.layers.GRU(32, reset_after=False),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
checkpoint = tf.keras.callbacks.ModelCheckpoint("weights.best.weights.h5", monitor="loss",
                                                save_best_only=True, save_weights_only=True)
history = model.fit(x, y, epochs=8, batch_size=32, callbacks=[checkpoint], verbose=0)
print("accuracy per epoch:", [round(v, 3) for v in history.history["accuracy"]])

print("GRU weights:", [w.shape for w in model.layers[1].get_weights()])
model.save("model.h5")
reloaded = tf.keras.models.load_model("model.h5")
same = np.allclose(reloaded.predict(x[:50], verbose=0), model.predict(x[:50], verbose=0),
                   atol=1e-5)
print("reloaded .h5 predicts the same:", same)
assert same

model.load_weights("weights.best.weights.h5")
loss, accuracy = model.evaluate(x, y, verbose=0)
print(f"best checkpoint: loss {loss:.4f}, accuracy {accuracy:.3f}")
assert accuracy > 0.8
