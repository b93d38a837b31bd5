"""Load the Keras 3 fixtures of tests/fixtures/keras/kattn.npz (made by make_kattn.py)."""
from pathlib import Path

import numpy as np
import torch

FIXTURE = Path(__file__).parents[1] / "fixtures" / "keras" / "kattn.npz"


def case(name: str) -> dict[str, np.ndarray]:
    """The arrays stored for one case, by their short names (x, y, w0, w1, ...)."""
    with np.load(FIXTURE) as f:
        arrays = {k.split("/", 1)[1]: f[k] for k in f.files if k.startswith(name + "/")}
    assert arrays, f"no case {name!r} in {FIXTURE.name}"
    return arrays


def weights(arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The case's weights in Keras's layout, in get_weights() order."""
    n = sum(1 for k in arrays if k[0] == "w" and k[1:].isdigit())
    return [arrays[f"w{i}"] for i in range(n)]


def t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a))


def close(actual, expected, atol: float = 1e-5) -> None:
    np.testing.assert_allclose(actual.detach().numpy(), expected, atol=atol, rtol=0)
