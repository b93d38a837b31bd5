"""Which kernel runs a recurrent layer, and rnnkit's own CPU kernels.

    dispatch.py  the one chooser and runner: choose(layer, x, mask, training) -> Path(name,
                 reason), run(...), use_path("loop") to force a path; the paths are "loop",
                 "torch" (PyTorch's RNN kernels), "rnnkit" (the C++ below) and "scan"
    rnn.py       SimpleRNN, LSTM, GRU (both reset modes): forward and backward over a whole
                 sequence, with recurrent dropout and padding masks
    scan.py      MinGRU, MinLSTM: the linear scan with the gates (and few-feature inputs) fused
    build.py     the one builder: compiles csrc/ on first use, caches it per user, never hangs
    csrc/        the C++: rnn.cpp, gru_reset_before.cpp, gru_bf16.cpp (mixed bfloat16),
                 scan.cpp; steps.h (BLAS steps, the masks, weight gradients), gru_cells.h
                 (GRU's gate loops), common.h (exp/sigmoid, denormals, work buffers)

The kernels are torch ops (torch.ops.rnnkit.*) with fake implementations and registered
autograd, so torch.compile, torch.export and torch.jit.trace treat them like any op. When
they cannot be built or do not apply (a GPU, bfloat16 outside GRU), the functions in rnn.py and scan.py
run PyTorch's kernels with the same results; build.status() says which and why.

Where a new kernel goes: see CONTRIBUTING.md ("A new kernel"): C++ in csrc/, its Python
function with a fake and autograd beside rnn.py, and one branch in dispatch.py (when it
applies, in choose; how to call it, in run). A cell only describes itself (kernel_spec()).
"""
from .dispatch import KernelSpec, Path, choose, run, use_path

__all__ = ["KernelSpec", "Path", "choose", "run", "use_path"]
