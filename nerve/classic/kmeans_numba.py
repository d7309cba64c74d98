"""k-means's one loop that NumPy can only write as a matrix product: summing each cluster's samples.

``(one-hot assignment)ᵀ X`` spends a full GEMM on k × n × d multiply-adds by 0 or 1; this
kernel adds each sample to its own cluster's row instead, one pass over X. Loaded only
when numba is installed (``nerve[fast]``) and ``NERVE_NUMBA`` is not 0; kmeans.py keeps
the matrix product as the reference and the fallback (and for GPU arrays).
"""

import numba


@numba.njit(cache=True, nogil=True)
def add_rows_by_label(X, labels, sums, counts):
    """sums[labels[i]] += X[i] and counts[labels[i]] += 1 for every row i of X."""
    n_features = X.shape[1]
    for i in range(X.shape[0]):
        j = labels[i]
        counts[j] += 1
        for f in range(n_features):
            sums[j, f] += X[i, f]
