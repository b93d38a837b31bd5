"""Text classification with a Transformer block (after Keras's text_classification_with_
transformer example): MultiHeadAttention in a custom layer, token + position embeddings.

Generated data: a sequence of 20 token ids is positive when it contains token 7.
Needs the functional API (Input -> Model) and LayerNormalization/GlobalAveragePooling1D.
"""
import numpy as np

import rnnkit as keras
from rnnkit import layers, ops

keras.utils.set_random_seed(3)


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


vocab_size = 30
maxlen = 20
rng = np.random.default_rng(0)
x = rng.integers(1, vocab_size, size=(1200, maxlen))
x[x == 7] = 8
y = rng.integers(0, 2, size=1200)
for row, label in zip(x, y):
    if label:
        row[rng.integers(0, maxlen, size=rng.integers(1, 3))] = 7
x_train, y_train, x_val, y_val = x[:1000], y[:1000], x[1000:], y[1000:]

embed_dim = 16  # Embedding size for each token
num_heads = 2  # Number of attention heads
ff_dim = 32  # Hidden layer size in feed forward network inside transformer

inputs = layers.Input(shape=(maxlen,))
embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
x = embedding_layer(inputs)
transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
x = transformer_block(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=8,
                    validation_data=(x_val, y_val), verbose=0)
val_acc = history.history["val_accuracy"][-1]
print(f"validation accuracy after 8 epochs: {val_acc:.3f} (chance 0.5)")
assert val_acc > 0.9
