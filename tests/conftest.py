import os

# Idle OpenMP threads sleep instead of spinning: on a shared 2-core machine spinning threads
# slow small recurrent ops many times over (BENCHMARKS.md); on a quiet machine it costs nothing.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest
import torch

from rnnkit.utils import set_random_seed


@pytest.fixture(autouse=True)
def _fixed_seed():
    """Every test starts from the same seed, with 2 threads like the project machines."""
    set_random_seed(0)
    torch.set_num_threads(2)

# The scripts that made the fixtures need Keras or librosa; they are run by hand, and
# --doctest-modules must not import them.
collect_ignore_glob = ["fixtures/*", "*/fixtures/*"]
