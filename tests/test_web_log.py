"""The conversation log in SQLite: turns and feedback stored masked, read back for staff, forgotten after the
retention period. No model: answers are built by hand."""

from __future__ import annotations

import time
from pathlib import Path

from assistant import logbook as logbook_module
from assistant.answer import Answer, Citation, Timings
from assistant.logbook import Logbook


def answer(question: str, text: str = "접수 마감은 2025. 3. 18.(화) 16:00입니다. [1]", refused: bool = False) -> Answer:
    cite = Citation(1, "notice.pdf", 2, "접수", "2025. 3. 18.(화) 16:00까지")
    mode = "refusal" if refused else "generated"
    return Answer(question, text, refused, [cite], Timings(first_token_ms=900, total_ms=2500), "m.gguf", mode)


def stored_bytes(path: Path) -> bytes:
    return b"".join(f.read_bytes() for f in path.parent.glob(path.name + "*"))  # the WAL and shm too


def test_turns_and_feedback_are_stored_masked(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log = Logbook(path)
    turn = log.turn(answer("제 번호 010-2345-6789, 주민번호 900101-1234567인데 신청되나요?"), channel="api")
    assert log.feedback(turn, -1, "답이 틀려요. hong@example.com 으로 연락 주세요. 계좌 110-123-456789")
    assert not log.feedback("no-such-turn", 1)
    rows = log.recent_feedback()
    assert rows[0]["question"] == "제 번호 [전화], 주민번호 [주민번호]인데 신청되나요?"
    assert "[이메일]" in rows[0]["comment"] and "[계좌번호]" in rows[0]["comment"]
    log.close()
    raw = stored_bytes(path)
    for secret in ("010-2345-6789", "900101-1234567", "hong@example.com", "110-123-456789"):
        assert secret.encode() not in raw


def test_refused_and_disliked_questions_need_attention(tmp_path: Path) -> None:
    log = Logbook(tmp_path / "log.sqlite3")
    log.turn(answer("마감은 언제예요?"))
    refused = log.turn(answer("법인세 처리는요?", "문서에서 찾지 못했습니다.", refused=True))
    disliked = log.turn(answer("발표는 몇 분이에요?"))
    log.feedback(disliked, -1)
    attention = log.needs_attention()
    assert {r["question"] for r in attention} == {"법인세 처리는요?", "발표는 몇 분이에요?"}
    assert refused and log.counts() == {"turns": 3, "feedback": 1}


def test_retention_deletes_old_rows(tmp_path: Path) -> None:
    log = Logbook(tmp_path / "log.sqlite3", retention_days=30)
    turn = log.turn(answer("접수 마감은?"))
    assert log.feedback(turn, 1)
    assert log.purge(now=time.time() + 29 * 86400) == 0
    assert log.purge(now=time.time() + 31 * 86400) == 1
    assert log.counts() == {"turns": 0, "feedback": 0}


def test_old_rows_go_at_start_and_on_a_later_write(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log = Logbook(path, retention_days=1)
    log.turn(answer("접수 마감은?"))
    log._db.execute("UPDATE turns SET at = at - 3 * 86400")  # written three days ago
    log.close()
    assert Logbook(path, retention_days=1).counts()["turns"] == 0  # gone when the server starts

    log = Logbook(path, retention_days=1)
    log.turn(answer("접수 마감은?"))
    log._db.execute("UPDATE turns SET at = at - 3 * 86400")
    log._purged_at -= logbook_module._PURGE_EVERY_S + 1  # an hour later, the next write purges
    log.turn(answer("사업계획서 분량은?"))
    assert log.counts()["turns"] == 1
