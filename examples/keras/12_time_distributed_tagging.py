# Many-to-many: a tag for every token. Embedding(mask_zero=True) -> Bidirectional LSTM with
# return_sequences -> TimeDistributed(Dense(softmax)); padding steps carry no loss.
import numpy as np
from rnnkit.models import Sequential
from rnnkit.layers import Embedding, Bidirectional, LSTM, TimeDistributed, Dense
from rnnkit.preprocessing.sequence import pad_sequences

rng = np.random.default_rng(10)
vocab, n_tags = 40, 3           # a word's tag: its id modulo 3, or 0 after a word with id < 8
sentences, tags = [], []
for _ in range(500):
    ids = rng.integers(1, vocab, size=rng.integers(4, 15))
    sentences.append(ids)
    tags.append(np.where(np.concatenate([[99], ids[:-1]]) < 8, 0, ids % n_tags))
x = pad_sequences(sentences, maxlen=15, padding="post")
y = pad_sequences(tags, maxlen=15, padding="post")

model = Sequential()
model.add(Embedding(vocab, 32, mask_zero=True))
model.add(Bidirectional(LSTM(32, return_sequences=True)))
model.add(TimeDistributed(Dense(n_tags, activation="softmax")))
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, batch_size=32, epochs=8, validation_split=0.1, verbose=0)
print("val_accuracy", history.history["val_accuracy"][-1])
