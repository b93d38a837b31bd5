# The classic Keras character seq2seq (encoder states feed the decoder's initial_state),
# then the inference models built from the trained layers, decoding one step at a time.
# Task: reverse a string of digits. Prefix change only: `keras` -> `rnnkit`.
import numpy as np
import rnnkit as keras
from rnnkit.layers import Input, LSTM, Dense
from rnnkit.models import Model

rng = np.random.default_rng(1)
num_tokens, max_len, latent_dim = 12, 4, 64      # digits 0-9, start "\t" = 10, end "\n" = 11
src = rng.integers(0, 10, size=(1500, max_len))
tgt = np.concatenate([np.full((1500, 1), 10), src[:, ::-1], np.full((1500, 1), 11)], axis=1)
enc_in_data = np.eye(num_tokens, dtype="float32")[src]
dec_in_data = np.eye(num_tokens, dtype="float32")[tgt[:, :-1]]
dec_target = np.eye(num_tokens, dtype="float32")[tgt[:, 1:]]

encoder_inputs = Input(shape=(None, num_tokens))
encoder = LSTM(latent_dim, return_state=True)
encoder_outputs, state_h, state_c = encoder(encoder_inputs)
encoder_states = [state_h, state_c]

decoder_inputs = Input(shape=(None, num_tokens))
decoder_lstm = LSTM(latent_dim, return_sequences=True, return_state=True)
decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
decoder_dense = Dense(num_tokens, activation="softmax")
decoder_outputs = decoder_dense(decoder_outputs)

model = Model([encoder_inputs, decoder_inputs], decoder_outputs)
model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit([enc_in_data, dec_in_data], dec_target, batch_size=64, epochs=30,
                    validation_split=0.2, verbose=0)

encoder_model = Model(encoder_inputs, encoder_states)
decoder_state_input_h = Input(shape=(latent_dim,))
decoder_state_input_c = Input(shape=(latent_dim,))
decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
decoder_outputs, state_h, state_c = decoder_lstm(decoder_inputs,
                                                 initial_state=decoder_states_inputs)
decoder_outputs = decoder_dense(decoder_outputs)
decoder_model = Model([decoder_inputs] + decoder_states_inputs,
                      [decoder_outputs, state_h, state_c])


def decode_sequence(input_seq):
    states_value = encoder_model.predict(input_seq, verbose=0)
    target_seq = np.zeros((1, 1, num_tokens), dtype="float32")
    target_seq[0, 0, 10] = 1.0
    decoded = []
    while len(decoded) <= max_len:
        output_tokens, h, c = decoder_model.predict([target_seq] + states_value, verbose=0)
        token = int(np.argmax(output_tokens[0, -1, :]))
        if token == 11:
            break
        decoded.append(token)
        target_seq = np.zeros((1, 1, num_tokens), dtype="float32")
        target_seq[0, 0, token] = 1.0
        states_value = [h, c]
    return decoded


correct = sum(decode_sequence(enc_in_data[i:i + 1]) == list(src[i, ::-1]) for i in range(20))
print(f"reversed correctly: {correct} of 20; val_accuracy {history.history['val_accuracy'][-1]:.3f}")
