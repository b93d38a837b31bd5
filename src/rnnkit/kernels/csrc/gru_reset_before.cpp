// rnnkit's CPU kernel for GRU with reset_after=False (Cho et al.'s original, Keras's other
// mode): the reset gate acts on h_{t-1} before the recurrent product, so each step needs two
// products, the second on r ⊙ h_{t-1}. One bias, b_x. With h_in = h_{t-1} ⊙ m (recurrent
// dropout, steps.h):
//
//   r = σ(x W_xr^T + b_xr + h_in W_hr^T),  u = σ(x W_xu^T + b_xu + h_in W_hu^T)
//   n = tanh(x W_xn^T + b_xn + (r ⊙ h_in) W_hn^T),  h_t = (1 - u) n + u h_{t-1}
//
// Backward, with d = dL/dh_t:
//   dn = d (1 - u)(1 - n²),  du = d (h_{t-1} - n) u (1 - u),  d(rh) = dn W_hn,
//   dr = d(rh) ⊙ h_in ⊙ r (1 - r),  dh_{t-1} = d u + (d(rh) ⊙ r + [dr, du] W_h[r,u]) ⊙ m,
//   dW_h[r,u] = [dr, du]^T H_in,  dW_hn = dn^T (R ⊙ H_in)  (over all steps after the sweep).
#include "steps.h"

namespace rnnkit {

// r and u from the first product; rh = r ⊙ h_in, the input of the second.
template <typename T, int G>
CLONES static void gates_fwd(int64_t b0, int64_t b1, int64_t H, T* __restrict__ gx,
                             const T* __restrict__ ghrz, const T* __restrict__ bx,
                             const T* __restrict__ h_in, const bool* keep, T* __restrict__ rh) {
  for (int64_t b = b0; b < b1; ++b) {
    if (keep && !keep[b]) { std::fill(rh + b * H, rh + (b + 1) * H, T(0)); continue; }
    T* __restrict__ xb = gx + b * 3 * H;
    const T* __restrict__ hb = ghrz + b * 2 * H;
    for (int64_t j = 0; j < H; ++j) {
      T r = act<G>(xb[j] + bx[j] + hb[j]);
      xb[H + j] = act<G>(xb[H + j] + bx[H + j] + hb[H + j]);
      xb[j] = r;
      rh[b * H + j] = r * h_in[b * H + j];
    }
  }
}
// n from the second product, then h_t (padded rows carry h_{t-1} over).
template <typename T, int A>
CLONES static void state_fwd(int64_t b0, int64_t b1, int64_t H, T* __restrict__ gx,
                             const T* __restrict__ ghn, const T* __restrict__ bx,
                             const T* __restrict__ h_prev, const bool* keep, T* __restrict__ h) {
  for (int64_t b = b0; b < b1; ++b) {
    if (keep && !keep[b]) { std::memcpy(h + b * H, h_prev + b * H, H * sizeof(T)); continue; }
    T* __restrict__ xb = gx + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T n = act<A>(xb[2 * H + j] + bx[2 * H + j] + ghn[k]), u = xb[H + j];
      xb[2 * H + j] = n;
      h[k] = n + u * (h_prev[k] - n);
    }
  }
}

Tensors<6> gru_reset_before_forward(const Tensor& x, const Tensor& h0, const Tensor& W_x,
                                    const Tensor& W_h, const OptTensor& b_x,
                                    const OptTensor& rec_mask, const OptTensor& keep,
                                    int64_t activation, int64_t gate, bool return_sequences) {
  const int64_t B = x.size(0), T = x.size(1), H = h0.size(1), G = 3 * H;
  Tensor xt = time_major(x);
  Tensor gx = input_product(xt, W_x);  // (T, B, 3H); becomes the activations r, u, n
  Tensor hs = state_buffer(h0, T), rh = workspace({T, B, H}, x.options());
  Tensor ghrz = at::empty({B, 2 * H}, x.options()), ghn = at::empty({B, H}, x.options());
  Tensor hm = at::empty({B, H}, x.options()), bx = bias_or_zeros(b_x, G, x);
  RecMask m(rec_mask);
  Keep kp(keep);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_reset_before_forward", [&] {
    with_activations(activation, gate, [&](auto A_, auto G_) {
    constexpr int A = decltype(A_)::value, Gt = decltype(G_)::value;
    FlushDenormals ftz(false);
    StepProduct<scalar_t> step_rz(W_h.slice(0, 0, 2 * H).t(), B), step_n(W_h.slice(0, 2 * H).t(), B);
    scalar_t *gxp = gx.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    scalar_t *rhp = rh.data_ptr<scalar_t>(), *b = bx.data_ptr<scalar_t>();
    scalar_t *ghrzp = ghrz.data_ptr<scalar_t>(), *ghnp = ghn.data_ptr<scalar_t>();
    sweep_rows(B, T, W_h, step_rz.threads.parallel, [&](int64_t b0, int64_t b1, bool par) {
      for (int64_t t = 0; t < T; ++t) {
        scalar_t *gx_t = gxp + t * B * G, *h_prev = hp + t * B * H, *rh_t = rhp + t * B * H;
        const scalar_t* h_in =
            dropped(h_prev, m.ptr<scalar_t>(), hm.data_ptr<scalar_t>(), b0, b1, H);
        step_rz(h_in + b0 * H, H, 0, ghrzp + b0 * 2 * H, 2 * H, b1 - b0);  // h_in W_h[r,u]^T
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          gates_fwd<scalar_t, Gt>(c0, c1, H, gx_t, ghrzp, b, h_in, kp(t), rh_t);
        });
        step_n(rh_t + b0 * H, H, 0, ghnp + b0 * H, H, b1 - b0);  // (r ⊙ h_in) W_hn^T
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          state_fwd<scalar_t, A>(c0, c1, H, gx_t, ghnp, b, h_prev, kp(t), h_prev + B * H);
        });
      }
    });
    });
  });
  return std::make_tuple(outputs(hs, return_sequences), hs[T].clone(), xt, gx, hs, rh);
}

// dn, du into dgx; dh = d u, the direct path (padded rows: zeros, dh carried over).
template <typename T, int A, int G>
CLONES static void state_bwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ a,
                             const T* __restrict__ h_prev, const bool* keep, T* __restrict__ dh,
                             T* __restrict__ dgx) {
  for (int64_t b = b0; b < b1; ++b) {
    T* __restrict__ xb = dgx + b * 3 * H;
    if (keep && !keep[b]) { std::fill(xb, xb + 3 * H, T(0)); continue; }
    const T* __restrict__ ab = a + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T u = ab[H + j], n = ab[2 * H + j], d = dh[k];
      xb[2 * H + j] = d * (T(1) - u) * dact<A>(n);
      xb[H + j] = d * (h_prev[k] - n) * dact<G>(u);
      dh[k] = d * u;
    }
  }
}
// dr into dgx from d(rh); g = d(rh) ⊙ r, the part of dL/dh_in through r ⊙ h_in.
template <typename T, int G>
CLONES static void gates_bwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ a,
                             const T* __restrict__ drh, const T* __restrict__ h_in,
                             const bool* keep, T* __restrict__ dgx, T* __restrict__ g) {
  for (int64_t b = b0; b < b1; ++b) {
    if (keep && !keep[b]) { std::fill(g + b * H, g + (b + 1) * H, T(0)); continue; }
    const T* __restrict__ ab = a + b * 3 * H;
    T* __restrict__ xb = dgx + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T r = ab[j];
      xb[j] = drh[k] * h_in[k] * dact<G>(r);
      g[k] = drh[k] * r;
    }
  }
}

Tensors<5> gru_reset_before_backward(const OptTensor& dy, const OptTensor& dhT, const Tensor& xt,
                                     const Tensor& act, const Tensor& hs, const Tensor& rh,
                                     const Tensor& W_x, const Tensor& W_h,
                                     const OptTensor& rec_mask, const OptTensor& keep,
                                     int64_t activation, int64_t gate, int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), H = hs.size(2), G = 3 * H;
  FlushDenormals ftz(true);
  Tensor dgx = workspace({T, B, G}, xt.options()), dh = grad_buffer(dhT, hs[0]);
  Tensor drh = at::empty({B, H}, xt.options()), g = at::empty({B, H}, xt.options());
  Tensor hm = at::empty({B, H}, xt.options());
  Tensor dyc = dy.has_value() ? dy->contiguous() : Tensor();
  RecMask m(rec_mask);
  Keep kp(keep);
  AT_DISPATCH_FLOATING_TYPES(xt.scalar_type(), "gru_reset_before_backward", [&] {
    with_activations(activation, gate, [&](auto A_, auto G_) {
    constexpr int A = decltype(A_)::value, Gt = decltype(G_)::value;
    StepProduct<scalar_t> step_rz(W_h.slice(0, 0, 2 * H), B), step_n(W_h.slice(0, 2 * H), B);
    scalar_t *dhp = dh.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    const scalar_t* dyp = dyc.defined() ? dyc.data_ptr<scalar_t>() : nullptr;
    scalar_t *drhp = drh.data_ptr<scalar_t>(), *gp = g.data_ptr<scalar_t>();
    sweep_rows(B, T, W_h, step_rz.threads.parallel, [&](int64_t b0, int64_t b1, bool par) {
      const int64_t n = b1 - b0;
      for (int64_t t = T - 1; t >= 0; --t) {
        scalar_t* dgx_t = dgx.data_ptr<scalar_t>() + t * B * G;
        const scalar_t* a_t = act.data_ptr<scalar_t>() + t * B * G;
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          add_output_grad<scalar_t>(c0, c1, H, dyp ? dyp + t * H : nullptr, T * H, dhp);
          state_bwd<scalar_t, A, Gt>(c0, c1, H, a_t, hp + t * B * H, kp(t), dhp, dgx_t);
        });
        step_n(dgx_t + b0 * G + 2 * H, G, 0, drhp + b0 * H, H, n);  // d(rh) = dn W_hn
        const scalar_t* h_in =
            dropped(hp + t * B * H, m.ptr<scalar_t>(), hm.data_ptr<scalar_t>(), b0, b1, H);
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          gates_bwd<scalar_t, Gt>(c0, c1, H, a_t, drhp, h_in, kp(t), dgx_t, gp);
        });
        step_rz(dgx_t + b0 * G, G, 1, gp + b0 * H, H, n);  // g += [dr, du] W_h[r,u]
        recurrent_grad<scalar_t>(b0, b1, H, gp, m.ptr<scalar_t>(), kp(t), true, dhp);
      }
    });
    });
  });
  auto gr = sweep_grads(dgx, dgx, xt, hs, W_x, m, need & ~int64_t(DWH));
  Tensor dW_h = none_like(xt);
  if (need & DWH) {
    Tensor h_in = hs.slice(0, 0, T);
    h_in = (m.m.defined() ? h_in * m.m.unsqueeze(0) : h_in).reshape({T * B, H});
    Tensor d = dgx.view({T * B, G});
    dW_h = at::cat({at::mm(d.slice(1, 0, 2 * H).t(), h_in),
                    at::mm(d.slice(1, 2 * H).t(), rh.view({T * B, H}))}, 0);
  }
  return std::make_tuple(gr[0], dh, gr[1], dW_h, gr[3]);
}

}  // namespace rnnkit

TORCH_LIBRARY_FRAGMENT(rnnkit, m) {
  m.def("gru_reset_before_forward(Tensor x, Tensor h0, Tensor W_x, Tensor W_h, Tensor? b_x, "
        "Tensor? rec_mask, Tensor? keep, int activation, int gate, bool return_sequences) -> "
        "(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def("gru_reset_before_backward(Tensor? dy, Tensor? dh_T, Tensor xt, Tensor act, Tensor hs, "
        "Tensor rh, Tensor W_x, Tensor W_h, Tensor? rec_mask, Tensor? keep, int activation, "
        "int gate, int need) -> "
        "(Tensor, Tensor, Tensor, Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(rnnkit, CPU, m) {
  m.impl("gru_reset_before_forward", rnnkit::gru_reset_before_forward);
  m.impl("gru_reset_before_backward", rnnkit::gru_reset_before_backward);
}
