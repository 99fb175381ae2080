"""Ages read from text: how often the engine reads a participant's age from what they write,
and whether it reads the writer's minors as minors, with the platform's ages withheld.

Each labelled conversation is streamed through the shipped bundle with ages withheld; its
state then holds each participant's stated age (`Participant.stated_age`), which is set
against the age the writer gave them. Offenders who pose as teenagers state young ages on
purpose, so adults read as minors are what they wrote, not an error of the reader.

  grep -v '^#' data/conversations/never-seen-use.txt | xargs python bench/conversation_ages.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe
from safeguarding.conversation.analyzer import ConversationAnalyzer
from safeguarding.conversation.labelled import read_labelled
from safeguarding.conversation.loader import load_detector


def main(files: list[Path]) -> None:
    analyzer = ConversationAnalyzer(load_detector())
    counts: Counter[str] = Counter()
    for path in files:
        given = read_labelled(path, with_ages=True)
        withheld = read_labelled(path)
        for bare, aged in zip(withheld, given, strict=True):
            state = analyzer.new_state(bare.conversation.id)
            analyzer.observe(state, bare.conversation.messages)
            for pid, info in aged.conversation.participants.items():
                true = info.get("age")
                participant = state.participants.get(pid)
                if not isinstance(true, int) or participant is None:
                    continue
                group = "minor" if true < 18 else "adult"
                counts[group] += 1
                read = participant.stated_age
                if read is not None:
                    counts[f"{group} read"] += 1
                    counts[f"{group} read under 18"] += read < 18
                    counts[f"{group} read exactly"] += read == true
    print(describe(["numpy"]))
    print(f"{len(files)} file(s); model: {analyzer.detector.model_name or 'none'}; ages withheld")
    for group in ("minor", "adult"):
        print(
            f"{group}s: {counts[group]}, an age read for {counts[f'{group} read']}, "
            f"{counts[f'{group} read under 18']} of them under 18, "
            f"{counts[f'{group} read exactly']} exactly"
        )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python bench/conversation_ages.py LABELLED.jsonl...")
    main([Path(a) for a in sys.argv[1:]])
