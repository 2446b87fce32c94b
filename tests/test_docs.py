"""The README's settings table names every setting, so an operator never has to read the code to find one."""

from __future__ import annotations

import re

from assistant.settings import Settings
from tests.conftest import ROOT


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Settings"):]
    table = table[: table.index("\n## ")]
    rows = {name for line in table.splitlines() if line.startswith("| `") for name in re.findall(r"ASSISTANT_\w+", line)}
    missing = sorted(f"ASSISTANT_{n.upper()}" for n in Settings.model_fields if f"ASSISTANT_{n.upper()}" not in rows)
    assert missing == [], f"README의 설정 표에 없는 설정: {missing}"
    unknown = sorted(r for r in rows if r.removeprefix("ASSISTANT_").lower() not in Settings.model_fields)
    assert unknown == [], f"README에만 있는 설정: {unknown}"
