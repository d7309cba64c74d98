"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from .. import backend
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), as Keras and PyTorch write it:

        E[g²] ← ρ·E[g²] + (1 − ρ)·g²
        Δ = −√(E[Δ²] + ε) / √(E[g²] + ε) · g
        E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²
        w ← w + lr·Δ

    Args:
        learning_rate: float or schedule (default 0.001; the paper's rule is lr = 1.0).
        rho: decay of both averages (default 0.95).
        epsilon: default 1e-7.
        **kwargs: the base ``Optimizer``'s arguments.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.array_module(gradient)
        rho, eps = self.rho, self.epsilon
        acc_g = self._slot(self._accumulated_grads, variable).data
        acc_d = self._slot(self._accumulated_delta_vars, variable).data
        acc_g *= rho
        acc_g += (1.0 - rho) * (gradient * gradient)
        delta = xp.sqrt(acc_d + eps)
        delta /= xp.sqrt(acc_g + eps)
        delta *= gradient                  # −Δ
        acc_d *= rho
        acc_d += (1.0 - rho) * (delta * delta)
        delta *= learning_rate
        variable.data -= delta

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, epsilon=self.epsilon)
