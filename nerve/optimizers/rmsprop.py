"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from .. import backend
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012), Keras's form (epsilon inside the square root):

        v ← ρ·v + (1 − ρ)·g²
        centered:  ḡ ← ρ·ḡ + (1 − ρ)·g;   d = v − ḡ² + ε,   otherwise d = v + ε
        Δ = lr·g / √d
        momentum > 0:  m ← momentum·m + Δ;  w ← w − m,   otherwise w ← w − Δ

    Args:
        learning_rate: float or schedule (default 0.001).
        rho: decay of the squared-gradient average (default 0.9).
        momentum: default 0.0.
        epsilon: default 1e-7.
        centered: normalise by the estimated variance instead of the second moment.
        **kwargs: the base ``Optimizer``'s arguments.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = self.add_optimizer_variables(var_list, "momentum") if self.momentum > 0 else []
        self._average_gradients = (
            self.add_optimizer_variables(var_list, "average_gradient") if self.centered else [])

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.array_module(gradient)
        rho = self.rho
        v = self._slot(self._velocities, variable).data
        v *= rho
        v += (1.0 - rho) * (gradient * gradient)
        if self.centered:
            g_avg = self._slot(self._average_gradients, variable).data
            g_avg *= rho
            g_avg += (1.0 - rho) * gradient
            denominator = v - g_avg * g_avg
            denominator += self.epsilon
        else:
            denominator = v + self.epsilon
        xp.sqrt(denominator, out=denominator)
        increment = gradient / denominator
        increment *= learning_rate
        if self.momentum > 0:
            m = self._slot(self._momentums, variable).data
            m *= self.momentum
            m += increment
            variable.data -= m
        else:
            variable.data -= increment

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                    centered=self.centered)
