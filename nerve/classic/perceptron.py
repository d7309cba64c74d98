"""Rosenblatt's perceptron: a linear threshold unit and its error-correcting learning rule.

    y_hat = fires(w . x + b)         fires(z) = 1 if z > 0 else 0   (above the threshold)
    w <- w + lr * (y - y_hat) * x    b <- b + lr * (y - y_hat)

The rule changes the weights only on a mistake. If the two classes can be separated
by a line (a hyperplane), it finds one in finitely many steps (Novikoff, 1962): it
learns AND, OR and NAND. XOR cannot be separated by any line (Minsky and Papert,
"Perceptrons", 1969), so the rule never settles; a hidden layer trained with
backpropagation solves it (examples/perceptron_xor.py shows both).
"""

import warnings

from .. import backend
from ..tensor import Tensor


class Perceptron:
    """A single-layer perceptron for two classes, labelled 0 and 1.

    Reference: F. Rosenblatt, "The perceptron: a probabilistic model for information
    storage and organization in the brain", Psychological Review 65(6), 1958.

    Args:
        n_inputs: the number of input features.
        learning_rate: lr in the update rule (positive). With zero initial weights the
            predictions do not depend on it; it scales the weights.

    Example:
        >>> import numpy as np
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
        >>> Perceptron(2).fit(X, [0, 0, 0, 1]).predict(X)
        array([0, 0, 0, 1])
    """

    def __init__(self, n_inputs, learning_rate=1.0):
        if not isinstance(n_inputs, int) or isinstance(n_inputs, bool) or n_inputs < 1:
            raise ValueError(f"Perceptron: n_inputs must be a positive integer, received {n_inputs!r}")
        if not learning_rate > 0:
            raise ValueError(f"Perceptron: learning_rate must be positive, received {learning_rate!r}")
        self.n_inputs = n_inputs
        self.learning_rate = float(learning_rate)
        self._w = backend.xp.zeros(n_inputs, dtype=backend.floatx())
        self._b = backend.xp.zeros((), dtype=backend.floatx())
        self.errors_ = []           # mistakes made in each epoch of the last fit

    @property
    def weights(self):
        """The weight vector w, a NumPy array of shape (n_inputs,)."""
        return backend.to_numpy(self._w).copy()

    @property
    def bias(self):
        """The bias b, a float."""
        return float(self._b)

    def decision_function(self, X):
        """w . x + b for each row of X: a NumPy array of shape (n_samples,)."""
        return backend.to_numpy(self._net(self._check_inputs(X)))

    def predict(self, X):
        """The predicted class (0 or 1) of each row of X: a NumPy int array of shape (n_samples,)."""
        return backend.to_numpy(_fires(self._net(self._check_inputs(X)))).astype("int64")

    def fit(self, X, y, epochs=100):
        """Apply the perceptron rule sample by sample, for up to ``epochs`` passes over the data.

        Stops after the first epoch without a mistake. When the final weights still misclassify
        some training sample, the classes were not separated: a RuntimeWarning says so, with the
        final training accuracy.

        Args:
            X: array (n_samples, n_inputs).
            y: array (n_samples,) of 0 and 1.
            epochs: the most passes over the data.

        Returns:
            self.
        """
        X = self._check_inputs(X)
        y = backend.xp.asarray(backend.to_numpy(y.data) if isinstance(y, Tensor) else y)
        if y.shape != (X.shape[0],) or not bool(((y == 0) | (y == 1)).all()):
            raise ValueError(
                f"Perceptron.fit: y must hold one label, 0 or 1, per sample: expected shape ({X.shape[0]},), "
                f"received shape {tuple(y.shape)} with values {backend.to_numpy(y).ravel()[:8].tolist()}"
            )
        y = y.astype(X.dtype)
        lr = X.dtype.type(self.learning_rate)
        self.errors_ = []
        for _ in range(int(epochs)):
            mistakes = 0
            for x_i, y_i in zip(X, y):      # the rule is sequential: each update sees the last
                y_hat = _fires(x_i @ self._w + self._b)
                error = y_i - y_hat
                if error:
                    self._w += lr * error * x_i
                    self._b += lr * error
                    mistakes += 1
            self.errors_.append(mistakes)
            if mistakes == 0:
                return self
        accuracy = float((self.predict(X) == backend.to_numpy(y)).mean())
        if accuracy == 1.0:         # the last epoch's updates fixed the last mistakes
            return self
        warnings.warn(
            f"Perceptron.fit: could not separate the classes in {int(epochs)} epochs (mistakes remain every "
            f"epoch: they may not be linearly separable, as XOR is not); final training accuracy {accuracy:.2f}",
            RuntimeWarning, stacklevel=2,
        )
        return self

    def _net(self, X):
        return X @ self._w + self._b

    def _check_inputs(self, X):
        X = X.data if isinstance(X, Tensor) else backend.xp.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(
                f"Perceptron: expected inputs of shape (n_samples, {self.n_inputs}), received {tuple(X.shape)}"
            )
        return X.astype(self._w.dtype, copy=False)

    def __repr__(self):
        return f"Perceptron(n_inputs={self.n_inputs}, learning_rate={self.learning_rate})"


def _fires(net):
    """1 where the weighted sum is above the threshold (net > 0), else 0: Rosenblatt's rule."""
    return (net > 0).astype(net.dtype)
