// rnnkit's compiled CPU scan: the linear recurrence of MinGRU and MinLSTM, forward and
// backward, batch-first (B, T, H) (rnnkit/kernels/scan.py registers the ops with autograd):
//
//     h_t = a_t ⊙ h_{t-1} + b_t                          (forward sweep over t)
//     g_t = dL/dh_t + a_{t+1} ⊙ g_{t+1}                   (backward sweep, g_T+1 = 0)
//     dL/db_t = g_t,   dL/da_t = g_t ⊙ h_{t-1},   dL/dh0 = a_1 ⊙ g_1
//
// Three forms: a and b given as tensors (scan_forward / scan_backward); the gates' activations
// fused in, from their pre-activations p_t (B, T, G*H), so a_t and b_t never reach memory
// (min_gru_* / min_lstm_*; backward returns dL/dp); and the input product p_t = W x_t + b fused
// in as well, for few input features (min_*_input_*; backward returns dx, dW^T, db), which also
// spares writing and reading p. Gate order as the cells: MinGRU k, h̃; MinLSTM f, i, h̃.
//
// Work is split into units of one batch row and a block of hidden units, each run through all
// T steps on one thread: it streams contiguous memory (rows t, t + 1, ... of one sequence) and
// keeps h_{t-1} in L1. The inner loop over hidden units is vectorized (AVX-512, AVX2 or
// baseline clones; sigmoid in float32 from a polynomial exp that vectorizes). Denormals are
// flushed to zero while a unit runs.
#include "common.h"

namespace rnnkit {

// ---- the gates, one hidden unit j of one step; p points at the step's pre-activations -----
// MinGRU, gates k, h̃ (G = 2):  z = σ(k),  h_t = (1 - z) h_{t-1} + z h̃
struct MinGRUGates {
  static constexpr int G = 2;
  template <typename T> INLINE void ab(const T* p, int64_t H, int64_t j, T& a, T& b) {
    T z = sigmoid_(p[j]);
    a = T(1) - z;                                        // a_t = 1 - z_t
    b = z * p[H + j];                                    // b_t = z_t h̃_t
  }
  // Writes dL/dk, dL/dh̃ (to d0, d1) for g = dL/dh_t; returns a_t, what g_t passes to h_{t-1}.
  template <typename T> INLINE T grad(const T* p, int64_t H, int64_t j, T g, T h_prev, T* d0,
                                      T* d1, T*) {
    T z = sigmoid_(p[j]), h_tilde = p[H + j];
    d0[j] = g * (h_tilde - h_prev) * z * (T(1) - z);     // h_t = h_{t-1} + z (h̃ - h_{t-1})
    d1[j] = g * z;
    return T(1) - z;
  }
};

// MinLSTM, gates f, i, h̃ (G = 3):  f, i = σ(.),  s = f + i,  h_t = (f/s) h_{t-1} + (i/s) h̃
struct MinLSTMGates {
  static constexpr int G = 3;
  template <typename T> INLINE void ab(const T* p, int64_t H, int64_t j, T& a, T& b) {
    T f = sigmoid_(p[j]), i = sigmoid_(p[H + j]), s = f + i;
    a = f / s;                                           // a_t = f'_t
    b = (i / s) * p[2 * H + j];                          // b_t = i'_t h̃_t
  }
  template <typename T> INLINE T grad(const T* p, int64_t H, int64_t j, T g, T h_prev, T* d0,
                                      T* d1, T* d2) {
    T f = sigmoid_(p[j]), i = sigmoid_(p[H + j]), s = f + i, h_tilde = p[2 * H + j];
    T inv = T(1) / s, a = f * inv, c = i * inv;          // f', i'
    T w = g * (h_prev - h_tilde) * a * c;                // dL/df' = g (h_{t-1} - h̃) = -dL/di'
    d0[j] = w * (T(1) - f);                              // df'/df = i/s², dσ = σ (1 - σ)
    d1[j] = w * (i - T(1));                              // df'/di = -f/s²
    d2[j] = g * c;
    return a;
  }
};

static constexpr int64_t PREFETCH_STEPS = 16;

// ---- one unit of work: batch row r, hidden units [j0, j0 + n), all T steps ----------------
// Pointers arrive offset to (row r, t = 0, unit j0); rows of a step are H or G*H long.

// h_t = a_t h_{t-1} + b_t
template <typename T>
CLONES static void scan_fwd_unit(int64_t steps, int64_t H, int64_t n, const T* a, const T* b,
                                 const T* h0, T* h) {
  const T* h_prev = h0;
  for (int64_t t = 0; t < steps; ++t) {
    const T *__restrict__ a_t = a + t * H, *__restrict__ b_t = b + t * H;
    T* __restrict__ h_t = h + t * H;
    for (int64_t j = 0; j < n; ++j) h_t[j] = a_t[j] * h_prev[j] + b_t[j];
    h_prev = h_t;
  }
}

// g_t = dy_t + a_{t+1} g_{t+1} (kept in db), da_t = g_t h_{t-1}, dh0 = a_1 g_1
template <typename T>
CLONES static void scan_bwd_unit(int64_t steps, int64_t H, int64_t n, const T* dy, const T* a,
                                 const T* h, const T* h0, T* da, T* db, T* dh0) {
  for (int64_t t = steps - 1; t >= 0; --t) {
    const T *__restrict__ dy_t = dy + t * H, *__restrict__ h_prev = t ? h + (t - 1) * H : h0;
    T *__restrict__ g = db + t * H, *__restrict__ da_t = da + t * H;
    if (t == steps - 1) {
      for (int64_t j = 0; j < n; ++j) g[j] = dy_t[j];
    } else {
      const T *__restrict__ a_next = a + (t + 1) * H, *__restrict__ g_next = db + (t + 1) * H;
      for (int64_t j = 0; j < n; ++j) g[j] = dy_t[j] + a_next[j] * g_next[j];
    }
    for (int64_t j = 0; j < n; ++j) da_t[j] = g[j] * h_prev[j];
  }
  for (int64_t j = 0; j < n; ++j) dh0[j] = a[j] * db[j];
}

// The same with the gates fused: p holds pre-activations (ld G*H). A step with keep[t] == 0
// (padding) carries the state over: a_t = 1, b_t = 0, and its gates get no gradient.
template <typename Cell, typename T>
CLONES static void gates_fwd_unit(int64_t steps, int64_t H, int64_t n, const T* p, const T* h0,
                                  const bool* keep, T* h) {
  constexpr int G = Cell::G;
  const T* h_prev = h0;
  for (int64_t t = 0; t < steps; ++t) {
    const T* __restrict__ p_t = p + t * G * H;
    T* __restrict__ h_t = h + t * H;
    if (keep && !keep[t]) {
      for (int64_t j = 0; j < n; ++j) h_t[j] = h_prev[j];
    } else {
      #pragma omp simd  // no dependence across j (GCC would give up on alias checks)
      for (int64_t j = 0; j < n; ++j) {
        T a, b;
        Cell::ab(p_t, H, j, a, b);
        h_t[j] = a * h_prev[j] + b;                      // h_t = a_t h_{t-1} + b_t
      }
    }
    h_prev = h_t;
  }
}

template <typename Cell, typename T>
CLONES static void gates_bwd_unit(int64_t steps, int64_t H, int64_t n, const T* dy, const T* p,
                                  const T* h, const T* h0, const bool* keep, T* dp, T* dh0,
                                  T* __restrict__ g, T* __restrict__ a_next) {
  constexpr int G = Cell::G;
  for (int64_t j = 0; j < n; ++j) g[j] = a_next[j] = T(0);
  for (int64_t t = steps - 1; t >= 0; --t) {
    const T *__restrict__ dy_t = dy + t * H, *__restrict__ p_t = p + t * G * H;
    const T* __restrict__ h_prev = t ? h + (t - 1) * H : h0;
    if (t >= PREFETCH_STEPS) {                           // a backward sweep reads memory
      const int64_t s = t - PREFETCH_STEPS;              // downwards: fetch ahead by hand
      for (int64_t j = 0; j < n; j += 64 / sizeof(T)) {
        __builtin_prefetch(dy + s * H + j);
        __builtin_prefetch(h + s * H + j);
        for (int q = 0; q < G; ++q) __builtin_prefetch(p + s * G * H + q * H + j);
      }
    }
    T* dp_t = dp + t * G * H;                            // one pointer a gate: no aliasing
    T *__restrict__ d0 = dp_t, *__restrict__ d1 = dp_t + H, *__restrict__ d2 = dp_t + (G - 1) * H;
    if (keep && !keep[t]) {
      for (int64_t j = 0; j < n; ++j) {
        g[j] = dy_t[j] + a_next[j] * g[j];
        a_next[j] = T(1);
      }
      for (int q = 0; q < G; ++q) std::fill(dp_t + q * H, dp_t + q * H + n, T(0));
    } else {
      for (int64_t j = 0; j < n; ++j) g[j] = dy_t[j] + a_next[j] * g[j];  // g_t
      #pragma omp simd  // no dependence across j (GCC would give up on alias checks)
      for (int64_t j = 0; j < n; ++j)
        a_next[j] = Cell::grad(p_t, H, j, g[j], h_prev[j], d0, d1, d2);  // dL/dp_t, a_t
    }
  }
  for (int64_t j = 0; j < n; ++j) dh0[j] = a_next[j] * g[j];  // h_1 = a_1 h0 + b_1
}

// ---- the input product fused too, for few input features ------------------------------------
// p_t = W x_t + bias for the unit's block, computed into an L1 buffer (stride n) and never
// stored: with D input features that costs G * D multiply-adds an element, while the stored
// (B, T, G*H) pre-activations are otherwise the largest tensor written and read (32 MB at
// B = 32, T = 1024, H = 128, float32). Wt is W^T (D, G*H); Wt and bias arrive offset to j0.
template <typename T>
INLINE void project(int G, int64_t H, int64_t n, int64_t D, const T* __restrict__ x_t,
                    const T* __restrict__ Wt, const T* __restrict__ bias, T* __restrict__ pre) {
  for (int q = 0; q < G; ++q) {                          // (no separate bias copy: a memcpy
    T* __restrict__ p_q = pre + q * n;                   // then vector loads stalls them)
    const T x_0 = D ? x_t[0] : T(0), *__restrict__ w_0 = D ? Wt + q * H : bias;
    for (int64_t j = 0; j < n; ++j) p_q[j] = bias[q * H + j] + x_0 * w_0[j];
    for (int64_t d = 1; d < D; ++d) {
      const T x_d = x_t[d], *__restrict__ w = Wt + d * G * H + q * H;
      for (int64_t j = 0; j < n; ++j) p_q[j] += x_d * w[j];
    }
  }
}

template <typename Cell, typename T>
CLONES static void input_fwd_unit(int64_t steps, int64_t H, int64_t n, int64_t D, const T* x,
                                  const T* Wt, const T* bias, const T* h0, const bool* keep,
                                  T* h, T* __restrict__ pre) {
  const T* h_prev = h0;
  for (int64_t t = 0; t < steps; ++t) {
    T* __restrict__ h_t = h + t * H;
    if (keep && !keep[t]) {
      for (int64_t j = 0; j < n; ++j) h_t[j] = h_prev[j];
    } else {
      project<T>(Cell::G, H, n, D, x + t * D, Wt, bias, pre);   // p_t = W x_t + b
      #pragma omp simd  // no dependence across j (GCC would give up on alias checks)
      for (int64_t j = 0; j < n; ++j) {
        T a, b;
        Cell::ab(pre, n, j, a, b);
        h_t[j] = a * h_prev[j] + b;                      // h_t = a_t h_{t-1} + b_t
      }
    }
    h_prev = h_t;
  }
}

// Backward of the same, also through the product: dx_t = dp_t W (this block's share, written
// to dx (T, D)), dW^T and db accumulated in acc ((D + 1) rows of stride G*H, offset to j0).
template <typename Cell, typename T>
CLONES static void input_bwd_unit(int64_t steps, int64_t H, int64_t n, int64_t D, const T* dy,
                                  const T* x, const T* Wt, const T* bias, const T* h,
                                  const T* h0, const bool* keep, T* dx, T* acc, T* dh0,
                                  T* __restrict__ g, T* __restrict__ a_next,
                                  T* __restrict__ pre, T* __restrict__ dp) {
  constexpr int G = Cell::G;
  const int64_t GH = G * H;
  for (int64_t j = 0; j < n; ++j) g[j] = a_next[j] = T(0);
  for (int64_t d = 0; d <= D; ++d)
    for (int q = 0; q < G; ++q) std::fill(acc + d * GH + q * H, acc + d * GH + q * H + n, T(0));
  for (int64_t t = steps - 1; t >= 0; --t) {
    const T *__restrict__ dy_t = dy + t * H, *__restrict__ x_t = x + t * D;
    const T* __restrict__ h_prev = t ? h + (t - 1) * H : h0;
    if (t >= PREFETCH_STEPS) {
      const int64_t s = t - PREFETCH_STEPS;
      for (int64_t j = 0; j < n; j += 64 / sizeof(T)) {
        __builtin_prefetch(dy + s * H + j);
        __builtin_prefetch(h + s * H + j);
      }
    }
    if (keep && !keep[t]) {
      for (int64_t j = 0; j < n; ++j) {
        g[j] = dy_t[j] + a_next[j] * g[j];
        a_next[j] = T(1);
      }
      for (int64_t d = 0; d < D; ++d) dx[t * D + d] = T(0);
      continue;
    }
    project<T>(G, H, n, D, x_t, Wt, bias, pre);          // recompute p_t = W x_t + b
    T *__restrict__ d0 = dp, *__restrict__ d1 = dp + n, *__restrict__ d2 = dp + (G - 1) * n;
    #pragma omp simd  // no dependence across j (GCC would give up on alias checks)
    for (int64_t j = 0; j < n; ++j) {
      const T g_j = dy_t[j] + a_next[j] * g[j];          // g_t = dy_t + a_{t+1} g_{t+1}
      g[j] = g_j;
      a_next[j] = Cell::grad(pre, n, j, g_j, h_prev[j], d0, d1, d2);  // dL/dp_t, a_t
    }
    for (int q = 0; q < G; ++q) {                        // forward was: p_t = W x_t + b
      const T* __restrict__ dp_q = dp + q * n;
      T* __restrict__ db = acc + D * GH + q * H;
      for (int64_t j = 0; j < n; ++j) db[j] += dp_q[j];  // db += dp_t
      for (int64_t d = 0; d < D; ++d) {
        const T x_d = x_t[d];
        T* __restrict__ dw = acc + d * GH + q * H;
        for (int64_t j = 0; j < n; ++j) dw[j] += dp_q[j] * x_d;  // dW^T += x_t dp_t
      }
    }
    for (int64_t d = 0; d < D; ++d) {                    // dx_t = dp_t W
      T sum = 0;
      for (int q = 0; q < G; ++q) {
        const T *__restrict__ dp_q = dp + q * n, *__restrict__ w = Wt + d * GH + q * H;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < n; ++j) sum += dp_q[j] * w[j];
      }
      dx[t * D + d] = sum;
    }
  }
  for (int64_t j = 0; j < n; ++j) dh0[j] = a_next[j] * g[j];
}

// ---- splitting the work over torch's threads ------------------------------------------------
// Units are (row, block of hidden units): whole rows when the batch gives every thread a few,
// else rows split into `parts` blocks of a multiple of 16 units. Small problems run here.
struct Split {
  int64_t parts, block;
  Split(int64_t B, int64_t H) {
    const int64_t threads = at::get_num_threads();
    parts = B >= 4 * threads ? 1 : std::min((4 * threads + B - 1) / B, (H + 15) / 16);
    block = std::min(H, ((H + parts - 1) / parts + 15) / 16 * 16);
    parts = (H + block - 1) / block;
  }
};

template <typename F>  // f(row, part, j0, n) for every unit
static void over_units(int64_t B, int64_t T, int64_t H, const F& f) {
  const Split split(B, H);
  auto run = [&](int64_t u0, int64_t u1) {
    FlushDenormals ftz(false);
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t r = u / split.parts, part = u % split.parts, j0 = part * split.block;
      f(r, part, j0, std::min(split.block, H - j0));
    }
  };
  if (B * T * H < (int64_t(1) << 15)) run(0, B * split.parts);
  else at::parallel_for(0, B * split.parts, 1, run);
}



template <typename T>
static T* align64(T* p) {  // the first 64-byte boundary at or after p (buffers have 16 spare)
  return reinterpret_cast<T*>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t(63));
}

static const bool* keep_ptr(const OptTensor& keep) {
  return keep.has_value() ? keep->data_ptr<bool>() : nullptr;
}

// ---- the ops (inputs contiguous, checked in Python) ----------------------------------------
Tensor scan_forward(const Tensor& a, const Tensor& b, const Tensor& h0) {
  const int64_t B = a.size(0), T = a.size(1), H = a.size(2);
  Tensor h = workspace(a.sizes(), a.options());
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "scan_forward", [&] {
    const scalar_t *ap = a.data_ptr<scalar_t>(), *bp = b.data_ptr<scalar_t>();
    const scalar_t* h0p = h0.data_ptr<scalar_t>();
    scalar_t* hp = h.data_ptr<scalar_t>();
    over_units(B, T, H, [&](int64_t r, int64_t, int64_t j0, int64_t n) {
      const int64_t o = r * T * H + j0;
      scan_fwd_unit<scalar_t>(T, H, n, ap + o, bp + o, h0p + r * H + j0, hp + o);
    });
  });
  return h;
}

Tensors<3> scan_backward(const Tensor& dy, const Tensor& a, const Tensor& h,
                                  const Tensor& h0) {
  const int64_t B = a.size(0), T = a.size(1), H = a.size(2);
  Tensor da = workspace(a.sizes(), a.options()), db = workspace(a.sizes(), a.options());
  Tensor dh0 = at::empty_like(h0);
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "scan_backward", [&] {
    const scalar_t *dyp = dy.data_ptr<scalar_t>(), *ap = a.data_ptr<scalar_t>();
    const scalar_t *hp = h.data_ptr<scalar_t>(), *h0p = h0.data_ptr<scalar_t>();
    scalar_t *dap = da.data_ptr<scalar_t>(), *dbp = db.data_ptr<scalar_t>();
    scalar_t* dh0p = dh0.data_ptr<scalar_t>();
    over_units(B, T, H, [&](int64_t r, int64_t, int64_t j0, int64_t n) {
      const int64_t o = r * T * H + j0;
      scan_bwd_unit<scalar_t>(T, H, n, dyp + o, ap + o, hp + o, h0p + r * H + j0, dap + o,
                              dbp + o, dh0p + r * H + j0);
    });
  });
  return std::make_tuple(da, db, dh0);
}

template <typename Cell>
static Tensor gates_forward(const Tensor& p, const Tensor& h0, const OptTensor& keep) {
  const int64_t B = p.size(0), T = p.size(1), H = h0.size(1), G = Cell::G;
  Tensor h = workspace({B, T, H}, p.options());
  const bool* kp = keep_ptr(keep);
  AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "min_rnn_forward", [&] {
    const scalar_t *pp = p.data_ptr<scalar_t>(), *h0p = h0.data_ptr<scalar_t>();
    scalar_t* hp = h.data_ptr<scalar_t>();
    over_units(B, T, H, [&](int64_t r, int64_t, int64_t j0, int64_t n) {
      gates_fwd_unit<Cell, scalar_t>(T, H, n, pp + r * T * G * H + j0, h0p + r * H + j0,
                                     kp ? kp + r * T : nullptr, hp + r * T * H + j0);
    });
  });
  return h;
}

template <typename Cell>
static Tensors<2> gates_backward(const Tensor& dy, const Tensor& p, const Tensor& h,
                                          const Tensor& h0, const OptTensor& keep) {
  const int64_t B = p.size(0), T = p.size(1), H = h0.size(1), G = Cell::G;
  Tensor dp = workspace(p.sizes(), p.options()), dh0 = at::empty_like(h0);
  const bool* kp = keep_ptr(keep);
  AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "min_rnn_backward", [&] {
    const scalar_t *dyp = dy.data_ptr<scalar_t>(), *pp = p.data_ptr<scalar_t>();
    const scalar_t *hp = h.data_ptr<scalar_t>(), *h0p = h0.data_ptr<scalar_t>();
    scalar_t *dpp = dp.data_ptr<scalar_t>(), *dh0p = dh0.data_ptr<scalar_t>();
    over_units(B, T, H, [&](int64_t r, int64_t, int64_t j0, int64_t n) {
      std::vector<scalar_t> carry(2 * n);                // g_{t+1} and a_{t+1} of this unit
      const int64_t o = r * T * H + j0;
      gates_bwd_unit<Cell, scalar_t>(T, H, n, dyp + o, pp + r * T * G * H + j0, hp + o,
                                     h0p + r * H + j0, kp ? kp + r * T : nullptr,
                                     dpp + r * T * G * H + j0, dh0p + r * H + j0, carry.data(),
                                     carry.data() + n);
    });
  });
  return std::make_tuple(dp, dh0);
}

template <typename Cell>
static Tensor input_forward(const Tensor& x, const Tensor& Wt, const Tensor& bias,
                            const Tensor& h0, const OptTensor& keep) {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2), H = h0.size(1);
  Tensor h = workspace({B, T, H}, x.options());
  const bool* kp = keep_ptr(keep);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "min_rnn_input_forward", [&] {
    const scalar_t *xp = x.data_ptr<scalar_t>(), *wp = Wt.data_ptr<scalar_t>();
    const scalar_t *bp = bias.data_ptr<scalar_t>(), *h0p = h0.data_ptr<scalar_t>();
    scalar_t* hp = h.data_ptr<scalar_t>();
    over_units(B, T, H, [&](int64_t r, int64_t, int64_t j0, int64_t n) {
      std::vector<scalar_t> pre(Cell::G * n + 16);
      input_fwd_unit<Cell, scalar_t>(T, H, n, D, xp + r * T * D, wp + j0, bp + j0,
                                     h0p + r * H + j0, kp ? kp + r * T : nullptr,
                                     hp + r * T * H + j0, align64(pre.data()));
    });
  });
  return h;
}

// Returns dx, dW^T (D, G*H), db (G*H), dh0: per-unit partial sums, added up here.
template <typename Cell>
static Tensors<4> input_backward(const Tensor& dy, const Tensor& x, const Tensor& Wt,
                                          const Tensor& bias, const Tensor& h,
                                          const Tensor& h0, const OptTensor& keep) {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2), H = h0.size(1), G = Cell::G;
  const Split split(B, H);
  Tensor dx_parts = at::empty({split.parts, B, T, D}, x.options());
  Tensor acc = at::empty({B, D + 1, G * H}, x.options()), dh0 = at::empty_like(h0);
  const bool* kp = keep_ptr(keep);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "min_rnn_input_backward", [&] {
    const scalar_t *dyp = dy.data_ptr<scalar_t>(), *xp = x.data_ptr<scalar_t>();
    const scalar_t *wp = Wt.data_ptr<scalar_t>(), *bp = bias.data_ptr<scalar_t>();
    const scalar_t *hp = h.data_ptr<scalar_t>(), *h0p = h0.data_ptr<scalar_t>();
    scalar_t *dxp = dx_parts.data_ptr<scalar_t>(), *accp = acc.data_ptr<scalar_t>();
    scalar_t* dh0p = dh0.data_ptr<scalar_t>();
    over_units(B, T, H, [&](int64_t r, int64_t part, int64_t j0, int64_t n) {
      const int64_t m = (n + 31) / 16 * 16;            // buffers 64-byte aligned, staggered
      std::vector<scalar_t> work((2 + 2 * G) * m + 16);  // g, a_next, p_t, dp_t
      scalar_t* w = align64(work.data());
      const int64_t o = r * T * H + j0;
      input_bwd_unit<Cell, scalar_t>(T, H, n, D, dyp + o, xp + r * T * D, wp + j0, bp + j0,
                                     hp + o, h0p + r * H + j0, kp ? kp + r * T : nullptr,
                                     dxp + (part * B + r) * T * D, accp + r * (D + 1) * G * H + j0,
                                     dh0p + r * H + j0, w, w + m, w + 2 * m, w + (2 + G) * m);
    });
  });
  return std::make_tuple(split.parts == 1 ? dx_parts[0] : dx_parts.sum(0),
                         acc.slice(1, 0, D).sum(0), acc.select(1, D).sum(0), dh0);
}


}  // namespace rnnkit

// Schemas: kernels/scan.py registers a fake (shape-only) implementation and the autograd
// formula of each forward op; backward ops are what those formulas call. Inputs contiguous,
// checked in Python; keep (B, T) bool marks the steps that count (None: all).
TORCH_LIBRARY_FRAGMENT(rnnkit, m) {
  m.def("scan_forward(Tensor a, Tensor b, Tensor h0) -> Tensor");
  m.def("scan_backward(Tensor dh, Tensor a, Tensor h, Tensor h0) -> (Tensor, Tensor, Tensor)");
  for (const char* kind : {"gru", "lstm"}) {
    const std::string k = std::string("min_") + kind;
    m.def((k + "_forward(Tensor p, Tensor h0, Tensor? keep) -> Tensor").c_str());
    m.def((k + "_backward(Tensor dh, Tensor p, Tensor h, Tensor h0, Tensor? keep) -> "
           "(Tensor, Tensor)").c_str());
    m.def((k + "_input_forward(Tensor x, Tensor Wt, Tensor bias, Tensor h0, Tensor? keep) "
           "-> Tensor").c_str());
    m.def((k + "_input_backward(Tensor dh, Tensor x, Tensor Wt, Tensor bias, Tensor h, "
           "Tensor h0, Tensor? keep) -> (Tensor, Tensor, Tensor, Tensor)").c_str());
  }
}

TORCH_LIBRARY_IMPL(rnnkit, CPU, m) {
  using namespace rnnkit;
  m.impl("scan_forward", scan_forward);
  m.impl("scan_backward", scan_backward);
  m.impl("min_gru_forward", gates_forward<MinGRUGates>);
  m.impl("min_gru_backward", gates_backward<MinGRUGates>);
  m.impl("min_lstm_forward", gates_forward<MinLSTMGates>);
  m.impl("min_lstm_backward", gates_backward<MinLSTMGates>);
  m.impl("min_gru_input_forward", input_forward<MinGRUGates>);
  m.impl("min_gru_input_backward", input_backward<MinGRUGates>);
  m.impl("min_lstm_input_forward", input_forward<MinLSTMGates>);
  m.impl("min_lstm_input_backward", input_backward<MinLSTMGates>);
}
