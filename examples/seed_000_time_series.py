# Seed 000: SimpleRNN + Dense for time-series prediction (rmsprop, mse).
# The prefix `tensorflow.keras` became `rnnkit`. The seed leaves x_train and y_train
# undefined; the block marked "data" below makes them from a real series, the bundled
# monthly airline passengers (1949-1960): 12 months in, the next month out, scaled to [0, 1].
import rnnkit
from rnnkit.models import Sequential
from rnnkit.layers import Dense, SimpleRNN

# --- data (not in the seed) ---
import numpy as np
from rnnkit.datasets import load_airline_passengers
_, passengers = load_airline_passengers()
series = (passengers - passengers.min()) / (passengers.max() - passengers.min())
x_train = np.stack([series[i:i + 12] for i in range(len(series) - 12)])[..., None]
y_train = series[12:]
# --- end of data ---

# 定义RNN模型
model = Sequential()
model.add(SimpleRNN(units=50, input_shape=(None, 1)))
model.add(Dense(units=1, activation='linear'))

# 编译模型
model.compile(optimizer='rmsprop', loss='mse')

# 训练模型
model.fit(x_train, y_train, epochs=500, verbose=0)
