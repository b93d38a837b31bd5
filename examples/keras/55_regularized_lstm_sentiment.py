# Weight decay the Keras way: L2 penalties on an LSTM's kernels, a MaxNorm constraint on the
# output layer, an activity penalty, and a custom layer that adds its own loss with add_loss.
# model.losses lists the penalties; fit adds them to the loss it reports, as Keras does.
# Bundled UCI sentiment sentences, 20% held out.
# Written as Keras code with the `keras` prefix spelled `rnnkit`.
import numpy as np
import rnnkit as keras
from rnnkit import constraints, layers, regularizers
from rnnkit.datasets import load_sentiment
from rnnkit.preprocessing.sequence import pad_sequences
from rnnkit.preprocessing.text import Tokenizer

keras.utils.set_random_seed(0)
max_features, maxlen = 3000, 40

texts, labels = load_sentiment()
order = np.random.default_rng(0).permutation(len(texts))
texts, labels = [texts[i] for i in order], labels[order].astype("float32")
split = int(0.8 * len(texts))
tokenizer = Tokenizer(num_words=max_features)
tokenizer.fit_on_texts(texts[:split])
x = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=maxlen)
x_train, y_train, x_test, y_test = x[:split], labels[:split], x[split:], labels[split:]


class SparseFeatures(layers.Layer):
    """Identity that asks for few active features: add_loss(0.001 * mean |x|)."""

    def call(self, inputs):
        self.add_loss(1e-3 * keras.ops.mean(keras.ops.abs(inputs)))
        return inputs


model = keras.Sequential([
    keras.Input(shape=(maxlen,), dtype="int32"),
    layers.Embedding(max_features, 32, mask_zero=True,
                     embeddings_regularizer=regularizers.l2(1e-5)),
    layers.LSTM(32, kernel_regularizer=regularizers.l2(1e-4),
                recurrent_regularizer=regularizers.l2(1e-4),
                activity_regularizer=regularizers.l1(1e-5)),
    SparseFeatures(),
    layers.Dense(1, activation="sigmoid", kernel_constraint=constraints.MaxNorm(2.0)),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=4, batch_size=32, verbose=0,
                    validation_split=0.1)
print("penalties of the last batch:",
      [round(float(keras.ops.convert_to_numpy(p)), 5) for p in model.losses])
print("loss per epoch (penalties included):", [round(v, 4) for v in history.history["loss"]])
_, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"held-out accuracy {accuracy:.3f}")
kernel = model.layers[-1].get_weights()[0]                   # (32, 1) in Keras's layout
print(f"output kernel norm {np.linalg.norm(kernel):.3f} (MaxNorm 2.0)")
assert len(model.losses) == 5 and np.linalg.norm(kernel) <= 2.0 + 1e-5 and accuracy > 0.6
