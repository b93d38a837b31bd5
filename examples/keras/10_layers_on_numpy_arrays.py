# The recurrent layers' docstring examples from the Keras API reference: layers called
# directly on NumPy arrays, with return_sequences and return_state.
import numpy as np
import rnnkit as keras

inputs = np.random.random((32, 10, 8)).astype("float32")
lstm = keras.layers.LSTM(4)
output = lstm(inputs)
print(output.shape)                                  # (32, 4)
assert tuple(output.shape) == (32, 4)

lstm = keras.layers.LSTM(4, return_sequences=True, return_state=True)
whole_seq_output, final_memory_state, final_carry_state = lstm(inputs)
assert tuple(whole_seq_output.shape) == (32, 10, 4)
assert tuple(final_memory_state.shape) == (32, 4) and tuple(final_carry_state.shape) == (32, 4)

gru = keras.layers.GRU(4, return_sequences=True, return_state=True)
whole_sequence_output, final_state = gru(inputs)
assert tuple(whole_sequence_output.shape) == (32, 10, 4) and tuple(final_state.shape) == (32, 4)

simple_rnn = keras.layers.SimpleRNN(4)
assert tuple(simple_rnn(inputs).shape) == (32, 4)
print(final_state.numpy()[0])
