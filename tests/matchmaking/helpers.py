"""Hand-made scoring inputs for the pure engine tests (no database)."""

import numpy as np

from core import codes
from matchmaking.scoring import (
    EnterpriseRecord,
    ProjectRecord,
    Vocabulary,
    Weights,
    enterprise_batch,
    pair_scores,
    project_batch,
)

VOCAB = Vocabulary.build(
    sectors=codes.sector_codes(),
    corridors=[c for c, *_ in codes.CORRIDORS],
    modes=[c for c, *_ in codes.COOPERATION_MODES],
    ownerships=[c for c, *_ in codes.OWNERSHIP_TYPES],
    countries=["CN", "TH", "SG", "VN", "DE", "BR", "US"],
    regions=codes.region_members(),
    control_modes=codes.CONTROL_MODES,
)
OWNER_ID = 999


def project(**kw) -> ProjectRecord:
    defaults = {
        "id": 1,
        "owner_id": OWNER_ID,
        "sectors": ("logistics.warehousing",),
        "modes": ("operation",),
    }
    return ProjectRecord(**{**defaults, **kw})


def enterprise(**kw) -> EnterpriseRecord:
    defaults = {
        "id": 100,
        "sectors": ("logistics.warehousing",),
        "ownership": "private",
        "country": "CN",
        "foreign": False,
    }
    return EnterpriseRecord(**{**defaults, **kw})


def batches(projects, enterprises, project_texts=None, enterprise_texts=None):
    projects, enterprises = list(projects), list(enterprises)
    eb = enterprise_batch(enterprises, enterprise_texts or [""] * len(enterprises), vocab=VOCAB)
    pb = project_batch(projects, project_texts or [""] * len(projects), vocab=VOCAB, enterprises=eb)
    return pb, eb


def score_one(p, e, *, weights=None, p_text="", e_text=""):
    """PairScores of a single pair."""
    weights = weights or Weights()
    pb, eb = batches([p], [e], [p_text], [e_text])
    return pair_scores(pb, eb, np.array([0]), np.array([0]), weights)


def fits(p, e, **kw) -> dict[str, tuple[float, float, float]]:
    """{component: (project side, enterprise side, fit)} rounded to 4 places."""
    s = score_one(p, e, **kw)
    return {
        name: tuple(round(float(parts[side][0]), 4) for side in ("project", "enterprise", "fit"))
        for name, parts in s.components.items()
    }
