"""SIGKILL during ingestion leaves a consistent index; re-running ingestion completes it.

Each trial runs the ingest command (`assistant.cli.main`) in a child whose Chroma write, catalog commit and
stale-vector deletion announce themselves on stderr, next to the command's own one line per committed
document. Kill points are events, not wall-clock guesses: after the k-th document, or inside the k-th Chroma
write, catalog commit or stale-vector deletion, plus a random fraction of how long that step took the last
time — so they land inside the ingest work whatever the machine's load. After the kill the child's last event
says exactly where it died, and the index is reopened in a fresh process as the next command would.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

N_DOCS = 8
CHANGED_CHUNKS = 12  # of a document's 13 chunks; its heading chunk is the same in every version
_DONE = ("✓ ", "= ", "✗ ")  # the ingest command's per-document lines

# The real command, with three steps of Index.ingest wrapped to print when they start and end.
_INGEST = """
import sys
from assistant import cli
from assistant.catalog import Catalog
from assistant.store import VectorStore

def announce(name, step):
    def run(*args, **kwargs):
        print(f"@{name}-start", file=sys.stderr, flush=True)
        result = step(*args, **kwargs)
        print(f"@{name}-end", file=sys.stderr, flush=True)
        return result
    return run

VectorStore.upsert = announce("upsert", VectorStore.upsert)
Catalog.replace = announce("commit", Catalog.replace)
VectorStore.delete = announce("stale", VectorStore.delete)
sys.exit(cli.main(sys.argv[1:]))
"""

# Where a kill landed, by the last event the child printed.
_WHERE = {
    None: "parse/chunk/embed",
    "@upsert-start": "Chroma write",
    "@upsert-end": "between Chroma write and commit",
    "@commit-start": "catalog commit",
    "@commit-end": "before stale-vector deletion",
    "@stale-start": "stale-vector deletion",
    "@stale-end": "after stale-vector deletion",
}


def _documents(folder: Path, marker: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(N_DOCS):
        body = "\n".join(
            f"□ {j}번 항목\n○ {marker} 문서 {i}의 {j}번 규정: 협약기업은 사업비를 전용계좌로 집행한다." for j in range(12)
        )
        path = folder / f"doc{i:02d}.md"
        path.write_text(f"# 운영 규정 {i}\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def _ingest(docs: Path, env: dict[str, str], kill: tuple[str, int] | None, rng: random.Random) -> dict[str, Any]:
    """Run the ingest command; with `kill` = (event, k), SIGKILL its process group once the k-th `event` line
    ("done", "@upsert-start", "@commit-start" or "@stale-start") has appeared, after a random delay up to the
    duration of that step the previous time. Returns the documents completed and the last event before death."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _INGEST, "ingest", str(docs)], env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    watchdog = threading.Timer(300, os.killpg, (proc.pid, signal.SIGKILL))  # a hung ingest fails, never blocks
    watchdog.start()
    started = time.monotonic()
    seen: dict[str, list[float]] = {}  # event -> times it appeared
    done, last, delay = 0, None, None
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            event = "done" if line.startswith(_DONE) else line.strip() if line.startswith("@") else None
            if event is None:
                continue
            seen.setdefault(event, []).append(time.monotonic() - started)
            if event == "done":
                done, last = done + 1, None
            else:
                last = event
            if kill is not None and delay is None and event == kill[0] and len(seen[event]) == kill[1]:
                delay = rng.uniform(0.0, _last_duration(seen, event))
                time.sleep(delay)
                os.killpg(proc.pid, signal.SIGKILL)  # then read on: what the child printed before dying
        proc.wait(timeout=60)
    finally:
        watchdog.cancel()
    return {"done": done, "last": last, "delay": delay, "returncode": proc.returncode}


def _last_duration(seen: dict[str, list[float]], event: str) -> float:
    """How long the step starting with `event` took the time before (0.5 s / 20 ms when there was none)."""
    starts = seen[event]
    if event == "done":
        return starts[-1] - starts[-2] if len(starts) > 1 else 0.5
    ends = seen.get(event.replace("-start", "-end"), [])
    return ends[len(starts) - 2] - starts[-2] if len(starts) > 1 and len(ends) >= len(starts) - 1 else 0.02


def test_sigkill_mid_ingest_leaves_each_document_whole_or_absent(tmp_path: Path) -> None:
    data = tmp_path / "data"
    docs = tmp_path / "docs"
    names = [f"doc{i:02d}.md" for i in range(N_DOCS)]
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data)}
    _documents(docs, "구판")
    first = _ingest(docs, env, None, random.Random(0))
    assert first["returncode"] == 0 and first["done"] == N_DOCS, first

    rng = random.Random(20250226)
    plan = [("done", k) for k in rng.sample(range(1, N_DOCS), 4)]  # anywhere in the next document
    steps = ("@upsert-start", "@commit-start", "@stale-start") * 2  # inside the k-th document's write steps
    plan += list(zip(steps, rng.sample(range(2, N_DOCS + 1), len(steps)), strict=True))
    rng.shuffle(plan)
    landed = []
    for trial, kill in enumerate(plan):
        marker = f"개정{trial}"
        _documents(docs, marker)  # every file changes, so every file is re-ingested, in name order
        run = _ingest(docs, env, kill, rng)
        assert run["returncode"] == -signal.SIGKILL and run["delay"] is not None, run

        state = _reopen(data)  # in a fresh process, as the next command would
        complete = sorted(s for s, versions in state["docs"].items() if versions == [marker])
        where = f"{_WHERE[run['last']]} of doc{run['done']:02d}" if run["done"] < N_DOCS else "after the last document"
        landed.append({"trial": trial, "kill_at": kill, "delay_s": round(run["delay"], 4), "landed": where,
                       "complete": len(complete), "orphans": state["orphans"]})
        print(f"[crash] trial {trial}: {kill[0]} #{kill[1]} + {run['delay'] * 1000:.0f} ms -> died in {where}; "
              f"{len(complete)}/{N_DOCS} documents new, {state['orphans']} vectors outside the catalog")
        assert state["consistent"] and state["repaired"] == [], state
        assert sorted(state["docs"]) == names
        for source, versions in state["docs"].items():
            assert len(versions) == 1, (source, versions)  # never a mix of two versions
        assert complete == names[: len(complete)]  # documents finish in order: the new ones are a prefix
        _check_landing(run, len(complete), state["orphans"], landed[-1])
        assert state["dense_hits"] == 5  # Chroma's vector index answers after the kill

    mid_run = [t for t in landed if 0 < t["complete"] < N_DOCS]
    assert len(mid_run) >= 6, landed  # kills land between the first and the last document
    assert len({t["landed"].split(" of ")[0] for t in landed}) >= 2, landed  # not all in the same step
    assert any(t["orphans"] > 0 for t in landed), landed  # some between the Chroma write and the stale deletion

    final = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(docs)], env=env,
                           capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    state = _reopen(data)
    assert state["consistent"] and state["orphans"] == 0
    assert state["docs"] == {name: [f"개정{len(plan) - 1}"] for name in names}


def _check_landing(run: dict[str, Any], complete: int, orphans: int, record: dict[str, Any]) -> None:
    """What the last event before death implies for the document being ingested (doc number `run["done"]`)."""
    done, last = run["done"], run["last"]
    assert complete in (done, done + 1), record  # every document reported done survived; none beyond the next
    if last in (None, "@upsert-start", "@upsert-end"):  # the catalog never started switching: old version
        assert complete == done, record
    if last in ("@commit-end", "@stale-start", "@stale-end"):  # the switch committed: new version
        assert complete == done + 1, record
    if last in ("@upsert-end", "@commit-start", "@commit-end"):  # one version's whole set of vectors is unlisted
        assert orphans == CHANGED_CHUNKS, record
    if last in (None, "@stale-end"):
        assert orphans == 0, record


_REOPEN = """
import json, re, sys
from pathlib import Path
from assistant.catalog import Catalog
from assistant.factory import build_index
from assistant.settings import Settings
from assistant.store import VectorStore
settings = Settings(data_dir=Path(sys.argv[1]))
raw = Catalog(settings.catalog_path)
orphans = len(VectorStore(settings.chroma_dir).ids() - raw.chunk_ids())  # before Index removes them
raw.close()
index = build_index(settings)
docs = {}
for chunk, _ in index.catalog.chunks():
    docs.setdefault(chunk.source, set()).update(re.findall(r"○ (\\S+) 문서", chunk.text))
print(json.dumps({"consistent": index.store.ids() == index.catalog.chunk_ids(), "orphans": orphans,
                  "repaired": index.repaired, "dense_hits": len(index.search("사업비 전용계좌", k=5, mode="dense")),
                  "docs": {k: sorted(v) for k, v in docs.items()}}, ensure_ascii=False))
"""


def _reopen(data: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _REOPEN, str(data)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result
