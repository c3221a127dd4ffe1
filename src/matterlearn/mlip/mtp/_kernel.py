"""Compiled (numba) kernels of the moment tensor potential.

Directions enter the moments as ``u = r_ij / R_cut`` (this project's basis) or, with ``unit``, as
the unit vector ``r_ij / |r_ij|`` (mlip-2's, for potentials read from ``.mtp`` files).

Neighbours come as a CSR list over all atoms of one or many frames: the pairs of atom ``i`` are
``first[i]:first[i + 1]``, with neighbour index ``nbr[p]`` and displacement ``vec[p] = r_j - r_i``
(Å). Radial coefficients have shape ``(n_species, n_species, n_mu, n_radial)``.

Three kernels share one per-atom routine: :func:`evaluate` (energies, forces, virials: MD and
prediction), :func:`energy_coef_grad` (the gradient of a weighted sum of energies with respect to the
radial coefficients and the linear coefficients: training) and :func:`design` (basis values and their
position derivatives: the linear least-squares problem of training).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["design", "energy_coef_grad", "evaluate", "min_distances"]


@njit(cache=True, fastmath=True)
def _radial(r, rmin, rcut, n_rad, Q, dQ):
    """Chebyshev polynomials on [rmin, rcut] times ((rcut - r) / (rcut - rmin))^2, and their
    r-derivatives."""
    width = rcut - rmin
    scale = 2.0 / width
    x = (2.0 * r - (rcut + rmin)) / width
    s = (rcut - r) * (rcut - r) / (width * width)
    ds = -2.0 * (rcut - r) / (width * width)
    t_prev, t_cur = 1.0, x
    d_prev, d_cur = 0.0, 1.0
    Q[0] = s
    dQ[0] = ds
    if n_rad > 1:
        Q[1] = x * s
        dQ[1] = scale * s + x * ds
    for k in range(2, n_rad):
        t_next = 2.0 * x * t_cur - t_prev
        d_next = 2.0 * t_cur + 2.0 * x * d_cur - d_prev
        Q[k] = t_next * s
        dQ[k] = d_next * scale * s + t_next * ds
        t_prev, t_cur = t_cur, t_next
        d_prev, d_cur = d_cur, d_next


@njit(cache=True, fastmath=True)
def _pair_setup(vec_p, rcut, unit, rmin, n_rad, coef_pair, n_mu, max_nu, Q, dQ, f, df, px, py, pz, rhat):
    """Radial functions f_mu(r) and powers of u = r / rcut (or r / |r| with ``unit``) for one pair;
    returns r (nothing else is computed when r >= rcut)."""
    r = np.sqrt(vec_p[0] ** 2 + vec_p[1] ** 2 + vec_p[2] ** 2)
    if r >= rcut:
        return r
    _radial(r, rmin, rcut, n_rad, Q, dQ)
    for mu in range(n_mu):
        a = 0.0
        b = 0.0
        for k in range(n_rad):
            a += coef_pair[mu, k] * Q[k]
            b += coef_pair[mu, k] * dQ[k]
        f[mu] = a
        df[mu] = b
    scale = r if unit else rcut
    ux = vec_p[0] / scale
    uy = vec_p[1] / scale
    uz = vec_p[2] / scale
    px[0] = 1.0
    py[0] = 1.0
    pz[0] = 1.0
    for k in range(1, max_nu + 1):
        px[k] = px[k - 1] * ux
        py[k] = py[k - 1] * uy
        pz[k] = pz[k - 1] * uz
    for k in range(3):
        rhat[k] = vec_p[k] / r
    return r


@njit(cache=True, fastmath=True)
def _moments(i, first, vec, species, coef, rmin, rcut, unit, comp_mu, comp_exp, max_nu, buf, Q, dQ, f, df,
             px, py, pz, rhat, nbr):
    zi = species[i]
    n_comp = comp_mu.shape[0]
    n_mu = coef.shape[2]
    n_rad = coef.shape[3]
    for c in range(n_comp):
        buf[c] = 0.0
    for p in range(first[i], first[i + 1]):
        r = _pair_setup(vec[p], rcut, unit, rmin, n_rad, coef[zi, species[nbr[p]]], n_mu, max_nu, Q, dQ, f,
                        df, px, py, pz, rhat)
        if r >= rcut:
            continue
        for c in range(n_comp):
            buf[c] += f[comp_mu[c]] * px[comp_exp[c, 0]] * py[comp_exp[c, 1]] * pz[comp_exp[c, 2]]


@njit(cache=True, fastmath=True)
def _forward(buf, n_comp, n_buffer, ops, opc):
    for k in range(n_comp, n_buffer):
        buf[k] = 0.0
    for q in range(ops.shape[0]):
        buf[ops[q, 0]] += opc[q] * buf[ops[q, 1]] * buf[ops[q, 2]]


@njit(cache=True, fastmath=True)
def _backward(buf, g, ops, opc):
    for q in range(ops.shape[0] - 1, -1, -1):
        go = g[ops[q, 0]]
        if go != 0.0:
            a = ops[q, 1]
            b = ops[q, 2]
            g[a] += opc[q] * buf[b] * go
            g[b] += opc[q] * buf[a] * go


@njit(cache=True, fastmath=True)
def _pair_grad(g, comp_mu, comp_exp, f, df, px, py, pz, rhat, scale, unit, out):
    """d(sum_c g[c] m_c)/d r_ij for one pair, into out[3]; ``scale`` is what divides r_ij in u
    (rcut, or r with ``unit``)."""
    gx = 0.0
    gy = 0.0
    gz = 0.0
    radial = 0.0
    hom = 0.0
    for c in range(comp_mu.shape[0]):
        gc = g[c]
        if gc == 0.0:
            continue
        a = comp_exp[c, 0]
        b = comp_exp[c, 1]
        e = comp_exp[c, 2]
        mono = px[a] * py[b] * pz[e]
        radial += gc * df[comp_mu[c]] * mono
        if unit:
            hom += gc * f[comp_mu[c]] * (a + b + e) * mono
        fm = gc * f[comp_mu[c]] / scale
        if a > 0:
            gx += fm * a * px[a - 1] * py[b] * pz[e]
        if b > 0:
            gy += fm * b * px[a] * py[b - 1] * pz[e]
        if e > 0:
            gz += fm * e * px[a] * py[b] * pz[e - 1]
    # a unit vector's monomial of degree n changes along r_ij as well: -n m rhat / r (Euler)
    radial -= hom / scale
    out[0] = gx + radial * rhat[0]
    out[1] = gy + radial * rhat[1]
    out[2] = gz + radial * rhat[2]


@njit(cache=True, fastmath=True)
def _setup_atom(i, first, vec, species, nbr, coef, rmin, rcut, unit, mono_exp, Q, dQ, px, py, pz, fP, dfP, monoP,
                rhatP, QP, valid, keep_q):
    """Radial functions, monomials, unit vectors and distances (``rhatP[:, 3]``) of every pair of
    atom ``i``, cached for the forward and the backward pass."""
    zi = species[i]
    n_mu = coef.shape[2]
    n_rad = coef.shape[3]
    n_mono = mono_exp.shape[0]
    max_nu = px.shape[0] - 1
    for pp in range(first[i + 1] - first[i]):
        p = first[i] + pp
        r = np.sqrt(vec[p, 0] ** 2 + vec[p, 1] ** 2 + vec[p, 2] ** 2)
        if r >= rcut:
            valid[pp] = False
            continue
        valid[pp] = True
        _radial(r, rmin, rcut, n_rad, Q, dQ)
        cp = coef[zi, species[nbr[p]]]
        for mu in range(n_mu):
            a = 0.0
            b = 0.0
            for k in range(n_rad):
                a += cp[mu, k] * Q[k]
                b += cp[mu, k] * dQ[k]
            fP[pp, mu] = a
            dfP[pp, mu] = b
        if keep_q:
            for k in range(n_rad):
                QP[pp, k] = Q[k]
        scale = r if unit else rcut
        ux = vec[p, 0] / scale
        uy = vec[p, 1] / scale
        uz = vec[p, 2] / scale
        px[0] = 1.0
        py[0] = 1.0
        pz[0] = 1.0
        for k in range(1, max_nu + 1):
            px[k] = px[k - 1] * ux
            py[k] = py[k - 1] * uy
            pz[k] = pz[k - 1] * uz
        for e in range(n_mono):
            monoP[pp, e] = px[mono_exp[e, 0]] * py[mono_exp[e, 1]] * pz[mono_exp[e, 2]]
        rhatP[pp, 0] = vec[p, 0] / r
        rhatP[pp, 1] = vec[p, 1] / r
        rhatP[pp, 2] = vec[p, 2] / r
        rhatP[pp, 3] = r


@njit(cache=True, fastmath=True)
def _accumulate(n_p, valid, comp_mu, comp_mono, fP, monoP, buf):
    for c in range(comp_mu.shape[0]):
        buf[c] = 0.0
    for pp in range(n_p):
        if not valid[pp]:
            continue
        for c in range(comp_mu.shape[0]):
            buf[c] += fP[pp, comp_mu[c]] * monoP[pp, comp_mono[c]]


@njit(cache=True, fastmath=True)
def _pair_force(pp, g, comp_mu, comp_mono, d_index, d_factor, fP, dfP, monoP, rhatP, rcut, unit, t, out):
    """d(sum_c g[c] m_c)/d r_ij of pair ``pp`` from the cached pair data, into out[3]."""
    n_mono = d_index.shape[0]
    for e in range(n_mono):
        t[e] = 0.0
    radial = 0.0
    for c in range(comp_mu.shape[0]):
        gc = g[c]
        if gc != 0.0:
            radial += gc * dfP[pp, comp_mu[c]] * monoP[pp, comp_mono[c]]
            t[comp_mono[c]] += gc * fP[pp, comp_mu[c]]
    gx = 0.0
    gy = 0.0
    gz = 0.0
    hom = 0.0
    for e in range(n_mono):
        te = t[e]
        if te != 0.0:
            gx += te * d_factor[e, 0] * monoP[pp, d_index[e, 0]]
            gy += te * d_factor[e, 1] * monoP[pp, d_index[e, 1]]
            gz += te * d_factor[e, 2] * monoP[pp, d_index[e, 2]]
            if unit:
                hom += te * (d_factor[e, 0] + d_factor[e, 1] + d_factor[e, 2]) * monoP[pp, e]
    scale = rcut
    if unit:  # a unit vector's monomial of degree n also changes along r_ij: -n m rhat / r
        scale = rhatP[pp, 3]
        radial -= hom / scale
    out[0] = gx / scale + radial * rhatP[pp, 0]
    out[1] = gy / scale + radial * rhatP[pp, 1]
    out[2] = gz / scale + radial * rhatP[pp, 2]


@njit(cache=True)
def _max_pairs(first):
    m = 0
    for i in range(first.shape[0] - 1):
        m = max(m, first[i + 1] - first[i])
    return m


@njit(cache=True)
def _scratch(first, coef, mono_exp, n_buffer, keep_q):
    """Work arrays of the per-atom routines: buffer and adjoint, radial and power scratch, and the
    per-pair cache sized for the atom with the most pairs."""
    n_mu = coef.shape[2]
    n_rad = coef.shape[3]
    n_mono = mono_exp.shape[0]
    max_nu = 0
    for e in range(n_mono):
        max_nu = max(max_nu, mono_exp[e, 0] + mono_exp[e, 1] + mono_exp[e, 2])
    m_p = _max_pairs(first)
    return (np.zeros(n_buffer), np.zeros(n_buffer), np.zeros(n_rad), np.zeros(n_rad), np.zeros(max_nu + 1),
            np.zeros(max_nu + 1), np.zeros(max_nu + 1), np.zeros((m_p, n_mu)), np.zeros((m_p, n_mu)),
            np.zeros((m_p, n_mono)), np.zeros((m_p, 4)), np.zeros((m_p if keep_q else 1, n_rad)),
            np.zeros(m_p, dtype=np.bool_))


@njit(cache=True, fastmath=True)
def _atom_energy(i, first, nbr, vec, species, coef, xi, rmin, rcut, unit, comp_mu, comp_mono, mono_exp, ops, opc,
                 n_buffer, basis, sc, keep_q):
    """Fill the scratch ``sc`` for atom ``i`` and return ``sum_a xi_a B_a(i)`` (no reference energy)."""
    buf, _g, Q, dQ, px, py, pz, fP, dfP, monoP, rhatP, QP, valid = sc
    _setup_atom(i, first, vec, species, nbr, coef, rmin, rcut, unit, mono_exp, Q, dQ, px, py, pz, fP, dfP, monoP,
                rhatP, QP, valid, keep_q)
    _accumulate(first[i + 1] - first[i], valid, comp_mu, comp_mono, fP, monoP, buf)
    _forward(buf, comp_mu.shape[0], n_buffer, ops, opc)
    e = 0.0
    for a in range(basis.shape[0]):
        e += xi[a] * buf[basis[a]]
    return e


@njit(cache=True, fastmath=True)
def _atom_adjoint(xi, weight, basis, ops, opc, buf, g):
    """``g`` = d(weight * sum_a xi_a B_a) / d(buffer), by one backward pass over the ops."""
    for k in range(g.shape[0]):
        g[k] = 0.0
    for a in range(basis.shape[0]):
        g[basis[a]] += xi[a] * weight
    _backward(buf, g, ops, opc)


@njit(cache=True, fastmath=True)
def evaluate(first, nbr, vec, species, coef, xi, ref_energy, rmin, rcut, unit, comp_mu, comp_mono, mono_exp, d_index,
             d_factor, ops, opc, n_buffer, basis, atom_frame, n_frames, want_forces):
    """Per-atom energies (eV), forces (eV/Å) and per-frame virials ``sum r_ij (x) dE/dr_ij`` (eV).

    Returns
    -------
    energies : (n_atoms,)
    forces : (n_atoms, 3)
    virial : (n_frames, 3, 3)
    """
    n_atoms = species.shape[0]
    sc = _scratch(first, coef, mono_exp, n_buffer, False)
    buf, g, _, _, _, _, _, fP, dfP, monoP, rhatP, _, valid = sc
    t = np.zeros(mono_exp.shape[0])
    d = np.zeros(3)
    energies = np.zeros(n_atoms)
    forces = np.zeros((n_atoms, 3))
    virial = np.zeros((n_frames, 3, 3))
    for i in range(n_atoms):
        energies[i] = ref_energy[species[i]] + _atom_energy(
            i, first, nbr, vec, species, coef, xi, rmin, rcut, unit, comp_mu, comp_mono, mono_exp, ops, opc,
            n_buffer, basis, sc, False)
        if not want_forces:
            continue
        _atom_adjoint(xi, 1.0, basis, ops, opc, buf, g)
        fr = atom_frame[i]
        for pp in range(first[i + 1] - first[i]):
            if not valid[pp]:
                continue
            p = first[i] + pp
            j = nbr[p]
            _pair_force(pp, g, comp_mu, comp_mono, d_index, d_factor, fP, dfP, monoP, rhatP, rcut, unit, t, d)
            for k in range(3):
                forces[i, k] += d[k]
                forces[j, k] -= d[k]
                for l in range(3):
                    virial[fr, k, l] += vec[p, k] * d[l]
    return energies, forces, virial


@njit(cache=True, fastmath=True)
def energy_coef_grad(first, nbr, vec, species, coef, xi, rmin, rcut, unit, comp_mu, comp_mono, mono_exp, d_index,
                     d_factor, ops, opc, n_buffer, basis, atom_weight):
    """Gradients of ``sum_i w_i E_i`` with respect to the radial coefficients (same shape as ``coef``)
    and to the linear coefficients ``xi``; also returns the per-atom energies without reference
    terms."""
    n_atoms = species.shape[0]
    n_comp = comp_mu.shape[0]
    n_mu = coef.shape[2]
    n_rad = coef.shape[3]
    sc = _scratch(first, coef, mono_exp, n_buffer, True)
    buf, g, _, _, _, _, _, _, _, monoP, _, QP, valid = sc
    gmu = np.zeros(n_mu)
    grad_coef = np.zeros(coef.shape)
    grad_xi = np.zeros(basis.shape[0])
    energies = np.zeros(n_atoms)
    for i in range(n_atoms):
        w = atom_weight[i]
        energies[i] = _atom_energy(i, first, nbr, vec, species, coef, xi, rmin, rcut, unit, comp_mu, comp_mono,
                                   mono_exp, ops, opc, n_buffer, basis, sc, True)
        for a in range(basis.shape[0]):
            grad_xi[a] += w * buf[basis[a]]
        if w == 0.0:
            continue
        _atom_adjoint(xi, w, basis, ops, opc, buf, g)
        zi = species[i]
        for pp in range(first[i + 1] - first[i]):
            if not valid[pp]:
                continue
            zj = species[nbr[first[i] + pp]]
            for mu in range(n_mu):
                gmu[mu] = 0.0
            for c in range(n_comp):
                gmu[comp_mu[c]] += g[c] * monoP[pp, comp_mono[c]]
            for mu in range(n_mu):
                for k in range(n_rad):
                    grad_coef[zi, zj, mu, k] += gmu[mu] * QP[pp, k]
    return grad_coef, grad_xi, energies


@njit(cache=True, fastmath=True)
def design(first, nbr, vec, species, coef, rmin, rcut, unit, comp_mu, comp_exp, ops, opc, n_buffer, basis,
           inv_ref, inv_op_start, inv_op_stop, basis_factors, atom_frame, n_frames, row_of_atom,
           want_forces):
    """The linear least-squares blocks of training.

    Returns
    -------
    values : (n_atoms, n_basis)
        Basis functions of each atom.
    dforces : (3 * n_atoms, n_basis)
        Force on atom ``k``, direction ``a`` (row ``3 * row_of_atom[k] + a``) per unit coefficient.
    dvirial : (n_frames, 9, n_basis)
        Virial ``sum r_ij (x) dB/dr_ij`` per unit coefficient.

    ``inv_ref`` is the buffer index of each connected invariant, computed by ops
    ``inv_op_start[k]:inv_op_stop[k]``; ``basis_factors[a]`` lists the invariants (indices into
    ``inv_ref``, -1 padded) whose product is basis function ``a``.
    """
    n_atoms = species.shape[0]
    n_comp = comp_mu.shape[0]
    n_mu = coef.shape[2]
    n_rad = coef.shape[3]
    n_basis = basis.shape[0]
    n_inv = inv_ref.shape[0]
    max_nu = 0
    for c in range(n_comp):
        nu = comp_exp[c, 0] + comp_exp[c, 1] + comp_exp[c, 2]
        max_nu = max(max_nu, nu)
    buf = np.zeros(n_buffer)
    g = np.zeros(n_buffer)
    Q = np.zeros(n_rad)
    dQ = np.zeros(n_rad)
    f = np.zeros(n_mu)
    df = np.zeros(n_mu)
    px = np.zeros(max_nu + 1)
    py = np.zeros(max_nu + 1)
    pz = np.zeros(max_nu + 1)
    rhat = np.zeros(3)
    d = np.zeros(3)
    jac = np.zeros((n_inv, n_comp))
    max_nbr = 0
    for i in range(n_atoms):
        max_nbr = max(max_nbr, first[i + 1] - first[i])
    dinv = np.zeros((n_inv, max_nbr, 3))
    values = np.zeros((n_atoms, n_basis))
    n_rows = 3 * n_atoms if want_forces else 0
    dforces = np.zeros((n_rows, n_basis))
    dvirial = np.zeros((n_frames, 9, n_basis))
    # which components each invariant depends on (non-zero Jacobian entries)
    for i in range(n_atoms):
        _moments(i, first, vec, species, coef, rmin, rcut, unit, comp_mu, comp_exp, max_nu, buf, Q, dQ, f, df,
                 px, py, pz, rhat, nbr)
        _forward(buf, n_comp, n_buffer, ops, opc)
        for a in range(n_basis):
            values[i, a] = buf[basis[a]]
        if not want_forces:
            continue
        # Jacobian of each connected invariant with respect to the moment components
        for k in range(n_inv):
            ref = inv_ref[k]
            for c in range(n_comp):
                jac[k, c] = 0.0
            if ref < n_comp:
                jac[k, ref] = 1.0
                continue
            g[ref] = 1.0
            for q in range(inv_op_stop[k] - 1, inv_op_start[k] - 1, -1):
                go = g[ops[q, 0]]
                if go != 0.0:
                    a = ops[q, 1]
                    b = ops[q, 2]
                    g[a] += opc[q] * buf[b] * go
                    g[b] += opc[q] * buf[a] * go
            for c in range(n_comp):
                jac[k, c] = g[c]
                g[c] = 0.0
            for q in range(inv_op_start[k], inv_op_stop[k]):
                g[ops[q, 0]] = 0.0
        zi = species[i]
        fr = atom_frame[i]
        n_p = first[i + 1] - first[i]
        for pp in range(n_p):
            p = first[i] + pp
            r = _pair_setup(vec[p], rcut, unit, rmin, n_rad, coef[zi, species[nbr[p]]], n_mu, max_nu, Q, dQ,
                            f, df, px, py, pz, rhat)
            for k in range(n_inv):
                if r >= rcut:
                    dinv[k, pp, 0] = 0.0
                    dinv[k, pp, 1] = 0.0
                    dinv[k, pp, 2] = 0.0
                else:
                    _pair_grad(jac[k], comp_mu, comp_exp, f, df, px, py, pz, rhat, r if unit else rcut, unit, d)
                    dinv[k, pp, 0] = d[0]
                    dinv[k, pp, 1] = d[1]
                    dinv[k, pp, 2] = d[2]
        ri = row_of_atom[i]
        for a in range(n_basis):
            # product rule over the factors of basis function a
            n_f = 0
            for q in range(basis_factors.shape[1]):
                if basis_factors[a, q] >= 0:
                    n_f += 1
            for q in range(n_f):
                other = 1.0
                for s in range(n_f):
                    if s != q:
                        other *= buf[inv_ref[basis_factors[a, s]]]
                if other == 0.0:
                    continue
                k = basis_factors[a, q]
                for pp in range(n_p):
                    p = first[i] + pp
                    rj = row_of_atom[nbr[p]]
                    for x in range(3):
                        v = other * dinv[k, pp, x]
                        dforces[3 * ri + x, a] += v
                        dforces[3 * rj + x, a] -= v
                        for y in range(3):
                            dvirial[fr, 3 * y + x, a] += vec[p, y] * v
    return values, dforces, dvirial


@njit(cache=True)
def min_distances(first, nbr, vec, species, n_species):
    """Shortest distance seen per species pair (inf where none)."""
    out = np.full((n_species, n_species), np.inf)
    for i in range(species.shape[0]):
        for p in range(first[i], first[i + 1]):
            r = np.sqrt(vec[p, 0] ** 2 + vec[p, 1] ** 2 + vec[p, 2] ** 2)
            a = species[i]
            b = species[nbr[p]]
            if r < out[a, b]:
                out[a, b] = r
                out[b, a] = r
    return out
