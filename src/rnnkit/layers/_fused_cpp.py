"""C++ source of rnnkit's fused CPU training kernels (rnnkit/layers/fused.py builds and wraps it).

The kernels run the whole time loop of a SimpleRNN, LSTM or GRU layer in C++: the input
product for all steps as one matrix product, one BLAS call per step for the recurrent
product, and the gate non-linearities as one loop the compiler vectorizes. Backward stores
the gate gradients of every step and gets the weight gradients as single products over all
(T * B) rows after the sweep.

Internally time-major: z (T, B, G) with G = H, 4H or 3H; hs (T + 1, B, H) with hs[0] = h0.
"""
# e^x and sigmoid in float32 arithmetic that vectorizes; shared with _scan_cpp.py.
EXP_SIGMOID_CPP = r"""
INLINE float exp_(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float magic = 12582912.0f;                     // 1.5 * 2^23: rounds to an integer
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
"""

# Big output buffers kept between calls; shared with the scan kernels (_scan_cpp.py).
WORKSPACE_CPP = r"""
// ---- workspace: big buffers kept between calls ---------------------------------------------
// Memory fresh from the OS costs a page fault per 4 KiB (14 ms for 32 MB on the project's
// machines), more than the loop that fills it. So buffers of 4 MiB or more (up to 1 GiB in
// all) are kept here and handed out again once nothing else holds them: every view of a
// buffer shares its storage, so a storage held only by the pool is free.
static std::mutex pool_mutex;
static std::vector<Tensor> pool;
static bool is_free(const Tensor& p) { return p.storage().use_count() == 1; }

static Tensor workspace(at::IntArrayRef shape, const at::TensorOptions& o) {
  const int64_t n = c10::multiply_integers(shape), bytes = n * int64_t(o.dtype().itemsize());
  if (bytes < (int64_t(4) << 20)) return at::empty(shape, o);
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

void release_workspace() {  // give the free buffers back to the allocator
  std::lock_guard<std::mutex> lock(pool_mutex);
  pool.erase(std::remove_if(pool.begin(), pool.end(), is_free), pool.end());
}
"""

CPP_SOURCE = r"""
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <type_traits>
#include <vector>

using at::Tensor;
using OptTensor = c10::optional<at::Tensor>;

// The gate loops are compiled for AVX-512, AVX2 and baseline x86-64; the loader picks one.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif
#define INLINE static inline __attribute__((always_inline))

// Flush denormals to zero (FTZ | DAZ) while a kernel runs: vanishing gradients over long
// sequences reach 1e-40, and every operation on such numbers takes a slow microcode path.
// Backward sets it on every thread of torch's pool (BLAS runs there), then restores it.
#if defined(__x86_64__)
#include <xmmintrin.h>
static thread_local int saved_csr = -1;
static void flush_denormals_here(bool on) {
  if (on && saved_csr < 0) { saved_csr = _mm_getcsr(); _mm_setcsr(saved_csr | 0x8040); }
  if (!on && saved_csr >= 0) { _mm_setcsr(saved_csr); saved_csr = -1; }
}
#else
static void flush_denormals_here(bool) {}
#endif
struct FlushDenormals {  // on the calling thread, or on every thread of torch's pool
  bool all;
  explicit FlushDenormals(bool all_threads) : all(all_threads) { set(true); }
  ~FlushDenormals() { set(false); }
  void set(bool on) const {
    auto f = [on](int64_t, int64_t) { flush_denormals_here(on); };
    all ? at::parallel_for(0, at::get_num_threads(), 1, f) : f(0, 1);
  }
};

// ---- exp, sigmoid, tanh: float32 in plain arithmetic (Cephes) so loops vectorize ----------
""" + EXP_SIGMOID_CPP + r"""
INLINE float tanh_(float x) {
  float ax = std::fabs(x), z = x * x;                    // odd polynomial near 0
  float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z +
                  1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
  float big = std::copysign(1.0f - 2.0f / (exp_(2.0f * ax) + 1.0f), x);
  return ax < 0.625f ? small : big;
}
INLINE double sigmoid_(double x) { return 1.0 / (1.0 + std::exp(-x)); }
INLINE double tanh_(double x) { return std::tanh(x); }

// ---- matrix products, straight to BLAS (row-major here, column-major in BLAS) ------------
extern "C" {
void sgemm_(const char*, const char*, const int*, const int*, const int*, const float*,
            const float*, const int*, const float*, const int*, const float*, float*,
            const int*) __attribute__((weak));
void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*,
            const double*, const int*, const double*, const int*, const double*, double*,
            const int*) __attribute__((weak));
}

// Step products under 2^23 flops (8.4 MFLOP; at B = 32: LSTM up to 180 units, GRU up to 200)
// run on one thread: splitting so small a product gains microseconds on an idle machine and
// costs milliseconds a step when another process holds the second core. Tunable for benchmarks.
extern "C" int MKL_Set_Num_Threads_Local(int) __attribute__((weak));
static double step_threads_min_flops = double(1 << 23);
void set_step_threads_min_flops(double flops) { step_threads_min_flops = flops; }
struct StepThreads {
  int prev = -1;
  bool parallel;  // big steps: the product and the gate loop both use torch's threads
  explicit StepThreads(double flops) : parallel(flops >= step_threads_min_flops) {
    if (!parallel && MKL_Set_Num_Threads_Local) prev = MKL_Set_Num_Threads_Local(1);
  }
  ~StepThreads() { if (prev >= 0) MKL_Set_Num_Threads_Local(prev); }
};

// C (M, N) = A (M, K) B (K, N) + beta C, row-major with leading dimensions lda, ldb, ldc.
template <typename T>
static void gemm(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
                 int64_t ldb, T beta, T* C, int64_t ldc) {
  constexpr bool f32 = std::is_same<T, float>::value;
  const T one = 1;
  if (f32 ? sgemm_ != nullptr : dgemm_ != nullptr) {  // column-major BLAS: C^T = B^T A^T
    const int m = M, n = N, k = K, la = lda, lb = ldb, lc = ldc;
    if constexpr (f32) sgemm_("N", "N", &n, &m, &k, &one, B, &lb, A, &la, &beta, C, &lc);
    else dgemm_("N", "N", &n, &m, &k, &one, B, &lb, A, &la, &beta, C, &lc);
    return;
  }
  auto o = at::TensorOptions().dtype(c10::CppTypeToScalarType<T>::value);
  Tensor a = at::from_blob((void*)A, {M, K}, {lda, 1}, o);
  Tensor b = at::from_blob((void*)B, {K, N}, {ldb, 1}, o);
  Tensor c = at::from_blob(C, {M, N}, {ldc, 1}, o);
  if (beta == T(0)) at::mm_out(c, a, b);
  else at::addmm_out(c, c, a, b, beta, one);
}

// The recurrent product of every step, C (M, N) = A (M, K) W (K, N) + beta C. Forward passes
// W_h^T made contiguous (BLAS is faster on it than on a transposed W_h), backward W_h itself.
template <typename T>
struct StepProduct {
  Tensor W;
  int64_t M;
  StepThreads threads;
  StepProduct(const Tensor& W_, int64_t M_)
      : W(W_.contiguous()), M(M_), threads(2.0 * M_ * W_.size(0) * W_.size(1)) {}
  void operator()(const T* A, int64_t lda, T beta, T* C, int64_t ldc) const {
    const int64_t K = W.size(0), N = W.size(1);
    gemm<T>(M, N, K, A, lda, W.data_ptr<T>(), N, beta, C, ldc);
  }
};

""" + WORKSPACE_CPP + r"""

// ---- shared pieces of every layer --------------------------------------------------------
// Run a gate loop over batch rows [b0, b1): split over torch's threads for big steps.
template <typename F>
static void rows(int64_t B, const StepThreads& threads, const F& f) {
  if (threads.parallel) at::parallel_for(0, B, 1, f);
  else f(0, B);
}

static Tensor time_major(const Tensor& x) {  // (B, T, D) -> (T, B, D), contiguous
  Tensor xt = workspace({x.size(1), x.size(0), x.size(2)}, x.options());
  xt.copy_(x.transpose(0, 1));
  return xt;
}

// z = x W_x^T for all steps at once: (T, B, G), time-major. The gate loops add the bias.
static Tensor input_product(const Tensor& xt, const Tensor& W_x) {
  const int64_t T = xt.size(0), B = xt.size(1), D = xt.size(2), G = W_x.size(0);
  Tensor z = workspace({T, B, G}, xt.options()), z2 = z.view({T * B, G});
  at::mm_out(z2, xt.view({T * B, D}), W_x.t());
  return z;
}

static Tensor bias_or_zeros(const OptTensor& b, int64_t G, const Tensor& like) {
  return b.has_value() ? b->contiguous() : at::zeros({G}, like.options());
}

static Tensor state_buffer(const Tensor& s0, int64_t T) {  // (T + 1, B, H), [0] = s0
  Tensor s = workspace({T + 1, s0.size(0), s0.size(1)}, s0.options());
  s[0].copy_(s0);
  return s;
}

static Tensor outputs(const Tensor& hs, bool return_sequences) {  // (B, T, H) batch-first
  return return_sequences ? hs.slice(0, 1).transpose(0, 1).contiguous() : at::empty({0});
}

static Tensor grad_buffer(const OptTensor& g, const Tensor& like) {  // dh_T or dc_T
  return g.has_value() ? g->contiguous().clone() : at::zeros_like(like);
}

enum Need { DX = 1, DWX = 2, DWH = 4, DBX = 8, DBH = 16 };

// After the sweep, over all T * B rows at once:
//   dx = dZx W_x,  dW_x = dZx^T X,  dW_h = dZh^T H_prev,  db_x = sum dZx,  db_h = sum dZh
// (dW as (X^T dZ)^T: BLAS runs the long inner dimension faster in that order).
static std::vector<Tensor> sweep_grads(const Tensor& dzx, const Tensor& dzh, const Tensor& xt,
                                       const Tensor& hs, const Tensor& W_x, int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), D = xt.size(2), H = hs.size(2);
  Tensor gx = dzx.view({T * B, dzx.size(2)}), gh = dzh.view({T * B, dzh.size(2)});
  Tensor h_prev = hs.slice(0, 0, T).reshape({T * B, H}), none = at::empty({0});
  return {(need & DX) ? at::mm(gx, W_x).view({T, B, D}).transpose(0, 1) : none,
          (need & DWX) ? at::mm(xt.view({T * B, D}).t(), gx).t() : none,
          (need & DWH) ? at::mm(h_prev.t(), gh).t() : none,
          (need & DBX) ? gx.sum(0) : none,
          (need & DBH) ? gh.sum(0) : none};
}

// dh += dy[:, t], the gradient that reaches h_t from the outputs of step t.
template <typename T>
static void add_output_grad(int64_t b0, int64_t b1, int64_t H, const T* dy_t, int64_t ld, T* dh) {
  if (dy_t == nullptr) return;
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t j = 0; j < H; ++j) dh[b * H + j] += dy_t[b * ld + j];
}

// ---- SimpleRNN: h_t = tanh(z_t + b_h), z_t = x_t W_xh^T + h_{t-1} W_hh^T --------------------
template <typename T>
CLONES static void rnn_cell_fwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ z,
                                const T* __restrict__ bias, T* __restrict__ h) {
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t j = 0; j < H; ++j) h[b * H + j] = tanh_(z[b * H + j] + bias[j]);
}
template <typename T>
CLONES static void rnn_cell_bwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ h,
                                const T* __restrict__ dh, T* __restrict__ dz) {
  for (int64_t i = b0 * H; i < b1 * H; ++i) dz[i] = dh[i] * (T(1) - h[i] * h[i]);  // 1 - tanh^2
}

std::vector<Tensor> rnn_forward(const Tensor& x, const Tensor& h0, const Tensor& W_x,
                                const Tensor& W_h, const OptTensor& b, bool return_sequences) {
  const int64_t B = x.size(0), T = x.size(1), H = h0.size(1);
  Tensor xt = time_major(x);           // (T, B, D)
  Tensor z = input_product(xt, W_x);           // (T, B, H)
  Tensor hs = state_buffer(h0, T), bias = bias_or_zeros(b, H, x);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rnn_forward", [&] {
    FlushDenormals ftz(false);
    StepProduct<scalar_t> step(W_h.t(), B);
    scalar_t *zp = z.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    for (int64_t t = 0; t < T; ++t) {
      scalar_t *z_t = zp + t * B * H, *h_t = hp + (t + 1) * B * H;
      step(h_t - B * H, H, 1, z_t, H);  // z_t += h_{t-1} W_hh^T
      rows(B, step.threads, [&](int64_t b0, int64_t b1) {
        rnn_cell_fwd<scalar_t>(b0, b1, H, z_t, bias.data_ptr<scalar_t>(), h_t);
      });
    }
  });
  return {outputs(hs, return_sequences), hs[T].clone(), xt, hs};
}

std::vector<Tensor> rnn_backward(const OptTensor& dy, const OptTensor& dhT, const Tensor& xt,
                                 const Tensor& hs, const Tensor& W_x, const Tensor& W_h,
                                 int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), H = hs.size(2);
  FlushDenormals ftz(true);
  Tensor dz = workspace({T, B, H}, xt.options()), dh = grad_buffer(dhT, hs[0]);
  Tensor dyc = dy.has_value() ? dy->contiguous() : Tensor();
  AT_DISPATCH_FLOATING_TYPES(xt.scalar_type(), "rnn_backward", [&] {
    StepProduct<scalar_t> step(W_h, B);
    scalar_t *dzp = dz.data_ptr<scalar_t>(), *dhp = dh.data_ptr<scalar_t>();
    const scalar_t* dyp = dyc.defined() ? dyc.data_ptr<scalar_t>() : nullptr;
    for (int64_t t = T - 1; t >= 0; --t) {
      scalar_t* dz_t = dzp + t * B * H;
      rows(B, step.threads, [&](int64_t b0, int64_t b1) {
        add_output_grad<scalar_t>(b0, b1, H, dyp ? dyp + t * H : nullptr, T * H, dhp);
        rnn_cell_bwd<scalar_t>(b0, b1, H, hs.data_ptr<scalar_t>() + (t + 1) * B * H, dhp, dz_t);
      });
      step(dz_t, H, 0, dhp, H);  // dh_{t-1} = dz_t W_hh: the "through time" in BPTT
    }
  });
  auto g = sweep_grads(dz, dz, xt, hs, W_x, need);
  return {g[0], dh, g[1], g[2], g[3]};
}

// ---- LSTM: z = x_t W_x^T + h_{t-1} W_h^T + b, gates i, f, g, o ------------------------------
//   c_t = σ(f) c_{t-1} + σ(i) tanh(g),  h_t = σ(o) tanh(c_t)
template <typename T>
CLONES static void lstm_cell_fwd(int64_t b0, int64_t b1, int64_t H, T* __restrict__ z,
                                 const T* __restrict__ bias, const T* __restrict__ c_prev,
                                 T* __restrict__ c, T* __restrict__ tc, T* __restrict__ h) {
  for (int64_t b = b0; b < b1; ++b) {
    T* __restrict__ zb = z + b * 4 * H;  // pre-activations in, activations out
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T i = sigmoid_(zb[j] + bias[j]), f = sigmoid_(zb[H + j] + bias[H + j]);
      T g = tanh_(zb[2 * H + j] + bias[2 * H + j]), o = sigmoid_(zb[3 * H + j] + bias[3 * H + j]);
      zb[j] = i; zb[H + j] = f; zb[2 * H + j] = g; zb[3 * H + j] = o;
      c[k] = f * c_prev[k] + i * g;
      tc[k] = tanh_(c[k]);
      h[k] = o * tc[k];
    }
  }
}
template <typename T>
CLONES static void lstm_cell_bwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ a,
                                 const T* __restrict__ c_prev, const T* __restrict__ tc,
                                 const T* __restrict__ dh, T* __restrict__ dc,
                                 T* __restrict__ dz) {
  for (int64_t b = b0; b < b1; ++b) {
    const T* __restrict__ ab = a + b * 4 * H;
    T* __restrict__ dzb = dz + b * 4 * H;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T i = ab[j], f = ab[H + j], g = ab[2 * H + j], o = ab[3 * H + j], t = tc[k];
      T dc_k = dc[k] + dh[k] * o * (T(1) - t * t);         // h = o tanh(c)
      dzb[j] = dc_k * g * i * (T(1) - i);                  // c = f c_prev + i g
      dzb[H + j] = dc_k * c_prev[k] * f * (T(1) - f);
      dzb[2 * H + j] = dc_k * i * (T(1) - g * g);
      dzb[3 * H + j] = dh[k] * t * o * (T(1) - o);
      dc[k] = dc_k * f;                                    // flows into c_{t-1}
    }
  }
}

std::vector<Tensor> lstm_forward(const Tensor& x, const Tensor& h0, const Tensor& c0,
                                 const Tensor& W_x, const Tensor& W_h, const OptTensor& b,
                                 bool return_sequences) {
  const int64_t B = x.size(0), T = x.size(1), H = h0.size(1), G = 4 * H;
  Tensor xt = time_major(x);
  Tensor z = input_product(xt, W_x);  // (T, B, 4H); becomes the activations
  Tensor hs = state_buffer(h0, T), cs = state_buffer(c0, T), bias = bias_or_zeros(b, G, x);
  Tensor tcs = workspace({T, B, H}, x.options());  // tanh(c_t)
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lstm_forward", [&] {
    FlushDenormals ftz(false);
    StepProduct<scalar_t> step(W_h.t(), B);
    scalar_t *zp = z.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    scalar_t *cp = cs.data_ptr<scalar_t>(), *tp = tcs.data_ptr<scalar_t>();
    for (int64_t t = 0; t < T; ++t) {
      scalar_t* z_t = zp + t * B * G;
      step(hp + t * B * H, H, 1, z_t, G);  // z_t += h_{t-1} W_h^T
      rows(B, step.threads, [&](int64_t b0, int64_t b1) {
        lstm_cell_fwd<scalar_t>(b0, b1, H, z_t, bias.data_ptr<scalar_t>(), cp + t * B * H,
                                cp + (t + 1) * B * H, tp + t * B * H, hp + (t + 1) * B * H);
      });
    }
  });
  return {outputs(hs, return_sequences), hs[T].clone(), cs[T].clone(), xt, z, hs, cs, tcs};
}

std::vector<Tensor> lstm_backward(const OptTensor& dy, const OptTensor& dhT,
                                  const OptTensor& dcT, const Tensor& xt, const Tensor& act,
                                  const Tensor& hs, const Tensor& cs, const Tensor& tcs,
                                  const Tensor& W_x, const Tensor& W_h, int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), H = hs.size(2), G = 4 * H;
  FlushDenormals ftz(true);
  Tensor dz = workspace({T, B, G}, xt.options());
  Tensor dh = grad_buffer(dhT, hs[0]), dc = grad_buffer(dcT, hs[0]);
  Tensor dyc = dy.has_value() ? dy->contiguous() : Tensor();
  AT_DISPATCH_FLOATING_TYPES(xt.scalar_type(), "lstm_backward", [&] {
    StepProduct<scalar_t> step(W_h, B);
    scalar_t *dzp = dz.data_ptr<scalar_t>(), *dhp = dh.data_ptr<scalar_t>();
    const scalar_t* dyp = dyc.defined() ? dyc.data_ptr<scalar_t>() : nullptr;
    for (int64_t t = T - 1; t >= 0; --t) {
      scalar_t* dz_t = dzp + t * B * G;
      rows(B, step.threads, [&](int64_t b0, int64_t b1) {
        add_output_grad<scalar_t>(b0, b1, H, dyp ? dyp + t * H : nullptr, T * H, dhp);
        lstm_cell_bwd<scalar_t>(b0, b1, H, act.data_ptr<scalar_t>() + t * B * G,
                                cs.data_ptr<scalar_t>() + t * B * H,
                                tcs.data_ptr<scalar_t>() + t * B * H, dhp,
                                dc.data_ptr<scalar_t>(), dz_t);
      });
      step(dz_t, G, 0, dhp, H);  // dh_{t-1} = dz_t W_h
    }
  });
  auto g = sweep_grads(dz, dz, xt, hs, W_x, need);
  return {g[0], dh, dc, g[1], g[2], g[3]};
}

// ---- GRU (reset after): gates r, z (here u), n ----------------------------------------------
//   r = σ(x W_xr^T + b_xr + h W_hr^T + b_hr), u likewise,
//   n = tanh(x W_xn^T + b_xn + r (h W_hn^T + b_hn)),  h_t = (1 - u) n + u h_{t-1}
template <typename T>
CLONES static void gru_cell_fwd(int64_t b0, int64_t b1, int64_t H, T* __restrict__ gx,
                                const T* __restrict__ gh, const T* __restrict__ bx,
                                const T* __restrict__ bh, const T* __restrict__ h_prev,
                                T* __restrict__ h, T* __restrict__ hn) {
  for (int64_t b = b0; b < b1; ++b) {
    T* __restrict__ xb = gx + b * 3 * H;  // pre-activations in, activations r, u, n out
    const T* __restrict__ hb = gh + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T r = sigmoid_(xb[j] + bx[j] + hb[j] + bh[j]);
      T u = sigmoid_(xb[H + j] + bx[H + j] + hb[H + j] + bh[H + j]);
      T hn_k = hb[2 * H + j] + bh[2 * H + j];  // h W_hn^T + b_hn, kept for backward
      T n = tanh_(xb[2 * H + j] + bx[2 * H + j] + r * hn_k);
      xb[j] = r; xb[H + j] = u; xb[2 * H + j] = n;
      hn[k] = hn_k;
      h[k] = n + u * (h_prev[k] - n);
    }
  }
}
template <typename T>
CLONES static void gru_cell_bwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ a,
                                const T* __restrict__ hn, const T* __restrict__ h_prev,
                                T* __restrict__ dh, T* __restrict__ dgx, T* __restrict__ dgh) {
  for (int64_t b = b0; b < b1; ++b) {
    const T* __restrict__ ab = a + b * 3 * H;
    T *__restrict__ xb = dgx + b * 3 * H, *__restrict__ hb = dgh + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T r = ab[j], u = ab[H + j], n = ab[2 * H + j], d = dh[k];
      T dn = d * (T(1) - u) * (T(1) - n * n);         // h = (1 - u) n + u h_prev
      T du = d * (h_prev[k] - n) * u * (T(1) - u);
      T dr = dn * hn[k] * r * (T(1) - r);              // n = tanh(x_n + r hn)
      xb[j] = dr; xb[H + j] = du; xb[2 * H + j] = dn;
      hb[j] = dr; hb[H + j] = du; hb[2 * H + j] = dn * r;
      dh[k] = d * u;                                   // direct path into h_{t-1}
    }
  }
}

std::vector<Tensor> gru_forward(const Tensor& x, const Tensor& h0, const Tensor& W_x,
                                const Tensor& W_h, const OptTensor& b_x, const OptTensor& b_h,
                                bool return_sequences) {
  const int64_t B = x.size(0), T = x.size(1), H = h0.size(1), G = 3 * H;
  Tensor xt = time_major(x);
  Tensor gx = input_product(xt, W_x);  // (T, B, 3H); becomes the activations r, u, n
  Tensor hs = state_buffer(h0, T), hn = workspace({T, B, H}, x.options());
  Tensor gh = at::empty({B, G}, x.options());
  Tensor bx = bias_or_zeros(b_x, G, x), bh = bias_or_zeros(b_h, G, x);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_forward", [&] {
    FlushDenormals ftz(false);
    StepProduct<scalar_t> step(W_h.t(), B);
    scalar_t *gxp = gx.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    for (int64_t t = 0; t < T; ++t) {
      step(hp + t * B * H, H, 0, gh.data_ptr<scalar_t>(), G);  // gh = h_{t-1} W_h^T
      rows(B, step.threads, [&](int64_t b0, int64_t b1) {
        gru_cell_fwd<scalar_t>(b0, b1, H, gxp + t * B * G, gh.data_ptr<scalar_t>(),
                               bx.data_ptr<scalar_t>(), bh.data_ptr<scalar_t>(), hp + t * B * H,
                               hp + (t + 1) * B * H, hn.data_ptr<scalar_t>() + t * B * H);
      });
    }
  });
  return {outputs(hs, return_sequences), hs[T].clone(), xt, gx, hs, hn};
}

std::vector<Tensor> gru_backward(const OptTensor& dy, const OptTensor& dhT, const Tensor& xt,
                                 const Tensor& act, const Tensor& hs, const Tensor& hn,
                                 const Tensor& W_x, const Tensor& W_h, int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), H = hs.size(2), G = 3 * H;
  FlushDenormals ftz(true);
  Tensor dgx = workspace({T, B, G}, xt.options()), dgh = workspace({T, B, G}, xt.options());
  Tensor dh = grad_buffer(dhT, hs[0]);
  Tensor dyc = dy.has_value() ? dy->contiguous() : Tensor();
  AT_DISPATCH_FLOATING_TYPES(xt.scalar_type(), "gru_backward", [&] {
    StepProduct<scalar_t> step(W_h, B);
    scalar_t *dhp = dh.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    const scalar_t* dyp = dyc.defined() ? dyc.data_ptr<scalar_t>() : nullptr;
    for (int64_t t = T - 1; t >= 0; --t) {
      scalar_t* dgh_t = dgh.data_ptr<scalar_t>() + t * B * G;
      rows(B, step.threads, [&](int64_t b0, int64_t b1) {
        add_output_grad<scalar_t>(b0, b1, H, dyp ? dyp + t * H : nullptr, T * H, dhp);
        gru_cell_bwd<scalar_t>(b0, b1, H, act.data_ptr<scalar_t>() + t * B * G,
                               hn.data_ptr<scalar_t>() + t * B * H, hp + t * B * H, dhp,
                               dgx.data_ptr<scalar_t>() + t * B * G, dgh_t);
      });
      step(dgh_t, G, 1, dhp, H);  // dh_{t-1} = u dh_t + dgh_t W_h
    }
  });
  auto g = sweep_grads(dgx, dgh, xt, hs, W_x, need);
  return {g[0], dh, g[1], g[2], g[3], g[4]};
}

TORCH_LIBRARY(rnnkit_fused, m) {
  m.def("rnn_forward", rnn_forward);
  m.def("rnn_backward", rnn_backward);
  m.def("lstm_forward", lstm_forward);
  m.def("lstm_backward", lstm_backward);
  m.def("gru_forward", gru_forward);
  m.def("gru_backward", gru_backward);
  m.def("set_step_threads_min_flops", set_step_threads_min_flops);
  m.def("release_workspace", release_workspace);
}
"""
