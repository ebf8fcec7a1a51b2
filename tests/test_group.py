"""Grouping: online == one-shot, stable ids, duplicates, the seeds, and a quality gate.

The tests use the ``tfidf-hash`` embedder (no model load: the whole file runs in about
20 s on a busy 2-core machine); the MiniLM variant of the seeds test is marked slow
(``pytest -m slow tests/test_group.py``, ~15 s more for loading the model).
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from storyline.errors import InputError
from storyline.evaluation.data import read_jsonl
from storyline.evaluation.group import (
    SINGLE_PASS_THRESHOLD,
    load_articles,
    scores,
    single_pass_tfidf,
)
from storyline.group import Grouper, GroupOptions, GroupState, group_articles
from storyline.model import Article

FAST = GroupOptions(embedder="tfidf-hash")

# Measured on all 496 ECB+ documents (FAST options): story BCubed F1 .874 / event .872;
# single-pass-tfidf .813 / .832 (thresholds .10 / .20). Floors sit a few points under the
# measurement: refactors that keep the behaviour pass, regressions fail.
FLOOR_STORY_F1 = 0.85
FLOOR_EVENT_F1 = 0.85


def _ecb_slice(data_dir: Path, n: int = 150) -> tuple[list[Article], dict[str, tuple[str, str]]]:
    path = data_dir / "clustering" / "ecbplus.jsonl.gz"
    records = sorted(read_jsonl(path), key=lambda r: r["id"])[:n]
    articles = [Article(id=r["id"], text=r["text"], url=r.get("url")) for r in records]
    return articles, {r["id"]: (r["story"], r["event"]) for r in records}


def _by_article(assignments: list) -> dict[str, tuple[str, str]]:
    return {a.article_id: (a.story_id, a.event_id) for a in assignments}


def _round_trip(state: GroupState) -> GroupState:
    """Through JSON and back, as the store keeps it between runs."""
    data = json.loads(json.dumps(state.to_dict()))
    back = GroupState.from_dict(data)
    assert json.loads(json.dumps(back.to_dict())) == data  # nothing lost on the way
    return back


def test_online_batches_equal_one_shot_and_state_round_trips(data_dir: Path) -> None:
    articles, _ = _ecb_slice(data_dir)
    one_shot = _by_article(Grouper(FAST).add(articles))

    ordered = sorted(articles, key=lambda a: a.id)  # undated: processing order is by id
    grouper = Grouper(FAST)
    online = _by_article(grouper.add(ordered[:50]))
    # Persist and reload between batches, as the store does between runs.
    grouper = Grouper(state=_round_trip(grouper.state()))
    online |= _by_article(grouper.add(ordered[50:100]))
    online |= _by_article(grouper.add(list(reversed(ordered[100:]))))  # order inside a call
    assert online == one_shot
    assert len(set(s for s, _ in one_shot.values())) > 5  # it did group, not one blob


def test_online_equals_one_shot_with_dates_closures_and_evictions(data_dir: Path) -> None:
    """Dated T17 articles: time windows close clusters and a tiny ``max_active`` evicts
    open ones; batches in publication order, with a JSON state round trip between them,
    must still give exactly the one-shot grouping."""
    path = data_dir / "clustering" / "t17_stories.jsonl.gz"
    articles, _, _, _ = load_articles(path, limit=600, seed=1)
    options = dataclasses.replace(FAST, max_active=8)
    one_shot = _by_article(Grouper(options).add(articles))
    ordered = sorted(articles, key=lambda a: (a.published is None, a.published or "", a.id))
    online: dict[str, tuple[str, str]] = {}
    grouper = Grouper(options)
    for part in (ordered[:200], ordered[200:400], ordered[400:]):
        online |= _by_article(grouper.add(part))
        online |= _by_article(grouper.regrouped())  # earlier articles a split/merge moved
        grouper = Grouper(state=_round_trip(grouper.state()))
    assert online == one_shot
    assert len({e for _, e in one_shot.values()}) > len({s for s, _ in one_shot.values()}) > 20


def _egypt_libya(data_dir: Path) -> tuple[list[Article], list[str]]:
    """CNN's Egypt protests and the first weeks of the Libya war (CNN and Reuters): the
    first Libya report is a roundup that joins the Egypt story, and Libya then grows
    inside it as one of its events until the split check gives it its own story."""
    path = data_dir / "clustering" / "t17_stories.jsonl.gz"
    articles, gold, _, _ = load_articles(path)
    keep = [
        i
        for i, a in enumerate(articles)
        if gold[i] in ("egypt", "libya") and "2011-01-20" <= (a.published or "") <= "2011-03-10"
    ]
    return [articles[i] for i in keep], [gold[i] for i in keep]


def test_split_and_merge_are_online_and_keep_ids(data_dir: Path) -> None:
    articles, gold = _egypt_libya(data_dir)
    grouper = Grouper(FAST)
    one_shot = _by_article(grouper.add(articles))
    main = {
        g: Counter(one_shot[a.id][0] for a, gg in zip(articles, gold, strict=True) if gg == g).most_common(1)[
            0
        ][0]
        for g in ("egypt", "libya")
    }
    assert main["egypt"] != main["libya"]  # split apart (one story without the split step)
    no_split = Grouper(dataclasses.replace(FAST, split_entity_cos=0.0))
    merged = _by_article(no_split.add(articles))
    assert merged[articles[gold.index("egypt")].id][0] == merged[articles[gold.index("libya")].id][0]

    # A stricter story threshold leaves two Egypt threads apart until the merge step
    # joins them (the default options keep Egypt in one story from the start).
    strict = dataclasses.replace(FAST, story=dataclasses.replace(FAST.story, threshold=0.12))
    grouper = Grouper(strict)
    one_shot = _by_article(grouper.add(articles))
    live = {s.id for s in grouper.stories()}
    alias = grouper.state().alias
    label = {a.id: g for a, g in zip(articles, gold, strict=True)}
    assert alias and all(grouper.resolve_story(old) in live for old in alias)
    for old in alias:  # a merge joins threads of one topic, never two topics
        story = next(s for s in grouper.stories() if s.id == grouper.resolve_story(old))
        assert Counter(label[a] for a in story.article_ids).most_common(1)[0][1] >= 0.95 * len(
            story.article_ids
        )
    assert all(grouper.state().resolve(old) == grouper.resolve_story(old) for old in alias)
    assert grouper.resolve_story("s-unknown") == "s-unknown"

    ordered = sorted(articles, key=lambda a: (a.published or "", a.id))
    online: dict[str, tuple[str, str]] = {}
    moved, grouper = 0, Grouper(strict)
    for start in range(0, len(ordered), 100):
        online |= _by_article(grouper.add(ordered[start : start + 100]))
        moved += len(grouper.regrouped())
        online |= _by_article(grouper.regrouped())
        grouper = Grouper(state=_round_trip(grouper.state()))
    assert moved > 0  # some earlier articles did move, and were reported
    assert online == one_shot
    # Event ids never change, and every event stays whole inside one story.
    event_story: dict[str, str] = {}
    for story in grouper.stories():
        for event in story.events:
            assert event_story.setdefault(event.id, story.id) == story.id


# Fictional news for the absorb test: a volcano story, a thread of it about grounded
# flights (its own words and names plus the volcano's), and an unrelated cup final on the
# same island. Each article is a seeded sample of a pool's sentences.
_VOLCANO = (
    "Mount Veltra erupted again on Korsan, sending lava toward the village of Tarrow.",
    "Governor Alena Brisk ordered the evacuation of Tarrow and Mireth as Mount Veltra spewed lava.",
    "Seismologist Ivo Renk said the tremors under Mount Veltra were growing stronger.",
    "Lava from Mount Veltra crossed the coastal road between Tarrow and Mireth on Korsan.",
    "Rescue teams on Korsan searched the slopes of Mount Veltra for missing hikers.",
    "Alena Brisk visited shelters in Mireth where families who fled Mount Veltra are staying.",
    "Ivo Renk of the Korsan Volcano Institute warned that a larger eruption of Mount Veltra was possible.",
    "Residents of Tarrow watched the glow of Mount Veltra from the harbour.",
    "The Korsan Volcano Institute raised the alert level for Mount Veltra to red.",
    "Ash from Mount Veltra covered crops and roofs across the north of Korsan.",
)
_FLIGHTS = (
    "The ash cloud from Mount Veltra grounded all Skyrail flights at Port Danel airport.",
    "Thousands of passengers were stranded at Port Danel as Skyrail cancelled flights over Korsan.",
    "Skyrail chief executive Oren Sato said flights would resume once the ash cloud cleared.",
    "Airport officials at Port Danel handed out blankets to passengers stuck by the ash.",
    "Aviation regulator Lina Morrow closed the airspace over Korsan because of the ash cloud.",
    "Skyrail crews inspected jet engines at Port Danel for damage from volcanic ash.",
)
_FINAL = (
    "Redport Rovers beat Korsan City 2-1 in the cup final at the Harbour Stadium.",
    "Coach Dario Velm praised his Redport Rovers players after the cup final win.",
    "Striker Tomas Quill scored the winning goal for Redport Rovers in extra time.",
    "Korsan City captain Elio Brant missed a penalty in the second half of the final.",
    "Fans of Redport Rovers celebrated in the streets of Redport after the final.",
    "Dario Velm said the cup final was the best night of his career at Redport Rovers.",
)


def _fictional(
    prefix: str, n: int, first_day: int, picks: list[tuple[tuple[str, ...], int]]
) -> list[Article]:
    rnd = random.Random(prefix)
    out = []
    for k in range(n):
        sents = [s for pool, m in picks for s in rnd.sample(pool, m)]
        day = first_day + k % 10
        out.append(
            Article(
                id=f"{prefix}-{k:02d}", title=sents[0], text=" ".join(sents), published=f"2031-05-{day:02d}"
            )
        )
    return out


def test_a_fragment_rejoins_its_big_story_and_an_unrelated_one_does_not() -> None:
    """Absorb (``GroupOptions.absorb_ratio``): the flights thread opens a story of its own
    (a strict story threshold stands in for a long story's blurred centroid), and when it
    reaches 10 articles it joins the six-times-bigger volcano story; the cup final, as
    big and on the same island, stays apart."""
    volcano = _fictional("volcano", 60, 1, [(_VOLCANO, 4)])
    flights = _fictional("flights", 10, 15, [(_FLIGHTS, 2), (_VOLCANO, 4)])
    final = _fictional("final", 10, 10, [(_FINAL, 4)])
    articles = volcano + flights + final
    strict = dataclasses.replace(FAST, story=dataclasses.replace(FAST.story, threshold=0.40))

    def stories(options: GroupOptions) -> tuple[Grouper, dict[str, set[str]]]:
        grouper = Grouper(options)
        got = _by_article(grouper.add(articles))
        return grouper, {
            name: {got[a.id][0] for a in part}
            for name, part in (("volcano", volcano), ("flights", flights), ("final", final))
        }

    # Without absorbing the thread stays apart: the merge step alone never takes it back.
    _, off = stories(dataclasses.replace(strict, absorb_ratio=0.0))
    assert len(off["flights"]) == 1 and off["flights"] != off["volcano"]
    grouper, got = stories(strict)
    assert len(got["volcano"]) == 1 and got["flights"] == got["volcano"]
    assert got["volcano"] == off["volcano"]  # the big story keeps its id
    assert {grouper.resolve_story(sid) for sid in off["flights"]} == got["volcano"]
    assert len(got["final"]) == 1 and got["final"] != got["volcano"]
    # The guards keep the cup final out: without them it is swallowed like the thread.
    loose = dataclasses.replace(strict, absorb_threshold=0.0, absorb_margin=0.0, absorb_entity_cos=0.0)
    _, swallowed = stories(loose)
    assert swallowed["final"] == swallowed["volcano"]


def test_version_1_state_is_converted(data_dir: Path) -> None:
    articles, _ = _ecb_slice(data_dir, 80)
    grouper = Grouper(FAST)
    grouper.add(articles[:40])
    old = json.loads(json.dumps(grouper.state().to_dict()))
    old["version"] = 1
    del old["alias"]
    for key in ("stories", "events"):
        for cluster in old[key]:
            del cluster["n_members"], cluster["born"]
    for key in ("split_sizes", "split_entity_cos", "split_min_rest", "merge_sizes", "merge_threshold"):
        del old["options"][key]
    resumed = Grouper(state=GroupState.from_dict(old))
    got = _by_article(resumed.add(articles[40:]))
    assert got == _by_article(grouper.add(articles[40:]))
    old["version"] = 0
    with pytest.raises(InputError, match="state version"):
        GroupState.from_dict(old)


def test_ids_are_stable_when_articles_are_added(data_dir: Path) -> None:
    articles, _ = _ecb_slice(data_dir)
    grouper = Grouper(FAST)
    first = _by_article(grouper.add(articles[:100]))
    grouper.add(articles[100:])
    first |= _by_article(grouper.regrouped())  # moved by a split or merge, if any
    stories = grouper.stories()
    after = {aid: (s.id, e.id) for s in stories for e in s.events for aid in e.article_ids}
    for aid, ids in first.items():
        assert after[aid] == ids
    # Ids come from the first article of each cluster.
    for story in stories:
        assert story.id.startswith("s-") and len(story.id) == 12
        assert all(e.id.startswith("e-") for e in story.events)
        assert sorted(story.article_ids) == sorted(a for e in story.events for a in e.article_ids)
    # Re-adding known articles changes nothing.
    again = _by_article(grouper.add(articles[:10]))
    assert all(again[a] == first[a] for a in again)


def test_duplicates_join_their_original(data_dir: Path) -> None:
    articles, _ = _ecb_slice(data_dir, 60)
    dups = [
        dataclasses.replace(
            articles[i], id=f"dup-{i}", text="Reprint. " + articles[i].text, duplicate_of=articles[i].id
        )
        for i in (3, 17, 42)
    ]
    chain = dataclasses.replace(dups[0], id="dup-of-dup", duplicate_of="dup-3")
    got = _by_article(Grouper(FAST).add(articles + dups + [chain]))
    for i in (3, 17, 42):
        assert got[f"dup-{i}"] == got[articles[i].id]
    assert got["dup-of-dup"] == got[articles[3].id]
    # A later batch: the original is known from the state.
    grouper = Grouper(FAST)
    grouper.add(articles)
    late = _by_article(grouper.add([dataclasses.replace(dups[1], id="late-dup")]))
    assert late["late-dup"] == got[articles[17].id]


def _read_seed(path: Path) -> Article:
    """Crude read of a seed file: first non-empty line is the title, the rest the text."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    return Article(id=path.stem, title=lines[0], text="\n".join(lines[1:]))


@pytest.mark.parametrize("embedder", ["tfidf-hash", pytest.param("minilm", marks=pytest.mark.slow)])
def test_seeds_form_one_story(seeds: Path, embedder: str) -> None:
    articles = [_read_seed(p) for p in sorted(seeds.glob("*.txt"))]
    assert len(articles) == 5
    stories, assignments = group_articles(articles, GroupOptions(embedder=embedder))
    assert len(stories) == 1, [s.title for s in stories]
    story = stories[0]
    assert sorted(story.article_ids) == sorted(a.id for a in articles)
    assert "Taliban" in story.title or "Afghan" in story.title
    assert len(assignments) == 5


def test_eval_gate_on_ecb_sample(data_dir: Path) -> None:
    path = data_dir / "clustering" / "ecbplus.jsonl.gz"
    articles, gold_story, _, _ = load_articles(path, level="story")
    _, gold_event, _, _ = load_articles(path, level="event")
    got = _by_article(Grouper(FAST).add(articles))
    story = scores(gold_story, [got[a.id][0] for a in articles])
    event = scores(gold_event, [got[a.id][1] for a in articles])
    assert story["bcubed_f1"] >= FLOOR_STORY_F1
    assert event["bcubed_f1"] >= FLOOR_EVENT_F1
    texts = [a.text for a in articles]
    for level, gold, ours in (("story", gold_story, story), ("event", gold_event, event)):
        baseline = single_pass_tfidf(texts, SINGLE_PASS_THRESHOLD[level])
        assert ours["bcubed_f1"] > scores(gold, [str(v) for v in baseline])["bcubed_f1"]


def test_load_articles_default_level_and_sample(data_dir: Path) -> None:
    path = data_dir / "clustering" / "googlenews_titles.jsonl.gz"
    articles, gold, level, _ = load_articles(path, limit=200)
    assert level == "event" and len(articles) == len(gold) == 200
    again, _, _, _ = load_articles(path, limit=200)
    assert [a.id for a in again] == [a.id for a in articles]  # seeded sample


def test_metrics_on_a_known_case() -> None:
    gold = ["a", "a", "a", "b", "b"]
    pred = ["x", "x", "y", "y", "y"]
    got = scores(gold, pred)
    # BCubed precision: (1+1 + 1/3 + 2/3+2/3)/5 = 11/15; recall: (2/3+2/3+1/3 + 1+1)/5.
    assert got["bcubed_precision"] == pytest.approx(11 / 15)
    assert got["bcubed_recall"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 2) / 5)
    assert scores(gold, gold)["cluster_f1"] == pytest.approx(1.0)
    assert scores(gold, gold)["ari"] == pytest.approx(1.0)
