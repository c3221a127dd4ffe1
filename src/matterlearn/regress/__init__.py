"""Property models: a model zoo by name (scikit-learn pipelines and CGCNN) and the Matbench
benchmark protocol."""

from ._benchmark import benchmark, classification_metrics, regression_metrics
from ._cgcnn import CGCNN, element_embedding
from ._hurdle import HurdleRegressor
from ._models import CLASSIFIERS, GRAPH_MODELS, HURDLE_CLASSIFIER, REGRESSORS, make_model
from ._persist import load_model, save_model

__all__ = [
           "CGCNN",
           "CLASSIFIERS",
           "GRAPH_MODELS",
           "HURDLE_CLASSIFIER",
           "HurdleRegressor",
           "REGRESSORS",
           "benchmark",
           "classification_metrics",
           "element_embedding",
           "load_model",
           "make_model",
           "regression_metrics",
           "save_model",
]
