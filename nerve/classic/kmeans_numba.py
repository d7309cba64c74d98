"""k-means's per-sample work after the distance GEMM, as one compiled pass (numba).

Given the products x_i·μ_j from BLAS, one loop over the rows of a block finds each
sample's closest centre (d_ij = ‖x_i‖² − 2 x_i·μ_j + ‖μ_j‖², in the same order of float
operations as NumPy's path, so both give the same labels) and adds the sample to that
centre's sum. NumPy needs a chain of small array passes for the first part and a full
one-hot GEMM (k × n × d multiply-adds by 0 or 1) for the second. Loaded only when numba
is installed (``nerve[fast]``) and ``NERVE_NUMBA`` is not 0; kmeans.py keeps the NumPy
path as the reference and the fallback (and for GPU arrays).
"""

import numba


@numba.njit(cache=True, nogil=True)
def assign_and_sum(X, products, x_squared, c_squared, labels, closest, sums, counts):
    """For every row i of X: labels[i] = argmin_j d_ij, closest[i] = max(min_j d_ij, 0),
    sums[labels[i]] += X[i], counts[labels[i]] += 1 (``products`` holds x_i·μ_j)."""
    n_clusters, n_features = products.shape[1], X.shape[1]
    for i in range(X.shape[0]):
        best, best_j = products[i, 0] * -2 + x_squared[i] + c_squared[0], 0
        for j in range(1, n_clusters):
            d = products[i, j] * -2 + x_squared[i] + c_squared[j]
            if d < best:
                best, best_j = d, j
        labels[i] = best_j
        closest[i] = max(best, 0)
        counts[best_j] += 1
        for f in range(n_features):
            sums[best_j, f] += X[i, f]
