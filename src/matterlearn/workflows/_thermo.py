"""Stage d of the phase-diagram workflow: Monte Carlo on the fitted expansion, free energies by
thermodynamic integration, order-disorder temperatures and phase boundaries.

Every unit of work is one task (a heating or cooling scan, or one phase's branch along the
chemical potential at one temperature), seeded by its name, kept as JSON in the stage folder as
soon as it is done, and skipped by a rerun: an interrupted run resumes with the same numbers.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import ParameterError
from ._store import RunFolder
from ._tasks import fan_out

__all__ = ["montecarlo", "tile", "hull_windows"]

_INF_T = 1e9  # K: an infinite-temperature sample for the kernel (beta ~ 1e-5 /eV)
_HOT = (_INF_T, 20000.0, 8000.0, 4000.0, 2500.0)


def tile(structure: Atoms, supercell: Atoms, tol: float = 1e-3) -> Atoms | None:
    """``supercell`` with the species of the periodic ``structure`` on its sites, or None when
    the supercell is not commensurate with the structure's cell."""
    m = supercell.cell.array @ np.linalg.inv(structure.cell.array)
    if np.abs(m - np.round(m)).max() > 1e-4:
        return None
    ref = structure.get_scaled_positions(wrap=True)
    frac = np.linalg.solve(structure.cell.array.T, supercell.positions.T).T
    frac -= np.floor(frac + tol)
    d = frac[:, None, :] - ref[None, :, :]
    d -= np.round(d)
    dist = np.linalg.norm(d @ structure.cell.array, axis=2)
    k = np.argmin(dist, axis=1)
    if dist[np.arange(len(k)), k].max() > 0.05:
        return None
    out = supercell.copy()
    out.numbers = structure.numbers[k]
    return out


def variant_count(ordered: Atoms, prim: Atoms) -> int:
    """How many distinct copies of the ordering ``ordered`` (a supercell of ``prim``) its lattice's
    symmetry makes: translations by the primitive vectors times the point group (for a lattice of
    one site per primitive cell; translations alone otherwise, a lower bound)."""
    import spglib

    n = np.rint(np.linalg.solve(prim.cell.array.T, (ordered.positions - prim.positions[0]).T).T).astype(int)
    m = np.rint(ordered.cell.array @ np.linalg.inv(prim.cell.array)).astype(int)  # supercell in prim vectors
    minv = np.linalg.inv(m)

    def code(v: np.ndarray) -> np.ndarray:  # integer prim coordinates -> one integer per site
        f = v @ minv
        k = np.round((f - np.floor(f + 1e-9)) * 1_000_000).astype(np.int64) % 1_000_000
        return (k[..., 0] * 1_000_000 + k[..., 1]) * 1_000_000 + k[..., 2]

    c0 = code(n)
    order = np.argsort(c0)
    rots = [np.eye(3, dtype=int)]
    if len(prim) == 1:
        sym = spglib.get_symmetry((prim.cell.array, prim.get_scaled_positions(), prim.numbers), symprec=1e-5)
        rots = list(sym["rotations"])
    occ = ordered.numbers
    seen: set[bytes] = set()
    for w in rots:
        rn = n @ np.asarray(w).T
        # every primitive translation of the supercell is some site's coordinate: all at once
        perms = order[np.searchsorted(c0[order], code(rn[None, :, :] + n[:, None, :]))]
        new = np.empty((len(n), len(occ)), dtype=occ.dtype)
        np.put_along_axis(new, perms, occ[None, :], axis=1)
        seen.update(row.tobytes() for row in new)
    return len(seen)


def hull_windows(x: list[float], e: list[float]) -> list[tuple[float, float]]:
    """For each hull vertex (by increasing x), the chemical potentials between which it is the
    ground state at zero temperature: the slopes of the hull segments on either side."""
    slopes = [(e[k + 1] - e[k]) / (x[k + 1] - x[k]) for k in range(len(x) - 1)]
    return [(slopes[k - 1] if k else -np.inf, slopes[k] if k < len(slopes) else np.inf)
            for k in range(len(x))]


def _branch_window(heat: dict[str, Any], cool: dict[str, Any], scan_t: list[float]) -> tuple[float, float] | None:
    """Where each canonical branch still holds its phase: the heated ground state while its
    long-range order stays above :data:`~matterlearn.mc.ORDERED`, the cooled solution while its
    order stays below (the whole scan when it never orders: a cooling run may undercool to the
    end); a step of the scan of tolerance on each side. Without an order parameter, the
    heat-capacity peaks."""
    from ..mc import ORDERED

    step = abs(scan_t[1] - scan_t[0]) if len(scan_t) > 1 else 0.0
    th, oh = np.asarray(heat["temperatures"], float), np.asarray(heat["order_parameter"], float)
    tc, oc = np.asarray(cool["temperatures"], float), np.asarray(cool["order_parameter"], float)
    if np.isfinite(oh).all() and np.isfinite(oc).all():
        held = th[oh > ORDERED]
        upper = float(held.max()) if len(held) else float(th.min())
        ordered_on_cooling = tc[(oc > ORDERED) & (tc < 1e8)]
        lower = float(ordered_on_cooling.max()) if len(ordered_on_cooling) else float(min(scan_t))
        return lower - step, upper + step
    if heat["transition_temperature"] is None or cool["transition_temperature"] is None:
        return None
    return cool["transition_temperature"] - step, heat["transition_temperature"] + step


def _seed(base: int, name: str) -> int:
    return (base * 1_000_003 + zlib.crc32(name.encode())) % (2**31)


def _task(payload: dict[str, Any]) -> dict[str, Any]:
    """One Monte Carlo task (runs in a worker process)."""
    from ..ce import ClusterExpansion
    from ..mc import sgc_mu_branch, sgc_temperature_branch, temperature_scan

    ce = ClusterExpansion.from_dict(payload["expansion"])
    st = payload["structure"]
    atoms = Atoms(st["numbers"], positions=st["positions"], cell=st["cell"], pbc=True)
    kind = payload["kind"]
    if kind == "scan":
        r = temperature_scan(ce, atoms, payload["temperatures"], payload["sweeps"], payload["equilibration"],
                             "canonical", seed=payload["seed"])
        r.pop("final_structure", None)
        return r
    if kind == "sgc_t":
        r = sgc_temperature_branch(ce, atoms, payload["species"], payload["mu"], payload["temperatures"],
                                   payload["sweeps"], payload["equilibration"], seed=payload["seed"])
        r["occupations"] = [o.tolist() for o in r["occupations"]]
        return r
    if kind == "sgc_mu":
        occ = None if payload.get("occupation") is None else np.asarray(payload["occupation"])
        return sgc_mu_branch(ce, atoms, payload["species"], payload["temperature"], payload["mus"],
                             payload["sweeps"], payload["equilibration"], seed=payload["seed"],
                             occupation=occ)
    raise ParameterError(f"unknown task {kind!r}")


def _structure_dict(a: Atoms) -> dict[str, Any]:
    return {"numbers": a.numbers.tolist(), "positions": a.positions.tolist(), "cell": a.cell.array.tolist()}


def _run_tasks(run: Any, d: Path, tasks: dict[str, dict[str, Any]], stage: str) -> dict[str, Any]:
    done: dict[str, Any] = {}
    todo = []
    for name in tasks:
        path = d / f"{name}.json"
        if path.is_file():
            done[name] = RunFolder.read_json(path)
        else:
            todo.append(name)
    total = len(tasks)
    count = [len(done)]
    run.progress(stage, count[0], total)

    def keep(k: int, result: dict[str, Any]) -> None:
        name = todo[k]
        RunFolder.write_json(d / f"{name}.json", result)
        done[name] = RunFolder.read_json(d / f"{name}.json")
        count[0] += 1
        run.progress(stage, count[0], total)

    fan_out(_task, [tasks[n] for n in todo], run.client, keep)
    return done


def montecarlo(run: Any, ce_result: dict[str, Any]) -> dict[str, Any]:
    from ..ce import ClusterExpansion
    from ..mc import (
        KB,
        ORDERED,
        SemiGrandCanonicalEnsemble,
        canonical_transition,
        integrate_chemical_potential,
        integrate_temperature,
        phase_boundaries,
        set_composition,
        supercell,
    )

    s = run.s
    d = run.folder.stage_dir("montecarlo")
    ce = ClusterExpansion.read(ce_result["expansion"])
    cs = ce.cluster_space
    xsp = ce_result["x_species"]
    other = [sp for sp in cs.species if sp != xsp][0]
    gs = ce_result["ground_states"]
    gx = [g["x"] for g in gs]
    # a supercell that holds every ordered ground state
    repeat = s.mc_repeat
    while True:
        base = supercell(ce, (repeat, repeat, repeat))
        tiled = {}
        for g in gs:
            a = Atoms(g["numbers"], positions=g["positions"], cell=g["cell"], pbc=True)
            tiled[g["formula"]] = tile(a, base)
        if all(t is not None for t in tiled.values()) or repeat >= 4 * s.mc_repeat:
            break
        repeat += s.mc_repeat // 2 or 1
    ce_dict = ce.to_dict()
    # the expansion's own energies of the ground states (pure ends included): every reference of
    # the free energies comes from the model that is sampled, not from the relaxed energies, which
    # the fit reproduces only to its error
    e_ce = {k: (SemiGrandCanonicalEnsemble(ce, tiled[g["formula"]], s.t_low, {}).energy / len(base)
                if tiled[g["formula"]] is not None else np.nan) for k, g in enumerate(gs)}
    windows = hull_windows(gx, [e_ce[k] for k in range(len(gs))])
    ordered = [k for k, g in enumerate(gs) if 0 < g["x"] < 1 and tiled[g["formula"]] is not None
               and windows[k][0] < windows[k][1]]
    skipped = [g["formula"] for k, g in enumerate(gs) if 0 < g["x"] < 1 and tiled[g["formula"]] is None]
    scan_t = sorted(s.scan_temperatures)
    tasks: dict[str, dict[str, Any]] = {}
    for k in ordered:
        g = gs[k]
        name = f"x{g['x']:.4f}"
        tasks[f"heat_{name}"] = {"kind": "scan", "expansion": ce_dict,
                                 "structure": _structure_dict(tiled[g["formula"]]),
                                 "temperatures": [s.t_low] + scan_t, "sweeps": s.sweeps,
                                 "equilibration": s.equilibration, "seed": _seed(s.seed, f"heat_{name}")}
        rand = set_composition(base, cs.species, {xsp: g["x"]}, seed=_seed(s.seed, name))
        tasks[f"cool_{name}"] = {"kind": "scan", "expansion": ce_dict, "structure": _structure_dict(rand),
                                 "temperatures": [t for t in _HOT if t > scan_t[-1]] + scan_t[::-1],
                                 "sweeps": s.sweeps, "equilibration": s.equilibration,
                                 "seed": _seed(s.seed, f"cool_{name}")}
    first = _run_tasks(run, d, tasks, "montecarlo: heating and cooling")
    # the expansion's own energy of each tiled ground state: the free energies start from it
    variants = {k: variant_count(tiled[gs[k]["formula"]], cs.prim) for k in ordered}
    peaks = [first[f"cool_x{gs[k]['x']:.4f}"]["transition_temperature"] for k in ordered]
    peaks = [p for p in peaks if p is not None]
    t_min = max(50.0, 5 * round(0.6 * min(peaks) / 5)) if peaks else min(s.scan_temperatures)
    diag_t = sorted({float(5 * round(t / 5)) for t in np.linspace(t_min, s.diagram_t_max, s.diagram_points)})
    tasks = {}
    lo = min(w[1] for w in windows[:-1])
    hi = max(w[0] for w in windows[1:])
    step = s.mu_step

    def snap(m: float) -> float:
        return float(np.round(m / step) * step)

    # each ordered phase is heated at the middle of its zero-temperature window, and every window
    # is sampled by a few points of its own: a phase whose window is narrower than the step (a
    # ground state barely below the tie line of its neighbours) is not stepped over
    mu_p = {k: round(0.5 * (windows[k][0] + windows[k][1]), 6) for k in ordered}
    extra_mu = np.unique(np.round(np.concatenate(
        [np.linspace(windows[k][0], windows[k][1], 5) for k in ordered] + [np.array(list(mu_p.values()))]), 6))
    for k in ordered:
        g = gs[k]
        tasks[f"sgcT_{k}"] = {"kind": "sgc_t", "expansion": ce_dict,
                              "structure": _structure_dict(tiled[g["formula"]]), "species": xsp,
                              "mu": mu_p[k], "temperatures": [s.t_low] + diag_t,
                              "sweeps": s.mu_sweeps * 2, "equilibration": s.mu_equilibration * 2,
                              "seed": _seed(s.seed, f"sgcT_{k}")}
    first.update(_run_tasks(run, d, tasks, "montecarlo: phases heated at fixed chemical potential"))
    # branches along the chemical potential at each temperature
    pure = {sp: base.copy() for sp in cs.species}
    for sp, a in pure.items():
        a.set_chemical_symbols([sp] * len(a))
    mu_tasks: dict[str, dict[str, Any]] = {}
    for ti, t in enumerate(diag_t):
        # fine steps where the phases meet, coarse ones out to the dilute limits (where x is
        # small and smooth, and the terminal branches start from kT ln(1 - x))
        margin = 4 * KB * t + 0.03
        inner = np.arange(snap(lo - 0.05), snap(hi + 0.05) + step / 2, step)
        outer_lo = np.arange(snap(lo - 0.05 - margin), inner[0] - step / 2, 4 * step)
        outer_hi = np.arange(inner[-1] + 4 * step, snap(hi + 0.05 + margin) + step / 2, 4 * step)
        grid = np.unique(np.round(np.concatenate([outer_lo, inner, outer_hi, extra_mu]), 6))
        common = {"kind": "sgc_mu", "expansion": ce_dict, "species": xsp, "temperature": t,
                  "sweeps": s.mu_sweeps, "equilibration": s.mu_equilibration}
        mu_tasks[f"mu_T{t:g}_low"] = {**common, "structure": _structure_dict(pure[other]),
                                      "mus": grid.tolist(), "seed": _seed(s.seed, f"low{t}")}
        mu_tasks[f"mu_T{t:g}_high"] = {**common, "structure": _structure_dict(pure[xsp]),
                                       "mus": grid[::-1].tolist(), "seed": _seed(s.seed, f"high{t}")}
        for k in ordered:
            occ = first[f"sgcT_{k}"]["occupations"][ti + 1]
            st = _structure_dict(tiled[gs[k]["formula"]])
            up = grid[grid >= mu_p[k] - 1e-12]
            down = grid[grid <= mu_p[k] + 1e-12][::-1]
            mu_tasks[f"mu_T{t:g}_p{k}_up"] = {**common, "structure": st, "occupation": occ,
                                              "mus": up.tolist(), "seed": _seed(s.seed, f"up{k}{t}")}
            mu_tasks[f"mu_T{t:g}_p{k}_down"] = {**common, "structure": st, "occupation": occ,
                                                "mus": down.tolist(), "seed": _seed(s.seed, f"down{k}{t}")}
    branches = _run_tasks(run, d, mu_tasks, "montecarlo: chemical-potential branches")
    # order-disorder temperatures at fixed composition
    transitions: dict[str, Any] = {}
    for k in ordered:
        g = gs[k]
        name = f"x{g['x']:.4f}"
        heat, cool = first[f"heat_{name}"], first[f"cool_{name}"]
        t_cool = [np.inf if t >= _INF_T else t for t in cool["temperatures"]]
        win = _branch_window(heat, cool, scan_t)
        ti = canonical_transition({"temperatures": heat["temperatures"], "energy": heat["energy_mean"]},
                                  {"temperatures": t_cool, "energy": cool["energy_mean"]},
                                  e_ce[k], [1 - g["x"], g["x"]], window=win, n_sites=len(base),
                                  variants=variants[k])
        transitions[f"{g['x']:g}"] = {
            "formula": g["formula"], "free_energy_crossing_K": ti["temperature"],
            "heating_peak_K": heat["transition_temperature"], "cooling_peak_K": cool["transition_temperature"],
            "heating_order_K": heat.get("order_transition_temperature"),
            "cooling_order_K": cool.get("order_transition_temperature"),
            "free_energy": ti, "heating": {k2: heat[k2] for k2 in ("temperatures", "energy_mean", "heat_capacity",
                                                                   "order_parameter")},
            "cooling": {k2: cool[k2] for k2 in ("temperatures", "energy_mean", "heat_capacity", "order_parameter")}}
    # phase boundaries at each temperature
    diagram = []
    for ti, t in enumerate(diag_t):
        kt = KB * t
        phases = []

        def part(res: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, float | None]:
            m, x = np.asarray(res["mu"]), np.asarray(res["x"])
            j = res["jump_index"]
            return (m, x, None) if j is None else (m[:j], x[:j], float(m[j]))

        m, x, jump = part(branches[f"mu_T{t:g}_low"])
        phi = integrate_chemical_potential(m, x, e_ce[0] + kt * np.log(max(1e-300, 1 - x[0])))
        phases.append({"phase": f"{other}-rich solution", "mu": m, "x": x, "phi": phi, "jump_up_mu": jump})
        m, x, jump = part(branches[f"mu_T{t:g}_high"])
        phi = integrate_chemical_potential(m, x, e_ce[len(gs) - 1] - m[0] + kt * np.log(max(1e-300, x[0])))
        phases.append({"phase": f"{xsp}-rich solution", "mu": m[::-1], "x": x[::-1], "phi": phi[::-1],
                       "jump_down_mu": jump})
        for k in ordered:
            g = gs[k]
            br = first[f"sgcT_{k}"]
            if not br["order"][ti + 1] > ORDERED:  # this phase has disordered at its own mu by T
                continue
            bphi = integrate_temperature(br["temperatures"], br["enthalpy"],
                                         (e_ce[k] - mu_p[k] * g["x"]) / (KB * br["temperatures"][0])
                                         - np.log(variants[k]) / len(base))
            phi0 = float(bphi[ti + 1])
            mu_u, x_u, j_u = part(branches[f"mu_T{t:g}_p{k}_up"])
            mu_d, x_d, j_d = part(branches[f"mu_T{t:g}_p{k}_down"])
            p_u = integrate_chemical_potential(mu_u, x_u, phi0)
            p_d = integrate_chemical_potential(mu_d, x_d, phi0)
            mm = np.concatenate([mu_d[::-1], mu_u[1:]])
            xx = np.concatenate([x_d[::-1], x_u[1:]])
            pp = np.concatenate([p_d[::-1], p_u[1:]])
            if len(mm):
                phases.append({"phase": g["formula"], "mu": mm, "x": xx, "phi": pp, "jump_up_mu": j_u,
                               "jump_down_mu": j_d})
        bounds = phase_boundaries(phases)
        diagram.append({"temperature": t, "boundaries": bounds})
        RunFolder.write_json(d / f"branches_T{t:g}.json", phases)
    tc = {key: v["free_energy_crossing_K"] for key, v in transitions.items()}
    return {"supercell_sites": len(base), "repeat": repeat, "ordered_phases": [gs[k]["formula"] for k in ordered],
            "not_commensurate": skipped, "chemical_potentials": {gs[k]["formula"]: mu_p[k] for k in ordered},
            "transitions": transitions, "transition_temperatures_K": tc, "diagram": diagram,
            "diagram_temperatures": diag_t, "variants": {gs[k]["formula"]: variants[k] for k in ordered},
            "ground_state_energies_of_expansion": {gs[k]["formula"]: e_ce[k] for k in ordered},
            "all_inside_hysteresis": bool(all(b["hysteresis"]["inside"] for row in diagram
                                              for b in row["boundaries"])),
            "n_tasks": len(tasks) + len(mu_tasks)}
