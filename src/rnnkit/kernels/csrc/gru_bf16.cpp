// rnnkit's GRU kernel (reset after) under Keras's "mixed_bfloat16" policy: the matrix
// products in bfloat16, everything else in float32.
//
//   products  z_x = x W_x^T (all steps at once), z_h = h_in W_h^T (each step),
//             backward dh_in = dz_h W_h, dx = dZ_x W_x, dW_x = dZ_x^T X, dW_h = dZ_h^T H_in:
//             bfloat16 operands (8-bit mantissa), float32 accumulation by oneDNN (at::mm on
//             AVX-512 BF16 / AMX), results rounded to bfloat16 as torch.autocast's products
//   float32   the weights (the optimizer's copy), the state h_t carried from step to step,
//             the gates r, u, n and their gradients (gru_cells.h, the float32 kernel's loops),
//             the bias gradients
//
// On this project's CPU a bfloat16 product runs 3-5x faster than sgemm at the GRU's shapes,
// and the state never loses precision between steps (autocast's ATen GRU keeps h_t in
// bfloat16). Same equations, argument layout and saved tensors as gru_forward/gru_backward
// (rnn.cpp): x may be bfloat16 or float32 (then rounded to bfloat16 for the products);
// outputs, final state and dx come back in x's dtype, weight gradients in float32.
#include "gru_cells.h"

namespace rnnkit {

static Tensor bf16(const Tensor& t) { return t.to(at::kBFloat16).contiguous(); }

Tensors<6> gru_bf16_forward(const Tensor& x, const Tensor& h0, const Tensor& W_x,
                            const Tensor& W_h, const OptTensor& b_x, const OptTensor& b_h,
                            const OptTensor& rec_mask, const OptTensor& keep, int64_t activation,
                            int64_t gate, bool return_sequences) {
  TORCH_CHECK(W_x.scalar_type() == at::kFloat && W_h.scalar_type() == at::kFloat,
              "gru_bf16_forward keeps float32 weights (the optimizer's), got ", W_x.scalar_type());
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2), H = h0.size(1), G = 3 * H;
  const auto f32 = x.options().dtype(at::kFloat);
  Tensor xt = bf16(x.transpose(0, 1));                                 // (T, B, D) bfloat16
  Tensor gx = at::mm(xt.view({T * B, D}), bf16(W_x).t()).to(at::kFloat).view({T, B, G});
  Tensor hs = workspace({T + 1, B, H}, f32), hn = workspace({T, B, H}, f32);
  hs[0].copy_(h0);
  Tensor WhT = bf16(W_h.t());                                          // (H, 3H) bfloat16
  Tensor h_b = at::empty({B, H}, xt.options()), gh_b = at::empty({B, G}, xt.options());
  Tensor gh = at::empty({B, G}, f32), hm = at::empty({B, H}, f32);
  Tensor bx = bias_or_zeros(b_x, G, hs), bh = bias_or_zeros(b_h, G, hs);
  RecMask m(rec_mask.has_value() ? OptTensor(rec_mask->to(at::kFloat)) : rec_mask);
  Keep kp(keep);
  with_activations(activation, gate, [&](auto A_, auto G_) {
    constexpr int A = decltype(A_)::value, Gt = decltype(G_)::value;
    FlushDenormals ftz(false);
    float *gxp = gx.data_ptr<float>(), *hp = hs.data_ptr<float>();
    sweep_rows(B, T, WhT, false, [&](int64_t b0, int64_t b1, bool) {
      const int64_t n = b1 - b0;
      Tensor h_bb = h_b.narrow(0, b0, n), gh_bb = gh_b.narrow(0, b0, n), ghb = gh.narrow(0, b0, n);
      for (int64_t t = 0; t < T; ++t) {
        const float* h_in =
            dropped(hp + t * B * H, m.ptr<float>(), hm.data_ptr<float>(), b0, b1, H);
        h_bb.copy_(at::from_blob((void*)(h_in + b0 * H), {n, H}, f32));
        at::mm_out(gh_bb, h_bb, WhT);                   // gh = (h_{t-1} ⊙ m) W_h^T, bfloat16
        ghb.copy_(gh_bb);
        gru_cell_fwd<float, A, Gt>(b0, b1, H, gxp + t * B * G, gh.data_ptr<float>(),
                                   bx.data_ptr<float>(), bh.data_ptr<float>(), hp + t * B * H,
                                   kp(t), hp + (t + 1) * B * H, hn.data_ptr<float>() + t * B * H);
      }
    });
  });
  // copies, never views of hs: outputs must not alias the tensors saved for backward
  Tensor y = return_sequences ? at::empty({B, T, H}, x.options()) : none_like(x);
  if (return_sequences) y.copy_(hs.slice(0, 1).transpose(0, 1));
  return std::make_tuple(y, hs[T].to(h0.scalar_type(), false, true), xt, gx, hs, hn);
}

Tensors<6> gru_bf16_backward(const OptTensor& dy, const OptTensor& dhT, const Tensor& xt,
                             const Tensor& a, const Tensor& hs, const Tensor& hn,
                             const Tensor& W_x, const Tensor& W_h, const OptTensor& rec_mask,
                             const OptTensor& keep, int64_t activation, int64_t gate,
                             int64_t need) {
  const int64_t T = xt.size(0), B = xt.size(1), D = xt.size(2), H = hs.size(2), G = 3 * H;
  const auto f32 = hs.options();
  FlushDenormals ftz(true);
  Tensor dgx = workspace({T, B, G}, f32), dgh = workspace({T, B, G}, f32);
  Tensor dh = dhT.has_value() ? dhT->to(at::kFloat).contiguous().clone() : at::zeros({B, H}, f32);
  Tensor dyc = dy.has_value() ? dy->to(at::kFloat).contiguous() : Tensor();
  Tensor Wh_b = bf16(W_h);                                             // (3H, H)
  Tensor dgh_b = at::empty({B, G}, xt.options()), g_b = at::empty({B, H}, xt.options());
  Tensor g = at::empty({B, H}, f32);
  RecMask m(rec_mask.has_value() ? OptTensor(rec_mask->to(at::kFloat)) : rec_mask);
  Keep kp(keep);
  with_activations(activation, gate, [&](auto A_, auto G_) {
    constexpr int A = decltype(A_)::value, Gt = decltype(G_)::value;
    float *dhp = dh.data_ptr<float>(), *hp = hs.data_ptr<float>();
    const float* dyp = dyc.defined() ? dyc.data_ptr<float>() : nullptr;
    sweep_rows(B, T, Wh_b, false, [&](int64_t b0, int64_t b1, bool) {
      const int64_t n = b1 - b0;
      Tensor dgh_bb = dgh_b.narrow(0, b0, n), g_bb = g_b.narrow(0, b0, n), gb = g.narrow(0, b0, n);
      for (int64_t t = T - 1; t >= 0; --t) {
        float* dgh_t = dgh.data_ptr<float>() + t * B * G;
        add_output_grad<float>(b0, b1, H, dyp ? dyp + t * H : nullptr, T * H, dhp);
        gru_cell_bwd<float, A, Gt>(b0, b1, H, a.data_ptr<float>() + t * B * G,
                                   hn.data_ptr<float>() + t * B * H, hp + t * B * H, kp(t), dhp,
                                   dgx.data_ptr<float>() + t * B * G, dgh_t);   // dh = u dh_t
        dgh_bb.copy_(at::from_blob(dgh_t + b0 * G, {n, G}, f32));
        at::mm_out(g_bb, dgh_bb, Wh_b);                 // g = dgh_t W_h, bfloat16
        gb.copy_(g_bb);
        recurrent_grad<float>(b0, b1, H, g.data_ptr<float>(), m.ptr<float>(), kp(t), true, dhp);
      }
    });
  });
  // over all T * B rows, as sweep_grads (steps.h), with bfloat16 operands
  Tensor gx_b = bf16(dgx.view({T * B, G})), gh_b = bf16(dgh.view({T * B, G}));
  Tensor none = none_like(hs), dx = none, dW_x = none, dW_h = none;
  if (need & DX) dx = at::mm(gx_b, bf16(W_x)).view({T, B, D}).transpose(0, 1);
  if (need & DWX) dW_x = at::mm(xt.view({T * B, D}).t(), gx_b).t().to(at::kFloat);
  if (need & DWH) {
    Tensor h_in = hs.slice(0, 0, T);
    h_in = m.m.defined() ? h_in * m.m.unsqueeze(0) : h_in;
    dW_h = at::mm(bf16(h_in).view({T * B, H}).t(), gh_b).t().to(at::kFloat);
  }
  return std::make_tuple(dx, dh, dW_x, dW_h, (need & DBX) ? dgx.view({T * B, G}).sum(0) : none,
                         (need & DBH) ? dgh.view({T * B, G}).sum(0) : none);
}

}  // namespace rnnkit

TORCH_LIBRARY_FRAGMENT(rnnkit, m) {
  m.def("gru_bf16_forward(Tensor x, Tensor h0, Tensor W_x, Tensor W_h, Tensor? b_x, "
        "Tensor? b_h, Tensor? rec_mask, Tensor? keep, int activation, int gate, "
        "bool return_sequences) -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def("gru_bf16_backward(Tensor? dy, Tensor? dh_T, Tensor xt, Tensor act, Tensor hs, "
        "Tensor hn, Tensor W_x, Tensor W_h, Tensor? rec_mask, Tensor? keep, int activation, "
        "int gate, int need) -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(rnnkit, CPU, m) {
  m.impl("gru_bf16_forward", rnnkit::gru_bf16_forward);
  m.impl("gru_bf16_backward", rnnkit::gru_bf16_backward);
}
