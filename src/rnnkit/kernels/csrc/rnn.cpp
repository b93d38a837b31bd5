// rnnkit's CPU kernels for SimpleRNN, LSTM and GRU: the whole time loop of a layer, forward
// and backward, in C++ (rnnkit/kernels/rnn.py registers them as torch ops with autograd).
//
// The input product for all steps is one matrix product, each step one BLAS call for the
// recurrent product, and the gate non-linearities one loop the compiler vectorizes. Backward
// stores the gate gradients of every step and gets the weight gradients as single products
// over all (T * B) rows after the sweep. Every op takes the two optional masks of steps.h:
// rec_mask (B, H), Keras's recurrent dropout, and keep (B, T), the padding mask.
//
// Internally time-major: z (T, B, G) with G = H, 4H or 3H; hs (T + 1, B, H) with hs[0] = h0.
#include "gru_cells.h"
#include "steps.h"

namespace rnnkit {

// ---- SimpleRNN: h_t = tanh(z_t + b_h), z_t = x_t W_xh^T + (h_{t-1} ⊙ m) W_hh^T -------------
template <typename T, int A>
CLONES static void rnn_cell_fwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ z,
                                const T* __restrict__ bias, const T* __restrict__ h_prev,
                                const bool* keep, T* __restrict__ h) {
  for (int64_t b = b0; b < b1; ++b) {
    if (keep && !keep[b]) { carry(h_prev + b * H, h + b * H, H); continue; }
    for (int64_t j = 0; j < H; ++j) h[b * H + j] = act<A>(z[b * H + j] + bias[j]);
  }
}
template <typename T, int A>
CLONES static void rnn_cell_bwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ h,
                                const T* __restrict__ dh, const bool* keep, T* __restrict__ dz) {
  for (int64_t b = b0; b < b1; ++b) {
    if (keep && !keep[b]) { std::fill(dz + b * H, dz + (b + 1) * H, T(0)); continue; }
    for (int64_t i = b * H; i < (b + 1) * H; ++i) dz[i] = dh[i] * dact<A>(h[i]);
  }
}

Tensors<4> rnn_forward(const Tensor& x, const Tensor& h0, const Tensor& W_x, const Tensor& W_h,
                       const OptTensor& b, const OptTensor& rec_mask, const OptTensor& keep,
                       int64_t activation, bool return_sequences) {
  const int64_t B = x.size(0), T = x.size(1), H = h0.size(1);
  Tensor xt = time_major(x);           // (T, B, D)
  Tensor z = input_product(xt, W_x);   // (T, B, H)
  Tensor hs = state_buffer(h0, T), bias = bias_or_zeros(b, H, x), hm = at::empty({B, H}, x.options());
  RecMask m(rec_mask);
  Keep kp(keep);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rnn_forward", [&] {
    with_activations(activation, SIGMOID, [&](auto A_, auto) {
    constexpr int A = decltype(A_)::value;
    FlushDenormals ftz(false);
    StepProduct<scalar_t> step(W_h.t(), B);
    scalar_t *zp = z.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    sweep_rows(B, T, W_h, step.threads.parallel, [&](int64_t b0, int64_t b1, bool par) {
      for (int64_t t = 0; t < T; ++t) {
        scalar_t *z_t = zp + t * B * H, *h_t = hp + (t + 1) * B * H;
        const scalar_t* h_in =
            dropped(h_t - B * H, m.ptr<scalar_t>(), hm.data_ptr<scalar_t>(), b0, b1, H);
        step(h_in + b0 * H, H, 1, z_t + b0 * H, H, b1 - b0);  // z_t += (h_{t-1} ⊙ m) W_hh^T
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          rnn_cell_fwd<scalar_t, A>(c0, c1, H, z_t, bias.data_ptr<scalar_t>(), h_t - B * H, kp(t),
                                    h_t);
        });
      }
    });
    });
  });
  return std::make_tuple(outputs(hs, return_sequences), hs[T].clone(), xt, hs);
}

Tensors<5> rnn_backward(const OptTensor& dy, const OptTensor& dhT, const Tensor& xt,
                        const Tensor& hs, const Tensor& W_x, const Tensor& W_h,
                        const OptTensor& rec_mask, const OptTensor& keep, int64_t activation,
                        int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), H = hs.size(2);
  FlushDenormals ftz(true);
  Tensor dz = workspace({T, B, H}, xt.options()), dh = grad_buffer(dhT, hs[0]);
  Tensor dyc = dy.has_value() ? dy->contiguous() : Tensor(), g = at::empty({B, H}, xt.options());
  RecMask m(rec_mask);
  Keep kp(keep);
  AT_DISPATCH_FLOATING_TYPES(xt.scalar_type(), "rnn_backward", [&] {
    with_activations(activation, SIGMOID, [&](auto A_, auto) {
    constexpr int A = decltype(A_)::value;
    StepProduct<scalar_t> step(W_h, B);
    scalar_t *dzp = dz.data_ptr<scalar_t>(), *dhp = dh.data_ptr<scalar_t>();
    const scalar_t* dyp = dyc.defined() ? dyc.data_ptr<scalar_t>() : nullptr;
    sweep_rows(B, T, W_h, step.threads.parallel, [&](int64_t b0, int64_t b1, bool par) {
      for (int64_t t = T - 1; t >= 0; --t) {
        scalar_t* dz_t = dzp + t * B * H;
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          add_output_grad<scalar_t>(c0, c1, H, dyp ? dyp + t * H : nullptr, T * H, dhp);
          rnn_cell_bwd<scalar_t, A>(c0, c1, H, hs.data_ptr<scalar_t>() + (t + 1) * B * H, dhp,
                                    kp(t), dz_t);
        });
        if (!m.m.defined() && !kp.any()) {  // dh_{t-1} = dz_t W_hh: the "through time" in BPTT
          step(dz_t + b0 * H, H, 0, dhp + b0 * H, H, b1 - b0);
        } else {
          step(dz_t + b0 * H, H, 0, g.data_ptr<scalar_t>() + b0 * H, H, b1 - b0);
          recurrent_grad<scalar_t>(b0, b1, H, g.data_ptr<scalar_t>(), m.ptr<scalar_t>(), kp(t),
                                   false, dhp);
        }
      }
    });
    });
  });
  auto gr = sweep_grads(dz, dz, xt, hs, W_x, m, need);
  return std::make_tuple(gr[0], dh, gr[1], gr[2], gr[3]);
}

// ---- LSTM: z = x_t W_x^T + (h_{t-1} ⊙ m) W_h^T + b, gates i, f, g, o ------------------------
//   c_t = σ(f) c_{t-1} + σ(i) tanh(g),  h_t = σ(o) tanh(c_t)
template <typename T, int A, int G>
CLONES static void lstm_cell_fwd(int64_t b0, int64_t b1, int64_t H, T* __restrict__ z,
                                 const T* __restrict__ bias, const T* __restrict__ h_prev,
                                 const T* __restrict__ c_prev, const bool* keep,
                                 T* __restrict__ c, T* __restrict__ tc, T* __restrict__ h) {
  for (int64_t b = b0; b < b1; ++b) {
    if (keep && !keep[b]) {
      carry(h_prev + b * H, h + b * H, H);
      carry(c_prev + b * H, c + b * H, H);
      continue;
    }
    T* __restrict__ zb = z + b * 4 * H;  // pre-activations in, activations out
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T i = act<G>(zb[j] + bias[j]), f = act<G>(zb[H + j] + bias[H + j]);
      T g = act<A>(zb[2 * H + j] + bias[2 * H + j]), o = act<G>(zb[3 * H + j] + bias[3 * H + j]);
      zb[j] = i; zb[H + j] = f; zb[2 * H + j] = g; zb[3 * H + j] = o;
      c[k] = f * c_prev[k] + i * g;
      tc[k] = act<A>(c[k]);
      h[k] = o * tc[k];
    }
  }
}
template <typename T, int A, int G>
CLONES static void lstm_cell_bwd(int64_t b0, int64_t b1, int64_t H, const T* __restrict__ a,
                                 const T* __restrict__ c_prev, const T* __restrict__ tc,
                                 const T* __restrict__ dh, const bool* keep,
                                 T* __restrict__ dc, T* __restrict__ dz) {
  for (int64_t b = b0; b < b1; ++b) {
    T* __restrict__ dzb = dz + b * 4 * H;
    if (keep && !keep[b]) { std::fill(dzb, dzb + 4 * H, T(0)); continue; }  // dc carries over
    const T* __restrict__ ab = a + b * 4 * H;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T i = ab[j], f = ab[H + j], g = ab[2 * H + j], o = ab[3 * H + j], t = tc[k];
      T dc_k = dc[k] + dh[k] * o * dact<A>(t);             // h = o tanh(c)
      dzb[j] = dc_k * g * dact<G>(i);                      // c = f c_prev + i g
      dzb[H + j] = dc_k * c_prev[k] * dact<G>(f);
      dzb[2 * H + j] = dc_k * i * dact<A>(g);
      dzb[3 * H + j] = dh[k] * t * dact<G>(o);
      dc[k] = dc_k * f;                                    // flows into c_{t-1}
    }
  }
}

Tensors<8> lstm_forward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& W_x,
                        const Tensor& W_h, const OptTensor& b, const OptTensor& rec_mask,
                        const OptTensor& keep, int64_t activation, int64_t gate,
                        bool return_sequences) {
  const int64_t B = x.size(0), T = x.size(1), H = h0.size(1), G = 4 * H;
  Tensor xt = time_major(x);
  Tensor z = input_product(xt, W_x);  // (T, B, 4H); becomes the activations
  Tensor hs = state_buffer(h0, T), cs = state_buffer(c0, T), bias = bias_or_zeros(b, G, x);
  Tensor tcs = workspace({T, B, H}, x.options()), hm = at::empty({B, H}, x.options());
  RecMask m(rec_mask);
  Keep kp(keep);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lstm_forward", [&] {
    with_activations(activation, gate, [&](auto A_, auto G_) {
    constexpr int A = decltype(A_)::value, Gt = decltype(G_)::value;
    FlushDenormals ftz(false);
    StepProduct<scalar_t> step(W_h.t(), B);
    scalar_t *zp = z.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    scalar_t *cp = cs.data_ptr<scalar_t>(), *tp = tcs.data_ptr<scalar_t>();
    sweep_rows(B, T, W_h, step.threads.parallel, [&](int64_t b0, int64_t b1, bool par) {
      for (int64_t t = 0; t < T; ++t) {
        scalar_t* z_t = zp + t * B * G;
        const scalar_t* h_in =
            dropped(hp + t * B * H, m.ptr<scalar_t>(), hm.data_ptr<scalar_t>(), b0, b1, H);
        step(h_in + b0 * H, H, 1, z_t + b0 * G, G, b1 - b0);  // z_t += (h_{t-1} ⊙ m) W_h^T
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          lstm_cell_fwd<scalar_t, A, Gt>(c0, c1, H, z_t, bias.data_ptr<scalar_t>(), hp + t * B * H,
                                         cp + t * B * H, kp(t), cp + (t + 1) * B * H,
                                         tp + t * B * H, hp + (t + 1) * B * H);
        });
      }
    });
    });
  });
  return std::make_tuple(outputs(hs, return_sequences), hs[T].clone(), cs[T].clone(), xt, z, hs,
                         cs, tcs);
}

Tensors<6> lstm_backward(const OptTensor& dy, const OptTensor& dhT, const OptTensor& dcT,
                         const Tensor& xt, const Tensor& a, const Tensor& hs, const Tensor& cs,
                         const Tensor& tcs, const Tensor& W_x, const Tensor& W_h,
                         const OptTensor& rec_mask, const OptTensor& keep, int64_t activation,
                         int64_t gate, int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), H = hs.size(2), G = 4 * H;
  FlushDenormals ftz(true);
  Tensor dz = workspace({T, B, G}, xt.options());
  Tensor dh = grad_buffer(dhT, hs[0]), dc = grad_buffer(dcT, hs[0]);
  Tensor dyc = dy.has_value() ? dy->contiguous() : Tensor(), g = at::empty({B, H}, xt.options());
  RecMask m(rec_mask);
  Keep kp(keep);
  AT_DISPATCH_FLOATING_TYPES(xt.scalar_type(), "lstm_backward", [&] {
    with_activations(activation, gate, [&](auto A_, auto G_) {
    constexpr int A = decltype(A_)::value, Gt = decltype(G_)::value;
    StepProduct<scalar_t> step(W_h, B);
    scalar_t *dzp = dz.data_ptr<scalar_t>(), *dhp = dh.data_ptr<scalar_t>();
    const scalar_t* dyp = dyc.defined() ? dyc.data_ptr<scalar_t>() : nullptr;
    sweep_rows(B, T, W_h, step.threads.parallel, [&](int64_t b0, int64_t b1, bool par) {
      for (int64_t t = T - 1; t >= 0; --t) {
        scalar_t* dz_t = dzp + t * B * G;
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          add_output_grad<scalar_t>(c0, c1, H, dyp ? dyp + t * H : nullptr, T * H, dhp);
          lstm_cell_bwd<scalar_t, A, Gt>(c0, c1, H, a.data_ptr<scalar_t>() + t * B * G,
                                  cs.data_ptr<scalar_t>() + t * B * H,
                                  tcs.data_ptr<scalar_t>() + t * B * H, dhp, kp(t),
                                  dc.data_ptr<scalar_t>(), dz_t);
        });
        if (!m.m.defined() && !kp.any()) {  // dh_{t-1} = dz_t W_h
          step(dz_t + b0 * G, G, 0, dhp + b0 * H, H, b1 - b0);
        } else {
          step(dz_t + b0 * G, G, 0, g.data_ptr<scalar_t>() + b0 * H, H, b1 - b0);
          recurrent_grad<scalar_t>(b0, b1, H, g.data_ptr<scalar_t>(), m.ptr<scalar_t>(), kp(t),
                                   false, dhp);
        }
      }
    });
    });
  });
  auto gr = sweep_grads(dz, dz, xt, hs, W_x, m, need);
  return std::make_tuple(gr[0], dh, dc, gr[1], gr[2], gr[3]);
}

// ---- GRU (reset after): the gate loops are in gru_cells.h ---------------------------------
Tensors<6> gru_forward(const Tensor& x, const Tensor& h0, const Tensor& W_x, const Tensor& W_h,
                       const OptTensor& b_x, const OptTensor& b_h, const OptTensor& rec_mask,
                       const OptTensor& keep, int64_t activation, int64_t gate,
                       bool return_sequences) {
  const int64_t B = x.size(0), T = x.size(1), H = h0.size(1), G = 3 * H;
  Tensor xt = time_major(x);
  Tensor gx = input_product(xt, W_x);  // (T, B, 3H); becomes the activations r, u, n
  Tensor hs = state_buffer(h0, T), hn = workspace({T, B, H}, x.options());
  Tensor gh = at::empty({B, G}, x.options()), hm = at::empty({B, H}, x.options());
  Tensor bx = bias_or_zeros(b_x, G, x), bh = bias_or_zeros(b_h, G, x);
  RecMask m(rec_mask);
  Keep kp(keep);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_forward", [&] {
    with_activations(activation, gate, [&](auto A_, auto G_) {
    constexpr int A = decltype(A_)::value, Gt = decltype(G_)::value;
    FlushDenormals ftz(false);
    StepProduct<scalar_t> step(W_h.t(), B);
    scalar_t *gxp = gx.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    scalar_t* ghp = gh.data_ptr<scalar_t>();
    sweep_rows(B, T, W_h, step.threads.parallel, [&](int64_t b0, int64_t b1, bool par) {
      for (int64_t t = 0; t < T; ++t) {
        const scalar_t* h_in =
            dropped(hp + t * B * H, m.ptr<scalar_t>(), hm.data_ptr<scalar_t>(), b0, b1, H);
        step(h_in + b0 * H, H, 0, ghp + b0 * G, G, b1 - b0);  // gh = (h_{t-1} ⊙ m) W_h^T
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          gru_cell_fwd<scalar_t, A, Gt>(c0, c1, H, gxp + t * B * G, ghp, bx.data_ptr<scalar_t>(),
                                        bh.data_ptr<scalar_t>(), hp + t * B * H, kp(t),
                                        hp + (t + 1) * B * H, hn.data_ptr<scalar_t>() + t * B * H);
        });
      }
    });
    });
  });
  return std::make_tuple(outputs(hs, return_sequences), hs[T].clone(), xt, gx, hs, hn);
}

Tensors<6> gru_backward(const OptTensor& dy, const OptTensor& dhT, const Tensor& xt,
                        const Tensor& a, const Tensor& hs, const Tensor& hn, const Tensor& W_x,
                        const Tensor& W_h, const OptTensor& rec_mask, const OptTensor& keep,
                        int64_t activation, int64_t gate, int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), H = hs.size(2), G = 3 * H;
  FlushDenormals ftz(true);
  Tensor dgx = workspace({T, B, G}, xt.options()), dgh = workspace({T, B, G}, xt.options());
  Tensor dh = grad_buffer(dhT, hs[0]), g = at::empty({B, H}, xt.options());
  Tensor dyc = dy.has_value() ? dy->contiguous() : Tensor();
  RecMask m(rec_mask);
  Keep kp(keep);
  AT_DISPATCH_FLOATING_TYPES(xt.scalar_type(), "gru_backward", [&] {
    with_activations(activation, gate, [&](auto A_, auto G_) {
    constexpr int A = decltype(A_)::value, Gt = decltype(G_)::value;
    StepProduct<scalar_t> step(W_h, B);
    scalar_t *dhp = dh.data_ptr<scalar_t>(), *hp = hs.data_ptr<scalar_t>();
    const scalar_t* dyp = dyc.defined() ? dyc.data_ptr<scalar_t>() : nullptr;
    sweep_rows(B, T, W_h, step.threads.parallel, [&](int64_t b0, int64_t b1, bool par) {
      for (int64_t t = T - 1; t >= 0; --t) {
        scalar_t* dgh_t = dgh.data_ptr<scalar_t>() + t * B * G;
        rows(b0, b1, par, [&](int64_t c0, int64_t c1) {
          add_output_grad<scalar_t>(c0, c1, H, dyp ? dyp + t * H : nullptr, T * H, dhp);
          gru_cell_bwd<scalar_t, A, Gt>(c0, c1, H, a.data_ptr<scalar_t>() + t * B * G,
                                 hn.data_ptr<scalar_t>() + t * B * H, hp + t * B * H, kp(t), dhp,
                                 dgx.data_ptr<scalar_t>() + t * B * G, dgh_t);
        });
        if (!m.m.defined()) {  // dh_{t-1} = u dh_t + dgh_t W_h (padded rows: dgh_t = 0)
          step(dgh_t + b0 * G, G, 1, dhp + b0 * H, H, b1 - b0);
        } else {
          step(dgh_t + b0 * G, G, 0, g.data_ptr<scalar_t>() + b0 * H, H, b1 - b0);
          recurrent_grad<scalar_t>(b0, b1, H, g.data_ptr<scalar_t>(), m.ptr<scalar_t>(), kp(t),
                                   true, dhp);
        }
      }
    });
    });
  });
  auto gr = sweep_grads(dgx, dgh, xt, hs, W_x, m, need);
  return std::make_tuple(gr[0], dh, gr[1], gr[2], gr[3], gr[4]);
}

}  // namespace rnnkit

// Schemas: the Python side (kernels/rnn.py) registers a fake (shape-only) implementation and
// the autograd formula of each *_forward op; *_backward ops are what that formula calls.
// Forward ops also return what backward needs (time-major x, activations, states), and the
// outputs slot is empty with return_sequences=False. `need` is a bit mask of the gradients to
// compute (1 dx, 2 dW_x, 4 dW_h, 8 db or db_x, 16 db_h); the others come back empty.
TORCH_LIBRARY_FRAGMENT(rnnkit, m) {
  m.def("rnn_forward(Tensor x, Tensor h0, Tensor W_x, Tensor W_h, Tensor? b, Tensor? rec_mask, "
        "Tensor? keep, int activation, bool return_sequences) -> (Tensor, Tensor, Tensor, Tensor)");
  m.def("rnn_backward(Tensor? dy, Tensor? dh_T, Tensor xt, Tensor hs, Tensor W_x, Tensor W_h, "
        "Tensor? rec_mask, Tensor? keep, int activation, int need) -> (Tensor, Tensor, Tensor, "
        "Tensor, Tensor)");
  m.def("lstm_forward(Tensor x, Tensor h0, Tensor c0, Tensor W_x, Tensor W_h, Tensor? b, "
        "Tensor? rec_mask, Tensor? keep, int activation, int gate, bool return_sequences) -> "
        "(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def("lstm_backward(Tensor? dy, Tensor? dh_T, Tensor? dc_T, Tensor xt, Tensor act, "
        "Tensor hs, Tensor cs, Tensor tcs, Tensor W_x, Tensor W_h, Tensor? rec_mask, "
        "Tensor? keep, int activation, int gate, int need) -> (Tensor, Tensor, Tensor, Tensor, "
        "Tensor, Tensor)");
  m.def("gru_forward(Tensor x, Tensor h0, Tensor W_x, Tensor W_h, Tensor? b_x, Tensor? b_h, "
        "Tensor? rec_mask, Tensor? keep, int activation, int gate, bool return_sequences) -> "
        "(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def("gru_backward(Tensor? dy, Tensor? dh_T, Tensor xt, Tensor act, Tensor hs, Tensor hn, "
        "Tensor W_x, Tensor W_h, Tensor? rec_mask, Tensor? keep, int activation, int gate, "
        "int need) -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def("set_step_threads_min_flops", rnnkit::set_step_threads_min_flops);
  m.def("set_sweep_threads", rnnkit::set_sweep_threads);
  m.def("set_split", rnnkit::set_split);
  m.def("last_sweep_blocks", rnnkit::get_last_sweep_blocks);
  m.def("release_workspace", rnnkit::release_workspace);
}

TORCH_LIBRARY_IMPL(rnnkit, CPU, m) {
  m.impl("rnn_forward", rnnkit::rnn_forward);
  m.impl("rnn_backward", rnnkit::rnn_backward);
  m.impl("lstm_forward", rnnkit::lstm_forward);
  m.impl("lstm_backward", rnnkit::lstm_backward);
  m.impl("gru_forward", rnnkit::gru_forward);
  m.impl("gru_backward", rnnkit::gru_backward);
}
