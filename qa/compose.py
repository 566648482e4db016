"""Turn a decision into an Answer: one readable sentence, verbatim quotes, references."""

from __future__ import annotations

import re
from collections import Counter

from citeqa.ingest.models import Chunk, Document, Reference
from citeqa.qa.answer import Answer, AnswerCitation, CellRef, CitedReference, Value
from citeqa.qa.answering import Decision, same_value
from citeqa.qa.facts import Fact
from citeqa.qa.lexicon import Lexicon, word_tokens
from citeqa.qa.numbers import format_number
from citeqa.qa.question import Question
from citeqa.qa.vocabulary import LANDMARK, MEASURE_BY_KEY

_UNIT_WORDS = {"%": "%", "months": " months", "years": " years", "days": " days", "weeks": " weeks", "cm": " cm",
               "mm": " mm", "count": " patients", "years-old": " years old", "cycles": " cycles"}
_POPULATION_WORDS = {"post_cart": "after CAR T-cell therapy", "refractory": "refractory to CAR T-cell therapy",
                     "relapsed": "relapsed after CAR T-cell therapy", "control": "control arm",
                     "localized": "localized disease", "without_cart": "without prior CAR T-cell therapy"}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class ChunkLocator:
    """Finds the chunk that holds a span of a document."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.rows: dict[tuple[str, str, int], Chunk] = {}
        self.text: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            if chunk.kind == "table_row" and chunk.table is not None and chunk.row is not None:
                self.rows[(chunk.doc_id, chunk.table, chunk.row)] = chunk
            else:
                self.text.setdefault(chunk.doc_id, []).append(chunk)

    def for_fact(self, fact: Fact) -> Chunk | None:
        if fact.table is not None and fact.row is not None:
            return self.rows.get((fact.doc_id, fact.table.label, fact.table.rows.index(fact.row)))
        return self.at(fact.doc_id, fact.value_start)

    def at(self, doc_id: str, offset: int) -> Chunk | None:
        best = None
        for chunk in self.text.get(doc_id, []):
            spans = getattr(chunk, "spans", None) or [[chunk.start, chunk.end]]
            if any(s <= offset < e for s, e in spans) and (best is None or chunk.kind == "text"):
                best = chunk
        return best


def cited_references(doc: Document, numbers: list[int]) -> list[CitedReference]:
    """The reference entries behind ``numbers``, verbatim."""
    out = []
    for n in numbers:
        ref = doc.reference(n)
        if ref is not None:
            out.append(CitedReference(n, doc.text[ref.start : ref.end].strip() or ref.text))
    return out


def citation_for(fact: Fact, doc: Document, locator: ChunkLocator) -> AnswerCitation:
    """A verbatim citation of the sentence or table row that states ``fact``."""
    chunk = locator.for_fact(fact)
    cell = None
    if fact.table is not None and fact.row is not None:
        cell = CellRef(fact.table.label, fact.table.title, fact.row.block, fact.row.label.value, fact.column or "",
                       doc.text[fact.value_start : fact.value_end], fact.value_start, fact.value_end)
    return AnswerCitation(
        passage_id=chunk.id if chunk else "", doc_id=fact.doc_id, section=fact.section,
        page=doc.page_at(fact.quote_start), quote=doc.text[fact.quote_start : fact.quote_end],
        start=fact.quote_start, end=fact.quote_end, references=cited_references(doc, fact.references), cell=cell,
    )


def value_of(fact: Fact) -> Value | None:
    if fact.status != "value":
        return None
    unit = {"count": "patients"}.get(fact.unit or "", fact.unit)
    return Value(fact.value, unit, fact.low, fact.high)


def value_text(fact: Fact) -> str:
    """The figure as a reader expects it ("34%", "9.7 months", "20%–40%", "not reached")."""
    if fact.status == "not_reached":
        return "not reached"
    if fact.status in {"text", "not_reported", "sentence"}:
        return fact.text
    unit = _UNIT_WORDS.get(fact.unit or "", "")
    if fact.low is not None and fact.high is not None:
        lo, hi = format_number(fact.low), format_number(fact.high)
        return f"{lo}%–{hi}%" if fact.unit == "%" else f"{lo}–{hi}{unit}"
    return f"{format_number(fact.value)}{unit}" if fact.value is not None else fact.text


def _where(fact: Fact) -> str:
    if fact.table is not None:
        block = f", {fact.row.block}" if fact.row is not None and fact.row.block else ""
        return f"{fact.table.label}{block}"
    return fact.section or "text"


def _subject(fact: Fact, q: Question, quote: str, lexicon: Lexicon | None) -> str:
    """The entity's name as the source writes it, or the section when the question names none."""
    if not q.entities:
        return fact.section or "The review"
    words: dict[frozenset[str], str] = {}
    for word in word_tokens(quote) if lexicon else []:
        shared = frozenset(lexicon.concepts(word) & q.entities)
        if shared and not any(shared <= seen for seen in words):
            words[shared] = word
    if words:
        return " ".join(words.values())
    names = [lexicon.display.get(e, e) for e in sorted(q.entities & fact.entities)] if lexicon else [fact.entity_label]
    names = [n for n in [*names, fact.entity_label] if n and not re.search(r"\d", n)]
    return names[0] if names else "The review"


def describe(fact: Fact, q: Question, quote: str = "", lexicon: Lexicon | None = None) -> str:
    """One clause naming what the figure is: entity, measure, population, source."""
    if fact.table is not None and fact.row is not None:
        if fact.entity_label == fact.column:
            what = re.sub(r"\s*(?:,\s*(?:%|mo|mos|months)|\((?:%|mos?|months)\))\s*$", "", fact.row.label.value)
            return f"{fact.column} — {what}"
        return f"{fact.row.label.value} — {fact.column}" if fact.column else fact.row.label.value.rstrip(" ,")
    if not fact.measure and not q.entities:
        return fact.section or "The review"
    measure = MEASURE_BY_KEY[fact.measure].label if fact.measure else "reported figure"
    written = LANDMARK.search(quote) if fact.landmark and fact.measure else None
    if written:
        measure = f"{written.group(0)} {measure}"  # as the source writes it ("One-year")
    population = ", ".join(_POPULATION_WORDS[p] for p in sorted(fact.populations) if p in _POPULATION_WORDS and not (p == "post_cart" and {"refractory", "relapsed"} & fact.populations))
    return f"{_subject(fact, q, quote, lexicon)} — {measure}" + (f" ({population})" if population else "")


def compose(q: Question, decision: Decision, documents: dict[str, Document], locator: ChunkLocator,
            lexicon: Lexicon | None = None) -> Answer:
    """Build the Answer for ``decision``."""
    facts = [s.fact for s in decision.facts]
    citations = [citation_for(f, documents[f.doc_id], locator) for f in facts]
    if decision.kind == "not_in_corpus":
        return _not_in_corpus(q, decision)
    best = facts[0]
    confidence = round(min(1.0, decision.best.score), 3) if decision.best else 0.0
    if decision.kind == "not_reported":
        text = f"Not reported: {_where(best)} gives “{best.text}” for {describe(best, q, citations[0].quote, lexicon)}."
        return Answer(q.text, _grounded(text, citations), None, True, "not reported", False, confidence, citations)
    if decision.kind == "conflict":
        parts = []
        for f in facts:
            if all(not (f is g) and not same_value(f, g) for g in facts[: facts.index(f)]) or f is best:
                parts.append(f"{value_text(f)} ({_where(f)})")
        text = f"Sources disagree — {describe(best, q, citations[0].quote, lexicon)}: " + " vs ".join(dict.fromkeys(parts)) + "."
        values = [v for v in (value_of(f) for f in facts) if v is not None]
        return Answer(q.text, _grounded(text, citations), value_of(best), False, None, True,
                      round(confidence * 0.7, 3), citations, values=values)
    if best.status == "sentence":
        text = f"{_where(best)} states: “{best.text}”"
    else:
        text = f"{describe(best, q, citations[0].quote, lexicon)}: {value_text(best)} ({_where(best)})."
    return Answer(q.text, _grounded(text, citations), value_of(best), False, None, False, confidence, citations)


def _not_in_corpus(q: Question, decision: Decision) -> Answer:
    if q.unknown and not q.entities:
        reason = f"not in the corpus: {', '.join(q.unknown)} is not mentioned in any indexed document"
    elif q.measure:
        reason = f"not in the corpus: no passage reports the {MEASURE_BY_KEY[q.measure].label} asked for"
    elif q.asks_text:
        reason = "not in the corpus: no passage answers this question"
    else:
        reason = "not in the corpus: no passage states a figure that answers this question"
    return Answer(q.text, f"Not in the corpus — {reason.split(': ', 1)[1]}.", None, True, reason, False,
                  round(1.0 - (decision.best.score if decision.best else 0.0), 3), [])


def _grounded(text: str, citations: list[AnswerCitation]) -> str:
    """Keep only the numbers that a quote supports (labels such as "Table 2" aside)."""
    quotes = " ".join(c.quote for c in citations)
    quoted = set(_NUMBER.findall(quotes))

    def keep(match: re.Match[str]) -> str:
        before = text[max(0, match.start() - 6) : match.start()]
        if re.search(r"Table\s$|Figure\s$", before) or match.group() in quoted:
            return match.group()
        return "?"

    return _NUMBER.sub(keep, text)


def reference_answer(q: Question, votes: Counter[tuple[str, int]], documents: dict[str, Document],
                     support: dict[tuple[str, int], Fact], locator: ChunkLocator) -> Answer:
    """Answer a question about the study behind an entity from its reference entry."""
    if not votes:
        reason = "not in the corpus: no cited study matches the question"
        return Answer(q.text, "Not in the corpus — no cited study matches the question.", None, True, reason, False, 0.5)
    (doc_id, number), _ = votes.most_common(1)[0]
    doc = documents[doc_id]
    ref: Reference | None = doc.reference(number)
    if ref is None:
        return Answer(q.text, "Not in the corpus — the cited reference is missing from the reference list.", None, True,
                      "not in the corpus: reference entry missing", False, 0.3)
    entry = doc.text[ref.start : ref.end]
    ref_citation = AnswerCitation(
        passage_id=(locator.at(doc_id, ref.start).id if locator.at(doc_id, ref.start) else ""), doc_id=doc_id,
        section="References", page=doc.page_at(ref.start), quote=entry, start=ref.start, end=ref.end,
        references=[CitedReference(number, entry.strip())],
    )
    citations = [ref_citation]
    if (doc_id, number) in support:
        citations.append(citation_for(support[(doc_id, number)], doc, locator))
    first = ref.authors[0] if ref.authors else "Unknown author"
    journal = ref.journal or "an unnamed journal"
    year = str(ref.year) if ref.year else ""
    value = Value(float(ref.year), "year") if q.reference_field == "year" and ref.year else None
    text = f"{first} et al., {journal} {year}: {ref.title or ref.text}".strip()
    return Answer(q.text, _grounded(text, citations), value, False, None, False, 0.9, citations)
