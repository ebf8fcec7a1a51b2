"""`storyline digest` end to end, as a new user runs it: the seeds and the bundled example."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from storyline.report import schema

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "news"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-c", "from storyline.cli import run; run()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def seed_report(seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, str]:
    work = tmp_path_factory.mktemp("seeds")
    proc = run_cli("digest", str(seeds), "--out", "report", cwd=work)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((work / "report" / "digest.json").read_text())
    return data, work, proc.stdout


def test_seeds_become_one_cited_story(seed_report: tuple[dict, Path, str]) -> None:
    data, work, stdout = seed_report
    jsonschema.validate(data, schema())
    assert "ingested 5, skipped 0" in stdout
    assert (work / "storyline.db").exists()  # the default store, in the working directory
    assert len(data["articles"]) == 5 and data["errors"] == []
    story = max(data["stories"], key=lambda s: len(s["article_ids"]))
    assert len(story["article_ids"]) == 5, [s["article_ids"] for s in data["stories"]]
    assert re.search(r"Afghan|Taliban|Tajik", story["title"])
    texts = {a["id"]: a["text"] for a in data["articles"]}
    assert 3 <= len(story["summary"]) <= 7
    for sent in story["summary"]:
        assert sent["sources"], sent
        for src in sent["sources"]:
            # Every number the sentence states is in each source it cites.
            for num in re.findall(r"\d[\d,]*", sent["text"]):
                assert num.replace(",", "") in texts[src].replace(",", ""), (num, src)


def test_seeds_report_what_differs_and_when(seed_report: tuple[dict, Path, str]) -> None:
    data, work, _ = seed_report
    story = max(data["stories"], key=lambda s: len(s["article_ids"]))
    by_subject = {c["subject"]: c for c in story["comparisons"]}
    troops = by_subject["Afghan troops who crossed the border into Tajikistan"]
    assert troops["label"] == "changed_over_time" and "1,037" in troops["reason"]
    districts = next(c for s, c in by_subject.items() if "Badakhshan" in s)
    assert districts["label"] == "conflict"
    assert {v["value"] for v in districts["values"]} >= {"six", "10"}
    crossing = next(e for e in story["entities"] if "Shir Khan Bandar" in e["variants"])
    assert crossing["label"] == "PLACE" and "Sher Khan Bandrar" in crossing["variants"]
    days = [t["date"] for t in story["timeline"]]
    assert days == sorted(days) and {"2021-07-04", "2021-07-05"} <= set(days)
    markdown = (work / "report" / "digest.md").read_text()
    assert "changed over time: rose from more than 300 (2021-07-04)" in markdown


def test_seed_articles_are_clean_and_dated_only_from_evidence(seed_report: tuple[dict, Path, str]) -> None:
    data, _, _ = seed_report
    arts = {a["id"][:3]: a for a in data["articles"]}
    assert arts["001"]["published"] == "2021-07-04" and arts["002"]["published"] == "2021-07-06"
    assert arts["000"]["published"] is None and arts["003"]["published"] is None
    for debris in (
        "Recommended Stories",
        "Must Read",
        "Click to comment",
        "To Top",
        "3 min read",
        "temporarily suspending article commenting",
        "is now on Telegram",
        "Smog hazard",
        "Chinese astronauts",
    ):
        for art in arts.values():
            assert debris not in art["text"], (debris, art["id"])
    assert "Emergency situation" in arts["002"]["text"]  # a subheading inside the article stays
    reasons = {r["reason"] for a in arts.values() for r in a["removed"]}
    assert len(reasons) >= 4
    dated = [a["published"] for a in arts.values()]
    assert dated.count(None) == 3  # 000, 003 and 004 state no date of their own


def test_seed_report_html_is_self_contained_and_escaped(seed_report: tuple[dict, Path, str]) -> None:
    _, work, _ = seed_report
    html = (work / "report" / "digest.html").read_text()
    assert "<script" not in html and 'http-equiv="Content-Security-Policy"' in html
    assert "Tajikistan" in html and 'class="cite"' in html
    md = (work / "report" / "digest.md").read_text()
    assert md.startswith("# storyline digest") and "### Summary" in md


def test_running_again_adds_nothing(seed_report: tuple[dict, Path, str], seeds: Path) -> None:
    _, work, _ = seed_report
    proc = run_cli("digest", str(seeds), "--out", "report2", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "ingested 5, skipped 0 (0 new" in proc.stdout and "); nothing new\n" in proc.stdout
    first = json.loads((work / "report" / "digest.json").read_text())
    again = json.loads((work / "report2" / "digest.json").read_text())
    # Nothing was analysed again, and the report still shows the whole story as it was.
    assert first["stories"] == again["stories"]


def test_re_adding_analyses_only_what_changed(
    tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-adding stored articles re-analyses no story; new options re-analyse them all."""
    from storyline import pipeline
    from storyline.store import Store

    corpus = seeds
    with Store(tmp_path / "s.db") as store:
        first, _ = pipeline.digest(store, [corpus])
        calls: list[list[str]] = []
        real = pipeline.analyze_story
        monkeypatch.setattr(pipeline, "analyze_story",
                            lambda sid, *a, **k: calls.append([sid]) or real(sid, *a, **k))
        again, result = pipeline.digest(store, [corpus])
        assert result.changed == [] and calls == []
        assert [s.summary for s in again.stories] == [s.summary for s in first.stories]
        shorter = pipeline.stored_options(store)
        shorter.summary.sentences = 1
        short, result = pipeline.digest(store, [corpus], shorter)
        assert sorted(result.changed) == sorted(s.id for s in first.stories) and calls
        assert all(len(s.summary) <= 1 for s in short.stories)


def test_examples_digest_reports_the_broken_line(tmp_path: Path) -> None:
    proc = run_cli("digest", str(EXAMPLES), "--out", "rep", "--db", "ex.db", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "ingested 7, skipped 1" in proc.stdout
    assert "wire-feed.jsonl:3" in proc.stderr
    data = json.loads((tmp_path / "rep" / "digest.json").read_text())
    jsonschema.validate(data, schema())
    dups = {a["id"]: a["duplicate_of"] for a in data["articles"]}
    assert dups["calder-post-0309"] == "northwire-0309"
    by_story = {aid: s["id"] for s in data["stories"] for aid in s["article_ids"]}
    assert by_story["tech-ledger-0310"] == by_story["quillon-recall-0312"]
    assert by_story["valley-courier-0308"] == by_story["harbour-times-0310"] == by_story["northwire-0311"]
    assert by_story["valley-courier-0308"] != by_story["tech-ledger-0310"]


def test_nothing_ingested_exits_non_zero(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    proc = run_cli("digest", str(tmp_path / "empty.txt"), "--out", "rep", cwd=tmp_path)
    assert proc.returncode == 1
    assert "ingested 0, skipped 1" in proc.stdout and "empty file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "x.db").write_bytes(b"garbage" * 1000)
    proc = run_cli("digest", str(EXAMPLES), "--db", "x.db", cwd=tmp_path)
    assert proc.returncode == 2 and "not a usable storyline database" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_summary_options_survive_in_the_store(tmp_path: Path, seeds: Path) -> None:
    """Options chosen at digest time are saved with the store: `add` without flags and
    `report` analyse with them; a flag given later replaces them and is saved."""
    from click.testing import CliRunner

    from storyline.cli import main
    from storyline.pipeline import stored_options
    from storyline.store import Store

    db = str(tmp_path / "s.db")
    runner = CliRunner()
    first = runner.invoke(main, ["digest", str(EXAMPLES), "--db", db, "--out", str(tmp_path / "a"),
                                 "--sentences", "2"])
    assert first.exit_code == 0, first.output
    data = json.loads((tmp_path / "a" / "digest.json").read_text())
    assert max(len(s["summary"]) for s in data["stories"]) == 2

    added = runner.invoke(main, ["add", str(seeds), "--db", db, "--no-analyze"])
    assert added.exit_code == 0, added.output
    report = runner.invoke(main, ["report", "--db", db, "--out", str(tmp_path / "b")])
    assert report.exit_code == 0, report.output
    data = json.loads((tmp_path / "b" / "digest.json").read_text())
    seed_story = max(data["stories"], key=lambda s: len(s["article_ids"]))
    assert len(seed_story["article_ids"]) >= 5
    assert len(seed_story["summary"]) == 2  # the default would give 5
    assert all(len(s["summary"]) <= 2 for s in data["stories"])

    again = runner.invoke(main, ["add", str(seeds), "--db", db, "--words", "60"])
    assert again.exit_code == 0, again.output
    with Store(db) as store:
        saved = stored_options(store)
    assert (saved.summary.words, saved.summary.sentences) == (60, None)


# -- hostile article fields, exact counts, unknown story ids ---------------------------------

HOSTILE_TITLE = (
    "<script>alert(1)</script> Verrin dam [click](javascript:alert(2)) "
    "![x](http://evil.example/x.png) `code` <img src=x onerror=alert(3)> &lt;b&gt; | # x"
)
HOSTILE_OUTLET = "<img src=x onerror=alert(4)>"
HOSTILE = [
    {
        "id": "evil-1",
        "title": HOSTILE_TITLE,
        "outlet": HOSTILE_OUTLET,
        "url": "javascript:alert(5)",
        "published": "2025-03-10",
        "text": "Engineers at the Verrin dam opened a relief channel on Sunday, officials said.\n\n"
        "The reservoir fell by three metres overnight, the water board said on Monday.",
    },
    {
        "id": "evil-2",
        "title": "Verrin dam <b onmouseover=alert(6)>relief</b> channel [x]: javascript:alert(7)",
        "outlet": "Northwire",
        "published": "2025-03-11",
        "text": "The Verrin dam relief channel was opened on Sunday by army engineers, officials said.\n\n"
        "The reservoir fell by four metres, the water board said on Tuesday.",
    },
]


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("hostile")
    (work / "evil.jsonl").write_text("\n".join(json.dumps(r) for r in HOSTILE) + "\n")
    proc = run_cli("digest", "evil.jsonl", "--out", "rep", "--db", "evil.db", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "ingested 2, skipped 0" in proc.stdout
    return work


def test_markdown_escapes_every_field_from_articles(hostile_report: Path) -> None:
    """digest.md rendered as any Markdown renderer with HTML on would (CommonMark passes raw
    HTML through) holds no tag, link or image that came from an article."""
    from markdown_it import MarkdownIt

    md = (hostile_report / "rep" / "digest.md").read_text()
    assert "<" not in md and ">" not in md  # every angle bracket is an entity
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", rendered))
    ours = {"h1", "h2", "h3", "p", "ul", "ol", "li", "code", "table", "thead", "tbody", "tr", "th", "td"}
    assert tags <= ours, tags - ours
    assert "href" not in rendered and "<img" not in rendered  # no link, no image
    assert "onerror=alert(3)" in rendered  # shown as typed, as text
    assert "&lt;img src=x onerror=alert(4)&gt;" in rendered  # the outlet too
    assert "[click](javascript:alert(2))" in rendered and "![x](http://evil.example/x.png)" in rendered
    assert "`code`" in rendered and "&amp;lt;b&amp;gt;" in rendered  # an entity stays as typed


def test_html_and_json_keep_hostile_fields_inert_and_exact(hostile_report: Path) -> None:
    page = (hostile_report / "rep" / "digest.html").read_text()
    for tag in ("<script", "<img", "<b ", "<iframe"):
        assert tag not in page
    assert 'href="javascript' not in page and "&lt;img src=x onerror=alert(4)&gt;" in page
    data = json.loads((hostile_report / "rep" / "digest.json").read_text())
    jsonschema.validate(data, schema())
    arts = {a["id"]: a for a in data["articles"]}
    assert arts["evil-1"]["title"] == HOSTILE_TITLE  # data, kept exactly: escaping is the renderer's
    assert arts["evil-1"]["outlet"] == HOSTILE_OUTLET


def test_report_of_an_unknown_story_fails_in_one_line(hostile_report: Path) -> None:
    proc = run_cli("report", "--db", "evil.db", "--story", "s-bogus", "--out", "bogus", cwd=hostile_report)
    assert proc.returncode == 2, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "s-bogus" in lines[0] and "no such story" in lines[0], proc.stderr
    assert "evil.db" in lines[0] and not (hostile_report / "bogus").exists()


def test_report_of_a_merged_story_gives_the_story_it_joined(hostile_report: Path) -> None:
    """A merged story's old id is kept in the grouping state's alias map (``GroupState``);
    `report --story` resolves it as links and bookmarks in the web app do."""
    from storyline.pipeline import GROUP_STATE
    from storyline.store import open_store

    db = hostile_report / "merged.db"
    db.write_bytes((hostile_report / "evil.db").read_bytes())
    with open_store(db) as store:
        (story,) = store.stories()
        state = store.get_json(GROUP_STATE)
        state["alias"] = {"s-old": story.id}  # s-old was merged into the stored story
        store.set_json(GROUP_STATE, state)
    proc = run_cli("report", "--db", "merged.db", "--story", "s-old", "--out", "old", cwd=hostile_report)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((hostile_report / "old" / "digest.json").read_text())
    assert [s["id"] for s in data["stories"]] == [story.id]


def test_console_counts_are_exact(tmp_path: Path) -> None:
    """Two inputs sharing a given id are both renamed, and each input is counted once, as new
    or as already stored (before: "1 renamed" when 2 were, repeats counted once)."""
    from click.testing import CliRunner

    from storyline.cli import main

    def rec(given: str, town: str) -> str:
        text = (f"The council of {town} met on Monday to discuss the bridge over the river. "
                f"The mayor of {town} said repairs would start in May.")
        return json.dumps({"id": given, "title": f"{town} bridge", "text": text})

    (tmp_path / "first.jsonl").write_text(rec("x", "Arlen") + "\n")
    lines = [rec("x", "Bexley"), rec("x", "Corran"),  # both clash with the stored x: 2 renamed
             rec("y", "Dunmore"), rec("y", "Elsby"),  # the second clashes with the first: renamed
             rec("z", "Fenwick"), rec("z", "Fenwick"),  # the same article twice: new, then unchanged
             rec("x", "Arlen"), rec("x", "Arlen")]  # already stored, twice: 2 unchanged
    (tmp_path / "second.jsonl").write_text("\n".join(lines) + "\n")
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    first = runner.invoke(main, ["add", str(tmp_path / "first.jsonl"), "--db", db, "--no-analyze"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["add", str(tmp_path / "second.jsonl"), "--db", db, "--no-analyze"])
    assert second.exit_code == 0, second.output
    assert "ingested 8, skipped 0 (5 new, 3 renamed for clashing ids)" in second.output
    from storyline.store import open_store

    with open_store(db, readonly=True) as store:
        assert store.count_articles() == 6  # x, x~.., x~.., y, y~.., z
