"""Trajectories, returns and the discount.

A trajectory is what one episode leaves behind: the observations s_0 .. s_{T-1}, the
actions a_0 .. a_{T-1} taken in them, and the rewards r_1 .. r_T that followed. The
return from step t is the discounted sum of the rewards still to come,

    G_t = r_{t+1} + γ r_{t+2} + γ² r_{t+3} + ... = r_{t+1} + γ G_{t+1},

with the discount γ in [0, 1): a reward k steps away counts γ^k as much as one now.
Learning to act well is learning to make the expected G_0 large.
"""

from dataclasses import dataclass, field

import numpy


def discounted_returns(rewards, gamma, bootstrap=0.0):
    """G_t = r_{t+1} + γ G_{t+1} for every step of one stretch of experience, with G_T = ``bootstrap``.

    ``bootstrap`` is 0 when the stretch ends in a terminal state; when it was cut short (a
    time limit, or the n steps of an n-step return) it is the estimated value V(s_T) of the
    state reached. Returns float32 of the rewards' length.

    Example:
        >>> discounted_returns([1.0, 1.0, 1.0], gamma=0.5)
        array([1.75, 1.5 , 1.  ], dtype=float32)
    """
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"discounted_returns: gamma must lie in [0, 1], received {gamma!r}")
    rewards = numpy.asarray(rewards, dtype="float64")
    returns = numpy.empty_like(rewards)
    running = float(bootstrap)
    for t in range(len(rewards) - 1, -1, -1):      # a reverse scan: each G_t needs G_{t+1}
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns.astype("float32")


def n_step_returns(rewards, dones, bootstrap, gamma):
    """Returns of a batch of parallel environments over n steps, restarting at episode ends.

    Args:
        rewards: (n_steps, n_envs) rewards r_{t+1}.
        dones: (n_steps, n_envs), True where the step ended the episode in a terminal state
            (nothing follows it); a time-limit cut is not done here, its lost future being
            folded into its reward by the caller (r + γ V(s_final)).
        bootstrap: (n_envs,) V(s_n), the value of the state each environment reached.
        gamma: the discount γ.

    Returns:
        (n_steps, n_envs) float32: G_t = r_{t+1} + γ (1 − done_t) G_{t+1}, G_n = bootstrap.
    """
    rewards = numpy.asarray(rewards, dtype="float64")
    keep = 1.0 - numpy.asarray(dones, dtype="float64")
    returns = numpy.empty_like(rewards)
    running = numpy.asarray(bootstrap, dtype="float64")
    for t in range(len(rewards) - 1, -1, -1):      # over steps; the environments are one vector
        running = rewards[t] + gamma * keep[t] * running
        returns[t] = running
    return returns.astype("float32")


@dataclass
class Trajectory:
    """One episode as it happened: observations, actions, rewards, and how it ended."""

    observations: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    rewards: list = field(default_factory=list)
    terminated: bool = False       # reached a terminal state (else cut short by a time limit)

    def add(self, observation, action, reward):
        self.observations.append(observation)
        self.actions.append(action)
        self.rewards.append(reward)

    def __len__(self):
        return len(self.rewards)

    @property
    def total_reward(self):
        """The undiscounted return Σ r: the score Gymnasium's thresholds speak of."""
        return float(numpy.sum(self.rewards))

    def returns(self, gamma):
        """G_t for every step (see :func:`discounted_returns`)."""
        return discounted_returns(self.rewards, gamma)
