"""Pure scoring: feature batches in, scores, eligibility, components and reason codes out.

No Django, no Celery (import-linter checks it). See engine.py for the formula.
"""

from matchmaking.scoring.engine import (
    COMPONENTS,
    STATUS_CONTROL_NO_MODE,
    STATUS_CONTROL_ONLY,
    STATUS_ELIGIBLE,
    STATUS_OWNER,
    STATUS_PROHIBITED,
    IdSelection,
    PairScores,
    ProjectTerms,
    Selection,
    Weights,
    pair_scores,
    rank,
    rank_chunks,
    rows_of,
    score_block,
)
from matchmaking.scoring.features import (
    EnterpriseBatch,
    EnterpriseRecord,
    ProjectBatch,
    ProjectRecord,
    Vocabulary,
    enterprise_batch,
    enterprise_batch_merge,
    negative_rule_for,
    project_batch,
)
from matchmaking.scoring.reasons import (
    explain_cache_trim,
    explain_pair,
    explain_pairs,
    explain_pairs_json,
)

__all__ = [
    "COMPONENTS",
    "STATUS_CONTROL_NO_MODE",
    "STATUS_CONTROL_ONLY",
    "STATUS_ELIGIBLE",
    "STATUS_OWNER",
    "STATUS_PROHIBITED",
    "EnterpriseBatch",
    "EnterpriseRecord",
    "IdSelection",
    "PairScores",
    "ProjectBatch",
    "ProjectRecord",
    "ProjectTerms",
    "Selection",
    "Vocabulary",
    "Weights",
    "enterprise_batch",
    "enterprise_batch_merge",
    "explain_cache_trim",
    "explain_pair",
    "explain_pairs",
    "explain_pairs_json",
    "negative_rule_for",
    "pair_scores",
    "project_batch",
    "rank",
    "rank_chunks",
    "rows_of",
    "score_block",
]
