"""Experience replay: a fixed-size ring of past transitions, sampled uniformly at random."""

import numpy


class ReplayBuffer:
    """Keeps the last ``capacity`` transitions (s, a, r, s', done) in preallocated arrays.

    Args:
        capacity: how many transitions it holds; the oldest is overwritten when full.
        observation_size: the length of an observation vector.
        rng: the NumPy Generator that draws the minibatches (seeded by the agent).
    """

    def __init__(self, capacity, observation_size, rng=None):
        if capacity < 1:
            raise ValueError(f"ReplayBuffer: capacity must be a positive integer, received {capacity!r}")
        self.capacity = int(capacity)
        self.rng = rng if rng is not None else numpy.random.default_rng()
        self.observations = numpy.zeros((capacity, observation_size), dtype="float32")
        self.next_observations = numpy.zeros((capacity, observation_size), dtype="float32")
        self.actions = numpy.zeros(capacity, dtype="int64")
        self.rewards = numpy.zeros(capacity, dtype="float32")
        self.dones = numpy.zeros(capacity, dtype="float32")
        self.position = 0           # where the next transition goes
        self.size = 0               # how many are stored

    def __len__(self):
        return self.size

    def add(self, observation, action, reward, next_observation, done):
        i = self.position
        self.observations[i], self.actions[i], self.rewards[i] = observation, action, reward
        self.next_observations[i], self.dones[i] = next_observation, done
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size):
        """``batch_size`` transitions drawn uniformly (with replacement) from those stored:
        (observations, actions, rewards, next_observations, dones) arrays."""
        if self.size == 0:
            raise ValueError("ReplayBuffer.sample: the buffer is empty; add transitions first")
        index = self.rng.integers(0, self.size, size=batch_size)
        return (self.observations[index], self.actions[index], self.rewards[index],
                self.next_observations[index], self.dones[index])
