"""Conversation-level judgement: who shows which tactics towards whom, scored by the learned
conversation model (risk_model.py), and the tier that follows.

Grooming is never one message: a compliment, a question about age, a new app are each
ordinary. The model weighs what one participant has shown towards the likely child, over
how many stages and in what order; sextortion is a threat to expose with a demand. The
thresholds come with the model, chosen on out-of-source predictions at a fixed share of
benign conversations (docs/conversation.md), so the tiers keep their meaning:
nudge (safety information to the child), review (a human looks), urgent (act now). Where
the bundle has thresholds per language, a conversation is judged by its language's
(language.py), once its words make the language clear."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from safeguarding.conversation.language import decide
from safeguarding.conversation.risk_model import SURE, RiskModel, features
from safeguarding.conversation.state import ConversationState, Participant, Tier
from safeguarding.conversation.tactics import Tactic


@dataclass(frozen=True)
class Roles:
    offender: str | None
    child: str | None


def thresholds(state: ConversationState, model: RiskModel) -> dict[str, float]:
    """The thresholds this conversation is judged by: its language's, where it has some."""
    return model.thresholds_for(decide(state.languages))


def likely_target(state: ConversationState, sender: str) -> Participant | None:
    """The other participant most likely to be the child: the youngest known, else the most
    active of the others."""
    others = [p for pid, p in state.participants.items() if pid != sender]
    if not others:
        return None
    return min(others, key=lambda p: (p.age if p.age is not None else 200, -p.messages))


def scores(state: ConversationState, model: RiskModel) -> tuple[float, float, Roles]:
    """The highest grooming and sextortion probabilities over the participants, and who the
    likely offender and child are (when anything reaches a nudge)."""
    ids = list(state.participants)
    if not ids:
        return 0.0, 0.0, Roles(None, None)
    rows = np.array(
        [features(state, state.participants[pid], likely_target(state, pid)) for pid in ids]
    )
    probabilities = model.probabilities(rows)
    grooming, sextortion = probabilities["grooming"], probabilities["sextortion"]
    t = thresholds(state, model)
    strongest = np.maximum(grooming / t["grooming_alert"], sextortion / t["sextortion_alert"])
    top = int(np.argmax(strongest))
    offender: str | None = ids[top]
    child = None
    if grooming[top] >= t["nudge"] or sextortion[top] >= t["sextortion_nudge"]:
        target = likely_target(state, ids[top])
        child = target.id if target else None
    else:
        offender = None
    return float(grooming.max()), float(sextortion.max()), Roles(offender, child)


def threatened(state: ConversationState) -> bool:
    """Someone has surely made a threat to expose or a demand. The sextortion model also
    rates a script's friendly openings ("ur cute, add me on snap") high, and an alert on
    them is right and on time; but until a threat or demand is seen it is a lead for review
    (grooming's tier), not sextortion's emergency."""
    return any(
        max(p.best.get(Tactic.THREAT.value, 0.0), p.best.get(Tactic.PAYMENT_DEMAND.value, 0.0))
        >= SURE
        for p in state.participants.values()
    )


def moment_alert(state: ConversationState, model: RiskModel) -> bool:
    """The sextortion moment model has seen a threat or demand, or the reply to one
    (moment_model.py): sextortion's emergency, even where the threat is too oblique for
    the tactic model to be sure of it. Where the conversation model already rates the
    conversation at the sextortion nudge, a lower moment bar does (bundles with
    `sextortion_moment_after_nudge`, training/budget.py says why). Off where the bundle has
    no moment model."""
    t = thresholds(state, model)
    threshold = t.get("sextortion_moment")
    if threshold is None:
        return False
    after = t.get("sextortion_moment_after_nudge")
    if after is not None and state.sextortion_score >= t["sextortion_nudge"]:
        threshold = min(threshold, after)
    return state.moment_score >= threshold


def tier_for(
    state: ConversationState, grooming: float, sextortion: float, roles: Roles, model: RiskModel
) -> Tier:
    t = thresholds(state, model)
    sextortion_level = sextortion >= t["sextortion_alert"]
    if sextortion_level and threatened(state):
        return Tier.URGENT
    # A sextortion-level score without a threat is review, but it must not hide grooming's
    # own emergency (a meeting proposed to a known or stated minor) when both are reached.
    if grooming >= t["grooming_alert"]:
        offender = state.participants.get(roles.offender or "")
        meeting = offender is not None and offender.best.get(Tactic.MEETING_REQUEST.value, 0) >= 0.5
        child = state.participants.get(roles.child or "")
        minor = child is not None and child.age is not None and child.age < 18
        return Tier.URGENT if meeting and minor else Tier.REVIEW
    if sextortion_level:
        return Tier.REVIEW
    disclosed = any(p.disclosures for p in state.participants.values())
    if (
        sextortion >= t["sextortion_nudge"]
        or disclosed
        or grooming >= _nudge_threshold(state, roles, model)
    ):
        return Tier.NUDGE
    return Tier.NONE


def _nudge_threshold(state: ConversationState, roles: Roles, model: RiskModel) -> float:
    """Grooming below the alert nudges a likely child: at a lower bar where a minor is known
    or stated, a higher one where no age is known, never a known adult."""
    child = state.participants.get(roles.child or "")
    if child is None or child.age is None:
        return thresholds(state, model)["nudge_age_unknown"]
    return thresholds(state, model)["nudge"] if child.age < 18 else 2.0
