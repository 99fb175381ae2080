"""Fitting a bundle (tactic model + conversation model + thresholds) on some sources, with
every figure that chooses something computed out of source:

1. The tactic model is a multi-label logistic regression over the tagged messages.
2. The conversation model trains on feature rows (one per message and participant) made by
   replaying each training source's conversations with tactic probabilities from a tactic
   model that never saw that source, so its inputs look like those on new data. (Those
   tactic models are the corpus's leave-one-source-out fits: in a leave-one-source-out
   estimate, the rows of the other sources come from tactic models that did see the
   held-out source's messages; the held-out source itself is scored only by models that
   never saw it. One fit per source instead of one per pair of sources.)
3. Platt scaling and the thresholds use each training source's conversation scores from a
   conversation model fitted without that source; each threshold is the Harrell-Davis
   estimate of the score that the budget's share of benign conversations would reach
   (budget.py: steadier than the one benign score at the budget's place).

Fits are cached by the set of sources they saw: leave-one-source-out reuses them.

Nested or not: a bundle fitted for a leave-one-source-out estimate (every source but one)
takes its calibration and thresholds either from out-of-source scores within its own
sources (nested: one conversation-model fit per pair of sources) or from the all-source
out-of-source scores restricted to its sources (not nested: those scores came from
conversation models that did see the held-out source's rows, never its labels at
scoring time; one fit per source, minutes instead of over an hour). The held-out source
itself is scored by a tactic model and conversation heads that never saw it either way."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from safeguarding.conversation import lexical
from safeguarding.conversation.analyzer import ConversationAnalyzer
from safeguarding.conversation.assess import likely_target
from safeguarding.conversation.detector import MessageDetector, signals
from safeguarding.conversation.embedding.base import Embedder
from safeguarding.conversation.evaluate import Scored
from safeguarding.conversation.language import Language, add, decide
from safeguarding.conversation.moment_memory import Memory, fit_memory
from safeguarding.conversation.moment_model import Hidden, MomentModel, Terms
from safeguarding.conversation.pool import fork_map
from safeguarding.conversation.risk_model import FEATURES, Head, RiskModel, features
from safeguarding.conversation.semantic import SemanticScorer
from safeguarding.conversation.tactic_model import (
    RULE_TACTICS,
    MessageInputs,
    TacticModel,
    rule_matrix,
)
from safeguarding.conversation.tactics import GROOMING_STAGE
from safeguarding.conversation.training.budget import (
    BUDGETS,
    MOMENT_AFTER_NUDGE,
    spend_budget,
    spend_by_language,
)
from safeguarding.conversation.training.corpus import TACTICS, Corpus
from safeguarding.conversation.training.fit import (
    fit_hidden,
    fit_logistic,
    fit_tactics,
    platt,
    sparse_rows,
)
from safeguarding.conversation.training.recheck import RECHECK_FOLDS, RecheckTrainer

# The tactic model's L2 penalty and epochs of stochastic gradient descent (fit_tactics):
# chosen by held-out mean average precision over tactics, leave-one-source-out.
TACTIC_ALPHA = 1e-5
TACTIC_ITERATIONS = 20
# The moment model's hidden layer (moment_model.py; bundles with an embedding only): units,
# L2 penalty and epochs, chosen by the held-out replay of docs/conversation.md ("Version 7");
# a bag of networks from consecutive seeds, averaged (fit_hidden; "Version 9").
MOMENT_UNITS, MOMENT_ALPHA, MOMENT_EPOCHS = 64, 1e-2, 60
MOMENT_NETWORKS = 3
# The moment model's memory (moment_memory.py; with the hidden layer): directions kept per
# participant (0: none) and the decay per message. 16 and 0.5 measured best for the moment
# alone on five folds by source (against 32: docs/conversation.md, "Session 17"), but the
# whole engine trained with them (`use` version 12, "Session 18") lost sextortion on time,
# so the recipe keeps none (no shipped bundle, versions 10 to 18, has one).
MOMENT_MEMORY, MOMENT_DECAY = 0, 0.5
MEMORY_MEASURED = 16
# Whether the moment model's hidden layer also reads the previous message's embedding
# (moment_model.py; not with a memory). Off in the shipped bundles: in the whole engine
# (`use` version 15) it lost sextortion on time held out and never seen (docs/conversation.md,
# "Sessions 23 to 25").
MOMENT_PREVIOUS = False
RISK_L2 = 1.0
# The grooming head is monotone in how surely a participant has shown each grooming tactic,
# in the stages covered and in a known-young target: surer flattery, age probing, secrecy or
# requests never lower the score. Unconstrained, it learnt negative weights on some of them
# that only offset correlated features in the training sources (a textbook window's score
# fell below the alert at its secrecy step). How much of a tactic (the `amount:` sums)
# stays free: held out, constraining those too cost early warnings (flagged before the
# first harm step, all sources, 175 -> 151 of 260) since a benign chat's many soft requests
# then rise with it. Measured leave-one-source-out on 20 sources at the same budget:
# grooming alerted 377 -> 385 of 445, the rest unchanged (docs/conversation.md). What the
# others in the chat show keeps a free sign: a tactic traded between peers is a sign against.
MONOTONE_GROOMING = frozenset(
    {f"best:{t.value}" for t in GROOMING_STAGE}
    | {"stages_sure", "stages_soft", "escalates", "target_minor", "target_minor_cues"}
)

# Which conversation heads also learn the other harm's offenders as negatives (the grooming
# head sextortion's, and the reverse): both, in every shipped bundle. The grooming head then
# learns that a request for a picture speaks against grooming, because sextortion's
# offenders make it too, and the sextortion head that flattery and secrecy do, while an
# alert needs either head over a threshold set on benign conversations only. Without the
# other harm in either head (session 34): leave one source out, `lexical` gained grooming
# 726 -> 756 of 850, flagged before harm 301 -> 337 of 473 and sextortion on time 1,122 ->
# 1,156 of 1,755 at 27 -> 25 of 2,855 benign, but alerted 25 fewer sextortion chats at all,
# scored grooming chats high for sextortion too and an ordinary three-message chat 0.64 for
# grooming; `use` traded on time 813 -> 818 of 1,055 for flagged before harm 279 -> 270 of
# 402 and benign 18 -> 20 of 2,295. Neither shipped; without the other harm in the grooming
# head alone, `lexical` kept about half its held-out gains but alerted one more of the
# shared files' 140 benign chats (2, over that target; docs/conversation.md, "Session 34").
OTHER_HARM_IS_NEGATIVE = frozenset({"grooming", "sextortion"})

# Per head, which features' weights are held non-negative (fit_logistic's mask).
_NON_NEGATIVE = {"grooming": np.array([f in MONOTONE_GROOMING for f in FEATURES])}


def head_weights(rows: Rows, name: str) -> npt.NDArray[np.float64]:
    """The rows' weights for one head: without the other harm's offenders unless the head
    counts them as negatives (OTHER_HARM_IS_NEGATIVE)."""
    if name in OTHER_HARM_IS_NEGATIVE:
        return rows.weight
    other = rows.sextortion if name == "grooming" else rows.grooming
    return rows.weight * (1.0 - other)


@dataclass
class Rows:
    x: npt.NDArray[np.float64]
    grooming: npt.NDArray[np.float64]
    sextortion: npt.NDArray[np.float64]
    weight: npt.NDArray[np.float64]
    conversation: npt.NDArray[np.int64]  # index into the corpus
    message: npt.NDArray[np.int64]  # the message within it after which the row was made

    @staticmethod
    def concat(parts: list[Rows]) -> Rows:
        return Rows(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("x", "grooming", "sextortion", "weight", "conversation", "message")
            )
        )


class Trainer:
    def __init__(
        self,
        corpus: Corpus,
        embedder: Embedder | None,
        semantic: SemanticScorer | None,
        version: str,
        *,
        iterations: int = TACTIC_ITERATIONS,
        second: Embedder | None = None,
        workers: int = 1,
        language_min_benign: int | None = None,
        moment_after_nudge: float = MOMENT_AFTER_NUDGE,
        recheck_folds: int = RECHECK_FOLDS,
    ) -> None:
        self.corpus = corpus
        #: thresholds per language for the languages with this many benign conversations
        #: (None: pooled only, as the shipped bundles are; budget.LANGUAGE_MIN_BENIGN)
        self.language_min_benign = language_min_benign
        #: the part of the moment's share spent past the sextortion nudge (budget.py)
        self.moment_after_nudge = moment_after_nudge
        #: each conversation's language from all its words (language.py)
        self.languages = [_language(corpus, c) for c in range(len(corpus.items))]
        #: worker processes for the independent fits (pool.py; prefit, held_out)
        self.workers = workers
        self.iterations = iterations
        self.embedder = embedder
        self.semantic = semantic
        self.version = version
        self._tactics: dict[frozenset[str], TacticModel] = {}
        self._rows: dict[str, Rows] = {}
        self._risk: dict[tuple[frozenset[str], bool], RiskModel] = {}
        self._oof: dict[frozenset[str], tuple[Rows, dict[str, npt.NDArray[np.float64]]]] = {}
        self._moments: dict[frozenset[str], MomentModel] = {}
        self._moment_oof: dict[frozenset[str], dict[int, float]] = {}
        #: the same, message by message (not with a second reading; series.py)
        self._moment_series: dict[frozenset[str], dict[int, npt.NDArray[np.float64]]] = {}
        self._previous: npt.NDArray[np.float64] | None = None
        self._inputs = self._tactic_inputs()
        self.moment_y, self.moment_rows = moment_targets(corpus)
        #: with a second encoder, the moment's second reading (training/recheck.py)
        self.recheck = RecheckTrainer(self, second, recheck_folds) if second is not None else None

    # -- messages -----------------------------------------------------------------------
    def _tactic_inputs(self) -> tuple[Any, npt.NDArray[np.float64]]:
        p = self.corpus.prepared
        pointers, indices, values = lexical.matrix(p.normalised)
        dense = rule_matrix(p.normalised).astype(np.float64)
        if p.embeddings is not None:
            dense = np.hstack([p.embeddings.astype(np.float64), dense])
        return sparse_rows(pointers, indices, values, lexical.BUCKETS), dense

    def tactics(self, sources: frozenset[str]) -> TacticModel:
        if sources not in self._tactics:
            rows = self.corpus.training_rows(sources) & self.corpus.tagged
            sparse_part, dense_part = self._inputs
            w, b = fit_tactics(
                (sparse_part[rows], dense_part[rows]),
                self.corpus.tags[rows],
                alpha=TACTIC_ALPHA,
                epochs=self.iterations,
            )
            e = (
                0
                if self.corpus.prepared.embeddings is None
                else (self.corpus.prepared.embeddings.shape[1])
            )
            assert w.shape[0] == lexical.BUCKETS + e + len(RULE_TACTICS)
            self._tactics[sources] = TacticModel(
                TACTICS,
                w[: lexical.BUCKETS].astype(np.float32),
                w[lexical.BUCKETS :].astype(np.float32),
                b.astype(np.float32),
                self.embedder.name if self.embedder else None,
                self.version,
            )
        return self._tactics[sources]

    def moment(self, sources: frozenset[str]) -> MomentModel:
        """The sextortion moment model fitted on these sources (moment_model.py)."""
        if sources not in self._moments:
            rows = self.corpus.training_rows(sources) & self.moment_rows
            sparse_part, dense_part = self._inputs
            embeddings = self.corpus.prepared.embeddings
            previous = self.previous_embeddings()
            w, b = fit_tactics(
                (sparse_part[rows], np.hstack([dense_part[rows], previous[rows]])),
                self.moment_y[rows].reshape(-1, 1),
                alpha=TACTIC_ALPHA,
                epochs=self.iterations,
            )
            weights = w[:, 0].astype(np.float32)
            dense_end = lexical.BUCKETS + dense_part.shape[1]
            hidden = memory = None
            if embeddings is not None:
                hidden_inputs = dense_part[rows]
                if MOMENT_PREVIOUS and not MOMENT_MEMORY:
                    hidden_inputs = np.hstack([dense_part[rows], previous[rows]])
                if MOMENT_MEMORY:
                    seen = np.isin(self.corpus.message_source, list(sources))
                    memory = fit_memory(dense_part[seen], MOMENT_MEMORY, MOMENT_DECAY)
                    memory_inputs = self._memory_inputs(memory)[rows]
                    hidden_inputs = np.hstack([dense_part[rows], memory_inputs])
                hidden = Hidden.of(
                    fit_hidden(
                        hidden_inputs,
                        self.moment_y[rows],
                        units=MOMENT_UNITS,
                        alpha=MOMENT_ALPHA,
                        epochs=MOMENT_EPOCHS,
                        networks=MOMENT_NETWORKS,
                    )
                )
            self._moments[sources] = MomentModel(
                weights[: lexical.BUCKETS],
                weights[lexical.BUCKETS : dense_end],
                weights[dense_end:],
                float(b[0]),
                self.embedder.name if self.embedder else None,
                self.version,
                hidden,
                memory,
                previous=hidden is not None and MOMENT_PREVIOUS and not MOMENT_MEMORY,
            )
        return self._moments[sources]

    def previous_embeddings(self) -> npt.NDArray[np.float64]:
        """Every message's previous message's embedding in its conversation (zeros for the
        first; no columns without an encoder): made once, and before workers fork, so that
        they share it instead of each building a copy of the corpus's size."""
        if self._previous is None:
            embeddings = self.corpus.prepared.embeddings
            e = 0 if embeddings is None else embeddings.shape[1]
            previous = np.zeros((len(self.moment_y), e))
            if embeddings is not None:
                for c in range(len(self.corpus.items)):
                    span = self.corpus.rows(c)
                    previous[span.start + 1 : span.stop] = embeddings[span.start : span.stop - 1]
            self._previous = previous
        return self._previous

    def prefit(self, done: Callable[[int, int], object] = lambda _done, _total: None) -> None:
        """Fit every left-out source's tactic and moment models and replay its rows, and the
        all-source models, `workers` at a time (pool.py); the lazy methods above then find
        them in their caches."""
        everything = frozenset(self.corpus.sources)
        self.previous_embeddings()
        todo: list[str | None] = [s for s in sorted(everything) if s not in self._rows]
        fitted = fork_map(self._prefit, [*todo, None], self.workers, done)
        for source, tactics, rows, moment in fitted:
            seen = everything if source is None else everything - {source}
            self._tactics[seen], self._moments[seen] = tactics, moment
            if source is not None and rows is not None:
                self._rows[source] = rows

    def _prefit(
        self, source: str | None
    ) -> tuple[str | None, TacticModel, Rows | None, MomentModel]:
        everything = frozenset(self.corpus.sources)
        seen = everything if source is None else everything - {source}
        rows = None if source is None else self.rows(frozenset({source}))
        return source, self.tactics(seen), rows, self.moment(seen)

    @property
    def dense_inputs(self) -> npt.NDArray[np.float64]:
        """Every message's dense inputs: the embedding and the pattern scores."""
        dense: npt.NDArray[np.float64] = self._inputs[1]
        return dense

    def _memory_inputs(self, memory: Memory) -> npt.NDArray[np.float64]:
        """Every message's memory inputs (moment_memory.py), conversation by conversation."""
        dense = self._inputs[1].astype(np.float32)
        out = np.zeros((len(dense), 2 * memory.size))
        for c in range(len(self.corpus.items)):
            span = self.corpus.rows(c)
            out[span] = memory.contexts(self.senders(c), dense[span])
        return out

    def senders(self, conversation: int) -> list[str]:
        return [m.sender for m in self.corpus.items[conversation].conversation.messages]

    def moment_terms(self, model: MomentModel, conversation: int) -> Terms:
        part = self.corpus.slice(conversation)
        return model.terms(MessageInputs.of(part.normalised, part.embeddings))

    def _moment_held_out(self, sources: frozenset[str]) -> dict[int, float]:
        """Each of these sources' conversations: its highest moment probability from the
        moment model fitted on the others. Cached: every leave-one-source-out bundle that
        is not nested reads the all-source scores (replaying 88k messages per fold took a
        third of a training run)."""
        if sources not in self._moment_oof and self.recheck is not None:
            if sources != frozenset(self.corpus.sources):
                raise ValueError("a moment recheck is trained with --not-nested only")
            self._moment_oof[sources] = self.recheck.held_out(sources)
        if sources not in self._moment_oof:
            series: dict[int, npt.NDArray[np.float64]] = {}
            for source in sorted(sources):
                model = self.moment(sources - {source})
                for c in self.corpus.conversations([source]):
                    part = self.corpus.slice(c)
                    moments = model.conversation(part.normalised, part.embeddings, self.senders(c))
                    series[c] = np.asarray(moments, dtype=np.float64)
            self._moment_series[sources] = series
            self._moment_oof[sources] = {c: float(m.max()) for c, m in series.items()}
        return self._moment_oof[sources]

    def moment_series(self, sources: frozenset[str]) -> dict[int, npt.NDArray[np.float64]]:
        """Each of these sources' conversations: its moment probability after every message,
        from the moment model fitted on the others (what _moment_held_out takes the highest
        of)."""
        if self.recheck is not None:
            raise ValueError("the moment's scores message by message are not kept with --recheck")
        self._moment_held_out(sources)
        return self._moment_series[sources]

    def probabilities(self, model: TacticModel, conversation: int) -> npt.NDArray[np.float32]:
        part = self.corpus.slice(conversation)
        return model.predict(part.normalised, part.embeddings)

    # -- conversations ------------------------------------------------------------------
    def rows(self, sources: frozenset[str]) -> Rows:
        """Feature rows of these sources' conversations, each source replayed with tactic
        probabilities from the tactic model fitted on every other source of the corpus, so
        the conversation model learns from inputs like those it meets on new data."""
        everything = frozenset(self.corpus.sources)
        parts = []
        for source in sorted(sources):
            if source not in self._rows:
                model = self.tactics(everything - {source})
                self._rows[source] = Rows.concat(
                    [
                        self._replay(c, self.probabilities(model, c), model.tactics)
                        for c in self.corpus.conversations([source])
                    ]
                )
            parts.append(self._rows[source])
        return Rows.concat(parts)

    def _replay(self, c: int, probabilities: npt.NDArray[np.float32], columns: list[Any]) -> Rows:
        item = self.corpus.items[c]
        analyzer = ConversationAnalyzer(_NO_DETECTOR)
        state = analyzer.new_state(item.conversation.id, item.conversation.participants)
        found = signals(self.corpus.slice(c), probabilities, columns)
        xs, ids, after = [], [], []
        for index, (message, signal) in enumerate(
            zip(item.conversation.messages, found, strict=True)
        ):
            analyzer.record(state, message, signal)
            for pid, participant in state.participants.items():
                xs.append(features(state, participant, likely_target(state, pid)))
                ids.append(pid)
                after.append(index)
        offender = {pid for pid, role in item.roles.items() if role == "adult"}
        is_offender = np.array([pid in offender for pid in ids], dtype=np.float64)
        per_participant: dict[str, int] = {}
        for pid in ids:
            per_participant[pid] = per_participant.get(pid, 0) + 1
        weight = np.array([1.0 / per_participant[pid] for pid in ids])
        return Rows(
            np.array(xs),
            is_offender * (item.label == "grooming"),
            is_offender * (item.label == "sextortion"),
            weight,
            np.full(len(ids), c, dtype=np.int64),
            np.array(after, dtype=np.int64),
        )

    def _fit_heads(
        self, rows: Rows
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], dict[str, Head]]:
        mean = rows.x.mean(axis=0)
        scale = np.maximum(rows.x.std(axis=0), 1e-3)
        z = (rows.x - mean) / scale
        heads = {}
        for name in ("grooming", "sextortion"):
            w, b = fit_logistic(
                z,
                getattr(rows, name),
                lam=RISK_L2,
                weights=head_weights(rows, name),
                non_negative=_NON_NEGATIVE.get(name),
            )
            heads[name] = Head(w[:, 0], float(b[0]))
        return mean, scale, heads

    def risk(self, sources: frozenset[str], *, nested: bool = True) -> RiskModel:
        """The conversation model for these sources, calibrated and with thresholds from
        out-of-source predictions (nested: within these sources; else the all-source ones
        restricted to them, see the module docstring)."""
        everything = frozenset(self.corpus.sources)
        key = (sources, nested or sources == everything)
        if key in self._risk:
            return self._risk[key]
        oof, logits = self.held_out(sources if key[1] else everything)
        if not key[1]:
            inside = np.isin(self._source_of(oof), list(sources))
            oof = _subset(oof, inside)
            logits = {name: values[inside] for name, values in logits.items()}
        mean, scale, heads = self._fit_heads(self.rows(sources))
        calibrated = {}
        probabilities = {}
        for name, head in heads.items():
            raw = logits[name]
            a, c = platt(raw, getattr(oof, name), head_weights(oof, name))
            calibrated[name] = Head(head.weights, head.bias, (a, c))
            probabilities[name] = calibrated[name].calibrated(raw)
        moments = None
        if BUDGETS["moment_share"] > 0:
            moments = self._moment_held_out(sources if key[1] else everything)
        thresholds, by_language, budget = self._thresholds(oof, probabilities, moments)
        budget["nested"] = key[1]
        model = RiskModel(mean, scale, calibrated, thresholds, self.version, budget, by_language)
        self._risk[key] = model
        return model

    def _source_of(self, rows: Rows) -> npt.NDArray[np.str_]:
        return np.array([self.corpus.items[c].source for c in rows.conversation])

    def held_out(self, sources: frozenset[str]) -> tuple[Rows, dict[str, npt.NDArray[np.float64]]]:
        """Each of these sources' rows with its conversation-model logits from heads fitted
        on the others."""
        if sources not in self._oof:
            all_rows = self.rows(sources)
            source_of = self._source_of(all_rows)
            held: list[Rows] = []
            logits: dict[str, list[npt.NDArray[np.float64]]] = {"grooming": [], "sextortion": []}
            fitted = fork_map(
                lambda source: self._fit_heads(_subset(all_rows, source_of != source)),
                sorted(sources),
                self.workers,
            )
            for source, (mean, scale, heads) in zip(sorted(sources), fitted, strict=True):
                test = _subset(all_rows, source_of == source)
                held.append(test)
                for name, head in heads.items():
                    logits[name].append(head.logit((test.x - mean) / scale))
            self._oof[sources] = (
                Rows.concat(held),
                {name: np.concatenate(values) for name, values in logits.items()},
            )
        return self._oof[sources]

    def _thresholds(
        self,
        oof: Rows,
        probabilities: dict[str, npt.NDArray[np.float64]],
        moments: dict[int, float] | None = None,
    ) -> tuple[dict[str, float], dict[Language, dict[str, float]], dict[str, Any]]:
        """The pooled thresholds, those per language, and how they were chosen."""
        benign = [
            c
            for c in dict.fromkeys(oof.conversation.tolist())
            if self.corpus.items[c].label == "benign"
        ]
        top = {name: _per_conversation(oof.conversation, p) for name, p in probabilities.items()}
        scores = (
            [top["grooming"][c] for c in benign],
            [top["sextortion"][c] for c in benign],
            None if moments is None else [moments[c] for c in benign],
        )
        thresholds = spend_budget(*scores, self.moment_after_nudge)
        languages = [self.languages[c] for c in benign]
        by_language = {}
        if self.language_min_benign is not None:
            by_language = spend_by_language(
                languages, *scores, self.language_min_benign, self.moment_after_nudge
            )
        budget: dict[str, Any] = {
            "benign_conversations": len(benign),
            "shares": BUDGETS,
            "chosen_on": "out-of-source predictions of the training sources",
            "rule": "Harrell-Davis estimate of the budget's quantile",
        }
        if self.moment_after_nudge > 0:  # (a bundle without it writes the file it wrote before)
            budget["moment_after_nudge"] = self.moment_after_nudge
        if by_language:  # (a bundle without them writes the file it wrote before)
            budget["benign_by_language"] = {k.value: languages.count(k) for k in by_language}
        return thresholds, by_language, budget

    def benign_held_out(self, sources: frozenset[str]) -> list[dict[str, Any]]:
        """The scores the alert thresholds were set on (`risk(sources)`, not nested): each
        benign conversation's highest grooming, sextortion and moment probability out of
        its source, calibrated as the bundle is. Written beside the report so that a
        threshold rule can be studied, and audited, without training again."""
        model = self.risk(sources, nested=False)
        oof, logits = self.held_out(sources)
        moments = self._moment_held_out(sources) if "sextortion_moment" in model.thresholds else {}
        top = {}
        for name, raw in logits.items():
            top[name] = _per_conversation(oof.conversation, model.heads[name].calibrated(raw))
        return [
            {
                "source": self.corpus.items[c].source,
                "id": self.corpus.items[c].conversation.id,
                "grooming": top["grooming"][c],
                "sextortion": top["sextortion"][c],
                "moment": moments.get(c),
                "language": None if self.languages[c] is None else self.languages[c].value,
            }
            for c in dict.fromkeys(oof.conversation.tolist())
            if self.corpus.items[c].label == "benign"
        ]

    def bundle(
        self, sources: Iterable[str], *, nested: bool = True
    ) -> tuple[TacticModel, RiskModel]:
        chosen = frozenset(sources)
        return self.tactics(chosen), self.risk(chosen, nested=nested)

    # -- held-out scoring ---------------------------------------------------------------
    def score(
        self, held_out: Iterable[str], trained: frozenset[str], *, nested: bool = True
    ) -> list[Scored]:
        """Held-out conversations scored by the engine with a bundle fitted on `trained`."""
        tactics, risk = self.bundle(trained, nested=nested)
        moment = self.moment(trained) if "sextortion_moment" in risk.thresholds else None
        recheck = second = None
        if moment is not None and self.recheck is not None:
            recheck, second = self.recheck.for_bundle(trained), self.recheck.second
        analyzer = ConversationAnalyzer(
            MessageDetector(tactics, risk, self.embedder, self.semantic, moment, recheck, second)
        )
        out = []
        for c in self.corpus.conversations(frozenset(held_out)):
            item = self.corpus.items[c]
            terms = self.moment_terms(moment, c) if moment is not None else None
            dense = None
            if recheck is not None:
                dense = self.dense_inputs[self.corpus.rows(c)].astype(np.float32)
            found = signals(
                self.corpus.slice(c), self.probabilities(tactics, c), tactics.tactics, terms, dense
            )
            state = analyzer.new_state(item.conversation.id, item.conversation.participants)
            for message, signal in zip(item.conversation.messages, found, strict=True):
                analyzer.update(state, message, signal)
            out.append(Scored.of(item, analyzer.assessment(state)))
        return out


def moment_targets(corpus: Corpus) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The moment model's targets and the messages it learns from: 1 at each sextortion
    conversation's first threat or demand and the message after it, 0 at every message of
    the benign conversations, and each phrase line's; the rest are not used."""
    y = np.zeros(len(corpus.message_source))
    used = np.zeros(len(y), dtype=bool)
    for c, item in enumerate(corpus.items):
        span = corpus.rows(c)
        if item.label == "benign":
            used[span] = True
        elif item.label == "sextortion":
            first = (
                item.first_threat_index
                if item.first_threat_index is not None
                else item.first_harm_index
            )
            if first is not None:
                moment = slice(span.start + first, min(span.start + first + 2, span.stop))
                y[moment] = 1.0
                used[moment] = True
    # phrase lines (lines.py): a threat or demand is a moment, the ordinary ones are not
    y[corpus.line_moment] = 1.0
    used[corpus.line] = True
    return y, used


def _subset(rows: Rows, mask: npt.NDArray[np.bool_]) -> Rows:
    return Rows(
        rows.x[mask],
        rows.grooming[mask],
        rows.sextortion[mask],
        rows.weight[mask],
        rows.conversation[mask],
        rows.message[mask],
    )


def _per_conversation(
    conversation: npt.NDArray[np.int64], values: npt.NDArray[np.float64]
) -> dict[int, float]:
    out: dict[int, float] = {}
    for c, v in zip(conversation.tolist(), values.tolist(), strict=True):
        if v > out.get(c, -1.0):
            out[c] = v
    return out


class _NoDetector:
    """Replay records state only; nothing is detected or assessed."""


_NO_DETECTOR: Any = _NoDetector()
assert len(FEATURES) == 3 * len(TACTICS) + 18


def _language(corpus: Corpus, conversation: int) -> Language | None:
    counts: dict[str, int] = {}
    for text in corpus.prepared.normalised[corpus.rows(conversation)]:
        add(counts, text)
    return decide(counts)
