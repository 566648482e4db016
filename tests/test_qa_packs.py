"""Field knowledge is data: domain packs (TOML) read by generic code.

The slow test loads the general clinical-trial pack (and a small pack of its own that extends it)
and answers questions about a short heart-failure trial report written for it — figures with their
confidence intervals, counts, open questions — and abstains for a drug the report never names.
"""

from __future__ import annotations

import pytest
from helpers import engine_over

from citeqa.qa.pack import PackError, load_pack
from citeqa.qa.vocabulary import MeasureRole, Vocabulary, load_vocabulary

HEART_FAILURE = """Dapagliflozin in heart failure with reduced ejection fraction: a randomised trial

Methods

We randomly assigned 4,744 patients with heart failure and a left ventricular ejection fraction (LVEF) of \
40% or less to receive dapagliflozin 10 mg once daily or placebo, in addition to recommended therapy. \
Dapagliflozin, a sodium-glucose cotransporter 2 inhibitor, lowers blood glucose and promotes natriuresis.

Results

Over a median of 18.2 months, the primary outcome occurred in 386 of 2,373 patients (16.3%) in the \
dapagliflozin group and in 502 of 2,371 patients (21.2%) in the placebo group (hazard ratio, 0.74; 95% CI, \
0.65 to 0.85; P<0.001). Death from cardiovascular causes occurred in 9.6% and 11.5% of patients, \
respectively (hazard ratio, 0.82; 95% CI, 0.69 to 0.98). The KCCQ total symptom score improved by a mean \
difference of 2.8 points (95% CI, 1.6 to 4.0) with dapagliflozin. Volume depletion was reported in 7.5% \
of patients on dapagliflozin. Findings were similar in patients with and without diabetes.

Discussion

Dapagliflozin should be considered for patients with reduced ejection fraction, with or without diabetes.
"""

# A pack of this test's own: the general pack plus one measure of the field (a symptom score).
CARDIOLOGY = """
name = "cardiology-test"
extends = "clinical-trial"
description = "A test pack: heart-failure end points on top of the clinical-trial pack."

[[measure]]
key = "kccq"
label = "KCCQ symptom score"
patterns = ['\\bKCCQ\\b', 'Kansas City Cardiomyopathy Questionnaire']
units = ["", "points"]
"""


def test_the_oncology_pack_extends_the_general_one():
    pack = load_pack("oncology")
    assert [p.name for p in pack.sources] == ["oncology.toml", "clinical-trial.toml"]
    keys = [m["key"] for m in pack.data["measure"]]
    assert keys.index("pfs") < keys.index("os")  # the child's more specific measures are tried first
    vocab = Vocabulary(pack)
    assert vocab.count_measure == "n" and "overall" in vocab.whole and "control" in vocab.comparators
    assert vocab.measure_of("median progression-free survival") == "pfs"
    assert load_vocabulary("clinical-trial").measure_of("median progression-free survival") != "pfs"


def test_a_pack_of_ones_own_is_read_from_its_file(tmp_path):
    path = tmp_path / "cardiology.toml"
    path.write_text(CARDIOLOGY, encoding="utf-8")
    vocab = Vocabulary(load_pack(path))
    assert vocab.measure_of("KCCQ total symptom score") == "kccq"
    assert vocab.role("kccq") is MeasureRole.value and vocab.role("hr") is MeasureRole.effect


@pytest.mark.parametrize(("text", "message"), [
    ('name = "x"\nmeasures = []\n', "unknown field(s) measures"),
    ('name = "x"\n[[measure]]\nkey = "m"\npatterns = ["(unclosed"]\n', "measure m is not a valid regular expression"),
    ('name = "x"\n[[measure]]\nkey = "m"\nlabel = "m"\npatterns = ["m"]\nweight = 2\n', "measure[0] has unknown field(s) weight"),
    ('name = "x"\nextends = "nowhere"\n', "unknown domain pack 'nowhere'"),
    ('name = [x\n', "is not valid TOML"),
])
def test_a_malformed_pack_is_refused_naming_the_file_and_field(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError, match="bad.toml|nowhere") as error:
        Vocabulary(load_pack(path))
    assert message in str(error.value)


def test_settings_name_the_pack():
    from citeqa.settings import Settings

    assert Settings().pack == "oncology"
    assert Settings(pack="clinical-trial").pack == "clinical-trial"
    with pytest.raises(PackError, match="unknown domain pack 'cardio'"):
        load_vocabulary("cardio")


@pytest.fixture(scope="module")
def heart(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("hf")
    (root / "cardiology.toml").write_text(CARDIOLOGY, encoding="utf-8")
    return engine_over(root, {"dapa-hf.txt": HEART_FAILURE}, embedder, str(root / "cardiology.toml"))


@pytest.mark.slow
@pytest.mark.parametrize(("question", "number", "ci"), [
    ("What was the hazard ratio for the primary outcome with dapagliflozin?", 0.74, (0.65, 0.85)),
    ("What hazard ratio did dapagliflozin give for cardiovascular death?", 0.82, (0.69, 0.98)),
    ("By how much did the KCCQ score improve with dapagliflozin?", 2.8, (1.6, 4.0)),
])
def test_effect_sizes_with_their_confidence_intervals(heart, question, number, ci):
    answer = heart.ask(question)
    assert not answer.abstained, answer.reason
    assert answer.value.number == number and (answer.value.ci_low, answer.value.ci_high) == ci, answer.answer
    assert heart.index.documents["dapa-hf"].text[answer.citations[0].start : answer.citations[0].end] == \
        answer.citations[0].quote


@pytest.mark.slow
def test_counts_rates_and_open_questions(heart):
    assert heart.ask("How many patients were randomly assigned?").value.number == 4744
    assert heart.ask("What share of dapagliflozin patients had volume depletion?").value.number == 7.5
    how = heart.ask("How does dapagliflozin work?")
    assert any("cotransporter 2 inhibitor" in c.quote for c in how.citations), how.answer
    who = heart.ask("Should patients without diabetes receive dapagliflozin?")
    assert any("with or without diabetes" in c.quote or "without diabetes" in c.quote for c in who.citations)


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "What was the hazard ratio for cardiovascular death with empagliflozin?",
    "How does sacubitril work?",
    "What hazard ratio did dapagliflozin give in children?",
])
def test_a_drug_or_population_absent_from_the_report_is_not_answered(heart, question):
    answer = heart.ask(question)
    assert answer.abstained and answer.value is None and answer.reason.startswith("not in the corpus"), answer.answer
