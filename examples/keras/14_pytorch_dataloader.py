# A PyTorch user's data pipeline feeding Keras-style fit: a torch DataLoader of (x, y).
import torch
from torch.utils.data import DataLoader, TensorDataset
from rnnkit.models import Sequential
from rnnkit.layers import Input, GRU, Dense

g = torch.Generator().manual_seed(11)
x = torch.randn(512, 16, 3, generator=g)
y = x[:, :, 1].cumsum(dim=1)[:, -1:]
loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=g)
val_loader = DataLoader(TensorDataset(x[:128], y[:128]), batch_size=64)

model = Sequential([Input(shape=(16, 3)), GRU(32), Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
history = model.fit(loader, epochs=5, validation_data=val_loader, verbose=0)
print("val_mae", history.history["val_mae"][-1])
print(model.evaluate(val_loader, verbose=0))
