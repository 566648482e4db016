"""The subject of an answer is an entity or a measure, never the heading of the section the figure sits in."""

from __future__ import annotations

import pytest

from citeqa.index.testing import HashEmbedder
from helpers import engine_over

TEXT = (
    "Outcomes of a community programme\n\n"
    "Methods\n\n"
    "Follow-up visits were scheduled every 3 months for 24 months.\n\n"
    "Statistical analysis\n\n"
    "Of the questionnaires returned, 9% had missing answers and were excluded.\n\n"
    "Case\n\n"
    "She completed 6 cycles of rituximab, cyclophosphamide, doxorubicin, vincristine, and prednisone.\n"
)
HEADINGS = ("Methods", "Statistical analysis", "Case")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return engine_over(tmp_path_factory.mktemp("subject"), {"programme.txt": TEXT}, HashEmbedder(), pack="oncology")


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("What share of the questionnaires had missing answers?", "9%"),
        ("How often were follow-up visits scheduled?", "3 months"),
        ("How many cycles did she complete?", "6 cycles"),
    ],
)
def test_a_section_heading_is_never_the_subject(engine, question, figure):
    answer = engine.ask(question)
    assert not answer.abstained and figure in answer.answer, answer.answer
    subject = answer.answer.split(":")[0]
    assert subject not in HEADINGS and not subject.startswith(HEADINGS), answer.answer
