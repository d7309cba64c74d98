"""Deep Q-network (DQN): learning the action value Q(s, a) from replayed experience.

The optimal action value obeys Bellman's equation, Q*(s, a) = E[r + γ max_a' Q*(s', a')].
DQN fits a network Q_θ to it by regression on transitions (s, a, r, s', done):

    y     = r + γ (1 − done) max_a' Q_θ⁻(s', a')         (the target, from a frozen copy θ⁻)
    loss  = mean[ huber(Q_θ(s, a) − y) ]

Three devices make this stable (Mnih et al., 2015):
- experience replay: transitions go into a buffer and minibatches are drawn from it at
  random, breaking the correlation of consecutive steps and reusing each one many times;
- a target network θ⁻, a copy of θ refreshed only every ``target_update_interval`` steps,
  so the regression target does not move with every gradient step;
- ε-greedy exploration: a random action with probability ε, decayed linearly from
  ``epsilon_start`` to ``epsilon_end`` over the first ``exploration_fraction`` of training.

``done`` is 1 only for terminal states: a time-limit cut still bootstraps from s'.
With ``double=True`` the target picks a' with the online network and values it with the
target network (van Hasselt et al., 2016), which curbs the max's overestimation.

Reference: V. Mnih et al., "Human-level control through deep reinforcement learning",
Nature 518, 2015.
"""

import numpy

from .. import ops, optimizers
from ..autodiff import grad, no_grad
from ..models import clone_model
from .agent import Agent, mlp
from .replay import ReplayBuffer


def linear_schedule(start, end, duration):
    """ε(step): from ``start`` at step 0 down to ``end`` at step ``duration``, then ``end``."""
    def epsilon(step):
        fraction = min(step / duration, 1.0) if duration > 0 else 1.0
        return start + fraction * (end - start)
    return epsilon


class DQN(Agent):
    """A deep Q-network agent for a discrete action space.

    Args:
        env: the Gymnasium environment (its spaces size the network).
        gamma: the discount γ.
        learning_rate: Adam's rate.
        buffer_size: transitions the replay buffer keeps (the oldest are overwritten).
        batch_size: transitions per gradient step.
        learning_starts: steps of experience gathered before the first update.
        train_frequency: environment steps per gradient step.
        target_update_interval: environment steps between copies of θ into θ⁻.
        epsilon_start, epsilon_end, exploration_fraction: the ε-greedy schedule (the fraction
            of the ``total_steps`` given to ``learn`` over which ε decays).
        double: use the double-DQN target.
        hidden: hidden layer sizes of the Q-network (ReLU).
        seed: seeds the initial weights, exploration and replay sampling.

    The defaults are the RL Baselines3 Zoo's tuned CartPole-v1 DQN (its 128 gradient steps
    every 256 environment steps spread out as one every 2 steps, the target copied after
    every 128 of them).
    """

    algorithm = "DQN"

    def __init__(self, env, gamma=0.99, learning_rate=2.3e-3, buffer_size=100_000, batch_size=64,
                 learning_starts=1000, train_frequency=2, target_update_interval=256, epsilon_start=1.0,
                 epsilon_end=0.04, exploration_fraction=0.16, double=False, hidden=(256, 256), seed=None):
        super().__init__(env, seed)
        self.gamma, self.batch_size, self.double = gamma, batch_size, double
        self.learning_starts, self.train_frequency = learning_starts, train_frequency
        self.target_update_interval = target_update_interval
        self.epsilon_start, self.epsilon_end = epsilon_start, epsilon_end
        self.exploration_fraction = exploration_fraction
        self.epsilon = linear_schedule(epsilon_start, epsilon_end, 0)
        self.policy = mlp(self.observation_size, self.n_actions, hidden, activation="relu", name="q_network")
        self.value = self.policy           # Q(s, a) is the value function; the policy is its argmax
        self.target = clone_model(self.policy)
        self.sync_target()
        self.optimizer = optimizers.Adam(learning_rate)
        self.replay = ReplayBuffer(buffer_size, self.observation_size, self.rng)

    def sync_target(self):
        """θ⁻ ← θ: the target network becomes a copy of the online Q-network."""
        self.target.set_weights(self.policy.get_weights())

    def act(self, observation, greedy=False):
        """argmax_a Q(s, a); with probability ε (unless ``greedy``) a uniformly random action."""
        if not greedy and self.rng.random() < self.epsilon(self.steps):
            return int(self.rng.integers(self.n_actions))
        with no_grad():
            return int(self.policy(observation[None], training=False).data[0].argmax())

    def learn(self, env, total_steps, callback=None):
        self.epsilon = linear_schedule(self.epsilon_start, self.epsilon_end,
                                       self.steps + self.exploration_fraction * total_steps)
        observation, _ = env.reset(seed=self.seed)
        episode_reward = 0.0
        target = self.steps + total_steps
        while self.steps < target:
            action = self.act(observation)
            next_observation, reward, terminated, truncated, _ = env.step(action)
            self.replay.add(observation, action, reward, next_observation, terminated)
            self.steps += 1
            episode_reward += reward
            observation = next_observation
            if terminated or truncated:
                self._episode_ended(episode_reward)
                episode_reward = 0.0
                observation, _ = env.reset()
            if self.steps % self.target_update_interval == 0:
                self.sync_target()
            if self.steps >= self.learning_starts and self.steps % self.train_frequency == 0:
                self.update(self.replay.sample(self.batch_size))
                if callback is not None and callback(self):
                    break
        return self

    def td_targets(self, rewards, next_observations, dones):
        """y = r + γ (1 − done) max_a' Q_θ⁻(s', a') (double DQN: Q_θ⁻(s', argmax_a' Q_θ(s', a')))."""
        with no_grad():
            next_q = self.target(next_observations, training=False).data
            if self.double:
                chosen = self.policy(next_observations, training=False).data.argmax(axis=-1)
                best = next_q[numpy.arange(len(chosen)), chosen]
            else:
                best = next_q.max(axis=-1)
        return (rewards + self.gamma * (1.0 - dones) * best).astype("float32")

    def update(self, batch):
        """One gradient step of the Huber regression of Q_θ(s, a) on the TD targets; returns the loss."""
        observations, actions, rewards, next_observations, dones = batch
        targets = self.td_targets(rewards, next_observations, dones)
        taken = numpy.eye(self.n_actions, dtype="float32")[actions]
        q_taken = ops.sum(self.policy(observations, training=True) * taken, axis=-1)
        loss = ops.mean(ops.huber(targets[:, None], q_taken[:, None]))
        weights = self.policy.trainable_weights
        self.optimizer.apply(grad(loss, weights), weights)
        return float(loss.data)
