"""Training runs and evaluations as the ``nerve rl`` command does them.

A run trains one agent on one environment, checking the greedy policy every
``eval_interval`` steps on ``check_episodes`` episodes. When a check reaches the
environment's threshold (Gymnasium's ``reward_threshold``: 475 for CartPole-v1), the
policy is evaluated on ``eval_episodes`` episodes; if that mean reaches the threshold
too, training stops: the problem is solved. Otherwise training runs its full budget
and the best-checked weights are kept. The figure reported (``eval_mean_return``) is
a final evaluation of the kept policy on episodes seeded apart from every episode
that chose it, so the choice does not flatter it.
"""

import csv
import inspect
import json
import os

import numpy

from ..utils.file_utils import atomic_write
from .a2c import A2C
from .agent import Stopwatch, evaluate_policy
from .dqn import DQN
from .environment import make_env
from .reinforce import Reinforce

ALGORITHMS = {"reinforce": Reinforce, "a2c": A2C, "dqn": DQN}
DEFAULT_STEPS = {"reinforce": 500_000, "a2c": 500_000, "dqn": 200_000}
# (environment, algorithm): hyperparameters and step budget where the defaults (tuned on CartPole) do not fit;
# LunarLander's DQN after the RL Baselines3 Zoo's (wider network, larger batch, slower ε floor)
RECIPES = {
    ("LunarLander-v3", "dqn"): {"steps": 100_000, "learning_rate": 6.3e-4, "batch_size": 128, "train_frequency": 1,
                                "buffer_size": 50_000, "target_update_interval": 250,
                                "exploration_fraction": 0.12, "epsilon_end": 0.1, "hidden": (256, 256)},
}
CHECK_SEED = 1_000_000           # episodes of the checks made during training start here
SELECT_SEED = 2_000_000          # the evaluation that decides "solved, stop"
FINAL_SEED = 3_000_000           # the reported evaluation (and the default of --play)


def get_algorithm(name):
    try:
        return ALGORITHMS[name.lower()]
    except (KeyError, AttributeError):
        raise ValueError(f"nerve.rl: unknown algorithm {name!r}; expected one of {', '.join(ALGORITHMS)}") from None


def train_run(env_id, algorithm, seed=0, out=None, steps=None, eval_interval=10_000, check_episodes=10,
              eval_episodes=100, threshold=None, log=print, **hyperparameters):
    """Train ``algorithm`` on ``env_id`` and write a run folder; returns the metrics dict.

    The folder holds ``model.nerve`` (the policy network: greedy action = argmax of its
    outputs), ``metrics.json``, ``episodes.csv`` (step and return of every training
    episode) and ``learning_curve.png``.
    """
    cls = get_algorithm(algorithm)
    env = make_env(env_id)
    check_env, select_env = make_env(env_id), make_env(env_id)
    if threshold is None:
        threshold = env.spec.reward_threshold if env.spec is not None else None
    recipe = dict(RECIPES.get((env_id, algorithm.lower()), {}))
    steps = steps or recipe.pop("steps", None) or DEFAULT_STEPS[algorithm.lower()]
    recipe.pop("steps", None)
    hyperparameters = {**recipe, **hyperparameters}
    agent = cls(env, seed=seed, **hyperparameters)
    clock = Stopwatch()
    state = {"next": eval_interval, "best": -numpy.inf, "weights": None, "kept": None, "checks": [],
             "solved_at": None}

    def check(agent):
        if agent.steps < state["next"]:
            return False
        state["next"] += eval_interval
        mean = float(evaluate_policy(agent.policy, check_env, check_episodes, CHECK_SEED + agent.steps).mean())
        state["checks"].append((agent.steps, mean))
        recent = [r for _, r in agent.episode_returns[-100:]]
        log(f"step {agent.steps:>8}  training return {numpy.mean(recent) if recent else 0:7.1f}  "
            f"greedy check {mean:6.1f}  ({clock.seconds:.0f} s)")
        if mean >= state["best"]:                # copies: get_weights() shares the live arrays
            state["best"], state["kept"] = mean, agent.steps
            state["weights"] = [w.copy() for w in agent.policy.get_weights()]
        if threshold is not None and mean >= threshold:
            selection = evaluate_policy(agent.policy, select_env, eval_episodes, SELECT_SEED).mean()
            log(f"  {eval_episodes}-episode evaluation {selection:.1f} (threshold {threshold:g})")
            if selection >= threshold:
                state["solved_at"] = agent.steps
                return True
        return False

    agent.learn(env, steps, callback=check)
    train_seconds = clock.seconds
    if state["solved_at"] is None and state["weights"] is not None:
        agent.policy.set_weights(state["weights"])          # the best-checked policy
    else:
        state["kept"] = agent.steps
    returns = evaluate_policy(agent.policy, make_env(env_id), eval_episodes, FINAL_SEED)
    metrics = {
        "env": env_id, "algorithm": algorithm.lower(), "seed": seed,
        "eval_mean_return": round(float(returns.mean()), 2), "eval_std_return": round(float(returns.std()), 2),
        "eval_episodes": eval_episodes, "eval_seeds": f"{FINAL_SEED}..{FINAL_SEED + eval_episodes - 1}",
        "threshold": threshold, "solved": bool(threshold is not None and returns.mean() >= threshold),
        "steps_to_solve": state["solved_at"], "kept_policy_step": state["kept"], "train_steps": agent.steps,
        "train_episodes": len(agent.episode_returns),
        "train_seconds": round(train_seconds, 1),
        "hyperparameters": _hyperparameters(cls, hyperparameters),
        "checks": state["checks"],
    }
    if out is not None:
        write_run(out, agent, metrics, threshold)
    return metrics


def _hyperparameters(cls, overrides):
    """Every constructor argument of the agent but env and seed: its default, or the value given."""
    parameters = inspect.signature(cls).parameters
    chosen = {name: p.default for name, p in parameters.items() if name not in ("env", "seed")}
    chosen.update(overrides)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in chosen.items()}


def write_run(out, agent, metrics, threshold):
    from ..visualize.reinforcement import plot_learning_curve
    os.makedirs(out, exist_ok=True)
    agent.save(os.path.join(out, "model.nerve"))
    with atomic_write(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    with atomic_write(os.path.join(out, "episodes.csv"), "w") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "return"])
        writer.writerows(agent.episode_returns)
    if agent.episode_returns:
        title = (f"{agent.algorithm} on {metrics['env']} (seed {metrics['seed']}): "
                 f"evaluation {metrics['eval_mean_return']:.1f} over {metrics['eval_episodes']} episodes")
        plot_learning_curve(agent.episode_returns, os.path.join(out, "learning_curve.png"),
                            evaluations=metrics["checks"], threshold=threshold, title=title)


def play(model_path, env_id, episodes=100, seed=FINAL_SEED):
    """Evaluate a saved policy (``model.nerve``) greedily on ``episodes`` episodes; their returns."""
    from ..models import load_model
    env = make_env(env_id)
    model = load_model(model_path)
    outputs = model.output_shape[-1] if getattr(model, "output_shape", None) else None
    if outputs is not None and outputs != env.action_space.n:
        raise ValueError(f"nerve rl --play: the model has {outputs} outputs but {env_id} has "
                         f"{env.action_space.n} actions")
    return evaluate_policy(model, env, episodes, seed)
