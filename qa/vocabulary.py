"""Domain vocabulary of clinical-trial reporting: measures, populations, units.

This is knowledge of how oncology papers report results, not of any one paper: the
same patterns read a question ("how often did X produce a complete response") and a
source ("CR, %" in a table, "34% achieved a CR" in a sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    pattern: re.Pattern[str]
    units: tuple[str, ...]
    """Unit classes a value of this measure can have, preferred first."""


def _m(key: str, label: str, pattern: str, units: tuple[str, ...], flags: int = _I) -> Measure:
    return Measure(key, label, re.compile(pattern, flags), units)


# Order matters: longer, more specific measures first; matched spans are consumed.
MEASURES: tuple[Measure, ...] = (
    _m("grfs", "GVHD-free relapse-free survival", r"\bGRFS\b|graft[- ]versus[- ]host[- ]disease[- ]free[- ]relapse[- ]free survival|GVHD[- ]free,? relapse[- ]free survival", ("%", "months")),
    _m("dcr", "duration of complete response", r"\bduration of (?:a |the )?(?:CR|complete (?:response|remission))s?\b|\bCR duration\b|(?:\bCR|complete (?:response|remission))s? (?:that |which )?(?:last|persist)\w*|\bhow long\b.{0,40}\b(?:CR|complete (?:response|remission))", ("months",)),
    _m("dor", "duration of response", r"\bDO[RT]\b|\bduration of (?:the )?(?:response|remission)s?\b|\bresponse duration\b|\bresponses? (?:last|persist|endure)\w*|\bhow long\b.{0,40}\brespon\w*|\bdurab\w+ (?:of )?response", ("months",)),
    _m("pfs", "progression-free survival", r"\bPFS\b|progression[- ]free(?: survival)?", ("months", "%")),
    _m("efs", "event-free survival", r"\bEFS\b|event[- ]free(?: survival)?", ("months", "%")),
    _m("nrm", "nonrelapse mortality", r"\bNRM\b|non[- ]?relapse mortality|transplant[- ]related mortality|\bTRM\b", ("%",)),
    _m("os", "overall survival", r"\bOS\b|overall survival|\bsurvival\b|\bsurviv\w*|\balive\b", ("months", "%")),
    _m("cr", "complete response rate", r"(?-i:\bCRs?\b)|\bCRR\b|complete (?:metabolic )?(?:response|remission)s?|\bcompletely respon\w*", ("%",)),
    _m("orr", "objective response rate", r"\bORR\b|\bOR\b(?= rate)|objective response|overall response|response rates?|\brespon(?:se|ses|d|ded|ding|der|ders)\b", ("%",)),
    _m("crs", "cytokine release syndrome", r"(?-i:\bCRS\b)|cytokine release", ("%",)),
    _m("icans", "neurotoxicity (ICANS)", r"(?-i:\bICANS\b)|neurotox\w*|immune effector cell", ("%",)),
    _m("infection", "infection", r"\binfections?\b", ("%",)),
    _m("relapse", "progression/relapse", r"\b(?:progression|relapse)(?:/| or | and )(?:progression|relapse)\b|\brelapse (?:rate|incidence)\b|\b(?:rate|incidence) of (?:relapse|progression)\b|\brelapse\b(?= (?:and|or|were|was|at))", ("%",)),
    _m("cytopenia", "cytopenia", r"cytopeni\w*", ("%",)),
    _m("followup", "follow-up", r"follow[- ]?up", ("months",)),
    _m("n", "number of patients", r"\bsample size\b|\bhow many (?:[\w-]+ ){0,3}(?:patients|people|subjects|participants|individuals|pts)\b|\bnumber of (?:[\w-]+ ){0,3}(?:patients|people|subjects|participants|pts)\b|\bcohort size\b|\bpatients? (?:were )?(?:enrolled|included|treated|accrued)\b|\benrol\w*|\bhow many\b(?= (?:were|was|had|did|are|in|of|received|got)\b)|\bhow large\b.{0,15}\b(?:cohort|study|trial)\b|\bsize of\b", ("count",)),
    _m("identifier", "trial identifier", r"\bNCT\b|\bclinical ?trials?(?:\.gov)? (?:info|identifier|id|number|registration)\b|\bregistration (?:number|id)\b|\btrial (?:number|identifier|id|info)\b|\bregistry\b|\bidentifier\b", ("text",)),
    _m("trial", "trial", r"\btrial names?\b|\bwhich (?:pivotal |registration(?:al)? )?(?:trial|study)\b|\bwhat (?:pivotal |registration(?:al)? )?(?:trial|study)\b|\bname of the\b.{0,40}\b(?:trial|study)\b|\bpivotal (?:trial|study)\b", ("text",)),
)

MEASURE_BY_KEY = {m.key: m for m in MEASURES}

# Reference questions: which field of the reference entry is asked for.
REFERENCE_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("author", re.compile(r"\bwho\b|\bauthors?\b|\bwrote\b|\bled by\b|\binvestigators?\b|\bgroup\b", _I)),
    ("journal", re.compile(r"\bjournal\b|\bwhere\b.{0,40}\bpublished\b|\bpublished in\b|\bwhich publication\b|\bvenue\b", _I)),
    ("year", re.compile(r"\bwhen\b|\byear\b|\bwhat year\b", _I)),
    ("reference", re.compile(r"\breferences?\b|\bcitations?\b|\bcited\b|\bsource\b|\bprimary (?:study|paper|publication)\b|\bwhich (?:paper|article|publication)\b|\bpublication\b|\bpaper\b", _I)),
)


@dataclass(frozen=True)
class Population:
    key: str
    pattern: re.Pattern[str]


# CAR T by name too: products are "-cel"s (axi-cel, liso-cel, tisagenlecleucel).
_CART = r"CAR[- ]?T(?:[- ]cells?)?(?:[- ]cell)?(?: therapy| treatment)?|CART\b|CAR[- ]T[- ]cell|chimeric antigen receptor|cellular therapy|\w+-cel\b|\w+leucel\b|\w+cabtagene\b"
# A population is a feature of a question or of a source clause.
POPULATIONS: tuple[Population, ...] = (
    Population("refractory", re.compile(r"\b(?:were|was|are|being|is) refractory\b|\brefractory to (?:prior |previous |the )?(?:" + _CART + r")|\b(?:" + _CART + r")[- ]refractory\b|\bthose with refractory disease\b|\bprimary refractory\b(?! or)|\bnon-?responders?\b|\bfailed to respond\b", _I)),
    Population("relapsed", re.compile(r"\brelapsed (?:disease |patients )?(?:after|following)\b|\bwho (?:had )?relapsed\b|\brelaps\w* after (?:responding|response)|\bwho (?:responded|respond)\b.{0,40}\bthen relapse", _I)),
    Population("post_cart", re.compile(r"(?:\bafter|\bfollowing|\bpost[- ]?|\bprior|\bprevious(?:ly)?(?: treated with| received)?|\bfail(?:ed|ure|ing)?(?: of)?|\bprogress\w*(?: after| following| on)?|\brelaps\w*(?: after| following)?|\breceived(?: prior)?|\bhad(?: prior| received)?|\bexposed to|\bpretreated with|\bexposure to|\bresistant to)[\s-]*(?:an? |the |prior |previous |anti-CD19 |CD19 |autologous |CD19-directed |standard-of-care |commercial ){0,3}(?:" + _CART + r")|\b(?:treated|pretreated|given|received|exposed|failed|failing)\b(?: \w+){0,2} (?:" + _CART + r")|\b(?:" + _CART + r")\b.{0,12}\bbefore\b|\bpost[- ]?CAR[- ]?T\b|\bpost[- ]?CART\b|\bCAR[- ]?T[- ](?:cell )?(?:failure|exposed|pretreated|relapse)", _I)),
    Population("without_cart", re.compile(r"\bwithout (?:prior |previous )?(?:" + _CART + r")|\bCAR[- ]?T[- ]na[iï]ve\b|\bnot (?:previously )?(?:treated with|received) (?:prior )?(?:" + _CART + r")", _I)),
    Population("control", re.compile(r"\bcontrol arm\b|\bcontrol group\b|\bcomparator\b|\bstandard(?:-of-)? ?care arm\b|\bwithout (?:the )?(?:addition of )?pola\w*|\balone\b", _I)),
    Population("localized", re.compile(r"\blocali[sz]ed\b", _I)),
    Population("overall", re.compile(r"\boverall (?:cohort|study population|population)\b|\bentire (?:cohort|study|population)\b|\bwhole (?:cohort|study|population)\b|\ball (?:enrolled |treated )?patients\b|\bfull (?:cohort|population)\b|\bintention[- ]to[- ]treat\b", _I)),
)

# Populations that imply another (refractory to CAR T is a subset of post-CAR T).
IMPLIES = {"refractory": {"post_cart"}, "relapsed": {"post_cart"}}

# Words that refer back to the population or subject of the previous sentence.
ANAPHORA = re.compile(r"\b(?:these|those|this|such) (?:patients|subgroup|population|cohort|group)\b|\bamong them\b|\bthis study\b|\bthe study population\b", _I)


# Units of a number mention, by the words that follow it.
UNIT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("%", re.compile(r"^\s?(?:%|percent\b|per cent\b)", _I)),
    ("months", re.compile(r"^[\s-]?(?:months?|mos?\b|mo\.)", _I)),
    ("years", re.compile(r"^[\s-]?(?:years?|yrs?)\b(?![- ]old)", _I)),
    ("years-old", re.compile(r"^[\s-]?years?[- ]old\b", _I)),
    ("weeks", re.compile(r"^[\s-]?(?:weeks?|wks?)\b", _I)),
    ("days", re.compile(r"^[\s-]?days?\b", _I)),
    ("cm", re.compile(r"^\s?(?:cm|centimet\w+)\b", _I)),
    ("mm", re.compile(r"^\s?(?:mm|millimet\w+)\b", _I)),
    ("cycles", re.compile(r"^\s?(?:\w+ ){0,1}cycles?\b", _I)),
    ("count", re.compile(r"^\s?(?:\(\d+%?\)\s)?(?:\(n\s?=\s?\d+\s?\w*\)\s)?(?:patients?|pts|people|subjects|participants|individuals|cases|DLBCL)\b", _I)),
)

# What kind of value a question asks for, from its wording.
QUESTION_UNITS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\bhow old\b|\bage\b|\baged\b", _I), ("years-old", "years")),
    (re.compile(r"\bhow many (?:patients|people|subjects|participants|cases|individuals)\b|\bnumber of (?:patients|people|subjects|participants)\b|\bsample size\b", _I), ("count",)),
    (re.compile(r"\bhow many cycles\b|\bcycles\b", _I), ("cycles",)),
    (re.compile(r"\bhow many days\b|\bwhich day\b|\bwhat day\b|\bday\b", _I), ("days",)),
    (re.compile(r"\bhow (?:large|big)\b|\bsize\b|\bdiameter\b|\bcm\b", _I), ("cm", "mm")),
    (re.compile(r"\bmedian (?:OS|PFS|EFS|DOR|overall survival|progression|event|duration|follow|time|survival)", _I), ("months",)),
    (re.compile(r"\bhow many months\b|\bhow long\b|\bmonths?\b|\bduration\b|\bmedian time\b|\btime (?:from|to|between)\b|\bwhen did\b", _I), ("months", "years", "days", "weeks")),
    (re.compile(r"\bpercent\w*\b|%|\bproportion\b|\bshare\b|\bfraction\b|\bhow often\b|\brate\b|\bwhat portion\b|\bhow (?:common|frequent)\b", _I), ("%",)),
)


LANDMARK = re.compile(
    r"\b(\d+|one|two|three|four|five|ten)[- ](year|month)s?\b(?=[\s-]*(?:\w+[\s,]+){0,2}(?:OS|PFS|EFS|GRFS|NRM|overall|progression|event|survival|nonrelapse|non-relapse|relapse|mortality|rates?|landmark))",
    _I,
)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}


def landmark(text: str) -> tuple[int, str] | None:
    """The time point a survival figure is read at ("1-year OS" → (1, "year")), if any."""
    match = LANDMARK.search(text)
    if not match:
        return None
    n = match.group(1).lower()
    return (int(n) if n.isdigit() else _WORD_NUMBERS[n], match.group(2).lower())


_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty|thirty"
_GIVEN_QUANTITY = re.compile(rf"\b(?:\d+(?:\.\d+)?|{_NUMBER_WORDS})[\s-]*(?:%|percent|months?|mos?|years?|weeks?|days?|cm|mm|patients?|pts)\b", _I)
_PERCENT_ASKED = re.compile(r"^\W*(?:\w+\W+){0,3}?(?:what|which) (?:percentage|proportion|fraction|share|percent)\b", _I)


def question_units(text: str) -> tuple[str, ...]:
    """Return the unit classes a question's wording asks for, in order of preference.

    Quantities the question itself states ("within 6 months") are context, not the ask.
    """
    text = _GIVEN_QUANTITY.sub(" ", text)
    if _PERCENT_ASKED.search(text):
        return ("%",)
    units: list[str] = []
    for pattern, classes in QUESTION_UNITS:
        if pattern.search(text):
            units.extend(u for u in classes if u not in units)
    return tuple(units)


# Stems that name the same thing in this field (radiotherapy / radiation, transplant / HCT).
SYNONYMS = {
    "radiotherapi": "radiat", "irradi": "radiat", "hct": "transplant", "sct": "transplant", "transplant": "transplant",
    "transplantat": "transplant", "remiss": "respons", "toxic": "toxic", "advers": "toxic",
}

NOT_REPORTED = re.compile(r"^(?:—|–|-|‒|―|NA|N/A|not reported|not available|not evaluated|not assessed|\.\.\.|…)$", _I)
NOT_REACHED = re.compile(r"^not reached$|^NR \(not reached\)$|^not yet reached$", _I)
