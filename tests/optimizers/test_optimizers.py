"""Optimizers: Keras's update rules by hand, PyTorch's iterates, schedules, clipping, state."""

import math

import numpy as np
import pytest

import nerve
from nerve import optimizers
from nerve.optimizers import schedules

A = np.array([[2.0, 0.5, 0.0], [0.3, 1.5, -0.4], [0.0, -0.2, 1.0], [1.0, 0.0, 0.7]])
B = np.array([1.0, -2.0, 0.5, 3.0])
W0 = np.array([0.5, -1.0, 2.0])


def quadratic_grad(w):
    """∇ of ½‖Aw − b‖²."""
    return A.T @ (A @ w - B)


def run_nerve(opt, steps=10, w0=W0, dtype=np.float32):
    w = nerve.Variable(w0.astype(dtype))
    for _ in range(steps):
        opt.apply([quadratic_grad(w.numpy().astype(np.float64)).astype(dtype)], [w])
    return w.numpy()


def run_torch(torch, make, steps=10):
    w = torch.tensor(W0, dtype=torch.float32, requires_grad=True)
    opt = make([w])
    a, b = torch.tensor(A, dtype=torch.float32), torch.tensor(B, dtype=torch.float32)
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * ((a @ w - b) ** 2).sum()).backward()
        opt.step()
    return w.detach().numpy()


def run_reference(update, state, steps=10):
    """Iterate a numpy reimplementation ``update(w, g, state, t)`` of a Keras rule (float64)."""
    w = W0.copy()
    for t in range(1, steps + 1):
        w = update(w, quadratic_grad(w), state, t)
    return w


# ---- one step by hand -----------------------------------------------------------------

def test_sgd_one_step():
    g = quadratic_grad(W0)
    np.testing.assert_allclose(run_nerve(optimizers.SGD(), 1), W0 - 0.01 * g, rtol=1e-6)
    m = -0.1 * g                               # m = 0.9·0 − lr·g
    np.testing.assert_allclose(run_nerve(optimizers.SGD(0.1, momentum=0.9), 1), W0 + m, rtol=1e-6)
    nesterov = W0 + 0.9 * m - 0.1 * g
    np.testing.assert_allclose(run_nerve(optimizers.SGD(0.1, momentum=0.9, nesterov=True), 1),
                               nesterov, rtol=1e-6)


def test_adam_one_step_and_defaults():
    opt = optimizers.Adam()
    assert (opt.beta_1, opt.beta_2, opt.epsilon, opt.amsgrad) == (0.9, 0.999, 1e-7, False)
    assert opt.learning_rate == pytest.approx(0.001)
    g = quadratic_grad(W0)
    m, v = 0.1 * g, 0.001 * g * g
    alpha = 0.001 * math.sqrt(1 - 0.999) / (1 - 0.9)
    np.testing.assert_allclose(run_nerve(opt, 1), W0 - alpha * m / (np.sqrt(v) + 1e-7), rtol=1e-6)


def test_adagrad_rmsprop_adadelta_one_step():
    g = quadratic_grad(W0)
    acc = 0.1 + g * g
    np.testing.assert_allclose(run_nerve(optimizers.Adagrad(), 1), W0 - 0.001 * g / np.sqrt(acc + 1e-7),
                               rtol=1e-6)
    v = 0.1 * g * g
    np.testing.assert_allclose(run_nerve(optimizers.RMSprop(), 1), W0 - 0.001 * g / np.sqrt(v + 1e-7),
                               rtol=1e-6)
    acc_g = 0.05 * g * g
    delta = -np.sqrt(1e-7) / np.sqrt(acc_g + 1e-7) * g
    np.testing.assert_allclose(run_nerve(optimizers.Adadelta(), 1), W0 + 0.001 * delta, rtol=1e-6)


def test_nadam_matches_keras_formula():
    def update(w, g, s, t):
        b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.01
        u_t, u_next = b1 * (1 - 0.5 * 0.96 ** t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        s["u"] *= u_t
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        m_hat = u_next * s["m"] / (1 - s["u"] * u_next) + (1 - u_t) * g / (1 - s["u"])
        v_hat = s["v"] / (1 - b2 ** t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps)

    expected = run_reference(update, {"u": 1.0, "m": 0.0, "v": 0.0})
    np.testing.assert_allclose(run_nerve(optimizers.Nadam(0.01)), expected, rtol=1e-5, atol=1e-6)


def test_adam_amsgrad_and_centered_rmsprop_match_keras_formula():
    def adam(w, g, s, t):
        b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.05
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        s["vh"] = np.maximum(s["vh"], s["v"])
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return w - alpha * s["m"] / (np.sqrt(s["vh"]) + eps)

    expected = run_reference(adam, {"m": 0.0, "v": 0.0, "vh": 0.0})
    np.testing.assert_allclose(run_nerve(optimizers.Adam(0.05, amsgrad=True)), expected, rtol=1e-5)

    def rms(w, g, s, t):
        rho, lr, mom, eps = 0.9, 0.01, 0.5, 1e-7
        s["v"] = rho * s["v"] + (1 - rho) * g * g
        s["a"] = rho * s["a"] + (1 - rho) * g
        s["m"] = mom * s["m"] + lr * g / np.sqrt(s["v"] - s["a"] ** 2 + eps)
        return w - s["m"]

    expected = run_reference(rms, {"v": 0.0, "a": 0.0, "m": 0.0})
    got = run_nerve(optimizers.RMSprop(0.01, momentum=0.5, centered=True))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


# ---- ten steps against Keras's rules in NumPy (the same settings as PyTorch's below) ------------

def sgd_rule(lr, momentum, nesterov):
    def update(w, g, s, t):
        s["m"] = momentum * s["m"] - lr * g
        return w + (momentum * s["m"] - lr * g if nesterov else s["m"])
    return update


def adagrad_rule(lr, initial, eps):
    def update(w, g, s, t):
        s.setdefault("acc", initial)
        s["acc"] = s["acc"] + g * g
        return w - lr * g / np.sqrt(s["acc"] + eps)
    return update


def rmsprop_rule(lr, rho, momentum, centered, eps):
    def update(w, g, s, t):
        s["v"] = rho * s["v"] + (1 - rho) * g * g
        s["a"] = rho * s["a"] + (1 - rho) * g
        step = lr * g / np.sqrt(s["v"] - (s["a"] ** 2 if centered else 0) + eps)
        s["m"] = momentum * s["m"] + step
        return w - s["m"]
    return update


def adam_rule(lr, weight_decay=0.0, b1=0.9, b2=0.999, eps=1e-7):
    def update(w, g, s, t):
        w = w - w * weight_decay * lr                       # decoupled decay first (AdamW)
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        return w - lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * s["m"] / (np.sqrt(s["v"]) + eps)
    return update


def adadelta_rule(lr, rho, eps):
    def update(w, g, s, t):
        s["acc_g"] = rho * s["acc_g"] + (1 - rho) * g * g
        delta = -np.sqrt(s["acc_d"] + eps) / np.sqrt(s["acc_g"] + eps) * g
        s["acc_d"] = rho * s["acc_d"] + (1 - rho) * delta * delta
        return w + lr * delta
    return update


@pytest.mark.parametrize("make,rule", [
    (lambda: optimizers.SGD(0.05, momentum=0.9), sgd_rule(0.05, 0.9, False)),
    (lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True), sgd_rule(0.05, 0.9, True)),
    (lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.1, epsilon=1e-12), adagrad_rule(0.1, 0.1, 1e-12)),
    (lambda: optimizers.RMSprop(0.01, rho=0.9, epsilon=1e-12), rmsprop_rule(0.01, 0.9, 0.0, False, 1e-12)),
    (lambda: optimizers.RMSprop(0.01, rho=0.9, momentum=0.5, epsilon=1e-12), rmsprop_rule(0.01, 0.9, 0.5, False, 1e-12)),
    (lambda: optimizers.Adam(0.05), adam_rule(0.05)),
    (lambda: optimizers.AdamW(0.05, weight_decay=0.1), adam_rule(0.05, weight_decay=0.1)),
    (lambda: optimizers.Adadelta(1.0, rho=0.9, epsilon=1e-6), adadelta_rule(1.0, 0.9, 1e-6)),
], ids=["sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "rmsprop_momentum", "adam", "adamw", "adadelta"])
def test_ten_steps_match_keras_rule(make, rule):
    expected = run_reference(rule, {"m": 0.0, "v": 0.0, "a": 0.0, "acc_g": 0.0, "acc_d": 0.0})
    np.testing.assert_allclose(run_nerve(make()), expected, rtol=1e-5, atol=1e-6)


# ---- ten steps against PyTorch ---------------------------------------------------------

@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_matches_torch(torch, nesterov):
    ours = run_nerve(optimizers.SGD(0.05, momentum=0.9, nesterov=nesterov))
    ref = run_torch(torch, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=nesterov))
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


def test_adagrad_matches_torch(torch):
    # torch adds eps outside the square root: make eps negligible on both sides
    ours = run_nerve(optimizers.Adagrad(0.1, initial_accumulator_value=0.1, epsilon=1e-12))
    ref = run_torch(torch, lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=1e-12))
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("momentum,centered", [(0.0, False), (0.5, True)])
def test_rmsprop_matches_torch(torch, momentum, centered):
    ours = run_nerve(optimizers.RMSprop(0.01, rho=0.9, momentum=momentum, centered=centered, epsilon=1e-12))
    ref = run_torch(torch, lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=momentum,
                                                         centered=centered, eps=1e-12))
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


def test_adam_and_adamw_match_torch(torch):
    ours = run_nerve(optimizers.Adam(0.05))
    ref = run_torch(torch, lambda p: torch.optim.Adam(p, lr=0.05, eps=1e-7))
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-5)      # ε placement differs slightly
    ours = run_nerve(optimizers.AdamW(0.05, weight_decay=0.1))
    ref = run_torch(torch, lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1, eps=1e-7))
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-5)


def test_adadelta_matches_torch(torch):
    ours = run_nerve(optimizers.Adadelta(1.0, rho=0.9, epsilon=1e-6))
    ref = run_torch(torch, lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6))
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-7)


def test_training_with_autodiff_gradients_converges():
    w = nerve.Variable(W0.astype(np.float32))
    a, b = nerve.Tensor(A.astype(np.float32)), nerve.Tensor(B.astype(np.float32))
    opt = optimizers.Adam(0.1)
    for _ in range(300):
        w.zero_grad()
        loss = (((a @ w) - b) ** 2).sum() * 0.5
        loss.backward()
        opt.apply([w.grad], [w])
    solution = np.linalg.lstsq(A, B, rcond=None)[0]
    np.testing.assert_allclose(w.numpy(), solution, atol=1e-2)
    assert w.dtype == np.float32


# ---- clipping, weight decay, gradients that are None, non-trainable ---------------------

def test_clipnorm_clipvalue_global_clipnorm():
    g1, g2 = np.array([3.0, 4.0], np.float32), np.array([12.0], np.float32)

    def step(**kwargs):
        v1, v2 = nerve.Variable(np.zeros(2, np.float32)), nerve.Variable(np.zeros(1, np.float32))
        optimizers.SGD(1.0, **kwargs).apply([g1, g2], [v1, v2])
        return -v1.numpy(), -v2.numpy()

    got = step(clipnorm=1.0)
    np.testing.assert_allclose(got[0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(got[1], [1.0], rtol=1e-6)
    got = step(clipvalue=3.5)
    np.testing.assert_allclose(got[0], [3.0, 3.5])
    np.testing.assert_allclose(got[1], [3.5])
    got = step(global_clipnorm=6.5)                    # global norm = 13
    np.testing.assert_allclose(got[0], [1.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(got[1], [6.0], rtol=1e-6)
    got = step(global_clipnorm=100.0)                  # under the cap: untouched
    np.testing.assert_allclose(got[0], g1)
    with pytest.raises(ValueError, match="only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_before_update_and_exclusion():
    w = nerve.Variable(np.array([1.0, 2.0], np.float32), name="kernel")
    b = nerve.Variable(np.array([1.0], np.float32), name="bias")
    opt = optimizers.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply([np.ones(2, np.float32), np.ones(1, np.float32)], [w, b])
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.05 - 0.1, 2.0 - 0.1 - 0.1], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [0.9], rtol=1e-6)
    with pytest.raises(ValueError, match="AdamW"):
        optimizers.AdamW(weight_decay=None)


def test_none_gradients_and_frozen_variables_are_skipped():
    w1 = nerve.Variable(np.ones(2, np.float32))
    w2 = nerve.Variable(np.ones(2, np.float32))
    frozen = nerve.Variable(np.ones(2, np.float32), trainable=False)
    opt = optimizers.Adam(0.1)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply([None, nerve.Tensor(np.ones(2, np.float32)), np.ones(2, np.float32)], [w1, w2, frozen])
    np.testing.assert_array_equal(w1.numpy(), [1, 1])
    np.testing.assert_array_equal(frozen.numpy(), [1, 1])
    assert (w2.numpy() < 1).all()
    assert opt.iterations == 1
    assert len(opt.variables) == 2 + 2 * 2          # iteration, lr, (m, v) for w1 and w2
    other = nerve.Variable(np.ones(2, np.float32))
    with pytest.raises(ValueError, match="unknown variable"):
        opt.apply([np.ones(2, np.float32)], [other])
    with pytest.raises(ValueError, match="same length"):
        opt.apply([np.ones(2, np.float32)], [w1, w2])
    with pytest.raises(ValueError, match="no gradients"):
        opt.apply([None, None], [w1, w2])


# ---- learning rate, schedules ----------------------------------------------------------

def test_learning_rate_setter_and_schedule():
    opt = optimizers.SGD(0.1)
    opt.learning_rate = 0.01
    assert opt.learning_rate == pytest.approx(0.01)
    assert isinstance(opt.learning_rate, float)
    w = nerve.Variable(np.zeros(1, np.float32))
    opt.apply([np.ones(1, np.float32)], [w])
    np.testing.assert_allclose(w.numpy(), [-0.01], rtol=1e-6)

    sched = schedules.StepDecay(1.0, step_size=2, factor=0.5)
    opt = optimizers.SGD(sched)
    w = nerve.Variable(np.zeros(1, np.float32))
    rates = []
    for _ in range(5):
        rates.append(opt.learning_rate)
        opt.apply([np.ones(1, np.float32)], [w])
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25]
    np.testing.assert_allclose(w.numpy(), [-3.25])
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1
    opt = optimizers.SGD(0.1)
    assert len(opt.variables) == 2
    opt.learning_rate = schedules.ExponentialDecay(0.1, 10, 0.5)      # float -> schedule: lr untracked
    assert [v.name for v in opt.variables] == ["iteration"]


def test_schedules_match_keras_formulas():
    steps = [0, 1, 5, 10, 15, 25, 40]
    e = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    es = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    it = schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5)
    its = schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    cos = schedules.CosineDecay(0.1, decay_steps=20, alpha=0.1)
    warm = schedules.CosineDecay(0.0, decay_steps=20, warmup_target=0.1, warmup_steps=10)
    poly = schedules.PolynomialDecay(0.1, decay_steps=20, end_learning_rate=0.01, power=2.0)
    step = schedules.StepDecay(0.1, step_size=10, factor=0.1)
    for s in steps:
        assert e(s) == pytest.approx(0.1 * 0.5 ** (s / 10))
        assert es(s) == pytest.approx(0.1 * 0.5 ** (s // 10))
        assert it(s) == pytest.approx(0.1 / (1 + 0.5 * s / 10))
        assert its(s) == pytest.approx(0.1 / (1 + 0.5 * (s // 10)))
        c = min(s, 20)
        assert cos(s) == pytest.approx(0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * c / 20)) + 0.1))
        if s < 10:
            assert warm(s) == pytest.approx(0.1 * s / 10)
        else:
            c = min(s - 10, 20)
            assert warm(s) == pytest.approx(0.1 * 0.5 * (1 + math.cos(math.pi * c / 20)))
        assert poly(s) == pytest.approx(0.09 * (1 - min(s, 20) / 20) ** 2 + 0.01)
        assert step(s) == pytest.approx(0.1 * 0.1 ** (s // 10))
    pc = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [pc(s) for s in (0, 10, 11, 20, 21)] == [1.0, 1.0, 0.5, 0.5, 0.1]
    with pytest.raises(ValueError, match="1 less than"):
        schedules.PiecewiseConstantDecay([10], [1.0])
    restarts = schedules.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    assert restarts(0) == pytest.approx(1.0)
    assert restarts(5) == pytest.approx(0.5)
    assert restarts(10) == pytest.approx(0.5)                 # second period starts at m_mul
    assert restarts(20) == pytest.approx(0.5 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert restarts(30) == pytest.approx(0.25)


# ---- names, config, state --------------------------------------------------------------

@pytest.mark.parametrize("name,cls", [("sgd", optimizers.SGD), ("adam", optimizers.Adam),
                                      ("adamw", optimizers.AdamW), ("rmsprop", optimizers.RMSprop),
                                      ("adagrad", optimizers.Adagrad), ("adadelta", optimizers.Adadelta),
                                      ("nadam", optimizers.Nadam), ("Adam", optimizers.Adam)])
def test_get_aliases(name, cls):
    assert type(optimizers.get(name)) is cls


def test_get_errors_and_passthrough():
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    with pytest.raises(ValueError, match="adam"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(3)


def test_config_round_trip_with_schedule():
    opt = optimizers.Adam(schedules.ExponentialDecay(0.1, 10, 0.5), beta_1=0.8, clipnorm=2.0)
    config = optimizers.serialize(opt)
    clone = optimizers.deserialize(config)
    assert isinstance(clone.learning_rate, float)
    assert clone.get_config() == opt.get_config()
    sgd = optimizers.SGD.from_config(optimizers.SGD(0.3, momentum=0.5, nesterov=True).get_config())
    assert (sgd.momentum, sgd.nesterov, sgd.learning_rate) == (0.5, True, pytest.approx(0.3))


def test_state_save_load_round_trip():
    def fresh():
        return [nerve.Variable(np.arange(3, dtype=np.float32)), nerve.Variable(np.ones((2, 2), np.float32))]

    grads = [np.full(3, 0.5, np.float32), np.full((2, 2), -1.0, np.float32)]
    a_vars, opt = fresh(), optimizers.Adam(0.1)
    for _ in range(3):
        opt.apply(grads, a_vars)
    names = [v.name for v in opt.variables]
    assert names[:2] == ["iteration", "learning_rate"]
    assert [n.rsplit("_", 1)[-1] for n in names[2:]] == ["momentum", "velocity"] * 2
    store = {}
    opt.save_own_variables(store)

    b_vars, clone = fresh(), optimizers.Adam(0.1)
    for v, a in zip(b_vars, a_vars):
        v.assign(a)
    clone.build(b_vars)
    clone.load_own_variables(store)
    assert clone.iterations == 3
    opt.apply(grads, a_vars)
    clone.apply(grads, b_vars)
    for a, b in zip(a_vars, b_vars):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    state = opt.get_state()
    clone.set_state(state)
    clone.set_weights(state)
    assert clone.iterations == opt.iterations
    with pytest.warns(UserWarning, match="not been called"):
        optimizers.Adam().load_own_variables(store)


def test_ema_and_gradient_accumulation():
    w = nerve.Variable(np.zeros(1, np.float32))
    opt = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(3):
        opt.apply([np.ones(1, np.float32)], [w])
    np.testing.assert_allclose(w.numpy(), [-3.0])
    opt.finalize_variable_values([w])
    np.testing.assert_allclose(w.numpy(), [(-1 * 0.5 - 2 * 0.5) * 0.5 - 3 * 0.5])    # -2.25

    w = nerve.Variable(np.zeros(1, np.float32))
    opt = optimizers.SGD(1.0, gradient_accumulation_steps=2)
    opt.apply([np.array([1.0], np.float32)], [w])
    np.testing.assert_allclose(w.numpy(), [0.0])
    opt.apply([np.array([3.0], np.float32)], [w])
    np.testing.assert_allclose(w.numpy(), [-2.0])
    assert opt.iterations == 1                     # applied updates, not calls (Keras)


def test_float32_stays_float32_and_float64_works():
    for cls in (optimizers.SGD, optimizers.Adam, optimizers.Nadam, optimizers.RMSprop, optimizers.Adagrad,
                optimizers.Adadelta):
        opt = cls(**({"momentum": 0.9} if cls is optimizers.SGD else {}))
        for dtype in (np.float32, np.float64):
            w = nerve.Variable(np.ones(4, dtype))
            cls.apply(opt if dtype is np.float32 else cls(), [np.ones(4, dtype)], [w])
            assert w.dtype == dtype, cls.__name__
            for v in (opt.variables[2:] if dtype is np.float32 else []):
                assert v.dtype == np.float32


def test_iterations_is_an_int64_variable_as_in_keras():
    w = nerve.Variable(np.zeros(1, np.float32))
    opt = optimizers.Adam(0.1)
    assert isinstance(opt.iterations, nerve.Variable) and opt.iterations.dtype == np.int64
    assert opt.iterations is opt.variables[0]      # Keras: the first optimizer variable
    opt.apply([np.ones(1, np.float32)], [w])
    opt.apply([np.ones(1, np.float32)], [w])
    assert int(opt.iterations) == 2 and opt.iterations.numpy() == 2
    acc = optimizers.SGD(1.0, gradient_accumulation_steps=2)
    for _ in range(5):
        acc.apply([np.ones(1, np.float32)], [w])
    assert isinstance(acc.iterations, nerve.Tensor) and int(acc.iterations) == 2
