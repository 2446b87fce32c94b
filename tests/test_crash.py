"""SIGKILL during ingestion leaves a consistent index; re-running ingestion completes it."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _documents(folder: Path, n: int, marker: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        body = "\n".join(
            f"□ {j}번 항목\n○ {marker} 문서 {i}의 {j}번 규정: 협약기업은 사업비를 전용계좌로 집행한다." for j in range(12)
        )
        path = folder / f"doc{i:02d}.md"
        path.write_text(f"# 운영 규정 {i}\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_sigkill_mid_ingest_leaves_each_document_whole_or_absent(tmp_path: Path) -> None:
    data = tmp_path / "data"
    docs = tmp_path / "docs"
    _documents(docs, 8, "구판")
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data)}
    subprocess.run([sys.executable, "-m", "assistant", "ingest", str(docs)], env=env, check=True,
                   capture_output=True, timeout=600)
    rng = random.Random(20250226)
    for trial in range(3):
        _documents(docs, 8, f"개정{trial}")  # every file changes, so every file is re-ingested
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(docs)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(4.0, 9.0))  # model loading takes a few seconds; kill inside the ingest loop
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

        state = _reopen(data)  # in a fresh process, as the next command would
        assert state["consistent"]
        assert set(state["docs"]) == {f"doc{i:02d}.md" for i in range(8)}
        for source, versions in state["docs"].items():
            assert len(versions) == 1, (source, versions)  # never a mix of two versions

    result = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(docs), "--json"], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0
    state = _reopen(data)
    assert state["consistent"] and all(v == ["개정2"] for v in state["docs"].values())


_REOPEN = """
import json, re, sys
from pathlib import Path
from assistant.factory import build_index
from assistant.settings import Settings
index = build_index(Settings(data_dir=Path(sys.argv[1])))
docs = {}
for chunk, _ in index.catalog.chunks():
    docs.setdefault(chunk.source, set()).update(re.findall(r"○ (\\S+) 문서", chunk.text))
print(json.dumps({"consistent": index.store.ids() == index.catalog.chunk_ids(),
                  "docs": {k: sorted(v) for k, v in docs.items()}}, ensure_ascii=False))
"""


def _reopen(data: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _REOPEN, str(data)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result
