"""``nerve rl``: train an agent on a Gymnasium environment, or play a saved one.

    nerve rl CartPole-v1 --algorithm dqn --seed 0 --out runs/cartpole_dqn
    nerve rl CartPole-v1 --play runs/cartpole_dqn/model.nerve --episodes 100
"""

import os
import sys


def add_parser(commands):
    """Add the ``rl`` subcommand to the ``nerve`` command's subparsers."""
    p = commands.add_parser("rl", help="train a reinforcement-learning agent on a Gymnasium environment, "
                                        "or evaluate a saved one (--play)")
    p.add_argument("env_id", metavar="ENV_ID", help="a Gymnasium environment id, e.g. CartPole-v1")
    p.add_argument("--algorithm", choices=("reinforce", "a2c", "dqn"), default=None,
                   help="the learning algorithm (required unless --play)")
    p.add_argument("--seed", type=int, default=0, help="seed for weights, actions and environments (default 0)")
    p.add_argument("--steps", type=int, default=None, metavar="N",
                   help="most environment steps to train (default: the environment's recipe, else "
                        "reinforce 500000, a2c 500000, dqn 200000)")
    p.add_argument("--eval-interval", type=int, default=10_000, metavar="N",
                   help="environment steps between greedy checks in training (default 10000)")
    p.add_argument("--out", default=None, metavar="DIR", help="run folder (default runs/rl_ENV_ALGORITHM_sSEED)")
    p.add_argument("--play", default=None, metavar="MODEL_FILE", help="evaluate this saved policy instead of training")
    p.add_argument("--episodes", type=int, default=100, help="evaluation episodes (default 100)")
    p.set_defaults(run=run, parser=p)
    return p


def run(args, parser):
    from .environment import make_env
    if args.episodes < 1 or (args.steps is not None and args.steps < 1) or args.eval_interval < 1:
        parser.error("--episodes, --steps and --eval-interval must be positive")
    try:
        make_env(args.env_id).close()              # an unknown id fails here, before any work
    except (ValueError, ImportError) as err:
        parser.error(str(err))
    if args.play is not None:
        return _play(args, parser)
    if args.algorithm is None:
        parser.error("--algorithm is required to train (or give --play MODEL_FILE)")
    from .runner import train_run
    out = args.out or os.path.join("runs", f"rl_{args.env_id}_{args.algorithm}_s{args.seed}")
    print(f"nerve: training {args.algorithm} on {args.env_id}, seed {args.seed}, run folder {out}", flush=True)
    try:
        metrics = train_run(args.env_id, args.algorithm, seed=args.seed, out=out, steps=args.steps,
                            eval_interval=args.eval_interval, eval_episodes=args.episodes,
                            log=lambda line: print(line, flush=True))
    except ValueError as err:                       # e.g. DQN on a continuous action space, NaN observations
        print(f"nerve rl: error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"evaluation: mean return {metrics['eval_mean_return']:.1f} ± {metrics['eval_std_return']:.1f} over "
          f"{metrics['eval_episodes']} episodes ({'solved' if metrics['solved'] else 'not solved'}, threshold "
          f"{metrics['threshold']}); {metrics['train_steps']} environment steps in {metrics['train_seconds']:.1f} s")
    print(f"wrote {os.path.join(out, 'model.nerve')}, {os.path.join(out, 'metrics.json')}, "
          f"{os.path.join(out, 'learning_curve.png')}")


def _play(args, parser):
    from .runner import play
    if not os.path.isfile(args.play):
        parser.error(f"no such file: {args.play}")
    try:
        returns = play(args.play, args.env_id, args.episodes)
    except ValueError as err:
        parser.error(str(err))
    print(f"{args.env_id}: mean return {returns.mean():.1f} ± {returns.std():.1f} over {args.episodes} "
          f"episodes (min {returns.min():g}, max {returns.max():g})")
