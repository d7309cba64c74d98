"""What the 1x1 "reductions" of an Inception module save, in weights and multiply-accumulates.

GoogLeNet's naive Inception module (Szegedy et al. 2015, figure 2a) runs 1x1, 3x3 and 5x5
convolutions and a 3x3 max pool side by side on the same input and concatenates them. The
module it uses (figure 2b) puts a 1x1 convolution before the 3x3 and the 5x5 (to few channels:
"3x3 reduce", "5x5 reduce") and after the pool ("pool proj"). For every module of table 1 this
script builds both, with the paper's filter counts and 5x5 kernels, at the sizes GoogLeNet feeds
them (224x224 images: 28x28 for 3a-3b, 14x14 for 4a-4e, 7x7 for 5a-5b), and counts weights and
multiply-accumulates per image (nerve.utils.flops: bias counted once per output value). The
naive module's output is wider (the pool passes every input channel through), so the next
module's input is the reduced network's, as in GoogLeNet; each module is costed on its own.
The reduced module is nerve's GoogLeNet module (batch norm instead of convolution biases:
two weights per channel instead of one, and no "+1" per output); the naive one has biases.

Output (measured): 23,723,664 weights and 3,882,286,464 MACs for the nine naive modules,
5,856,096 and 1,103,972,352 with the reductions (75% fewer weights, 72% fewer MACs).

    python examples/inception_savings.py --out runs/inception_savings.png
"""

import argparse

import nerve
from nerve import layers
from nerve.applications.googlenet import INCEPTION_FILTERS, inception_module
from nerve.utils.file_utils import atomic_write
from nerve.utils.flops import count_macs

# (input side, input channels) of each module in GoogLeNet at 224x224
MODULE_INPUTS = {"3a": (28, 192), "3b": (28, 256), "4a": (14, 480), "4b": (14, 512), "4c": (14, 512),
                 "4d": (14, 512), "4e": (14, 528), "5a": (7, 832), "5b": (7, 832)}


def naive_module(x, filters, name):
    """Figure 2a: 1x1, 3x3 and 5x5 convolutions and a 3x3 max pool, all on the input, concatenated."""
    f1, _, f3, _, f5, _ = filters
    branches = [layers.Conv2D(f1, 1, name=name + "_1x1")(x),
                layers.Conv2D(f3, 3, padding="same", name=name + "_3x3")(x),
                layers.Conv2D(f5, 5, padding="same", name=name + "_5x5")(x),
                layers.MaxPooling2D(3, strides=1, padding="same", name=name + "_pool")(x)]
    return layers.Concatenate(name=name + "_concat")(branches)


def costs():
    """``{module: {"naive": (params, macs), "reduced": (params, macs)}}``."""
    table = {}
    for module, filters in INCEPTION_FILTERS.items():
        side, channels = MODULE_INPUTS[module]
        x = layers.Input((side, side, channels))
        naive = nerve.Model(x, naive_module(x, filters, "naive"))
        reduced = nerve.Model(x, inception_module(x, filters, "reduced", large_kernel=5))
        table[module] = {kind: (sum(int(w.size) for w in model.trainable_weights), count_macs(model))
                         for kind, model in (("naive", naive), ("reduced", reduced))}
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="runs/inception_savings.png")
    args = parser.parse_args()
    table = costs()
    print(f"{'module':>6} {'naive params':>13} {'with 1x1':>11} {'naive MACs':>15} {'with 1x1':>13} {'MACs saved':>10}")
    totals = [0, 0, 0, 0]
    for module, row in table.items():
        (p0, m0), (p1, m1) = row["naive"], row["reduced"]
        totals = [t + v for t, v in zip(totals, (p0, p1, m0, m1))]
        print(f"{module:>6} {p0:>13,} {p1:>11,} {m0:>15,} {m1:>13,} {1 - m1 / m0:>10.1%}")
    print(f"{'all':>6} {totals[0]:>13,} {totals[1]:>11,} {totals[2]:>15,} {totals[3]:>13,} "
          f"{1 - totals[3] / totals[2]:>10.1%}")
    plot(table, args.out)
    print(f"wrote {args.out}")


def plot(table, path):
    import os

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(9, 3.8), layout="constrained")
    FigureCanvasAgg(figure)
    modules = list(table)
    at = np.arange(len(modules))
    for i, (what, scale, unit) in enumerate((("weights", 1e6, "millions"), ("multiply-accumulates", 1e6, "millions"))):
        axes = figure.add_subplot(1, 2, i + 1)
        naive = [table[m]["naive"][i] / scale for m in modules]
        reduced = [table[m]["reduced"][i] / scale for m in modules]
        axes.bar(at - 0.2, naive, 0.4, label="naive (fig. 2a)", color="tab:gray")
        axes.bar(at + 0.2, reduced, 0.4, label="with 1x1 reductions (fig. 2b)", color="tab:blue")
        axes.set_xticks(at, modules)
        axes.set_xlabel("Inception module")
        axes.set_ylabel(f"{what} ({unit})")
        axes.set_title(f"{what}: {1 - sum(reduced) / sum(naive):.0%} fewer with the 1x1 reductions", fontsize=10)
        axes.grid(axis="y", alpha=0.3)
        if i == 0:
            axes.legend(fontsize=8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_write(path) as f:
        figure.savefig(f, dpi=110, format="png")


if __name__ == "__main__":
    main()
