"""rnnkit's own CPU kernels: C++ for the time loops PyTorch runs slowly on a CPU in training.

    rnn.py     SimpleRNN, LSTM, GRU: forward and backward over a whole sequence
    scan.py    MinGRU, MinLSTM: the linear scan with the gates (and few-feature inputs) fused
    build.py   the one builder: compiles csrc/ on first use, caches it per user, never hangs
    csrc/      the C++: rnn.cpp, scan.cpp, and common.h (exp/sigmoid, denormals, work buffers)

The kernels are torch ops (torch.ops.rnnkit.*) with fake implementations and registered
autograd, so torch.compile, torch.export and torch.jit.trace treat them like any op. When
they cannot be built or do not apply (a GPU, bfloat16), the functions in rnn.py and scan.py
run PyTorch's kernels with the same results; build.status() says which and why.

Where a new kernel goes: its C++ in csrc/<name>.cpp (shared helpers from common.h), its ops
declared with explicit schemas in a TORCH_LIBRARY_FRAGMENT(rnnkit, m) block and implemented
for CPU in TORCH_LIBRARY_IMPL(rnnkit, CPU, m); the file added to build.KERNELS' sources (the
build hash picks it up). Its Python side, a module here beside rnn.py: the public function
(validates at the boundary, runs the op or PyTorch's equivalent), a register_fake giving
each output's shape and strides, and register_autograd with the backward op. Its tests in
tests/kernels/: against PyTorch with copied weights, gradcheck in float64, and a
torch.compile run.
"""
