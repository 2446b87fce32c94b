from assistant.fusion import rrf


def test_rrf_matches_hand_computed_scores() -> None:
    fused = dict(rrf([["a", "b", "c"], ["c", "a"]], k=60))
    assert fused["a"] == 1 / 61 + 1 / 62
    assert fused["b"] == 1 / 62
    assert fused["c"] == 1 / 63 + 1 / 61


def test_rrf_order_prefers_agreement() -> None:
    assert [d for d, _ in rrf([["x", "y"], ["y", "z"]])] == ["y", "x", "z"]


def test_rrf_empty() -> None:
    assert rrf([[], []]) == []
