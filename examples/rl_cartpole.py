"""The CartPole-v1 recipe: REINFORCE with baseline, A2C and DQN, several seeds each.

Each run is what ``nerve rl CartPole-v1 --algorithm ALG --seed S --out runs/rl/cartpole_ALG_sS``
does: train until a 100-episode greedy evaluation reaches Gymnasium's threshold (475) or
the step budget ends, then report a fresh 100-episode evaluation. This script runs them
all and prints a table (also written to runs/rl/cartpole_summary.md).

    python examples/rl_cartpole.py                       # 3 algorithms x seeds 0-4
    python examples/rl_cartpole.py --algorithms dqn --seeds 0 1
    python examples/rl_cartpole.py --summarize           # only the table, from the run folders there
"""

import argparse
import json
import os
import sys
import time

from nerve.rl import train_run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algorithms", nargs="+", default=["reinforce", "a2c", "dqn"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", default=os.path.join("runs", "rl"))
    parser.add_argument("--summarize", action="store_true",
                        help="train nothing: tabulate the metrics.json of the run folders already there")
    args = parser.parse_args(argv)
    rows = []
    for algorithm in args.algorithms:
        for seed in args.seeds:
            out = os.path.join(args.out, f"cartpole_{algorithm}_s{seed}")
            if args.summarize:
                path = os.path.join(out, "metrics.json")
                if os.path.isfile(path):
                    with open(path) as f:
                        rows.append(json.load(f))
                continue
            print(f"== {algorithm}, seed {seed} -> {out}", flush=True)
            m = train_run("CartPole-v1", algorithm, seed=seed, out=out, log=lambda line: print(line, flush=True))
            rows.append(m)
            print(f"   evaluation {m['eval_mean_return']:.1f} ± {m['eval_std_return']:.1f}, "
                  f"{'solved' if m['solved'] else 'NOT solved'}, {m['train_steps']} steps, "
                  f"{m['train_seconds']:.1f} s", flush=True)
    lines = ["| algorithm | seed | eval mean return (100 ep.) | solved | env steps | wall time (s) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for m in rows:
        lines.append(f"| {m['algorithm']} | {m['seed']} | {m['eval_mean_return']:.1f} ± {m['eval_std_return']:.1f} | "
                     f"{'yes' if m['solved'] else 'no'} | {m['train_steps']} | {m['train_seconds']:.1f} |")
    lines.append("")
    for algorithm in args.algorithms:
        runs = [m for m in rows if m["algorithm"] == algorithm]
        lines.append(f"- {algorithm}: {sum(m['solved'] for m in runs)} of {len(runs)} seeds solve")
    table = "\n".join(lines)
    print(table)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "cartpole_summary.md"), "w") as f:
        f.write(f"<!-- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {' '.join(sys.argv)} -->\n{table}\n")


if __name__ == "__main__":
    main()
