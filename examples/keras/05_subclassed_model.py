# A subclassed Model: layers created in __init__, the forward pass in call(), trained with
# fit, as the Keras "making new layers and models via subclassing" guide does.
import numpy as np
import rnnkit as keras
from rnnkit import layers


class SentimentModel(keras.Model):
    def __init__(self, vocab_size, **kwargs):
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(vocab_size, 16, mask_zero=True)
        self.rnn = layers.Bidirectional(layers.LSTM(16))
        self.dropout = layers.Dropout(0.2)
        self.classifier = layers.Dense(1, activation="sigmoid")

    def call(self, inputs, training=False):
        x = self.embedding(inputs)
        x = self.rnn(x)
        x = self.dropout(x, training=training)
        return self.classifier(x)


rng = np.random.default_rng(4)
good, bad = [3, 4, 5], [6, 7, 8]
seqs = [list(rng.choice(good if i % 2 else bad, size=rng.integers(3, 10))) +
        list(rng.integers(9, 30, size=3)) for i in range(300)]
x = keras.preprocessing.sequence.pad_sequences(seqs, maxlen=15)
y = np.array([i % 2 for i in range(300)], dtype="float32")

model = SentimentModel(vocab_size=30)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
print("accuracy", history.history["accuracy"][-1])
