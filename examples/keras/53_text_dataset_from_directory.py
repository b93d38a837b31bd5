# keras.utils.text_dataset_from_directory on a folder of class folders of .txt files, split
# into training and validation with one seed, vectorized inside ds.map, as the Keras text
# classification tutorial does.
import tempfile
from pathlib import Path

import rnnkit as tf
from rnnkit.datasets import load_sentiment

tf.keras.utils.set_random_seed(0)
texts, labels = load_sentiment()
folder = Path(tempfile.mkdtemp())
for i, (text, label) in enumerate(zip(texts[:1000], labels[:1000])):
    class_dir = folder / ("pos" if label else "neg")
    class_dir.mkdir(exist_ok=True)
    (class_dir / f"{i}.txt").write_text(text, encoding="utf-8")

raw_train_ds, raw_val_ds = tf.keras.utils.text_dataset_from_directory(
    folder, batch_size=32, validation_split=0.2, subset="both", seed=42)
print("classes:", raw_train_ds.class_names)
for text_batch, label_batch in raw_train_ds.take(1):
    print(repr(text_batch.numpy()[0])[:60], "->", label_batch.numpy()[0])

vectorize_layer = tf.keras.layers.TextVectorization(max_tokens=2000, output_sequence_length=25)
vectorize_layer.adapt(raw_train_ds.map(lambda x, y: x))
AUTOTUNE = tf.data.AUTOTUNE
train_ds = raw_train_ds.map(lambda x, y: (vectorize_layer(x), y)).cache().prefetch(AUTOTUNE)
val_ds = raw_val_ds.map(lambda x, y: (vectorize_layer(x), y)).cache().prefetch(AUTOTUNE)

model = tf.keras.Sequential([
    tf.keras.layers.Embedding(2000, 16, mask_zero=True),
    tf.keras.layers.LSTM(16),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(loss=tf.keras.losses.BinaryCrossentropy(), optimizer="adam",
              metrics=[tf.keras.metrics.BinaryAccuracy(threshold=0.5)])
history = model.fit(train_ds, validation_data=val_ds, epochs=5, verbose=0)
print("val_binary_accuracy:", round(history.history["val_binary_accuracy"][-1], 3))
assert history.history["val_binary_accuracy"][-1] > 0.6
