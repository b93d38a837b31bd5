# The classic character-level text generation: windows of 20 characters predict the next
# one; generation calls model.predict once per character and samples with a temperature.
import io
import numpy as np
from rnnkit.models import Sequential
from rnnkit.layers import LSTM, Dense
from rnnkit.datasets import load_tiny_shakespeare

text = load_tiny_shakespeare()[:30000].lower()
chars = sorted(set(text))
char_indices = {c: i for i, c in enumerate(chars)}
maxlen, step = 20, 3
sentences = [text[i:i + maxlen] for i in range(0, len(text) - maxlen, step)]
next_chars = [text[i + maxlen] for i in range(0, len(text) - maxlen, step)]
x = np.zeros((len(sentences), maxlen, len(chars)), dtype="float32")
y = np.zeros((len(sentences), len(chars)), dtype="float32")
for i, sentence in enumerate(sentences):
    for t, char in enumerate(sentence):
        x[i, t, char_indices[char]] = 1
    y[i, char_indices[next_chars[i]]] = 1

model = Sequential([LSTM(64, input_shape=(maxlen, len(chars))),
                    Dense(len(chars), activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
history = model.fit(x, y, batch_size=128, epochs=2, verbose=0)


def sample(preds, temperature=1.0):
    preds = np.log(np.asarray(preds).astype("float64") + 1e-12) / temperature
    probs = np.exp(preds) / np.sum(np.exp(preds))
    return int(np.argmax(np.random.multinomial(1, probs, 1)))


sentence = text[:maxlen]
out = io.StringIO()
for _ in range(100):
    x_pred = np.zeros((1, maxlen, len(chars)), dtype="float32")
    for t, char in enumerate(sentence):
        x_pred[0, t, char_indices[char]] = 1.0
    next_char = chars[sample(model.predict(x_pred, verbose=0)[0], 0.5)]
    sentence = sentence[1:] + next_char
    out.write(next_char)
print(out.getvalue())
