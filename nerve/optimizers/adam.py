"""Adam and AdamW: adaptive moment estimation, Keras's form of the bias correction."""

import math

from .. import backend
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as Keras writes it (ε added to √v, the "epsilon hat" form):

        m ← m + (g − m)·(1 − β₁)
        v ← v + (g² − v)·(1 − β₂)
        α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ),   t = iterations + 1
        w ← w − α·m / (√v + ε)

    With ``amsgrad``, v̂ ← max(v̂, v) replaces v in the last line. PyTorch adds ε to the
    bias-corrected √v̂ instead: the two agree up to ε's scaling.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: decay of the first moment (default 0.9).
        beta_2: decay of the second moment (default 0.999).
        epsilon: default 1e-7.
        amsgrad: use the AMSGrad variant.
        **kwargs: the base ``Optimizer``'s arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.array_module(gradient)
        t = self._updates_applied() + 1
        alpha = learning_rate * math.sqrt(1.0 - self.beta_2 ** t) / (1.0 - self.beta_1 ** t)
        m = self._slot(self._momentums, variable).data
        v = self._slot(self._velocities, variable).data
        m += (gradient - m) * (1.0 - self.beta_1)
        v += (gradient * gradient - v) * (1.0 - self.beta_2)
        if self.amsgrad:
            v_hat = self._slot(self._velocity_hats, variable).data
            xp.maximum(v_hat, v, out=v_hat)
            v = v_hat
        denominator = xp.sqrt(v)
        denominator += self.epsilon
        step = m * alpha
        step /= denominator
        variable.data -= step

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                    amsgrad=self.amsgrad)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam step: w ← w − lr·weight_decay·w (the base optimizer's decay).

    Args:
        learning_rate: float or schedule (default 0.001).
        weight_decay: the decay coefficient (default 0.004).
        beta_1, beta_2, epsilon, amsgrad: as ``Adam``.
        **kwargs: the base ``Optimizer``'s arguments.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adamw", **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, name=name, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float. Received: weight_decay=None")
