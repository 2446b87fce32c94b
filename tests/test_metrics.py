from assistant.metrics import Expected, first_relevant, summarize

E = Expected(frozenset({"a.pdf"}), frozenset({3, 4}))


def test_first_relevant_by_file_and_page() -> None:
    ranked = [("b.pdf", 3), ("a.pdf", 1), ("a.pdf", 4)]
    assert first_relevant(ranked, E, by_page=False) == 2
    assert first_relevant(ranked, E, by_page=True) == 3
    assert first_relevant([("b.pdf", 3)], E, by_page=True) is None


def test_summarize_known_values() -> None:
    runs = [
        ([("a.pdf", 3)], E),  # rank 1
        ([("x", 1), ("y", 1), ("a.pdf", 4)], E),  # rank 3
        ([("x", 1)], E),  # miss
        ([("a.pdf", 9)], Expected(frozenset({"a.pdf"}), frozenset())),  # no page truth: file level only
    ]
    page = summarize(runs, by_page=True)
    assert page == {"n": 3.0, "hit@1": 1 / 3, "hit@5": 2 / 3, "mrr": (1 + 1 / 3) / 3}
    file = summarize(runs, by_page=False)
    assert file["n"] == 4 and file["hit@1"] == 2 / 4 and file["mrr"] == (1 + 1 / 3 + 1) / 4
