"""Facts from sentences: a number's measure from its clause, its population from the clause,
the sentence or the paragraph's topic, its entity from the sentence or, for "these
patients" and the like, the sentence before; "A vs B" and "…, respectively" read in order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.ingest.markers import find_citations
from citeqa.ingest.models import Document, Paragraph
from citeqa.ingest.sentences import sentence_spans
from citeqa.qa.arms import value_arms
from citeqa.qa.facts import Fact, Kind, Status
from citeqa.qa.lexicon import Lexicon
from citeqa.qa.numbers import NumberMention, find_numbers
from citeqa.qa.vocabulary import MeasureRole, Vocabulary

_CLAUSE = re.compile(r"[,;:()\[\]]|\band\b|\bwith\b|\bwhile\b|\bwhereas\b")
_VERSUS = re.compile(r"\bvs\.?|\bversus\b|\bas opposed to\b|\bcompared with\b|\bcompared to\b", re.IGNORECASE)


@dataclass
class _Sentence:
    start: int
    end: int
    text: str
    lead: str = ""  # text of a sentence split by a page break or a table, that this one continues


_PART_OF_COUNT = re.compile(r"\s*(?:[a-z-]+\s*)?\(\s*(?:[^()\d=]{1,30}[,;:]\s*)?n\s?=\s?", re.IGNORECASE)
"""Between a count and an ``n =`` in brackets after it, which is then a part of that count: "19 (n=15",
"fifteen participants (men, n = 12"."""


def _text_paragraphs(doc: Document, vocab: Vocabulary) -> list[Paragraph]:
    return [p for p in doc.paragraphs
            if p.kind in {"paragraph", "list_item"} and not vocab.skip_sections.search(p.section or "")]


def _sentences(doc: Document, vocab: Vocabulary) -> list[list[_Sentence]]:
    """Sentences grouped by paragraph; a paragraph continued after a page break or table joins the one it continues."""
    paragraphs: list[list[_Sentence]] = []
    for para in _text_paragraphs(doc, vocab):
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


_CLAUSE_MEMO: dict[str, list[tuple[int, int]]] = {}


def _clauses(text: str) -> list[tuple[int, int]]:
    """The clauses of a sentence as offsets (split at punctuation and conjunctions); read once per text."""
    found = _CLAUSE_MEMO.get(text)
    if found is None:
        if len(_CLAUSE_MEMO) > 20000:
            _CLAUSE_MEMO.clear()
        bounds = [0] + [m.start() for m in _CLAUSE.finditer(text)] + [len(text)]
        found = _CLAUSE_MEMO[text] = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    return found


def _clause_of(clauses: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for a, b in clauses:
        if a <= pos < b:
            return a, b
    return clauses[-1]


def _assign_measures(text: str, mentions: list[NumberMention], vocab: Vocabulary) -> list[str | None]:
    """The measure each figure states: named in its clause (before it, else after it), else the last one named
    before it; "A, B and C were x, y and z, respectively" read in order. A figure whose unit the measure
    cannot have (a bare "3 of 4" beside a rate) states none."""
    count = vocab.count_measure
    measures = vocab.find_measures(text)
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
        units = vocab.measure_by_key[key].units if key else ()
        if key and m.unit and m.unit not in units:
            out[i] = None
        elif key and m.unit is None and units and "" not in units and "count" not in units:
            out[i] = None  # "55% in 3 of 4 cohorts": the 3 is no rate
        if key and m.explicit_n:
            out[i] = count
    for i, m in enumerate(mentions):
        if m.unit == "count" and out[i] in (None, count):
            out[i] = count
        elif out[i] == count:
            out[i] = None
    return out


def _outcomes(text: str, mentions: list[NumberMention], measures: list[str | None], vocab: Vocabulary) -> list[str | None]:
    """For an effect size or a p-value, the outcome it is about: the last other measure named before it in
    the sentence, else the first after it in its clause ("mortality … (hazard ratio, 0.82)", "the KCCQ score
    improved by a mean difference of 2.8")."""
    named = [m for m in vocab.find_measures(text) if vocab.role(m[0]) not in (MeasureRole.effect, MeasureRole.p_value)]
    clauses = _clauses(text)
    out: list[str | None] = []
    for m, key in zip(mentions, measures):
        if vocab.role(key) not in (MeasureRole.effect, MeasureRole.p_value) and m.unit != "p":
            out.append(None)
            continue
        before = [x for x in named if x[2] <= m.start]
        _, b = _clause_of(clauses, m.start)
        after = [x for x in named if m.end <= x[1] < b]
        out.append(before[-1][0] if before else after[0][0] if after else None)
    return out


def _populations(text: str, mentions: list[NumberMention], inherited: set[str],
                 vocab: Vocabulary) -> list[tuple[set[str], bool]]:
    """Population of each mention and whether it is the comparator of a "vs" pair."""
    pops = vocab.populations_in(text)
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
            if not distinct or distinct[-1][0] != p:
                distinct.append((p, pos))
        implied = {x for p, _ in distinct for x in vocab.implies.get(p, ())}
        primary = [p for p, _ in distinct if p not in implied or len(distinct) == 1]
        after_b = {p for p, pos in pops if pos >= b.end}
        if len(primary) >= 2:
            out[i] = ({primary[0]} | vocab.implies.get(primary[0], set()), False)
            out[i + 1] = ({primary[1]} | vocab.implies.get(primary[1], set()), True)
        elif after_b:
            out[i] = (out[i][0] - after_b or set(inherited), False)
            out[i + 1] = (after_b, True)
        else:
            out[i + 1] = (set(sorted(vocab.comparators)[:1]), True)
    return out


def sentence_facts(doc: Document, lexicon: Lexicon) -> list[Fact]:
    """Every figure of the running text of ``doc`` and every sentence as a whole, as facts."""
    facts: list[Fact] = []
    for paragraph in _sentences(doc, lexicon.domain):
        first = len(facts)
        _paragraph_facts(doc, lexicon, paragraph, facts)
        # A citation closing a paragraph covers the uncited sentences before it.
        cited = [(s.start, sorted({n for c in find_citations(doc.text, s.start, s.end) for n in c.numbers})) for s in paragraph]
        for fact in facts[first:]:
            if not fact.references:
                fact.references = next((refs for start, refs in cited if start > fact.quote_start and refs), [])
    return facts


def _paragraph_facts(doc: Document, lexicon: Lexicon, paragraph: list[_Sentence], facts: list[Fact]) -> None:
    vocab = lexicon.domain
    topic = vocab.populations_in(paragraph[0].lead + " " + paragraph[0].text) if paragraph else []
    standalone = vocab.comparators | vocab.whole | set(vocab.negations)  # populations that are no paragraph's topic
    topic_pops = {p for p, _ in topic} - standalone
    subject: set[str] = set()
    subject_refs: list[int] = []
    subject_pops: set[str] = set()
    previous_own: set[str] = set()
    for sent in paragraph:
        lead = sent.lead + " " if sent.lead else ""
        analysed = lead + sent.text
        shift = len(lead)
        entities = lexicon.entities_in(analysed, doc.doc_id)
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
        found = vocab.populations_in(analysed)
        sentence_pops = {p for p, _ in found}
        inherited = subject_pops if vocab.anaphora.search(analysed) or not own else set()
        if found:
            subject_pops = {found[0][0]} | vocab.implies.get(found[0][0], set())
        mentions = [m for m in find_numbers(analysed, vocab) if m.start >= shift]
        measures = _assign_measures(analysed, mentions, vocab)
        outcomes = _outcomes(analysed, mentions, measures, vocab)
        populations = _populations(analysed, mentions, inherited, vocab)
        keywords = vocab.stems(analysed)
        clauses = _clauses(analysed)
        time_point = vocab.landmark(analysed)
        common = dict(
            kind=Kind.sentence, doc_id=doc.doc_id, entities=frozenset(entities), named=frozenset(own),
            entity_label=next((lexicon.display.get(e, e) for e in sorted(own or subject)), ""),
            quote_start=sent.start, quote_end=sent.end, references=refs, section=_section(doc, sent.start),
            keywords=keywords, explicit=bool(own),
        )
        to_doc = sent.start - shift
        arms = value_arms(analysed, mentions, lexicon, doc.doc_id)
        for i, (m, measure, outcome, (pops, comparator)) in enumerate(zip(mentions, measures, outcomes, populations)):
            a, b = _clause_of(clauses, m.start)
            # "19 (n=15 DLBCL) patients", "fifteen participants (men, n = 12)": a part of the count before it
            before = mentions[i - 1] if i > 0 else None
            subset = m.explicit_n and before is not None and (m.value or 0) < (before.value or 0) and bool(
                _PART_OF_COUNT.fullmatch(analysed[before.end : m.start]))
            if not comparator and not (standalone & pops):
                pops = pops | topic_pops
            facts.append(Fact(
                status=Status.value, value=m.value, unit=m.unit, low=m.low, high=m.high,
                text=analysed[m.start : m.end], measure=measure, populations=frozenset(pops), landmark=time_point,
                value_start=to_doc + m.start, value_end=to_doc + m.end,
                clause_keywords=vocab.stems(analysed[max(0, a - 30) : b + 30]), comparator=comparator, subset=subset,
                ci_low=m.ci_low, ci_high=m.ci_high, of=m.of, operator=m.operator, about=outcome,
                clause=(max(sent.start, to_doc + a), min(sent.end, to_doc + b)), **_arm_of(arms[i], common, lexicon),
            ))
        facts.append(Fact(
            status=Status.sentence, value=None, unit=None, low=None, high=None, text=sent.text, measure=None,
            populations=frozenset(sentence_pops or inherited), value_start=sent.start, value_end=sent.end,
            clause_keywords=keywords, **common,
        ))
        for match in vocab.not_reached_in_text.finditer(analysed):
            a, _ = _clause_of(clauses, match.start())
            before = vocab.find_measures(analysed[a : match.start()])
            if match.start() < shift or not before:
                continue
            facts.append(Fact(
                status=Status.not_reached, value=None, unit=None, low=None, high=None, text=match.group(),
                measure=before[-1][0], populations=frozenset(sentence_pops and subject_pops or inherited),
                value_start=to_doc + match.start(), value_end=to_doc + match.end(),
                clause_keywords=vocab.stems(analysed[a : match.end()]), **common,
            ))


def _arm_of(arm: frozenset[str] | None, common: dict, lexicon: Lexicon) -> dict:
    """The sentence's common fact fields, with the entities of the figure's own arm when the sentence says
    which arm it belongs to (:func:`citeqa.qa.arms.value_arms`)."""
    if arm is None:
        return common
    label = next((lexicon.display.get(e, e) for e in sorted(arm)), "")
    return {**common, "entities": arm, "named": arm, "entity_label": label}


def _section(doc: Document, pos: int) -> str | None:
    for section in doc.sections:
        if section.start <= pos < section.end:
            return section.title
    return None
