# Seed 002: text classification with Tokenizer, pad_sequences, Embedding + SimpleRNN.
# The prefix `keras` became `rnnkit`; nothing else changed.
from rnnkit.models import Sequential
from rnnkit.layers import Embedding, SimpleRNN, Dense
from rnnkit.preprocessing.text import Tokenizer
from rnnkit.preprocessing.sequence import pad_sequences

# 文本数据
texts = ['I love deep learning', 'Deep learning is fun', 'Machine learning is boring']
# 标签
labels = [1, 1, 0]

# 分词
tokenizer = Tokenizer(num_words=1000)
tokenizer.fit_on_texts(texts)
sequences = tokenizer.texts_to_sequences(texts)

# 填充序列
data = pad_sequences(sequences, maxlen=10)

# 创建循环神经网络模型
model = Sequential()
model.add(Embedding(1000, 128))
model.add(SimpleRNN(128))
model.add(Dense(1, activation='sigmoid'))

# 编译模型
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])

# 训练模型
model.fit(data, labels, epochs=10)
