"""The model zoo: scikit-learn pipelines by name, with hyperparameters chosen by inner
cross-validation on the training data only."""

from __future__ import annotations

from typing import Any

from ..errors import ParameterError

__all__ = ["CLASSIFIERS", "GRAPH_MODELS", "REGRESSORS", "make_model"]

#: Regression models :func:`make_model` knows by name.
REGRESSORS = ("ridge", "lasso", "knn", "rf", "et", "svr", "krr", "gpr", "gbr", "mlp", "cgcnn", "alignn")
#: Classification models :func:`make_model` knows by name.
CLASSIFIERS = ("logreg", "knn", "rf", "et", "svc", "gbc", "mlp", "cgcnn", "alignn")
#: models that take crystal structures (their graphs) rather than a feature matrix
GRAPH_MODELS = ("cgcnn", "alignn")
#: the classifier of each regressor's hurdle variant (``NAME-hurdle``, for targets with a mass at 0)
HURDLE_CLASSIFIER = {"ridge": "logreg", "lasso": "logreg", "knn": "knn", "rf": "rf", "et": "et",
                     "svr": "svc", "krr": "svc", "gpr": "svc", "gbr": "gbc", "mlp": "mlp"}
HURDLE_SUFFIX = "-hurdle"


def make_model(name: str, task: str = "regression", seed: int = 0, inner_folds: int = 5,
               n_jobs: int = 1, cgcnn_options: dict[str, Any] | None = None) -> Any:
    """An unfitted estimator: scaling (where the model needs it) and the model, wrapped in a
    grid search over a small, sensible grid with ``inner_folds``-fold CV.

    Every fit therefore tunes on the data it is given: inside an outer CV fold that is the
    fold's training part only, so nothing leaks from the test part. ``cgcnn`` is the exception:
    a :class:`~matterlearn.regress.CGCNN` over crystal structures, which holds out part of its
    training data for early stopping instead of a grid search.

    ``krr`` (kernel ridge) searches the kernel (Gaussian or Laplacian), its width and the
    ridge on a standardised target; ``gpr`` (Gaussian-process regression, which gives a
    predictive standard deviation) fits its length scale, signal and noise levels by maximum
    marginal likelihood inside each fit and chooses the kernel family (squared-exponential or
    Matérn 5/2) by the inner CV. Both scale as the cube of the training rows: a few thousand at most.
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import (
        RBF,
        ConstantKernel,
        Matern,
        WhiteKernel,
    )
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.linear_model import Lasso, LogisticRegression, Ridge
    from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, SVR

    reg = task == "regression"
    if task not in ("regression", "classification"):
        raise ParameterError(f"task must be regression or classification, not {task!r}")
    if name.endswith(HURDLE_SUFFIX) and reg and name[: -len(HURDLE_SUFFIX)] in HURDLE_CLASSIFIER:
        from ._hurdle import HurdleRegressor

        base = name[: -len(HURDLE_SUFFIX)]
        return HurdleRegressor(make_model(HURDLE_CLASSIFIER[base], "classification", seed, inner_folds, n_jobs),
                               make_model(base, "regression", seed, inner_folds, n_jobs))
    if name == "cgcnn":
        from ._cgcnn import CGCNN

        return CGCNN(task=task, seed=seed, **(cgcnn_options or {}))
    if name == "alignn":
        from ._alignn import ALIGNN

        return ALIGNN(task=task, seed=seed, **(cgcnn_options or {}))
    zoo: dict[str, tuple[Any, dict[str, list[Any]], bool]] = {
        "ridge": (Ridge(), {"model__alpha": [1e-3, 1e-2, 1e-1, 1, 10, 100]}, True),
        "lasso": (Lasso(max_iter=20000), {"model__alpha": [1e-4, 1e-3, 1e-2, 1e-1, 1]}, True),
        "logreg": (LogisticRegression(max_iter=5000, class_weight="balanced"), {"model__C": [0.01, 0.1, 1, 10, 100]}, True),
        "knn": (KNeighborsRegressor() if reg else KNeighborsClassifier(),
                {"model__n_neighbors": [3, 5, 10, 20], "model__weights": ["uniform", "distance"]},
                True),
        "rf": (RandomForestRegressor(n_estimators=300, random_state=seed, n_jobs=n_jobs) if reg
               else RandomForestClassifier(n_estimators=300, class_weight="balanced", random_state=seed,
                                           n_jobs=n_jobs),
               {"model__max_features": [0.33, 1.0]}, False),
        "et": (ExtraTreesRegressor(n_estimators=500, random_state=seed, n_jobs=n_jobs) if reg
               else ExtraTreesClassifier(n_estimators=500, class_weight="balanced", random_state=seed,
                                         n_jobs=n_jobs),
               {"model__max_features": [0.33, 1.0]}, False),
        "svr": (SVR(), {"model__C": [1, 10, 100], "model__gamma": ["scale", 0.01]}, True),
        "svc": (SVC(probability=True, class_weight="balanced", random_state=seed),
                {"model__C": [1, 10, 100], "model__gamma": ["scale", 0.01]}, True),
        "krr": (TransformedTargetRegressor(KernelRidge(kernel="rbf"), transformer=StandardScaler()),
                {"model__regressor__kernel": ["rbf", "laplacian"],
                 "model__regressor__alpha": [1e-3, 1e-2, 1e-1, 1],
                 "model__regressor__gamma": [1e-3, 1e-2, 1e-1]}, True),
        "gpr": (GaussianProcessRegressor(normalize_y=True, random_state=seed),
                {"model__kernel": [ConstantKernel(1.0, (1e-3, 1e3)) * kern + WhiteKernel(0.1, (1e-6, 1e1))
                                   for kern in (RBF(10.0, (1e-2, 1e4)), Matern(10.0, (1e-2, 1e4), nu=2.5))]},
                True),
        "gbr": (GradientBoostingRegressor(random_state=seed, n_estimators=500, subsample=0.8),
                {"model__learning_rate": [0.03, 0.1], "model__max_depth": [3, 5]}, False),
        "gbc": (GradientBoostingClassifier(random_state=seed, n_estimators=300, subsample=0.8),
                {"model__learning_rate": [0.05, 0.1], "model__max_depth": [3, 5]}, False),
        "mlp": (MLPRegressor(hidden_layer_sizes=(128, 64), max_iter=2000, early_stopping=True,
                             random_state=seed) if reg else
                MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=2000, early_stopping=True,
                              random_state=seed),
                {"model__alpha": [1e-4, 1e-2]}, True),
    }
    allowed = REGRESSORS if reg else CLASSIFIERS
    if name not in allowed:
        extra = (f" (or a regressor{HURDLE_SUFFIX}, e.g. et{HURDLE_SUFFIX}, for targets with many zeros)"
                 if reg else "")
        raise ParameterError(f"unknown {task} model {name!r}; choose from {', '.join(allowed)}{extra}")
    model, grid, scale = zoo[name]
    steps = ([("scale", StandardScaler())] if scale else []) + [("model", model)]
    cv = (KFold(inner_folds, shuffle=True, random_state=seed) if reg
          else StratifiedKFold(inner_folds, shuffle=True, random_state=seed))
    scoring = "neg_mean_absolute_error" if reg else "roc_auc"
    return GridSearchCV(Pipeline(steps), grid, cv=cv, scoring=scoring, n_jobs=n_jobs, refit=True)
