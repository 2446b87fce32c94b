"""The answer pipeline of DESIGN.md: scope check → follow-up rewrite → FAQ match → hybrid retrieval → evidence
selection → streamed generation → verification → extractive fallback or refusal with the contact point.

In scope: the order of those steps, their timings, and turning each outcome into one `Answer`. Out of scope:
how each step works (scope.py, faq.py, evidence.py, verify.py, llm.py) and how an edge shows the result.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant import faq, verify, vocabulary
from assistant.answer import Answer, AnswerMode, Citation, Event, Final, Sources, Timings, Token
from assistant.contacts import Contact, find_contact
from assistant.evidence import Scored, Selection, Selector, kind_rank
from assistant.index import Index
from assistant.llm import ChatModel, Message
from assistant.prompts import Prompts, fill
from assistant.scope import Scope
from assistant.types import Chunk

Turn = dict[str, str]  # {"role": "user" | "assistant", "content": ...}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FOLLOW_UP = re.compile(r"^(그럼|그러면|그건|그거|그것|그때|거기|이건|저건|그리고|또|그런데|근데)|[은는]요\??$|^.{0,12}$")


@dataclass(frozen=True)
class Options:
    top_k: int = 6
    evidence_tokens: int = 110
    answer_tokens: int = 160
    min_coverage: float = 0.3  # below this share of the question's key terms in the evidence: refuse
    quote_coverage: float = 0.7  # at or above it, evidence the model calls insufficient is quoted instead
    # Below it, a draft that makes claims no source holds means the documents do not cover the question: refuse.
    unsourced_coverage: float = 0.6
    max_question_chars: int = 500
    temperature: float = 0.0  # answers are greedy (repeatable); tests sample with more to probe robustness


@dataclass(frozen=True)
class _Corpus:
    """What the pipeline reads off the whole index, rebuilt only when the index changes."""

    generation: int
    scope: Scope
    contact: Contact
    faq: list[faq.FaqPair]
    titles: dict[str, str]  # source -> "title (version)"
    program: str


class Assistant:
    def __init__(self, index: Index, llm: ChatModel, prompts: Prompts, options: Options | None = None) -> None:
        self.index, self.llm, self.prompts = index, llm, prompts
        self.options = options or Options()
        self.selector = Selector(index.morphs, index.term_weights)
        self._corpus: _Corpus | None = None

    def warm(self) -> None:
        self.llm.warm(self.prompts.system)

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        for event in self.stream(question, history):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("stream ended without a final answer")  # pragma: no cover

    def stream(self, question: str, history: Sequence[Turn] = ()) -> Iterator[Event]:
        started = time.perf_counter()
        timings = Timings()
        retrieved: list[tuple[str, int | None]] = []
        coverage = 0.0

        def finish(text: str, mode: AnswerMode, citations: list[Citation], **extra: str) -> Final:
            now = _ms(started)
            if not timings.first_token_ms:
                timings.first_token_ms = now
            timings.total_ms = now
            refused = mode in ("refusal", "declined")
            answer = Answer(question, text, refused, citations, timings, self.llm.model_name, mode)
            answer.standalone_question = extra.get("standalone_question", "")
            answer.basis, answer.note, answer.draft = extra.get("basis", ""), extra.get("note", ""), extra.get("draft", "")
            answer.retrieved = list(retrieved)
            answer.coverage = coverage
            return Final(answer)

        corpus = self._current()
        asked = " ".join(_CONTROL.sub(" ", question).split())
        if not asked:
            yield finish("질문을 입력해 주세요.", "declined", [], note="empty")
            return
        if len(asked) > self.options.max_question_chars:
            text = f"질문이 너무 깁니다. {self.options.max_question_chars}자 이내로 핵심만 적어 주세요."
            yield finish(text, "declined", [], note="too_long")
            return
        kind, detail = corpus.scope.check(asked)
        if kind:
            yield finish(self._decline_text(corpus, kind, detail), "declined", self._contact_citation(corpus), note=kind)
            return

        standalone = asked
        if history and _FOLLOW_UP.search(asked):
            standalone = self._rewrite(asked, history)
            timings.rewrite_ms = _ms(started)
        extra = {"standalone_question": standalone if standalone != asked else ""}

        match = faq.best_match(standalone, corpus.faq, self.index.morphs.key_terms)
        if match:
            chunk = match.pair.chunk
            citation = Citation(1, chunk.source, chunk.page, chunk.section, match.pair.answer)
            timings.retrieve_ms = _ms(started)
            retrieved.append((chunk.source, chunk.page))
            text = f"{match.pair.answer} [1]"
            yield finish(text, "faq", [citation], basis=corpus.titles.get(chunk.source, ""), **extra)
            return

        searched = vocabulary.in_documents_terms(standalone, self._known)
        hits, _ = self.index.search_scored(searched, k=self.options.top_k)
        selection = self.selector.select(searched, hits, self.options.evidence_tokens, self.llm.count_tokens)
        timings.retrieve_ms = _ms(started)
        retrieved.extend((h.chunk.source, h.chunk.page) for h in hits)
        coverage = selection.coverage
        if not selection.units or selection.coverage < self.options.min_coverage:
            refusal = self._refusal(corpus)
            yield finish(refusal, "refusal", self._contact_citation(corpus), note="weak_evidence", **extra)
            return
        citations = [_citation(i, s) for i, s in enumerate(selection.units, start=1)]
        yield Sources(citations)

        evidence = [_evidence_text(s) for s in selection.units]
        messages: list[Message] = [
            {"role": "system", "content": self.prompts.system},
            {"role": "user", "content": fill(self.prompts.answer, sources=_numbered(selection), question=standalone)},
        ]
        guard = verify.StreamGuard(evidence)
        pieces: list[str] = []
        max_tokens = min(self.options.answer_tokens, self.llm.budget(messages))
        for piece in self.llm.stream_chat(messages, max_tokens, self.options.temperature) if max_tokens > 0 else ():
            pieces.append(piece)
            safe = guard.feed(piece)
            if safe:
                if not timings.first_token_ms:
                    timings.first_token_ms = _ms(started)
                yield Token(safe)
        tail = guard.flush()
        if tail:
            yield Token(tail)
        stats = self.llm.last_stats
        if stats is not None:
            timings.prompt_tokens = stats.prompt_tokens - stats.cached_tokens
            timings.generated_tokens = stats.generated_tokens
        draft = "".join(pieces).strip()
        basis = self._basis(corpus, selection)
        common = {"draft": draft, "basis": basis, **extra}

        if verify.says_no_evidence(draft) and selection.coverage >= self.options.quote_coverage:
            # subtle: the small model says "근거 없음" to evidence that plainly answers; when the evidence
            # mentions (nearly) every key term of the question, quoting it beats sending the applicant away.
            text, cited = _extractive(selection, citations, question=standalone)
            final = finish(text, "extractive", cited, note="model_no_evidence", **common)
        elif verify.says_no_evidence(draft):
            final = finish(self._refusal(corpus), "refusal", self._contact_citation(corpus), note="model_no_evidence", **common)
        else:
            checked = verify.check(draft, evidence, self.prompts.system, standalone)
            if checked.ok:
                text, cited = _with_quote(checked.text, [citations[n - 1] for n in checked.cited], citations[0])
                final = finish(text, "generated", cited, **common)
            elif (checked.unsourced and selection.coverage < self.options.unsourced_coverage) or (
                    checked.deflects and selection.coverage < self.options.quote_coverage):
                # subtle: "[1]을 참고하세요" over evidence that misses the question's terms means the model did
                # not find the answer either; quoting that evidence would look like an answer.
                refusal = self._refusal(corpus)
                final = finish(refusal, "refusal", self._contact_citation(corpus), note=checked.reason, **common)
            else:
                text, cited = _extractive(selection, citations, draft, standalone)
                final = finish(text, "extractive", cited, note=checked.reason, **common)
        yield final

    # ---- steps ---------------------------------------------------------------------------------

    def _rewrite(self, question: str, history: Sequence[Turn]) -> str:
        recent = [t for t in history if t.get("role") in ("user", "assistant")][-4:]
        lines = [f"{'질문' if t['role'] == 'user' else '답변'}: {' '.join(t['content'].split())[:200]}" for t in recent]
        messages: list[Message] = [
            {"role": "system", "content": self.prompts.system},
            {"role": "user", "content": fill(self.prompts.rewrite, history="\n".join(lines), question=question)},
        ]
        try:
            text = self.llm.complete_chat(messages, max_tokens=60)
        except Exception:  # a failed rewrite must not lose the question; fall back below
            text = ""
        text = " ".join(text.replace("[새 질문]", "").split()).strip("\"' ")
        last_user = next((t["content"] for t in reversed(recent) if t["role"] == "user"), "")
        if not text or len(text) > 200 or verify.says_no_evidence(text) or not re.search(r"[가-힣]", text):
            # subtle: the previous question carries the topic the follow-up leaves out, so retrieval still works.
            return f"{last_user} {question}".strip()
        return text

    def _known(self, term: str) -> bool:
        """Whether the documents use `term` (every keyword of it is in the index)."""
        idf = self.index.term_weights()
        words = self.index.morphs.key_terms(term)
        return bool(words) and all(w in idf for w in words)

    def _current(self) -> _Corpus:
        generation = self.index.catalog.generation
        if self._corpus is not None and self._corpus.generation == generation:
            return self._corpus
        docs = [d for d, _, active in self.index.documents() if active]
        chunks = [c for c, _ in self.index.catalog.chunks() if c.source in {d.source for d in docs}]
        notices = [d for d in docs if d.doc_type == "notice"] or docs
        program = max(notices, key=lambda d: d.version).program if notices else ""
        self._corpus = _Corpus(
            generation=generation,
            scope=Scope.of((d.program for d in docs), (d.version for d in docs)),
            contact=find_contact(chunks, program or None),
            faq=faq.pairs_of(chunks),
            titles={d.source: f"{d.title} ({d.version})" if d.version else d.title for d in docs},
            program=program,
        )
        return self._corpus

    def _refusal(self, corpus: _Corpus) -> str:
        return fill(self.prompts.refusal, contact=corpus.contact.text)

    def _decline_text(self, corpus: _Corpus, kind: str, detail: str) -> str:
        if kind == "other_program":
            available = ", ".join(sorted(set(corpus.titles.values()))[:3]) or corpus.program
            return fill(self.prompts.other_program, asked=detail, available=available, contact=corpus.contact.text)
        return fill(self.prompts.decline, program=corpus.program or "이 사업", contact=corpus.contact.text)

    def _contact_citation(self, corpus: _Corpus) -> list[Citation]:
        chunk = corpus.contact.chunk
        return [Citation(1, chunk.source, chunk.page, chunk.section, corpus.contact.quote)] if chunk else []

    def _basis(self, corpus: _Corpus, selection: Selection) -> str:
        sources = [s.unit.chunk.source for s in selection.units]
        return corpus.titles.get(sources[0], "") if sources else ""


def _citation(n: int, scored: Scored) -> Citation:
    chunk: Chunk = scored.unit.chunk
    return Citation(n, chunk.source, chunk.page, chunk.section, scored.unit.text)


def _evidence_text(scored: Scored) -> str:
    return f"{scored.unit.context}\n{scored.unit.text}"


def _numbered(selection: Selection) -> str:
    lines = []
    for n, scored in enumerate(selection.units, start=1):
        unit = scored.unit
        context = unit.context.split("\n")[0][:40]
        # A table row or a bare line means little without its heading; an FAQ answer without its question.
        # The FAQ question is left out: the model tends to say it back instead of answering.
        short = " | " in unit.text or (len(unit.text) < 60 and unit.chunk.doc_type != "faq")
        label = f"({context[:24]}) " if context and short else ""
        lines.append(f"[{n}] {label}{unit.text}")
    return "\n".join(lines)


def _with_quote(text: str, cited: list[Citation], best: Citation) -> tuple[str, list[Citation]]:
    """The verified sentences, then the evidence they rest on (the first source they cite, else the best one)
    quoted when they do not already restate it: the applicant sees the rule itself next to the model's reading
    of it (DESIGN.md: 1–4 sentences plus quotes). Never another source's quote after "[3]"."""
    best = cited[0] if cited else best
    grams = verify.bigrams(best.quote)
    keep = sorted({c.n: c for c in [*cited, best]}.values(), key=lambda c: c.n)
    if grams and len(grams & verify.bigrams(text)) / len(grams) >= 0.6:
        return text, keep
    return f"{text} 「{best.quote}」 [{best.n}]", keep


def _extractive(
    selection: Selection, citations: list[Citation], draft: str = "", question: str = ""
) -> tuple[str, list[Citation]]:
    """Evidence quoted as the answer (DESIGN.md: the quoted sentence beats a garbled one): the unit the failed
    draft restates most, when it clearly restates one (the model read the right unit but garbled it), else the
    best-scoring one; a second unit when it scores nearly as well. Units holding the kind of fact asked for
    (a date for "언제", a number for "얼마") go before those that do not."""
    order = list(range(len(selection.units)))
    grams = verify.bigrams(draft)
    if grams:
        shares = [len(grams & verify.bigrams(s.unit.text)) / len(grams) for s in selection.units]
        top = max(order, key=shares.__getitem__)
        if shares[top] >= 0.4:
            order.remove(top)
            order.insert(0, top)
    if question:
        order.sort(key=lambda i: -kind_rank(question, selection.units[i].unit.text))
    first = order[0]
    best = selection.units[first]
    keep = [citations[first]]
    text = f"관련 규정은 다음과 같습니다. {_lead(best)}「{best.unit.text}」 [{first + 1}]"
    second = next((i for i in order[1:] if selection.units[i].coverage >= best.coverage * 0.9), None)
    if second is not None:
        text += f" {_lead(selection.units[second])}「{selection.units[second].unit.text}」 [{second + 1}]"
        keep.append(citations[second])
    return text, sorted(keep, key=lambda c: c.n)


def _lead(scored: Scored) -> str:
    """The heading a bare list item or table row belongs to ("□ 신청제외대상 …: ⑥ 휴업 또는 폐업 중인 기업"):
    without it the quote can read as the opposite of the rule."""
    unit = scored.unit
    heading = unit.context.split("\n")[0].strip()
    if not heading or unit.chunk.doc_type == "faq" or len(unit.text) >= 80 or heading in unit.text:
        return ""
    if re.search(r"\d", heading):
        return ""  # a number the quote does not hold would reach the applicant unverified
    return f"({heading[:70]}) "


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
