"""``nerve rl``: a tiny training run writes its folder, --play evaluates it, bad input fails clearly."""

import json

import pytest

pytest.importorskip("gymnasium", reason="gymnasium is not installed (pip install 'nerve[rl]')")

from nerve import cli  # noqa: E402


def test_train_then_play(tmp_path, capsys):
    out = tmp_path / "run"
    status = cli.main(["rl", "CartPole-v1", "--algorithm", "a2c", "--seed", "1", "--steps", "640",
                       "--eval-interval", "320", "--episodes", "3", "--out", str(out)])
    assert status == 0
    for name in ("model.nerve", "metrics.json", "episodes.csv", "learning_curve.png"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["algorithm"] == "a2c" and metrics["seed"] == 1 and metrics["eval_episodes"] == 3
    assert metrics["train_steps"] >= 640 and len(metrics["checks"]) >= 1
    assert metrics["threshold"] == 475.0 and metrics["solved"] == (metrics["eval_mean_return"] >= 475)
    assert metrics["hyperparameters"]["gamma"] == 0.99
    capsys.readouterr()
    assert cli.main(["rl", "CartPole-v1", "--play", str(out / "model.nerve"), "--episodes", "3"]) == 0
    printed = capsys.readouterr().out
    assert f"mean return {metrics['eval_mean_return']:.1f}" in printed      # the same episodes, the same figure


@pytest.mark.parametrize("argv, status, message", [
    (["rl", "CartPol-v1", "--algorithm", "dqn"], 2, "unknown environment 'CartPol-v1'"),
    (["rl", "CartPole-v1"], 2, "--algorithm is required"),
    (["rl", "CartPole-v1", "--play", "no/such/model.nerve"], 2, "no such file"),
    (["rl", "Pendulum-v1", "--algorithm", "dqn", "--steps", "10", "--out", "{tmp}"], 1,
     "needs a discrete action space"),
])
def test_bad_input_is_a_clear_error(argv, status, message, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path / "x")) for a in argv]
    try:
        code = cli.main(argv)
    except SystemExit as exit_:
        code = exit_.code
    assert code == status
    assert message in capsys.readouterr().err


def test_an_unsolved_run_keeps_its_best_checked_policy(tmp_path):
    from nerve.models import load_model
    from nerve.rl import evaluate_policy, make_env, train_run
    from nerve.rl.runner import CHECK_SEED
    metrics = train_run("CartPole-v1", "a2c", seed=0, out=str(tmp_path), steps=1280, eval_interval=320,
                        check_episodes=3, eval_episodes=3, threshold=1e9, log=lambda line: None)
    checks = dict(metrics["checks"])
    kept = metrics["kept_policy_step"]
    assert len(checks) >= 3 and checks[kept] == max(checks.values())
    model = load_model(str(tmp_path / "model.nerve"))
    replayed = evaluate_policy(model, make_env("CartPole-v1"), 3, CHECK_SEED + kept).mean()
    assert replayed == checks[kept]          # the saved policy is the one that made the best check
