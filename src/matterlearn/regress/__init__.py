"""Property models: a model zoo by name (scikit-learn pipelines and CGCNN), the Matbench
benchmark protocol, uncertainty (own spreads and conformal intervals), the domain of
applicability, and screening."""

from ._alignn import ALIGNN, line_graph
from ._benchmark import benchmark, classification_metrics, regression_metrics
from ._cgcnn import CGCNN, element_embedding
from ._domain import ApplicabilityDomain
from ._hurdle import HurdleRegressor
from ._models import (
           CLASSIFIERS,
           GRAPH_MODELS,
           HURDLE_CLASSIFIER,
           REGRESSORS,
           make_model,
)
from ._persist import load_domain, load_model, save_model
from ._screen import Objective, ScreenResult, parse_objective, screen
from ._uncertainty import (
           ConformalRegressor,
           has_uncertainty,
           predict_interval,
           predict_std,
)

__all__ = [
           "ALIGNN",
           "CGCNN",
           "CLASSIFIERS",
           "GRAPH_MODELS",
           "HURDLE_CLASSIFIER",
           "REGRESSORS",
           "ApplicabilityDomain",
           "ConformalRegressor",
           "HurdleRegressor",
           "Objective",
           "ScreenResult",
           "benchmark",
           "classification_metrics",
           "element_embedding",
           "has_uncertainty",
           "line_graph",
           "load_domain",
           "load_model",
           "make_model",
           "parse_objective",
           "predict_interval",
           "predict_std",
           "regression_metrics",
           "save_model",
           "screen",
]
