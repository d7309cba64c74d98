"""nerve.random: ``keras.random``: draws with Keras's seeding rules (stateless given an int seed,
a new key per call from a SeedGenerator, the global generator seeded by set_random_seed)."""

from .random import (  # noqa: F401
    beta, binomial, categorical, dropout, gamma, normal, randint, shuffle, truncated_normal, uniform,
)
from .seed_generator import SeedGenerator, draw_generator  # noqa: F401
