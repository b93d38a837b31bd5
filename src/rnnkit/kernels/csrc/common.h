// Pieces shared by rnnkit's CPU kernels (rnn.cpp: SimpleRNN, LSTM, GRU; scan.cpp: MinGRU,
// MinLSTM): compiler attributes, exp / sigmoid / tanh that vectorize, denormal flushing, and
// the pool of big work buffers. Built by rnnkit/kernels/build.py; see the package docstring.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace rnnkit {

using at::Tensor;
using OptTensor = c10::optional<at::Tensor>;

// The gate loops are compiled for AVX-512, AVX2 and baseline x86-64; the loader picks one.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif
#define INLINE static inline __attribute__((always_inline))

// ---- exp, sigmoid, tanh: float32 in plain arithmetic (Cephes) so loops vectorize ----------
INLINE float exp_(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float magic = 12582912.0f;                       // 1.5 * 2^23: rounds to an integer
  float n = (x * 1.44269504088896341f + magic) - magic;  // n = round(x / ln 2)
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;   // r = x - n ln 2, in two parts
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f; p = p * r + 8.3334519073e-3f; p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f; p = p * r + 5.0000001201e-1f;
  int32_t bits = ((int32_t)n + 127) << 23;               // 2^n
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return (p * r * r + r + 1.0f) * scale;                 // e^x = e^r 2^n
}
INLINE float sigmoid_(float x) { return 1.0f / (1.0f + exp_(-x)); }
INLINE float tanh_(float x) {
  float ax = std::fabs(x), z = x * x;                    // odd polynomial near 0
  float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z +
                  1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
  float big = std::copysign(1.0f - 2.0f / (exp_(2.0f * ax) + 1.0f), x);
  return ax < 0.625f ? small : big;
}
INLINE double sigmoid_(double x) { return 1.0 / (1.0 + std::exp(-x)); }
INLINE double tanh_(double x) { return std::tanh(x); }

// ---- denormals ----------------------------------------------------------------------------
// Flush denormals to zero (FTZ | DAZ) while a kernel runs: vanishing gradients over long
// sequences reach 1e-40, and every operation on such numbers takes a slow microcode path
// (the MinGRU backward was 3x slower without it). On the calling thread, or on every thread
// of torch's pool (where BLAS runs); restored when the guard goes.
#if defined(__x86_64__)
#include <xmmintrin.h>
inline thread_local int saved_csr = -1;
inline void flush_denormals_here(bool on) {
  if (on && saved_csr < 0) { saved_csr = _mm_getcsr(); _mm_setcsr(saved_csr | 0x8040); }
  if (!on && saved_csr >= 0) { _mm_setcsr(saved_csr); saved_csr = -1; }
}
inline bool flushing_here() { return saved_csr >= 0; }
#else
inline void flush_denormals_here(bool) {}
inline bool flushing_here() { return true; }
#endif
struct FlushDenormals {
  bool all;
  explicit FlushDenormals(bool all_threads) : all(all_threads) { set(true); }
  ~FlushDenormals() { set(false); }
  void set(bool on) const {
    auto f = [on](int64_t, int64_t) { flush_denormals_here(on); };
    all ? at::parallel_for(0, at::get_num_threads(), 1, f) : f(0, 1);
  }
};

// ---- workspace: big buffers kept between calls ---------------------------------------------
// Memory fresh from the OS costs a page fault per 4 KiB (14 ms for 32 MB on the project's
// machines), more than the loop that fills it. So buffers of 1 MiB or more (up to 1 GiB in
// all, one pool for every kernel) are kept here and handed out again once nothing else holds
// them: every view of a buffer shares its storage, so a storage held only by the pool is free.
inline std::mutex pool_mutex;
inline std::vector<Tensor> pool;
inline bool is_free(const Tensor& p) { return p.storage().use_count() == 1; }

inline Tensor workspace(at::IntArrayRef shape, const at::TensorOptions& o) {
  const int64_t n = c10::multiply_integers(shape), bytes = n * int64_t(o.dtype().itemsize());
  if (bytes < (int64_t(1) << 20)) return at::empty(shape, o);
  std::lock_guard<std::mutex> lock(pool_mutex);
  for (const Tensor& p : pool)
    if (is_free(p) && p.dtype() == o.dtype() && p.numel() >= n && p.numel() <= 2 * n)
      return p.narrow(0, 0, n).view(shape);
  int64_t held = 0;
  for (const Tensor& p : pool) held += p.nbytes();
  if (held + bytes > (int64_t(1) << 30)) {  // over the cap: drop the free buffers first
    pool.erase(std::remove_if(pool.begin(), pool.end(), is_free), pool.end());
    held = 0;
    for (const Tensor& p : pool) held += p.nbytes();
    if (held + bytes > (int64_t(1) << 30)) return at::empty(shape, o);
  }
  pool.push_back(at::empty({n}, o));
  return pool.back().view(shape);
}

inline void release_workspace() {  // give the free buffers back to the allocator
  std::lock_guard<std::mutex> lock(pool_mutex);
  pool.erase(std::remove_if(pool.begin(), pool.end(), is_free), pool.end());
}

// Tensors<N>: an op's N outputs (std::tuple<Tensor, ..., Tensor>).
template <size_t N, typename... Ts>
struct TensorTuple { using type = typename TensorTuple<N - 1, Tensor, Ts...>::type; };
template <typename... Ts>
struct TensorTuple<0, Ts...> { using type = std::tuple<Ts...>; };
template <size_t N>
using Tensors = typename TensorTuple<N>::type;

// An empty tensor of x's dtype: the "not computed" or "not returned" slot of an op's outputs.
inline Tensor none_like(const Tensor& x) { return at::empty({0}, x.options()); }

}  // namespace rnnkit
