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
# # Tutorial 1: simple regressions
#
# The first hands-on session: predict a property of a material from what we know of it, its
# composition or its crystal structure, and judge the prediction honestly. We fit the shear
# modulus of 1,181 crystals, the experimental band gap of 4,604 compounds and the formation
# energy of 3,938 Materials Project structures, and we tell metals from non-metals with a ROC
# curve. Along the way: features, several models side by side, r², MAE and RMSE, cross-validation,
# overfitting and a learning curve.
#
# Everything here runs on the data that ships with matterlearn, offline, in a few minutes on a
# laptop CPU.

# %%
# %matplotlib inline
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold, cross_val_predict

from matterlearn import datasets
from matterlearn.features import CompositionFeaturizer, StructureFeaturizer
from matterlearn.regress import classification_metrics, make_model, regression_metrics

plt.rcParams["figure.dpi"] = 90

# %% [markdown]
# ## 1. The data: crystals and their shear moduli
#
# `elastic_tensor_2015` (de Jong et al. 2015) holds DFT structures with their Voigt-Reuss-Hill
# moduli. Moduli span two orders of magnitude, so we learn log10 G, as Matbench does.

# %%
elastic = datasets.load("elastic_tensor_2015")
print(elastic.info.description)
print(len(elastic), "crystals; first:", elastic.inputs[0].get_chemical_formula(), elastic.targets[0], "GPa")
y_g = np.log10(elastic.targets)

# %% [markdown]
# ## 2. Features
#
# A model needs numbers. `CompositionFeaturizer` turns a formula into 148 Magpie-style
# statistics of element properties; `StructureFeaturizer` adds what the crystal tells beyond its
# formula: density, volume per atom, space group, coordination, bond lengths, a smeared radial
# distribution function (183 in all). Both are scikit-learn transformers.

# %%
formulas = [atoms.get_chemical_formula() for atoms in elastic.inputs]
X_comp = CompositionFeaturizer().fit_transform(formulas)
structure = StructureFeaturizer()
X_struct = structure.fit_transform(elastic.inputs)
print("composition features:", X_comp.shape, " structure features:", X_struct.shape)
print("a few names:", structure.feature_labels()[-6:])

# %% [markdown]
# ## 3. A first model: k nearest neighbours, and its parity plot
#
# Five-fold cross-validation: every crystal is predicted by a model that never saw it. The parity
# plot puts each prediction against the DFT value; the closer to the diagonal, the better. r² is
# the share of the variance the model explains.

# %%
folds = KFold(5, shuffle=True, random_state=0)
knn = make_model("knn")  # scaled features, k and weighting tuned by an inner 5-fold CV
pred_knn = cross_val_predict(knn, X_struct, y_g, cv=folds)
m = regression_metrics(y_g, pred_knn)

fig, ax = plt.subplots(figsize=(4.6, 4.4))
ax.scatter(y_g, pred_knn, s=6, alpha=0.5)
lims = [y_g.min() - 0.1, y_g.max() + 0.1]
ax.plot(lims, lims, "k--", lw=1)
ax.set(xlim=lims, ylim=lims, xlabel="log10 G (DFT, GPa)", ylabel="log10 G (predicted)",
       title=f"KNeighborsRegressor: r² = {m['r2']:.2f}, MAE = {m['mae']:.3f}")
plt.show()
print({k: round(v, 4) for k, v in m.items()})

# %% [markdown]
# ## 4. Several models side by side
#
# The same folds for every model, so the comparison is fair. `make_model` gives each model a
# small grid of hyperparameters tuned inside each training part (nested CV: the test part never
# takes part in any choice); the forest is left at scikit-learn's defaults here, for time
# (`make_model("rf")` tunes it too, a few minutes on two cores). Besides MAE and RMSE, look at
# the largest error.

# %%
from sklearn.ensemble import RandomForestRegressor

models = {
    "ridge": lambda: make_model("ridge"),
    "knn": lambda: make_model("knn"),
    "krr": lambda: make_model("krr"),
    "rf": lambda: RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=2),
}
rows = []
for name, new_model in models.items():
    for label, X in [("composition", X_comp), ("structure", X_struct)]:
        pred = cross_val_predict(new_model(), X, y_g, cv=folds, n_jobs=1 if name == "rf" else 2)
        rows.append((name, label, regression_metrics(y_g, pred), pred))
print(f"{'model':6s} {'features':12s} {'MAE':>7s} {'RMSE':>8s} {'r2':>7s} {'max error':>10s}")
for name, label, r, _ in rows:
    print(f"{name:6s} {label:12s} {r['mae']:7.4f} {r['rmse']:8.4f} {r['r2']:7.3f} {r['max_error']:10.3f}")

# %% [markdown]
# Structure features help the kernel model and the forest, which beat the neighbours. The linear
# model shows why the largest error belongs in every table: on structure features its MAE is
# ruined by one or two crystals whose features lie far outside the rest, where a straight line
# extrapolates without limit. Which crystals?

# %%
ridge_struct = next(pred for name, label, _, pred in rows if name == "ridge" and label == "structure")
worst = np.argsort(np.abs(ridge_struct - y_g))[::-1][:3]
for i in worst:
    print(f"{formulas[i]:12s} DFT log10 G {y_g[i]:6.2f}   ridge on structure features {ridge_struct[i]:9.2f}")
print("median absolute error of that ridge model:", round(float(np.median(np.abs(ridge_struct - y_g))), 4))

# %% [markdown]
# The worst is ice (H16O8): its O-H bonds of 1 Å are shorter than any bond of the other 1,180
# crystals, so the radial-distribution features at 0.3-0.9 Å, zero for every other crystal, are
# large for it alone, and the linear model multiplies them by coefficients fitted on nothing.
# Trees and neighbours cannot extrapolate that way; `regress screen` flags such a candidate as
# outside the model's domain.

# %% [markdown]
# ## 5. Overfitting: training error against test error
#
# A model that remembers its training data scores well on it and badly on new data. Compare the
# error on the training part with the error on the held-out part, fold by fold: one nearest
# neighbour and an unpruned tree remember everything (training error zero), so only the held-out
# error says anything about them.

# %%
from sklearn.model_selection import cross_validate
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

candidates = {
    "1-NN": make_pipeline(StandardScaler(), KNeighborsRegressor(1)),
    "10-NN": make_pipeline(StandardScaler(), KNeighborsRegressor(10)),
    "tree, full depth": DecisionTreeRegressor(random_state=0),
    "tree, depth 6": DecisionTreeRegressor(max_depth=6, random_state=0),
}
for label, model in candidates.items():
    cvr = cross_validate(model, X_struct, y_g, cv=folds, scoring="neg_mean_absolute_error",
                         return_train_score=True)
    train, test = abs(cvr["train_score"].mean()), abs(cvr["test_score"].mean())
    flag = "  <- overfits" if test > 3 * max(train, 1e-9) else ""
    print(f"{label:17s} train MAE {train:.4f}   test MAE {test:.4f} ± {cvr['test_score'].std():.4f}{flag}")

# %% [markdown]
# ## 6. A learning curve
#
# How much would more data help? Train on growing subsets and watch both errors. When the two
# curves still converge at the right edge, more data would pay; a wide gap that stays means the
# model has more capacity than the data can pin down.

# %%
from sklearn.model_selection import learning_curve

sizes, train_scores, test_scores = learning_curve(
    RandomForestRegressor(n_estimators=100, min_samples_leaf=2, random_state=0, n_jobs=2),
    X_struct, y_g, cv=folds, train_sizes=np.linspace(0.1, 1.0, 6),
    scoring="neg_mean_absolute_error")
fig, ax = plt.subplots(figsize=(5, 3.6))
ax.plot(sizes, -train_scores.mean(1), "o-", label="training")
ax.errorbar(sizes, -test_scores.mean(1), test_scores.std(1), fmt="s-", capsize=3, label="cross-validated")
ax.set(xlabel="training crystals", ylabel="MAE of log10 G", title="random forest, structure features")
ax.legend()
plt.show()

# %% [markdown]
# ## 7. Band gaps from composition alone
#
# `matbench_expt_gap`: 4,604 measured band gaps, half of them metals at exactly 0 eV, with the
# official Matbench folds. We score on the first official fold, and look at the hurdle model,
# which first asks "metal or not" and then predicts the gap of the non-metals.

# %%
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor
from sklearn.linear_model import RidgeCV

from matterlearn.regress import HurdleRegressor

gap = datasets.load("matbench_expt_gap")
X_gap = CompositionFeaturizer().fit_transform(gap.inputs)
train, test = gap.folds[0]
trees = {"n_estimators": 150, "random_state": 0, "n_jobs": 2}
gap_models = {
    "ridge": make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))),
    "extra trees": ExtraTreesRegressor(**trees),
    "hurdle (extra trees)": HurdleRegressor(ExtraTreesClassifier(class_weight="balanced", **trees),
                                            ExtraTreesRegressor(**trees)),
}
for name, model in gap_models.items():
    model.fit(X_gap[train], gap.targets[train])
    r = regression_metrics(gap.targets[test], model.predict(X_gap[test]))
    print(f"{name:21s} MAE {r['mae']:.3f} eV   RMSE {r['rmse']:.3f} eV   r2 {r['r2']:.3f}")

# %% [markdown]
# The hurdle model wins on MAE and loses on RMSE: a semiconductor it takes for a metal is
# predicted at exactly 0 eV, a large error. Which metric matters is a decision about the use.

# %% [markdown]
# ## 8. Formation energies from structure
#
# `flla_2015` (Faber et al. 2015): 3,938 structures with their DFT formation energy per atom.
# Composition says most; the structure adds the rest. For time, a random 2,000 of them here
# (`benchmarks/bench_structure.py --dataset flla_2015` runs all of them, with kernel ridge too).

# %%
flla = datasets.load("flla_2015")
subset = np.random.default_rng(0).choice(len(flla), 2000, replace=False)
crystals, e_form = [flla.inputs[i] for i in subset], flla.targets[subset]
X_f_comp = CompositionFeaturizer().fit_transform([a.get_chemical_formula() for a in crystals])
X_f_struct = StructureFeaturizer().fit_transform(crystals)
train, test = next(KFold(5, shuffle=True, random_state=0).split(X_f_comp))
for label, X in [("composition", X_f_comp), ("structure", X_f_struct)]:
    model = RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=2).fit(X[train], e_form[train])
    r = regression_metrics(e_form[test], model.predict(X[test]))
    print(f"random forest, {label:11s}: MAE {1000 * r['mae']:.0f} meV/atom   r2 {r['r2']:.3f}")

# %% [markdown]
# ## 9. Metal or not: classification and the ROC curve
#
# `matbench_expt_is_metal`: 4,921 compounds, each a metal or not. A classifier gives a
# probability; the ROC curve shows every trade-off between catching metals (true-positive rate)
# and false alarms (false-positive rate) as the threshold moves, and its area (ROC-AUC) is the
# chance that a random metal scores above a random non-metal. It must be computed from
# probabilities, never from hard labels.

# %%
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_curve

metal = datasets.load("matbench_expt_is_metal")
X_m = CompositionFeaturizer().fit_transform(metal.inputs)
train, test = metal.folds[0]
fig, ax = plt.subplots(figsize=(4.6, 4.4))
classifiers = {
    "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)),
    "random forest": RandomForestClassifier(n_estimators=150, class_weight="balanced", random_state=0, n_jobs=2),
}
for name, clf in classifiers.items():
    clf.fit(X_m[train], metal.targets[train])
    proba = clf.predict_proba(X_m[test])[:, 1]
    c = classification_metrics(metal.targets[test], proba)
    fpr, tpr, _ = roc_curve(metal.targets[test], proba)
    ax.plot(fpr, tpr, label=f"{name}: AUC {c['roc_auc']:.3f}, bal. acc. {c['balanced_accuracy']:.3f}")
ax.plot([0, 1], [0, 1], "k:", lw=1)
ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title="metal or not (fold 1)")
ax.legend(loc="lower right", fontsize=8)
plt.show()

# %% [markdown]
# ## 10. The same from the command line, with the Matbench protocol
#
# `matterlearn regress benchmark` runs the whole protocol: the official outer folds, an inner
# CV for every choice, the metrics per fold, a JSON summary and an HTML report with parity
# plots, a learning curve, permutation importances and an overfitting check.

# %%
# !matterlearn regress benchmark matbench_steels --features fractions --model ridge,et --jobs 2 --json steels.json --out steels

# %%
steels = json.loads(Path("steels.json").read_text())
for name, r in steels["models"].items():
    print(f"{name:6s} MAE {r['mae_mean']:.1f} ± {r['mae_std']:.1f} MPa "
          f"(training MAE {r['train_mae_mean']:.1f}; Matbench leaderboard: MODNet 87.8, RF 103.5)")

# %% [markdown]
# The extra-trees model on element fractions lands among the leaderboard's best on steel yield
# strength. Open `steels/report.html` for the figures. Next: uncertainty and screening
# (`regress fit --intervals`, `regress screen`) in the README's tour.
