"""A word the corpus writes in any form — whole, as a part of a compound, as the initials of a phrase, or
misspelt by one letter — is never "not mentioned in any indexed document"; a word it never writes is."""

from __future__ import annotations

from pathlib import Path

import pytest

from citeqa.index.testing import HashEmbedder
from citeqa.qa.forms import CorpusForms
from citeqa.qa.lexicon import word_tokens
from helpers import engine_over

TEXT = (
    "Outcomes after allogeneic transplant\n\n"
    "Results\n\n"
    "Of 88 patients, 41 received allo-HCT after relapse; the 1-year overall survival was 59%. "
    "Relapse was the main cause of death, and drug release was not measured. "
    "Risk was scored with the International Prognostic Index before treatment. "
    "The Center for International Blood & Marrow Transplant Research registry reported the data. "
    "Patients with non-Hodgkin lymphoma had a complete response rate of 45% with zanamivir and influenza vaccination. "
    "Tumour diameter was 6 cm in the index case. Relapse after response was rare.\n"
)
NOT_MENTIONED = "not mentioned in any indexed document"


@pytest.fixture(scope="module")
def forms() -> CorpusForms:
    out = CorpusForms()
    out.read(word_tokens(TEXT), TEXT)
    return out


@pytest.mark.parametrize("word", ["HCT", "allo", "IPI", "CIBMTR", "Relapse", "allo-HCT"])
def test_written_forms_are_mentions(forms, word):
    assert forms.mentions(word)


@pytest.mark.parametrize("word", ["Hodgkin", "GVHD", "R-CHOP", "unicornumab", "ipi"])
def test_unwritten_words_are_not_mentions(forms, word):
    assert not forms.mentions(word)  # "non-Hodgkin" negates Hodgkin; "ipi" in lower case is no acronym


def test_initials_expand_to_the_phrase(forms):
    assert forms.expansion("IPI") == "International Prognostic Index"
    assert forms.expansion("CIBMTR") == "Center for International Blood & Marrow Transplant Research"
    assert forms.expansion("HCT") is None  # no capitalised phrase of those initials


@pytest.mark.parametrize(
    ("typo", "word"),
    [("respnse", "response"), ("relpase", "relapse"), ("Influenze", "influenza"), ("Zanamavir", "zanamivir")],
)
def test_a_misspelling_one_edit_away_is_corrected(forms, typo, word):
    assert forms.correction(typo) == word


@pytest.mark.parametrize("word", ["diabetes", "unicornumab", "cure", "response", "survivals"])
def test_other_words_are_not_corrected(forms, word):
    # two edits ("diabetes" → "diameter") is another word; short and written words stay; "survivals" is
    # one edit from "survival", which the corpus writes: it is corrected only when that is the case
    corrected = forms.correction(word)
    assert corrected is None or (word, corrected) == ("survivals", "survival")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return engine_over(tmp_path_factory.mktemp("forms"), {"transplant.txt": TEXT}, HashEmbedder())


@pytest.mark.parametrize(
    "question",
    [
        "What was overall survival after allogeneic HCT?",
        "What does the IPI predict?",
        "What did the CIBMTR report?",
        "What was the complete respnse rate?",
        "How often was relpase the cause of death?",
    ],
)
def test_questions_in_another_form_are_not_called_absent(engine, question):
    answer = engine.ask(question)
    assert NOT_MENTIONED not in (answer.reason or ""), answer.reason
    assert answer.question == question  # the answer keeps the question as asked


def test_a_typo_gets_the_answer_of_the_right_spelling(engine):
    right, typo = engine.ask("What was the complete response rate?"), engine.ask("What was the complete respnse rate?")
    assert not right.abstained and typo.answer == right.answer and typo.value == right.value


@pytest.mark.parametrize(("question", "word"), [("What was the response to unicornumab?", "unicornumab"),
                                                ("How did Hodgkin lymphoma respond?", "Hodgkin")])
def test_a_name_never_written_is_still_absent(engine, question, word):
    answer = engine.ask(question)
    assert answer.abstained and f"{word} is {NOT_MENTIONED}" in answer.reason


SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_PDFS = SHARED / "corpus" / "pdfs"
LITQA2_PDFS = SHARED / "benchmarks" / "litqa2" / "pdfs"


def _absent_abbreviations(files: list[Path], root: Path) -> tuple[int, list[tuple[str, str, str]]]:
    """Ask about every "long form (SHORT)" pair the Schwartz–Hearst algorithm finds in ``files``, by
    either form (and a compound short form by each of its parts): how many were asked, and those
    answered "not mentioned"."""
    from abbreviations import schwartz_hearst

    from citeqa.index.store import build_index, load_index
    from citeqa.qa.engine import Engine
    from citeqa.qa.vocabulary import load_vocabulary

    embedder = HashEmbedder()
    build_index(files, root / "index", embedder)
    engine = Engine(load_index(root / "index"), embedder, load_vocabulary("clinical-trial"))
    asked, absent = 0, []
    for doc in engine.index.documents.values():
        pairs = schwartz_hearst.extract_abbreviation_definition_pairs(doc_text=doc.text)
        for short, long in pairs.items():
            parts = [p for p in short.replace("/", "-").split("-") if len(p) >= 3 and p != short]
            for question in [f"What is {short}?", f"What does {long} mean?", *(f"What about {p}?" for p in parts)]:
                asked += 1
                reason = engine.ask(question).reason or ""
                if NOT_MENTIONED in reason:
                    absent.append((doc.doc_id, question, reason))
    return asked, absent


@pytest.mark.skipif(not SHARED_PDFS.is_dir(), reason="../shared/corpus/pdfs is absent (CI has it)")
def test_no_defined_abbreviation_of_the_review_and_journal_pdfs_is_called_absent(tmp_path, review_path):
    asked, absent = _absent_abbreviations([review_path, *sorted(SHARED_PDFS.glob("*.pdf"))], tmp_path)
    assert asked >= 50 and absent == []


@pytest.mark.slow
@pytest.mark.skipif(not LITQA2_PDFS.is_dir(), reason="../shared/benchmarks/litqa2/pdfs is absent (CI has it)")
def test_no_defined_abbreviation_of_the_litqa2_papers_is_called_absent(tmp_path):
    asked, absent = _absent_abbreviations(sorted(LITQA2_PDFS.glob("*.pdf")), tmp_path)
    assert asked >= 300 and absent == [], absent[:20]


REGIMEN = (
    "A case of relapsed lymphoma\n\nCase\n\n"
    "She completed 6 cycles of rituximab, cyclophosphamide, doxorubicin, vincristine, and prednisone, "
    "achieving a complete response. She relapsed 6 months later.\n"
)


def test_a_field_abbreviation_the_corpus_writes_only_in_full_is_mentioned(tmp_path):
    engine = engine_over(tmp_path, {"case.txt": REGIMEN}, HashEmbedder(), pack="oncology")
    assert engine.lexicon.mentions("R-CHOP")  # the oncology pack's abbreviation, its five drugs written
    assert "rituximab cyclophosphamide doxorubicin vincristine prednisone" in engine.lexicon.expansions("R-CHOP cycles")
    answer = engine.ask("How many cycles of R-CHOP did she receive?")
    assert NOT_MENTIONED not in (answer.reason or "")
    assert not engine.lexicon.mentions("R-ICE")  # ifosfamide, carboplatin and etoposide are not written
    assert f"R-ICE is {NOT_MENTIONED}" in (engine.ask("How many cycles of R-ICE did she receive?").reason or "")


def test_a_clipped_word_stands_for_the_written_words_it_begins():
    text = "Chemotherapy after CAR T rarely helps. Chemotherapy was given twice; chemorefractory disease was common."
    forms = CorpusForms()
    forms.read(word_tokens(text), text)
    assert forms.completions("chemo") == ["chemotherapy", "chemorefractory"]  # most frequent first
    assert forms.completions("Chemo", most=1) == ["chemotherapy"]
    assert forms.completions("che") == []  # three letters begin too many words
    assert forms.completions("immuno") == []
