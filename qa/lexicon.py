"""The corpus's own vocabulary of entities: drugs, regimens, trials, and their aliases.

Built from the documents at load time, never written by hand: names come from table
headers and row labels, drug-like words and trial-like names in the text;
aliases from abbreviation definitions ("loncastuximab (lonca)") and glossary
footnotes ("tafa+len, tafasitamab plus lenalidomide"); spelling variants are words
of the corpus that are near-identical (Odronektamab / Odronebamab).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from citeqa.ingest.markers import strip_markers
from citeqa.ingest.models import Document
from citeqa.qa.forms import CorpusForms
from citeqa.qa.vocabulary import Vocabulary

WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9]*(?:[-+'][A-Za-z0-9]+)*")
"""A word of a text: letters and digits, hyphenated or apostrophised names whole ("allo-HCT", "Hodgkin's")."""
_GLOSSARY_ITEM = re.compile(r"^\s*([^,;]{1,15}),\s+([^;]{2,80}?)\s*\.?\s*$")
_DEFINITION = re.compile(r"\(([A-Za-z][A-Za-z0-9+\-/]{1,14})\)|\[([A-Za-z][A-Za-z0-9+\-/]{1,14})\]")

def word_tokens(text: str) -> list[str]:
    """Split ``text`` into words, keeping hyphenated and digit-bearing names whole."""
    return WORD.findall(strip_markers(text))


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
    """Entity vocabulary, aliases and spelling variants of a corpus.

    Attributes:
        domain: The domain vocabulary (drug and trial name shapes, words never taken for names).
        vocab: Normalised entity forms.
        aliases: Short form → the entity forms it stands for ("lonca" → loncastuximab).
        variants: Spelling variant → its canonical form (Odronektamab → odronebamab).
        display: Entity form → how the corpus writes it.
        abbreviations: Every "long form (SHORT)" definition read, short form (lower case) → long form:
            terms such as measures ("left ventricular ejection fraction (LVEF)") a question may use
            in either form.
        plain: The words the corpus writes in lower case (an all-capitals one of them is a heading's word).
        forms: Every form in which the corpus writes its words (every word with its count, compound
            parts, phrase initials), see :class:`CorpusForms`: a name it writes is never "unknown",
            even when it is no entity.
        arm_labels: Per document, the labels its arms go by ("Group B") → the entities that arm is given
            (none for a control arm), read from definitions such as "buprenorphine group (Group B)": a label
            means different arms in different reports, so it counts only in its own document.
    """

    domain: Vocabulary
    vocab: set[str] = field(default_factory=set)
    aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    variants: dict[str, str] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    abbreviations: dict[str, str] = field(default_factory=dict)
    plain: set[str] = field(default_factory=set)
    forms: CorpusForms = field(default_factory=CorpusForms)
    arm_labels: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    _concepts: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def is_drug(self, form: str) -> bool:
        """Whether a normalised word has the shape of a drug name."""
        return bool(self.domain.drug.match(form))

    def _generic(self, form: str) -> bool:
        return form in self.domain.not_entities or form in self.domain.stopwords

    # -- building -----------------------------------------------------------------
    def add(self, surface: str) -> None:
        if self.domain.measure_of(surface):
            return  # a measure's name or acronym (ORR, KCCQ) is what is measured, not an entity
        if surface.isalpha() and surface.isupper() and surface.lower() in self.plain:
            return  # a word of a heading in capitals (SHORT STAY, RESULTS) that the corpus also writes plainly
        forms = _forms(surface)
        if self.domain.trial.match(surface) or self.is_drug(forms[0]):
            self._add_form(forms[0], surface)
        for part in forms[1:]:
            if self.is_drug(part):
                self._add_form(part, part)

    def _add_form(self, form: str, surface: str) -> None:
        if len(form) >= 3 and not self._generic(form) and not form.isdigit():
            self.vocab.add(form)
            self.display.setdefault(form, surface)

    def add_alias(self, short: str, long: str) -> None:
        short_forms = _forms(short)
        key = short_forms[0]
        if len(key) < 2 or self._generic(key) or not abbreviates(short, long):
            return
        stop = self.domain.stopwords
        named = set()
        for word in word_tokens(long):
            forms = _forms(word)
            hits = [f for f in forms[:1] if f in self.vocab] or [f for f in forms if self.is_drug(f) or f in self.vocab]
            named |= {f for f in hits if f not in stop and len(f) >= 3}
        if not named:
            # "Allogeneic stem cell transplant (allo-HCT)": the short form names the
            # entity itself; its long form is recognised by the word it abbreviates.
            head = next((w.lower() for w in word_tokens(long) if w.lower() not in stop), "")
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
            if key not in expansion and len(expansion) == 1 and not self.is_drug(next(iter(expansion))):
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
        cached = self._concepts.get(word)
        if cached is None:
            cached = self._concepts[word] = frozenset(self._read_concepts(word))
        return set(cached)

    def _read_concepts(self, word: str) -> set[str]:
        forms = _forms(word)
        found: set[str] = set()
        if forms[0] in self.vocab or forms[0] in self.aliases:
            return self.canonical(forms[0])
        for part in forms[1:]:
            if part in self.vocab or part in self.aliases:
                found |= self.canonical(part)
        return found

    def entities_in(self, text: str, doc_id: str | None = None) -> set[str]:
        """Concept tokens mentioned in a source text (exact forms only); with ``doc_id``, also the
        entities of the arms that document labels ("Group B") and the text names by their label."""
        found: set[str] = set()
        cache = self._concepts
        for word in word_tokens(text):
            cached = cache.get(word)
            if cached is None:
                cached = cache[word] = frozenset(self._read_concepts(word))
            found |= cached
        for label, entities in self.arm_labels.get(doc_id or "", {}).items():
            if label_pattern(label).search(text):
                found |= entities
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
        if word.lower() in self.forms.counts:
            return set(), False  # a word the corpus writes and that names no entity is no misspelt name
        forms = _forms(word)
        found: set[str] = set()
        candidates = self._fuzzy_candidates
        for form in forms:
            if not form.isalpha() or len(form) < 4 or self._generic(form):
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
        shaped = self.is_drug(forms[0]) or (self.domain.trial.match(word) and not self._generic(forms[0]))
        unknown = not found and bool(shaped) and not self.mentions(word)
        return found, unknown

    def mentions(self, word: str) -> bool:
        """Whether the corpus writes ``word`` in any form (:meth:`CorpusForms.mentions`), or writes the
        long form of a field's abbreviation it never defines (the pack's ``abbreviations``: "R-CHOP")."""
        if self.forms.mentions(word):
            return True
        long = self.domain.abbreviations.get(word.lower())
        return long is not None and self.forms.writes_phrase(long)

    def corrected(self, text: str) -> str:
        """``text`` with each word the corpus never writes, in any form, replaced by the corpus word it
        misspells ("complete respnse rate" → "complete response rate"); other words unchanged."""

        def fix(match: re.Match[str]) -> str:
            word = match.group()
            if self.concepts(word):
                return word
            better = self.forms.correction(word)
            return better if better is not None else word

        return WORD.sub(fix, text)

    def expansions(self, text: str) -> list[str]:
        """The long forms of the abbreviations in ``text`` that the corpus writes only in full: the
        phrases an all-capitals word is the initials of ("IPI" → "International Prognostic Index"),
        and the field's abbreviations of the pack ("R-CHOP" → its five drugs)."""
        found = []
        for word in word_tokens(text):
            long = self.domain.abbreviations.get(word.lower())
            if word.lower() not in self.forms.counts and long and self.forms.writes_phrase(long):
                found.append(long)
            else:
                found.append(self.forms.expansion(word))
        return [phrase for phrase in found if phrase]

    def labelled_arms(self, text: str) -> set[str]:
        """The entities of the arms ``text`` names by a label some document defines ("in Group B")."""
        return {e for labels in self.arm_labels.values() for label, entities in labels.items()
                if label_pattern(label).search(text) for e in entities}

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

_FUNCTION_WORDS = frozenset("and of the in for with to a an on or by at as".split())


def abbreviates(short: str, long: str) -> bool:
    """Whether ``short`` can abbreviate ``long``: its first part begins the first word ("lonca",
    "allo-HCT"), or each part, in order, begins a word or spells the initials of the next words
    ("HADS": Hospital Anxiety and Depression Scale; "R-chemo": rituximab plus chemotherapy)."""
    parts = [p for p in re.split(r"[-+/ ]", short.lower()) if p.isalnum()]
    words = [w for w in re.split(r"[-+/\s]+", long.lower()) if w and w[0].isalnum()]
    if not parts or not words:
        return False
    if len(parts[0]) >= 3 and words[0].startswith(parts[0][:3]):
        return True
    words = [w for w in words if w not in _FUNCTION_WORDS]  # initials skip "and", "of" (HADS)
    if not words:
        return False
    at = 0
    for part in parts:
        for i in range(at, len(words)):
            if (len(part) >= 2 and words[i].startswith(part[:3])) or "".join(w[0] for w in words[i : i + len(part)]) == part:
                at = i + (1 if len(part) >= 2 and words[i].startswith(part[:3]) else len(part))
                break
        else:
            return False
    return parts[0][0] == words[0][0]


def table_orientation(table, domain: Vocabulary) -> str:
    """"columns" when the columns are the entities (rows are measures), else "rows"."""
    labels = [row.label.value for row in table.rows]
    if not labels:
        return "rows"
    measured = sum(1 for label in labels if domain.is_measure_label(label))
    return "columns" if measured * 2 >= len(labels) else "rows"


def build_lexicon(documents: list[Document], domain: Vocabulary) -> Lexicon:
    """Collect the entity vocabulary of ``documents``.

    Args:
        documents: The corpus.
        domain: The domain vocabulary (name shapes and words never taken for names).
    """
    lex = Lexicon(domain)
    glossaries: list[str] = []
    bodies: dict[str, str] = {}
    for doc in documents:
        tokens = word_tokens(doc.text)
        lex.forms.read(tokens, doc.text)
        lex.plain.update(w for w in tokens if w.islower())
    for doc in documents:
        for table in doc.tables:
            if table_orientation(table, domain) == "columns":
                for col in table.columns[1:]:
                    for w in word_tokens(col.value):
                        lex.add(w)
            else:
                for row in table.rows:
                    for w in word_tokens(row.label.value):
                        if domain.trial.match(w) or lex.is_drug(w.lower()):
                            lex.add(w)
            for note in table.footnotes:
                glossaries.append(note.text)
        body_end = min((r.start for r in doc.references), default=len(doc.text))
        body = bodies[doc.doc_id] = doc.text[:body_end]
        for w in dict.fromkeys(word_tokens(body)):  # in text order: the first spelling is the display form
            if lex.is_drug(w.lower()) or (domain.trial.match(w) and not lex._generic(w.lower())):
                lex.add(w)
        for para in doc.paragraphs:
            if para.kind in {"figure_caption", "table_footnote"}:
                glossaries.append(doc.text[para.start : para.end])
        _definitions(body, lex)
        for name, count in _arm_names(body, lex).items():
            if count >= ARM_MENTIONS:  # named as an arm again and again in one report
                lex._add_form(name, name)
    for text in glossaries:
        items = [p for p in re.split(r";\s*", text) if p.strip()]
        if items:
            items[0] = re.split(r"\.\s+", items[0])[-1]
        parsed = [m for m in (_GLOSSARY_ITEM.match(p) for p in items) if m]
        if len(parsed) >= 2:
            for m in parsed:
                lex.add_alias(m.group(1).strip(), m.group(2).strip())
                lex.abbreviations.setdefault(m.group(1).strip().lower(), m.group(2).strip())
    lex.cluster_variants()
    lex._concepts.clear()  # nothing read before the variants were merged stays
    for doc_id, body in bodies.items():  # once every entity is known
        _read_defined_arms(doc_id, body, lex)
    for doc_id, body in bodies.items():
        _read_arm_labels(doc_id, body, lex)
    lex._concepts.clear()
    return lex


ARM_MENTIONS = 2
"""How often one report must name a trial arm by a word ("the acupuncture group", "randomised to acupuncture")
for the word to be an entity."""
_ARM = re.compile(
    r"\b(?:randomi[sz]ed|assigned|allocated)\s+to\s+(?:receive\s+)?(?:either\s+)?(?:the\s+|a\s+|an\s+)?"
    r"(?P<after>[A-Za-z][A-Za-z0-9-]{3,})|\bthe\s+(?P<before>[A-Za-z][A-Za-z0-9-]{3,})\s+(?:group|arm)\b",
    re.IGNORECASE)


def _arm_names(text: str, lex: Lexicon) -> Counter[str]:
    """Words that name a trial's arms, learned from how reports write them: "randomised to X", "the X group"."""
    found: Counter[str] = Counter()
    vocab = lex.domain
    for match in _ARM.finditer(text):
        word = (match.group("after") or match.group("before")).lower()
        if (lex._generic(word) or word in _ARM_STOP or word in vocab.quantity_nouns or vocab.measure_of(word)
                or vocab.populations_in(word)):
            continue
        found[word] += 1
    return found


# Words that stand before "group"/"arm" or after "treated with" without naming a treatment.
_ARM_STOP = frozenset(
    "this that these those each either both same other study trial intervention control usual standard active "
    "comparison comparator experimental treatment treated patients subjects participants first second third "
    "total whole entire respective corresponding following previous prior current combination combined receive "
    "either treatment therapy".split()
)


_ARM_WORD = r"(?:group|arm|cohort)"
_ARM_LABEL = rf"{_ARM_WORD}\s+(?-i:[A-Z0-9]{{1,2}})|(?-i:[A-Z])\s+{_ARM_WORD}"
_LABELLED_ARM = re.compile(
    rf"\b(?P<name>[A-Za-z][\w-]{{2,}}(?:\s+[A-Za-z][\w-]{{2,}})?)(?:\s+{_ARM_WORD})?\s*\(\s*(?P<label>{_ARM_LABEL})\s*[,;)]"
    rf"|\b(?P<label2>{_ARM_LABEL})\s*\(\s*(?:the\s+)?(?P<name2>[A-Za-z][\w-]{{2,}}(?:\s+[A-Za-z][\w-]{{2,}})?)"
    rf"(?:\s+{_ARM_WORD})?\s*[,;)]",
    re.IGNORECASE)
"""An arm named and labelled in one breath: "buprenorphine group (Group B)", "metformin (group A)", "Group B
(Buprenorphine Group)"."""


def label_pattern(label: str) -> re.Pattern[str]:
    """A label as a text writes it: "group b" in any case; an abbreviation ("IS") only in its own case."""
    flags = re.IGNORECASE if label == label.lower() else 0
    return _label_patterns.setdefault(label, re.compile(r"\b" + r"\s+".join(map(re.escape, label.split())) + r"\b",
                                                        flags))


_label_patterns: dict[str, re.Pattern[str]] = {}


def _read_arm_labels(doc_id: str, text: str, lex: Lexicon) -> None:
    """Record the arm labels ``text`` defines (:data:`_LABELLED_ARM`), each with the entities its arm names
    (none for a control arm; a label whose name is neither is left out)."""
    for match in _LABELLED_ARM.finditer(text):
        label = " ".join((match.group("label") or match.group("label2")).lower().split())
        name = match.group("name") or match.group("name2")
        entities = set().union(*(lex.concepts(w) for w in word_tokens(name)))
        if entities or lex.domain.control_arm.search(name):  # a control arm's label stands for no entity
            lex.arm_labels.setdefault(doc_id, {}).setdefault(label, set()).update(entities)


_DEFINED_ARMS = re.compile(
    r"\b(?P<a>[A-Za-z][\w-]{5,})\s*\((?P<sa>[A-Z][A-Za-z0-9-]{0,6})\)\s*(?:versus|vs\.?|compared (?:with|to))\s+"
    r"(?P<b>[A-Za-z][\w-]{5,})\s*\((?P<sb>[A-Z][A-Za-z0-9-]{0,6})\)")
"""Two arms named and abbreviated in one comparison: "insulin-sensitizing (IS) versus insulin-providing (IP)"."""


def _read_defined_arms(doc_id: str, text: str, lex: Lexicon) -> None:
    """Make the arms a report compares by one defined word each (:data:`_DEFINED_ARMS`) entities, their
    abbreviations labels of them in that report ("IS (66%)"): a question asks "with the insulin-sensitizing
    strategy", the figure is written beside "IS". A word that is a measure, a population or a generic word is
    no arm."""
    vocab = lex.domain
    for match in _DEFINED_ARMS.finditer(text):
        for long, short in ((match.group("a"), match.group("sa")), (match.group("b"), match.group("sb"))):
            form = _forms(long)[0]
            if (lex._generic(form) or vocab.measure_of(long) or vocab.populations_in(long)
                    or not abbreviates(short, long)):
                continue
            lex._add_form(form, long)
            lex.arm_labels.setdefault(doc_id, {}).setdefault(short, set()).add(form)


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
            long = " ".join(window[starts[0] :])
            lex.add_alias(short, long)
            lex.abbreviations.setdefault(short.lower(), long)
