"""Fitting effective cluster interactions, with cross-validation.

Any linear solver works on the cluster-vector matrix; the zerolet (first column) is the intercept
and is never penalised. Errors are reported per site in meV.

References
----------
A. van de Walle and G. Ceder, J. Phase Equilib. 23, 348 (2002) (cross-validation for CE).
G. L. W. Hart, V. Blum, M. J. Walorski, A. Zunger, Nat. Mater. 4, 391 (2005) (genetic selection).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import ParameterError
from ._expansion import ClusterExpansion, active_composition
from ._space import ClusterSpace

__all__ = ["METHODS", "CV_METHODS", "FitResult", "fit_cluster_expansion", "mixing_targets",
           "cv_splits", "solve", "solve_constrained", "hull_constraints"]

log = logging.getLogger(__name__)

#: Fitting methods of :func:`fit_cluster_expansion` (``method=``).
METHODS = ("ols", "ridge", "lasso", "ard", "ga")
CV_METHODS = ("kfold", "loo", "shuffle")


def cv_splits(n: int, cv: str = "kfold", n_splits: int = 10, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cross-validation splits of ``n`` rows: ``kfold`` (shuffled), ``loo`` or ``shuffle``
    (``n_splits`` random 80/20 splits)."""
    from sklearn.model_selection import KFold, LeaveOneOut, ShuffleSplit

    idx = np.zeros(n)
    if cv == "kfold":
        if n_splits < 2 or n_splits > n:
            raise ParameterError(f"k-fold CV needs 2 <= folds <= {n} structures, got {n_splits}")
        it = KFold(n_splits, shuffle=True, random_state=seed).split(idx)
    elif cv == "loo":
        it = LeaveOneOut().split(idx)
    elif cv == "shuffle":
        it = ShuffleSplit(n_splits, test_size=0.2, random_state=seed).split(idx)
    else:
        raise ParameterError(f"unknown CV method {cv!r}; choose from {', '.join(CV_METHODS)}")
    return [(tr, te) for tr, te in it]


def _loo_rmse(X: np.ndarray, y: np.ndarray, ridge: float = 1e-8) -> float:
    """Leave-one-out RMSE of a (barely regularised) least-squares fit, in closed form."""
    A = X.T @ X + ridge * np.eye(X.shape[1])
    try:
        H = X @ np.linalg.solve(A, X.T)
    except np.linalg.LinAlgError:
        return np.inf
    coef = np.linalg.solve(A, X.T @ y)
    resid = y - X @ coef
    h = np.clip(np.diag(H), None, 1 - 1e-10)
    return float(np.sqrt(np.mean((resid / (1 - h)) ** 2)))


def _ga_select(X: np.ndarray, y: np.ndarray, seed: int, always: int, population: int = 40,
               generations: int = 60, mutation: float = 0.05) -> np.ndarray:
    """Genetic selection of columns minimising the leave-one-out RMSE of least squares.

    The first ``always`` columns (zerolet, singlets) are always kept.
    """
    rng = np.random.default_rng(seed)
    n_col = X.shape[1]
    free = n_col - always
    if free <= 0:
        return np.ones(n_col, dtype=bool)
    max_on = max(1, min(free, X.shape[0] // 2 - always))

    def fitness(mask: np.ndarray) -> float:
        cols = np.r_[np.ones(always, dtype=bool), mask]
        return _loo_rmse(X[:, cols], y) if cols.sum() < X.shape[0] else np.inf

    pop = rng.random((population, free)) < min(0.5, max_on / free)
    pop[0] = True if free <= max_on else rng.random(free) < 0.5
    scores = np.array([fitness(p) for p in pop])
    for _ in range(generations):
        new = [pop[np.argmin(scores)].copy()]  # elitism
        while len(new) < population:
            a, b = (min(rng.choice(population, 3, replace=False), key=lambda i: scores[i])
                    for _ in range(2))
            child = np.where(rng.random(free) < 0.5, pop[a], pop[b])
            flip = rng.random(free) < mutation
            child = child ^ flip
            if child.sum() > max_on:
                on = np.flatnonzero(child)
                child[rng.choice(on, child.sum() - max_on, replace=False)] = False
            new.append(child)
        pop = np.array(new)
        scores = np.array([fitness(p) for p in pop])
    best = pop[np.argmin(scores)]
    return np.r_[np.ones(always, dtype=bool), best]


def solve(X: np.ndarray, y: np.ndarray, method: str = "lasso", seed: int = 0,
          n_always: int = 1) -> np.ndarray:
    """ECIs for cluster vectors ``X`` (n, p) and targets ``y`` (n,), shape (p,).

    ``n_always`` leading columns (zerolet and singlets) are exempt from the genetic selection.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import ARDRegression, LassoCV, RidgeCV
    from sklearn.model_selection import KFold

    if method == "ols":
        return np.linalg.lstsq(X, y, rcond=None)[0]
    if method == "ga":
        mask = _ga_select(X, y, seed, n_always)
        coef = np.zeros(X.shape[1])
        coef[mask] = np.linalg.lstsq(X[:, mask], y, rcond=None)[0]
        return coef
    Z = X[:, 1:]
    if Z.shape[1] == 0:
        return np.array([y.mean()])
    if method == "ridge":
        model = RidgeCV(alphas=np.logspace(-10, 1, 45))
    elif method == "lasso":
        inner = KFold(min(5, len(y)), shuffle=True, random_state=seed)
        model = LassoCV(alphas=60, eps=1e-5, cv=inner, max_iter=200000, tol=1e-7,
                        random_state=seed)
    elif method == "ard":
        model = ARDRegression(max_iter=1000, threshold_lambda=1e8)
    else:
        raise ParameterError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(Z, y)
    return np.r_[model.intercept_, model.coef_]


def hull_constraints(X: np.ndarray, y: np.ndarray, x: np.ndarray, margin: float = 1e-4
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Linear constraints ``A c >= b`` that keep the reference ground states of a binary.

    Every structure off the reference hull must be predicted above the chord of the predicted
    hull between its neighbouring reference ground states (at their composition: above them), and
    every interior reference ground state below the chord of its two neighbours, by ``margin``
    (eV/site).
    """
    from ._hull import binary_hull

    hull = binary_hull(x, y)
    v = hull.vertices[np.argsort(x[hull.vertices])]
    on = set(v.tolist())
    rows = []
    for j in range(len(y)):
        if j in on:
            continue
        k = int(np.searchsorted(x[v], x[j]))
        if k < len(v) and np.isclose(x[j], x[v[k]]):
            rows.append(X[j] - X[v[k]])
            continue
        a, b = v[k - 1], v[k]
        t = (x[j] - x[a]) / (x[b] - x[a])
        rows.append(X[j] - (1 - t) * X[a] - t * X[b])
    for i in range(1, len(v) - 1):
        a, g, b = v[i - 1], v[i], v[i + 1]
        t = (x[g] - x[a]) / (x[b] - x[a])
        rows.append((1 - t) * X[a] + t * X[b] - X[g])
    A = np.array(rows).reshape(-1, X.shape[1])
    return A, np.full(len(A), margin)


def solve_constrained(X: np.ndarray, y: np.ndarray, x: np.ndarray, start: np.ndarray,
                      ridge: float = 1e-6, pin_references: bool = False) -> np.ndarray:
    """Least squares (ridge ``ridge`` on all but the zerolet) on the columns that ``start``
    uses, subject to :func:`hull_constraints`; if those columns cannot meet the constraints,
    on all columns. With ``pin_references`` the pure end members (``x`` 0 or 1 with target 0,
    the zero of the mixing energy) are predicted exactly: equality constraints.

    References
    ----------
    W. Huang, A. Urban, Z. Rong, Z. Ding, C. Luo, G. Ceder, npj Comput. Mater. 3, 30 (2017).
    """
    support = np.union1d(np.flatnonzero(np.abs(start) > 0), [0])
    try:
        return _constrained_on(X, y, x, support, ridge, pin_references)
    except ParameterError:
        if len(support) == X.shape[1]:
            raise
        return _constrained_on(X, y, x, np.arange(X.shape[1]), ridge, pin_references)


def _constrained_on(X: np.ndarray, y: np.ndarray, x: np.ndarray, cols: np.ndarray,
                    ridge: float, pin_references: bool = False) -> np.ndarray:
    from scipy.linalg import cho_factor, cho_solve
    from scipy.optimize import minimize

    Xs = X[:, cols]
    A, b = hull_constraints(Xs, y, x)
    # the pure end members define the zero of the mixing energy: equalities, not inequalities
    ends = np.flatnonzero((np.isclose(x, 0.0) | np.isclose(x, 1.0)) & np.isclose(y, 0.0))
    _, first = np.unique(x[ends].round(9), return_index=True)
    ends = ends[first] if pin_references else ends[:0]
    n_ineq = len(A)
    A = np.vstack([A, Xs[ends]]) if len(ends) else A
    b = np.concatenate([b, np.zeros(len(ends))])
    pen = np.full(len(cols), ridge)
    pen[0] = 0.0
    # The QP  min 1/2 |Xc - y|^2 + 1/2 c'Pc  s.t.  Ac >= b  is solved through its dual, a
    # bound-constrained problem in the multipliers mu >= 0: c = Q^-1 (X'y + A'mu).
    Q = cho_factor(Xs.T @ Xs + np.diag(pen) + 1e-12 * np.eye(len(cols)))
    g0 = Xs.T @ y

    def dual(mu: np.ndarray) -> tuple[float, np.ndarray]:
        c = cho_solve(Q, g0 + A.T @ mu)
        return 0.5 * (g0 + A.T @ mu) @ c - b @ mu, A @ c - b

    coef = cho_solve(Q, g0)
    viol = A @ coef - b
    if len(A) and (viol[:n_ineq].min(initial=0.0) < 0 or np.abs(viol[n_ineq:]).max(initial=0.0) > 1e-9):
        res = minimize(dual, np.zeros(len(A)), jac=True, method="L-BFGS-B",
                       bounds=[(0.0, None)] * n_ineq + [(None, None)] * (len(A) - n_ineq),
                       options={"maxiter": 20000, "ftol": 1e-16, "gtol": 1e-14})
        coef = cho_solve(Q, g0 + A.T @ res.x)
    if n_ineq and (A[:n_ineq] @ coef - b[:n_ineq]).min() < -0.5 * b[:n_ineq].min():
        raise ParameterError(
            "the hull constraints cannot be met with these clusters; add clusters (larger "
            "cutoffs) or fit without --hull-constraints"
        )
    out = np.zeros(X.shape[1])
    out[cols] = coef
    return out


def mixing_targets(cs: ClusterSpace, structures: Sequence[Atoms], energies: np.ndarray
                   ) -> tuple[np.ndarray, dict[str, float] | None]:
    """Energy per site relative to the pure species, and those references.

    If every active species has a pure structure in the data, the target is
    ``E/N - sum_s x_s E_s`` (eV/site) with ``E_s`` the lowest energy per site of pure ``s``;
    otherwise the energy per site itself, and references ``None``.
    """
    e_site = np.asarray(energies, dtype=float) / np.array([len(a) for a in structures])
    species, x = active_composition(cs, structures)
    refs: dict[str, float] = {}
    for j, sp in enumerate(species):
        pure = np.isclose(x[:, j], 1.0)
        if not pure.any():
            log.info("no pure %s structure: fitting energies per site, not mixing energies", sp)
            return e_site, None
        refs[sp] = float(e_site[pure].min())
    ref = x @ np.array([refs[sp] for sp in species])
    return e_site - ref, refs


@dataclass
class FitResult:
    """A fitted expansion with its training and cross-validation errors (meV/site)."""

    expansion: ClusterExpansion
    method: str
    cv: str
    n_splits: int
    rmse_train: float
    rmse_cv: float
    mae_cv: float
    y: np.ndarray
    y_train_pred: np.ndarray
    y_cv_pred: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_parameters(self) -> int:
        return int(len(self.expansion.ecis))

    @property
    def n_nonzero(self) -> int:
        return int(np.count_nonzero(np.abs(self.expansion.ecis) > 1e-12))

    def summary(self) -> dict[str, Any]:
        """The JSON summary of ``matterlearn ce fit``."""
        return {
            "method": self.method,
            "cutoffs": list(self.expansion.cluster_space.cutoffs),
            "n_structures": int(len(self.y)),
            "n_parameters": self.n_parameters,
            "n_nonzero": self.n_nonzero,
            "rmse_train": self.rmse_train,
            "rmse_cv": self.rmse_cv,
            "mae_cv": self.mae_cv,
            "cv": self.cv,
            "n_splits": self.n_splits,
            "units": "meV/site",
            **self.extra,
        }


def fit_cluster_expansion(
    cluster_space: ClusterSpace,
    structures: Sequence[Atoms],
    energies: np.ndarray,
    method: str = "lasso",
    cv: str = "kfold",
    n_splits: int = 10,
    seed: int = 0,
    constrain_hull: bool = False,
    progress: Callable[[int, int], None] | None = None,
    pin_references: bool = False,
) -> FitResult:
    """Fit ECIs to total energies and cross-validate.

    Parameters
    ----------
    cluster_space : ClusterSpace
    structures : sequence of ase.Atoms
        On-lattice structures (map relaxed ones with :func:`map_structure` first).
    energies : numpy.ndarray, shape (n,)
        Total energies (eV) of the structures; fitted as mixing energies per site when the pure
        species are in the data (see :func:`mixing_targets`).
    method : {"ols", "ridge", "lasso", "ard", "ga"}
        ``lasso`` and ``ridge`` choose their regularisation by an inner 5-fold CV; ``ga`` selects
        clusters by a genetic algorithm with the leave-one-out error as its objective.
    cv : {"kfold", "loo", "shuffle"}
        The outer cross-validation that estimates the prediction error; the whole method (inner
        CV or selection included) is refitted on every training part. When the targets are
        mixing energies, the pure end members (their reference) stay in every training part.
    n_splits : int
        Folds for ``kfold``, repetitions for ``shuffle``.
    seed : int
        Seed of the splits and of the genetic algorithm.
    constrain_hull : bool
        Binary systems: refit the method's clusters by least squares under constraints that keep
        every reference ground state on the predicted hull and every other structure above it
        (:func:`solve_constrained`). In cross-validation the constraints come from each training
        part alone, and a part whose own hull
        cannot be kept is fitted without constraints (counted in
        ``cv_folds_without_constraints``).
    progress : callable, optional
        Called as ``progress(done, total)`` after each outer fold.
    pin_references : bool
        With ``constrain_hull``: predict the pure end members' mixing energy as exactly zero
        (equality constraints). Mixing energies are measured from them, so an error there shifts
        every free energy of Monte Carlo; the pure end members are never tested in
        cross-validation, so without this an error there does not show in the CV score (on EMT
        Au-Cu, 631 relaxed structures, pairs to 7 Å: pure Cu +21 meV/site unpinned, CV 6.2 vs
        7.1 meV/site pinned).
    """
    if method not in METHODS:
        raise ParameterError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    energies = np.asarray(energies, dtype=float)
    if len(structures) != len(energies):
        raise ParameterError("one energy per structure is needed")
    if len(structures) < 3:
        raise ParameterError(f"{len(structures)} structures are too few to fit and cross-validate")
    X = cluster_space.cluster_vectors(structures)
    y, refs = mixing_targets(cluster_space, structures, energies)
    n_always = 1 + sum(len(o.functions) for o in cluster_space.orbits if o.order == 1)
    x = None
    if constrain_hull:
        species, comp = active_composition(cluster_space, structures)
        if len(species) != 2 or refs is None:
            raise ParameterError(
                "hull constraints need a binary with both pure end members in the data"
            )
        x = comp[:, 1]

    unconstrained_folds = 0

    def fit_once(rows: np.ndarray, fold: bool) -> np.ndarray:
        nonlocal unconstrained_folds
        c = solve(X[rows], y[rows], method, seed, n_always)
        if x is not None:
            try:
                c = solve_constrained(X[rows], y[rows], x[rows], c, pin_references=pin_references)
            except ParameterError:
                if not fold:
                    raise
                unconstrained_folds += 1  # this training part's own hull cannot be kept
        return c

    coef = fit_once(np.arange(len(y)), fold=False)
    splits = cv_splits(len(y), cv, n_splits, seed)
    if refs is not None:
        # Mixing energies are measured from the pure end members (their target is zero by
        # construction), so the end members stay in every training part and are never tested.
        _, comp_all = active_composition(cluster_space, structures)
        pure = np.flatnonzero(np.isclose(comp_all, 1.0).any(axis=1))
        splits = [(np.union1d(tr, pure), np.setdiff1d(te, pure)) for tr, te in splits]
    y_cv = np.full(len(y), np.nan)
    for k, (tr, te) in enumerate(splits):
        c = fit_once(tr, fold=True)
        y_cv[te] = X[te] @ c
        if progress is not None:
            progress(k + 1, len(splits))
    covered = np.isfinite(y_cv)
    y_tr = X @ coef
    rmse_train = float(1000 * np.sqrt(np.mean((y_tr - y) ** 2)))
    rmse_cv = float(1000 * np.sqrt(np.mean((y_cv[covered] - y[covered]) ** 2)))
    mae_cv = float(1000 * np.mean(np.abs(y_cv[covered] - y[covered])))
    meta = {"method": method, "hull_constraints": constrain_hull, "pinned_references": pin_references,
            "cv": cv, "n_splits": len(splits), "seed": seed,
            "n_structures": len(y), "rmse_train_meV_per_site": rmse_train,
            "rmse_cv_meV_per_site": rmse_cv, "target": "mixing energy per site" if refs else
            "energy per site"}
    ce = ClusterExpansion(cluster_space, coef, refs, meta)
    extra: dict[str, Any] = {"hull_constraints": constrain_hull}
    if constrain_hull:
        extra["cv_folds_without_constraints"] = unconstrained_folds
        if unconstrained_folds:
            log.warning("%d of %d CV folds could not keep their own hull and were fitted without "
                        "constraints", unconstrained_folds, len(splits))
    meta.update(extra)
    return FitResult(ce, method, cv, len(splits), rmse_train, rmse_cv, mae_cv, y, y_tr, y_cv,
                     extra)
