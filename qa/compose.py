"""Turn a decision into an Answer: one readable sentence, verbatim quotes, references.

Every figure an answer states must stand in one of its quotes: :func:`ungrounded` lists those
that do not, and the engine then picks another candidate or abstains (nothing is masked).
"""

from __future__ import annotations

import re
from collections import Counter

from citeqa.ingest.models import Chunk, Document, Reference
from citeqa.qa.answer import Answer, AnswerCitation, CellRef, CitedReference, Value
from citeqa.qa.answering import Decision, Outcome, same_value
from citeqa.qa.facts import Fact, Status
from citeqa.qa.lexicon import Lexicon, word_tokens
from citeqa.qa.numbers import BRACKET_MARKER, format_number
from citeqa.qa.passages import Unit
from citeqa.qa.question import Question
from citeqa.qa.vocabulary import Vocabulary

# A figure; digits inside names (CD19, ZUMA-7, NCT04637763) are not figures.
_FIGURE = re.compile(
    r"(?<![\w.])(?<![A-Za-z][-‐])[−-]?(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.\d+)?(?![A-Za-z])|(?<![\w\d])\.\d+")
_LABEL = re.compile(r"\b(?:Table|Figure|Fig\.?)\s$")
UNIT_NAMES = {"count": "patients"}


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


def _number_key(text: str) -> str:
    """A figure as digits ("1,077" → "1077", "−2.3" → "-2.3", ".03" → "0.03")."""
    key = text.replace(",", "").replace("−", "-")
    return "0" + key if key.startswith(".") else key.replace("-.", "-0.")


def figures(text: str) -> list[str]:
    """The figures stated in ``text`` (table and figure labels and bracketed citation markers aside), as
    :func:`_number_key` strings."""
    text = BRACKET_MARKER.sub(" ", text)
    return [_number_key(m.group()) for m in _FIGURE.finditer(text) if not _LABEL.search(text[max(0, m.start() - 7) : m.start()])]


def ungrounded(text: str, citations: list[AnswerCitation]) -> list[str]:
    """The figures of ``text`` that no cited quote states (empty: the answer is grounded). The names of the
    cited sections the answer shows ("(2. Methods)") are where a figure was found, not figures of it."""
    for section in {c.section for c in citations if c.section}:
        text = text.replace(section, " ")
    return ungrounded_text(text, " ".join(c.quote for c in citations))


def ungrounded_text(text: str, source: str) -> list[str]:
    """The figures of ``text`` that ``source`` does not state."""
    quoted = {f.lstrip("-") for f in figures(source)}
    return [f for f in figures(text) if f.lstrip("-") not in quoted]


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


def unit_citation(unit: Unit, doc: Document, chunk: Chunk) -> AnswerCitation:
    """A verbatim citation of a sentence (or table row, caption, reference entry)."""
    section = chunk.table if chunk.kind == "table_row" and chunk.table else unit.section
    return AnswerCitation(
        passage_id=chunk.id, doc_id=unit.doc_id, section=section, page=doc.page_at(unit.start),
        quote=doc.text[unit.start : unit.end], start=unit.start, end=unit.end,
        references=cited_references(doc, unit.references),
    )


def value_of(fact: Fact) -> Value | None:
    if fact.status is not Status.value:
        return None
    unit = UNIT_NAMES.get(fact.unit or "", fact.unit)
    return Value(fact.value, unit, fact.low, fact.high, fact.ci_low, fact.ci_high)


def value_text(fact: Fact, vocab: Vocabulary) -> str:
    """The figure as a reader expects it ("34%", "9.7 months", "20%–40%", "0.72 (95% CI 0.60–0.86)")."""
    if fact.status is Status.not_reached:
        return "not reached"
    if fact.status in {Status.text, Status.not_reported, Status.sentence}:
        return fact.text
    if fact.unit == "p" or fact.ci_low is not None or (fact.text and not any(c.isdigit() for c in fact.text)):
        return fact.text  # "p < 0.001", "0.74 (95% CI, 0.65 to 0.85)", "fifteen": as the source writes it
    unit = vocab.unit_display(fact.unit) if fact.unit not in (None, "year") else ""

    def fmt(x: float) -> str:
        return _literal(x, fact.text)

    if fact.low is not None and fact.high is not None:
        text = f"{fmt(fact.low)}%–{fmt(fact.high)}%" if fact.unit == "%" else f"{fmt(fact.low)}–{fmt(fact.high)}{unit}"
    elif fact.value is None:
        return fact.text
    else:
        text = f"{fmt(fact.value)}{unit}"
        if fact.of is not None:
            text = f"{fmt(fact.value)} of {fmt(fact.of)}{unit}"
    return text


def _literal(value: float, source: str) -> str:
    """``value`` as ``source`` writes it ("9.70", "1,077", "−2.3"), else formatted plainly."""
    for match in _FIGURE.finditer(source):
        try:
            if float(_number_key(match.group())) == value:
                return match.group()
        except ValueError:
            continue
    return format_number(value, source)


def where_written(fact: Fact) -> str:
    if fact.table is not None:
        block = f", {fact.row.block}" if fact.row is not None and fact.row.block else ""
        return f"{fact.table.label}{block}"
    return fact.section or "text"


def _own_subject(fact: Fact) -> str | None:
    """The one entity the figure's own sentence or row is about, as the source writes it, or None.
    Never a section heading ("Statistical analysis", "CLINICAL CASE"): a section says where, not what."""
    label = fact.entity_label
    if not label or re.search(r"\d", label) or label == fact.section or (fact.table is None and len(fact.entities) > 1):
        return None  # a sentence about several entities (a regimen's drugs) names none of them alone
    return label


def _subject(fact: Fact, q: Question, quote: str, lexicon: Lexicon) -> str | None:
    """The entity's name as the source writes it; without one in the question, the figure's own
    entity, or None."""
    if not q.entities:
        return _own_subject(fact)
    words: dict[frozenset[str], str] = {}
    for word in word_tokens(quote):
        shared = frozenset(lexicon.concepts(word) & q.entities)
        if shared and not any(shared <= seen for seen in words):
            words[shared] = word
    if words:
        return " ".join(words.values())
    names = [lexicon.display.get(e, e) for e in sorted(q.entities & fact.entities)]
    names = [n for n in [*names, fact.entity_label] if n and not re.search(r"\d", n)]
    return names[0] if names else "The source"


def describe(fact: Fact, q: Question, quote: str, lexicon: Lexicon) -> str:
    """One clause naming what the figure is: entity, measure, population, source."""
    vocab = lexicon.domain
    if fact.table is not None and fact.row is not None:
        if fact.entity_label == fact.column:
            what = re.sub(r"\s*(?:,\s*(?:%|mo|mos|months)|\((?:%|mos?|months)\))\s*$", "", fact.row.label.value)
            return f"{fact.column} — {what}"
        return f"{fact.row.label.value} — {fact.column}" if fact.column else fact.row.label.value.rstrip(" ,")
    if not fact.measure and not q.entities:
        return _own_subject(fact) or "Reported figure"
    measure = vocab.measure_by_key[fact.measure].label if fact.measure in vocab.measure_by_key else "reported figure"
    written = vocab.landmark_pattern.search(quote) if fact.landmark and fact.measure else None
    if written:
        measure = f"{written.group(0)} {measure}"  # as the source writes it ("One-year")
    shown = {p for p in fact.populations if p not in vocab.whole}
    shown -= {implied for p in shown for implied in vocab.implies.get(p, ())}
    population = ", ".join(vocab.population_label(p) for p in sorted(shown))
    subject = _subject(fact, q, quote, lexicon)
    head = f"{subject} — {measure}" if subject else measure[:1].upper() + measure[1:]
    return head + (f" ({population})" if population else "")


def compose(q: Question, decision: Decision, documents: dict[str, Document], locator: ChunkLocator,
            lexicon: Lexicon) -> Answer:
    """Build the Answer for a decision of step 2 (a value, a conflict, "not reported" or none)."""
    vocab = lexicon.domain
    facts = [s.fact for s in decision.facts]
    citations = [citation_for(f, documents[f.doc_id], locator) for f in facts]
    if decision.kind is Outcome.not_in_corpus:
        return not_in_corpus(q, decision.best.score if decision.best else 0.0, vocab)
    best = facts[0]
    confidence = round(min(1.0, decision.best.score), 3) if decision.best else 0.0
    if decision.kind is Outcome.not_reported:
        text = f"Not reported: {where_written(best)} gives “{best.text}” for {describe(best, q, citations[0].quote, lexicon)}."
        return Answer(q.text, text, None, True, "not reported", False, confidence, citations)
    if decision.kind is Outcome.conflict:
        parts = []
        for f in facts:
            if f is best or all(f is not g and not same_value(f, g) for g in facts[: facts.index(f)]):
                parts.append(f"{value_text(f, vocab)} ({where_written(f)})")
        text = (f"Sources disagree — {describe(best, q, citations[0].quote, lexicon)}: "
                + " vs ".join(dict.fromkeys(parts)) + ".")
        values = [v for v in (value_of(f) for f in facts) if v is not None]
        return Answer(q.text, text, value_of(best), False, None, True, round(confidence * 0.7, 3), citations,
                      values=values)
    if best.status is Status.sentence:
        text = f"{where_written(best)} states: “{best.text}”"
    else:
        text = f"{describe(best, q, citations[0].quote, lexicon)}: {value_text(best, vocab)} ({where_written(best)})."
    return Answer(q.text, text, value_of(best), False, None, False, confidence, citations)


def sentence_answer(q: Question, units: list[Unit], documents: dict[str, Document], chunks: list[Chunk],
                    confidence: float) -> Answer:
    """Answer with the best supporting sentence, citing it (and the next best ones given)."""
    first = units[0]
    doc = documents[first.doc_id]
    citations = [unit_citation(u, documents[u.doc_id], chunks[u.row]) for u in units]
    text = " ".join(doc.text[first.start : first.end].split())
    return Answer(q.text, text, None, False, None, False, round(min(1.0, confidence), 3), citations)


class Reason:
    """Why an answer abstains (the ``reason`` field)."""

    INSUFFICIENT = "insufficient information"
    NOT_REPORTED = "not reported"


def not_in_corpus(q: Question, best_score: float, vocab: Vocabulary, why: str | None = None) -> Answer:
    """An abstention saying why the corpus does not answer ``q``."""
    if why:
        reason = f"not in the corpus: {why}"
    elif q.unknown and not q.entities:
        reason = f"not in the corpus: {', '.join(q.unknown)} is not mentioned in any indexed document"
    elif q.measure and q.measure in vocab.measure_by_key:
        reason = f"not in the corpus: no passage reports the {vocab.measure_by_key[q.measure].label} asked for"
    elif not q.asks_quantity:
        reason = "not in the corpus: no passage answers this question"
    else:
        reason = "not in the corpus: no passage states a figure that answers this question"
    return Answer(q.text, f"Not in the corpus — {reason.split(': ', 1)[1]}.", None, True, reason, False,
                  round(1.0 - min(1.0, best_score), 3), [])


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
    chunk = locator.at(doc_id, ref.start)
    ref_citation = AnswerCitation(
        passage_id=chunk.id if chunk else "", doc_id=doc_id, section="References", page=doc.page_at(ref.start),
        quote=entry, start=ref.start, end=ref.end, references=[CitedReference(number, entry.strip())],
    )
    citations = [ref_citation]
    if (doc_id, number) in support:
        citations.append(citation_for(support[(doc_id, number)], doc, locator))
    first = ref.authors[0] if ref.authors else "Unknown author"
    journal = ref.journal or "an unnamed journal"
    year = str(ref.year) if ref.year else ""
    value = Value(float(ref.year), "year") if q.reference_field == "year" and ref.year else None
    text = f"{first} et al., {journal} {year}: {ref.title or ref.text}".strip()
    return Answer(q.text, text, value, False, None, False, 0.9, citations)
