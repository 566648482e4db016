"""Open questions ("How does selinexor work?", "Is allo-HCT still an option?"): answered by the
best supporting sentence(s), cited verbatim — or an abstention that says why.

Decision rules, in order:
1. A question naming something the corpus never mentions is about something else and is not
   answered: a drug-like or trial-like name, a capitalised name or acronym, or a condition or
   population (the pack's topic shapes and words: "glioblastoma", "children").
2. A sentence must name (or be about) the question's entities — unless the question compares arms
   on an outcome, whose finding often names the arms otherwise; reference entries and non-finding
   sections (disclosures, references) do not answer, nor does a sentence that asks a question,
   states what its document sets out to do ("We review …") or lists abbreviations ("BR, bendamustine-
   rituximab; pola, …"). An advice question is answered by advice (:data:`ADVICE_DEPTH`).
3. A question asking what an entity is ("How does X work?", "What kind of drug is X?") needs a
   sentence that says what it is (an apposition, a copula, a table row labelled with it).
4. Some sentence must support an answer with a strength (its hand-set score, the question's words the
   corpus never writes counted as missing) of at least :data:`MIN_SUPPORT` — a sentence stating its study's
   aim counts here, though it never answers; then the best-scored one
   answers, and the next ones scoring at least ``1 - MARGIN`` of it are cited too (at most
   :data:`MAX_SENTENCES`).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from citeqa.qa.answer import Answer
from citeqa.qa.compose import not_in_corpus, sentence_answer
from citeqa.qa.lexicon import Lexicon
from citeqa.qa.lists import list_answer, list_kind
from citeqa.qa.passages import BODY_KINDS, PassageStore
from citeqa.qa.question import Question
from citeqa.qa.support import Support, glossary, in_case, states_aim
from citeqa.qa.support_model import Feature

MIN_SUPPORT = 0.4
"""Least strength of the best sentence (:attr:`citeqa.qa.support.Support.strength`, on the hand-set scale),
chosen with the hand-set weights on the review's main open questions."""
MIN_ENTITY = 0.5
"""Share of the question's entities a sentence must name (or be about) to answer it."""
MARGIN = 0.7
"""The next sentences are cited too while their probability is at least ``1 - MARGIN`` of the best one's:
chosen on the review's main open questions so that an answer quotes about as many sentences as the
hand-set ranking did (2.0): 0.6 gives 1.7 quotes and 89.0%, 0.7 gives 2.0 and 90.1%."""
_CLOSERS = "\"'”’)]*⁰¹²³⁴⁵⁶⁷⁸⁹0123456789,-– "
MAX_SENTENCES = 3
ADVICE_DEPTH = 15
"""An advice question ("what do the authors recommend …") is answered by the sentences that give advice among
the first 15 answering ones, when there are any: the support model learned no weight for advice (its training
questions hold few such questions), and the review's recommendations rank 5th to 15th below the sentences that
share the question's words; the same depth as :data:`citeqa.qa.lists.DEPTH`."""
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9]*(?:[-+'][A-Za-z0-9]+)*")
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*)")


def answerable(q: Question, support: list[Support], store: PassageStore, aims: bool = False) -> list[Support]:
    """The supporting units that may answer ``q`` (rule 2), best first; with ``aims``, also the sentences
    stating what their document sets out to study (they show the corpus speaks of the question's topic)."""
    vocab = store.lexicon.domain
    # A finding on the outcome asked about often names the arms otherwise ("the active arm", "group A"):
    # for a comparison with an outcome, the entities weigh in the score but do not gate.
    gate = bool(q.entities) and not (q.compares and q.outcome)
    return [s for s in support
            if s.unit.kind in BODY_KINDS and not s.unit.heading and not vocab.skip_sections.search(s.unit.section or "")
            and not (gate and not _about(q, s)) and not _asks(s.unit.text) and (aims or not states_aim(s.unit.text))
            and not glossary(s.unit.text)]


def _about(q: Question, s: Support) -> bool:
    """Whether ``s`` is about the question's entities: enough of them, or one alternative of "A or B?"."""
    if q.alternatives:
        return any(alt <= s.unit.entities for alt in q.alternatives)
    return s.entity >= MIN_ENTITY


def _asks(text: str) -> bool:
    """A question the text itself asks ("Can we omit chemotherapy?") answers nothing."""
    return text.rstrip().rstrip(_CLOSERS).endswith("?")


def _written(word: str, words: Collection[str]) -> bool:
    """The corpus writes ``word``, or a part of a hyphenated name ("CD79b-directed": "cd79b")."""
    if word in words:
        return True
    return "-" in word and any(p in words for p in re.split(r"[-+']", word) if len(p) >= 3)


def unseen_topics(q: Question, store: PassageStore, lexicon: Lexicon) -> str | None:
    """Why the corpus does not speak of the question's topic (rule 1), or None when it may.

    A capitalised name or acronym counts when the corpus never writes it in any form (whole, as a
    part of a compound, as the initials of a phrase it writes; :class:`CorpusForms`); a condition
    or population word (the pack's topic shapes and words) when the corpus's body never uses it —
    said so when only a reference list or the like does. The question's entities and its measure
    and population wordings are known vocabulary.

    Returns:
        "X is not mentioned in any indexed document", "X is mentioned only in reference lists …", or None.
    """
    vocab = lexicon.domain
    text = q.text.strip()
    known = [(s, e) for _, s, e in vocab.find_measures(text)]
    known += [(m.start(), m.end()) for p in vocab.populations for m in p.pattern.finditer(text)]
    names = {m.start(1) for m in _NAME.finditer(text)}
    out = []
    for match in _WORD.finditer(text):
        word = re.sub(r"'s$", "", match.group())  # "VESPA's"
        lower = word.lower()
        if len(word) < 3 or lower in q.entity_words or lexicon.concepts(word):
            continue
        if any(s <= match.start() < e for s, e in known):
            continue
        unknown_name = match.start() in names and not (_written(lower, store.words) or lexicon.mentions(word))
        unwritten_topic = vocab.names_topic(lower) and not (vocab.stems(word) or {lower}) & store.body
        if unknown_name or unwritten_topic:
            out.append(word)
    if not out:
        return None
    written = [w for w in out if lexicon.mentions(w)]
    if written and len(written) == len(out):
        return f"{', '.join(written)} is mentioned only in reference lists and similar sections, not in any document's text"
    return f"{', '.join(w for w in out if w not in written)} is not mentioned in any indexed document"


def open_answer(q: Question, support: list[Support], store: PassageStore, lexicon: Lexicon) -> Answer:
    """Answer ``q`` with its best supporting sentence(s), or abstain with the reason."""
    vocab = lexicon.domain
    if q.unknown and not q.entities:
        return not_in_corpus(q, 0.0, vocab)
    topical = answerable(q, support, store, aims=True)
    aims = [s for s in topical if states_aim(s.unit.text)]
    candidates = [s for s in topical if not states_aim(s.unit.text)]
    if q.advice and not q.case:  # the authors' advice, not a case's story, answers "what should I give"
        candidates = [s for s in candidates if not in_case(s.unit)] or candidates
        candidates = [s for s in candidates[:ADVICE_DEPTH] if s.features[Feature.advice]] or candidates
    if q.defines:
        candidates = [s for s in candidates if s.defines]
    if not candidates:
        return not_in_corpus(q, 0.0, vocab, "no passage answers this question")
    best = candidates[0]
    # The gate reads the hand-set scale, whichever ranks first; a study's aim naming the topic counts, though
    # it does not answer: "… to determine whether HIIT could alter MVC" says the report speaks of MVC.
    strength = max(s.strength for s in [*candidates, *aims])
    if strength < MIN_SUPPORT:
        return not_in_corpus(q, strength, vocab, "no passage answers this question")
    if q.alternatives:
        return _alternatives_answer(q, candidates, store)
    kind = list_kind(q.text, vocab)
    listed = list_answer(q, candidates, store, lexicon, kind) if kind else None
    if listed is not None:
        return listed
    chosen = [s.unit for s in candidates[:MAX_SENTENCES] if s.score >= best.score * (1 - MARGIN)]
    return sentence_answer(q, chosen, store.index.documents, store.index.chunks, best.score)


def _alternatives_answer(q: Question, candidates: list[Support], store: PassageStore) -> Answer:
    """For "A or B?": the best sentence naming each alternative, each cited (the first alternative's first), so
    the reader weighs them: a sentence naming that alternative alone, else any naming it."""

    def others(i: int) -> frozenset[str]:
        return frozenset().union(*(alt for j, alt in enumerate(q.alternatives) if j != i))

    best = {i: next((s for s in candidates if alt <= s.unit.named and not others(i) & s.unit.named),
                    next((s for s in candidates if s.unit.named & alt), None)) for i, alt in enumerate(q.alternatives)}
    found = [s for s in best.values() if s is not None]
    if not found:
        return sentence_answer(q, [candidates[0].unit], store.index.documents, store.index.chunks, candidates[0].score)
    units = list({(s.unit.doc_id, s.unit.start): s.unit for s in found}.values())
    answer = sentence_answer(q, units, store.index.documents, store.index.chunks, min(s.score for s in found))
    texts = [" ".join(store.index.documents[u.doc_id].text[u.start : u.end].split()) for u in units]
    answer.answer = " ".join(texts)
    return answer
