"""nerve.rl's parts: returns, replay, the ε schedule, the target network, losses, determinism, errors."""

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium", reason="gymnasium is not installed (pip install 'nerve[rl]')")

from nerve import rl  # noqa: E402
from nerve.rl.environment import finite_observations  # noqa: E402


@pytest.fixture
def env():
    return rl.make_env("CartPole-v1")


# ---- returns -------------------------------------------------------------------------------

def test_discounted_returns_by_hand():
    np.testing.assert_allclose(rl.discounted_returns([1.0, 0.0, 2.0], 0.9), [1 + 0.81 * 2, 0.9 * 2, 2.0], rtol=1e-6)
    np.testing.assert_allclose(rl.discounted_returns([1.0, 1.0], 0.5, bootstrap=4.0), [1 + 0.5 + 0.25 * 4, 1 + 2.0])
    rewards = np.random.default_rng(0).random(50)
    powers = 0.97 ** np.arange(50)
    expected = [np.sum(rewards[t:] * powers[:50 - t]) for t in range(50)]
    np.testing.assert_allclose(rl.discounted_returns(rewards, 0.97), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="gamma"):
        rl.discounted_returns([1.0], 1.5)


def test_n_step_returns_restart_at_episode_ends():
    rewards = np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    dones = np.array([[False, False], [True, False], [False, False]])
    returns = rl.n_step_returns(rewards, dones, bootstrap=np.array([10.0, 20.0]), gamma=0.5)
    # env 0: the episode ends after step 1, so steps 0-1 ignore the bootstrap; step 2 starts anew
    np.testing.assert_allclose(returns[:, 0], [1 + 0.5 * 1, 1, 1 + 0.5 * 10])
    np.testing.assert_allclose(returns[:, 1], [1 + 0.5 * 2 + 0.25 * 3 + 0.125 * 20, 2 + 0.5 * 3 + 0.25 * 20,
                                               3 + 0.5 * 20])


def test_trajectory_holds_an_episode():
    trajectory = rl.Trajectory()
    for t in range(3):
        trajectory.add(np.zeros(4), t % 2, 1.0)
    assert len(trajectory) == 3 and trajectory.total_reward == 3.0
    np.testing.assert_allclose(trajectory.returns(0.5), [1.75, 1.5, 1.0])


# ---- replay and exploration ----------------------------------------------------------------

def test_replay_buffer_ring_and_sampling():
    buffer = rl.ReplayBuffer(5, 2, np.random.default_rng(0))
    for i in range(7):                          # 7 into 5 places: 0 and 1 are overwritten
        buffer.add([i, i], i % 2, float(i), [i + 1, i + 1], i == 6)
    assert len(buffer) == 5
    observations, actions, rewards, next_observations, dones = buffer.sample(200)
    assert set(rewards.tolist()) == {2.0, 3.0, 4.0, 5.0, 6.0}
    np.testing.assert_array_equal(observations[:, 0], rewards)
    np.testing.assert_array_equal(next_observations[:, 0], rewards + 1)
    np.testing.assert_array_equal(actions, rewards.astype(int) % 2)
    np.testing.assert_array_equal(dones, (rewards == 6.0).astype("float32"))
    again = rl.ReplayBuffer(5, 2, np.random.default_rng(0))
    for i in range(7):
        again.add([i, i], i % 2, float(i), [i + 1, i + 1], i == 6)
    np.testing.assert_array_equal(again.sample(200)[2], rewards)         # seeded: the same draws
    with pytest.raises(ValueError, match="empty"):
        rl.ReplayBuffer(3, 2).sample(1)


def test_linear_epsilon_schedule():
    epsilon = rl.linear_schedule(1.0, 0.1, 100)
    assert epsilon(0) == 1.0 and epsilon(50) == pytest.approx(0.55) and epsilon(100) == pytest.approx(0.1)
    assert epsilon(10_000) == pytest.approx(0.1)


def test_dqn_explores_at_the_scheduled_rate(env):
    agent = rl.DQN(env, seed=0, epsilon_start=1.0, epsilon_end=0.0)
    agent.epsilon = rl.linear_schedule(0.5, 0.5, 1)
    observation = np.zeros(4, dtype="float32")
    greedy = agent.act(observation, greedy=True)
    picks = np.array([agent.act(observation) for _ in range(2000)])
    assert abs((picks != greedy).mean() - 0.25) < 0.04       # ε/2 of the draws: a random action that differs


# ---- the DQN's target network and targets ---------------------------------------------------

def test_target_network_syncs_on_schedule(env):
    agent = rl.DQN(env, seed=0, learning_starts=32, batch_size=16, target_update_interval=100)
    for a, b in zip(agent.target.get_weights(), agent.policy.get_weights()):
        np.testing.assert_array_equal(a, b)
    agent.learn(env, 150)                         # synced at step 100, then 50 more updates
    assert any(not np.array_equal(a, b) for a, b in zip(agent.target.get_weights(), agent.policy.get_weights()))
    snapshot = [w.copy() for w in agent.target.get_weights()]
    agent.learn(env, 40)                          # steps 151-190: no sync due
    for a, b in zip(agent.target.get_weights(), snapshot):
        np.testing.assert_array_equal(a, b)
    agent.learn(env, 9)
    online = [w.copy() for w in agent.policy.get_weights()]
    agent.learn(env, 1)                           # step 200: θ⁻ ← θ, then θ takes its gradient step
    for a, b, c in zip(agent.target.get_weights(), online, snapshot):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_td_targets_follow_bellman(env):
    agent = rl.DQN(env, seed=0, gamma=0.9)
    next_observations = np.random.default_rng(0).standard_normal((4, 4)).astype("float32")
    best = rl.agent._outputs(agent.target, next_observations).max(axis=1)
    rewards, dones = np.array([1.0, 0.0, 2.0, 1.0]), np.array([0.0, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(agent.td_targets(rewards, next_observations, dones),
                               rewards + 0.9 * (1 - dones) * best, rtol=1e-6)


def test_dqn_update_lowers_the_loss_on_a_fixed_batch(env):
    agent = rl.DQN(env, seed=0, learning_rate=1e-3)
    rng = np.random.default_rng(1)
    batch = (rng.standard_normal((32, 4)).astype("float32"), rng.integers(0, 2, 32), np.ones(32, "float32"),
             rng.standard_normal((32, 4)).astype("float32"), np.zeros(32, "float32"))
    losses = [agent.update(batch) for _ in range(30)]
    assert losses[-1] < losses[0]


# ---- policy gradients -----------------------------------------------------------------------

def test_policy_gradient_loss_value_and_direction(env):
    agent = rl.Reinforce(env, seed=0)
    observations = np.random.default_rng(0).standard_normal((6, 4)).astype("float32")
    actions, advantages = np.array([0, 1, 1, 0, 1, 0]), np.array([1.0, -1.0, 0.5, 2.0, 0.0, -0.5], "float32")
    logits = rl.agent._outputs(agent.policy, observations).astype("float64")
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -(log_p[np.arange(6), actions] * advantages).mean()
    loss = rl.policy_gradient_loss(agent.policy, observations, actions, advantages)
    np.testing.assert_allclose(float(loss.data), expected, rtol=1e-5)
    entropy = -(np.exp(log_p) * log_p).sum(axis=1).mean()
    with_bonus = rl.policy_gradient_loss(agent.policy, observations, actions, advantages, entropy_coef=0.1)
    np.testing.assert_allclose(float(with_bonus.data), expected - 0.1 * entropy, rtol=1e-5)
    # one step on a single positive-advantage action makes it more likely
    before = rl.agent._outputs(agent.policy, observations[:1])
    agent.policy_optimizer.apply(
        rl.reinforce.grad(rl.policy_gradient_loss(agent.policy, observations[:1], actions[:1], advantages[:1]),
                          agent.policy.trainable_weights), agent.policy.trainable_weights)
    after = rl.agent._outputs(agent.policy, observations[:1])
    assert (after[0, 0] - after[0, 1]) > (before[0, 0] - before[0, 1])


def test_sampled_actions_follow_the_policy(env):
    agent = rl.Reinforce(env, seed=0)
    logits = np.tile(np.log([[0.2, 0.8]]), (20_000, 1))
    assert abs(agent.sample_from_logits(logits).mean() - 0.8) < 0.01


# ---- seeded determinism ---------------------------------------------------------------------

@pytest.mark.parametrize("cls, steps", [(rl.Reinforce, 300), (rl.A2C, 320), (rl.DQN, 300)])
def test_same_seed_same_learning(cls, steps):
    kwargs = {"batch_steps": 100} if cls is rl.Reinforce else {"learning_starts": 100} if cls is rl.DQN else {}
    runs = []
    for _ in range(2):
        env = rl.make_env("CartPole-v1")
        agent = cls(env, seed=3, **kwargs).learn(env, steps)
        runs.append((agent.episode_returns, agent.policy.get_weights()))
    assert runs[0][0] == runs[1][0] and len(runs[0][0]) > 3
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
    other_env = rl.make_env("CartPole-v1")
    other = cls(other_env, seed=4, **kwargs).learn(other_env, steps)
    assert other.episode_returns != runs[0][0]


def test_evaluation_is_repeatable(env):
    agent = rl.A2C(env, seed=0)
    first = rl.evaluate_policy(agent.policy, env, episodes=3, seed=10)
    np.testing.assert_array_equal(first, rl.evaluate_policy(agent.policy, env, episodes=3, seed=10))
    assert first.shape == (3,) and (first >= 1).all()


# ---- bad input ------------------------------------------------------------------------------

def test_unknown_environment_id():
    with pytest.raises(ValueError, match=r"unknown environment 'CartPol-v1'.*CartPole-v1"):
        rl.make_env("CartPol-v1")


@pytest.mark.parametrize("cls", [rl.DQN, rl.A2C, rl.Reinforce])
def test_continuous_actions_are_refused(cls):
    with pytest.raises(ValueError, match=r"needs a discrete action space.*Pendulum-v1 has Box"):
        cls(rl.make_env("Pendulum-v1"))


class _NaNAfterThree(gymnasium.Env):
    observation_space = gymnasium.spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
    action_space = gymnasium.spaces.Discrete(2)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        self.t += 1
        observation = np.full(2, np.nan if self.t == 3 else 0.0, dtype=np.float32)
        return observation, 1.0, False, False, {}


def test_nan_observations_stop_training_with_a_clear_error():
    env = finite_observations(_NaNAfterThree())
    with pytest.raises(ValueError, match=r"_NaNAfterThree: step 3 returned an observation with NaN"):
        rl.DQN(env, seed=0).learn(env, 10)


def test_a2c_needs_a_registered_id_for_its_copies():
    env = finite_observations(_NaNAfterThree())
    with pytest.raises(ValueError, match="registered id"):
        rl.A2C(env, seed=0).learn(env, 10)
    with pytest.raises(ValueError, match="step 3 returned an observation with NaN"):
        rl.A2C(env, seed=0, n_envs=1).learn(env, 10)
