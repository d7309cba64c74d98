"""Advantage actor-critic (A2C): the policy gradient with a learned critic, from n-step returns.

Several copies of the environment run side by side. Every n steps the actor (the policy
π_θ) and the critic (the value function V_φ) are updated from the n × n_envs transitions
just collected, with n-step returns bootstrapped from the critic:

    G_t = r_{t+1} + γ r_{t+2} + ... + γ^{n−1} r_{t+n} + γ^n V_φ(s_{t+n})   (cut at episode ends)
    Â_t = G_t − V_φ(s_t)                                                   (the advantage)

    actor loss   = −mean[ log π_θ(a_t | s_t) · Â_t ] − β · mean[ H(π_θ(· | s_t)) ]
    critic loss  = mean[ (G_t − V_φ(s_t))² ]

Unlike REINFORCE it needs no whole episodes and its targets have far less variance, at the
price of the critic's bias. When a time limit (not a terminal state) ends an episode, the
lost future is folded into the last reward as γ V_φ(s_final), so the cut is not mistaken
for failure.

Reference: V. Mnih et al., "Asynchronous methods for deep reinforcement learning", ICML 2016
(A3C; A2C is its synchronous variant).
"""

import numpy

from .. import ops, optimizers
from ..autodiff import grad, no_grad
from .agent import Agent, mlp
from .environment import make_env
from .reinforce import policy_gradient_loss
from .trajectory import n_step_returns


class A2C(Agent):
    """An advantage actor-critic agent for a discrete action space.

    Args:
        env: the Gymnasium environment (its spaces size the networks; ``learn`` runs
            ``n_envs`` copies made from its id).
        gamma: the discount γ.
        n_steps: steps per environment between updates (the n of the n-step returns).
        n_envs: environments run side by side.
        learning_rate: Adam's rate for the actor; ``value_learning_rate`` for the critic.
        entropy_coef: β, the entropy bonus.
        hidden: hidden layer sizes of both networks.
        seed: seeds the initial weights, the action draws and the environments (seed + i).
    """

    algorithm = "A2C"

    def __init__(self, env, gamma=0.99, n_steps=8, n_envs=8, learning_rate=1e-3, value_learning_rate=1e-3,
                 entropy_coef=0.01, hidden=(64, 64), seed=None):
        super().__init__(env, seed)
        self.gamma, self.n_steps, self.n_envs, self.entropy_coef = gamma, n_steps, n_envs, entropy_coef
        self.policy = mlp(self.observation_size, self.n_actions, hidden, name="actor")
        self.value = mlp(self.observation_size, 1, hidden, name="critic")
        self.policy_optimizer = optimizers.Adam(learning_rate)
        self.value_optimizer = optimizers.Adam(value_learning_rate)

    def act(self, observation, greedy=False):
        return int(self.act_batch(numpy.asarray(observation)[None], greedy)[0])

    def act_batch(self, observations, greedy=False):
        """One action per environment, from one forward pass over all their observations."""
        with no_grad():
            logits = self.policy(observations, training=False).data
        return logits.argmax(axis=-1) if greedy else self.sample_from_logits(logits)

    def _values(self, observations):
        with no_grad():
            return self.value(observations, training=False).data[:, 0]

    def learn(self, env, total_steps, callback=None):
        if env.spec is None and self.n_envs > 1:
            raise ValueError("A2C.learn: runs n_envs copies of the environment, made from its registered id; "
                             "this environment has none (make it with nerve.rl.make_env, or pass n_envs=1)")
        envs = [env] + [make_env(env.spec.id) for _ in range(self.n_envs - 1)]
        base = 0 if self.seed is None else self.seed
        observations = numpy.stack([e.reset(seed=None if self.seed is None else base + i)[0]
                                    for i, e in enumerate(envs)])
        episode_reward = numpy.zeros(self.n_envs)
        target = self.steps + total_steps
        shape = (self.n_steps, self.n_envs)
        while self.steps < target:
            batch_observations = numpy.empty(shape + (self.observation_size,), dtype="float32")
            batch_actions = numpy.empty(shape, dtype="int64")
            rewards, dones = numpy.zeros(shape), numpy.zeros(shape, dtype=bool)
            for t in range(self.n_steps):
                actions = self.act_batch(observations)
                batch_observations[t], batch_actions[t] = observations, actions
                for i, e in enumerate(envs):
                    observation, reward, terminated, truncated, _ = e.step(int(actions[i]))
                    episode_reward[i] += reward
                    if truncated and not terminated:           # bootstrap across a time-limit cut
                        reward += self.gamma * float(self._values(observation[None])[0])
                    rewards[t, i], dones[t, i] = reward, terminated or truncated
                    if terminated or truncated:
                        self._episode_ended(episode_reward[i])
                        episode_reward[i] = 0.0
                        observation, _ = e.reset()
                    observations[i] = observation
                self.steps += self.n_envs
            returns = n_step_returns(rewards, dones, self._values(observations), self.gamma)
            self.update(batch_observations.reshape(-1, self.observation_size), batch_actions.reshape(-1),
                        returns.reshape(-1))
            if callback is not None and callback(self):
                break
        return self

    def update(self, observations, actions, returns):
        """One gradient step on the actor and the critic; returns their losses."""
        advantages = returns - self._values(observations)
        actor_loss = policy_gradient_loss(self.policy, observations, actions, advantages, self.entropy_coef)
        weights = self.policy.trainable_weights
        self.policy_optimizer.apply(grad(actor_loss, weights), weights)
        critic_loss = ops.mean(ops.square(self.value(observations, training=True)[:, 0] - returns))
        weights = self.value.trainable_weights
        self.value_optimizer.apply(grad(critic_loss, weights), weights)
        return float(actor_loss.data), float(critic_loss.data)
