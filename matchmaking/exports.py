"""The match export of the data contract: project, enterprise, rank, score, eligible, reasons.

Best first within each project (eligible before ineligible), rank 1 for the best; score
rounded to one decimal; `eligible` written true/false; reasons as English sentences,
`;`-joined in CSV, a list in JSON.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

from django.utils import translation

from matchmaking.explain import reason_labels, reasons_text
from matchmaking.selectors import match_list_for_export
from projects.models import Project

FIELDS = ["project", "enterprise", "rank", "score", "eligible", "reasons"]
EXPORT_LANGUAGE = "en"


def match_export_rows(
    *, project: Project | None = None, top: int | None = None
) -> Iterator[dict[str, Any]]:
    with translation.override(EXPORT_LANGUAGE):
        labels = reason_labels()
        current, rank = None, 0
        for match in match_list_for_export(project=project).iterator(chunk_size=2_000):
            if match.project_id != current:
                current, rank = match.project_id, 0
            rank += 1
            if top is not None and rank > top:
                continue
            yield {
                "project": match.project.reference,
                "enterprise": match.enterprise.reference,
                "rank": rank,
                "score": round(match.score, 1),
                "eligible": match.eligible,
                "reasons": reasons_text(match.reasons, labels=labels),
            }


def write_csv(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    n = 0
    for row in rows:
        writer.writerow(
            [
                row["project"],
                row["enterprise"],
                row["rank"],
                f"{row['score']:.1f}",
                "true" if row["eligible"] else "false",
                "; ".join(r.replace(";", ",") for r in row["reasons"]),
            ]
        )
        n += 1
    return n


def write_json(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    items = list(rows)
    out.write(json.dumps(items, ensure_ascii=False, indent=2) + "\n")
    return len(items)
