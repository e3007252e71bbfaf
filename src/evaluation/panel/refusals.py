"""An estimator's refusal of a panel's design, in one line and by reason.

The line (file ``estimator``, location ``design``, what the data show, what the estimator needs
or who can) is the English message of a :class:`~evaluation.errors.ParameterError`; the reason
is a key with the values that fill its words, so a report words it in the reader's language
(``refusals`` in ``reports/labels.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from evaluation.errors import ParameterError, problem

OTHER = "other"
"""The reason of a refusal that names none (its English message is all there is)."""


class DesignRefusal(ParameterError):
    """A :class:`~evaluation.errors.ParameterError` that says why by ``reason`` and ``values``."""

    def __init__(self, *, estimator: str, found: str, expected: str, reason: str,
                 values: Mapping[str, object], location: str = "design") -> None:
        super().__init__(problems=[problem(estimator, location, found, expected)])
        self.reason, self.values = reason, dict(values)


def refuse(estimator: str, found: str, expected: str, *, reason: str, location: str = "design",
           **values: object) -> DesignRefusal:
    """One-line refusal: which estimator (or ``panel``), what the data show, what it needs or
    who can; ``reason`` and ``values`` word it in a report."""
    return DesignRefusal(estimator=estimator, found=found, expected=expected, reason=reason,
                         values=values, location=location)


@dataclass(frozen=True)
class Refusal:
    """Why an estimator was not fitted: the reason's key, its values and the English line."""

    reason: str
    message: str
    values: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def of(cls, error: ParameterError) -> Refusal:
        """The refusal an error states (reason :data:`OTHER` when it names none)."""
        if isinstance(error, DesignRefusal):
            return cls(error.reason, str(error), error.values)
        return cls(OTHER, str(error))
