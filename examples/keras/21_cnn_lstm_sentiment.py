# Keras's classic imdb_cnn_lstm recipe on review sentences: Embedding, SpatialDropout1D,
# Conv1D + MaxPooling1D for n-gram features, an LSTM over them, a sigmoid output; a second
# model with GlobalMaxPooling1D instead of the LSTM. Bundled UCI sentiment sentences, 20% held out.
# Written as Keras code with the `keras` prefix spelled `rnnkit`.
import numpy as np
from rnnkit.datasets import load_sentiment
from rnnkit.layers import (Conv1D, Dense, Dropout, Embedding, GlobalMaxPooling1D, LSTM,
                           MaxPooling1D, SpatialDropout1D)
from rnnkit.models import Sequential
from rnnkit.preprocessing.sequence import pad_sequences
from rnnkit.preprocessing.text import Tokenizer
from rnnkit.utils import set_random_seed

set_random_seed(0)
max_features, maxlen = 3000, 40

texts, labels = load_sentiment()
order = np.random.default_rng(0).permutation(len(texts))
texts, labels = [texts[i] for i in order], labels[order].astype("float32")
split = int(0.8 * len(texts))

tokenizer = Tokenizer(num_words=max_features)
tokenizer.fit_on_texts(texts[:split])
x = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=maxlen)
x_train, y_train, x_test, y_test = x[:split], labels[:split], x[split:], labels[split:]

cnn_lstm = Sequential()
cnn_lstm.add(Embedding(max_features, 32, input_length=maxlen))
cnn_lstm.add(SpatialDropout1D(0.2))
cnn_lstm.add(Conv1D(32, 5, padding="same", activation="relu"))
cnn_lstm.add(MaxPooling1D(pool_size=2))
cnn_lstm.add(LSTM(32))
cnn_lstm.add(Dense(1, activation="sigmoid"))

cnn = Sequential([
    Embedding(max_features, 32, input_length=maxlen),
    Conv1D(64, 3, activation="relu"),
    GlobalMaxPooling1D(),
    Dropout(0.3),
    Dense(1, activation="sigmoid"),
])

for name, model in (("CNN-LSTM", cnn_lstm), ("CNN + global max pooling", cnn)):
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=6, verbose=0,
                        validation_data=(x_test, y_test))
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"{name}: train loss {history.history['loss'][0]:.3f} -> "
          f"{history.history['loss'][-1]:.3f}, test accuracy {acc:.3f} (majority 0.5)")
    assert acc > 0.6
