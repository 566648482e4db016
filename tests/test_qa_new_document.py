"""The approach carries over to a review it was never tuned on (a short MCL review)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

MCL_REVIEW = """Treatment of relapsed mantle cell lymphoma after BTK inhibitors

A. Author¹ and B. Writer²

Covalent Bruton tyrosine kinase (BTK) inhibitors have changed the management of mantle cell lymphoma (MCL). \
Pirtobrutinib, a noncovalent BTK inhibitor, achieved an ORR of 57% among 90 patients previously treated with a \
covalent BTK inhibitor, with a median PFS of 7.4 months.¹ Brexucabtagene autoleucel (brexu-cel) produced a CR rate \
of 67% in the ZUMA-2 trial.²

Table 1. Selected trials in relapsed MCL

Characteristic\tPirtobrutinib ¹\tBrexu-cel ²\tGlofitamab ³
Sample size\t90\t68\t60
ORR, %\t57\t93\t85
CR, %\t19\t67\t78
PFS, mo\t7.4\t25.8\tNot reported

References

1. Wang ML, Jurczak W, Zinzani PL, et al. Pirtobrutinib in covalent BTK-inhibitor pretreated mantle-cell lymphoma. \
*J Clin Oncol.* 2023;41(24):3988-3997.
2. Wang M, Munoz J, Goy A, et al. KTE-X19 CAR T-cell therapy in relapsed or refractory mantle-cell lymphoma. \
*N Engl J Med.* 2020;382(14):1331-1342.
3. Phillips TJ, Dickinson M, Morschhauser F, et al. Glofitamab in relapsed mantle cell lymphoma. \
*Blood.* 2022;140(suppl 1):178-180.
"""


@pytest.fixture(scope="module")
def mcl_engine(tmp_path_factory, embedder):
    from citeqa.index.store import build_index, load_index
    from citeqa.qa.engine import Engine

    folder = tmp_path_factory.mktemp("mcl")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "mcl.txt").write_text(MCL_REVIEW, encoding="utf-8")
    build_index([folder / "corpus"], folder / "index", embedder)
    return Engine(load_index(folder / "index", embedder.name, embedder.dimension), embedder)


@pytest.mark.parametrize(
    ("question", "number", "reference"),
    [
        ("What ORR did pirtobrutinib achieve?", 57, 1),
        ("CR rate with brexu-cel", 67, 2),  # the alias is defined in the text
        ("How many patients received glofitamab?", 60, 3),
        ("median PFS with pirtobrutinb", 7.4, 1),  # misspelt
    ],
)
def test_new_review_figures(mcl_engine, question, number, reference):
    answer = mcl_engine.ask(question)
    assert answer.value is not None and answer.value.number == number, answer.answer
    assert answer.citations[0].references[0].number == reference
    doc = mcl_engine.index.documents[answer.citations[0].doc_id]
    assert doc.text[answer.citations[0].start : answer.citations[0].end] == answer.citations[0].quote


def test_new_review_abstains(mcl_engine):
    assert mcl_engine.ask("Median PFS of glofitamab in MCL?").reason == "not reported"
    assert mcl_engine.ask("What is the ORR of zanubrutinib?").reason.startswith("not in the corpus")


def test_new_review_reference(mcl_engine):
    assert mcl_engine.ask("Who first-authored the pirtobrutinib study?").answer.startswith("Wang ML")
