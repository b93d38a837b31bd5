# Seed 001: SimpleRNN(10) + Dense(1) on random data (adam, mse, batch_size=1).
# The prefix `keras` became `rnnkit`; the seed's missing `import numpy as np` is added.
import numpy as np
from rnnkit.models import Sequential
from rnnkit.layers import Dense, SimpleRNN

# 初始化循环神经网络
model = Sequential()
model.add(SimpleRNN(10, input_shape=(10, 1)))
model.add(Dense(1))

# 编译循环神经网络
model.compile(optimizer='adam', loss='mse')

# 训练循环神经网络
x_train = np.random.rand(100, 10, 1)
y_train = np.random.rand(100, 1)
model.fit(x_train, y_train, epochs=10, batch_size=1, verbose=0)
