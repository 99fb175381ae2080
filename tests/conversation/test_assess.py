"""The tier that follows from the scores (assess.tier_for): each tier keeps its meaning
whichever head reached its threshold first."""

from __future__ import annotations

import pytest

from safeguarding.conversation.assess import Roles, tier_for
from safeguarding.conversation.loader import load_bundle
from safeguarding.conversation.state import ConversationState, Participant, Tier


def _state(*, meeting: bool, threat: bool, child_age: int | None) -> ConversationState:
    offender = Participant(id="m", best={"meeting_request": 0.9 if meeting else 0.0})
    if threat:
        offender.best["threat"] = 0.9
    child = Participant(id="k", age=child_age)
    return ConversationState(id="c", participants={"m": offender, "k": child})


@pytest.mark.parametrize(
    ("meeting", "threat", "child_age", "expected"),
    [
        (True, False, 13, Tier.URGENT),  # grooming's emergency, sextortion-level or not
        (False, False, 13, Tier.REVIEW),
        (True, False, None, Tier.REVIEW),  # no known or stated minor
        (False, True, None, Tier.URGENT),  # a threat at sextortion's level
    ],
)
def test_both_heads_over_their_thresholds_keep_each_ones_emergency(
    meeting: bool, threat: bool, child_age: int | None, expected: Tier
) -> None:
    _, model = load_bundle("lexical")
    high = max(model.thresholds["grooming_alert"], model.thresholds["sextortion_alert"])
    state = _state(meeting=meeting, threat=threat, child_age=child_age)
    assert tier_for(state, high, high, Roles("m", "k"), model) is expected


def test_a_sextortion_level_score_without_a_threat_is_review() -> None:
    _, model = load_bundle("lexical")
    state = _state(meeting=True, threat=False, child_age=13)
    assert tier_for(state, 0.0, model.thresholds["sextortion_alert"], Roles("m", "k"), model) is (
        Tier.REVIEW
    )
