"""The moment-tensor basis: which contractions enter a potential of a given level, compiled to ops.

A moment tensor of atom ``i`` is ``M[mu, nu] = sum_j f_mu(r_ij) u_ij^{(x) nu}`` with
``u_ij = r_ij / R_cut`` (a symmetric tensor of rank ``nu``); its level is ``2 + 4 mu + nu``. A basis
function is a full contraction of a product of moment tensors to a scalar whose levels add up to at
most ``max_level`` (Shapeev 2016). We enumerate them as multigraphs: one vertex per tensor
(labelled ``(mu, nu)``), ``m_ab`` edges between tensors ``a`` and ``b`` for ``m_ab`` contracted index
pairs, vertex degree ``nu`` and no self-loops (a trace only rescales a lower moment). Connected
graphs are the irreducible invariants; the basis is every product of them within the level.

Each invariant is compiled to a flat list of scalar operations ``buf[k] += c * buf[i] * buf[j]``
on a buffer that starts with the independent components of the moment tensors (one per monomial
``u_x^a u_y^b u_z^c``). Contractions work on symmetric index groups, so a rank-10 contraction costs
66 products, not 3^10. The compiled kernels run the list forwards for energies and backwards for
forces (reverse-mode differentiation), with no Python in the loop.

References
----------
A. V. Shapeev, Multiscale Model. Simul. 14, 1153 (2016), doi:10.1137/15M1054183.
I. S. Novikov, K. Gubaev, E. V. Podryabinkin, A. V. Shapeev, Mach. Learn.: Sci. Technol. 2,
025002 (2021), doi:10.1088/2632-2153/abc9fe.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cache, lru_cache
from math import factorial

import numpy as np

from ...errors import ParameterError

__all__ = ["MomentBasis", "exponents", "moment_basis", "tables_basis"]


@cache
def exponents(nu: int) -> tuple[tuple[int, int, int], ...]:
    """Exponents ``(a, b, c)`` with ``a + b + c = nu``: the independent components of a symmetric
    rank-``nu`` tensor in 3-d, in a fixed order."""
    return tuple((a, b, nu - a - b) for a in range(nu, -1, -1) for b in range(nu - a, -1, -1))


@cache
def _multinomial(e: tuple[int, ...]) -> int:
    out = factorial(sum(e))
    for k in e:
        out //= factorial(k)
    return out


def _add(e1: tuple[int, int, int], e2: tuple[int, int, int]) -> tuple[int, int, int]:
    return (e1[0] + e2[0], e1[1] + e2[1], e1[2] + e2[2])


Vertex = tuple[int, int]  # (mu, nu)


@dataclass(frozen=True)
class Invariant:
    """A connected contraction: vertices ``(mu, nu)`` and edge multiplicities ``edges[(a, b)]``."""

    vertices: tuple[Vertex, ...]
    edges: tuple[tuple[int, int, int], ...]  # (a, b, m) with a < b, m > 0

    @property
    def level(self) -> int:
        return sum(2 + 4 * mu + nu for mu, nu in self.vertices)


def _connected(n: int, edges: list[tuple[int, int, int]]) -> bool:
    seen = {0}
    stack = [0]
    adj: dict[int, list[int]] = {k: [] for k in range(n)}
    for a, b, _ in edges:
        adj[a].append(b)
        adj[b].append(a)
    while stack:
        v = stack.pop()
        for w in adj[v]:
            if w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) == n


def _edge_assignments(degrees: list[int]) -> list[dict[tuple[int, int], int]]:
    """All symmetric non-negative integer matrices with zero diagonal and the given row sums."""
    n = len(degrees)
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    out: list[dict[tuple[int, int], int]] = []

    def rec(k: int, left: list[int], chosen: dict[tuple[int, int], int]) -> None:
        if k == len(pairs):
            if all(x == 0 for x in left):
                out.append(dict(chosen))
            return
        a, b = pairs[k]
        # the last pair touching vertex a must use up what is left of its degree
        last_a = all(p[0] != a and p[1] != a for p in pairs[k + 1:])
        lo = left[a] if last_a else 0
        for m in range(lo, min(left[a], left[b]) + 1):
            left[a] -= m
            left[b] -= m
            if m:
                chosen[(a, b)] = m
            rec(k + 1, left, chosen)
            chosen.pop((a, b), None)
            left[a] += m
            left[b] += m

    rec(0, list(degrees), {})
    return out


def _canonical(vertices: tuple[Vertex, ...], edges: dict[tuple[int, int], int]) -> tuple:
    """A canonical key under permutations of identical vertices (vertices are sorted)."""
    n = len(vertices)
    groups: list[list[int]] = []
    for k, v in enumerate(vertices):
        if groups and vertices[groups[-1][0]] == v:
            groups[-1].append(k)
        else:
            groups.append([k])
    best = None
    for perms in itertools.product(*(itertools.permutations(g) for g in groups)):
        perm = [0] * n
        for g, p in zip(groups, perms):
            for src, dst in zip(g, p):
                perm[src] = dst
        key = tuple(sorted((min(perm[a], perm[b]), max(perm[a], perm[b]), m) for (a, b), m in edges.items()))
        if best is None or key < best:
            best = key
    return best if best is not None else ()


def _connected_invariants(max_level: int) -> list[Invariant]:
    out: list[Invariant] = []
    # scalars: a single rank-0 moment
    for mu in range((max_level - 2) // 4 + 1):
        out.append(Invariant(((mu, 0),), ()))
    # tensors of rank >= 1 joined by contractions
    tensors = [(mu, nu) for mu in range(max_level) for nu in range(1, max_level)
               if 2 + 4 * mu + nu <= max_level]
    tensors.sort()

    def multisets(start: int, level_left: int, chosen: list[Vertex]) -> None:
        if len(chosen) >= 2:
            degrees = [nu for _, nu in chosen]
            if sum(degrees) % 2 == 0 and max(degrees) <= sum(degrees) - max(degrees):
                seen = set()
                for edges in _edge_assignments(degrees):
                    trip = [(a, b, m) for (a, b), m in edges.items()]
                    if not _connected(len(chosen), trip):
                        continue
                    key = _canonical(tuple(chosen), edges)
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append(Invariant(tuple(chosen), key))
        for k in range(start, len(tensors)):
            mu, nu = tensors[k]
            lev = 2 + 4 * mu + nu
            if lev > level_left:
                continue
            chosen.append(tensors[k])
            multisets(k, level_left - lev, chosen)
            chosen.pop()

    multisets(0, max_level, [])
    out.sort(key=lambda inv: (inv.level, len(inv.vertices), inv.vertices, inv.edges))
    return out


@dataclass
class MomentBasis:
    """A compiled moment-tensor basis (see the module docstring).

    Attributes
    ----------
    max_level : int
        Largest level of a basis function.
    comp_mu, comp_nu : ndarray of int, shape (n_components,)
        Radial index and rank of each moment-tensor component in the buffer.
    comp_exp : ndarray of int, shape (n_components, 3)
        Monomial exponents of each component.
    ops : ndarray of int, shape (n_ops, 3)
        ``(out, left, right)`` buffer indices of ``buf[out] += coef * buf[left] * buf[right]``,
        sorted so that every operand is final before it is used.
    coef : ndarray of float, shape (n_ops,)
    n_buffer : int
        Buffer length (components, then intermediates).
    basis : ndarray of int, shape (n_basis,)
        Buffer index of each basis function.
    basis_level : ndarray of int, shape (n_basis,)
    inv_ref : ndarray of int, shape (n_invariants,)
        Buffer index of each connected invariant.
    inv_op_start, inv_op_stop : ndarray of int, shape (n_invariants,)
        The ops that compute each invariant (a contiguous range).
    basis_factors : ndarray of int, shape (n_basis, max_factors)
        The invariants whose product is each basis function, padded with -1.
    invariants : list of Invariant
        The connected invariants (for inspection).
    """

    max_level: int
    comp_mu: np.ndarray
    comp_nu: np.ndarray
    comp_exp: np.ndarray
    ops: np.ndarray
    coef: np.ndarray
    n_buffer: int
    basis: np.ndarray
    basis_level: np.ndarray
    inv_ref: np.ndarray
    inv_op_start: np.ndarray
    inv_op_stop: np.ndarray
    basis_factors: np.ndarray
    invariants: list[Invariant] = field(repr=False)
    #: directions as unit vectors ``r_ij / |r_ij|`` (mlip-2's basis) instead of ``r_ij / R_cut``
    unit: bool = False
    #: every monomial exponent up to ``max_nu`` (n_monomials, 3), the monomial of each component,
    #: and for each monomial the index and factor of its x, y and z derivatives
    mono_exp: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    comp_mono: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    d_index: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    d_factor: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        mono = [e for nu in range(self.max_nu + 1) for e in exponents(nu)]
        where = {e: k for k, e in enumerate(mono)}
        self.mono_exp = np.array(mono, dtype=np.int64).reshape(-1, 3)
        self.comp_mono = np.array([where[tuple(e)] for e in self.comp_exp.tolist()], dtype=np.int64)
        d_index = np.zeros((len(mono), 3), dtype=np.int64)
        d_factor = np.zeros((len(mono), 3))
        for k, e in enumerate(mono):
            for axis in range(3):
                if e[axis] > 0:
                    lower = list(e)
                    lower[axis] -= 1
                    d_index[k, axis] = where[tuple(lower)]
                    d_factor[k, axis] = e[axis]
        self.d_index, self.d_factor = d_index, d_factor

    @property
    def n_mu(self) -> int:
        return int(self.comp_mu.max()) + 1

    @property
    def max_nu(self) -> int:
        return int(self.comp_nu.max())

    @property
    def n_components(self) -> int:
        return len(self.comp_mu)

    @property
    def n_basis(self) -> int:
        return len(self.basis)


class _Compiler:
    def __init__(self) -> None:
        self.comp_index: dict[tuple[int, tuple[int, int, int]], int] = {}
        self.comp_list: list[tuple[int, tuple[int, int, int]]] = []
        self.ops: list[tuple[int, int, int, float]] = []  # (out, left, right, coef); out is symbolic
        self.n_inter = 0
        self.products: dict[tuple[int, ...], int] = {}

    def comp(self, mu: int, e: tuple[int, int, int]) -> int:
        key = (mu, e)
        if key not in self.comp_index:
            self.comp_index[key] = len(self.comp_list)
            self.comp_list.append(key)
        return self.comp_index[key]

    def new(self) -> int:
        self.n_inter += 1
        return -self.n_inter  # intermediates get negative ids until the buffer is laid out

    def invariant(self, inv: Invariant) -> int:
        verts = inv.vertices
        if len(verts) == 1:
            return self.comp(verts[0][0], (0, 0, 0))
        n = len(verts)
        m = np.zeros((n, n), dtype=int)
        for a, b, k in inv.edges:
            m[a, b] = m[b, a] = k
        order = self._order(m)
        m = m[np.ix_(order, order)]
        verts = tuple(verts[k] for k in order)
        # T: dict key -> {ref: coef}; key = tuple of exponents, one per later vertex (index > a)
        mu0 = verts[0][0]
        T: dict[tuple, dict[int, float]] = {}
        for parts in itertools.product(*(exponents(int(m[0, b])) for b in range(1, n))):
            total = (0, 0, 0)
            for p in parts:
                total = _add(total, p)
            T[parts] = {self.comp(mu0, total): 1.0}
        for a in range(1, n):
            mu = verts[a][0]
            outs = [int(m[a, b]) for b in range(a + 1, n)]
            new_T: dict[tuple, dict[tuple[int, int], float]] = {}
            for key, terms in T.items():
                ec = key[0]
                rest = key[1:]
                wc = _multinomial(ec)
                for parts in itertools.product(*(exponents(k) for k in outs)):
                    total = ec
                    for p in parts:
                        total = _add(total, p)
                    ref_a = self.comp(mu, total)
                    w = float(wc)
                    merged = []
                    for eb, ep in zip(rest, parts):
                        E = _add(eb, ep)
                        w *= _multinomial(eb) * _multinomial(ep) / _multinomial(E)
                        merged.append(E)
                    slot = new_T.setdefault(tuple(merged), {})
                    for ref, c in terms.items():
                        pair = (min(ref, ref_a), max(ref, ref_a))
                        slot[pair] = slot.get(pair, 0.0) + c * w
            T = {}
            for key, prods in new_T.items():
                out = self.new()
                for (left, right), c in prods.items():
                    if c != 0.0:
                        self.ops.append((out, left, right, c))
                T[key] = {out: 1.0}
        (final,) = T.values()
        (ref,) = final.keys()
        return ref

    @staticmethod
    def _order(m: np.ndarray) -> list[int]:
        """Contraction order: start at a vertex of smallest degree, then always add the vertex
        most connected to those already placed (keeps open index groups small)."""
        n = len(m)
        deg = m.sum(axis=1)
        start = int(np.argmin(deg))
        order = [start]
        while len(order) < n:
            rest = [k for k in range(n) if k not in order]
            inside = [int(m[k, order].sum()) - int(m[k, rest].sum()) for k in rest]
            order.append(rest[int(np.argmax(inside))])
        return order

    def product(self, refs: tuple[int, ...]) -> int:
        if len(refs) == 1:
            return refs[0]
        if refs in self.products:
            return self.products[refs]
        head = self.product(refs[:-1])
        out = self.new()
        self.ops.append((out, head, refs[-1], 1.0))
        self.products[refs] = out
        return out


@lru_cache(maxsize=16)
def moment_basis(max_level: int) -> MomentBasis:
    """The compiled basis of all contractions up to ``max_level`` (even, 2 to 28).

    Parameters
    ----------
    max_level : int
        Largest level; the usual choices are 8, 12, 16, 20 and 24.
    """
    if not isinstance(max_level, (int, np.integer)) or max_level < 2 or max_level > 28 or max_level % 2:
        raise ParameterError(f"MTP level must be an even integer from 2 to 28, got {max_level!r}")
    invariants = _connected_invariants(int(max_level))
    comp = _Compiler()
    inv_ref = []
    inv_range = []
    for inv in invariants:
        start = comp.n_inter
        inv_ref.append(comp.invariant(inv))
        inv_range.append((start, comp.n_inter))
    inv_level = [inv.level for inv in invariants]
    # every product (multiset) of invariants within the level
    basis_refs: list[int] = []
    basis_levels: list[int] = []
    factors: list[list[int]] = []

    def rec(start: int, level_left: int, chosen: list[int]) -> None:
        if chosen:
            basis_refs.append(comp.product(tuple(inv_ref[k] for k in chosen)))
            basis_levels.append(sum(inv_level[k] for k in chosen))
            factors.append(list(chosen))
        for k in range(start, len(invariants)):
            if inv_level[k] <= level_left:
                chosen.append(k)
                rec(k, level_left - inv_level[k], chosen)
                chosen.pop()

    rec(0, int(max_level), [])
    # lay the buffer out: components first, ordered by (mu, nu, exponent), then intermediates
    order = sorted(range(len(comp.comp_list)),
                   key=lambda k: (comp.comp_list[k][0], sum(comp.comp_list[k][1]),
                                  exponents(sum(comp.comp_list[k][1])).index(comp.comp_list[k][1])))
    n_comp = len(order)
    remap = {old: new for new, old in enumerate(order)}
    for k in range(1, comp.n_inter + 1):
        remap[-k] = n_comp + k - 1

    def r(x: int) -> int:
        return remap[x]

    ops = np.array([(r(o), r(a), r(b)) for o, a, b, _ in comp.ops], dtype=np.int64).reshape(-1, 3)
    coef = np.array([c for *_, c in comp.ops], dtype=float)
    srt = np.argsort(ops[:, 0], kind="stable")
    ops, coef = ops[srt], coef[srt]
    comp_mu = np.array([comp.comp_list[k][0] for k in order], dtype=np.int64)
    comp_exp = np.array([comp.comp_list[k][1] for k in order], dtype=np.int64).reshape(-1, 3)
    # intermediates -k (k = 1..n) sit at n_comp + k - 1, so invariant ranges map to buffer ranges
    lo = np.searchsorted(ops[:, 0], [n_comp + a for a, _ in inv_range], side="left")
    hi = np.searchsorted(ops[:, 0], [n_comp + b for _, b in inv_range], side="left")
    width = max(len(fs) for fs in factors)
    basis_factors = np.full((len(factors), width), -1, dtype=np.int64)
    for a, fs in enumerate(factors):
        basis_factors[a, :len(fs)] = fs
    return MomentBasis(
        max_level=int(max_level),
        comp_mu=comp_mu,
        comp_nu=comp_exp.sum(axis=1),
        comp_exp=comp_exp,
        ops=ops,
        coef=coef,
        n_buffer=n_comp + comp.n_inter,
        basis=np.array([r(x) for x in basis_refs], dtype=np.int64),
        basis_level=np.array(basis_levels, dtype=np.int64),
        inv_ref=np.array([r(x) for x in inv_ref], dtype=np.int64),
        inv_op_start=lo.astype(np.int64),
        inv_op_stop=hi.astype(np.int64),
        basis_factors=basis_factors,
        invariants=invariants,
    )


def tables_basis(alpha_index_basic: np.ndarray, alpha_index_times: np.ndarray,
                 alpha_moment_mapping: np.ndarray, alpha_moments_count: int) -> MomentBasis:
    """A basis given by mlip-2's tables (the ``alpha_*`` entries of an ``.mtp`` file).

    ``alpha_index_basic`` rows ``(mu, a, b, c)`` are the moment components ``sum_j f_mu(r_ij)
    x^a y^b z^c`` of the unit vector; ``alpha_index_times`` rows ``(i, j, mult, k)`` are the ops
    ``M[k] += mult * M[i] * M[j]``, in the order mlip-2 runs them; ``alpha_moment_mapping`` picks
    the moments that are basis functions. Directions are unit vectors (``unit=True``). Each basis
    function counts as one factor of its own for the training Jacobian.
    """
    basic = np.asarray(alpha_index_basic, dtype=np.int64).reshape(-1, 4)
    times = np.asarray(alpha_index_times, dtype=np.int64).reshape(-1, 4)
    mapping = np.asarray(alpha_moment_mapping, dtype=np.int64).ravel()
    n_comp, n_buf = len(basic), int(alpha_moments_count)
    if n_comp == 0 or len(mapping) == 0:
        raise ParameterError("an mlip-2 basis needs at least one basic moment and one basis function")
    for name, arr in (("alpha_index_times", times[:, [0, 1, 3]]), ("alpha_moment_mapping", mapping)):
        if arr.size and (arr.min() < 0 or arr.max() >= n_buf):
            raise ParameterError(f"{name} refers to moments outside 0..{n_buf - 1} (alpha_moments_count)")
    if len(times) and times[:, 3].min() < n_comp:
        raise ParameterError("alpha_index_times writes into a basic moment")
    if basic[:, 1:].min() < 0 or basic[:, 0].min() < 0:
        raise ParameterError("alpha_index_basic holds a negative index")
    # levels: 2 + 4 mu + nu for a component, summed over the factors of a product
    level = np.zeros(n_buf, dtype=np.int64)
    level[:n_comp] = 2 + 4 * basic[:, 0] + basic[:, 1:].sum(axis=1)
    for i, j, _, k in times:
        level[k] = max(level[k], level[i] + level[j])
    ops = times[:, [3, 0, 1]].copy()
    stop = np.array([int(np.nonzero(ops[:, 0] == b)[0].max()) + 1 if b >= n_comp else 0 for b in mapping],
                    dtype=np.int64)
    comp_exp = basic[:, 1:].copy()
    return MomentBasis(
        max_level=int(level[mapping].max()),
        comp_mu=basic[:, 0].copy(),
        comp_nu=comp_exp.sum(axis=1),
        comp_exp=comp_exp,
        ops=ops,
        coef=times[:, 2].astype(float),
        n_buffer=n_buf,
        basis=mapping.copy(),
        basis_level=level[mapping],
        inv_ref=mapping.copy(),
        inv_op_start=np.zeros(len(mapping), dtype=np.int64),
        inv_op_stop=stop,
        basis_factors=np.arange(len(mapping), dtype=np.int64)[:, None],
        invariants=[],
        unit=True,
    )
