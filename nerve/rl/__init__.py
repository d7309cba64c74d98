"""nerve.rl: agents that learn from reward.

The vocabulary of reinforcement learning, as the API:

- the **environment** is a Gymnasium ``Env`` (``make_env("CartPole-v1")``): it shows an
  observation (the state), takes an action, answers with a reward and the next observation;
- a **trajectory** is one episode's observations, actions and rewards; the **return**
  G_t = r_{t+1} + γ G_{t+1} is the discounted sum of rewards still to come;
- an **agent** (:class:`Agent`) has a **policy** π(a | s), a nerve model choosing actions,
  and a **value function** V(s) or Q(s, a), a nerve model judging states;
- it learns by trial and error with one of three algorithms, each in one module:
  :class:`Reinforce` (Monte-Carlo policy gradient with a baseline), :class:`A2C`
  (advantage actor-critic) and :class:`DQN` (deep Q-learning with experience replay, a
  target network and ε-greedy exploration).

Example:
    >>> from nerve import rl
    >>> env = rl.make_env("CartPole-v1")
    >>> agent = rl.DQN(env, seed=0).learn(env, total_steps=50_000)     # doctest: +SKIP
    >>> rl.evaluate_policy(agent.policy, env, episodes=10, seed=0).mean()    # doctest: +SKIP

``nerve rl CartPole-v1 --algorithm dqn --seed 0`` does this from a shell and writes a run
folder. Needs the ``gymnasium`` package: ``pip install 'nerve[rl]'``.
"""

from .a2c import A2C
from .agent import Agent, evaluate_policy, greedy_actions, mlp
from .dqn import DQN, linear_schedule
from .environment import check_observation, discrete_actions, make_env
from .reinforce import Reinforce, policy_gradient_loss
from .replay import ReplayBuffer
from .runner import ALGORITHMS, play, train_run
from .trajectory import Trajectory, discounted_returns, n_step_returns

__all__ = [
    "A2C", "ALGORITHMS", "Agent", "DQN", "Reinforce", "ReplayBuffer", "Trajectory", "check_observation",
    "discounted_returns", "discrete_actions", "evaluate_policy", "greedy_actions", "linear_schedule",
    "make_env", "mlp", "n_step_returns", "play", "policy_gradient_loss", "train_run",
]
