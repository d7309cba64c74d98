"""SGD: gradient descent with optional (Nesterov) momentum, as Keras writes it."""

from .optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent.

    Without momentum: w ← w − lr·g. With momentum (Keras's form, velocity carries −lr):

        m ← momentum·m − lr·g
        w ← w + m                           (plain)
        w ← w + momentum·m − lr·g           (nesterov)

    For a constant lr this gives the same iterates as PyTorch's ``b ← μb + g; w ← w − lr·b``.

    Args:
        learning_rate: float or schedule (default 0.01).
        momentum: in [0, 1] (default 0.0).
        nesterov: use Nesterov momentum.
        **kwargs: the base ``Optimizer``'s arguments (weight_decay, clipnorm, ...).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: `momentum` must be a float between [0, 1]. Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.momentums = self.add_optimizer_variables(var_list, "momentum") if self.momentum != 0 else []

    def update_step(self, gradient, variable, learning_rate):
        w = variable.data
        if self.momentum == 0:
            w -= learning_rate * gradient
            return
        m = self._slot(self.momentums, variable).data
        step = learning_rate * gradient
        m *= self.momentum
        m -= step
        if self.nesterov:
            w += self.momentum * m
            w -= step
        else:
            w += m

    def get_config(self):
        return dict(super().get_config(), momentum=self.momentum, nesterov=self.nesterov)
