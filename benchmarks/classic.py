"""KMeans(10) and PCA(50) on the 60,000 MNIST training vectors: nerve against scikit-learn.

Both run in this process on the same float32 data (pixels / 255, 784 features), with the
same thread count, interleaved round by round. k-means runs from the same seeds on both
sides (one k-means++ start each, n_init="auto"); as the two draw different random streams,
they stop after different numbers of Lloyd iterations, so the time per iteration is printed
beside the total and the inertia, and a second k-means row runs exactly 30 iterations on
both sides (tol=0, max_iter=30): the same work. PCA(50) is a full fit (scikit-learn's "auto" solver picks
the covariance eigendecomposition here, as nerve does).

    python benchmarks/classic.py --threads 2 --rounds 3
"""

import argparse
import os
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60_000)
    args = parser.parse_args(argv)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)      # before NumPy and scikit-learn load their pools

    import numpy
    import sklearn
    from sklearn.cluster import KMeans as SKKMeans
    from sklearn.decomposition import PCA as SKPCA

    sys.path.insert(0, os.path.join(os.path.dirname(__file__)))
    from machine import cpu_model

    from nerve.classic import PCA, KMeans
    from nerve.datasets import mnist

    (x_train, _), _ = mnist.load_data()
    X = x_train.reshape(len(x_train), -1)[:args.samples].astype("float32") / numpy.float32(255)
    load = os.getloadavg()[0]
    print(f"# {cpu_model()}, {os.cpu_count()} cores, {args.threads} threads, X {X.shape} float32, "
          f"scikit-learn {sklearn.__version__}, NumPy {numpy.__version__}; load average at start {load:.2f}")

    def timed(fn):
        started = time.perf_counter()
        result = fn()
        return time.perf_counter() - started, result

    kmeans = {"nerve": [], "sklearn": []}
    pca = {"nerve": [], "sklearn": []}
    fixed = {"nerve": [], "sklearn": []}
    for r in range(args.rounds):
        for side, cls in (("nerve", KMeans), ("sklearn", SKKMeans)):
            seconds, model = timed(lambda: cls(10, random_state=r, n_init=1).fit(X))
            kmeans[side].append((seconds, model.n_iter_, float(model.inertia_)))
        for side, cls in (("nerve", KMeans), ("sklearn", SKKMeans)):    # the same work: 30 iterations
            seconds, model = timed(lambda: cls(10, random_state=r, n_init=1, tol=0.0, max_iter=30).fit(X))
            fixed[side].append(seconds / model.n_iter_)
        for side, cls in (("nerve", PCA), ("sklearn", SKPCA)):
            seconds, model = timed(lambda: cls(50).fit(X))
            pca[side].append((seconds, float(numpy.asarray(model.explained_variance_ratio_).sum())))

    print("task       side      seed  fit s   iterations  s/iteration  inertia")
    for r in range(args.rounds):
        for side in ("nerve", "sklearn"):
            seconds, iterations, inertia = kmeans[side][r]
            print(f"KMeans(10) {side:<8}  {r:>4}  {seconds:6.2f}  {iterations:>10}  {seconds / iterations:11.3f}  "
                  f"{inertia:.1f}")

    def median(values):
        return sorted(values)[len(values) // 2]

    per_iteration = {s: median([t / n for t, n, _ in kmeans[s]]) for s in kmeans}
    total = {s: median([t for t, _, _ in kmeans[s]]) for s in kmeans}
    print(f"KMeans(10) median fit: nerve {total['nerve']:.2f} s, sklearn {total['sklearn']:.2f} s; "
          f"median per iteration: nerve {per_iteration['nerve'] * 1e3:.1f} ms, sklearn "
          f"{per_iteration['sklearn'] * 1e3:.1f} ms "
          f"(sklearn/nerve {per_iteration['sklearn'] / per_iteration['nerve']:.2f})")
    steady = {s: median(fixed[s]) for s in fixed}
    print(f"KMeans(10) tol=0, max_iter=30 (the same number of iterations): median per iteration nerve "
          f"{steady['nerve'] * 1e3:.1f} ms, sklearn {steady['sklearn'] * 1e3:.1f} ms "
          f"(sklearn/nerve {steady['sklearn'] / steady['nerve']:.2f})")
    times = {s: median([t for t, _ in pca[s]]) for s in pca}
    print(f"PCA(50)    median fit: nerve {times['nerve']:.2f} s, sklearn {times['sklearn']:.2f} s "
          f"(sklearn/nerve {times['sklearn'] / times['nerve']:.2f}); variance kept nerve {pca['nerve'][0][1]:.5f}, "
          f"sklearn {pca['sklearn'][0][1]:.5f}")
    print(f"# load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
