"""Unsupervised learning on MNIST: PCA and k-means with nerve.classic, and their pictures.

    python examples/kmeans_pca.py --out runs/kmeans_pca

writes
- pca_projection.png: the 60,000 training digits on their first two principal components,
  coloured by their (unused in fitting) labels;
- explained_variance.png: the variance each component explains and the running total;
- centroids.png: the 10 k-means centres as images, each captioned with its cluster's size
  and most common label;
- elbow.png: k-means inertia against k (on a subset, ``--elbow-samples``).
"""

import argparse
import os
import time

import numpy

from nerve import visualize
from nerve.classic import PCA, KMeans
from nerve.datasets import mnist


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("runs", "kmeans_pca"))
    parser.add_argument("--samples", type=int, default=60_000, help="training digits used (default all)")
    parser.add_argument("--elbow-samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    (x_train, y_train), _ = mnist.load_data()
    X = x_train[:args.samples].reshape(-1, 784).astype("float32") / numpy.float32(255)
    y = y_train[:args.samples]

    started = time.perf_counter()
    pca = PCA(50).fit(X)
    print(f"PCA(50) on {X.shape}: {time.perf_counter() - started:.1f} s; the 50 components keep "
          f"{pca.explained_variance_ratio_.sum():.1%} of the variance, the first two "
          f"{pca.explained_variance_ratio_[:2].sum():.1%}")
    visualize.plot_pca_projection(pca.transform(X)[:, :2], y, os.path.join(args.out, "pca_projection.png"),
                                  title=f"MNIST on its first two principal components "
                                        f"(fitted on {len(X)} digits; {min(len(X), 20_000)} drawn)")
    full = PCA().fit(X)
    visualize.plot_explained_variance(full.explained_variance_ratio_[:200],
                                      os.path.join(args.out, "explained_variance.png"),
                                      title="MNIST: variance explained by the first 200 principal components")

    started = time.perf_counter()
    kmeans = KMeans(10, random_state=args.seed).fit(X)
    print(f"KMeans(10) on {X.shape}: {time.perf_counter() - started:.1f} s, {kmeans.n_iter_} iterations, "
          f"inertia {kmeans.inertia_:.1f}")
    titles, purity = [], 0
    for j in range(10):
        members = y[kmeans.labels_ == j]
        common = numpy.bincount(members, minlength=10)
        purity += common.max()
        titles.append(f"n={len(members)}, mostly {common.argmax()}")
    print(f"cluster purity (share of digits in their cluster's most common label): {purity / len(y):.1%}")
    visualize.plot_centroids(kmeans.cluster_centers_, os.path.join(args.out, "centroids.png"), titles=titles,
                             title=f"k-means centres of {len(X)} MNIST digits (k=10)")

    subset = X[:args.elbow_samples]
    ks = list(range(2, 21, 2))
    inertias = [KMeans(k, random_state=args.seed).fit(subset).inertia_ for k in ks]
    visualize.plot_elbow(ks, inertias, os.path.join(args.out, "elbow.png"),
                         title=f"k-means inertia against k ({len(subset)} MNIST digits)")
    print("inertia by k: " + ", ".join(f"{k}: {i:.0f}" for k, i in zip(ks, inertias)))
    print(f"wrote {args.out}/pca_projection.png, explained_variance.png, centroids.png, elbow.png")


if __name__ == "__main__":
    main()
