"""Story revisions: the diff of a story's analysis before and after a run, what `add` says
it changed, and `storyline changes`. The seeds (one real story in motion: "more than 300"
troops, then 1,037) are added in two runs through the real CLI on a real SQLite file."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline import pipeline
from storyline.changes import Tracker, account, diff_story, headline_value, parse_since, story_revisions
from storyline.cli import main
from storyline.errors import InputError
from storyline.extract.entities import EntityOptions
from storyline.group import GroupOptions
from storyline.model import (
    Article,
    Citation,
    ClaimValue,
    Comparison,
    Entity,
    Revision,
    Story,
    TimelineEntry,
)
from storyline.store import Store

# No neural models (hashed TF-IDF grouping, rule-based entities): the same story on the
# seeds in seconds. Saved with the store, so the CLI's `add` analyses with them too.
FAST = pipeline.Options(group=GroupOptions(embedder="tfidf-hash"), entities=EntityOptions(use_spacy=False))


def split_seeds(seeds: Path, tmp: Path) -> tuple[Path, Path]:
    """The seeds in two folders: the first two files ("more than 300", undated 1,037), then
    the other three (the dated 1,037, more than 130, the border crossing)."""
    files = sorted(seeds.iterdir())
    first, rest = tmp / "first", tmp / "rest"
    for folder, part in ((first, files[:2]), (rest, files[2:])):
        folder.mkdir()
        for f in part:
            shutil.copy(f, folder / f.name)
    return first, rest


@pytest.fixture(scope="module")
def two_adds(seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A store built by three `storyline add` runs (first part, rest, rest again) and what
    each printed."""
    tmp = tmp_path_factory.mktemp("changes")
    first, rest = split_seeds(seeds, tmp)
    db = tmp / "seeds.db"
    with Store(db) as store:
        pipeline.save_options(store, FAST)
    runner = CliRunner()
    outputs = []
    for folder in (first, rest, rest):
        res = runner.invoke(main, ["add", str(folder), "--db", str(db)])
        assert res.exit_code == 0, res.output
        outputs.append(res.output)
    return db, outputs


def test_add_gives_a_per_story_account(two_adds: tuple[Path, list[str]]) -> None:
    _db, (first, second, again) = two_adds
    assert "1 story changed" in first and "new story: 2 articles" in first
    # The second run names the articles it brought, their outlets, and the new figure.
    assert "+3 articles from 2 outlets (Dawn, Free Press Kashmir)" in second
    assert "1,037 Afghan troops who crossed the border into Tajikistan (was more than 300)" in second
    assert "timeline entr" in second
    # A re-add that brought nothing says so, instead of "N stories updated".
    assert again.strip().endswith("nothing new") and "story changed" not in again


def test_changes_command_lists_revisions(two_adds: tuple[Path, list[str]]) -> None:
    db, _ = two_adds
    runner = CliRunner()
    res = runner.invoke(main, ["changes", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    revisions = json.loads(res.output)
    assert [r["number"] for r in revisions] == [1, 2]  # oldest first; the re-add made none
    kinds = [c["kind"] for c in revisions[1]["changes"]]
    assert kinds[0] == "articles" and "figure" in kinds and "timeline" in kinds
    figure = next(c for c in revisions[1]["changes"] if c["kind"] == "figure")
    assert (figure["before"], figure["after"]) == ("more than 300", "1,037")

    text = runner.invoke(main, ["changes", "--db", str(db), "--since", "1"]).output
    assert text.startswith("#2 ") and "more than 300 → 1,037" in text and "#1 " not in text
    story = revisions[0]["story_id"]
    by_story = runner.invoke(main, ["changes", "--db", str(db), "--story", story, "--limit", "1"])
    assert by_story.output.startswith("#2 ")
    later = runner.invoke(main, ["changes", "--db", str(db), "--since", "2"])
    assert later.exit_code == 0 and later.output.strip() == "nothing new"
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="seconds")
    assert (
        runner.invoke(main, ["changes", "--db", str(db), "--since", future]).output.strip() == "nothing new"
    )
    assert "#1 " in runner.invoke(main, ["changes", "--db", str(db), "--since", "1h"]).output


def test_changes_command_errors_are_one_line(two_adds: tuple[Path, list[str]]) -> None:
    db, _ = two_adds
    runner = CliRunner()
    bad = runner.invoke(main, ["changes", "--db", str(db), "--since", "last tuesday"])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "--since 'last tuesday'" in bad.output
    unknown = runner.invoke(main, ["changes", "--db", str(db), "--story", "s-nope"])
    assert unknown.exit_code == 2 and "s-nope: no such story" in unknown.output


def test_one_call_or_two_give_the_same_story(seeds: Path, tmp_path: Path) -> None:
    first, rest = split_seeds(seeds, tmp_path)
    finals = []
    for name, runs in (("one", [[first, rest]]), ("two", [[first], [rest]])):
        with Store(tmp_path / f"{name}.db") as store:
            for paths in runs:
                result = pipeline.add(store, paths, FAST)
                pipeline.analyze(store, pipeline.stories_to_analyze(store, result), FAST)
            finals.append(store.stories())
            revisions = store.revisions()
        assert len(revisions) == len(runs)  # one revision per run that changed the story
    one, two = finals
    assert [(s.id, s.title, s.timeline, s.comparisons) for s in one] == [
        (s.id, s.title, s.timeline, s.comparisons) for s in two
    ]


# -- the diff itself, on fictional records -------------------------------------------------


def value(v: str, n: float, date: str | None, src: str) -> ClaimValue:
    return ClaimValue(v, n, None, f"{v} residents left Port Tamsin.", [src], date=date)


def story(
    ids: list[str],
    title: str = "Flood at Port Tamsin",
    timeline: list[TimelineEntry] | None = None,
    summary: list[Citation] | None = None,
    comparisons: list[Comparison] | None = None,
    entities: list[Entity] | None = None,
) -> Story:
    return Story(
        "s-1",
        title,
        ids,
        summary=summary or [],
        timeline=timeline or [],
        comparisons=comparisons or [],
        entities=entities or [],
    )


def test_headline_value_is_the_latest_dated_then_highest() -> None:
    comp = Comparison(
        "residents who left",
        "changed_over_time",
        [
            value("hundreds of", 100, "2025-03-01", "a"),
            value("more than 300", 300, "2025-03-01", "a"),
            value("1,200", 1200, None, "c"),
        ],
    )
    assert (now := headline_value(comp)) is not None and now.value == "more than 300"
    comp.values.append(value("1,037", 1037, "2025-03-03", "b"))
    assert (now := headline_value(comp)) is not None and now.value == "1,037"
    assert headline_value(Comparison("x", "agree", [])) is None


def test_diff_names_every_kind_of_change() -> None:
    before = story(
        ["a"],
        timeline=[TimelineEntry("2025-03-01", "day", "The river rose.", ["a"])],
        summary=[Citation("The river rose.", ["a"])],
        comparisons=[
            Comparison("residents who left", "agree", [value("more than 300", 300, "2025-03-01", "a")]),
            Comparison("homes flooded", "agree", [value("40", 40, "2025-03-01", "a")]),
        ],
        entities=[Entity("Port Tamsin", "PLACE", ["Port Tamsin"], ["a"])],
    )
    after = story(
        ["a", "b"],
        title="Port Tamsin evacuated",
        timeline=before.timeline + [TimelineEntry("2025-03-03", "day", "The town was evacuated.", ["b"])],
        summary=before.summary + [Citation("The town was evacuated.", ["b"])],
        comparisons=[
            Comparison(
                "residents who left",
                "changed_over_time",
                [value("more than 300", 300, "2025-03-01", "a"), value("1,037", 1037, "2025-03-03", "b")],
            ),
            Comparison("homes flooded", "agree", [value("40", 40, "2025-03-01", "a")]),
            Comparison("boats sent", "agree", [value("12", 12, "2025-03-03", "b")]),
        ],
        entities=before.entities + [Entity("Mara Quell", "PERSON", ["Mara Quell"], ["b"])],
    )
    changes = diff_story(before, after, {"b": "Tamsin Gazette"})
    by_kind = {c.kind: c for c in changes}
    assert by_kind["articles"].text == "+1 article from 1 outlet (Tamsin Gazette)"
    assert by_kind["title"].after == "Port Tamsin evacuated"
    assert by_kind["timeline"].items == ["The town was evacuated."]
    assert by_kind["summary"].items == ["The town was evacuated."]
    assert by_kind["entities"].items == ["Mara Quell"]
    assert by_kind["verdict"].text == "residents who left: agree → changed over time"
    figures = [c for c in changes if c.kind == "figure"]
    assert [(c.items[0], c.before, c.after) for c in figures] == [
        ("residents who left", "more than 300", "1,037"),
        ("boats sent", None, "12"),
    ]
    assert "homes flooded" not in " ".join(c.text for c in changes)  # unchanged: not named
    assert diff_story(after, after) == []  # the same analysis again: nothing new
    assert [c.kind for c in diff_story(None, after)] == ["new"]

    line = account([Revision("s-1", after.title, "2025-03-03T10:00:00+00:00", changes, 7)])[0]
    assert line.startswith("s-1 “Port Tamsin evacuated”: +1 article from 1 outlet")
    assert "new: 1,037 residents who left (was more than 300); 12 boats sent" in line
    assert account([]) == ["nothing new"]


def test_merges_are_recorded_and_followed(tmp_path: Path) -> None:
    with Store(tmp_path / "merge.db") as store:
        store.add_articles(
            [
                Article(id="a", text="The river rose at Port Tamsin.", outlet="Tamsin Gazette"),
                Article(id="b", text="Port Tamsin was evacuated.", outlet="Coast Radio"),
            ]
        )
        store.put_story(Story("s-a", "River rises", ["a"]))
        store.put_story(Story("s-b", "Evacuation", ["b"]))
        tracker = Tracker(store, ["s-a", "s-b"])
        store.set_json("group_state", {"alias": {"s-b": "s-a"}})  # the grouper merged s-b into s-a
        merged = tracker.record("s-a", Story("s-a", "River rises", ["a", "b"]))
        gone = tracker.record("s-b", None)
        assert merged is not None and gone is not None
        assert merged.changes[0].kind == "merged" and "merged in s-b “Evacuation”" in merged.changes[0].text
        assert gone.changes[0].text == "merged into s-a"
        # The merged story's history is the surviving story's history.
        assert [r.story_id for r in story_revisions(store, "s-a")] == ["s-b", "s-a"]


def test_parse_since() -> None:
    assert parse_since("42") == 42
    assert parse_since("2026-07-06T12:00+02:00") == "2026-07-06T10:00:00+00:00"
    assert parse_since("2026-07-06") == "2026-07-06T00:00:00+00:00"
    age = datetime.fromisoformat(str(parse_since("2h")))
    assert abs((datetime.now(UTC) - age) - timedelta(hours=2)) < timedelta(seconds=5)
    with pytest.raises(InputError, match="not a revision number"):
        parse_since("yesterday-ish")
