"""FAQ-first answering: a question that is nearly the same as an official FAQ question gets the official answer.

In scope: reading the question/answer pairs out of FAQ chunks and a strict near-identity test (character-bigram
overlap of the compacted questions plus shared key terms). Out of scope: paraphrase matching; a question that
is merely similar goes through retrieval, where the FAQ pair is still the strongest evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant.types import Chunk

_QA = re.compile(r"^\s*Q\d*[.:)]?\s*(?P<q>.+?)\n\s*A[.:)]?\s*(?P<a>.+)$", re.S)
_PUNCT = re.compile(r"[\s?？!.,~·]+")
_ENDINGS = re.compile(r"(인가요|나요|까요|습니까|ㄹ까요|가요|요|죠|니다|니까|어요|에요|예요|해요|돼요|되나요)$")


@dataclass(frozen=True)
class FaqPair:
    question: str
    answer: str
    chunk: Chunk


@dataclass(frozen=True)
class FaqMatch:
    pair: FaqPair
    similarity: float


def pairs_of(chunks: Iterable[Chunk]) -> list[FaqPair]:
    out: list[FaqPair] = []
    for chunk in chunks:
        if chunk.doc_type != "faq":
            continue
        match = _QA.match(chunk.text)
        if match:
            out.append(FaqPair(match["q"].strip(), " ".join(match["a"].split()), chunk))
    return out


def best_match(
    question: str, pairs: Iterable[FaqPair], key_terms: Callable[[str], list[str]], threshold: float = 0.8
) -> FaqMatch | None:
    """The FAQ pair whose question is near-identical to `question`, or None."""
    asked = _grams(question)
    if not asked:
        return None
    best: FaqMatch | None = None
    for pair in pairs:
        theirs = _grams(pair.question)
        if not theirs:
            continue
        dice = 2 * len(asked & theirs) / (len(asked) + len(theirs))
        if dice >= threshold and (best is None or dice > best.similarity):
            best = FaqMatch(pair, dice)
    if best is None:
        return None
    # Same wording but a different key term ("온디바이스" vs "버티칼") is a different question.
    mine, theirs_terms = set(key_terms(question)), set(key_terms(best.pair.question))
    return best if mine == theirs_terms or (mine <= theirs_terms and len(mine) >= 2) else None


def _grams(text: str) -> set[str]:
    compact = _ENDINGS.sub("", _PUNCT.sub("", text))
    return {compact[i : i + 2] for i in range(len(compact) - 1)}
