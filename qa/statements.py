"""Facts from sentences: a number's measure from its clause, its population from the clause,
the sentence or the paragraph's topic, its entity from the sentence or, for "these
patients" and the like, the sentence before; "A vs B" and "…, respectively" read in order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.ingest.markers import find_citations
from citeqa.ingest.models import Document, Paragraph
from citeqa.ingest.sentences import sentence_spans
from citeqa.qa.facts import Fact, find_measures, populations_in, stems
from citeqa.qa.lexicon import Lexicon
from citeqa.qa.numbers import NumberMention, find_numbers
from citeqa.qa.vocabulary import ANAPHORA, IMPLIES, MEASURE_BY_KEY, landmark

_CLAUSE = re.compile(r"[,;:()\[\]]|\band\b|\bwith\b|\bwhile\b|\bwhereas\b")
_VERSUS = re.compile(r"\bvs\.?|\bversus\b|\bas opposed to\b|\bcompared with\b|\bcompared to\b", re.IGNORECASE)
_NOT_REACHED_TEXT = re.compile(r"\bnot (?:yet )?reached\b", re.IGNORECASE)
_SKIP_SECTIONS = re.compile(r"references|conflict|disclosure|correspondence|off-label|acknowledg|funding|authorship", re.IGNORECASE)



@dataclass
class _Sentence:
    start: int
    end: int
    text: str
    lead: str = ""  # text of a sentence split by a page break or a table, that this one continues


def _text_paragraphs(doc: Document) -> list[Paragraph]:
    return [p for p in doc.paragraphs if p.kind in {"paragraph", "list_item"} and not _SKIP_SECTIONS.search(p.section or "")]


def _sentences(doc: Document) -> list[list[_Sentence]]:
    """Sentences grouped by paragraph; a paragraph continued after a page break or table joins the one it continues."""
    paragraphs: list[list[_Sentence]] = []
    for para in _text_paragraphs(doc):
        sents = [_Sentence(s, e, doc.text[s:e]) for s, e in sentence_spans(doc.text, para.start, para.end)]
        if not sents:
            continue
        prev = paragraphs[-1] if paragraphs else None
        if prev and sents[0].text[:1].islower() and not re.search(r"[.?!:][\"')\]]*\W*$", prev[-1].text):
            sents[0].lead = prev[-1].text
            prev.extend(sents)
        else:
            paragraphs.append(sents)
    return paragraphs


def _clauses(text: str) -> list[tuple[int, int]]:
    bounds = [0] + [m.start() for m in _CLAUSE.finditer(text)] + [len(text)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _clause_of(clauses: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for a, b in clauses:
        if a <= pos < b:
            return a, b
    return clauses[-1]


def _assign_measures(text: str, mentions: list[NumberMention]) -> list[str | None]:
    measures = find_measures(text)
    clauses = _clauses(text)
    out: list[str | None] = [None] * len(mentions)
    resp = re.search(r"\brespectively\b", text, re.IGNORECASE)
    if resp:
        listed = [i for i, m in enumerate(mentions) if m.start < resp.start()]
        before = [m for m in measures if mentions and listed and m[2] <= mentions[listed[0]].start]
        if len(listed) >= 2 and len(before) >= len(listed):
            for i, (key, _, _) in zip(listed, before[-len(listed) :]):
                out[i] = key
    for i, m in enumerate(mentions):
        if out[i]:
            continue
        a, b = _clause_of(clauses, m.start)
        inside = [x for x in measures if a <= x[1] < b]
        prior = [x for x in inside if x[1] < m.start]
        after = [x for x in inside if x[1] >= m.end]
        if prior:
            out[i] = prior[-1][0]
        elif after:
            out[i] = after[0][0]
        else:
            earlier = [x for x in measures if x[2] <= m.start]
            if earlier and not any(earlier[-1][2] <= o.start < m.start and out[j] != earlier[-1][0] and o.unit != m.unit
                                   for j, o in enumerate(mentions[:i])):
                out[i] = earlier[-1][0]
        key = out[i]
        if key and m.unit and m.unit not in MEASURE_BY_KEY[key].units:
            out[i] = None
        if key and m.explicit_n:
            out[i] = "n"
    for i, m in enumerate(mentions):
        if m.unit == "count" and out[i] in (None, "n"):
            out[i] = "n"
        elif out[i] == "n":
            out[i] = None
    return out


def _populations(text: str, mentions: list[NumberMention], inherited: set[str]) -> list[tuple[set[str], bool]]:
    """Population of each mention and whether it is the comparator of a "vs" pair."""
    pops = populations_in(text)
    clauses = _clauses(text)
    out: list[tuple[set[str], bool]] = []
    for i, m in enumerate(mentions):
        a, b = _clause_of(clauses, m.start)
        own = {p for p, pos in pops if a <= pos < b}
        if not own:
            own = {p for p, pos in pops if pos < m.start}
        if not own:
            nxt = next((o.start for o in mentions[i + 1 :] if not re.fullmatch(r"\s*\(", text[m.end : o.start])), len(text))
            limit = _clause_of(clauses, nxt)[0] if nxt < len(text) else len(text)
            own = {p for p, pos in pops if m.end <= pos < max(limit, m.end)}
        if not own:
            own = set(inherited)
        out.append((own, False))
    # "A vs B": B belongs to the population named after it, or to the comparator.
    for i in range(len(mentions) - 1):
        a, b = mentions[i], mentions[i + 1]
        if not _VERSUS.search(text[a.end : b.start]) or len(text[a.end : b.start]) > 40:
            continue
        distinct = []
        for p, pos in pops:
            if p not in IMPLIES.get(p, set()) and (not distinct or distinct[-1][0] != p):
                distinct.append((p, pos))
        primary = [p for p, _ in distinct if p not in {"post_cart"} or len(distinct) == 1]
        after_b = {p for p, pos in pops if pos >= b.end}
        if len(primary) >= 2:
            out[i] = ({primary[0]} | IMPLIES.get(primary[0], set()), False)
            out[i + 1] = ({primary[1]} | IMPLIES.get(primary[1], set()), True)
        elif after_b:
            out[i] = (out[i][0] - after_b or set(inherited), False)
            out[i + 1] = (after_b, True)
        else:
            out[i + 1] = ({"control"}, True)
    return out


def sentence_facts(doc: Document, lexicon: Lexicon) -> list[Fact]:
    facts: list[Fact] = []
    for paragraph in _sentences(doc):
        first = len(facts)
        _paragraph_facts(doc, lexicon, paragraph, facts)
        # A citation closing a paragraph covers the uncited sentences before it.
        cited = [(s.start, sorted({n for c in find_citations(doc.text, s.start, s.end) for n in c.numbers})) for s in paragraph]
        for fact in facts[first:]:
            if not fact.references:
                fact.references = next((refs for start, refs in cited if start > fact.quote_start and refs), [])
    return facts


def _paragraph_facts(doc: Document, lexicon: Lexicon, paragraph: list[_Sentence], facts: list[Fact]) -> None:
    topic = populations_in(paragraph[0].lead + " " + paragraph[0].text) if paragraph else []
    topic_pops = {p for p, _ in topic}
    subject: set[str] = set()
    subject_refs: list[int] = []
    subject_pops: set[str] = set()
    previous_own: set[str] = set()
    for sent in paragraph:
        lead = sent.lead + " " if sent.lead else ""
        analysed = lead + sent.text
        shift = len(lead)
        entities = lexicon.entities_in(analysed)
        refs = sorted({n for c in find_citations(doc.text, sent.start, sent.end) for n in c.numbers})
        own = entities
        if entities:
            subject, subject_refs = entities, refs or subject_refs
            # The sentence before often names the rest of a regimen ("... with R-bendamustine").
            entities = entities | previous_own
        else:
            entities = subject
            refs = refs or subject_refs
        previous_own = own
        found = populations_in(analysed)
        sentence_pops = {p for p, _ in found}
        inherited = subject_pops if ANAPHORA.search(analysed) or not own else set()
        if found:
            subject_pops = {found[0][0]} | IMPLIES.get(found[0][0], set())
        mentions = [m for m in find_numbers(analysed) if m.start >= shift]
        measures = _assign_measures(analysed, mentions)
        populations = _populations(analysed, mentions, inherited)
        keywords = stems(analysed)
        clauses = _clauses(analysed)
        time_point = landmark(analysed)
        common = dict(
            kind="sentence", doc_id=doc.doc_id, entities=frozenset(entities), named=frozenset(own),
            entity_label=next((lexicon.display.get(e, e) for e in sorted(own or subject)), ""),
            quote_start=sent.start, quote_end=sent.end, references=refs, section=_section(doc, sent.start),
            keywords=keywords, explicit=bool(own),
        )
        for i, (m, measure, (pops, comparator)) in enumerate(zip(mentions, measures, populations)):
            a, b = _clause_of(clauses, m.start)
            if m.explicit_n and i and re.fullmatch(r"\s*\(\s*n\s?=\s?", analysed[mentions[i - 1].end : m.start], re.IGNORECASE):
                pops = pops | {"subset"}  # "19 (n=15 DLBCL) patients": a part of the count before it
            if not comparator and not ({"control", "without_cart", "overall"} & pops):
                pops = pops | topic_pops
            facts.append(Fact(
                status="value", value=None if m.is_range else m.value, unit=m.unit, low=m.low, high=m.high,
                text=analysed[m.start : m.end], measure=measure, populations=frozenset(pops), landmark=time_point,
                value_start=sent.start + m.start - shift, value_end=sent.start + m.end - shift,
                clause_keywords=stems(analysed[max(0, a - 30) : b + 30]), comparator=comparator, **common,
            ))
        facts.append(Fact(
            status="sentence", value=None, unit=None, low=None, high=None, text=sent.text, measure="sentence",
            populations=frozenset(sentence_pops or inherited), value_start=sent.start, value_end=sent.end,
            clause_keywords=keywords, **common,
        ))
        for match in _NOT_REACHED_TEXT.finditer(analysed):
            a, _ = _clause_of(clauses, match.start())
            before = find_measures(analysed[a : match.start()])
            if match.start() < shift or not before:
                continue
            facts.append(Fact(
                status="not_reached", value=None, unit=None, low=None, high=None, text=match.group(),
                measure=before[-1][0], populations=frozenset(sentence_pops and subject_pops or inherited),
                value_start=sent.start + match.start() - shift, value_end=sent.start + match.end() - shift,
                clause_keywords=stems(analysed[a : match.end()]), **common,
            ))

def _section(doc: Document, pos: int) -> str | None:
    for section in doc.sections:
        if section.start <= pos < section.end:
            return section.title
    return None
