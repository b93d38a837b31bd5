"""Diagnostics: gradient flow through time (vanishing and exploding), and the adding problem.

    flow = gradient_flow(model, x, y)          # ∂loss/∂h_t per step, ∂loss/∂W per weight
    ratio_first_to_last(flow)                  # << 1 vanishing, >> 1 exploding
    plot_gradient_flow({"LSTM": flow}, "flow.png")

`rnnkit gradflow` trains SimpleRNN, LSTM and GRU on the adding problem and shows both.
"""
from .adding_problem import BASELINE_MSE, baseline_mse, make_adding_problem
from .gradient_flow import (GradientFlow, LayerFlow, draw_gradient_flow, gradient_flow,
                            plot_gradient_flow, ratio_first_to_last)

__all__ = ["gradient_flow", "GradientFlow", "LayerFlow", "ratio_first_to_last",
           "plot_gradient_flow", "draw_gradient_flow", "make_adding_problem", "baseline_mse",
           "BASELINE_MSE"]
