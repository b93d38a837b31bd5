"""Sequence-to-sequence with Luong attention (the Keras encoder-decoder idiom plus an
Attention layer over the encoder outputs), on generated data: reverse 6 digits.

Needs the functional API (Input -> Model, encoder states into initial_state=) and Concatenate.
"""
import numpy as np

from rnnkit.layers import LSTM, Attention, Concatenate, Dense, Input
from rnnkit.models import Model
from rnnkit.optimizers import Adam
from rnnkit.utils import set_random_seed

set_random_seed(4)

num_tokens = 11          # digits 0-9 and the start token 10
latent_dim = 32
length = 6

rng = np.random.default_rng(0)
digits = rng.integers(0, 10, size=(2000, length))
targets = digits[:, ::-1]
decoder_in = np.concatenate([np.full((2000, 1), 10), targets[:, :-1]], axis=1)
one_hot = np.eye(num_tokens, dtype="float32")
encoder_input_data, decoder_input_data = one_hot[digits], one_hot[decoder_in]
decoder_target_data = one_hot[targets]

encoder_inputs = Input(shape=(None, num_tokens))
encoder = LSTM(latent_dim, return_sequences=True, return_state=True)
encoder_outputs, state_h, state_c = encoder(encoder_inputs)
encoder_states = [state_h, state_c]

decoder_inputs = Input(shape=(None, num_tokens))
decoder_lstm = LSTM(latent_dim, return_sequences=True, return_state=True)
decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)

attention = Attention()([decoder_outputs, encoder_outputs])
decoder_concat = Concatenate(axis=-1)([decoder_outputs, attention])
decoder_dense = Dense(num_tokens, activation="softmax")
decoder_outputs = decoder_dense(decoder_concat)

model = Model([encoder_inputs, decoder_inputs], decoder_outputs)
model.compile(optimizer=Adam(learning_rate=0.01), loss="categorical_crossentropy", metrics=["accuracy"])
model.fit([encoder_input_data[:1800], decoder_input_data[:1800]], decoder_target_data[:1800],
          batch_size=64, epochs=15, verbose=0)

pred = model.predict([encoder_input_data[1800:], decoder_input_data[1800:]], verbose=0)
accuracy = np.mean(pred.argmax(-1) == targets[1800:])
print(f"held-out digit accuracy (teacher forcing): {accuracy:.3f} (chance 0.1)")
assert accuracy > 0.9
