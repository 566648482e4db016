"""The corpus's entity vocabulary: names, aliases, spelling variants, question reading."""

from __future__ import annotations

import pytest

from citeqa.ingest.pipeline import parse_document, parse_text
from citeqa.qa.lexicon import build_lexicon
from citeqa.qa.question import analyse
from citeqa.qa.vocabulary import load_vocabulary

ONCOLOGY = load_vocabulary("oncology")


@pytest.fixture(scope="module")
def lexicon(review_path):
    return build_lexicon([parse_document(review_path)], ONCOLOGY)


def test_table_headers_and_trial_names_are_entities(lexicon):
    for name in ("epcoritamab", "glofitamab", "selinexor", "lotis2", "lmind", "kite363", "swog"):
        assert name in lexicon.vocab


def test_generic_words_are_not_entities(lexicon):
    for word in ("tcell", "followup", "cd19", "dlbcl", "oneyear", "postcar"):
        assert word not in lexicon.vocab


def test_both_misspellings_of_odronextamab_are_one_entity(lexicon):
    assert lexicon.entities_in("Odronektamab") == lexicon.entities_in("Odronebamab")
    found, unknown = lexicon.resolve_question("odronextamab ORR")
    assert found == lexicon.entities_in("Odronebamab") and not unknown


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("lonca ORR", {"loncastuximab"}),
        ("tafa-len PFS", {"tafasitamab", "lenalidomide"}),
        ("pola-BR OS", {"bendamustine", "rituximab"}),
        ("glofit CR", {"glofitamab"}),
        ("epcoritamib CR", {"epcoritamab"}),
        ("allo-HCT NRM", {"allohct"}),
    ],
)
def test_abbreviations_prefixes_and_typos_resolve(lexicon, question, names):
    found, unknown = lexicon.resolve_question(question)
    assert names <= found and not unknown


def test_unknown_drug_is_reported(lexicon):
    found, unknown = lexicon.resolve_question("teclistamab ORR")
    assert not found and unknown == ["teclistamab"]


def test_definitions_and_glossaries_generalise_to_new_text():
    doc = parse_text(
        "A review\n\nWe treated patients with brexucabtagene autoleucel (brexu-cel) and zanubrutinib (zanu). "
        "The ORR with zanu was 70%.\n",
        doc_id="new",
    )
    lexicon = build_lexicon([doc], ONCOLOGY)
    assert lexicon.resolve_question("zanu response")[0] == {"zanubrutinib"}


@pytest.mark.parametrize(
    ("question", "measure", "populations"),
    [
        ("What CR rate did epcoritamab reach after CAR T failure?", "cr", {"post_cart"}),
        ("median duration of response to glofitamab", "dor", set()),
        ("How many patients with prior CAR T were in the glofitamab study?", "n", {"post_cart"}),
        ("CR in patients refractory to CAR T", "cr", {"refractory", "post_cart"}),
        ("PFS in the control arm", "pfs", {"control"}),
        ("1-year nonrelapse mortality after allo-HCT", "nrm", set()),
        ("glofitamab CR after axi-cel", "cr", {"post_cart"}),
    ],
)
def test_question_measure_and_population(lexicon, question, measure, populations):
    q = analyse(question, lexicon)
    assert q.measure == measure
    assert q.populations - {"overall"} == populations


def test_trial_arms_are_learned_from_how_reports_name_them():
    doc = parse_text(
        "Acupuncture for chronic neck pain\n\nMethods\n\nPatients were randomised to acupuncture or sham "
        "acupuncture. The acupuncture group had 12 sessions.\n\nResults\n\nPain fell more in the acupuncture "
        "group than in the sham group (p=0.01). The control group was told to rest.\n",
        doc_id="neck",
    )
    lexicon = build_lexicon([doc], load_vocabulary("clinical-trial"))
    assert "acupuncture" in lexicon.vocab  # named as an arm three times
    assert not {"sham", "control", "pain"} & lexicon.vocab


@pytest.mark.parametrize(("short", "long", "expected"), [
    ("lonca", "loncastuximab tesirine", True), ("tafa+len", "tafasitamab plus lenalidomide", True),
    ("HADS", "Hospital Anxiety and Depression Scale", True), ("R-chemo", "rituximab plus chemotherapy", True),
    ("BR", "bendamustine-rituximab", True), ("allo-HCT", "Allogeneic stem cell transplant", True),
    ("score", "Secondary outcome measures General health measures WHODAS", False),
    ("Standard", "salbutamol as reliever", False),
])
def test_an_alias_must_abbreviate_its_long_form(short, long, expected):
    from citeqa.qa.lexicon import abbreviates

    assert abbreviates(short, long) is expected


def test_words_of_headings_in_capitals_are_not_names():
    doc = parse_text("A trial\n\nRESULTS AND SCORE\n\nThe score rose with the SWOG regimen; results were good.\n",
                     doc_id="caps")
    lexicon = build_lexicon([doc], load_vocabulary("clinical-trial"))
    assert "swog" in lexicon.vocab and not {"results", "score"} & lexicon.vocab
    assert lexicon.resolve_word("score") == (set(), False)  # written by the corpus: no misspelt name


def test_an_entity_is_shown_as_the_text_first_spells_it_in_every_process():
    """The display form is the first spelling in the text, not whichever a set happens to yield first
    (that varied with the process's hash seed, and with it the query and the answer)."""
    import subprocess
    import sys

    script = (
        "from citeqa.ingest.pipeline import parse_text\n"
        "from citeqa.qa.lexicon import build_lexicon\n"
        "from citeqa.qa.vocabulary import load_vocabulary\n"
        "doc = parse_text('Inhaled steroids\\n\\nFluticasone was given twice daily. Patients on fluticasone and "
        "on Salmeterol or salmeterol did well.\\n', doc_id='d')\n"
        "lex = build_lexicon([doc], load_vocabulary('clinical-trial'))\n"
        "print(lex.display.get('fluticasone'), lex.display.get('salmeterol'))\n"
    )
    shown = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout.strip() for seed in range(6)}
    assert shown == {"Fluticasone Salmeterol"}
