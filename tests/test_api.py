"""The public API is small and pinned: a change to it is a visible decision."""

from __future__ import annotations

import storyline

EXPECTED = {
    "AddResult",
    "Article",
    "Citation",
    "ClaimValue",
    "Comparison",
    "Digest",
    "Entity",
    "Event",
    "IngestError",
    "InputError",
    "MissingExtraError",
    "Options",
    "Removed",
    "Store",
    "Story",
    "StorylineError",
    "TimelineEntry",
    "__version__",
    "add",
    "analyze",
    "digest",
    "read_articles",
    "write_reports",
}


def test_exported_members() -> None:
    assert set(storyline.__all__) == EXPECTED
    for name in storyline.__all__:
        assert getattr(storyline, name) is not None, name


def test_library_example(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    examples = Path(__file__).resolve().parents[1] / "examples" / "news"
    with storyline.Store(tmp_path / "s.db") as store:
        report, result = storyline.digest(store, [examples])
        paths = storyline.write_reports(report, tmp_path / "report")
    assert len(result.new) == 7 and len(result.errors) == 1
    assert {p.name for p in paths} == {"digest.json", "digest.md", "digest.html"}
    assert all(s.summary for s in report.stories)
