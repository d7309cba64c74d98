"""The learning curve of a reinforcement-learning agent: return per episode as training goes on."""

import numpy

from ._figure import new_figure, save


def plot_learning_curve(episode_returns, path=None, evaluations=None, threshold=None, window=100, title=None):
    """Plot each training episode's return against the environment step at which it ended.

    Args:
        episode_returns: (step, return) pairs, one per training episode (``agent.episode_returns``).
        path: where to write the PNG (None: do not write).
        evaluations: optional (step, mean return) pairs of greedy evaluations made during training.
        threshold: optional return that counts as solved (a dashed line).
        window: episodes in the moving average drawn over the raw returns.
        title: a title over the plot.

    Returns:
        the matplotlib Figure.
    """
    pairs = numpy.asarray(episode_returns, dtype="float64").reshape(-1, 2)
    if len(pairs) == 0:
        raise ValueError("plot_learning_curve: no episode ended in training; nothing to plot")
    steps, returns = pairs[:, 0], pairs[:, 1]
    figure = new_figure(7.0, 4.0)
    axes = figure.add_subplot(1, 1, 1)
    axes.plot(steps, returns, color="tab:blue", alpha=0.25, linewidth=0.8, label="training episode return")
    width = min(window, len(returns))
    cumulative = numpy.concatenate([[0.0], numpy.cumsum(returns)])
    moving = (cumulative[width:] - cumulative[:-width]) / width
    axes.plot(steps[width - 1:], moving, color="tab:blue", linewidth=2,
              label=f"mean of the last {width} episodes")
    if evaluations:
        points = numpy.asarray(evaluations, dtype="float64").reshape(-1, 2)
        axes.plot(points[:, 0], points[:, 1], "o", color="tab:orange", markersize=4,
                  label="greedy policy check (mean return)")
    if threshold is not None:
        axes.axhline(threshold, color="tab:green", linestyle="--", label=f"solved ({threshold:g})")
    axes.set_xlabel("environment steps")
    axes.set_ylabel("return (sum of rewards)")
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize=8)
    if title:
        axes.set_title(title)
    return save(figure, path)
