"""Nadam: Adam with Nesterov momentum, Keras's momentum-cache formula."""

from .. import backend
from .optimizer import Optimizer


class Nadam(Optimizer):
    """Nadam (Dozat, 2016), as Keras writes it, with t = iterations + 1:

        μₜ = β₁·(1 − ½·0.96ᵗ),   μₜ₊₁ = β₁·(1 − ½·0.96ᵗ⁺¹),   Πₜ = μ₁·…·μₜ (kept as state)
        m ← m + (g − m)·(1 − β₁);   v ← v + (g² − v)·(1 − β₂)
        m̂ = μₜ₊₁·m / (1 − Πₜ·μₜ₊₁) + (1 − μₜ)·g / (1 − Πₜ)
        v̂ = v / (1 − β₂ᵗ)
        w ← w − lr·m̂ / (√v̂ + ε)

    PyTorch's NAdam uses another momentum schedule (its ``momentum_decay``), so its
    iterates differ from these.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: default 0.9.  beta_2: default 0.999.  epsilon: default 1e-7.
        **kwargs: the base ``Optimizer``'s arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="nadam",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        dtype = var_list[0].dtype if var_list else backend.floatx()
        self._u_product = self.add_variable((), name="u_product", initializer=1.0, dtype=dtype)

    def _u(self, t):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** t)

    def _update_step_all(self, grads, variables, learning_rate):
        self._u_product.data *= self._u(self._updates_applied() + 1)
        super()._update_step_all(grads, variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.array_module(gradient)
        t = self._updates_applied() + 1
        u_t, u_next = self._u(t), self._u(t + 1)
        u_product = float(self._u_product.data)
        m = self._slot(self._momentums, variable).data
        v = self._slot(self._velocities, variable).data
        m += (gradient - m) * (1.0 - self.beta_1)
        v += (gradient * gradient - v) * (1.0 - self.beta_2)
        m_hat = m * (u_next / (1.0 - u_product * u_next))
        m_hat += gradient * ((1.0 - u_t) / (1.0 - u_product))
        denominator = v * (1.0 / (1.0 - self.beta_2 ** t))
        xp.sqrt(denominator, out=denominator)
        denominator += self.epsilon
        m_hat *= learning_rate
        m_hat /= denominator
        variable.data -= m_hat

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
