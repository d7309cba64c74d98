"""REINFORCE with a baseline (Williams, 1992): the Monte-Carlo policy gradient.

Play whole episodes with the stochastic policy π_θ, then push up the log-probability of
every action in proportion to how much better than expected its return turned out:

    ∇_θ J(θ) = E[ Σ_t ∇_θ log π_θ(a_t | s_t) (G_t − b(s_t)) ]

The baseline b(s) = V_φ(s), a value network fitted to the returns by least squares,
changes no expectation (E[∇ log π · b(s)] = 0) but shrinks the variance of the estimate.
The advantages G_t − V(s_t) of a batch are normalised to mean 0 and deviation 1.

    policy loss  = −mean_t[ log π_θ(a_t | s_t) · Â_t ] − β · mean_t[ H(π_θ(· | s_t)) ]
    value loss   = mean_t[ (G_t − V_φ(s_t))² ]

Reference: R. J. Williams, "Simple statistical gradient-following algorithms for
connectionist reinforcement learning", Machine Learning 8, 1992. Sutton & Barto,
"Reinforcement Learning: An Introduction" (2nd ed.), section 13.4.
"""

import numpy

from .. import ops, optimizers
from ..autodiff import grad, no_grad
from .agent import Agent, mlp
from .trajectory import Trajectory


class Reinforce(Agent):
    """A REINFORCE-with-baseline agent for a discrete action space.

    Args:
        env: the Gymnasium environment it will learn in (its spaces size the networks).
        gamma: the discount γ.
        learning_rate: Adam's rate for the policy; ``value_learning_rate`` for the baseline.
        batch_steps: update after the first whole episode that brings the batch to this many steps.
        entropy_coef: β, a small bonus for a policy that keeps exploring.
        hidden: the hidden layer sizes of both networks.
        seed: seeds the initial weights and the action draws (the environment is seeded by ``learn``).
    """

    algorithm = "REINFORCE"

    def __init__(self, env, gamma=0.99, learning_rate=1e-3, value_learning_rate=1e-3, batch_steps=2000,
                 entropy_coef=0.0, hidden=(64, 64), seed=None):
        super().__init__(env, seed)
        self.gamma, self.batch_steps, self.entropy_coef = gamma, batch_steps, entropy_coef
        self.policy = mlp(self.observation_size, self.n_actions, hidden, name="policy")
        self.value = mlp(self.observation_size, 1, hidden, name="value")
        self.policy_optimizer = optimizers.Adam(learning_rate)
        self.value_optimizer = optimizers.Adam(value_learning_rate)

    def act(self, observation, greedy=False):
        with no_grad():
            logits = self.policy(observation[None], training=False).data[0]
        return int(logits.argmax()) if greedy else int(self.sample_from_logits(logits))

    def learn(self, env, total_steps, callback=None):
        observation, _ = env.reset(seed=self.seed)
        batch, batch_length = [], 0
        trajectory = Trajectory()
        target = self.steps + total_steps
        while self.steps < target:
            action = self.act(observation)
            next_observation, reward, terminated, truncated, _ = env.step(action)
            trajectory.add(observation, action, reward)
            self.steps += 1
            observation = next_observation
            if not (terminated or truncated):
                continue
            trajectory.terminated = terminated
            self._episode_ended(trajectory.total_reward)
            batch.append(trajectory)
            batch_length += len(trajectory)
            trajectory = Trajectory()
            observation, _ = env.reset()
            if batch_length >= self.batch_steps:
                self.update(batch)
                batch, batch_length = [], 0
                if callback is not None and callback(self):
                    break
        return self

    def update(self, trajectories):
        """One gradient step on each network from a batch of whole episodes; returns the losses."""
        observations = numpy.concatenate([numpy.asarray(t.observations, dtype="float32") for t in trajectories])
        actions = numpy.concatenate([numpy.asarray(t.actions) for t in trajectories])
        returns = numpy.concatenate([t.returns(self.gamma) for t in trajectories])
        with no_grad():
            baseline = self.value(observations, training=False).data[:, 0]
        advantages = returns - baseline
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        policy_loss = policy_gradient_loss(self.policy, observations, actions, advantages, self.entropy_coef)
        weights = self.policy.trainable_weights
        self.policy_optimizer.apply(grad(policy_loss, weights), weights)
        value_loss = ops.mean(ops.square(self.value(observations, training=True)[:, 0] - returns))
        weights = self.value.trainable_weights
        self.value_optimizer.apply(grad(value_loss, weights), weights)
        return float(policy_loss.data), float(value_loss.data)


def policy_gradient_loss(policy, observations, actions, advantages, entropy_coef=0.0):
    """−mean[log π(a_t | s_t) · Â_t] − β · mean[H(π(· | s_t))], differentiable in the policy's weights.

    log π(a | s) is picked from log-softmax(logits) with a one-hot mask of the actions taken;
    the entropy is H = −Σ_a π(a | s) log π(a | s).
    """
    log_probabilities = ops.log_softmax(policy(observations, training=True), axis=-1)
    taken = numpy.eye(log_probabilities.shape[-1], dtype="float32")[actions]
    log_taken = ops.sum(log_probabilities * taken, axis=-1)
    loss = -ops.mean(log_taken * numpy.asarray(advantages, dtype="float32"))
    if entropy_coef:
        entropy = -ops.sum(ops.exp(log_probabilities) * log_probabilities, axis=-1)
        loss = loss - entropy_coef * ops.mean(entropy)
    return loss
