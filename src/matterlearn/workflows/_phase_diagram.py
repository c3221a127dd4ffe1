"""From an energy calculator to a temperature-composition phase diagram, in one run.

Stages, each kept in its own sub-folder of the run folder (a rerun skips finished stages, and
the stages that fan out keep every finished unit of work, so an interrupted run resumes):

a. ``potential``: a moment tensor potential trained on the oracle by active learning: small
   enumerated cells, strained and rattled, then rounds of relaxing the enumerated structures with
   the potential and labelling, among the relaxed structures the potential extrapolates to (MaxVol
   grade above ``gamma_select``), those that extend its active set most.
b. ``relax``: every enumerated structure up to ``max_atoms`` relaxed with the potential (or with
   the oracle: ``potential="none"``, the classic route), fanned out; a random sample re-checked by
   the oracle at the potential's geometry.
c. ``expansion``: cutoffs chosen by cross-validation, a fit under ground-state constraints, and the
   ground-state loop: structures the expansion predicts on the hull among larger cells are relaxed,
   added and refitted until the hull stops changing.
d. ``montecarlo``: canonical heating and cooling at each ordered composition, the order-disorder
   temperature from free-energy integration; semi-grand-canonical branches of every phase along the
   chemical potential at each temperature, and the phase boundaries where their free energies cross.
e. ``report.html`` with every stage, and ``summary.json``.

References
----------
A. van de Walle and G. Ceder, J. Phase Equilib. 23, 348 (2002) (ground-state loop, as ATAT's
maps); A. van de Walle and M. Asta, Modelling Simul. Mater. Sci. Eng. 10, 521 (2002) (free-energy
integration); E. V. Podryabinkin and A. V. Shapeev, Comput. Mater. Sci. 140, 171 (2017) (active
learning of moment tensor potentials).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from .. import __version__
from ..data import ENERGY_KEY
from ..errors import DataFormatError, ExtrapolationError, ParameterError
from ._settings import WorkflowSettings
from ._store import RunFolder
from ._tasks import fan_out, label_chunk, relax_chunk

__all__ = ["phase_diagram_workflow", "STAGES"]

log = logging.getLogger(__name__)

#: The stages of the phase-diagram workflow, in order; each keeps its results in a folder of that name.
STAGES = ("potential", "relax", "expansion", "montecarlo", "report")

Progress = Callable[[str, int, int], None]


class _Run:
    def __init__(self, settings: WorkflowSettings, out: Path, client: Any,
                 progress: Progress | None) -> None:
        self.s = settings
        self.folder = RunFolder(out, settings.to_dict())
        self.client = client
        self.progress = progress or (lambda stage, done, total: None)
        self.oracle_calls: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    # -- shared pieces ----------------------------------------------------------------------
    def prim(self) -> Atoms:
        from ..ce import builtin_prim
        from ..data import read_structure

        if self.s.lattice in ("fcc", "bcc", "hcp"):
            return builtin_prim(self.s.lattice, list(self.s.species))
        prim = read_structure(self.s.lattice)
        return prim

    def enumerate(self, max_atoms: int, min_atoms: int = 1) -> list[Atoms]:
        from ..ce import enumerate_structures

        prim = self.prim()
        n = max(1, max_atoms // len(prim))
        return list(enumerate_structures(prim, range(max(1, min_atoms // len(prim)), n + 1),
                                         list(self.s.species)))

    def label(self, frames: list[Atoms], chunk: int = 8) -> tuple[list[Atoms], int]:
        payloads = [(frames[k:k + chunk], self.s.oracle) for k in range(0, len(frames), chunk)]
        res = fan_out(label_chunk, payloads, self.client)
        out = [a for fr, _ in res for a in fr]
        return out, int(sum(c for _, c in res))

    def relax(self, structures: list[Atoms], potential: Any, store: Path | None,
              stage: str) -> list[dict[str, Any]]:
        """Relax every structure (resumable through ``store``, one JSON per chunk)."""
        chunk = self.s.chunk
        pdict = None if potential is None else potential.to_dict()
        payloads, done = [], {}
        for c0 in range(0, len(structures), chunk):
            path = None if store is None else store / f"chunk_{c0:06d}.json"
            if path is not None and path.is_file():
                done[c0] = RunFolder.read_json(path)
                continue
            payloads.append((c0, path, {"ids": list(range(c0, min(c0 + chunk, len(structures)))),
                                        "structures": structures[c0:c0 + chunk], "oracle": self.s.oracle,
                                        "potential": pdict, "fmax": self.s.fmax,
                                        "max_steps": self.s.max_steps}))
        total = len(structures)
        count = [sum(len(v) for v in done.values())]
        self.progress(stage, count[0], total)

        def keep(k: int, result: list[dict[str, Any]]) -> None:
            c0, path, _ = payloads[k]
            if path is not None:
                RunFolder.write_json(path, result)
            done[c0] = result
            count[0] += len(result)
            self.progress(stage, count[0], total)

        fan_out(relax_chunk, [p for _, _, p in payloads], self.client, keep)
        return [r for c0 in sorted(done) for r in done[c0]]

    def check_oracle(self) -> int:
        """Evaluate the oracle once on each pure species (before anything is written), so that an
        oracle that does not know a species fails at once, with a clear line; returns the calls."""
        from ..data import calculator_factory

        calculator_factory(self.s.oracle)  # a bad name fails here
        prim = self.prim()
        calls = 0
        for sp in self.s.species:
            a = prim.copy()
            a.set_chemical_symbols([sp] * len(a))
            try:
                _, c = label_chunk(([a], self.s.oracle))
            except Exception as exc:
                raise ParameterError(
                    f"the oracle '{self.s.oracle}' cannot evaluate {sp} ({type(exc).__name__}: "
                    f"{str(exc).strip() or 'no message'}); choose species it knows or another --oracle"
                ) from None
            calls += c
        return calls

    # -- stage a ----------------------------------------------------------------------------
    def md_seeds(self) -> list[Atoms]:
        """One small enumerated cell per composition, repeated to at least ``md_atoms`` atoms."""
        heavy = max(_z(sp) for sp in self.s.species)
        seeds, seen = [], set()
        for a in self.enumerate(self.s.train_max_atoms):
            x = round(float(np.mean(a.numbers == heavy)), 6)
            if x in seen:
                continue
            seen.add(x)
            n = int(np.ceil((self.s.md_atoms / len(a)) ** (1 / 3)))
            seeds.append(a.repeat((n, n, n)))
        return seeds

    def stage_potential(self) -> dict[str, Any]:
        from ..data import read_frames, write_frames
        from ..mlip import explore as explore_md
        from ..mlip import select_by_maxvol, train_mtp

        s = self.s
        d = self.folder.stage_dir("potential")
        rng = np.random.default_rng(s.seed)
        train_path = d / "train.extxyz"
        hist_path = d / "history.json"
        history: list[dict[str, Any]] = RunFolder.read_json(hist_path) if hist_path.is_file() else []
        if train_path.is_file() and history:
            train = read_frames(train_path)
            calls = history[-1]["oracle_calls"]
        else:
            small = self.enumerate(s.train_max_atoms)
            pool = []
            for a in small:
                pool.append(a.copy())
                for _ in range(s.strained_copies):
                    b = a.copy()
                    eps = rng.normal(0.0, s.strain / 2, (3, 3))
                    eps = (eps + eps.T) / 2 + np.eye(3) * rng.uniform(-s.strain, s.strain)
                    b.set_cell(b.cell.array @ (np.eye(3) + eps), scale_atoms=True)
                    b.positions += rng.normal(0.0, s.rattle, b.positions.shape)
                    pool.append(b)
            for k, a in enumerate(pool):
                a.info["config_type"] = "enumerated" if k % (s.strained_copies + 1) == 0 else "strained"
            if s.max_oracle_calls is not None and len(pool) > s.max_oracle_calls:
                # within the budget: the ideal cells first, then strained copies in order
                keep = s.max_oracle_calls
                pool = ([a for a in pool if a.info["config_type"] == "enumerated"]
                        + [a for a in pool if a.info["config_type"] == "strained"])[:keep]
            train, calls = self.label(pool)
            write_frames(train_path, train)
            history = [{"round": 0, "n_train": len(train), "oracle_calls": calls, "added": len(train)}]
            RunFolder.write_json(hist_path, history)
        explore = self.enumerate(s.max_atoms)
        md_seeds = self.md_seeds()
        budget = s.max_oracle_calls
        pot = None
        while True:
            rnd = len(history)
            self.progress("potential: training", rnd - 1, s.al_rounds + 1)
            pot, _ = train_mtp(train, level=s.mtp_level, cutoff=s.mtp_cutoff, max_iter=s.mtp_iterations,
                               lbfgs_steps=50, nonlinear_frames=80, seed=s.seed)
            if rnd > s.al_rounds or (budget is not None and calls >= budget):
                break
            limit = s.al_add if budget is None else min(s.al_add, budget - calls)
            if s.md_steps > 0 and rnd == 1:  # short MD from small cells of every composition
                self.progress(f"potential: round {rnd}, molecular dynamics", 0, 1)
                cands, grades = explore_md(pot, pot.active_set, md_seeds, s.md_temperatures, s.md_steps,
                                           s.gamma_select, 10.0 * s.gamma_select, seed=s.seed + rnd)
                rec: dict[str, Any] = {"round": rnd, "kind": "md", "candidates": len(cands),
                                       "max_grade": float(max(grades)) if grades else None}
            else:  # relax every enumerated structure with the potential
                results = self.relax(explore, pot, None, f"potential: round {rnd}, relaxing")
                ends, grades = [], []
                for r in results:
                    if r["energy"] is None:
                        continue
                    a = Atoms(explore[r["id"]].numbers, positions=r["positions"], cell=r["cell"], pbc=True)
                    a.info["config_type"] = f"relaxed_round{rnd}"
                    ends.append(a)
                    grades.append(r.get("grade", 0.0))
                cands = [a for a, g in zip(ends, grades) if g > s.gamma_select]
                rec = {"round": rnd, "kind": "relax", "candidates": len(cands),
                       "max_grade": float(max(grades)) if grades else None,
                       "failed_relaxations": sum(r["energy"] is None for r in results)}
            pick = select_by_maxvol(pot, pot.active_set, cands, limit) if cands and limit > 0 else []
            if not pick:
                rec.update(n_train=len(train), oracle_calls=calls, added=0)
                history.append(rec)
                RunFolder.write_json(hist_path, history)
                if rec["kind"] == "md" and limit > 0:
                    continue  # nothing new in MD: the relaxation rounds follow
                break
            new, c = self.label([cands[k] for k in pick])
            calls += c
            train = train + new
            write_frames(train_path, train)
            rec.update(n_train=len(train), oracle_calls=calls, added=len(new))
            history.append(rec)
            RunFolder.write_json(hist_path, history)
        assert pot is not None
        pot.save(d / "potential.json")
        self.oracle_calls["potential"] = calls
        return {"potential": str(d / "potential.json"), "n_train": len(train), "oracle_calls": calls,
                "level": s.mtp_level, "rounds": history}

    # -- stage b ----------------------------------------------------------------------------
    def stage_relax(self, potential_result: dict[str, Any] | None) -> dict[str, Any]:
        from ..ce import ClusterSpace, map_structure
        from ..mlip import load_potential

        s = self.s
        d = self.folder.stage_dir("relax")
        structures = self.enumerate(s.max_atoms)
        pot = None if potential_result is None else load_potential(potential_result["potential"])
        results = self.relax(structures, pot, d, "relax: structures")
        failed = [r for r in results if r["energy"] is None]
        if failed:
            r = failed[0]
            a = structures[r["id"]]
            raise ExtrapolationError(
                f"the relaxation of structure {r['id']} ({a.get_chemical_formula()}) with the "
                f"potential failed ({r['failed']}); {len(failed)} of {len(results)} failed: "
                "train the potential on more data (a larger --max-oracle-calls or more "
                "active-learning rounds) or relax with the oracle (--potential none)")
        cs = ClusterSpace(self.prim(), [neighbour_cut(self.prim())], list(self.s.species))
        records, off = [], 0
        for r in results:
            a = structures[r["id"]]
            relaxed = Atoms(a.numbers, positions=r["positions"], cell=r["cell"], pbc=True)
            try:
                m = map_structure(relaxed, cs, name=f"structure {r['id']}")
                on = True
                disp = m.max_displacement
            except DataFormatError:
                on, disp = False, None
                off += 1
            records.append({"id": r["id"], "formula": a.get_chemical_formula(), "n_atoms": len(a),
                            "energy": r["energy"], "steps": r["steps"], "converged": r["converged"],
                            "on_lattice": on, "max_displacement": disp, "grade": r.get("grade"),
                            "oracle_calls": r["oracle_calls"]})
        check_on_lattice(records, len(self.prim()), s.lattice, s.species)
        calls = int(sum(rec["oracle_calls"] for rec in records))
        check: dict[str, Any] = {}
        if pot is not None and s.recheck:
            rng = np.random.default_rng(s.seed + 1)
            sample = sorted(rng.choice(len(records), min(s.recheck, len(records)), replace=False).tolist())
            frames = [Atoms(structures[records[k]["id"]].numbers, positions=results[k]["positions"],
                            cell=results[k]["cell"], pbc=True) for k in sample]
            labelled, c = self.label(frames)
            calls += c
            err = np.array([(records[k]["energy"] - a.info[ENERGY_KEY]) / len(a)
                            for k, a in zip(sample, labelled)]) * 1000
            fmax = [float(np.abs(a.arrays["REF_forces"]).max()) for a in labelled]
            check = {"ids": [records[k]["id"] for k in sample], "energy_error_meV_per_atom": err.tolist(),
                     "energy_rmse_meV_per_atom": float(np.sqrt(np.mean(err ** 2))),
                     "energy_max_abs_meV_per_atom": float(np.abs(err).max()),
                     "oracle_max_force_eV_per_A": fmax, "oracle_calls": c}
        self.oracle_calls["relax"] = calls
        RunFolder.write_json(d / "structures.json", records)
        return {"n_structures": len(records), "n_off_lattice": off, "oracle_calls": calls,
                "recheck": check, "structures": str(d / "structures.json"),
                "mean_steps": float(np.mean([rec["steps"] for rec in records])),
                "not_converged": int(sum(not rec["converged"] for rec in records))}

    # -- stage c ----------------------------------------------------------------------------
    def stage_expansion(self, relax_result: dict[str, Any], potential_result: dict[str, Any] | None
                        ) -> dict[str, Any]:
        from ..ce import (
            active_composition,
            cutoff_candidates,
            ground_state_search,
            select_cutoffs,
        )
        from ..mlip import load_potential

        s = self.s
        d = self.folder.stage_dir("expansion")
        prim = self.prim()
        species = list(s.species)
        structures = self.enumerate(s.max_atoms)
        records = RunFolder.read_json(Path(relax_result["structures"]))
        use = [r for r in records if r["on_lattice"]]
        train = [structures[r["id"]] for r in use]
        energies = [r["energy"] for r in use]
        sel_path = d / "cutoffs.json"
        if sel_path.is_file():
            sel = RunFolder.read_json(sel_path)
        else:
            cands = cutoff_candidates(prim, max_pair_shell=s.max_pair_shell)
            sel = select_cutoffs(prim, species, train, np.array(energies), cands, n_splits=s.cv_splits,
                                 seed=s.seed, progress=lambda k, n: self.progress("expansion: cutoffs", k, n),
                                 constrain_hull=True, pin_references=True)
            RunFolder.write_json(sel_path, sel)
        pot = None if potential_result is None else load_potential(potential_result["potential"])
        loop_path = d / "loop.json"
        loop = RunFolder.read_json(loop_path) if loop_path.is_file() else {"added": [], "rounds": []}
        extra_ideal = [Atoms(a["numbers"], positions=a["ideal_positions"], cell=a["ideal_cell"], pbc=True)
                       for a in loop["added"]]
        calls = int(sum(a.get("oracle_calls", 0) for a in loop["added"]))
        # the cutoffs by cross-validation, best first (the choice of select_cutoffs leads); the
        # first whose fit can keep the hull's ground states wins
        ranked = [sel["cutoffs"]] + [r["cutoffs"] for r in sorted(
            (r for r in sel["table"] if r["rmse_cv"] is not None), key=lambda r: r["rmse_cv"])
            if r["cutoffs"] != sel["cutoffs"]]
        cutoffs = loop.get("cutoffs")
        result = None
        for rnd in range(len(loop["rounds"]), s.gs_rounds + 1):
            self.progress("expansion: ground-state loop", rnd, s.gs_rounds + 1)
            all_s = train + extra_ideal
            all_e = np.array(energies + [a["energy"] for a in loop["added"]])
            result, cutoffs = _fit_keeping_hull(prim, species, all_s, all_e, ranked if cutoffs is None
                                                else [cutoffs] + ranked, s)
            loop["cutoffs"] = cutoffs
            cs = result.expansion.cluster_space
            if rnd == s.gs_rounds:
                break
            search = ground_state_search(result.expansion, max(1, s.gs_search_atoms // len(prim)))
            known = cs.cluster_vectors(all_s)
            new = []
            for a in search.ground_states:
                cv = cs.cluster_vector(a)
                if not np.any(np.all(np.abs(known - cv) < 1e-8, axis=1)):
                    new.append(a)
            loop["rounds"].append({"round": rnd, "rmse_cv": result.rmse_cv,
                                   "predicted_ground_states": [a.get_chemical_formula() for a in search.ground_states],
                                   "new": [a.get_chemical_formula() for a in new]})
            if not new:
                RunFolder.write_json(loop_path, loop)
                break
            rel = self.relax(new, pot, None, "expansion: relaxing new ground states")
            for a, r in zip(new, rel):
                if r["energy"] is None:
                    continue
                loop["added"].append({"numbers": a.numbers.tolist(), "ideal_positions": a.positions.tolist(),
                                      "ideal_cell": a.cell.array.tolist(), "positions": r["positions"],
                                      "cell": r["cell"], "energy": r["energy"],
                                      "oracle_calls": r["oracle_calls"], "formula": a.get_chemical_formula()})
                calls += r["oracle_calls"]
                extra_ideal.append(a)
            RunFolder.write_json(loop_path, loop)
        assert result is not None
        self.oracle_calls["expansion"] = calls
        ce_path = d / "expansion.json"
        result.expansion.write(ce_path)
        all_s = train + extra_ideal
        _, comp = active_composition(cs, all_s)
        x = comp[:, species.index(sorted(species, key=_z)[-1])]
        from ..ce import binary_hull

        hull = binary_hull(x, result.y)
        gs = []
        for v in sorted(hull.vertices, key=lambda i: x[i]):
            a = all_s[v]
            gs.append({"formula": a.get_chemical_formula(), "x": float(x[v]),
                       "spacegroup": _spacegroup(a), "mixing_energy_meV_per_atom": float(1000 * result.y[v]),
                       "cell": a.cell.array.tolist(), "numbers": a.numbers.tolist(),
                       "positions": a.positions.tolist()})
        RunFolder.write_json(d / "fit.json", {"x": x, "y": result.y, "y_cv": result.y_cv_pred,
                                              "y_fit": result.y_train_pred})
        return {"expansion": str(ce_path), "cutoffs": cutoffs, "cutoffs_by_cv": sel["cutoffs"],
                "cutoff_table": sel["table"], "hull_constraints": result.extra.get("hull_constraints", False),
                "rmse_cv_meV_per_site": result.rmse_cv, "rmse_train_meV_per_site": result.rmse_train,
                "n_parameters": result.n_parameters, "n_structures": len(all_s),
                "ground_states": gs, "loop": loop["rounds"], "oracle_calls": calls,
                "x_species": sorted(species, key=_z)[-1]}

    # -- stage d ----------------------------------------------------------------------------
    def stage_montecarlo(self, ce_result: dict[str, Any]) -> dict[str, Any]:
        from ._thermo import montecarlo

        return montecarlo(self, ce_result)


def _fit_keeping_hull(prim: Atoms, species: list[str], structures: list[Atoms], energies: np.ndarray,
                      ranked: list[list[float]], s: WorkflowSettings) -> tuple[Any, list[float]]:
    """LASSO under ground-state constraints, the pure end members exact (they are the zero of
    every free energy), with the first cutoffs of ``ranked`` that can keep the hull; without
    constraints on the first ones if none can."""
    from ..ce import ClusterSpace, fit_cluster_expansion

    for cut in ranked:
        cs = ClusterSpace(prim, cut, species)
        try:
            return fit_cluster_expansion(cs, structures, energies, method="lasso", n_splits=s.cv_splits,
                                         seed=s.seed, constrain_hull=True, pin_references=True), list(cut)
        except ParameterError:
            log.info("cutoffs %s cannot keep the hull's ground states", cut)
    cs = ClusterSpace(prim, ranked[0], species)
    return fit_cluster_expansion(cs, structures, energies, method="lasso", n_splits=s.cv_splits,
                                 seed=s.seed), list(ranked[0])


def check_on_lattice(records: list[dict[str, Any]], n_prim: int, lattice: str,
                     species: tuple[str, ...]) -> None:
    """Refuse a lattice the species relax away from: a pure end member off the lattice, or
    most structures."""
    off = sum(not r["on_lattice"] for r in records)
    pure_off = [r for r in records if r["n_atoms"] == n_prim and not r["on_lattice"]]
    if off > len(records) / 2 or pure_off:
        raise ParameterError(
            f"{off} of {len(records)} structures relax away from the {lattice} lattice"
            + (f" (among them the pure {pure_off[0]['formula']})" if pure_off else "")
            + f": {'-'.join(species)} does not stay on this lattice; choose the lattice the "
            "species take (--lattice)")


def _z(symbol: str) -> int:
    from ase.data import atomic_numbers

    return int(atomic_numbers[symbol])


def neighbour_cut(prim: Atoms) -> float:
    """A pair cutoff between the first and second neighbour shell (for lattice mapping)."""
    from ..ce import neighbour_shells

    sh = neighbour_shells(prim, 2)
    return float((sh[0] + sh[1]) / 2)


def _spacegroup(a: Atoms) -> str:
    import spglib

    cell = (a.cell.array, a.get_scaled_positions(), a.numbers)
    sg = spglib.get_spacegroup(cell, symprec=1e-3)
    return str(sg) if sg else "?"


def phase_diagram_workflow(
    out: str | Path,
    settings: WorkflowSettings | None = None,
    client: Any = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run (or resume) the workflow in the folder ``out``; return the summary.

    Parameters
    ----------
    out : str or path
        The run folder. Created if missing; a folder holding a run with the same settings is
        resumed (finished stages are skipped), one with other settings is refused.
    settings : WorkflowSettings
        Default: ``WorkflowSettings.preset()`` (Cu-Au on fcc with EMT, up to 8 atoms).
    client : dask.distributed.Client, optional
        Fan relaxations and Monte Carlo out over its workers.
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    dict
        ``oracle_calls``, ``seconds``, ``ground_states`` (``formula``, ``x``, ``spacegroup``),
        ``transition_temperatures_K`` (composition string to K), ``expansion``, ``report``,
        ``figures`` and one entry per stage.
    """
    from ._report import write_report

    s = settings or WorkflowSettings.preset()
    s.validate()
    run = _Run(s, Path(out), client, progress)
    checked = run.folder.done("check") if (Path(out) / "settings.json").is_file() else None
    check_calls = run.check_oracle() if checked is None else 0
    run.folder.open()
    if checked is None:
        run.folder.finish("check", {"oracle_calls": check_calls})
    else:
        check_calls = int(checked["oracle_calls"])
    t_start = time.perf_counter()
    summary: dict[str, Any] = {"matterlearn_version": __version__, "settings": s.to_dict(), "stages": {}}
    done_before = {k: run.folder.done(k) is not None for k in STAGES}

    def stage(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        prev = run.folder.done(name)
        if prev is not None:
            run.seconds[name] = prev.get("_seconds", 0.0)
            return prev
        t0 = time.perf_counter()
        res = fn()
        res["_seconds"] = round(time.perf_counter() - t0, 2)
        run.seconds[name] = res["_seconds"]
        return run.folder.finish(name, res)

    pot = stage("potential", run.stage_potential) if s.potential == "mtp" else None
    relax = stage("relax", lambda: run.stage_relax(pot))
    ce = stage("expansion", lambda: run.stage_expansion(relax, pot))
    mc = stage("montecarlo", lambda: run.stage_montecarlo(ce))
    calls = {"check": check_calls, "potential": pot["oracle_calls"] if pot else 0,
             "relax": relax["oracle_calls"], "expansion": ce["oracle_calls"]}
    summary["stages"] = {"potential": pot, "relax": relax, "expansion": ce, "montecarlo": mc}
    summary["oracle_calls"] = int(sum(calls.values()))
    summary["oracle_calls_by_stage"] = calls
    summary["seconds"] = round(sum(run.seconds.values()), 2)
    summary["seconds_by_stage"] = dict(run.seconds)
    summary["seconds_this_run"] = round(time.perf_counter() - t_start, 2)
    summary["resumed_stages"] = [k for k, v in done_before.items() if v]
    summary["ground_states"] = [{k: g[k] for k in ("formula", "x", "spacegroup", "mixing_energy_meV_per_atom")}
                                for g in ce["ground_states"]]
    summary["transition_temperatures_K"] = mc["transition_temperatures_K"]
    summary["expansion"] = ce["expansion"]
    summary.update(write_report(run, summary))
    RunFolder.write_json(Path(out) / "summary.json", summary)
    return summary
