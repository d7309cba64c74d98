"""The environment: where the agent acts. Gymnasium's ``Env`` is the interface.

At each step t the agent sees an observation s_t (the state, as far as it is shown),
chooses an action a_t, and the environment answers with a reward r_{t+1}, the next
observation s_{t+1}, and whether the episode ended: ``terminated`` (a terminal state:
the pole fell) or ``truncated`` (a time limit cut it short; the state is not terminal,
so its value is still worth bootstrapping from).

nerve uses the real ``gymnasium`` package (the maintained successor of OpenAI Gym), an
optional dependency: ``pip install nerve[rl]``.
"""

import numpy

RL_EXTRA_HINT = "nerve.rl needs the gymnasium package: pip install 'nerve[rl]' (or pip install gymnasium)"


def _gymnasium():
    try:
        import gymnasium
    except ImportError as err:
        raise ImportError(RL_EXTRA_HINT) from err
    return gymnasium


def make_env(env_id, **kwargs):
    """A Gymnasium environment by id (``"CartPole-v1"``), its observations checked for NaN.

    Seed it as Gymnasium does, with the first ``env.reset(seed=...)``. An unknown id raises a
    ValueError naming it and the registered ids that come closest.
    """
    gymnasium = _gymnasium()
    if not isinstance(env_id, str):
        raise TypeError(f"make_env: expected an environment id (a string such as 'CartPole-v1'), "
                        f"received {type(env_id).__name__}")
    try:
        env = gymnasium.make(env_id, **kwargs)
    except gymnasium.error.DependencyNotInstalled as err:      # e.g. LunarLander without Box2D
        raise ImportError(f"make_env: environment {env_id!r} needs a package that is not installed: {err}") from err
    except gymnasium.error.Error as err:
        import difflib
        close = difflib.get_close_matches(env_id, list(gymnasium.registry), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see gymnasium.registry for the ids"
        raise ValueError(f"make_env: unknown environment {env_id!r} ({err}){hint}") from None
    except ImportError as err:
        raise ImportError(f"make_env: environment {env_id!r} needs a package that is not installed: {err}") from err
    return finite_observations(env)


def discrete_actions(env, algorithm):
    """The number of actions of ``env``; a ValueError when its action space is not discrete."""
    gymnasium = _gymnasium()
    space = env.action_space
    if not isinstance(space, gymnasium.spaces.Discrete):
        name = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        raise ValueError(f"{algorithm}: needs a discrete action space (gymnasium.spaces.Discrete), "
                         f"but {name} has {space}; choose an environment with discrete actions")
    return int(space.n)


def observation_size(env):
    """The length of a flat observation vector of ``env`` (a ValueError for images, dicts...)."""
    gymnasium = _gymnasium()
    space = env.observation_space
    if not isinstance(space, gymnasium.spaces.Box) or len(space.shape) != 1:
        raise ValueError(f"nerve.rl: expected observations that are flat vectors (a 1-D Box space), "
                         f"received {space}")
    return int(space.shape[0])


def finite_observations(env):
    """``env`` wrapped so that an observation or reward with NaN or infinity raises a ValueError
    at once, naming the environment and the step, instead of silently poisoning the networks."""
    return _finite_wrapper_class()(env)


_FINITE_CLASS = None


def _finite_wrapper_class():
    # a real gymnasium.Wrapper subclass, made on first use so that importing nerve.rl needs no gymnasium
    global _FINITE_CLASS
    if _FINITE_CLASS is None:
        class FiniteObservations(_gymnasium().Wrapper):
            def reset(self, **kwargs):
                observation, info = self.env.reset(**kwargs)
                self._steps = 0
                return check_observation(observation, self, 0), info

            def step(self, action):
                observation, reward, terminated, truncated, info = self.env.step(action)
                self._steps += 1
                observation = check_observation(observation, self, self._steps)
                if not numpy.isfinite(reward):
                    raise ValueError(f"{_name(self)}: step {self._steps} returned the reward {reward!r}; "
                                     f"expected a finite number")
                return observation, float(reward), terminated, truncated, info

        _FINITE_CLASS = FiniteObservations
    return _FINITE_CLASS


def _name(env):
    spec = getattr(env, "spec", None)
    return spec.id if spec is not None else type(env.unwrapped).__name__


def check_observation(observation, env=None, step=None):
    """``observation`` as a float32 array; a ValueError when it holds NaN or infinity."""
    array = numpy.asarray(observation, dtype="float32")
    if not numpy.isfinite(array).all():
        where = f"{_name(env)}: " if env is not None else ""
        when = "the reset" if step == 0 else f"step {step}" if step is not None else "an observation"
        raise ValueError(f"{where}{when} returned an observation with NaN or infinity: {array.tolist()}; "
                         f"expected finite numbers")
    return array
