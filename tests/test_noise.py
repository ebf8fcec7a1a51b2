"""Noise stories (``storyline.noise.story_noise``) beyond furniture lines: one site's page
template, text that is not English, a broadcaster's programme schedule. Pages and texts here
are fictional (written for these tests); real news comes from ../shared at test time and must
stay unflagged, while the junk pages of Timeline17 (Vietnamese pages garbled by a lost
encoding, BBC radio schedules) must be flagged."""

from __future__ import annotations

import gzip
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from storyline.dedupe import mark_duplicates
from storyline.ingest import Record
from storyline.ingest.articles import prepare
from storyline.model import Article
from storyline.noise import english_share, is_schedule, story_noise, template_shares

# ------------------------------------------------------------------ fictional pages

TEMPLATE_HEAD = [
    "Riverton Radio Online: your guide to the station",
    "Browse our programmes from the full A to Z list of presenters and shows",
    "To listen again you need a media player installed on your computer or phone",
    "Visit our help pages for full instructions on setting up your player",
    "All times are local and the running order is subject to change without notice",
]
TEMPLATE_FOOT = [
    "About the station | Contact the studio | Terms of use | Accessibility help",
    "Copyright Riverton Radio Online, the home of local sound since the old days",
]


def _page(i: int, own: list[str]) -> Article:
    return Article(id=f"page{i}", text="\n".join([*TEMPLATE_HEAD, *own, *TEMPLATE_FOOT]), outlet="riverton")


def _news(i: int, topic: str) -> list[str]:
    """A long body of its own (about 200 words), different for each page."""
    return [
        f"The council of Riverton met on day {i} to discuss the {topic} and the cost of the repairs "
        f"that engineers say will take until the spring of next year to finish in full."
    ] + [
        f"Residents told reporters at meeting {i} that the {topic} had changed their lives, and "
        f"that they were waiting for answers from the agency number {i * 7} about compensation."
        f" Officials said on record {j} that the budget for the {topic} would rise again."
        for j in range(6)
    ]


def test_site_template_story_is_flagged() -> None:
    pages = [_page(i, [f"Listen again to episode {i} of the morning show."]) for i in range(4)]
    assert story_noise(pages) == "site template"
    shares = template_shares(pages)
    assert all(share > 0.8 and own < 20 for share, own in shares)
    # two pages are enough when both are the template and little else
    assert story_noise(pages[:2]) == "site template"


def test_template_with_real_text_of_its_own_is_news() -> None:
    # The same site template around long articles of their own: the articles are news.
    pages = [_page(i, _news(i, topic)) for i, topic in enumerate(["flood", "bridge", "school", "flood"])]
    assert story_noise(pages) is None
    # Articles that share no line at all share no template.
    plain = [Article(id=f"n{i}", text="\n".join(_news(i, "flood"))) for i in range(3)]
    assert all(share == 0.0 for share, _ in template_shares(plain))
    assert story_noise(plain) is None


def test_duplicates_are_not_a_template() -> None:
    # Syndicated copies are marked duplicate_of and left out: one original is no template.
    text = "\n".join([*TEMPLATE_HEAD, "Episode one of the show."])
    copies = [Article(id="a", text=text)] + [
        Article(id=f"c{i}", text=text, duplicate_of="a") for i in range(3)
    ]
    assert story_noise(copies) is None


# Fictional Vietnamese sentences, and the same text garbled the way the T17 H1N1_bbc pages
# were: every letter outside ASCII lost.
VIETNAMESE = (
    "Thành phố Riverton đã mở cửa lại các trường học sau trận lũ lớn tuần trước. "
    "Chính quyền địa phương cho biết nước đã rút khỏi phần lớn các con đường chính. "
    "Người dân được khuyên nên đun sôi nước uống trong vài ngày tới. "
    "Các kỹ sư đang kiểm tra cây cầu cũ bắc qua sông trước khi cho xe cộ đi lại."
)


def _garbled(text: str) -> str:
    return "".join(ch if ch.isascii() else " " for ch in unicodedata.normalize("NFC", text))


ENGLISH = (
    "Riverton reopened its schools on Monday after the flood of last week, and the council said "
    "that the water had left most of the main roads. Residents were told to boil their drinking "
    "water for a few more days while engineers check the old bridge over the river."
)


def test_not_english_story_is_flagged() -> None:
    assert english_share(ENGLISH)[0] > 0.2
    for text in (VIETNAMESE, _garbled(VIETNAMESE)):
        share, words = english_share(text)
        assert words >= 30 and share < 0.04, (share, words)
    garbled = [Article(id=f"v{i}", text=_garbled(VIETNAMESE) + f" Tin {i}.") for i in range(3)]
    assert story_noise(garbled) == "not English"
    assert story_noise([Article(id="v", text=VIETNAMESE)]) == "not English"


def test_mostly_english_story_is_news() -> None:
    mixed = [Article(id="v", text=VIETNAMESE)] + [
        Article(id=f"e{i}", text=ENGLISH + f" Update {i}.") for i in range(2)
    ]
    assert story_noise(mixed) is None
    # Too few words to judge (a caption, a list of names): never "not English".
    short = [Article(id="s", text="Ann Example, Bob Sample, Carla Demo, Riverton Town Hall")]
    assert story_noise(short) is None


SCHEDULE = "\n".join(
    f"Morning show {i}: Ann Example plays listeners' requests and talks to a local baker.\n"
    f"Presenter/Ann Example, Producer/Bob Sample for Riverton Radio"
    for i in range(6)
)


def test_programme_schedule_is_flagged() -> None:
    assert is_schedule(SCHEDULE)
    assert story_noise([Article(id="r1", text=SCHEDULE)]) == "programme schedule"
    news = ENGLISH + " The producer of the town's radio show said the studio stayed dry."
    assert not is_schedule(news)
    assert story_noise([Article(id="n1", text=news)]) is None


# ------------------------------------------------------------------ real data


def _t17_rows(data_dir: Path) -> Iterator[dict]:
    for path in sorted((data_dir / "tls_t17").glob("*/articles.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            yield from (json.loads(line) for line in fh)


def test_t17_junk_pages_found_and_news_left_alone(data_dir: Path) -> None:
    """Every T17 article (4,625): the articles judged not English are exactly the garbled
    Vietnamese pages of H1N1_bbc, and the schedules exactly BBC radio schedules of MJ_bbc."""
    not_english, schedules = [], []
    for row in _t17_rows(data_dir):
        share, words = english_share(row["text"])
        if words >= 30 and share < 0.04:
            not_english.append(row["id"])
        if is_schedule(row["text"]):
            schedules.append(row["id"])
    assert len(not_english) == 6 and all(i.startswith("t17/H1N1_bbc/") for i in not_english)
    assert len(schedules) == 7 and all(i.startswith("t17/MJ_bbc/") for i in schedules)


def _stories(rows: list[dict], size: int) -> Iterator[list[Article]]:
    """Consecutive gold stories of ``size`` articles, as the pipeline would see them:
    cleaned (furniture-only texts are ingest errors) and syndicated copies marked."""
    for start in range(0, len(rows), size):
        arts = []
        for row in rows[start : start + size]:
            art = prepare(Record(id=row["id"], source=row["id"], text=row["text"], outlet=row.get("outlet")))
            if isinstance(art, Article):
                arts.append(art)
        if arts:
            mark_duplicates(arts)
            yield arts


def test_real_news_stories_stay_unflagged(data_dir: Path) -> None:
    """The first 60 Multi-News validation examples (each one story of 2-10 outlets) and the
    T17 BBC gold stories in runs of 3 articles: no story is noise, apart from the known junk.
    (All 250 Multi-News and 307 NeuS examples and all of T17 in runs of 3 and 8 were checked
    the same way when the rules were tuned: no story flagged but one run of radio schedules;
    a subset here keeps the test under a minute.)"""
    flagged = []
    with (data_dir / "mds" / "multinews_val.jsonl").open(encoding="utf-8") as fh:
        for _, line in zip(range(60), fh, strict=False):
            ex = json.loads(line)
            rows = [{"id": f"{ex['id']}/{k}", "text": d} for k, d in enumerate(ex["documents"])]
            for arts in _stories(rows, len(rows)):
                if (reason := story_noise(arts)) is not None:
                    flagged.append((ex["id"], reason))
    assert flagged == []
    junk = ("t17/H1N1_bbc/", "t17/MJ_bbc/")
    known = {"not English", "programme schedule"}
    by_collection: dict[str, list[dict]] = {}
    for row in _t17_rows(data_dir):
        by_collection.setdefault(row["id"].rsplit("/", 1)[0], []).append(row)
    for name in ("t17/H1N1_bbc", "t17/MJ_bbc"):
        rows = sorted(by_collection[name], key=lambda r: (r["published"] or "", r["id"]))
        for arts in _stories(rows, 3):
            reason = story_noise(arts)
            if reason is not None and not (
                reason in known and any(a.id.startswith(junk) for a in arts)
            ):
                flagged.append((arts[0].id, reason))
    assert flagged == []


def test_stored_junk_story_is_flagged(data_dir: Path) -> None:
    """The Vietnamese pages of T17 H1N1_bbc, as one story, are "not English"."""
    rows = [r for r in _t17_rows(data_dir) if r["id"].startswith("t17/H1N1_bbc/")]
    pages = [Article(id=r["id"], text=r["text"]) for r in rows if english_share(r["text"])[0] < 0.04]
    assert len(pages) >= 5
    assert story_noise(pages) == "not English"
    english = [r for r in rows if english_share(r["text"])[0] >= 0.04]
    assert story_noise([Article(id=r["id"], text=r["text"]) for r in english[:20]]) is None


# ------------------------------------------------------------------ the line guard


def _searched(line: str) -> str | None:
    """``line_reason`` without its literal guard: every pattern searched in order."""
    from storyline.clean.patterns import BOILERPLATE_PATTERNS
    from storyline.noise import NOISE_REASONS

    return next((r for r, p in (*NOISE_REASONS, *BOILERPLATE_PATTERNS) if p.search(line)), None)


def test_line_guard_gives_what_searching_every_pattern_gives(data_dir: Path) -> None:
    """``line_reason`` skips a pattern's search when none of the literals its branches need
    is in the line. On CleanEval pages with their furniture kept (9,000 lines, hundreds of
    them furniture) the answer must be the plain search's, line for line."""
    from storyline.noise import line_reason

    lines = []
    with gzip.open(data_dir / "boilerplate" / "cleaneval_dev_text.jsonl.gz", "rt", encoding="utf-8") as fh:
        for row in fh:
            lines += [ln for ln in json.loads(row)["raw_text"].splitlines() if ln.strip()]
    want = [_searched(ln) for ln in lines]
    assert sum(r is not None for r in want) > 200  # furniture of many kinds is in the sample
    assert [line_reason(ln) for ln in lines] == want


def test_line_guard_folds_case_as_the_patterns_do() -> None:
    """IGNORECASE matches a long s, a dotless i and a dotted capital I to ASCII letters,
    which ``str.lower`` leaves alone: the guard must not skip such lines."""
    from storyline.noise import line_reason

    for line in ("Pleaſe ſign up to read more", "LOG İN to comment", "Cookıe settings", "Read more"):
        assert line_reason(line) == _searched(line) is not None
    assert line_reason("The council met on Monday to discuss the flood.") is None
