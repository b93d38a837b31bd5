// The pieces every recurrent kernel shares (rnn.cpp: SimpleRNN, LSTM, GRU; gru_reset_before.cpp):
// BLAS products, the per-step thread choice, time-major buffers, the two masks a layer may
// pass, and the weight gradients over all steps. Built by rnnkit/kernels/build.py.
//
// The two masks, both optional:
//   rec_mask (B, H)  Keras's recurrent dropout: one mask for the whole sequence, applied to
//                    h_{t-1} before the recurrent product (forward: (h ⊙ m) W_h^T; backward:
//                    the gradient through that product times m, and dW_h from h ⊙ m).
//   keep (B, T)      the padding mask: where keep is false the state is carried over
//                    unchanged (h_t = h_{t-1}, c_t = c_{t-1}) and that step has no gradient
//                    of its own; the caller zeroes the outputs there.
#pragma once

#include "common.h"

namespace rnnkit {

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
inline double step_threads_min_flops = double(1 << 23);
inline void set_step_threads_min_flops(double flops) { step_threads_min_flops = flops; }
struct StepThreads {
  int prev = -1;
  bool parallel;  // big steps: the product and the gate loop both use torch's threads
  explicit StepThreads(double flops) : parallel(flops >= step_threads_min_flops) {
    // ATen's first parallel_for on a thread, from this library, sets OpenMP's count to MKL's
    // (at::init_num_threads, unless torch.set_num_threads was called): first, so that it
    // reads the count before MKL's is 1 here, or torch's count stays 1 after this kernel.
    at::internal::lazy_init_num_threads();
    if (!parallel && MKL_Set_Num_Threads_Local) prev = MKL_Set_Num_Threads_Local(1);
  }
  ~StepThreads() { if (prev >= 0) MKL_Set_Num_Threads_Local(prev); }
};

// C (M, N) = A (M, K) B (K, N) + beta C for a few rows (M <= GEMV_ROWS: one sample at
// inference), BLAS's call and blocking cost more than the arithmetic at this size.
//   gemv_rows  B given (K, N): per row of A, 64 columns of C at a time in registers, B
//              streamed row by row (from L2: W_h of a 128-unit LSTM is 256 KiB)
//   gemv_dot   B given as Bt (N, K), i.e. W_h itself: four dot products at a time, so the
//              forward step needs no transposed copy of W_h (24 us a call at 128 units)
constexpr int64_t GEMV_ROWS = 4, GEMV_MIN = 64;   // under 64 units BLAS's sgemm is faster
inline bool small_product(int64_t M, int64_t K, int64_t N) {
  return M <= GEMV_ROWS && K >= GEMV_MIN && N >= GEMV_MIN;
}
template <typename T>
CLONES static void gemv_rows(int64_t M, int64_t N, int64_t K, const T* __restrict__ A,
                             int64_t lda, const T* __restrict__ B, int64_t ldb, T beta,
                             T* __restrict__ C, int64_t ldc) {
  constexpr int64_t J = 64;
  for (int64_t m = 0; m < M; ++m) {
    const T* __restrict__ a = A + m * lda;
    T* __restrict__ c = C + m * ldc;
    int64_t j0 = 0;
    for (; j0 + J <= N; j0 += J) {  // full blocks: the accumulators stay in registers
      T acc[J];
      for (int64_t j = 0; j < J; ++j) acc[j] = beta == T(0) ? T(0) : beta * c[j0 + j];
      for (int64_t k = 0; k < K; ++k) {
        const T ak = a[k];
        const T* __restrict__ b = B + k * ldb + j0;
#pragma omp simd
        for (int64_t j = 0; j < J; ++j) acc[j] += ak * b[j];
      }
      for (int64_t j = 0; j < J; ++j) c[j0 + j] = acc[j];
    }
    for (int64_t j = j0; j < N; ++j) {  // the last N % 64 columns
      T acc = beta == T(0) ? T(0) : beta * c[j];
      for (int64_t k = 0; k < K; ++k) acc += a[k] * B[k * ldb + j];
      c[j] = acc;
    }
  }
}
template <typename T>
CLONES static void gemv_dot(int64_t M, int64_t N, int64_t K, const T* __restrict__ A,
                            int64_t lda, const T* __restrict__ Bt, T beta, T* __restrict__ C,
                            int64_t ldc) {
  for (int64_t m = 0; m < M; ++m) {
    const T* __restrict__ a = A + m * lda;
    T* __restrict__ c = C + m * ldc;
    int64_t j = 0;
    for (; j + 4 <= N; j += 4) {  // four independent sums hide the FMA latency
      const T *w0 = Bt + j * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
      T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
      for (int64_t k = 0; k < K; ++k) {
        s0 += a[k] * w0[k];
        s1 += a[k] * w1[k];
        s2 += a[k] * w2[k];
        s3 += a[k] * w3[k];
      }
      const T s[4] = {s0, s1, s2, s3};
      for (int64_t i = 0; i < 4; ++i) c[j + i] = (beta == T(0) ? T(0) : beta * c[j + i]) + s[i];
    }
    for (; j < N; ++j) {
      T acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += a[k] * Bt[j * K + k];
      c[j] = (beta == T(0) ? T(0) : beta * c[j]) + acc;
    }
  }
}

// C (M, N) = A (M, K) B (K, N) + beta C, row-major with leading dimensions lda, ldb, ldc.
template <typename T>
inline void gemm(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
                 int64_t ldb, T beta, T* C, int64_t ldc) {
  constexpr bool f32 = std::is_same<T, float>::value;
  const T one = 1;
  if (small_product(M, K, N)) return gemv_rows<T>(M, N, K, A, lda, B, ldb, beta, C, ldc);
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
// For a few rows (one sample, 64+ units) a W given as a transposed view (W_h.t()) is used as
// it is, by dot products (gemv_dot), instead of being copied.
template <typename T>
struct StepProduct {
  Tensor W;        // (K, N) contiguous, or empty when Wt is used
  Tensor Wt;       // (N, K) contiguous: W_'s transpose, for M <= GEMV_ROWS
  int64_t M;
  StepThreads threads;
  StepProduct(const Tensor& W_, int64_t M_)
      : W(small_product(M_, W_.size(0), W_.size(1)) && W_.t().is_contiguous() ? Tensor()
                                                                         : W_.contiguous()),
        Wt(W.defined() ? Tensor() : W_.t()), M(M_),
        threads(2.0 * M_ * W_.size(0) * W_.size(1)) {}
  // rows: how many rows of A and C, M unless a sweep runs on a block of rows (sweep_rows)
  void operator()(const T* A, int64_t lda, T beta, T* C, int64_t ldc, int64_t rows = -1) const {
    const int64_t m = rows < 0 ? M : rows;
    if (!W.defined()) {
      const int64_t N = Wt.size(0), K = Wt.size(1);
      return gemv_dot<T>(m, N, K, A, lda, Wt.data_ptr<T>(), beta, C, ldc);
    }
    const int64_t K = W.size(0), N = W.size(1);
    gemm<T>(m, N, K, A, lda, W.data_ptr<T>(), N, beta, C, ldc);
  }
};

// ---- one sweep per block of batch rows ------------------------------------------------------
// Batch rows never meet in a recurrent layer, so n threads can each run the whole time loop on
// their own block of B / n rows: one hand-over and one join a sweep, where sharing each step's
// product between threads costs a barrier or two every step. The blocks run on torch's
// OpenMP team when torch has two threads or more (an idle machine under config's "auto");
// when it has one ("auto" on a wholly busy machine), the blocks after the first run on
// BlockThreads, which sleep between sweeps: there a late thread costs the join a wait, never
// a spinning collapse. (Beside a team that spins after its last region, a block thread ran
// at half speed; the team is the faster of the two on an idle machine.) Taken when
//   - sweep_threads (config: the fixed thread count, or 0 = every core under "auto") >= 2,
//   - every block keeps split_min_rows rows (8: fewer waste the vector width),
//   - the sweep's recurrent products reach split_min_flops (16 MFLOP: a hand-over costs
//     microseconds), and W_h fits a core's L2, 512 KiB (each thread reads all of it every
//     step: float32 GRU up to 209 units, LSTM up to 181, SimpleRNN up to 362).
//   sweep(b0, b1, parallel): the time loop over rows [b0, b1); parallel says whether it may
//   split each step's gate loop over torch's threads (only when the sweep is not split).
inline std::atomic<int64_t> sweep_threads{0}, split_min_rows{8}, last_sweep_blocks{0};
inline std::atomic<double> split_min_flops{double(1 << 24)};
inline void set_sweep_threads(int64_t n) { sweep_threads = std::max<int64_t>(n, 0); }
inline void set_split(int64_t min_rows, double min_flops) {   // tests and benchmarks
  split_min_rows = std::max<int64_t>(min_rows, 1);
  split_min_flops = min_flops;
}
inline int64_t get_last_sweep_blocks() { return last_sweep_blocks; }  // 1: not split
constexpr int64_t SPLIT_MAX_WEIGHT_BYTES = int64_t(512) << 10;

// This thread computes as if torch had one thread: MKL and ATen's parallel_for serial,
// denormals flushed; restored when the guard goes. (OpenMP's own count is left alone: in
// torch's team nested regions run serial; BlockThreads set theirs once.)
struct OneThread {
  int mkl = -1;
  bool flush = !flushing_here();
  c10::ParallelGuard serial{true};
  OneThread() {
    if (MKL_Set_Num_Threads_Local) mkl = MKL_Set_Num_Threads_Local(1);
    if (flush) flush_denormals_here(true);
  }
  ~OneThread() {
    if (flush) flush_denormals_here(false);
    if (mkl >= 0) MKL_Set_Num_Threads_Local(mkl);
  }
};

// Threads that run sweep blocks and nothing else: one fewer than the cores, started on first
// use, asleep on a condition variable between tasks. A process forked from this one starts
// its own (the parent's threads do not exist there). Never destroyed: they may outlive
// static destructors at exit.
class BlockThreads {
 public:
  static BlockThreads& get() {
    static std::mutex made;
    static BlockThreads* pool = nullptr;
    std::lock_guard<std::mutex> lock(made);
    if (pool == nullptr || pool->pid != getpid()) pool = new BlockThreads();
    return *pool;
  }
  void run(std::function<void()> task) {
    { std::lock_guard<std::mutex> lock(m); tasks.push_back(std::move(task)); }
    wake.notify_one();
  }
  int64_t size() const { return count; }

 private:
  BlockThreads()
      : pid(getpid()),
        count(std::max<int64_t>(1, int64_t(std::thread::hardware_concurrency()) - 1)) {
    for (int64_t i = 0; i < count; ++i) std::thread([this] { loop(); }).detach();
  }
  void loop() {
#ifdef _OPENMP
    omp_set_num_threads(1);        // oneDNN's bfloat16 products here: no team of their own
#endif
    OneThread here;
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(m);
        wake.wait(lock, [this] { return !tasks.empty(); });
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      task();
    }
  }
  pid_t pid;
  int64_t count;
  std::mutex m;
  std::condition_variable wake;
  std::deque<std::function<void()>> tasks;
};

template <typename F>
inline void sweep_rows(int64_t B, int64_t T, const Tensor& W_h, bool parallel, const F& sweep) {
  const int64_t threads = sweep_threads > 0 ? sweep_threads.load()
                                            : int64_t(std::thread::hardware_concurrency());
  const double flops = 2.0 * T * B * W_h.numel();
  const bool split = threads >= 2 && B / split_min_rows >= 2 && flops >= split_min_flops &&
                     W_h.numel() * W_h.element_size() <= SPLIT_MAX_WEIGHT_BYTES &&
                     !at::in_parallel_region();
  last_sweep_blocks = 1;
  if (!split) return sweep(int64_t(0), B, parallel);
  if (at::get_num_threads() >= 2) {    // torch's team is there, its threads spinning: use it
    const int64_t n =
        std::min({threads, B / split_min_rows.load(), int64_t(at::get_num_threads())});
    last_sweep_blocks = n;
    return at::parallel_for(0, n, 1, [&](int64_t i0, int64_t i1) {
      OneThread here;
      for (int64_t i = i0; i < i1; ++i) sweep(i * B / n, (i + 1) * B / n, false);
    });
  }
  BlockThreads& pool = BlockThreads::get();
  const int64_t n = std::min({threads, B / split_min_rows.load(), pool.size() + 1});
  last_sweep_blocks = n;
  std::mutex m;
  std::condition_variable done;
  int64_t left = n - 1;
  std::exception_ptr error;
  auto finish = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(m);
    if (e && !error) error = e;
    if (--left == 0) done.notify_one();
  };
  for (int64_t i = 1; i < n; ++i)
    pool.run([&, i] {              // a block thread: OneThread already holds there
      try { sweep(i * B / n, (i + 1) * B / n, false); finish(nullptr); }
      catch (...) { finish(std::current_exception()); }
    });
  std::exception_ptr mine;
  try { OneThread here; sweep(int64_t(0), B / n, false); }
  catch (...) { mine = std::current_exception(); }
  std::unique_lock<std::mutex> lock(m);        // the others read this frame: wait for them
  done.wait(lock, [&] { return left == 0; });
  if (mine) std::rethrow_exception(mine);
  if (error) std::rethrow_exception(error);
}

// A gate loop f(c0, c1) over the rows [b0, b1) of a sweep: split over torch's threads when
// the sweep may (big steps, sweep not split), else in one go.
template <typename F>
inline void rows(int64_t b0, int64_t b1, bool parallel, const F& f) {
  if (parallel) at::parallel_for(b0, b1, 1, f);
  else f(b0, b1);
}


inline Tensor time_major(const Tensor& x) {  // (B, T, D) -> (T, B, D), contiguous
  Tensor xt = workspace({x.size(1), x.size(0), x.size(2)}, x.options());
  xt.copy_(x.transpose(0, 1));
  return xt;
}

// z = x W_x^T for all steps at once: (T, B, G), time-major. The gate loops add the bias.
// An empty W_x means x is the input product already (an Embedding folded in,
// x = (E W_x^T)[ids]: RNN.fold_embedding).
inline Tensor input_product(const Tensor& xt, const Tensor& W_x) {
  const int64_t T = xt.size(0), B = xt.size(1), D = xt.size(2);
  if (W_x.numel() == 0) {
    Tensor z = workspace({T, B, D}, xt.options());
    z.copy_(xt);
    return z;
  }
  const int64_t G = W_x.size(0);
  Tensor z = workspace({T, B, G}, xt.options()), z2 = z.view({T * B, G});
  at::mm_out(z2, xt.view({T * B, D}), W_x.t());
  return z;
}

inline Tensor bias_or_zeros(const OptTensor& b, int64_t G, const Tensor& like) {
  return b.has_value() ? b->contiguous() : at::zeros({G}, like.options());
}

inline Tensor state_buffer(const Tensor& s0, int64_t T) {  // (T + 1, B, H), [0] = s0
  Tensor s = workspace({T + 1, s0.size(0), s0.size(1)}, s0.options());
  s[0].copy_(s0);
  return s;
}

inline Tensor outputs(const Tensor& hs, bool return_sequences) {  // (B, T, H) batch-first
  return return_sequences ? hs.slice(0, 1).transpose(0, 1).contiguous() : none_like(hs);
}

inline Tensor grad_buffer(const OptTensor& g, const Tensor& like) {  // dh_T or dc_T
  return g.has_value() ? g->contiguous().clone() : at::zeros_like(like);
}

// Carry row b of a state over a padded step: dst = src.
template <typename T>
INLINE void carry(const T* src, T* dst, int64_t H) { std::memcpy(dst, src, H * sizeof(T)); }

// ---- the masks -----------------------------------------------------------------------------
// The recurrent dropout mask as a pointer (nullptr: none), contiguous (B, H).
struct RecMask {
  Tensor m;
  explicit RecMask(const OptTensor& mask) : m(mask.has_value() ? mask->contiguous() : Tensor()) {}
  template <typename T> const T* ptr() const { return m.defined() ? m.data_ptr<T>() : nullptr; }
};

// The padding mask, time-major (T, B) bytes; keep(t) points at step t's B flags or is nullptr.
struct Keep {
  Tensor k;
  int64_t B = 0;
  explicit Keep(const OptTensor& keep) {
    if (keep.has_value()) {
      k = keep->to(at::kBool).t().contiguous();
      B = k.size(1);
    }
  }
  const bool* operator()(int64_t t) const { return k.defined() ? k.data_ptr<bool>() + t * B : nullptr; }
  bool any() const { return k.defined(); }
};

// The input of step t's recurrent product for rows [b0, b1): h_{t-1}, or h_{t-1} ⊙ m written
// into those rows of buf. Returns where row 0 would be (h or buf), as the gate loops index.
template <typename T>
inline const T* dropped(const T* h, const T* m, T* buf, int64_t b0, int64_t b1, int64_t H) {
  if (m == nullptr) return h;
  for (int64_t i = b0 * H; i < b1 * H; ++i) buf[i] = h[i] * m[i];
  return buf;
}

// Rows [b0, b1) of dh_{t-1} (B, H) from g = dz_t W_h, the gradient through the recurrent
// product: on the rows the padding mask kept, dh = g ⊙ m (or dh += g ⊙ m where the cell has a
// direct path from h_{t-1}, as GRU's z ⊙ h_{t-1}); rows carried over keep their dh.
template <typename T>
inline void recurrent_grad(int64_t b0, int64_t b1, int64_t H, const T* g, const T* m,
                           const bool* keep, bool accumulate, T* dh) {
  for (int64_t b = b0; b < b1; ++b) {
    if (keep && !keep[b]) continue;
    T* __restrict__ d = dh + b * H;
    const T* __restrict__ gb = g + b * H;
    const T* __restrict__ mb = m ? m + b * H : nullptr;
    if (!accumulate) for (int64_t j = 0; j < H; ++j) d[j] = 0;
    if (mb) for (int64_t j = 0; j < H; ++j) d[j] += gb[j] * mb[j];
    else for (int64_t j = 0; j < H; ++j) d[j] += gb[j];
  }
}

enum Need { DX = 1, DWX = 2, DWH = 4, DBX = 8, DBH = 16 };

// ---- activations --------------------------------------------------------------------------
// What the kernels take: activation tanh or relu, gates (recurrent_activation) sigmoid or
// hard_sigmoid (Keras 3: clip(x / 6 + 1/2, 0, 1)). The codes are the Python side's
// (kernels/rnn.py ACTIVATIONS). Backward needs each derivative as a function of the output.
enum Act : int64_t { TANH = 0, SIGMOID = 1, HARD_SIGMOID = 2, RELU = 3 };
template <int A, typename T>
INLINE T act(T x) {
  if constexpr (A == TANH) return tanh_(x);
  else if constexpr (A == SIGMOID) return sigmoid_(x);
  else if constexpr (A == HARD_SIGMOID) return std::min(T(1), std::max(T(0), x * T(1.0 / 6) + T(0.5)));
  else return x > T(0) ? x : T(0);
}
template <int A, typename T>
INLINE T dact(T y) {  // f'(x) from y = f(x)
  if constexpr (A == TANH) return T(1) - y * y;
  else if constexpr (A == SIGMOID) return y * (T(1) - y);
  else if constexpr (A == HARD_SIGMOID) return (y > T(0) && y < T(1)) ? T(1.0 / 6) : T(0);
  else return y > T(0) ? T(1) : T(0);
}

// f(A, G) with A, G the activation and gate codes as compile-time constants.
template <typename F>
inline void with_activations(int64_t a, int64_t g, const F& f) {
  TORCH_CHECK((a == TANH || a == RELU) && (g == SIGMOID || g == HARD_SIGMOID),
              "rnnkit kernels take activation tanh (0) or relu (3) and gates sigmoid (1) or "
              "hard_sigmoid (2), got ", a, " and ", g);
  auto gates = [&](auto A) {
    if (g == HARD_SIGMOID) f(A, std::integral_constant<int, HARD_SIGMOID>{});
    else f(A, std::integral_constant<int, SIGMOID>{});
  };
  if (a == RELU) gates(std::integral_constant<int, RELU>{});
  else gates(std::integral_constant<int, TANH>{});
}

// After the sweep, over all T * B rows at once:
//   dx = dZx W_x (dZx itself when W_x is empty),  dW_x = dZx^T X,  dW_h = dZh^T (H_prev ⊙ m),
//   db_x = sum dZx,  db_h = sum dZh
// (dW as (X^T dZ)^T: BLAS runs the long inner dimension faster in that order).
inline std::vector<Tensor> sweep_grads(const Tensor& dzx, const Tensor& dzh, const Tensor& xt,
                                       const Tensor& hs, const Tensor& W_x, const RecMask& m,
                                       int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), D = xt.size(2), H = hs.size(2);
  Tensor gx = dzx.view({T * B, dzx.size(2)}), gh = dzh.view({T * B, dzh.size(2)});
  Tensor none = none_like(xt), h_prev;
  if (need & DWH) {
    h_prev = hs.slice(0, 0, T);
    h_prev = (m.m.defined() ? h_prev * m.m.unsqueeze(0) : h_prev).reshape({T * B, H});
  }
  const bool projected = W_x.numel() == 0;         // x was the input product: dx = dZx
  return {(need & DX) ? (projected ? dzx.transpose(0, 1)        // (B, T, D), time-major storage
                                   : at::mm(gx, W_x).view({T, B, D}).transpose(0, 1)) : none,
          (need & DWX) && !projected ? at::mm(xt.view({T * B, D}).t(), gx).t() : none,
          (need & DWH) ? at::mm(h_prev.t(), gh).t() : none,
          (need & DBX) ? gx.sum(0) : none,
          (need & DBH) ? gh.sum(0) : none};
}

// dh += dy[:, t], the gradient that reaches h_t from the outputs of step t.
template <typename T>
inline void add_output_grad(int64_t b0, int64_t b1, int64_t H, const T* dy_t, int64_t ld, T* dh) {
  if (dy_t == nullptr) return;
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t j = 0; j < H; ++j) dh[b * H + j] += dy_t[b * ld + j];
}

}  // namespace rnnkit
