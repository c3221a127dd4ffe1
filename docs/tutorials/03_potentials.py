# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tutorial 3: build an MTP and a NequIP
#
# The third hands-on session: machine-learned interatomic potentials, fitted to energies, forces
# and stresses. We generate Cu-Au frames with ASE's EMT calculator (standing in for DFT), train
# a moment tensor potential (MTP; Shapeev 2016) and an E(3)-equivariant message-passing network
# (NequIP; Batzner et al. 2022) on the same frames, print both error reports, as mlip-2 and
# nequip print them (per-species force errors included), run molecular dynamics with the
# potential, and let active learning pick the frames worth labelling.
#
# The budgets here are small, to fit a workshop's few minutes on a laptop; the same commands
# with longer time limits give potentials worth using.

# %%
# %matplotlib inline
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from matterlearn import datasets
from matterlearn.data import write_frames

plt.rcParams["figure.dpi"] = 90

# %% [markdown]
# ## 1. Training and test frames from EMT
#
# MD snapshots of fcc Cu with 0 % and 25 % Au at 300, 800 and 1200 K, the same with a vacancy,
# and strained cells: 32 atoms each, with energy, forces and stress. The test frames come from
# independent trajectories (another seed), so no test frame is a near neighbour in time of a
# training one.

# %%
train = datasets.emt_potential_frames(("Cu", "Au"), seed=1)
test = datasets.emt_potential_frames(("Cu", "Au"), seed=2)
write_frames("train.extxyz", train)
write_frames("test.extxyz", test)
kinds = sorted({f.info["config_type"] for f in train})
print(len(train), "training frames,", len(test), "test frames; kinds:", ", ".join(kinds))

# %% [markdown]
# ## 2. A moment tensor potential
#
# Level 12 (32 basis functions), a 5 Å cutoff; the loss weighs energy per atom, forces and
# stress as mlip-2 does. The linear coefficients come from least squares, then L-BFGS refines
# the radial functions for the time we give it.

# %%
# !matterlearn mlip train train.extxyz --model mtp --level 12 --valid test.extxyz --time-limit 40 -o cuau.mtp.json

# %% [markdown]
# The error report on the test frames: energy per atom, force components and stress, overall and
# per kind of frame, and the force errors per species (`Cu_f_mae`, `Au_f_mae`, as nequip names
# them).

# %%
# !matterlearn mlip test cuau.mtp.json test.extxyz --json mtp-errors.json

# %% [markdown]
# ## 3. An equivariant network: NequIP
#
# Species embeddings, interaction blocks of equivariant convolutions (spherical harmonics of the
# bond direction up to `l_max`, a radial network on a Bessel basis with a smooth cutoff, tensor
# products through e3nn), gated nonlinearities, and a per-atom energy; forces and stress by
# automatic differentiation. A small one here: `l_max` 1, 16 channels, 2 layers, 60 seconds.

# %%
# !matterlearn mlip train train.extxyz --model nequip --l-max 1 --features 16 --layers 2 --cutoff 4.5 --valid test.extxyz --time-limit 60 -o cuau.nequip.pt

# %%
# !matterlearn mlip test cuau.nequip.pt test.extxyz --json nequip-errors.json

# %% [markdown]
# Both side by side, and where the force errors sit: a parity plot of every force component of
# the test frames.

# %%
from matterlearn.data import FORCES_KEY
from matterlearn.mlip import MLIPCalculator, load_potential

potentials = {"MTP (level 12)": load_potential("cuau.mtp.json"),
              "NequIP (l_max 1)": load_potential("cuau.nequip.pt")}
reports = {"MTP (level 12)": json.loads(Path("mtp-errors.json").read_text()),
           "NequIP (l_max 1)": json.loads(Path("nequip-errors.json").read_text())}
print(f"{'potential':17s} {'E (meV/atom)':>13s} {'F RMSE (meV/Å)':>15s} {'Cu_f_mae':>9s} {'Au_f_mae':>9s} {'stress (GPa)':>13s}")
for name, r in reports.items():
    print(f"{name:17s} {r['energy_per_atom_rmse_meV']:13.2f} {r['forces_rmse_meV_per_A']:15.1f} "
          f"{r['Cu_f_mae']:9.1f} {r['Au_f_mae']:9.1f} {r['stress_rmse_GPa']:13.3f}")

fig, axes = plt.subplots(1, 2, figsize=(8.5, 4), sharex=True, sharey=True)
reference = np.concatenate([f.arrays[FORCES_KEY].ravel() for f in test])
for ax, (name, pot) in zip(axes, potentials.items()):
    predicted = []
    for frame in test:
        atoms = frame.copy()
        atoms.calc = MLIPCalculator(pot)
        predicted.append(atoms.get_forces().ravel())
    predicted = np.concatenate(predicted)
    ax.scatter(reference, predicted, s=2, alpha=0.3)
    ax.plot([-3, 3], [-3, 3], "k--", lw=1)
    ax.set(title=name, xlabel="EMT force component (eV/Å)")
axes[0].set_ylabel("predicted (eV/Å)")
plt.show()

# %% [markdown]
# On a CPU and with a minute of training, the MTP is far ahead: a linear model in a rich
# invariant basis fits in seconds, where the network needs many epochs (its error is still
# falling when the time limit stops it; `--time-limit 600` and more channels bring it down).
#
# ## 4. Molecular dynamics with the potential
#
# The potential is an ASE calculator, so any ASE dynamics runs on it; `run_md` adds the summary
# (temperature, energies, drift) and an extxyz trajectory. In the microcanonical ensemble (NVE) a
# sound potential conserves the total energy: its drift is the first thing to check.

# %%
from ase.build import bulk

from matterlearn.mlip import run_md

start = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(3)  # 108 atoms, 27 of them Au
rng = np.random.default_rng(0)
symbols = np.array(start.get_chemical_symbols())
symbols[rng.choice(len(start), 27, replace=False)] = "Au"
start.set_chemical_symbols(symbols)
md = run_md(start, MLIPCalculator(potentials["MTP (level 12)"]), temperature=600, steps=400,
            timestep=2.0, ensemble="nve", trajectory="md.extxyz")
print({k: v for k, v in md.items() if np.ndim(v) == 0})

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
ax1.plot(md["time_fs"], md["temperature_K"])
ax1.set(xlabel="time (fs)", ylabel="temperature (K)")
for key in ["total_energy", "potential_energy"]:
    e = np.asarray(md[key]) / len(start)
    ax2.plot(md["time_fs"], 1000 * (e - e[0]), label=key.replace("_", " "))
ax2.set(xlabel="time (fs)", ylabel="energy change (meV/atom)")
ax2.legend()
plt.show()

# %% [markdown]
# Starting at 600 K from perfect lattice positions, half the kinetic energy flows into the
# potential energy (equipartition), so the temperature settles near 300 K while the total energy
# stays flat.

# %% [markdown]
# ## 5. Active learning
#
# Instead of labelling frames chosen in advance, let the potential say where it is unsure. Each
# round: MD with the current potential from a few seed structures, the extrapolation grade of
# every visited configuration (MaxVol on the MTP's basis: how far outside the span of its training
# neighbourhoods; above 1 is extrapolation), the most informative configurations labelled by the
# oracle (EMT here; any ASE calculator) and added, and the potential retrained, until MD finds
# nothing it extrapolates to. We start from six labelled frames drawn at random and explore from
# two snapshots (Cu32 and Au8Cu24) and a cell with a vacancy, at 300, 800 and 1200 K.

# %%
from matterlearn.mlip import active_learning, error_report, train_mtp

rng = np.random.default_rng(0)
start = [train[i] for i in rng.choice(len(train), 6, replace=False)]
seeds = ([f for f in train if f.info["config_type"] == "md_300K"][::5][:2]
         + [f for f in train if f.info["config_type"] == "vacancy_md_300K"][:1])
pot_al, frames_al, history = active_learning(
    start, seeds, oracle="emt", model="mtp", level=12, temperatures=(300.0, 800.0, 1200.0), md_steps=200,
    gamma_select=1.5, max_add=8, max_rounds=5, train_iterations=300, valid=test, seed=0)
print(f"{'round':>5s} {'frames':>6s} {'oracle calls':>12s} {'test F RMSE (meV/Å)':>20s} {'candidates':>10s} {'max grade':>9s}")
for r in history:
    grade = f"{r['max_grade']:.1f}" if r["max_grade"] is not None else "-"
    print(f"{r['round']:5d} {r['n_train']:6d} {r['oracle_calls']:12d} {r['forces_rmse_meV_per_A']:20.1f} "
          f"{r['candidates']:10d} {grade:>9s}")

# %% [markdown]
# For comparison, the same potential with the same training budget on all the training frames,
# every one of them an oracle call:

# %%
pot_all, _ = train_mtp(train, level=12, max_iter=300, seed=0)
full = error_report(pot_all, test)
print(f"all {len(train)} frames ({len(train)} oracle calls): test force RMSE {full['forces_rmse_meV_per_A']:.1f} meV/Å; "
      f"active learning: {history[-1]['forces_rmse_meV_per_A']:.1f} meV/Å from "
      f"{len(start) + history[-1]['oracle_calls']} labelled frames")

# %% [markdown]
# The same loop from the command line: `matterlearn mlip active start.extxyz seeds.xyz --oracle emt
# -o al.mtp.json`, or `--model nequip --select committee` for a committee of networks whose
# disagreement does the choosing.
