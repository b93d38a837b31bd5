"""fit under torchrun (gloo, 2 processes on this machine) equals one process."""
import importlib.util
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

WORKER = Path(__file__).with_name("distributed_worker.py")


def load_worker():
    spec = importlib.util.spec_from_file_location("distributed_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_train_like_one_process_with_twice_the_batch(tmp_path):
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
                    "--master_addr=127.0.0.1", f"--master_port={free_port()}", str(WORKER), str(tmp_path)],
                   check=True, timeout=120, capture_output=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]
    for a, b in zip(ranks[0]["weights"], ranks[1]["weights"]):
        torch.testing.assert_close(a, b)                      # every rank holds the same model
    worker = load_worker()
    single = worker.make_model(seed=0)
    x, y = worker.data()
    history = single.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ranks[0]["weights"], single.get_weights()):
        torch.testing.assert_close(a, torch.from_numpy(b), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(ranks[0]["loss"], history.history["loss"], rtol=1e-5)
