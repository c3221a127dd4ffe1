"""Property models: a model zoo by name and the Matbench benchmark protocol."""

from ._benchmark import benchmark, classification_metrics, regression_metrics
from ._models import CLASSIFIERS, REGRESSORS, make_model
from ._persist import load_model, save_model

__all__ = ["REGRESSORS", "CLASSIFIERS", "make_model", "benchmark", "regression_metrics",
           "classification_metrics", "save_model", "load_model"]
