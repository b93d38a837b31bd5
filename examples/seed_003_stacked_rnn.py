# Seed 003: stacked SimpleRNN with return_sequences=True, then predict.
# The prefix `tensorflow.keras` / `tf.keras` became `rnnkit` (so `import tensorflow as tf`
# became `import rnnkit`); the seed's missing `import numpy as np` is added.
import numpy as np
import rnnkit
from rnnkit.layers import SimpleRNN

# 假设的数据集
X = np.array([[1, 2], [3, 4], [5, 6], [7, 8]])
Y = np.array([3, 5, 7, 9])

# 构建模型
model = rnnkit.models.Sequential([
    SimpleRNN(10, input_shape=(2, 1), return_sequences=True),
    SimpleRNN(1)
])

# 编译模型
model.compile(optimizer='adam', loss='mse')

# 扩展数据为适合RNN输入的形状
X = X.reshape(-1, 2, 1)

# 训练模型
model.fit(X, Y, epochs=1000)

# 预测
predictions = model.predict(X)
