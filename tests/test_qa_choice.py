"""Multiple choice: how a sentence states an option, and when an option is chosen (no model loaded)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from citeqa.qa.choice import MARGIN, WIDE_MARGIN, WIDE_TOP, mentions, pick
from citeqa.qa.options import distinctive_words, never_chosen, prefer_longer, stated_share, tokens
from citeqa.qa.pack import DEFAULT_PACK
from citeqa.qa.vocabulary import load_vocabulary


@pytest.fixture(scope="module")
def stem():
    vocab = load_vocabulary(DEFAULT_PACK)
    return lambda word: min(vocab.stems(word) or {word})


@dataclass
class _Unit:
    text: str


@dataclass
class _Support:
    unit: _Unit
    score: float


def _support(*sentences: tuple[str, float]) -> list[_Support]:
    return [_Support(_Unit(text), score) for text, score in sentences]


def _words(options, question, stem):
    return {w.option: w for w in distinctive_words(options, question, stem)}


def test_tokens_keep_names_numbers_and_ranges():
    assert tokens("Get4/5 binds 12,309 loci at −3 and 0.09-0.24 (5%)") == ["get4/5", "binds", "12309", "loci", "at", "-3",
                                                                            "and", "0.09", "0.24", "5%"]


def test_distinctive_words_leave_out_the_question_and_what_all_options_share(stem):
    words = _words(["AAGAG lncRNA", "7SK lncRNA"], "Knockdown of which long noncoding RNA by CifA?", stem)
    assert words["AAGAG lncRNA"].words == {"aagag"} and words["7SK lncRNA"].words == {"7sk"}
    words = _words(["Chromosome 8", "Chromosome 9"], "On which chromosome is the mutation?", stem)
    assert words["Chromosome 8"].words == {"8"}


def test_options_no_sentence_can_state_are_never_chosen():
    for option in ("null", "Insufficient information", "Insufficient information to answer this question",
                   "Cannot be determined from the text", "None of the above", "No effect",
                   "There is no gain for any model", "Neither introns nor exons can be methylated"):
        assert never_chosen(option), option
    for option in ("Enlarged granular cells", "increases", "5-fold", "Get4/5 complex", "Unknown function kinase"):
        assert not never_chosen(option), option


def test_numbers_must_be_stated_exactly_unless_the_question_says_approximately(stem):
    words = _words(["12,300", "2,750"], "How many loci?", stem)
    sentence = "We detected 4,850 SWO-specific and 12,309 mandarin-specific loci."
    assert stated_share(words["12,300"], sentence, stem) == 0.0
    assert stated_share(words["12,300"], sentence, stem, approximate=True) == 1.0
    assert stated_share(words["2,750"], sentence, stem, approximate=True) == 0.0
    genes = _words(["5765", "7852"], "How many genes?", stem)
    assert stated_share(genes["5765"], "19,638 promoters of 5,765 genes", stem) == 1.0


def test_a_range_a_fold_change_and_a_signed_position(stem):
    words = _words(["0.09-0.24", "0.1-0.3"], "What range of affinity?", stem)
    assert stated_share(words["0.09-0.24"], "affinities ranging from 0.09 to 0.24 (Figure S1C)", stem) == 1.0
    assert stated_share(words["0.1-0.3"], "affinities ranging from 0.09 to 0.24 (Figure S1C)", stem) == 0.0
    fold = _words(["5-fold", "6-fold"], "How much more sensitive?", stem)
    assert stated_share(fold["5-fold"], "the mutant was 5-fold more sensitive", stem) == 1.0
    assert stated_share(fold["6-fold"], "the mutant was 5-fold more sensitive", stem) == 0.0
    assert stated_share(fold["6-fold"], "Loss of viability at day 6 relative to WT: 1.0", stem) == 0.0
    position = _words(["-3", "-5"], "Serine at which position?", stem)
    assert stated_share(position["-3"], "a serine at position \u22123 favours degradation", stem) == 1.0


def test_words_match_by_stem_or_spelling_but_not_a_different_word(stem):
    words = _words(["S. epidermis", "S. aureus"], "Which skin bacterium?", stem)
    assert stated_share(words["S. epidermis"], "engineered S. epidermidis strains stimulate T cells", stem) == 1.0
    assert stated_share(words["S. aureus"], "engineered S. epidermidis strains stimulate T cells", stem) == 0.0
    effect = _words(["increases", "decreases"], "What does it do to the efficacy?", stem)
    assert stated_share(effect["increases"], "the chimeras bound with increased efficacy", stem) == 1.0
    assert stated_share(effect["increases"], "the chimeras bound with decreased efficacy", stem) == 0.0


def test_a_denied_option_is_not_stated_and_scattered_words_count_half(stem):
    words = _words(["ATP sensitivity", "membrane trafficking"], "Which processes are impacted?", stem)
    assert stated_share(words["ATP sensitivity"], "the channels show normal ATP sensitivity", stem) == 0.0
    assert stated_share(words["membrane trafficking"], "membrane trafficking of the channels is impaired", stem) == 1.0
    scattered = "the membrane was intact, and the proteins used for the assay were kept apart from trafficking"
    assert stated_share(words["membrane trafficking"], scattered, stem) == 0.5


def test_a_sentence_stating_two_nested_options_states_the_longer():
    from citeqa.qa.options import OptionWords

    short, long = OptionWords("decreases", frozenset({"decreas"}), True), OptionWords(
        "greatly decreases", frozenset({"decreas", "great"}), True)
    assert prefer_longer([short, long], [1.0, 1.0]) == [0.0, 1.0]
    assert prefer_longer([short, long], [1.0, 0.5]) == [1.0, 0.5]


def test_the_option_one_good_sentence_states_is_chosen(stem):
    options = ["RlmB", "RlmN", "RluC"]
    support = _support(("Catalytically dead RlmB still promotes 50S assembly.", 0.6),
                       ("The cells grew on rich medium.", 0.5),
                       ("RlmN modifies 23S rRNA at A2503.", 0.3))
    chosen = pick(mentions("Which enzyme promotes assembly as a dead mutant?", options, support, stem))
    assert chosen is not None and options[chosen.option] == "RlmB" and chosen.rank == 0


def test_a_tie_or_a_small_margin_abstains(stem):
    options = ["7,852", "5,765"]
    tie = _support(("20,352 promoters of 7,852 genes in stage III, and 19,638 promoters of 5,765 genes in stage V", 0.7),)
    assert pick(mentions("How many genes?", options, tie, stem)) is None
    close = _support(("The 7,852 genes were methylated.", 0.7), ("The 5,765 genes were methylated.", 0.7 / MARGIN * 1.01))
    assert pick(mentions("How many genes?", options, close, stem)) is None


def test_a_sentence_further_down_needs_the_wide_margin(stem):
    filler = [("Unrelated background sentence number %d." % i, 0.5) for i in range(8)]
    support = _support(*filler, ("The chimeras bound with increased efficacy.", 0.4),
                       ("Efficacy decreased in the control.", 0.4 / WIDE_MARGIN * 1.1))
    assert pick(mentions("What does grafting do to efficacy?", ["increases", "decreases"], support, stem)) is None
    support = _support(*filler, ("The chimeras bound with increased efficacy.", 0.4))
    assert pick(mentions("What does grafting do to efficacy?", ["increases", "decreases"], support, stem)) is not None
    deep = _support(*[("Unrelated sentence %d." % i, 0.5) for i in range(WIDE_TOP)],
                    ("The chimeras bound with increased efficacy.", 0.4))
    assert pick(mentions("What does grafting do to efficacy?", ["increases", "decreases"], deep, stem)) is None


def test_insufficient_information_and_negated_options_are_never_picked(stem):
    support = _support(("No effect of the mutation was seen; the value was null.", 0.9),)
    assert pick(mentions("What effect?", ["No effect", "null", "Enhances binding"], support, stem)) is None


def test_a_percentage_option_needs_a_percentage(stem):
    words = _words(["12%", "64%"], "What share of windows was transcribed?", stem)
    assert stated_share(words["64%"], "64.0% of the non-genic windows were transcribed", stem) == 1.0
    assert stated_share(words["12%"], "DOR, mo · Epcoritamab: 12; Glofitamab: 18.4", stem) == 0.0


def test_the_words_a_figure_counts(stem):
    from citeqa.qa.options import counted_words

    words = _words(["5765", "7852", "34%"], "How many genes?", stem)
    quote = "20,352 promoters of 7,852 genes in stage III, while 19,638 promoters of 5,765 genes in stage V"
    assert counted_words(words["5765"], quote) == counted_words(words["7852"], quote) == {"genes"}
    assert counted_words(words["34%"], "The ORR was 54%, 34% achieved a CR") == {"achieved"}
