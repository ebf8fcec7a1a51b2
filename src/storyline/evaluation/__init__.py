"""Evaluation on real, public data: one module per task, one report shape for all.

Every task module exposes ``evaluate(data: Path, **kwargs) -> EvalReport``; the CLI prints
the report as a table and, with ``--json``, as one JSON object on the last line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

TASKS = ("clean", "group", "timex", "timeline", "summarize", "compare")
# Tasks whose evaluate() takes replay=True, batch_days=N (news fed in publication order).
REPLAY_TASKS = ("group", "timeline")


@dataclass
class EvalReport:
    """Scores of storyline and of the baselines computed in the same run.

    ``systems`` maps a system name (``storyline``, then lower-case baseline names such as
    ``do-nothing`` or ``lexrank``) to its metrics; values are fractions in [0, 1] except
    speeds such as ``articles_per_s``. ``notes`` are printed under the table, not in JSON.
    """

    task: str
    data: str
    n: int
    systems: dict[str, dict[str, float]]
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The one-line JSON object of the evaluation convention."""
        obj: dict[str, Any] = {
            "task": self.task,
            "data": self.data,
            "n": self.n,
            "systems": {
                name: {k: _round(v) for k, v in metrics.items()} for name, metrics in self.systems.items()
            },
        }
        obj.update(self.extra)
        return json.dumps(obj, ensure_ascii=False)


def _round(value: float) -> float:
    return round(float(value), 4)


def format_table(report: EvalReport) -> str:
    """A Markdown table, one row per system, storyline first (pasteable into the README)."""
    metrics: list[str] = []
    for values in report.systems.values():
        for key in values:
            if key not in metrics:
                metrics.append(key)
    lines = [
        f"{report.task} on {report.data} (n={report.n})",
        "",
        "| system | " + " | ".join(metrics) + " |",
        "|---|" + "---:|" * len(metrics),
    ]
    for name, values in report.systems.items():
        cells = []
        for key in metrics:
            v = values.get(key)
            if v is None:
                cells.append("")
            elif key.endswith("_per_s") or key == "words":
                cells.append(f"{v:,.1f}")
            else:
                cells.append(f"{v:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.extend(report.notes)
    return "\n".join(lines)
