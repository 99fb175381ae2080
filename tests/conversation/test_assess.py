"""The tier that follows from the scores (assess.tier_for): each tier keeps its meaning
whichever head reached its threshold first."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from safeguarding.conversation.assess import Roles, moment_alert, thresholds, tier_for
from safeguarding.conversation.language import Language
from safeguarding.conversation.loader import load_bundle
from safeguarding.conversation.risk_model import RiskModel
from safeguarding.conversation.state import ConversationState, Participant, Tier
from safeguarding.errors import ConversationError


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


def _with_spanish_thresholds(model: RiskModel, factor: float) -> RiskModel:
    spanish = {k: v * factor for k, v in model.thresholds.items()}
    return replace(model, by_language={Language.SPANISH: spanish})


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        ({"es": 12, "en": 1}, Tier.REVIEW),  # judged by the Spanish thresholds
        ({"en": 12}, Tier.NONE),  # English has none of its own: the pooled ones
        ({"es": 3, "en": 2}, Tier.NONE),  # no clear lead: the pooled ones
        ({}, Tier.NONE),  # no words to tell by: the pooled ones
    ],
)
def test_a_conversation_is_judged_by_its_languages_thresholds(
    languages: dict[str, int], expected: Tier
) -> None:
    _, shipped = load_bundle("lexical")
    model = _with_spanish_thresholds(shipped, 0.5)
    state = _state(meeting=False, threat=False, child_age=None)
    state.languages = languages
    between = 0.75 * shipped.thresholds["grooming_alert"]
    if expected is Tier.NONE:  # under every pooled tier, nudges included
        between = 0.9 * min(shipped.thresholds["nudge_age_unknown"], between)
    assert tier_for(state, between, 0.0, Roles("m", "k"), model) is expected


def test_the_moment_alert_follows_the_language_too() -> None:
    _, shipped = load_bundle("lexical")
    model = _with_spanish_thresholds(shipped, 0.5)
    state = _state(meeting=False, threat=False, child_age=None)
    state.moment_score = 0.75 * shipped.thresholds["sextortion_moment"]
    assert not moment_alert(state, model)
    state.languages = {"es": 5}
    assert moment_alert(state, model)
    assert thresholds(state, model) == model.by_language[Language.SPANISH]


def test_thresholds_per_language_survive_the_model_file_and_bad_ones_are_refused() -> None:
    _, shipped = load_bundle("lexical")
    model = _with_spanish_thresholds(shipped, 0.5)
    data = json.loads(json.dumps(model.to_json()))
    again = RiskModel.from_json(data)
    assert again.by_language == {
        Language.SPANISH: {k: round(v, 6) for k, v in model.by_language[Language.SPANISH].items()}
    }
    # a file without them (every bundle before session 40) has none, and writes none
    older = {k: v for k, v in data.items() if k != "thresholds_by_language"}
    assert RiskModel.from_json(older).by_language == {}
    assert "thresholds_by_language" not in replace(model, by_language={}).to_json()
    for bad in ({"de": data["thresholds"]}, {"es": {"grooming_alert": 0.5}}):
        with pytest.raises(ConversationError, match="thresholds for language"):
            RiskModel.from_json({**data, "thresholds_by_language": bad})


def _with_bar_after_nudge(model: RiskModel, bar: float) -> RiskModel:
    return replace(model, thresholds={**model.thresholds, "sextortion_moment_after_nudge": bar})


@pytest.mark.parametrize(
    ("sextortion", "moment", "alerts"),
    [
        (1.0, 0.6, True),  # at the nudge: the lower bar
        (0.99, 0.6, False),  # under the nudge: the moment's own bar
        (0.99, 1.0, True),  # the moment's own bar holds anywhere
        (1.0, 0.4, False),  # under both bars
    ],
)
def test_past_the_sextortion_nudge_a_lower_moment_bar_alerts(
    sextortion: float, moment: float, alerts: bool
) -> None:
    _, shipped = load_bundle("lexical")
    t = shipped.thresholds
    model = _with_bar_after_nudge(shipped, 0.5 * t["sextortion_moment"])
    state = _state(meeting=False, threat=False, child_age=None)
    state.sextortion_score = sextortion * t["sextortion_nudge"]
    state.moment_score = moment * t["sextortion_moment"]
    assert moment_alert(state, model) is alerts
    # a bundle without the bar (every one before session 42) judges by the moment's own
    assert moment_alert(state, shipped) is (moment >= 1.0)


def test_the_bar_after_the_nudge_survives_the_model_file() -> None:
    _, shipped = load_bundle("lexical")
    model = _with_bar_after_nudge(shipped, 0.3)
    again = RiskModel.from_json(json.loads(json.dumps(model.to_json())))
    assert again.thresholds["sextortion_moment_after_nudge"] == 0.3
