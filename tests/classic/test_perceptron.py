"""The perceptron learns the linearly separable gates and says so when it cannot learn XOR."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import nerve
from nerve.classic import Perceptron

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0]}


@pytest.mark.parametrize("gate", sorted(GATES))
def test_learns_separable_gates_without_warning(gate):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = Perceptron(2).fit(X, GATES[gate], epochs=50)
    np.testing.assert_array_equal(p.predict(X), GATES[gate])
    assert p.errors_[-1] == 0 and len(p.errors_) < 50           # stopped early
    assert p.weights.shape == (2,) and isinstance(p.bias, float)
    scores = p.decision_function(X)
    np.testing.assert_array_equal(scores > 0, np.array(GATES[gate], bool))     # fires above the threshold


def test_xor_cannot_be_learned_and_fit_warns_with_the_accuracy():
    p = Perceptron(2)
    with pytest.warns(RuntimeWarning, match=r"accuracy 0\.\d\d") as record:
        assert p.fit(X, [0, 1, 1, 0], epochs=30) is p
    assert "separa" in str(record[0].message)
    assert (p.predict(X) == [0, 1, 1, 0]).mean() < 1
    assert len(p.errors_) == 30 and min(p.errors_) > 0


def test_update_rule_by_hand():
    p = Perceptron(2, learning_rate=0.5)
    p.fit(np.array([[1.0, 2.0]]), [1], epochs=1)     # net 0 does not fire: a mistake, so w += 0.5 x, b += 0.5
    np.testing.assert_allclose(p.weights, [0.5, 1.0])
    assert p.bias == 0.5
    q = Perceptron(2, learning_rate=0.5)
    q.fit(np.array([[1.0, 2.0]]), [0], epochs=1)     # ... and a 0 label at net 0 is no mistake
    np.testing.assert_allclose(q.weights, [0.0, 0.0])


def test_fires_only_above_the_threshold():
    p = Perceptron(3)
    np.testing.assert_array_equal(p.predict(np.zeros((2, 3))), [0, 0])     # net = 0: not above, no fire
    p.fit(np.eye(3), [1, 0, 0], epochs=10)
    np.testing.assert_array_equal(p.predict(np.eye(3)), [1, 0, 0])
    assert p.decision_function(np.eye(3))[0] > 0


@pytest.mark.parametrize("bad", [
    lambda: Perceptron(0),
    lambda: Perceptron(2, learning_rate=0),
    lambda: Perceptron(2).fit(np.zeros((4, 3)), [0, 1, 0, 1]),
    lambda: Perceptron(2).fit(X, [0, 1, 2, 1]),
    lambda: Perceptron(2).fit(X, [0, 1]),
])
def test_bad_arguments(bad):
    with pytest.raises(ValueError, match="Perceptron"):
        bad()


def test_example_shows_the_mlp_solving_xor():
    root = nerve.__file__.rsplit("/nerve/", 1)[0]
    done = subprocess.run([sys.executable, f"{root}/examples/perceptron_xor.py"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "MLP (backprop) XOR: [0 1 1 0]" in done.stdout
