"""The perceptron learns AND, OR and NAND but not XOR; one hidden layer and backprop solve XOR.

Run: python examples/perceptron_xor.py

1. Rosenblatt's perceptron (nerve.classic.Perceptron) on the four two-input logic gates:
   it separates AND, OR and NAND with a line, and warns that it could not separate XOR
   (no line puts (0,1) and (1,0) on one side and (0,0) and (1,1) on the other).
2. A 2-8-1 multilayer perceptron written with nerve ops (tanh hidden layer, sigmoid
   output, binary cross-entropy) and trained by gradient descent, the gradients coming
   from nerve's reverse-mode autodiff: it learns XOR.
"""

import warnings

import numpy as np

import nerve
from nerve import ops
from nerve.classic import Perceptron

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}


def perceptron_on_gates():
    for name, y in GATES.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p = Perceptron(2).fit(X, y, epochs=20)
        verdict = "learned" if (p.predict(X) == y).all() else "NOT learned"
        print(f"perceptron {name:<4}: predicts {p.predict(X)}  target {np.array(y)}  {verdict} "
              f"(w={p.weights}, b={p.bias:g}, epochs={len(p.errors_)})")
        for warning in caught:
            print(f"    warning: {warning.message}")


def mlp_on_xor(hidden=8, steps=2000, learning_rate=0.5, seed=0):
    """A 2-hidden-1 network trained on XOR by full-batch gradient descent; returns its predictions."""
    rng = np.random.default_rng(seed)
    w1 = nerve.Variable(rng.normal(0, 1, (2, hidden)).astype("float32"), name="w1")
    b1 = nerve.Variable(np.zeros(hidden, "float32"), name="b1")
    w2 = nerve.Variable(rng.normal(0, 1, (hidden, 1)).astype("float32"), name="w2")
    b2 = nerve.Variable(np.zeros(1, "float32"), name="b2")
    params = [w1, b1, w2, b2]
    x, y = nerve.Tensor(X), nerve.Tensor(np.array(GATES["XOR"], "float32")[:, None])

    def forward():
        h = ops.tanh(ops.matmul(x, w1) + b1)               # hidden layer
        return ops.sigmoid(ops.matmul(h, w2) + b2)         # P(class 1)

    for step in range(steps + 1):
        p = ops.clip(forward(), 1e-6, 1 - 1e-6)
        loss = -ops.mean(y * ops.log(p) + (1 - y) * ops.log(1 - p))     # binary cross-entropy
        grads = nerve.grad(loss, params)                                # backpropagation
        for param, g in zip(params, grads):
            param.assign_sub(g.data * learning_rate)
        if step % 500 == 0:
            print(f"MLP step {step:>4}: loss {float(loss):.4f}")
    with nerve.no_grad():
        return (forward().numpy()[:, 0] >= 0.5).astype("int64")


if __name__ == "__main__":
    perceptron_on_gates()
    predictions = mlp_on_xor()
    print(f"MLP (backprop) XOR: {predictions}  target {np.array(GATES['XOR'])}")
