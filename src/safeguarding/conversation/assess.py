"""Conversation-level judgement: who shows which tactics towards whom, over how many stages.

Grooming is never one message: a compliment, a question about age, a new app are each
ordinary. The score is a noisy-or over the tactics one participant has shown, weighted by
how telling each tactic is, held back when only one stage is covered, and scaled by what is
known of the ages (an adult towards a minor counts more; two teenagers or two adults much
less). Sextortion is the opposite: one threat to expose the other person's images, with a
demand, is an emergency on its own."""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.conversation.state import ConversationState, Participant
from safeguarding.conversation.tactics import GROOMING_STAGE, Stage, Tactic

# How telling one sure instance of a tactic is on its own (noisy-or weights). Tactics that
# also fill ordinary chats between friends (compliments, "add me on discord", a photo of a
# haircut) weigh least; the ones ordinary chats rarely need (checking whether parents are
# around, secrecy, isolating the child) weigh most.
GROOMING_WEIGHTS: dict[Tactic, float] = {
    Tactic.RAPPORT: 0.25,
    Tactic.GIFTS: 0.30,
    Tactic.AGE_PROBE: 0.35,
    Tactic.PERSONAL_INFO: 0.25,
    Tactic.RISK_CHECK: 0.55,
    Tactic.SECRECY: 0.45,
    Tactic.ISOLATION: 0.55,
    Tactic.PLATFORM_SWITCH: 0.30,
    Tactic.DESENSITISATION: 0.45,
    Tactic.PRESSURE: 0.35,
    Tactic.IMAGE_REQUEST: 0.35,
    Tactic.MEETING_REQUEST: 0.40,
}
SINGLE_STAGE_FACTOR = 0.6
# Stages reached in the order groomers follow them (trust, then targeting, then exclusivity,
# then requests) close this share of the remaining gap: a conversation escalating is more
# telling than the same tactics jumbled, as in banter or a teacher's logistics.
ESCALATION_GAIN = 0.15
# One side asks most of the questions (age, school, parents, whether they are alone) and
# the other answers: the shape of an interview, not of a chat between equals.
INTERVIEW_FACTOR = 1.1
INTERVIEWED_FACTOR = 0.9
# The child calls the sender mum, dad or grandma: family secrets are about presents.
FAMILY_FACTOR = 0.4
GROOMING_ALERT = 0.72
SEXTORTION_ALERT = 0.70
NUDGE = 0.50
# Where no age is known, a nudge needs more: safety information is for a child, and most
# chats below the alert threshold are between people the platform knows nothing about.
NUDGE_AGE_UNKNOWN = 0.60
TIERS = ("none", "nudge", "review", "urgent")


@dataclass(frozen=True)
class Roles:
    offender: str | None
    child: str | None


def age_factor(sender: Participant, target: Participant | None) -> float:
    if target is None or target.age is None:
        return 1.0 if sender.age is None or sender.age >= 18 else 0.8
    if target.age >= 18:
        return 0.35 if sender.age is None or sender.age >= 18 else 0.5
    if sender.age is None:
        return 1.1
    if sender.age >= 18:
        return 1.3
    # Two minors: peers flirt and swap apps; a large gap still matters. Not lower: groomers
    # claim to be the child's age.
    return 0.75 if sender.age - target.age < 4 else 0.95


def grooming_score(sender: Participant, target: Participant | None) -> float:
    miss = 1.0
    stages = set()
    sure = 0
    for tactic, weight in GROOMING_WEIGHTS.items():
        score = sender.best.get(tactic, 0.0)
        if score:
            miss *= 1.0 - weight * score
            if score >= 0.5:
                stages.add(GROOMING_STAGE[tactic])
                sure += 1
    score = 1.0 - miss
    if len(stages) <= 1 and sure < 3:
        score *= SINGLE_STAGE_FACTOR
    if escalates(sender):
        score += (1.0 - score) * ESCALATION_GAIN
    score *= question_factor(sender, target)
    if target is not None and sender.id in target.calls_family:
        score *= FAMILY_FACTOR
    return min(1.0, score * age_factor(sender, target))


def escalates(sender: Participant) -> bool:
    """At least three stages, each first shown no earlier than the stage before it."""
    order = list(Stage)
    firsts = [sender.stage_first[s.value] for s in order if s.value in sender.stage_first]
    return len(firsts) >= 3 and firsts == sorted(firsts)


def question_factor(sender: Participant, target: Participant | None) -> float:
    if target is None or sender.messages < 3 or target.messages < 3:
        return 1.0
    if sender.questions >= 3 and sender.questions >= 2 * max(1, target.questions):
        return INTERVIEW_FACTOR
    if target.questions >= 3 and target.questions >= 2 * max(1, sender.questions):
        return INTERVIEWED_FACTOR
    return 1.0


def sextortion_score(sender: Participant) -> float:
    threat = sender.best.get(Tactic.THREAT, 0.0)
    demand = sender.best.get(Tactic.PAYMENT_DEMAND, 0.0)
    score = 1.0 - (1.0 - 0.85 * threat) * (1.0 - 0.45 * demand)
    if threat >= 0.6 and demand >= 0.45:
        score = max(score, 0.95)
    return score


def likely_target(state: ConversationState, sender: str) -> Participant | None:
    """The other participant most likely to be the child: the youngest known, else the most
    active of the others."""
    others = [p for pid, p in state.participants.items() if pid != sender]
    if not others:
        return None
    return min(others, key=lambda p: (p.age if p.age is not None else 200, -p.messages))


def scores(state: ConversationState) -> tuple[float, float, Roles]:
    best_g, best_s, offender = 0.0, 0.0, None
    strongest = 0.0
    for pid, participant in state.participants.items():
        g = grooming_score(participant, likely_target(state, pid))
        s = sextortion_score(participant)
        best_g, best_s = max(best_g, g), max(best_s, s)
        if max(g, s) > strongest:
            strongest, offender = max(g, s), pid
    child = None
    if offender is not None and strongest >= NUDGE:
        target = likely_target(state, offender)
        child = target.id if target else None
    else:
        offender = None
    return best_g, best_s, Roles(offender, child)


def tier_for(state: ConversationState, grooming: float, sextortion: float,
             roles: Roles) -> str:
    if sextortion >= SEXTORTION_ALERT:
        return "urgent"
    if grooming >= GROOMING_ALERT:
        offender = state.participants.get(roles.offender or "")
        meeting = offender is not None and offender.best.get(Tactic.MEETING_REQUEST, 0) >= 0.5
        child = state.participants.get(roles.child or "")
        minor = child is not None and child.age is not None and child.age < 18
        return "urgent" if meeting and minor else "review"
    disclosed = any(p.disclosures for p in state.participants.values())
    if sextortion >= NUDGE or disclosed or grooming >= _nudge_threshold(state, roles):
        return "nudge"
    return "none"


def _nudge_threshold(state: ConversationState, roles: Roles) -> float:
    """Grooming below the alert nudges a likely child: surely where a minor is known or
    stated, at a higher score where no age is known, never a known adult."""
    child = state.participants.get(roles.child or "")
    if child is None or child.age is None:
        return NUDGE_AGE_UNKNOWN
    return NUDGE if child.age < 18 else 2.0
