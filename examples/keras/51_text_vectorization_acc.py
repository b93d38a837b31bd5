# Sentiment with a TextVectorization layer adapted on the training texts, as the Keras text
# guides do it, and metrics=['acc'], which Keras logs as 'acc' and 'val_acc'. The
# vectorizer runs beside the model here (texts -> ids, then fit on ids).
import numpy as np
import rnnkit as keras
from rnnkit import layers
from rnnkit.datasets import load_sentiment

keras.utils.set_random_seed(0)
texts, labels = load_sentiment()
texts, labels = np.array(texts, dtype=object), np.asarray(labels, dtype="float32")
order = np.random.default_rng(0).permutation(len(texts))
texts, labels = texts[order][:1200], labels[order][:1200]
split = 1000

vectorize_layer = layers.TextVectorization(max_tokens=3000, output_mode="int",
                                           output_sequence_length=30)
vectorize_layer.adapt(texts[:split])
print("vocabulary head:", vectorize_layer.get_vocabulary()[:6])

x = vectorize_layer(texts).numpy()
model = keras.Sequential([
    keras.Input(shape=(30,)),
    layers.Embedding(3000, 32, mask_zero=True),
    layers.Bidirectional(layers.LSTM(16)),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(), metrics=["acc"])
history = model.fit(x[:split], labels[:split], validation_data=(x[split:], labels[split:]),
                    epochs=4, batch_size=32, verbose=0)
print("history keys:", sorted(history.history))
print(f"val_acc after 4 epochs: {history.history['val_acc'][-1]:.3f}")

probs = model.predict(x[split:], verbose=0)
for metric in (keras.metrics.Precision(), keras.metrics.Recall(), keras.metrics.AUC()):
    metric.update_state(labels[split:, None], probs)
    print(f"{metric.name}: {float(metric.result()):.3f}")
assert "val_acc" in history.history and history.history["val_acc"][-1] > 0.6
