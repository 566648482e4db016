"""A domain pack compiled for reading: measures, populations, units and entity shapes as patterns.

The same patterns read a question ("how often did X produce a complete response") and a source
("CR, %" in a table, "34% achieved a CR" in a sentence). Everything here comes from the pack
(:mod:`citeqa.qa.pack`); the engine only asks for roles (a count measure, a comparator population),
never for a key by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from pathlib import Path

import Stemmer

from citeqa.qa.pack import DEFAULT_PACK, Pack, PackError, load_pack

_I = re.IGNORECASE
_stemmer = Stemmer.Stemmer("english")
_BOUND_PREFIX = re.compile(r"^(?:post|pre|non)-?([a-z]{4,})$")
_STEM_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}")
_MEMO_SIZE = 20000
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}


class MeasureRole(str, Enum):
    """What the engine may do with a measure's values."""

    value = ""
    count = "count"  # a number of patients: "how many", n = 42
    identifier = "identifier"  # a registry number: answered as text
    name = "name"  # a trial or study name: answered as text
    effect = "effect"  # a ratio or difference between arms, with its confidence interval
    p_value = "p-value"
    event = "event"  # an event (an infection): named alone, what the question is about, not a figure asked for


class Better(str, Enum):
    """Which values of a measure are the better outcome."""

    higher = "higher"
    lower = "lower"


class PopulationRole(str, Enum):
    """How a population relates to the others."""

    subgroup = ""
    whole = "whole"  # the whole study population
    comparator = "comparator"  # the control arm


@dataclass(frozen=True)
class Measure:
    """A reported end point: its key, readable label, wordings and the unit classes of its values."""

    key: str
    label: str
    pattern: re.Pattern[str]
    units: tuple[str, ...]
    role: MeasureRole = MeasureRole.value
    better: Better | None = None
    """Which way is better ("which did best?"): higher for a response rate, lower for an adverse event;
    None when neither (a dose, a follow-up)."""

    @property
    def textual(self) -> bool:
        """Answered by a text (an identifier or a name), not a figure."""
        return self.role in (MeasureRole.identifier, MeasureRole.name)


@dataclass(frozen=True)
class Population:
    """A population a question or a source clause names."""

    key: str
    label: str
    pattern: re.Pattern[str]
    role: PopulationRole = PopulationRole.subgroup
    implies: tuple[str, ...] = ()
    excludes: str | None = None
    mentioned_by: re.Pattern[str] | None = None
    entity_shape: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Unit:
    """A unit class and how it is written after a number."""

    name: str
    pattern: re.Pattern[str]
    joins: bool
    display: str


def _compile(pattern: str, where: str, flags: int = _I) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise PackError(f"domain pack: {where} is not a valid regular expression ({exc}): {pattern!r}") from exc


def _any(patterns: list[str], where: str, splice: dict[str, str]) -> re.Pattern[str]:
    parts = []
    for p in patterns:
        for name, value in splice.items():
            p = p.replace("{" + name + "}", value)
        parts.append(p)
    return _compile("|".join(f"(?:{p})" for p in parts), where)


class Vocabulary:
    """The compiled form of a :class:`~citeqa.qa.pack.Pack`.

    Args:
        pack: The pack to compile.

    Raises:
        PackError: A pattern does not compile or a required field is missing.
    """

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        data = pack.data
        splice = {k: v for k, v in data.get("patterns", {}).items()}
        text = data.get("text", {})
        entities = data.get("entities", {})
        try:
            self.measures = tuple(
                Measure(m["key"], m.get("label", m["key"]), _any(m["patterns"], f"measure {m['key']}", splice),
                        tuple(m.get("units", [])), MeasureRole(m.get("role", "")),
                        Better(m["better"]) if m.get("better") else None)
                for m in data.get("measure", [])
            )
            self.populations = tuple(
                Population(p["key"], p.get("label", p["key"]), _any(p["patterns"], f"population {p['key']}", splice),
                           PopulationRole(p.get("role", "")), tuple(p.get("implies", [])), p.get("excludes"),
                           _compile(p["mentioned_by"], f"population {p['key']}.mentioned_by") if p.get("mentioned_by") else None,
                           _compile(p["entity_shape"], f"population {p['key']}.entity_shape") if p.get("entity_shape") else None)
                for p in data.get("population", [])
            )
            self.units = tuple(
                Unit(u["name"], _compile(u["pattern"], f"unit {u['name']}"), bool(u.get("joins", True)),
                     u.get("display", " " + u["name"]))
                for u in data.get("unit", [])
            )
            self.question_units = tuple(
                (_compile(q["pattern"], "question_unit"), tuple(q["units"])) for q in data.get("question_unit", [])
            )
            self.reference_fields = tuple(
                (r["name"], _compile(r["pattern"], f"reference_field {r['name']}")) for r in data.get("reference_field", [])
            )
        except KeyError as exc:
            raise PackError(f"domain pack {pack.sources[0]}: an entry lacks the field {exc}") from exc
        except ValueError as exc:
            raise PackError(f"domain pack {pack.sources[0]}: {exc}") from exc
        self.measure_by_key = {m.key: m for m in self.measures}
        self.population_by_key = {p.key: p for p in self.populations}
        self.implies = {p.key: set(p.implies) for p in self.populations if p.implies}
        self.synonyms: dict[str, str] = dict(data.get("synonyms", {}))
        # Abbreviations the field writes without defining them ("R-CHOP"), short form (lower case) → long form.
        self.abbreviations: dict[str, str] = {k.lower(): v for k, v in data.get("abbreviations", {}).items()}
        never = r"(?!x)x"
        self.not_reported = _compile(text.get("not_reported", never), "text.not_reported")
        self.not_reached = _compile(text.get("not_reached", never), "text.not_reached")
        self.not_reached_in_text = _compile(text.get("not_reached_in_text", never), "text.not_reached_in_text")
        self.anaphora = _compile(text.get("anaphora", never), "text.anaphora")
        self.landmark_pattern = _compile(text.get("landmark", never), "text.landmark")
        self.skip_sections = _compile(text.get("skip_sections", never), "text.skip_sections")
        self.result_cues = _compile(text.get("result_cues", never), "text.result_cues")
        self.finding_sections = _compile(text.get("finding_sections", never), "text.finding_sections")
        self.not_a_value_before = _compile(text.get("not_a_value_before", never), "text.not_a_value_before")
        self.control_arm = _compile(text.get("control_arm", never), "text.control_arm")
        endings = sorted({s.lower() for s in entities.get("drug_suffixes", [])}, key=len, reverse=True)
        prefix = int(entities.get("drug_min_prefix", 4))
        short = "|".join(re.escape(s) for s in endings if len(s) < 5)
        long = "|".join(re.escape(s) for s in endings if len(s) >= 5)
        # A long, specific ending ("-formin", "-tinib") needs a shorter stem before it ("metformin").
        shapes = [rf"^[a-z]{{{prefix},}}(?:{short})$" if short else "", rf"^(?=[a-z]{{7,}}$)[a-z]{{2,}}(?:{long})$" if long else ""]
        self.drug = re.compile("|".join(p for p in shapes if p) or never)
        self.trial = _compile(entities.get("trial_pattern", never), "entities.trial_pattern", 0)
        self.not_entities = frozenset(w.lower() for w in entities.get("not_entities", []))
        self.stopwords = frozenset(w.lower() for w in entities.get("stopwords", []))
        self._word_stems: dict[str, tuple[str, ...]] = {}
        self._measures_memo: dict[str, tuple[tuple[str, int, int], ...]] = {}
        self._populations_memo: dict[str, tuple[tuple[str, int], ...]] = {}
        question = data.get("question", {})
        self.question_stopwords = frozenset(self.stems(" ".join(question.get("stopwords", []))))
        suffixes = "|".join(sorted((re.escape(s) for s in question.get("topic_suffixes", [])), key=len, reverse=True))
        self.topic_shape = re.compile(rf"^(?=[a-z]{{5,}}$)[a-z]*(?:{suffixes})$" if suffixes else never)
        self.topic_words = frozenset(w.lower() for w in question.get("topic_words", []))
        self.quantity_nouns = frozenset(n.lower() for n in question.get("quantity_nouns", []))
        self.list_nouns = frozenset(n.lower() for n in question.get("list_nouns", []))
        self.trial_nouns = frozenset(n.lower() for n in question.get("trial_nouns", []))
        nouns = "|".join(sorted((re.escape(n) for n in question.get("quantity_nouns", [])), key=len, reverse=True))
        self.asks_quantity = re.compile(rf"\b(?:what|which)\s+(?:[\w-]+\s+){{0,2}}?(?:{nouns})\b" if nouns else never, _I)
        """A question asking "what <quantity>" (the pack's quantity nouns)."""

    def names_topic(self, word: str) -> bool:
        """Whether a (lower-case) word names a condition or a population (the pack's topic shapes and words)."""
        return word in self.topic_words or bool(self.topic_shape.match(word))

    # -- roles ------------------------------------------------------------------------
    @cached_property
    def count_measure(self) -> str | None:
        """The key of the measure that counts patients (the pack's ``role = "count"``)."""
        return next((m.key for m in self.measures if m.role is MeasureRole.count), None)

    def role(self, key: str | None) -> MeasureRole | None:
        """The role of the measure ``key`` (None for no or an unknown measure)."""
        measure = self.measure_by_key.get(key or "")
        return measure.role if measure else None

    def textual(self, key: str | None) -> bool:
        """Whether the measure ``key`` is answered by a text (an identifier or a name)."""
        measure = self.measure_by_key.get(key or "")
        return bool(measure and measure.textual)

    @cached_property
    def whole(self) -> frozenset[str]:
        """Population keys that mean the whole study population."""
        return frozenset(p.key for p in self.populations if p.role is PopulationRole.whole)

    @cached_property
    def comparators(self) -> frozenset[str]:
        """Population keys of control arms."""
        return frozenset(p.key for p in self.populations if p.role is PopulationRole.comparator)

    @cached_property
    def negations(self) -> dict[str, str]:
        """Population key → the key it excludes ("without prior X" → "prior X")."""
        return {p.key: p.excludes for p in self.populations if p.excludes}

    def population_label(self, key: str) -> str:
        population = self.population_by_key.get(key)
        return population.label if population else key

    # -- reading ----------------------------------------------------------------------
    def stems(self, text: str) -> set[str]:
        """Lower-cased stems of the words of ``text``, the pack's synonyms folded together; a word with a
        bound prefix ("postbridging", "pretreated") also gives the stem of the word it prefixes."""
        cache = self._word_stems
        out: set[str] = set()
        for word in _STEM_WORD.findall(text):
            key = word.lower()
            stems = cache.get(key)
            if stems is None:
                words = [key] + [m.group(1) for m in [_BOUND_PREFIX.match(key)] if m]
                stems = cache[key] = tuple(self.synonyms.get(w, w) for w in _stemmer.stemWords(words))
            out.update(stems)
        return out

    def find_measures(self, text: str) -> tuple[tuple[str, int, int], ...]:
        """Measures named in ``text`` as (key, start, end), most specific pattern first, in text order."""
        memo = self._measures_memo
        if text in memo:
            return memo[text]
        taken: list[tuple[str, int, int]] = []
        for measure in self.measures:
            for match in measure.pattern.finditer(text):
                if match.end() > match.start() and all(match.end() <= s or match.start() >= e for _, s, e in taken):
                    taken.append((measure.key, match.start(), match.end()))
        found = tuple(sorted(taken, key=lambda t: t[1]))
        if len(memo) > _MEMO_SIZE:
            memo.clear()
        memo[text] = found
        return found

    def measure_of(self, label: str) -> str | None:
        """The first measure named in a label or clause."""
        found = self.find_measures(label)
        return found[0][0] if found else None

    def is_measure_label(self, text: str) -> bool:
        return any(m.pattern.search(text) for m in self.measures)

    def populations_in(self, text: str) -> tuple[tuple[str, int], ...]:
        """Populations mentioned in ``text`` with their positions, implied ones added, negated ones removed."""
        memo = self._populations_memo
        if text not in memo:
            if len(memo) > _MEMO_SIZE:
                memo.clear()
            memo[text] = self._populations_in(text)
        return memo[text]

    def _populations_in(self, text: str) -> tuple[tuple[str, int], ...]:
        found: list[tuple[str, int]] = []
        negated: dict[str, list[tuple[int, int]]] = {}
        for pop in self.populations:
            for match in pop.pattern.finditer(text):
                if pop.excludes:
                    negated.setdefault(pop.excludes, []).append(match.span())
                found.append((pop.key, match.start()))
                found.extend((implied, match.start()) for implied in pop.implies)
        found = [(k, p) for k, p in found if not any(a <= p < b for a, b in negated.get(k, []))]
        return tuple(sorted(found, key=lambda t: t[1]))

    def landmark(self, text: str) -> tuple[int, str] | None:
        """The time point a figure is read at ("1-year OS" → (1, "year")), if any."""
        match = self.landmark_pattern.search(text)
        if not match:
            return None
        n = match.group("n").lower()
        return (int(n) if n.isdigit() else _WORD_NUMBERS.get(n, 0), match.group("unit").lower())

    def unit_after(self, tail: str) -> tuple[Unit | None, int]:
        """The unit written at the start of ``tail`` and where its wording ends (0 when it is context)."""
        for unit in self.units:
            match = unit.pattern.match(tail)
            if match:
                return unit, (match.end() if unit.joins else 0)
        return None, 0

    def unit_display(self, name: str | None) -> str:
        for unit in self.units:
            if unit.name == name:
                return unit.display
        return f" {name}" if name else ""

    def _without_given_quantities(self, text: str) -> str:
        """``text`` with each number that carries a unit blanked out ("within 6 months")."""
        out = text
        for match in reversed(list(_NUMBER.finditer(text))):
            unit, _ = self.unit_after(text[match.end() : match.end() + 40])
            if unit is not None:
                end = match.end() + (unit.pattern.match(text[match.end() : match.end() + 40]).end())
                out = out[: match.start()] + " " + out[end:]
        return out

    def question_unit_classes(self, text: str) -> tuple[str, ...]:
        """The unit classes a question's wording asks for, in order of preference.

        Quantities the question itself states ("within 6 months") are context, not the ask.
        """
        text = self._without_given_quantities(text)
        if _PERCENT_ASKED.search(text):
            return ("%",)
        units: list[str] = []
        for pattern, classes in self.question_units:
            if pattern.search(text):
                units.extend(u for u in classes if u not in units)
        return tuple(units)


_NUMBER = re.compile(r"\b(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty|thirty)\b", _I)
_PERCENT_ASKED = re.compile(r"^\W*(?:\w+\W+){0,3}?(?:what|which) (?:percentage|proportion|fraction|share|percent)\b", _I)


_CACHE: dict[str, Vocabulary] = {}


def load_vocabulary(name_or_path: str | Path = DEFAULT_PACK) -> Vocabulary:
    """The compiled vocabulary of a pack (bundled name or TOML path), cached per name.

    Raises:
        PackError: See :func:`citeqa.qa.pack.load_pack`.
    """
    key = str(name_or_path)
    if key not in _CACHE:
        _CACHE[key] = Vocabulary(load_pack(name_or_path))
    return _CACHE[key]
