"""Question analysis: what entity, which measure, for which population, what kind of value.

The question-form cues here are English grammar (how many, which, is/does …); the field's
words (measures, populations, units, name shapes) come from the domain pack.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import Enum

from citeqa.qa.lexicon import Lexicon, word_tokens
from citeqa.qa.vocabulary import MeasureRole, Vocabulary

_I = re.IGNORECASE
# "The authors of the X trial", not "what do the authors prefer" (the writers of the document asked).
_AUTHOR_OF = (r"\b(?:first|lead|last|senior|corresponding)[- ]?author\w*|\bauthors? of\b|\bwho (?:are|is|was|were) the (?:\w+ )?authors?\b|"
              r"\bauthored\b|\bwhich (?:\w+ )?authors?\b|\bauthors? (?:led|wrote|reported|published)\b")
_REFERENCE_CUE = re.compile(
    rf"\bpublish\w*|\bpublication\b|\bpaper\b|\barticle\b|\bjournal\b|{_AUTHOR_OF}|\bwrote\b|\bcite[sd]?\b|\bcitation\b|"
    r"\breferences?\b|\bled by\b|\bprimary (?:study|source|report)\b|\bsource\b|\bwho (?:reported|ran|conducted|led)\b", _I)
_STRONG_REFERENCE_CUE = re.compile(
    rf"{_AUTHOR_OF}|\bwho (?:wrote|published|reported|led)\b|\bjournal\b|\bpublished (?:in|where|when)\b|"
    r"\bwhere\b.{0,60}\bpublished\b|\bwhen was\b.{0,60}\bpublished\b|\bwhat year\b.{0,60}\bpublished\b", _I)
# Asking for a description, a reason or a finding, even when a measure is named ("How did her disease respond?",
# "What was the effect of X compared with Y on mortality?").
_DESCRIPTIVE = re.compile(
    r"\s*(?:how (?:did|does|do|is|are|was|were|can|could|should|has|have|will|would|might|may)\b|why\b|"
    r"how much (?:is|was|are|were) (?:known|understood)\b|"
    r"what (?:was|is|were|are|has been|have been) the (?:\w+ )?(?:effects?|impacts?|influence|differences?|results?|"
    r"outcomes?|associations?|relationships?|roles?|consequences?|benefits?|findings?)\b)", _I)
_COMPARES = re.compile(r"\b(?:compared (?:with|to)|versus|vs\.?|than|effects? of|impact of|difference between|"
                       r"improve\w*|reduce\w*|increase\w*|decrease\w*|lower\w*|higher)\b", _I)
# Comparatives and superlatives: "did X work less well", "which patients do worst", "is X as good as Y".
_COMPARATIVE = re.compile(r"\b(?:less|better|worse|worst|best|poorer|poorest|comparable|similar\w*|differ\w*|as (?:well|good) as)\b", _I)
# Asking for a reason: "why …", "what is the reason for …", "what causes …", "what explains …".
_WHY = re.compile(r"\s*(?:why\b|what (?:is|are|was|were) the (?:main )?(?:reasons?|causes?|explanations?)\b|what (?:causes|explains|drives)\b)", _I)
# Defining an entity: "what is X", "how does X work", "what kind of drug is X", "mechanism of X".
_DEFINITION = re.compile(
    r"^\s*(?:what (?:is|are|was|were)\b(?! the (?:\w+ )?(?:rate|number|median|dose|effect))|how (?:does|do|did) .{1,60}\bwork\b|"
    r"what (?:kind|type|class|sort) of\b|what does .{1,60}\b(?:bind|target|consist|do)\b)|\bmechanism\b|\bmade of\b", _I)
_TEXT_QUESTION = re.compile(r"\s*(?:in )?(?:which|what|who|whom|why|how|where|when)\b(?!.*\bhow (?:many|much|long|often)\b)", _I)
_YES_NO = re.compile(r"\s*(?:is|are|was|were|does|do|did|can|could|should|has|have|had|will|would|must|may|might)\b", _I)
_QUANTITY_CUE = re.compile(
    r"\bhow (?:many|much|long|old|often|large|big|high|low)\b|\bwhat (?:percentage|proportion|fraction|number|share|rate)\b|"
    r"\bwhich (?:percentage|proportion|number)\b|\bwhat (?:year|dose)\b", _I)
_HOW_MANY = re.compile(r"\s*how many\b", _I)
_NUMBER = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w.])")
# Words of a question's form, never what it is about (stems of English function and question words).
_FORM_WORDS = frozenset({
    "what", "which", "who", "whom", "how", "mani", "much", "did", "doe", "was", "were", "the", "for", "with", "after",
    "prior", "post", "patient", "rate", "report", "reach", "achiev", "give", "gave", "studi", "trial", "cohort",
    "their", "they", "there", "this", "that", "these", "those", "valu", "number", "percent", "percentag", "from",
    "among", "had", "has", "have", "show", "when", "where", "fraction", "proport", "share", "often", "common",
    "frequent", "are",
})
# Further words that carry no topic when a sentence is matched to the question.
_TERM_FORM_WORDS = _FORM_WORDS | {
    "and", "can", "could", "should", "would", "will", "into", "about", "than", "then", "other", "some", "ani", "all",
    "whi", "here", "them", "our", "your", "use", "describ", "mean", "kind", "type", "one",
    "not", "but", "also", "still", "doe", "did", "been", "being", "such", "what", "there", "more", "most", "less",
    "least", "veri", "onli", "just", "like", "get", "got", "may", "might", "must", "need", "want", "know", "tell",
}


class Extreme(str, Enum):
    """What a superlative or comparative question asks for among comparable figures."""

    highest = "highest"
    lowest = "lowest"
    best = "best"
    worst = "worst"


# Superlatives and comparatives of size and of quality (English grammar, not field words). "More than 50",
# "at least", "at most" are thresholds, not comparisons, and are removed before these are looked for.
_EXTREMES = (
    (Extreme.highest, re.compile(r"\b(?:highest|greatest|largest|biggest|most|longest|maximum|higher|greater|larger|"
                                 r"bigger|longer|more)\b", _I)),
    (Extreme.lowest, re.compile(r"\b(?:lowest|smallest|least|fewest|shortest|minimum|lower|smaller|less|fewer|"
                                r"shorter)\b", _I)),
    (Extreme.best, re.compile(r"\b(?:best|better)\b", _I)),
    (Extreme.worst, re.compile(r"\b(?:worst|worse|poorest|poorer)\b", _I)),
)
_THRESHOLD = re.compile(r"\b(?:(?:more|less|fewer|greater|higher|lower|longer|shorter) than\b|at (?:least|most)\b|"
                        r"no (?:more|less)\b|the most (?:common|frequent|frequently|often|likely)\b)", _I)
# Asking for advice: what to do, what the authors recommend (English, not field words).
_ADVICE_QUESTION = re.compile(r"\b(?:recommend\w*|advis\w*|suggest\w*|prefer\w*|favou?r\w*)\b|\b(?:what|how|when|which) "
                              r"(?:\w+ )?(?:should|would you|do you)\b|\bshould (?:i|we|one|they|he|she|patients?|clinicians?)\b|"
                              r"\b(?:best|preferred|recommended) (?:next )?(?:option|approach|treatment|step|management)\b", _I)
# The patient of a case report: "the patient in the case", "the case patient", "in the clinical case".
_CASE_QUESTION = re.compile(r"\bcase\b", _I)
_WHICH_ANYWHERE = re.compile(r"\b(?:which|what|who)\b", _I)
_CLAUSE_END = re.compile(r"\s*(?:[?,.;:)]|$|(?:after|in|among|for|with|on|at|than|between|when|if|and|or|overall|"
                         r"across|of (?:all|the|these|those))\b)", _I)
_COUNTED = re.compile(r"\s*(?:\w+\s+){0,2}?(?:patients|participants|subjects|people|cases|events|deaths)\b", _I)
_QUALIFY_CHARS = 20
"""A superlative qualifies the measure named within this many characters after it ("highest 2-year OS")."""


def _extreme(text: str, yes_no: bool, measure_starts: Collection[int] = ()) -> Extreme | None:
    """The superlative or comparative a "which/what" question asks for ("which had the highest CR rate",
    "which had the longer PFS, A or B", "which did best?"), or None. The word must qualify the figure: the
    measure follows within a few words, or the clause ends ("the smaller series" qualifies a series)."""
    if yes_no or not _WHICH_ANYWHERE.search(text):
        return None
    bare = _THRESHOLD.sub(lambda m: " " * len(m.group()), text)
    found = []
    for kind, pattern in _EXTREMES:
        for m in pattern.finditer(bare):
            ahead = bare[m.end():]
            near = any(0 <= start - m.end() <= _QUALIFY_CHARS for start in measure_starts)
            if near or _CLAUSE_END.match(ahead) or _COUNTED.match(ahead):
                found.append((m.start(), kind))
    return min(found)[1] if found else None


def _superlatives(text: str) -> str:
    """``text`` without its superlative and comparative words."""
    for _, pattern in _EXTREMES:
        text = pattern.sub(" ", text)
    return text


@dataclass
class Question:
    """A question as understood: the parts the answer must match.

    Attributes:
        text: The question as asked.
        entities: Concept tokens of the entities it names (drugs, trials, products), aliases resolved.
        unknown: Words shaped like entity names that match nothing in the corpus.
        measure: The measure asked for (a pack key), if any.
        populations: The populations asked about (pack keys).
        units: The unit classes the answer should have, preferred first.
        reference_field: author / journal / year / reference when it asks about the cited study.
        keywords: Stems of the words that say what it is about (entity names and measure words removed).
        terms: Stems of all its content words (entity names and measure words kept), for matching sentences.
        numbers: Figures the question itself states (context, not the answer).
        asks_text: It asks for a name, a description, a reason or yes/no: a sentence answers it.
        asks_quantity: It asks for a figure.
        yes_no: It is a yes/no question.
        defines: It asks what an entity is or how it works (a defining sentence answers it).
        entity_words: The question's words that name its entities (lower case).
        landmark: The time point a survival figure is asked at ("1-year OS").
        drugs: The entities that are drugs: a figure about no one of them never answers.
        unknown_drugs: The unknown words shaped like drug names.
        explicit_quantity: It asks for a figure in so many words ("how many", "what proportion", "which dose").
        compares: It asks for a finding: an effect, one arm compared with another, or a comparative
            ("did X work less well", "which patients do worst").
        outcome: The outcome a comparison is asked on ("… compared with placebo on total FSH dose?"): its
            words weigh most in telling the finding apart from the report's other findings.
        why: It asks for a reason ("Why …?", "What causes …?"): a sentence that gives one answers it.
        contrast: It names two arms ("X compared with Y", "X versus Y"): a finding has a direction.
        extreme: It asks which of several comparable figures is highest, lowest, best or worst.
        advice: It asks what to do or what the authors recommend ("what should I give", "what do the
            authors prefer"): their advice answers it, not a case narrative.
        case: It asks about the patient of a case report ("the patient in the case").
        population_words: Keywords that are part of how it names its population ("failure" of "after CAR
            T failure"): a figure for that population need not repeat them.
        alternatives: The entities of each alternative it offers ("glofitamab or epcoritamab?",
            "allo-HCT or a bispecific antibody?"): a choice, not a yes/no question.
    """

    text: str
    entities: set[str]
    unknown: list[str]
    measure: str | None
    populations: set[str]
    units: tuple[str, ...]
    reference_field: str | None
    keywords: set[str] = field(default_factory=set)
    terms: set[str] = field(default_factory=set)
    numbers: set[float] = field(default_factory=set)
    asks_text: bool = False
    asks_quantity: bool = False
    yes_no: bool = False
    landmark: tuple[int, str] | None = None
    drugs: set[str] = field(default_factory=set)
    unknown_drugs: list[str] = field(default_factory=list)
    defines: bool = False
    entity_words: set[str] = field(default_factory=set)
    explicit_quantity: bool = False
    compares: bool = False
    outcome: str = ""
    why: bool = False
    contrast: bool = False
    extreme: Extreme | None = None
    advice: bool = False
    case: bool = False
    population_words: set[str] = field(default_factory=set)
    alternatives: tuple[frozenset[str], ...] = ()


_OR = re.compile(r"(?P<left>[\w+×/-]+(?:\s+[\w+×/-]+){0,2})\s+or\s+(?:an?\s+|the\s+)?(?P<right>[\w+×/-]+(?:\s+[\w+×/-]+){0,2})",
                 _I)


_CHOICE = re.compile(r"\b(?:better|best|prefer\w*|superior|inferior|worse|safer|more (?:effective|active|toxic)|"
                     r"more|less|fewer|higher|lower|longer|shorter|instead|rather|choose|choice|pick|first)\b", _I)
_CHOOSING = re.compile(r"\s*(?:should|would|do|can) (?:i|we|you) (?:give|use|choose|start|try|offer|pick|prescribe)\b", _I)


def _alternatives(text: str, lexicon: Lexicon) -> tuple[frozenset[str], ...]:
    """The entities of each side of an "A or B" the question offers as a choice — the question is "A or B
    …?", asks which to give, or weighs them ("better", "preferred") — when both sides name different ones.
    "Must CD19 be present for A or B to work?" offers no choice: it asks about both."""
    offered = bool(lexicon.entities_in(" ".join(word_tokens(text)[:1]))) or _CHOOSING.match(text) or _CHOICE.search(text)
    for match in _OR.finditer(text) if offered else ():
        sides = [frozenset(lexicon.entities_in(match.group(side))) for side in ("left", "right")]
        if all(sides) and not sides[0] & sides[1]:
            return tuple(sides)
    return ()


def _measure(text: str, vocab: Vocabulary) -> tuple[str | None, list[tuple[str, int, int]]]:
    measures = vocab.find_measures(text)
    if not measures:
        return None, measures
    count = vocab.count_measure
    if measures[0][0] == count and _HOW_MANY.match(text):
        return count, measures
    pool = [m for m in measures if m[0] != count] or measures
    # A trial named in passing ("in the pivotal trial") is context when a figure is asked for.
    pool = [m for m in pool if not vocab.textual(m[0])] or pool
    # The most specific wording wins ("duration of response" over "responses").
    return max(pool, key=lambda m: m[2] - m[1])[0], measures


def _populations(text: str, entities: set[str], vocab: Vocabulary) -> tuple[set[str], set[str]]:
    """The populations asked about, and the entities left once those that name a population are removed
    ("glofitamab CR after axi-cel": the CAR T product names the population, not the subject)."""
    pops = {p for p, _ in vocab.populations_in(text)}
    for population in vocab.populations:
        shape = population.entity_shape
        shaped = {e for e in entities if shape is not None and shape.search(e)}
        if shaped and entities - shaped:
            entities = entities - shaped
        elif shaped:  # the product is the subject: its name is no population
            cleaned = re.sub(rf"\b\w+(?:-?{shape.pattern.rstrip('$')})\b", "", text, flags=_I)
            pops = {p for p, _ in vocab.populations_in(cleaned)}
            continue
        mentioned = population.mentioned_by
        if entities and mentioned is not None and not pops - vocab.whole and mentioned.search(text):
            # Asked about another therapy, "the CAR T subgroup" means patients treated with it before.
            pops |= {population.key}
    return pops, entities


def _reference_field(text: str, measure: str | None, vocab: Vocabulary) -> str | None:
    if not (_STRONG_REFERENCE_CUE.search(text) or (_REFERENCE_CUE.search(text) and (
            measure is None or vocab.role(measure) is MeasureRole.name))):
        return None
    for name, pattern in vocab.reference_fields:
        if pattern.search(text):
            return name
    return "reference"


_OUTCOME = re.compile(r"\b(?:effects?|impact|influence|differences?)\b.*?\b(?:on|in terms of|regarding|for)\s+(?P<outcome>[^?]{3,}?)\s*\??\s*$",
                      _I)
_ARMS = re.compile(r"\b(?:compared (?:with|to)|versus|vs\.?)\b", _I)


def _outcome(text: str) -> str:
    """The outcome of "what was the effect of X compared with Y on Z?" (Z), or ""."""
    match = _OUTCOME.search(text)
    if not match:
        return ""
    outcome = match.group("outcome")
    arms = list(_ARMS.finditer(outcome))  # "on A compared with B on Z": the last "on" is the outcome's
    return outcome[arms[-1].end():].split(" on ", 1)[-1].strip() if arms else outcome.strip()


def analyse(text: str, lexicon: Lexicon) -> Question:
    """Read the entity, measure, population and expected unit of ``text``."""
    vocab = lexicon.domain
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
    entities |= lexicon.labelled_arms(text)
    measure, measures = _measure(text, vocab)
    units = vocab.question_unit_classes(text)
    if vocab.role(measure) is MeasureRole.event and units and not set(units) & set(vocab.measure_by_key[measure].units):
        measure = None  # "at which day was she free of toxicity": the event is context, the day is asked
    pops, entities = _populations(text, entities, vocab)
    topic = text
    for _, start, end in sorted(measures, key=lambda m: -m[1]):  # the measure is not the topic
        topic = topic[:start] + " " + topic[end:]
    alternatives = _alternatives(text, lexicon)
    yes_no = bool(_YES_NO.match(text)) and not alternatives
    extreme = _extreme(text, yes_no, [start for _, start, _ in measures])
    if extreme is not None:  # "highest", "longer": which figure is asked for, not what it is about
        topic = _superlatives(topic)
    ignore = _FORM_WORDS | vocab.question_stopwords
    keywords = vocab.stems(" ".join(w for w in word_tokens(topic) if w.lower() not in entity_words)) - ignore
    said = " ".join(m.group() for p in vocab.populations if p.key in pops for m in p.pattern.finditer(text))
    terms = vocab.stems(text if extreme is None else _superlatives(text)) - _TERM_FORM_WORDS
    numbers = {float(n) for n in _NUMBER.findall(text)}
    explicit = bool(_QUANTITY_CUE.search(text)) or bool(vocab.asks_quantity.search(text))
    descriptive = bool(_DESCRIPTIVE.match(text)) or (yes_no and not explicit)
    named = measure is not None and vocab.role(measure) is not MeasureRole.event  # an event alone is a topic
    asks_quantity = not descriptive and (bool(units) or named or explicit)
    asks_text = not asks_quantity and (bool(_TEXT_QUESTION.match(text)) or yes_no or descriptive)
    return Question(text, entities, unknown, measure, pops, units, _reference_field(text, measure, vocab), keywords,
                    terms, numbers, asks_text, asks_quantity, yes_no, vocab.landmark(text),
                    {e for e in entities if lexicon.is_drug(e)}, [w for w in unknown if lexicon.is_drug(w.lower())],
                    bool(entities) and bool(_DEFINITION.search(text)), entity_words, explicit or bool(units),
                    bool(_COMPARES.search(text) or _COMPARATIVE.search(text)), _outcome(text),
                    bool(_WHY.match(text)), bool(_ARMS.search(text)), extreme,
                    bool(_ADVICE_QUESTION.search(text)), bool(_CASE_QUESTION.search(text)),
                    vocab.stems(said) & keywords, alternatives)
