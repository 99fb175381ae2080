"""The training sources' out-of-source scores message by message: held-out-series-NAME.npz.

benign-held-out-NAME.json keeps each benign chat's highest scores, which is all a threshold
on the highest score needs. A rule that reads the scores' course (two messages in a row, the
moment after the conversation model has risen, the reply to a threat) needs each message's
scores, for the harmful chats too, to be chosen at the benign budget and measured on the
training sources without spending the never-seen chats on it (docs/conversation.md,
"Session 41"). Scores, labels and references only: no message text.

Per conversation (the training sources', in corpus order): `source`, `id`, `label`,
`language` ("" when undecided), `first_harm_index` and `first_threat_index` (-1: none),
`start` and `messages` (its slice of the per-message arrays). Per message: `grooming` and
`sextortion`, the highest over the participants of the calibrated conversation-model
probability after that message, from heads fitted without its source (as the not-nested
thresholds are set); `moment`, the moment probability from the moment model fitted
without its source (NaN where the bundle has no moment model)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from safeguarding.conversation.training.trainer import Trainer

Arrays = dict[str, npt.NDArray[np.generic]]


def held_out_series(trainer: Trainer, sources: frozenset[str]) -> Arrays:
    """The series of these sources' conversations (all of the trainer's sources: the
    bundle's own thresholds were set on them)."""
    model = trainer.risk(sources, nested=False)
    oof, logits = trainer.held_out(sources)
    conversations = list(dict.fromkeys(oof.conversation.tolist()))
    items = [trainer.corpus.items[c] for c in conversations]
    counts = np.array([len(i.conversation.messages) for i in items], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    offset = dict(zip(conversations, start.tolist(), strict=True))
    at = np.array([offset[c] for c in oof.conversation.tolist()], dtype=np.int64) + oof.message
    out: Arrays = {}
    for name, raw in logits.items():
        values = np.zeros(int(counts.sum()), dtype=np.float64)
        np.maximum.at(values, at, model.heads[name].calibrated(raw))
        out[name] = values
    moment = np.full(int(counts.sum()), np.nan)
    if "sextortion_moment" in model.thresholds:
        series = trainer.moment_series(sources)
        for c, first in offset.items():
            moment[first : first + len(series[c])] = series[c]
    out["moment"] = moment
    languages = [trainer.languages[c] for c in conversations]
    out |= {
        "source": np.array([i.source for i in items], dtype=np.str_),
        "id": np.array([i.conversation.id for i in items], dtype=np.str_),
        "label": np.array([i.label for i in items], dtype=np.str_),
        "language": np.array(["" if x is None else x.value for x in languages], dtype=np.str_),
        "first_harm_index": _index([i.first_harm_index for i in items]),
        "first_threat_index": _index([i.first_threat_index for i in items]),
        "start": start,
        "messages": counts,
    }
    return out


def save(arrays: Arrays, path: Path) -> None:
    # A file object: given a name, savez adds ".npz" to one without it. (numpy's stub types
    # the keyword arrays as if one could be its allow_pickle flag.)
    with path.open("wb") as out:
        np.savez_compressed(out, **arrays)  # type: ignore[arg-type]


def _index(values: list[int | None]) -> npt.NDArray[np.int64]:
    return np.array([-1 if v is None else v for v in values], dtype=np.int64)
