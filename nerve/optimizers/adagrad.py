"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

from .. import backend
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), Keras's form (epsilon inside the square root):

        a ← a + g²
        w ← w − lr·g / √(a + ε)

    The accumulator starts at ``initial_accumulator_value``.

    Args:
        learning_rate: float or schedule (default 0.001).
        initial_accumulator_value: the accumulators' starting value (default 0.1).
        epsilon: added inside the square root (default 1e-7).
        **kwargs: the base ``Optimizer``'s arguments.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value))

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.array_module(gradient)
        a = self._slot(self._accumulators, variable).data
        a += gradient * gradient
        denominator = a + self.epsilon
        xp.sqrt(denominator, out=denominator)
        denominator /= learning_rate
        variable.data -= gradient / denominator

    def get_config(self):
        return dict(super().get_config(), initial_accumulator_value=self.initial_accumulator_value,
                    epsilon=self.epsilon)
