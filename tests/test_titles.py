"""Titles an editor would accept (``storyline.headlines``) and noise (``storyline.noise``):
crawl debris stripped or rejected, the most central headline chosen, a headline made from a
sentence when no article has one, titles kept distinct in a list. Headline strings here are
fictional; real articles come from ../shared (seeds, Timeline17)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from storyline import pipeline
from storyline.headlines import (
    article_title,
    clean_headline,
    distinct_titles,
    glued_parts,
    headline_from_sentence,
    story_title,
)
from storyline.ingest import Record
from storyline.ingest.articles import prepare
from storyline.model import Article, IngestError
from storyline.noise import boilerplate_reason, story_noise
from storyline.options import Options
from storyline.report import to_markdown
from storyline.store import open_store

JUNK = re.compile(r"-LRB-|-RRB-|``|''|\(Reuters\)|\(CNN\)|\b\d{1,2}:\d{2}\b|â€|^(From|By) |\| | ,| 's\b")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "From Ann Example and Bo Sample , CNN Council doing enough to fix the bridges ?",
            "Council doing enough to fix the bridges?",
        ),
        (
            "RIVERTON | Tue Apr 28 , 2009 6:32 pm EDT RIVERTON -LRB- Reuters -RRB- - "
            "Council passes the flood budget",
            "Council passes the flood budget",
        ),
        ("Live: Council votes on the flood budget", "Council votes on the flood budget"),
        ("Update: Floodwater closes the river road", "Floodwater closes the river road"),
        ("Council passes the flood budget - BBC News", "Council passes the flood budget"),
        ("Council passes the flood budget | CNN", "Council passes the flood budget"),
        ("Mayor Anaâ€™s flood plan approved", "Mayor Ana's flood plan approved"),
        ("By the CNN Wire Staff Rescuers reach the flooded village", "Rescuers reach the flooded village"),
        (
            "Riverton -LRB- CNN -RRB- -- Rescuers reach the flooded village on Tuesday",
            "Rescuers reach the flooded village on Tuesday",
        ),
        ("Day 1: 3 March 2014", None),
        ("Reading on mobile?", None),
        ("(Click here to read the story in French)", None),
        ("What happened in court?", None),
        ("Would you like to make this your default edition?", None),
        ("Sign up for our newsletter", None),
        ("Mar 3, 2014", None),
        ("a0001-x", None),
    ],
)
def test_clean_headline_strips_or_rejects_crawl_debris(raw: str, expected: str | None) -> None:
    assert clean_headline(raw) == expected


def test_story_title_is_the_most_central_real_headline() -> None:
    arts = [
        Article(
            id="a", title="Day 2: live updates", text="The river flooded the town of Riverton on Monday."
        ),
        Article(
            id="b",
            title="Riverton flood forces hundreds from their homes - BBC News",
            text="Floodwater forced hundreds of Riverton residents from their homes on Monday.",
        ),
        Article(
            id="c", title="Opinion: why I love rivers", text="Rivers are lovely, I think, and always were."
        ),
        Article(id="d", title=None, text="Riverton residents fled the flood as the river burst its banks."),
    ]
    assert story_title(arts) == "Riverton flood forces hundreds from their homes"
    # A title follows the story: outweighed by later articles, the lead changes.
    later = [
        Article(
            id=f"e{i}",
            title="Riverton dam holds as flood recedes",
            text="The Riverton dam held on Friday as the flood receded and residents returned.",
        )
        for i in range(4)
    ]
    assert story_title(arts + later) == "Riverton dam holds as flood recedes"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # attribution, a lead time phrase and the day go; the news stays
        (
            "Riverton officials said on Tuesday that the council will close the river road.",
            "The council will close the river road",
        ),
        (
            "Rescue teams told Wire News that floodwater had reached the town hall.",
            "Floodwater had reached the town hall",
        ),
        (
            "After a long debate, the council passed the flood budget on Monday.",
            "The council passed the flood budget",
        ),
        ("The council passed the flood budget, officials said.", "The council passed the flood budget"),
        # a long lede is cut at a clause, never mid-phrase
        (
            "The Riverton council raised the flood levy by two percent last month after pressure from "
            "residents and farmers whose fields were flooded.",
            "The Riverton council raised the flood levy by two percent last month",
        ),
        # captions, gallery lines, fragments and noun phrases are no headlines
        ("Mayor Ana Example, left, tours the flooded street in Riverton, March 3.", None),
        ("Floodwater covers the square in this file photo from 2019.", None),
        ("March 3: Mayor Ana Example visits the flooded school.", None),
        ("Using sandbags and pumps, which volunteers brought from the next town over the hills", None),
        ("The son of the experienced ferry captain who steered the boat through the flood waters", None),
        ("THE COUNCIL IS to meet tonight to pass the flood budget.", None),
    ],
)
def test_headline_from_sentence_reads_as_a_headline(sentence: str, expected: str | None) -> None:
    assert headline_from_sentence(sentence) == expected


def test_glued_headline_is_split_off_and_preferred() -> None:
    vocab = {"the", "river", "residents", "water"}
    line = "Flood closes Riverton road The river rose overnight Residents of Riverton fled their homes."
    assert glued_parts(line, vocab) == [
        "Flood closes Riverton road",
        "The river rose overnight",
        "Residents of Riverton fled their homes.",
    ]
    # A title before a name is not a break ("with President Ana Example").
    assert len(glued_parts("The mayor met with President Ana Example in Riverton", {"president"})) == 1
    arts = [
        Article(
            id=f"g{i}",
            text=f"Flood closes Riverton road The river rose overnight after rain {i}\n"
            "Residents of Riverton said the river road was closed by the flood.\n"
            "The river water rose over the road for the first time since 1990.",
        )
        for i in range(3)
    ]
    assert story_title(arts) == "Flood closes Riverton road"
    assert article_title(arts[0]) == "Flood closes Riverton road"


def test_real_headline_beats_a_central_lede() -> None:
    ledes = [
        "Floodwater from the Riverton river closed the river road and the Riverton bridge on Monday.",
        "The Riverton river burst its banks and floodwater closed the Riverton bridge.",
        "Floodwater closed the Riverton bridge and the river road as the river rose.",
        "Riverton residents found the river road and bridge closed by floodwater.",
    ]
    arts = [Article(id=f"l{i}", text=lede) for i, lede in enumerate(ledes)]
    titled = [*arts, Article(id="h", title="Floodwater closes Riverton bridge and river road", text=ledes[0])]
    assert story_title(titled) == "Floodwater closes Riverton bridge and river road"
    # Without it, a lede made short, with its day dropped.
    assert (
        story_title(arts)
        == "Floodwater from the Riverton river closed the river road and the Riverton bridge"
    )


def test_heldout_t17_titles_are_short_headlines(data_dir: Path) -> None:
    """A Timeline17 collection the title rules were not tuned on (bpoil_bbc): its pages glue
    the headline before the first sentence; the story title is a headline, not a lede."""
    with gzip.open(data_dir / "tls_t17" / "bpoil_bbc" / "articles.jsonl.gz", "rt") as fh:
        rows = [json.loads(line) for _, line in zip(range(40), fh, strict=False)]
    arts = [Article(id=r["id"], text=r["text"], outlet=r["outlet"], published=r["published"]) for r in rows]
    title = story_title(arts)
    assert 3 <= len(title.split()) <= 12 and not JUNK.search(title), title
    assert re.search(r"\bBP\b|oil|spill|Gulf", title), title
    made = [article_title(a) for a in arts[:20]]
    assert all(len(t.split()) <= 16 and not JUNK.search(t) for t in made), made


def test_untitled_articles_get_a_headline_never_an_id(data_dir: Path) -> None:
    with gzip.open(data_dir / "tls_t17" / "LibyaWar_reuters" / "articles.jsonl.gz", "rt") as fh:
        rows = [json.loads(line) for _, line in zip(range(40), fh, strict=False)]
    arts = [Article(id=r["id"], text=r["text"], outlet=r["outlet"], published=r["published"]) for r in rows]
    title = story_title(arts)
    assert 3 <= len(title.split()) <= 18 and not JUNK.search(title), title
    assert re.search(r"Libya|Gaddafi|Benghazi|Tripoli", title), title
    for art in arts[:15]:
        made = article_title(art)
        assert made != art.id and not JUNK.search(made), made
    assert article_title(Article(id="x-1", text="")) == "Untitled article"


def test_seed_story_title_is_a_headline(seeds: Path) -> None:
    arts = []
    for path in sorted(seeds.glob("*.txt")):
        rec = Record(id=path.stem, source=str(path), text=path.read_text("utf-8"))
        art = prepare(rec)
        assert isinstance(art, Article)
        arts.append(art)
    title = story_title(arts)
    assert title in {a.title for a in arts} and ("Taliban" in title or "Afghan" in title), title


def test_titles_in_a_list_are_distinct() -> None:
    titles = distinct_titles(
        [
            ("s-1", "Flood hits Riverton", "2024-04-02"),
            ("s-2", "Flood hits Riverton", "2025-01-09"),
            ("s-3", "Dam holds", "2025-01-10"),
        ]
    )
    assert titles == {
        "s-1": "Flood hits Riverton (April 2024)",
        "s-2": "Flood hits Riverton (January 2025)",
        "s-3": "Dam holds",
    }
    same_month = distinct_titles(
        [("s-aaaaaa1", "Dam holds", "2025-01-01"), ("s-bbbbbb2", "Dam holds", "2025-01-03")]
    )
    assert len(set(same_month.values())) == 2


def test_mojibake_is_repaired_at_ingest() -> None:
    art = prepare(
        Record(
            id="m1",
            source="m1.txt",
            title="Mayor Anaâ€™s plan",
            text="Mayor Anaâ€™s flood plan was approved on Monday by the council of Riverton.",
        )
    )
    assert isinstance(art, Article)
    assert art.title == "Mayor Ana’s plan" and "Ana’s flood plan" in art.text


def test_ascii_text_skips_ftfy_but_loses_what_ftfy_would_remove() -> None:
    from storyline.ingest.articles import fix_mojibake

    # The fast path: ASCII text comes back as written (line breaks included) ...
    assert fix_mojibake("Plain text.\r\nSecond line.") == "Plain text.\r\nSecond line."
    # ... but not when it holds what ftfy removes from ASCII: terminal escapes, controls.
    assert fix_mojibake("red \x1b[31malert\x1b[0m bell\x07") == "red alert bell"


def test_furniture_only_article_joins_no_story_and_is_reported() -> None:
    prompt = "Would you like to make this your default edition?\nYes\nNo thanks"
    assert boilerplate_reason(prompt) == "sign-up prompt"
    thread = "March 1, 2011 at 6:21 pm | NO !\nMarch 1, 2011 at 6:40 pm | yes it is\nReply"
    assert boilerplate_reason(thread) == "comment thread"
    out = prepare(Record(id="p1", source="p1.html", text=prompt))
    assert isinstance(out, IngestError) and "sign-up prompt" in out.error
    assert boilerplate_reason("The council approved the flood budget on Monday after a long debate.") is None


def test_noise_story_is_flagged_and_real_news_is_not(data_dir: Path) -> None:
    prompts = [
        Article(id=f"n{i}", text="Would you like to make this your default edition?\nSign in")
        for i in range(3)
    ]
    assert story_noise(prompts) == "sign-up prompt"
    with gzip.open(data_dir / "tls_t17" / "H1N1_bbc" / "articles.jsonl.gz", "rt") as fh:
        rows = [json.loads(line) for _, line in zip(range(30), fh, strict=False)]
    assert story_noise([Article(id=r["id"], text=r["text"]) for r in rows]) is None


def test_digest_titles_and_noise_reach_the_report(tmp_path: Path, data_dir: Path) -> None:
    src = tmp_path / "in.jsonl"
    with gzip.open(data_dir / "tls_t17" / "H1N1_reuters" / "articles.jsonl.gz", "rt") as fh:
        rows = [json.loads(line) for _, line in zip(range(8), fh, strict=False)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    with open_store(tmp_path / "s.db") as store:
        digest, _ = pipeline.digest(store, [src], Options())
    assert digest.stories
    for story in digest.stories:
        assert not JUNK.search(story.title) and story.title not in story.article_ids, story.title
        assert story.noise is None
    md = to_markdown(digest)
    assert "outlet" in md and "last update" in md


def test_stories_command_lists_covered_stories_first(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from storyline.cli import main
    from storyline.model import Story

    db = tmp_path / "s.db"
    with open_store(db) as store:
        plan = {
            "wide": (["Post", "Wire"], 4, None),
            "solo": (["Post"], 1, None),
            "prompt": (["Post", "Wire"], 3, "sign-up prompt"),
        }
        for sid, (outlets, n, noise) in plan.items():
            arts = [
                Article(
                    id=f"{sid}{i}",
                    text=f"{sid} report number {i} on the flood.",
                    outlet=outlets[i % len(outlets)],
                    published=f"2025-03-0{i + 1}",
                )
                for i in range(n)
            ]
            store.add_articles(arts)
            for a in arts:
                store.set_group(a.id, sid, None)
            story = Story(id=sid, title="Flood hits Riverton", article_ids=[a.id for a in arts], noise=noise)
            store.put_story(story, (arts[0].published, arts[-1].published))
    out = CliRunner().invoke(main, ["stories", "--db", str(db)])
    assert out.exit_code == 0, out.output
    lines = [ln for ln in out.output.splitlines() if "\t" in ln]
    assert len(lines) == 1 and lines[0].startswith(
        "Flood hits Riverton\t2025-03-01 – 2025-03-04\t4 articles\t2 outlets"
    )
    assert "1 smaller story not shown" in out.output
    listed = json.loads(CliRunner().invoke(main, ["stories", "--all", "--json", "--db", str(db)]).stdout)
    assert [s["id"] for s in listed] == ["wide", "solo", "prompt"] and listed[-1]["noise"] == "sign-up prompt"
    assert len({s["title"] for s in listed}) == 3  # the same title made distinct


def test_glued_lede_drops_the_headline_a_crawl_glued_before_it() -> None:
    """Timeline17's BBC pages run headline, caption and lede together on one line: the
    summary and the timeline show the lede, as written (so citations still find it)."""
    from storyline.headlines import glued_lede

    text = (
        "Flood closes coast road The river rose overnight after three days of rain, and "
        "the council closed the coast road near the harbour. Water covered the fields."
    )
    art = Article(id="g1", text=text)
    lede = glued_lede(art, text.split(". ")[0] + ".")
    assert lede == (
        "The river rose overnight after three days of rain, and the council closed the coast road near "
        "the harbour."
    )
    assert lede in text
    # A sentence with no glue, a possessive before a name, and a titled article: unchanged.
    plain = "The council closed the coast road near the harbour on Monday."
    assert glued_lede(Article(id="g2", text=plain), plain) is None
    school = "Staff at Alleyn's School said the school would reopen on Monday after the break."
    assert glued_lede(Article(id="g3", text=school), school) is None
    assert glued_lede(Article(id="g4", text=text, title="Flood closes coast road"), text) is None
