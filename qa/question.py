"""Question analysis: what entity, which measure, for which population, what kind of value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from citeqa.qa.facts import find_measures, populations_in, stems
from citeqa.qa.lexicon import DRUG, Lexicon, word_tokens
from citeqa.qa.vocabulary import REFERENCE_FIELDS, landmark, question_units

_REFERENCE_CUE = re.compile(
    r"\bpublish\w*|\bpublication\b|\bpaper\b|\barticle\b|\bjournal\b|\bauthor\w*|\bwrote\b|\bcite[sd]?\b|\bcitation\b|\breferences?\b|\bled by\b|\bprimary (?:study|source|report)\b|\bsource\b|\bwho (?:reported|ran|conducted|led)\b",
    re.IGNORECASE,
)
_STRONG_REFERENCE_CUE = re.compile(
    r"\bauthor\w*|\bwho (?:wrote|published|reported|led)\b|\bjournal\b|\bpublished (?:in|where|when)\b|\bwhere\b.{0,60}\bpublished\b|\bwhen was\b.{0,60}\bpublished\b|\bwhat year\b.{0,60}\bpublished\b",
    re.IGNORECASE,
)
_TEXT_QUESTION = re.compile(r"\s*(?:in )?(?:which|what|who|whom)\b(?!.*\bhow (?:many|much|long|often)\b)", re.IGNORECASE)
_CART_PRODUCT = re.compile(r"(?:leucel|cel|cabtagene)$")
_CART_PRODUCT_WORD = re.compile(r"\b\w+(?:-cel|leucel|cabtagene)\b(?:\s+\w+leucel)?", re.IGNORECASE)
_CART_MENTION = re.compile(r"\bCAR[- ]?T\b|\bCART\b|chimeric antigen receptor", re.IGNORECASE)
_YES_NO = re.compile(r"\s*(?:is|are|was|were|does|do|did|can|could|should|has|have|had|will|would)\b", re.IGNORECASE)
_QUANTITY_CUE = re.compile(r"\bhow (?:many|much|long|old|often|large|big|high|low)\b|\bwhat (?:percentage|proportion|fraction|number|share|rate)\b|\bwhich (?:percentage|proportion|number)\b", re.IGNORECASE)
_QUESTION_STOP = stems(
    "what which who whom how many much did does do was were is are the a an of in on for to with after prior post "
    "patients patient rate rates reported report reach reached achieve achieved give gave study trial cohort "
    "their they there this that these those value number percent percentage by at from among had has have show "
    "car cart cell therapy t when where fraction proportion share percent percentage often common frequent"
)


@dataclass
class Question:
    """A question as understood: the parts the answer must match."""

    text: str
    entities: set[str]
    unknown: list[str]
    measure: str | None
    populations: set[str]
    units: tuple[str, ...]
    reference_field: str | None
    keywords: set[str] = field(default_factory=set)
    numbers: set[float] = field(default_factory=set)
    asks_text: bool = False
    """The question asks for a name, description or yes/no, not a figure: a sentence answers it."""
    asks_quantity: bool = False
    landmark: tuple[int, str] | None = None
    drugs: set[str] = field(default_factory=set)
    """The entities that are drugs: a figure about no one of them never answers."""


def analyse(text: str, lexicon: Lexicon) -> Question:
    """Read the entity, measure, population and expected unit of ``text``."""
    entities: set[str] = set()
    unknown: list[str] = []
    entity_words: set[str] = set()
    for word in word_tokens(text):
        concepts, is_unknown = lexicon.resolve_word(word)
        if concepts:
            entities |= concepts
            entity_words.add(word.lower())
        if is_unknown:
            unknown.append(word)
    measures = find_measures(text)
    measure = None
    if measures:
        keys = [m[0] for m in measures]
        if keys[0] == "n" and re.match(r"\s*how many\b", text, re.IGNORECASE):
            measure = "n"
        else:
            pool = [m for m in measures if m[0] != "n"] or measures
            # A trial named in passing ("in the pivotal trial") is context when a figure is asked for.
            pool = [m for m in pool if m[0] not in {"trial", "identifier"}] or pool
            # The most specific wording wins ("duration of response" over "responses").
            measure = max(pool, key=lambda m: m[2] - m[1])[0]
    pops = {p for p, _ in populations_in(text)}
    products = {e for e in entities if _CART_PRODUCT.search(e)}
    if products and entities - products:
        entities = entities - products  # "after axi-cel": the CAR T product names the population
    elif products:
        pops = {p for p, _ in populations_in(_CART_PRODUCT_WORD.sub("", text))}  # the product is the subject
    if entities and not products and not pops - {"overall"} and _CART_MENTION.search(text):
        # Asked about another therapy, "the CAR T subgroup" means patients treated with CAR T before.
        pops = pops | {"post_cart"}
    reference_field = None
    if _STRONG_REFERENCE_CUE.search(text) or (_REFERENCE_CUE.search(text) and measure in (None, "trial")):
        for name, pattern in REFERENCE_FIELDS:
            if pattern.search(text):
                reference_field = name
                break
        reference_field = reference_field or "reference"
    topic = text
    for _, start, end in sorted(measures, key=lambda m: -m[1]):  # the measure is not the topic
        topic = topic[:start] + " " + topic[end:]
    keywords = stems(" ".join(w for w in word_tokens(topic) if w.lower() not in entity_words)) - _QUESTION_STOP
    numbers = {float(n) for n in re.findall(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w.])", text)}
    units = question_units(text)
    asks_quantity = bool(units) or measure is not None or bool(_QUANTITY_CUE.search(text))
    asks_text = not asks_quantity and (bool(_TEXT_QUESTION.match(text)) or bool(_YES_NO.match(text)))
    return Question(text, entities, unknown, measure, pops, units, reference_field, keywords, numbers, asks_text,
                    asks_quantity, landmark(text), {e for e in entities if DRUG.match(e)})
