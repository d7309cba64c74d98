"""Matrix decompositions with their reverse-mode rules: cholesky, qr, eigh, svd.

All work on the last two axes and batch over the others (NumPy's ``linalg``). A decomposition
with several outputs is one Function whose forward packs them into one flat array; the outputs
are views cut out of it (:func:`_unpack`), so autodiff hands back one packed gradient with a
zero block for an output nobody used.

The rules (real case; Φ(M) is the lower triangle of M with its diagonal halved, sym(M) = ½(M + Mᵀ)):

    cholesky  A = L Lᵀ:        Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹)                          (Murray, 2016)
    qr        A = Q R (m ≥ n): M = R R̄ᵀ − Q̄ᵀ Q,  Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ      (copyltu: lower → symmetric)
    eigh      A = V diag(w) Vᵀ: Ā = sym(V (diag(w̄) + F ∘ Vᵀ V̄) Vᵀ),  Fᵢⱼ = 1/(wⱼ − wᵢ), Fᵢᵢ = 0
    svd       A = U diag(s) Vᵀ: Ā = U[(F ∘ (UᵀŪ − ŪᵀU)) S + diag(s̄) + S (F ∘ (VᵀV̄ − V̄ᵀV))]Vᵀ
                                 + (I − UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I − VVᵀ),   Fᵢⱼ = 1/(sⱼ² − sᵢ²)
                                                                                  (Townsend, 2016)

Cholesky and eigh read one triangle of a symmetric input; their gradients are symmetric, as
PyTorch's and JAX's. Gradients through repeated eigenvalues or singular values are undefined
(F blows up), as everywhere.
"""

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor
from .shape_ops import getitem, reshape

__all__ = ["cholesky", "eigh", "qr", "svd"]


def _t(a):
    return backend.array_module(a).swapaxes(a, -1, -2)


def _sym(a):
    return 0.5 * (a + _t(a))


def _check_matrix(name, x, square=True):
    x = as_tensor(x)
    if x.ndim < 2 or (square and x.shape[-1] != x.shape[-2]):
        kind = "square matrices" if square else "matrices"
        raise ValueError(f"{name}: expected {kind} in the last two axes (..., M, N), received shape {x.shape}")
    if not backend.is_float_dtype(x.dtype):
        raise TypeError(f"{name}: expected a floating-point input, received dtype {x.dtype}")
    return x


def _pack(xp, *arrays):
    batch = arrays[0].shape[:-2] if arrays[0].ndim >= 2 else arrays[0].shape[:-1]
    return xp.concatenate([a.reshape(*batch, -1) for a in arrays], axis=-1)


def _unpack(packed, shapes):
    """Tensors of ``shapes`` (each without the batch axes) cut from the last axis of ``packed``."""
    batch, outputs, start = packed.shape[:-1], [], 0
    for shape in shapes:
        size = 1
        for n in shape:
            size *= n
        piece = getitem(packed, (Ellipsis, slice(start, start + size)))
        outputs.append(reshape(piece, (*batch, *shape)))
        start += size
    return outputs


def _split(xp, packed, shapes):
    """The raw-array counterpart of :func:`_unpack` (for backward)."""
    batch, outputs, start = packed.shape[:-1], [], 0
    for shape in shapes:
        size = 1
        for n in shape:
            size *= n
        outputs.append(packed[..., start:start + size].reshape(*batch, *shape))
        start += size
    return outputs


class Cholesky(Function):
    def forward(self, a):
        self.l = backend.array_module(a).linalg.cholesky(a)
        return self.l

    def backward(self, gl):
        xp = backend.array_module(gl)
        l = self.l
        phi = xp.tril(_t(l) @ gl)
        phi -= 0.5 * xp.tril(xp.triu(phi))        # halve the diagonal
        l_inv = xp.linalg.inv(l)
        return (_sym(_t(l_inv) @ phi @ l_inv),)


def cholesky(x, upper=False):
    """The Cholesky factor of symmetric positive-definite ``x``: lower L with x = L Lᵀ (upper: Lᵀ).

    Raises numpy.linalg.LinAlgError when ``x`` is not positive-definite.
    """
    x = _check_matrix("cholesky", x)
    lower = Cholesky()(x)
    return _swap(lower) if upper else lower


def _swap(x):
    from .shape_ops import swapaxes
    return swapaxes(x, -1, -2)


class QR(Function):
    def __init__(self, mode):
        self.mode = mode

    def forward(self, a):
        xp = backend.array_module(a)
        self.q, self.r = xp.linalg.qr(a, mode=self.mode)
        return _pack(xp, self.q, self.r)

    def backward(self, g):
        xp = backend.array_module(g)
        q, r = self.q, self.r
        m, n = q.shape[-2], r.shape[-1]
        if m < n or q.shape[-1] != n:
            raise ValueError(
                f"qr: the gradient is defined for mode='reduced' with M >= N; received a "
                f"({m}, {n}) input in mode {self.mode!r}"
            )
        gq, gr = _split(xp, g, [q.shape[-2:], r.shape[-2:]])
        mm = r @ _t(gr) - _t(gq) @ q
        lower = xp.tril(mm, -1)
        copyltu = lower + _t(lower) + xp.tril(xp.triu(mm))
        rhs = gq + q @ copyltu                       # Ā Rᵀ = rhs: solve with R (upper triangular)
        return (_t(xp.linalg.solve(r, _t(rhs))),)


def qr(x, mode="reduced"):
    """QR decomposition x = Q R: Q with orthonormal columns, R upper triangular.

    Args:
        mode: "reduced" (Q (..., M, K), R (..., K, N), K = min(M, N)) or "complete" (Q (..., M, M)).
    Returns:
        (Q, R). Gradients: mode "reduced" with M >= N.
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', received {mode!r}")
    x = _check_matrix("qr", x, square=False)
    m, n = x.shape[-2:]
    k = m if mode == "complete" else min(m, n)
    return tuple(_unpack(QR(mode)(x), [(m, k), (k, n)]))


class Eigh(Function):
    def forward(self, a):
        xp = backend.array_module(a)
        self.w, self.v = xp.linalg.eigh(a)
        return _pack(xp, self.w[..., None], self.v)

    def backward(self, g):
        xp = backend.array_module(g)
        w, v = self.w, self.v
        n = w.shape[-1]
        gw, gv = _split(xp, g, [(n,), (n, n)])
        gap = w[..., None, :] - w[..., :, None]          # wⱼ − wᵢ
        eye = xp.eye(n, dtype=bool)
        f = xp.where(eye, 0, 1 / xp.where(eye, 1, gap))
        inner = f * (_t(v) @ gv)
        inner[..., xp.arange(n), xp.arange(n)] += gw
        return (_sym(v @ inner @ _t(v)),)


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric ``x``: x = V diag(w) Vᵀ.

    Returns:
        (w (..., N), V (..., N, N)).
    """
    x = _check_matrix("eigh", x)
    n = x.shape[-1]
    w, v = _unpack(Eigh()(x), [(n,), (n, n)])
    return w, v


class SVD(Function):
    def __init__(self, full_matrices):
        self.full_matrices = full_matrices

    def forward(self, a):
        xp = backend.array_module(a)
        self.u, self.s, self.vt = xp.linalg.svd(a, full_matrices=self.full_matrices)
        return _pack(xp, self.u, self.s[..., None], self.vt)

    def backward(self, g):
        xp = backend.array_module(g)
        u, s, vt = self.u, self.s, self.vt
        m, n, k = u.shape[-2], vt.shape[-1], s.shape[-1]
        if u.shape[-1] != k or vt.shape[-2] != k:
            raise ValueError(
                f"svd: the gradient of U and V needs full_matrices=False for a non-square ({m}, {n}) "
                "input (the extra columns of a full U or V are not unique)"
            )
        gu, gs, gvt = _split(xp, g, [u.shape[-2:], (k,), vt.shape[-2:]])
        v, gv = _t(vt), _t(gvt)
        s2 = s * s
        gap = s2[..., None, :] - s2[..., :, None]       # sⱼ² − sᵢ²
        eye = xp.eye(k, dtype=bool)
        f = xp.where(eye, 0, 1 / xp.where(eye, 1, gap))
        ut_gu, vt_gv = _t(u) @ gu, _t(v) @ gv
        inner = (f * (ut_gu - _t(ut_gu))) * s[..., None, :] + s[..., :, None] * (f * (vt_gv - _t(vt_gv)))
        inner[..., xp.arange(k), xp.arange(k)] += gs
        ga = u @ inner @ vt
        s_inv = 1 / s
        if m > k:
            ga += (gu - u @ ut_gu) * s_inv[..., None, :] @ vt
        if n > k:
            ga += (u * s_inv[..., None, :]) @ _t(gv - v @ vt_gv)
        return (ga,)


class SingularValues(Function):
    """s = σ(A);  Ā = U diag(s̄) Vᵀ."""

    def forward(self, a):
        xp = backend.array_module(a)
        self.u, s, self.vt = xp.linalg.svd(a, full_matrices=False)
        return s

    def backward(self, gs):
        return ((self.u * gs[..., None, :]) @ self.vt,)


def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition x = U diag(s) Vᵀ, s descending.

    Returns:
        (U, s, Vᵀ), or s alone with ``compute_uv=False``. Gradients: s always; U and Vᵀ for square
        inputs or with ``full_matrices=False``.
    """
    x = _check_matrix("svd", x, square=False)
    if not compute_uv:
        return SingularValues()(x)
    m, n = x.shape[-2:]
    k = min(m, n)
    ku, kv = (m, n) if full_matrices else (k, k)
    return tuple(_unpack(SVD(full_matrices)(x), [(m, ku), (k,), (kv, n)]))
