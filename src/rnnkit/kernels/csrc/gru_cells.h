// GRU's gate loops (reset after, PyTorch's and Keras's default), shared by the float32 and
// float64 kernel (rnn.cpp) and the mixed bfloat16 one (gru_bf16.cpp): the gates and the
// state are computed in the state's type either way.
#pragma once

#include "steps.h"

namespace rnnkit {

// ---- GRU (reset after): gates r, z (here u), n; h_in = h_{t-1} ⊙ m -------------------------
//   r = σ(x W_xr^T + b_xr + h_in W_hr^T + b_hr), u likewise,
//   n = tanh(x W_xn^T + b_xn + r (h_in W_hn^T + b_hn)),  h_t = (1 - u) n + u h_{t-1}
template <typename T, int A, int G>
CLONES static void gru_cell_fwd(int64_t b0, int64_t b1, int64_t H, T* __restrict__ gx,
                                const T* __restrict__ gh, const T* __restrict__ bx,
                                const T* __restrict__ bh, const T* __restrict__ h_prev,
                                const bool* keep, T* __restrict__ h, T* __restrict__ hn) {
  for (int64_t b = b0; b < b1; ++b) {
    if (keep && !keep[b]) { carry(h_prev + b * H, h + b * H, H); continue; }
    T* __restrict__ xb = gx + b * 3 * H;  // pre-activations in, activations r, u, n out
    const T* __restrict__ hb = gh + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T r = act<G>(xb[j] + bx[j] + hb[j] + bh[j]);
      T u = act<G>(xb[H + j] + bx[H + j] + hb[H + j] + bh[H + j]);
      T hn_k = hb[2 * H + j] + bh[2 * H + j];  // h W_hn^T + b_hn, kept for backward
      T n = act<A>(xb[2 * H + j] + bx[2 * H + j] + r * hn_k);
      xb[j] = r; xb[H + j] = u; xb[2 * H + j] = n;
      hn[k] = hn_k;
      h[k] = n + u * (h_prev[k] - n);
    }
  }
}
template <typename T, int A, int G>
CLONES static void gru_cell_bwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ a,
                                const T* __restrict__ hn, const T* __restrict__ h_prev,
                                const bool* keep, T* __restrict__ dh, T* __restrict__ dgx,
                                T* __restrict__ dgh) {
  for (int64_t b = b0; b < b1; ++b) {
    T *__restrict__ xb = dgx + b * 3 * H, *__restrict__ hb = dgh + b * 3 * H;
    if (keep && !keep[b]) {  // dh carries over
      std::fill(xb, xb + 3 * H, T(0));
      std::fill(hb, hb + 3 * H, T(0));
      continue;
    }
    const T* __restrict__ ab = a + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T r = ab[j], u = ab[H + j], n = ab[2 * H + j], d = dh[k];
      T dn = d * (T(1) - u) * dact<A>(n);             // h = (1 - u) n + u h_prev
      T du = d * (h_prev[k] - n) * dact<G>(u);
      T dr = dn * hn[k] * dact<G>(r);                  // n = tanh(x_n + r hn)
      xb[j] = dr; xb[H + j] = du; xb[2 * H + j] = dn;
      hb[j] = dr; hb[H + j] = du; hb[2 * H + j] = dn * r;
      dh[k] = d * u;                                   // direct path into h_{t-1}
    }
  }
}

}  // namespace rnnkit
