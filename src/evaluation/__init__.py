"""Evaluation toolkit for Qinghai's industrial 双百 (Double Hundred) action."""

from evaluation.errors import (
    ConfigError,
    DataError,
    EvaluationError,
    ParameterError,
    RunError,
)

__all__ = ["ConfigError", "DataError", "EvaluationError", "ParameterError", "RunError"]
__version__ = "0.1.0"
