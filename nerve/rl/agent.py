"""The agent: a policy that chooses actions, a value function that judges states.

    policy          π(a | s): the probability of action a in state s (here a network's
                    logits, softmaxed), or, for DQN, the greedy choice argmax_a Q(s, a)
    value function  V(s) = E_π[G_t | s_t = s], or the action value Q(s, a) = E_π[G_t | s, a]

Both are small nerve models (multi-layer perceptrons on the observation vector). Every
algorithm in nerve.rl is an :class:`Agent` whose ``learn(env, steps)`` improves them from
reward alone; ``act`` and ``evaluate`` are shared. Acting calls the network directly under
``no_grad`` (no ``predict`` loop): with tiny networks and one observation at a time the
Python overhead per step is the cost that matters.
"""

import time

import numpy

from .. import layers, utils
from ..autodiff import no_grad
from ..models import Sequential
from .environment import discrete_actions, observation_size


def mlp(input_size, output_size, hidden=(64, 64), activation="tanh", name=None):
    """A multi-layer perceptron: ``input_size`` -> hidden Dense layers -> ``output_size`` linear outputs."""
    stack = [layers.Input((input_size,))]
    stack += [layers.Dense(units, activation=activation) for units in hidden]
    stack.append(layers.Dense(output_size))
    return Sequential(stack, name=name)


def _outputs(model, observations):
    """The model's raw outputs for a batch of observations, as a NumPy array, without a graph."""
    with no_grad():
        return model(observations, training=False).data


def greedy_actions(model, observations):
    """argmax over the model's outputs (logits or Q-values) for each row of ``observations``."""
    return _outputs(model, numpy.asarray(observations, dtype="float32")).argmax(axis=-1)


class Agent:
    """What every algorithm shares: the policy network, the generator, acting and evaluating.

    Subclasses build ``self.policy`` (observations -> one output per action, greedy = argmax),
    optionally ``self.value``, and implement ``learn``. ``episode_returns`` collects
    (environment step, undiscounted return) for every training episode that ended: the
    learning curve.
    """

    algorithm = "agent"

    def __init__(self, env, seed=None):
        self.n_actions = discrete_actions(env, self.algorithm)
        self.observation_size = observation_size(env)
        self.seed = seed
        if seed is not None:
            utils.set_random_seed(seed)           # the networks' initial weights
        self.rng = numpy.random.default_rng(seed)   # actions, exploration, replay sampling
        self.episode_returns = []
        self.steps = 0                            # environment steps taken in training
        self.policy = None
        self.value = None

    # ---- acting -----------------------------------------------------------------------
    def act(self, observation, greedy=False):
        """The action to take in ``observation``: a draw from π(· | s), or argmax when ``greedy``."""
        raise NotImplementedError

    def sample_from_logits(self, logits):
        """One action per row of ``logits`` drawn from softmax(logits), by inverting the CDF."""
        logits = numpy.asarray(logits, dtype="float64")
        probabilities = numpy.exp(logits - logits.max(axis=-1, keepdims=True))
        cumulative = numpy.cumsum(probabilities, axis=-1)
        draws = self.rng.random(cumulative.shape[:-1] + (1,)) * cumulative[..., -1:]
        return numpy.minimum((cumulative < draws).sum(axis=-1), self.n_actions - 1)

    # ---- learning ---------------------------------------------------------------------
    def learn(self, env, total_steps, callback=None):
        """Train for ``total_steps`` environment steps. ``callback(agent)`` is called after every
        update; when it returns True, learning stops early. Returns self."""
        raise NotImplementedError

    def _episode_ended(self, total_reward):
        self.episode_returns.append((self.steps, float(total_reward)))

    # ---- judging ----------------------------------------------------------------------
    def evaluate(self, env, episodes=100, seed=None):
        """Undiscounted returns of ``episodes`` greedy episodes (see :func:`evaluate_policy`)."""
        return evaluate_policy(self.policy, env, episodes, seed)

    def save(self, path):
        """Write the policy network (a ``.nerve`` model file): all that acting greedily needs."""
        self.policy.save(path)


def evaluate_policy(policy, env, episodes=100, seed=None):
    """Play ``episodes`` episodes acting greedily (argmax of ``policy``'s outputs); their returns.

    Episode i starts from ``env.reset(seed=seed + i)`` when a seed is given, so an evaluation
    is repeatable and its episodes differ. Returns a float64 array of undiscounted returns.
    """
    size = observation_size(env)
    expected = getattr(policy, "input_shape", None)
    if expected is not None and tuple(expected)[-1:] != (size,):
        raise ValueError(f"evaluate_policy: the model takes inputs of shape {expected}, but the "
                         f"environment's observations have {size} numbers")
    returns = numpy.zeros(episodes)
    for episode in range(episodes):
        observation, _ = env.reset(seed=None if seed is None else seed + episode)
        done = False
        while not done:
            action = int(greedy_actions(policy, observation[None])[0])
            observation, reward, terminated, truncated, _ = env.step(action)
            returns[episode] += reward
            done = terminated or truncated
    return returns


class Stopwatch:
    """Wall time of a training run, for the records."""

    def __init__(self):
        self.started = time.perf_counter()

    @property
    def seconds(self):
        return time.perf_counter() - self.started
