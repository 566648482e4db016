"""The corpus's own vocabulary of entities: drugs, regimens, trials, and their aliases.

Built from the documents at load time, never written by hand: names come from table
headers and row labels, drug-like words and trial-like names in the text;
aliases from abbreviation definitions ("loncastuximab (lonca)") and glossary
footnotes ("tafa+len, tafasitamab plus lenalidomide"); spelling variants are words
of the corpus that are near-identical (Odronektamab / Odronebamab).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from citeqa.ingest.markers import strip_markers
from citeqa.ingest.models import Document
from citeqa.qa.vocabulary import MEASURES

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9]*(?:[-+'][A-Za-z0-9]+)*")
DRUG = re.compile(
    r"^[a-z]{4,}(?:mab|cel|leucel|tinib|nib|lisib|mide|zomib|clax|xor|stat|parib|vedotin|tesirine|mustine|platin|rubicin|cristine|nisone|phamide|side|abine|trexate|ecan|limus|sertib|tansine|xan)$"
)
_TRIAL = re.compile(r"^(?!CD\d|IL-?\d|Ig[A-Z])(?=(?:.*[A-Z]){2})[A-Z0-9]+(?:-[A-Z0-9]+)*(?:-[A-Za-z]\w*)?$")
_GLOSSARY_ITEM = re.compile(r"^\s*([^,;]{1,15}),\s+([^;]{2,80}?)\s*\.?\s*$")
_DEFINITION = re.compile(r"\(([A-Za-z][A-Za-z0-9+\-/]{1,14})\)|\[([A-Za-z][A-Za-z0-9+\-/]{1,14})\]")

# Acronyms of the field that name measures, diseases or targets, not entities.
_GENERIC = {
    "car", "cart", "dlbcl", "lbcl", "nhl", "orr", "pfs", "os", "dor", "efs", "nrm", "grfs", "fda", "us", "usa",
    "tcr", "ipi", "ldh", "pet", "ct", "rr", "cr", "pr", "gvhd", "hct", "cd", "ici", "icans", "crs", "mo", "mos",
    "nct", "et", "al", "dna", "rna", "phase", "cohort", "table", "figure", "trial", "study", "clinical", "case",
    "references", "conclusions", "correspondence", "learning", "objectives",
    # diseases and targets name the setting, not the therapy asked about
    "mcl", "fl", "cll", "sll", "mzl", "hl", "chl", "ptcl", "pcnsl", "hgbl", "tfl", "mm", "aml", "cml", "mds", "btk",
    "btki", "bcl", "myc", "xpo1", "abc", "gcb", "ebv", "hiv", "cns", "ecog", "ldh", "fish",
}
_STOP = {
    "the", "and", "plus", "with", "for", "of", "in", "on", "a", "an", "to", "or", "vs", "versus", "after", "prior",
    "patients", "patient", "therapy", "rate", "rates", "what", "which", "how", "did", "does", "was", "were", "is",
    "are", "cell", "cells", "trial", "study", "response", "responses", "survival", "months", "month", "median",
    "overall", "cohort", "post", "group", "arm", "treatment", "treated", "data", "reported", "lymphoma", "disease",
    "relapsed", "refractory", "complete", "progression", "free", "duration", "follow", "sample", "size", "time",
    "number", "many", "much", "long", "percent", "percentage", "year", "years", "their", "they", "this", "that",
    "those", "these", "from", "into", "among", "give", "gave", "get", "got", "reach", "reached", "achieve",
    "achieved", "show", "shown", "see", "seen", "when", "where", "who", "whom", "whose", "have", "had", "has",
}


def word_tokens(text: str) -> list[str]:
    """Split ``text`` into words, keeping hyphenated and digit-bearing names whole."""
    return _WORD.findall(strip_markers(text))


def _forms(token: str) -> list[str]:
    """Normalised forms of one word: the joined form and, for compounds, the parts."""
    low = token.lower().replace("'", "")
    parts = [p for p in re.split(r"[-+]", low) if p]
    joined = "".join(parts)
    forms = [joined]
    if len(parts) > 1:
        forms.extend(parts)
    return forms


@dataclass
class Lexicon:
    """Entity vocabulary, aliases and spelling variants of a corpus."""

    vocab: set[str] = field(default_factory=set)
    aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    variants: dict[str, str] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)

    # -- building -----------------------------------------------------------------
    def add(self, surface: str) -> None:
        forms = _forms(surface)
        if _TRIAL.match(surface) or DRUG.match(forms[0]):
            self._add_form(forms[0], surface)
        for part in forms[1:]:
            if DRUG.match(part):
                self._add_form(part, part)

    def _add_form(self, form: str, surface: str) -> None:
        if len(form) >= 3 and form not in _GENERIC and form not in _STOP and not form.isdigit():
            self.vocab.add(form)
            self.display.setdefault(form, surface)

    def add_alias(self, short: str, long: str) -> None:
        short_forms = _forms(short)
        key = short_forms[0]
        if len(key) < 2 or key in _GENERIC or key in _STOP:
            return
        named = set()
        for word in word_tokens(long):
            forms = _forms(word)
            hits = [f for f in forms[:1] if f in self.vocab] or [f for f in forms if DRUG.match(f) or f in self.vocab]
            named |= {f for f in hits if f not in _STOP and len(f) >= 3}
        if not named:
            # "Allogeneic stem cell transplant (allo-HCT)": the short form names the
            # entity itself; its long form is recognised by the word it abbreviates.
            head = next((w.lower() for w in word_tokens(long) if w.lower() not in _STOP), "")
            stem = re.match(r"[a-z]{3,}", short.lower())
            if not (stem and len(head) >= 5 and head.startswith(stem.group())):
                return
            named = {head}
        expansion = named
        if expansion:
            self.aliases[key] |= expansion
            self.vocab |= expansion
            if not named & {key}:
                self.display.setdefault(key, short)
            if expansion == {key} or not (expansion - {key}):
                return
            if key not in expansion and len(expansion) == 1 and not DRUG.match(next(iter(expansion))):
                # the abbreviation is itself the entity's name (allo-HCT)
                self.aliases[key].add(key)
                self.vocab.add(key)

    def cluster_variants(self, threshold: float = 85.0) -> None:
        words = sorted(w for w in self.vocab if w.isalpha() and len(w) >= 7)
        for i, a in enumerate(words):
            for b in words[i + 1 :]:
                if a[:3] == b[:3] and fuzz.ratio(a, b) >= threshold:
                    root = self.variants.get(a, a)
                    self.variants[b] = root
                    self.variants.setdefault(a, root)

    # -- reading ------------------------------------------------------------------
    def canonical(self, form: str) -> set[str]:
        """Concept tokens for one normalised form: aliases expanded, variants merged."""
        if form in self.aliases:
            return {self.variants.get(e, e) for e in self.aliases[form]}
        return {self.variants.get(form, form)}

    def concepts(self, word: str) -> set[str]:
        """Concept tokens of one word of a text ("pola-BR" → polatuzumab, bendamustine, rituximab)."""
        forms = _forms(word)
        found: set[str] = set()
        if forms[0] in self.vocab or forms[0] in self.aliases:
            return self.canonical(forms[0])
        for part in forms[1:]:
            if part in self.vocab or part in self.aliases:
                found |= self.canonical(part)
        return found

    def entities_in(self, text: str) -> set[str]:
        """Concept tokens mentioned in a source text (exact forms only)."""
        found: set[str] = set()
        for word in word_tokens(text):
            found |= self.concepts(word)
        return found

    @cached_property
    def _fuzzy_candidates(self) -> list[str]:
        """Names a misspelt or truncated question word may stand for (built once, after building)."""
        return sorted({w for w in self.vocab if w.isalpha()} | set(self.aliases))

    def resolve_word(self, word: str) -> tuple[set[str], bool]:
        """The concepts one question word names, tolerating misspellings and truncations.

        Returns:
            The concept tokens, and whether the word looks like an entity name (drug-like or
            trial-like) that matches nothing in the corpus.
        """
        exact = self.concepts(word)
        if exact:
            return exact, False
        forms = _forms(word)
        found: set[str] = set()
        candidates = self._fuzzy_candidates
        for form in forms:
            if not form.isalpha() or len(form) < 4 or form in _STOP or form in _GENERIC:
                continue
            best = process.extractOne(form, candidates, scorer=fuzz.ratio, score_cutoff=80) if len(form) >= 6 else None
            if best and best[1] < 85 and best[0][:3] != form[:3]:
                best = None
            if best:
                found |= self.canonical(best[0])
                continue
            prefixed = {self.variants.get(w, w) for w in candidates if w.startswith(form) and len(form) / len(w) >= 0.35}
            if len(prefixed) == 1:
                found |= self.canonical(prefixed.pop())
        unknown = not found and bool(DRUG.match(forms[0]) or (_TRIAL.match(word) and forms[0] not in _GENERIC))
        return found, unknown

    def resolve_question(self, text: str) -> tuple[set[str], list[str]]:
        """Find entities in a question (see :meth:`resolve_word`).

        Returns:
            The canonical entity tokens found, and the words that look like entity
            names but match nothing in the corpus.
        """
        found: set[str] = set()
        unknown: list[str] = []
        for word in word_tokens(text):
            concepts, is_unknown = self.resolve_word(word)
            found |= concepts
            if is_unknown:
                unknown.append(word)
        return found, unknown

def _is_measure_label(text: str) -> bool:
    return any(m.pattern.search(text) for m in MEASURES)


def table_orientation(table) -> str:
    """"columns" when the columns are the entities (rows are measures), else "rows"."""
    labels = [row.label.value for row in table.rows]
    if not labels:
        return "rows"
    measured = sum(1 for label in labels if _is_measure_label(label))
    return "columns" if measured * 2 >= len(labels) else "rows"


def build_lexicon(documents: list[Document]) -> Lexicon:
    """Collect the entity vocabulary of ``documents``."""
    lex = Lexicon()
    glossaries: list[str] = []
    for doc in documents:
        for table in doc.tables:
            if table_orientation(table) == "columns":
                for col in table.columns[1:]:
                    for w in word_tokens(col.value):
                        lex.add(w)
            else:
                for row in table.rows:
                    for w in word_tokens(row.label.value):
                        if _TRIAL.match(w) or DRUG.match(w.lower()):
                            lex.add(w)
            for note in table.footnotes:
                glossaries.append(note.text)
        body_end = min((r.start for r in doc.references), default=len(doc.text))
        body = doc.text[:body_end]
        for w in set(word_tokens(body)):
            if DRUG.match(w.lower()) or (_TRIAL.match(w) and not re.match(r"^CD\d", w) and w.lower() not in _GENERIC):
                lex.add(w)
        for para in doc.paragraphs:
            if para.kind in {"figure_caption", "table_footnote"}:
                glossaries.append(doc.text[para.start : para.end])
        _definitions(body, lex)
    for text in glossaries:
        items = [p for p in re.split(r";\s*", text) if p.strip()]
        if items:
            items[0] = re.split(r"\.\s+", items[0])[-1]
        parsed = [m for m in (_GLOSSARY_ITEM.match(p) for p in items) if m]
        if len(parsed) >= 2:
            for m in parsed:
                lex.add_alias(m.group(1).strip(), m.group(2).strip())
    lex.cluster_variants()
    return lex


def _definitions(text: str, lex: Lexicon) -> None:
    """Read "long form (SHORT)" definitions, in the manner of Schwartz & Hearst."""
    for match in _DEFINITION.finditer(text):
        short = match.group(1) or match.group(2)
        before = text[max(0, match.start() - 120) : match.start()]
        words = word_tokens(re.split(r"[.!?]\W*\s", before)[-1])
        if not words:
            continue
        window = words[-min(len(words), len(re.sub(r"[^A-Za-z]", "", short)) + 2) :]
        stem = re.match(r"[A-Za-z]{1,3}", short).group().lower()
        starts = [i for i, w in enumerate(window) if w.lower().startswith(stem)]
        starts = starts or [i for i, w in enumerate(window) if w[0].lower() == stem[0]]
        if starts:
            lex.add_alias(short, " ".join(window[starts[0] :]))
