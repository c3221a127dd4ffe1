"""A cluster expansion laid out on a supercell for Monte Carlo: per-cluster energy tables and
per-site lists of the clusters that contain each site."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from ..ce import ClusterExpansion

__all__ = ["LatticeSystem", "build_system", "MAX_HOT_SLOTS"]

#: most neighbour slots of the tabulated higher-order terms of a binary flip (2**20 entries, 8 MB)
MAX_HOT_SLOTS = 20


@dataclass
class LatticeSystem:
    """Everything the compiled kernel needs, as flat arrays.

    The total mixing energy of an occupation ``sigma`` is
    ``e0 + sum_t table[offset[t] + code_t(sigma)]`` over the cluster instances ``t`` of the
    supercell, with ``code_t = sum_i sigma[atoms[t, i]] * base**i``.

    Attributes
    ----------
    n_sites : int
    base : int
        Largest number of species on a site.
    e0 : float
        Zerolet energy of the whole supercell (eV).
    inst_atoms : numpy.ndarray of int32, shape (n_inst, k_max)
        Atom indices of each cluster instance (-1 padding).
    inst_order : numpy.ndarray of int32, shape (n_inst,)
    inst_offset : numpy.ndarray of int64, shape (n_inst,)
        Offset of the instance's orbit table in ``table``.
    table : numpy.ndarray, shape (n_table,)
        Energy (eV) of one cluster instance by occupation code, symmetrised over the orderings
        that the orbit's symmetry allows.
    t_grp : numpy.ndarray of int64, shape (n_prim, 5)
        Template entries ``t_grp[s, m]:t_grp[s, m+1]`` describe the instances with ``m`` other
        atoms that contain a site of primitive-cell site ``s``.
    sub : numpy.ndarray of int64, shape (n_sites,)
        Primitive-cell site of each atom.
    t_off, t_self, t_slot, t_mult : numpy.ndarray
        Per template entry: table offset, code multiplier of the site itself, the other atoms'
        slots in the neighbour table (n, 3) and their multipliers (n, 3).
    poly_c, poly_w, v_ptr, v_idx, v_coef, u_ptr, u_idx, u_coef : numpy.ndarray
        Binary lattices: the energy change of a site of primitive-cell site ``s`` going from
        species 0 to 1 is ``poly_c[s] + sum_q poly_w[s, q] o_q`` plus the products
        ``v_coef * o_a * o_b`` (rows ``v_ptr[s]:v_ptr[s+1]``) and ``u_coef * o_a * o_b * o_c``,
        with ``o_q`` the occupation of neighbour slot ``q``.
    nbr : numpy.ndarray of int32, shape (n_sites, n_slots)
        Atom in each neighbour slot of each site.
    hot_tab, hot_off, hot_slot, hot_n : numpy.ndarray
        Binary lattices whose products (``v``, ``u`` terms) involve at most
        :data:`MAX_HOT_SLOTS` neighbour slots per primitive-cell site: the sum of all products is
        tabulated over the occupations of those slots, ``hot_tab[hot_off[s] + m]`` with
        ``m = sum_k o[hot_slot[s, k]] << k`` for ``k < hot_n[s]``; one lookup replaces about a
        hundred multiply-adds. Empty when the table would be too large.
    allowed : numpy.ndarray of bool, shape (n_sites, base)
        Which species index each site may take.
    species : list of list of str
        Species of each site (its allowed list, by atomic number).
    """

    n_sites: int
    base: int
    e0: float
    inst_atoms: np.ndarray
    inst_order: np.ndarray
    inst_offset: np.ndarray
    table: np.ndarray
    t_grp: np.ndarray
    sub: np.ndarray
    t_off: np.ndarray
    t_self: np.ndarray
    t_slot: np.ndarray
    t_mult: np.ndarray
    poly_c: np.ndarray
    poly_w: np.ndarray
    v_ptr: np.ndarray
    v_idx: np.ndarray
    v_coef: np.ndarray
    u_ptr: np.ndarray
    u_idx: np.ndarray
    u_coef: np.ndarray
    nbr: np.ndarray
    allowed: np.ndarray
    species: list[list[str]]
    sites: np.ndarray
    hot_tab: np.ndarray
    hot_off: np.ndarray
    hot_slot: np.ndarray
    hot_n: np.ndarray

    def occupation(self, atoms: Atoms, name: str = "structure") -> np.ndarray:
        """Species index of each atom, shape (n_sites,), int32."""
        lookup = [{s: k for k, s in enumerate(sp)} for sp in self.species]
        out = np.empty(len(atoms), dtype=np.int32)
        for i, sym in enumerate(atoms.get_chemical_symbols()):
            k = lookup[i].get(sym)
            if k is None:
                from ..ce import SpeciesError

                raise SpeciesError(f"{name}: atom {i} is {sym}, but its site may hold only "
                                   f"{', '.join(self.species[i])}")
            out[i] = k
        return out

    def symbols(self, occupation: np.ndarray) -> list[str]:
        return [self.species[i][k] for i, k in enumerate(occupation)]


def build_system(expansion: ClusterExpansion, atoms: Atoms) -> LatticeSystem:
    """Lay ``expansion`` out on the supercell ``atoms`` (on the lattice; any occupation)."""
    cs = expansion.cluster_space
    sites, offsets, P = cs.lattice_sites(atoms, "supercell")
    sites = sites.astype(np.int64)
    n_cells = abs(int(round(np.linalg.det(P))))
    n_prim = len(cs.prim)
    species = [cs.chemical_symbols[s] for s in sites]
    base = max(len(s) for s in cs.chemical_symbols)
    allowed = np.zeros((len(atoms), base), dtype=bool)
    for i, sp in enumerate(species):
        allowed[i, :len(sp)] = True
    ecis = expansion.ecis
    params = cs.parameters
    e0 = float(ecis[0]) * len(atoms)
    tables, inst_atoms, inst_order, inst_offset = [], [], [], []
    offset = 0
    indices = cs._indices(sites, offsets, P)
    for o, (orbit, idx) in enumerate(zip(cs.orbits, indices)):
        k = orbit.order
        coeffs = [(alpha, float(ecis[p])) for alpha, p in zip(orbit.functions, _param_indices(params, o))]
        sub = orbit.representative[:, 0]
        unordered: dict[tuple[int, ...], np.ndarray] = {}
        for row in idx:
            unordered.setdefault(tuple(sorted(row.tolist())), row)
        wrapped = (len(unordered) != n_cells * orbit.multiplicity
                   or any(len(set(key)) < k for key in unordered))
        if wrapped:
            # Small cell: a cluster meets its own periodic image. Keep every ordered image, each
            # with weight n_prim / n_images; exact, but slower.
            inst = idx.astype(np.int32)
            perms = [tuple(range(k))]
            weight = n_prim / len(orbit.images)
        else:
            # One instance per cluster, its energy symmetrised over the allowed orderings.
            inst = np.array(list(unordered.values()), dtype=np.int32).reshape(-1, k)
            perms = cs._stabiliser_perms(orbit.representative)
            weight = n_prim / orbit.multiplicity
        table = np.zeros(base**k)
        for combo in itertools.product(range(base), repeat=k):
            if any(c >= cs._n_species[sub[i]] for i, c in enumerate(combo)):
                continue
            value = 0.0
            for alpha, j in coeffs:
                acc = 0.0
                for perm in perms:
                    prod = 1.0
                    for i in range(k):
                        prod *= cs._theta[sub[perm[i]], alpha[i], combo[perm[i]]]
                    acc += prod
                value += j * weight * acc / len(perms)
            table[sum(c * base**i for i, c in enumerate(combo))] = value
        tables.append(table)
        pad = np.full((len(inst), 4), -1, dtype=np.int32)
        pad[:, :k] = inst
        inst_atoms.append(pad)
        inst_order.append(np.full(len(inst), k, dtype=np.int32))
        inst_offset.append(np.full(len(inst), offset, dtype=np.int64))
        offset += len(table)
    inst_atoms_a = np.concatenate(inst_atoms) if inst_atoms else np.zeros((0, 4), np.int32)
    inst_order_a = np.concatenate(inst_order)
    inst_offset_a = np.concatenate(inst_offset)
    table_a = np.concatenate(tables)
    # Instances whose table is zero (zero ECIs) never change the energy: drop them.
    live = np.array([np.any(table_a[o:o + base**k] != 0.0)
                     for o, k in zip(inst_offset_a, inst_order_a)], dtype=bool)
    inst_atoms_a, inst_order_a, inst_offset_a = inst_atoms_a[live], inst_order_a[live], inst_offset_a[live]
    # Per site, one entry for each instance that contains it: the instance's table offset, the
    # code multiplier of the site itself (summed over its positions), and the other atoms with
    # their multipliers. All sites of one primitive-cell site are translations of each other, so
    # the entries are stored once per primitive-cell site as a template whose atoms are slots in
    # a per-site neighbour table. The template stays in cache; a flip reads its site's
    # neighbour row and the (small) occupation array.
    from ..ce._symmetry import supercell_keys

    n_inst = len(inst_atoms_a)
    powers = base ** np.arange(4, dtype=np.int64)
    containing: list[list[int]] = [[] for _ in range(len(atoms))]
    for t in range(n_inst):
        for a in set(inst_atoms_a[t, :inst_order_a[t]].tolist()):
            containing[a].append(t)
    atom_keys = supercell_keys(sites, offsets, P)
    key_order = np.argsort(atom_keys)
    sorted_keys = atom_keys[key_order]
    n_prim = len(cs.prim)
    t_off: list[int] = []
    t_self: list[int] = []
    t_n: list[int] = []
    t_slot: list[list[int]] = []
    t_mult: list[list[int]] = []
    tmpl_ptr = [0]
    rel_by_sub: list[list[tuple[int, int, int, int]]] = []
    for s0 in range(n_prim):
        members = np.flatnonzero(sites == s0)
        rels: dict[tuple[int, int, int, int], int] = {}
        if len(members):
            j0 = int(members[0])
            for t in containing[j0]:
                k = int(inst_order_a[t])
                atoms_t = inst_atoms_a[t, :k]
                mj = int(powers[:k][atoms_t == j0].sum())
                slots, mults = [], []
                for i, a in enumerate(atoms_t.tolist()):
                    if a == j0:
                        continue
                    rel = (int(sites[a]), *(offsets[a] - offsets[j0]).tolist())
                    slots.append(rels.setdefault(rel, len(rels)))
                    mults.append(int(powers[i]))
                t_off.append(int(inst_offset_a[t]))
                t_self.append(mj)
                t_n.append(len(slots))
                t_slot.append(slots + [0] * (3 - len(slots)))
                t_mult.append(mults + [0] * (3 - len(mults)))
        tmpl_ptr.append(len(t_off))
        rel_by_sub.append(list(rels))
    n_slots = max(1, max(len(r) for r in rel_by_sub))
    nbr = np.zeros((len(atoms), n_slots), dtype=np.int32)
    for j in range(len(atoms)):
        rels = rel_by_sub[sites[j]]
        if not rels:
            continue
        rel = np.array(rels, dtype=np.int64)
        k = supercell_keys(rel[:, 0], offsets[j] + rel[:, 1:], P)
        nbr[j, :len(rels)] = key_order[np.searchsorted(sorted_keys, k)]
    t_off_a = np.array(t_off, dtype=np.int32)
    t_self_a = np.array(t_self, dtype=np.int32)
    t_n_a = np.array(t_n, dtype=np.int32)
    t_slot_a = np.array(t_slot, dtype=np.int32).reshape(-1, 3)
    t_mult_a = np.array(t_mult, dtype=np.int32).reshape(-1, 3)
    # within each primitive-cell site, entries ordered by their number of other atoms;
    # t_grp[s] holds the boundaries
    t_grp = np.zeros((n_prim, 5), dtype=np.int64)
    order = np.arange(len(t_off_a))
    for s0 in range(n_prim):
        lo, hi = tmpl_ptr[s0], tmpl_ptr[s0 + 1]
        local = lo + np.argsort(t_n_a[lo:hi], kind="stable")
        order[lo:hi] = local
        t_grp[s0] = lo + np.searchsorted(t_n_a[local], [0, 1, 2, 3, 4])
    t_off_a, t_self_a, t_n_a = t_off_a[order], t_self_a[order], t_n_a[order]
    t_slot_a, t_mult_a = t_slot_a[order], t_mult_a[order]
    tmpl_ptr = [int(t_grp[s0, 0]) for s0 in range(n_prim)] + [int(t_grp[-1, 4])]
    # Binary lattices: the energy change when a site goes from species 0 to 1 is a function of
    # its neighbours' occupations o in {0, 1}, hence exactly a multilinear polynomial in them:
    # c + sum_q w_q o_q + sum v_ab o_a o_b + sum u_abc o_a o_b o_c (Moebius transform of each
    # cluster's table, summed per primitive-cell site). The kernel evaluates that polynomial.
    n_slot_max = nbr.shape[1]
    poly_c = np.zeros(n_prim)
    poly_w = np.zeros((n_prim, n_slot_max))
    v_ptr, v_idx, v_coef = [0], [], []
    u_ptr, u_idx, u_coef = [0], [], []
    if base == 2:
        for s0 in range(n_prim):
            terms: dict[tuple[int, ...], float] = {}
            for p in range(tmpl_ptr[s0], tmpl_ptr[s0 + 1]):
                n_other = t_n_a[p]
                slots = t_slot_a[p, :n_other]
                mults = t_mult_a[p, :n_other]
                off, m_self = int(t_off_a[p]), int(t_self_a[p])
                for subset in itertools.product((0, 1), repeat=n_other):
                    # coefficient of prod_{i in subset} o_i by inclusion-exclusion
                    value = 0.0
                    on = [i for i in range(n_other) if subset[i]]
                    for k in range(len(on) + 1):
                        for part in itertools.combinations(on, k):
                            code = off + sum(int(mults[i]) for i in part)
                            diff = table_a[code + m_self] - table_a[code]
                            value += (-1) ** (len(on) - k) * diff
                    if value == 0.0:
                        continue
                    key = tuple(sorted({int(slots[i]) for i in on}))
                    terms[key] = terms.get(key, 0.0) + value
            for key, value in terms.items():
                if len(key) == 0:
                    poly_c[s0] += value
                elif len(key) == 1:
                    poly_w[s0, key[0]] += value
                elif len(key) == 2:
                    v_idx.append(key)
                    v_coef.append(value)
                else:
                    u_idx.append(key)
                    u_coef.append(value)
            v_ptr.append(len(v_idx))
            u_ptr.append(len(u_idx))
    else:
        v_ptr = [0] * (n_prim + 1)
        u_ptr = [0] * (n_prim + 1)
    v_ptr_a, v_idx_a, v_coef_a = (np.array(v_ptr, dtype=np.int64),
                                  np.array(v_idx, dtype=np.int32).reshape(-1, 2), np.array(v_coef))
    u_ptr_a, u_idx_a, u_coef_a = (np.array(u_ptr, dtype=np.int64),
                                  np.array(u_idx, dtype=np.int32).reshape(-1, 3), np.array(u_coef))
    hot = _hot_tables(n_prim, v_ptr_a, v_idx_a, v_coef_a, u_ptr_a, u_idx_a, u_coef_a) if base == 2 else None
    if hot is None:
        hot = (np.zeros(0), np.zeros(n_prim + 1, dtype=np.int64), np.zeros((n_prim, 1), dtype=np.int32),
               np.zeros(n_prim, dtype=np.int64))
    return LatticeSystem(len(atoms), base, e0, inst_atoms_a, inst_order_a, inst_offset_a, table_a,
                         t_grp, sites.astype(np.int64), t_off_a, t_self_a, t_slot_a, t_mult_a,
                         poly_c, poly_w, v_ptr_a, v_idx_a, v_coef_a, u_ptr_a, u_idx_a, u_coef_a,
                         nbr, allowed, species, sites, *hot)


def _hot_tables(n_prim: int, v_ptr: np.ndarray, v_idx: np.ndarray, v_coef: np.ndarray, u_ptr: np.ndarray,
                u_idx: np.ndarray, u_coef: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Tabulate ``sum v o_a o_b + sum u o_a o_b o_c`` of each primitive-cell site over the
    occupations of the slots it involves; None when some site involves more than
    :data:`MAX_HOT_SLOTS` slots (the kernel then evaluates the products one by one)."""
    slots = []
    for s0 in range(n_prim):
        used = set(v_idx[v_ptr[s0]:v_ptr[s0 + 1]].ravel()) | set(u_idx[u_ptr[s0]:u_ptr[s0 + 1]].ravel())
        slots.append(sorted(int(q) for q in used))
    if max((len(x) for x in slots), default=0) > MAX_HOT_SLOTS:
        return None
    width = max(1, max(len(x) for x in slots))
    hot_slot = np.zeros((n_prim, width), dtype=np.int32)
    hot_n = np.array([len(x) for x in slots], dtype=np.int64)
    hot_off = np.zeros(n_prim + 1, dtype=np.int64)
    hot_off[1:] = np.cumsum(2 ** hot_n)
    tab = np.zeros(int(hot_off[-1]))
    for s0, used in enumerate(slots):
        hot_slot[s0, :len(used)] = used
        pos = {q: k for k, q in enumerate(used)}
        masks = np.arange(2 ** len(used), dtype=np.int64)
        bit = [((masks >> k) & 1).astype(float) for k in range(len(used))]
        part = np.zeros(len(masks))
        for r in range(v_ptr[s0], v_ptr[s0 + 1]):
            a, b = (pos[int(q)] for q in v_idx[r])
            part += v_coef[r] * bit[a] * bit[b]
        for r in range(u_ptr[s0], u_ptr[s0 + 1]):
            a, b, c = (pos[int(q)] for q in u_idx[r])
            part += u_coef[r] * bit[a] * bit[b] * bit[c]
        tab[hot_off[s0]:hot_off[s0 + 1]] = part
    return tab, hot_off, hot_slot, hot_n


def _param_indices(params: list[dict], orbit: int) -> list[int]:
    return [p["index"] for p in params if p["orbit"] == orbit]

