"""Which arm a figure belongs to, when one sentence reports several arms.

"Motor recovery took 177 min in the bupivacaine group as compared to 236 and 234 min in the
buprenorphine and dexmedetomidine groups, respectively" gives every figure the three drugs; a
question about buprenorphine must read 236, not the first figure. The sentence's own structure
decides, in this order:

1. "…, respectively": the figures of one unit, in order, go to the arms named in order, when
   there are as many of each.
2. A label in brackets right after the figure: "236 ± 60 min (Group B)".
3. An arm named right before the figure: "buprenorphine group (236 min)", "the IS strategy group (66%)",
   "buprenorphine: 236 min".
4. An arm named right after the figure: "177 min in the bupivacaine group".

A figure none of these settles keeps every entity of its sentence. Arm labels ("Group B", or an
abbreviated arm such as "IS" for "insulin-sensitizing (IS) versus insulin-providing (IP)") count
through :attr:`citeqa.qa.lexicon.Lexicon.arm_labels`, in their own document only; "groups C, B,
and D" names three labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.qa.lexicon import WORD, Lexicon, label_pattern
from citeqa.qa.numbers import NumberMention

_LABEL_LIST = re.compile(
    r"\b(?P<word>group|arm|cohort)s?\s+(?P<first>(?-i:[A-Z0-9]{1,2}))\b"
    r"(?P<rest>(?:\s*(?:,|,?\s*and|&|or)\s*(?-i:[A-Z0-9]{1,2})\b)*)", re.IGNORECASE)
_LABEL_ITEM = re.compile(r"(?-i:[A-Z0-9]{1,2})\b")
_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
_BRACKETED_AFTER = re.compile(r"^[^()\d]{0,12}(?:±\s?[\d.]+[^()\d]{0,12})?\(\s*$")
_JUST_BEFORE = re.compile(r"^\s*(?:(?:[a-z]+\s+)?(?:groups?|arms?|cohorts?))?\s*[(:=,]?\s*(?:n\s?=\s?\d+\s?[,;:]\s*)?$",
                          re.IGNORECASE)
_JUST_AFTER = re.compile(r"^[^()\d]{0,15}?\b(?:in|with|for|among|on|receiving|given)\s+(?:the\s+)?$", re.IGNORECASE)
NEAR = 40
"""Characters an arm's name may stand from the figure it labels (rules 3 and 4): a few words, chosen by
reading trial reports' results sentences; farther, the name belongs to another clause."""


@dataclass(frozen=True)
class ArmMention:
    """Where a sentence names an arm, and the entities it stands for."""

    start: int
    end: int
    entities: frozenset[str]


def arm_mentions(text: str, lexicon: Lexicon, doc_id: str) -> list[ArmMention]:
    """The arms ``text`` names, in order: entity names, control arms (the pack's ``control_arm``) and the
    document's arm labels."""
    found = [ArmMention(m.start(), m.end(), frozenset(c)) for m in WORD.finditer(text) if (c := lexicon.concepts(m.group()))]
    found += [ArmMention(m.start(), m.end(), frozenset()) for m in lexicon.domain.control_arm.finditer(text)]
    labels = lexicon.arm_labels.get(doc_id, {})
    for label, entities in labels.items():
        if label != label.lower():  # an abbreviated arm ("IS"), written as defined
            found += [ArmMention(m.start(), m.end(), frozenset(entities)) for m in label_pattern(label).finditer(text)]
    if labels:
        for match in _LABEL_LIST.finditer(text):
            word = match.group("word").lower()
            items = [(match.start("first"), match.group("first"))]
            offset = match.start("rest")
            items += [(offset + m.start(), m.group()) for m in _LABEL_ITEM.finditer(match.group("rest"))]
            for pos, item in items:
                entities = labels.get(f"{word} {item.lower()}")
                if entities is not None:  # a control arm's label stands for no entity, but is an arm all the same
                    first = pos == match.start("first")
                    found.append(ArmMention(match.start() if first else pos, pos + len(item), frozenset(entities)))
    return sorted(found, key=lambda a: a.start)


def value_arms(text: str, mentions: list[NumberMention], lexicon: Lexicon, doc_id: str) -> list[frozenset[str] | None]:
    """For each figure of ``text``, the entities of the arm it belongs to, or None when the sentence does not say."""
    arms = arm_mentions(text, lexicon, doc_id)
    if len({a.entities for a in arms}) < 2:
        return [None] * len(mentions)  # one arm or none: nothing to tell apart
    out: list[frozenset[str] | None] = [None] * len(mentions)
    if _RESPECTIVELY.search(text):
        _in_order(mentions, arms, out)
    starts = [m.start for m in mentions]
    for i, m in enumerate(mentions):
        if out[i] is None:
            out[i] = _adjacent(text, m, i, starts, arms)
    return out


def _in_order(mentions: list[NumberMention], arms: list[ArmMention], out: list[frozenset[str] | None]) -> None:
    """Rule 1: the figures of each unit, in order, to the distinct arms named, in order, when the counts agree."""
    named = list(dict.fromkeys(a.entities for a in arms))
    by_unit: dict[str | None, list[int]] = {}
    for i, m in enumerate(mentions):
        by_unit.setdefault(m.unit, []).append(i)
    for indices in by_unit.values():
        if len(indices) == len(named):
            for i, entities in zip(indices, named, strict=True):
                out[i] = entities


def _adjacent(text: str, m: NumberMention, i: int, starts: list[int], arms: list[ArmMention]) -> frozenset[str] | None:
    """Rules 2–4: an arm named in brackets right after the figure, right before it, or right after it."""
    following = starts[i + 1] if i + 1 < len(starts) else len(text)
    after = [a for a in arms if m.end <= a.start < min(following, m.end + NEAR)]
    if after and _BRACKETED_AFTER.match(text[m.end : after[0].start]):
        return after[0].entities
    before = [a for a in arms if a.end <= m.start and m.start - a.end <= NEAR]
    if before and _JUST_BEFORE.match(text[before[-1].end : m.start]):
        return before[-1].entities
    if after and _JUST_AFTER.match(text[m.end : after[0].start]):
        return after[0].entities
    return None
