"""The online grouper: articles into stories and stories into events (see the package
docstring of ``storyline.group`` for the method).

Module graph of the stage, one way only: ``options`` <- ``features``, ``pool``, ``state``
<- ``grouper`` (this module) <- ``storyline.group``.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
from threadpoolctl import threadpool_limits

from storyline.errors import InputError
from storyline.group.features import Features, compute_features
from storyline.group.options import GroupOptions, LevelOptions
from storyline.group.pool import Pool, Vecs
from storyline.group.state import Cluster, GroupState, resolve_alias
from storyline.model import Article, Event, Story

__all__ = ["Assignment", "Grouper", "group_articles"]


@dataclass
class Assignment:
    """Where one article went: its story and its event inside that story."""

    article_id: str
    story_id: str
    event_id: str


# ------------------------------------------------------------------------------ grouper


class Grouper:
    """Online grouper: story and event centroids (word/entity TF-IDF sums, embedding sums,
    last date), online document frequencies and every cluster's members.

    ``state()`` is a ``GroupState`` (plain data: lists, not numpy): the store persists its
    ``to_dict()`` between runs, and a later ``Grouper(state=...)`` continues exactly where
    this one stopped.

    >>> g = Grouper(GroupOptions(embedder="tfidf-hash"))
    >>> [a.story_id for a in g.add([Article(id="a", text="Quake hits Chile.")])]
    ['s-86f7e437fa']
    """

    def __init__(self, options: GroupOptions | None = None, state: GroupState | None = None) -> None:
        self.options = options or GroupOptions()
        if state is not None:
            saved = state.options
            if options is None:
                self.options = saved
            elif (options.token_dim, options.entity_dim) != (saved.token_dim, saved.entity_dim):
                raise InputError(
                    "grouper state was built with other feature sizes "
                    "(token_dim/entity_dim): regroup or keep its options"
                )
        o = self.options
        self._df_tok = np.zeros(o.token_dim, dtype=np.int64)
        self._df_ent = np.zeros(o.entity_dim, dtype=np.int64)
        self._n_docs = 0
        self._step = 0
        self._embedder_name: str | None = None
        self._stories: dict[str, Cluster] = {}
        self._events: dict[str, Cluster] = {}
        self._assigned: dict[str, tuple[str, str]] = {}
        self._regrouped: dict[str, tuple[str, str]] = {}  # moved in this add()
        self._alias: dict[str, str] = {}  # merged story id -> the story it joined
        self._moved_earlier: list[Assignment] = []
        self._story_pool: Pool | None = None
        self._event_pool: Pool | None = None
        self._emb_dim: int | None = None
        self.timing: dict[str, float] = {"features_s": 0.0, "group_s": 0.0, "group_cpu_s": 0.0}
        if state is not None:
            self._load(state)

    # -- public -------------------------------------------------------------------------

    def add(self, articles: list[Article], features: Features | None = None) -> list[Assignment]:
        """Assign each article to a story and an event; returns one Assignment per article,
        in processing order (publication date, undated last, then id).

        Articles already grouped are not grouped again (a split or merge in this call may
        move them to another story: ``regrouped()`` lists those); a near-duplicate whose
        original is known joins the original's story and event without moving centroids.
        ``features`` (from ``compute_features`` on the same list) skips feature extraction.
        """
        order = sorted(range(len(articles)), key=lambda i: _sort_key(articles[i]))
        self._regrouped = {}
        fresh, ids = [], set()
        for i in order:  # an id given twice is grouped once
            if articles[i].id not in self._assigned and articles[i].id not in ids:
                fresh.append(i)
                ids.add(articles[i].id)
        joins = _joins_original(articles, set(self._assigned))
        main = [i for i in fresh if not joins[i]]
        dups = [i for i in fresh if joins[i]]

        if features is not None and len(features.tok) != len(articles):
            raise InputError("features were computed for a different list of articles")
        t0 = t1 = time.perf_counter()
        c1 = time.process_time()
        if main:
            if features is None:
                feats = compute_features([articles[i] for i in main], self.options)
                pos = {i: k for k, i in enumerate(main)}
            else:
                feats, pos = features, {i: i for i in main}
            if self._embedder_name is None:
                self._embedder_name = feats.embedder
            elif feats.embedder != self._embedder_name:
                raise InputError(
                    f"grouper state was built with the {self._embedder_name!r} embedder, "
                    f"not {feats.embedder!r}: use the same GroupOptions.embedder"
                )
            t1, c1 = time.perf_counter(), time.process_time()
            self._ensure_pools(feats.emb.shape[1])
            # One BLAS thread: the loop does many small products, for which thread start-up
            # and contention cost up to 10x more than the arithmetic on a shared 2-core box.
            with threadpool_limits(limits=1, user_api="blas"):
                for i in main:
                    self._add_one(articles[i], feats, pos[i])
        by_id = {a.id: a for a in articles}
        for i in dups:
            original = _resolve(articles[i], by_id, self._assigned)
            story_id, event_id = self._assigned[original]
            self._stories[story_id].article_ids.append(articles[i].id)
            self._events[event_id].article_ids.append(articles[i].id)
            self._assigned[articles[i].id] = (story_id, event_id)
        t2, c2 = time.perf_counter(), time.process_time()
        self.timing["features_s"] += t1 - t0
        self.timing["group_s"] += t2 - t1
        self.timing["group_cpu_s"] += c2 - c1  # CPU time: robust to a busy shared machine
        out = []
        for i in order:
            story_id, event_id = self._assigned[articles[i].id]
            out.append(Assignment(articles[i].id, story_id, event_id))
        self._moved_earlier = [
            Assignment(aid, *self._assigned[aid]) for aid in self._regrouped if aid not in ids
        ]
        return out

    def resolve_story(self, story_id: str) -> str:
        """The id a story has now: a story merged into an older one answers with the
        older one's id (see ``storyline.group.state.resolve_alias``)."""
        return resolve_alias(self._alias, story_id)

    def regrouped(self) -> list[Assignment]:
        """Articles grouped by an earlier ``add`` whose story the last ``add`` changed (their
        event split off into a story of its own, or their story merged into an older one;
        see ``GroupOptions.split_entity_cos`` and ``merge_threshold``): a caller that stores
        assignments should store these too. Event ids never change."""
        return list(self._moved_earlier)

    def stories(self) -> list[Story]:
        """The stories so far, biggest first (ties: oldest first), events likewise."""
        created = {sid: k for k, sid in enumerate(self._stories)}
        out = []
        for sid, st in self._stories.items():
            events = [
                Event(id=eid, title=self._events[eid].title, article_ids=list(self._events[eid].article_ids))
                for eid in st.events
            ]
            events.sort(key=lambda e: -len(e.article_ids))
            out.append(Story(id=sid, title=st.title, article_ids=list(st.article_ids), events=events))
        out.sort(key=lambda s: (-len(s.article_ids), created[s.id]))
        return out

    def state(self) -> GroupState:
        """Everything needed to continue later: a snapshot (later ``add`` calls do not
        change it), JSON-ready through ``GroupState.to_dict()``."""
        assert self._story_pool is None or self._event_pool is not None
        return GroupState(
            options=self.options,
            embedder=self._embedder_name,
            emb_dim=self._emb_dim,
            n_docs=self._n_docs,
            step=self._step,
            df_tok=_sparse(self._df_tok),
            df_ent=_sparse(self._df_ent),
            stories={k: c.copy() for k, c in self._stories.items()},
            events={k: c.copy() for k, c in self._events.items()},
            assigned=dict(self._assigned),
            alias=dict(self._alias),
            story_pool=self._story_pool.to_state() if self._story_pool else None,
            event_pool=self._event_pool.to_state() if self._event_pool else None,
        )

    # -- internals ----------------------------------------------------------------------

    def _load(self, state: GroupState) -> None:
        self._alias = dict(state.alias)
        self._embedder_name = state.embedder
        self._n_docs = state.n_docs
        self._step = state.step
        idx, val = state.df_tok
        self._df_tok[np.asarray(idx, dtype=np.int64)] = val
        idx, val = state.df_ent
        self._df_ent[np.asarray(idx, dtype=np.int64)] = val
        self._stories = {k: c.copy() for k, c in state.stories.items()}
        self._events = {k: c.copy() for k, c in state.events.items()}
        self._assigned = dict(state.assigned)
        if state.emb_dim:
            self._ensure_pools(state.emb_dim)
            assert self._story_pool is not None and self._event_pool is not None
            assert state.story_pool is not None and state.event_pool is not None
            self._story_pool.load_state(state.story_pool)
            self._event_pool.load_state(state.event_pool)

    def _story_level(self) -> LevelOptions:
        """The story options of this grouper's embedder: a sentence model (MiniLM) gives
        higher cosines to unrelated texts than the hashed vectors, so each has its own
        tuned story level (see ``GroupOptions.story`` and ``story_dense``)."""
        if self._embedder_name in (None, "tfidf-hash"):
            return self.options.story
        return self.options.story_dense

    def _ensure_pools(self, emb_dim: int) -> None:
        if self._story_pool is None:
            o = self.options
            self._emb_dim = emb_dim
            self._story_pool = Pool(o.token_dim, o.entity_dim, emb_dim, o.max_active)
            self._event_pool = Pool(o.token_dim, o.entity_dim, emb_dim, o.max_active)

    def _weigh(self, idx: np.ndarray, tf: np.ndarray, df: np.ndarray) -> np.ndarray:
        df[idx] += 1
        n = self._n_docs + self.options.idf_prior_docs + 1.0
        w = tf * np.log(n / (df[idx] + 0.5)).astype(np.float32)
        norm = float(np.linalg.norm(w))
        return (w / norm).astype(np.float32) if norm > 0 else w

    def _add_one(self, article: Article, feats: Features, k: int) -> None:
        o = self.options
        sp, ep = self._story_pool, self._event_pool
        assert sp is not None and ep is not None
        self._n_docs += 1
        self._step += 1
        t_idx, t_tf = feats.tok[k]
        e_idx, e_tf = feats.ent[k]
        emb = feats.emb[k]
        x = Vecs(
            t_idx,
            self._weigh(t_idx, t_tf, self._df_tok),
            e_idx,
            self._weigh(e_idx, e_tf, self._df_ent),
            emb,
            bool(np.any(emb)),
        )
        if x.tok_val.size and not np.any(x.tok_val):  # only words seen in every document
            x.tok_idx, x.tok_val = x.tok_idx[:0], x.tok_val[:0]
        if x.ent_val.size and not np.any(x.ent_val):
            x.ent_idx, x.ent_val = x.ent_idx[:0], x.ent_val[:0]
        day = _ordinal(article.published)
        story_lv = self._story_level()
        sp.close_expired(day, story_lv.window_days)
        self._close_events_of(sp.drain_closed())
        ep.close_expired(day, o.event.window_days)
        ep.drain_closed()

        title = feats.titles[k]
        s_slots, s_score, s_dots = sp.scores(x, story_lv, day)
        s_slot = e_slot = -1
        if o.events_first:
            # A close match with a recent event decides the story too: the centroid of a
            # long story drifts and blurs, its latest developments stay sharp.
            e_slots, e_score, e_dots = ep.scores(x, o.event, day)
            best = int(np.argmax(e_score)) if e_score.size else -1
            if best >= 0 and e_score[best] >= o.event.threshold:
                e_slot = int(e_slots[best])
                e_best = (float(e_score[best]), e_dots[0][best], e_dots[1][best], e_dots[2][best])
                parent = ep.parent[e_slot]
                assert parent is not None
                s_slot = sp.slot_of[parent]
        if s_slot < 0:
            best = int(np.argmax(s_score)) if s_score.size else -1
            if best >= 0 and s_score[best] >= story_lv.threshold:
                s_slot = int(s_slots[best])
        if s_slot >= 0:
            story_id = sp.owner[s_slot]
            sp.update(s_slot, x, (s_dots[0][s_slot], s_dots[1][s_slot], s_dots[2][s_slot]), day, self._step)
            _offer_title(self._stories[story_id], title, float(s_score[s_slot]))
        else:
            story_id = "s-" + _short_hash(article.id)
            self._stories[story_id] = Cluster(story_id, title, -1.0, [], born=self._step)
            sp.update(sp.new_slot(story_id, None), x, (0.0, 0.0, 0.0), day, self._step)
            self._close_events_of(sp.drain_closed())
        self._stories[story_id].article_ids.append(article.id)

        if e_slot < 0 and not o.events_first:
            ev_slots = np.asarray(
                sorted(ep.slot_of[e] for e in ep.children.get(story_id, ())), dtype=np.int64
            )
            slots, score, dots = ep.scores(x, o.event, day, ev_slots)
            best = int(np.argmax(score)) if score.size else -1
            if best >= 0 and score[best] >= o.event.threshold:
                e_slot = int(slots[best])
                e_best = (float(score[best]), dots[0][best], dots[1][best], dots[2][best])
        if e_slot >= 0:
            event_id = ep.owner[e_slot]
            ep.update(e_slot, x, e_best[1:], day, self._step)
            _offer_title(self._events[event_id], title, e_best[0])
        else:
            event_id = "e-" + _short_hash(article.id)
            self._events[event_id] = Cluster(event_id, title, -1.0, [], born=self._step)
            self._stories[story_id].events.append(event_id)
            ep.update(ep.new_slot(event_id, story_id), x, (0.0, 0.0, 0.0), day, self._step)
        self._events[event_id].article_ids.append(article.id)
        self._events[event_id].n_members += 1
        self._stories[story_id].n_members += 1
        self._assigned[article.id] = (story_id, event_id)
        if self._events[event_id].n_members in o.split_sizes and o.split_entity_cos > 0:
            self._maybe_split(event_id)
            story_id = self._assigned[article.id][0]
        if self._stories[story_id].n_members in o.merge_sizes and o.merge_threshold < 1:
            self._maybe_merge(story_id)

    def _maybe_merge(self, story_id: str) -> None:
        """Merge two open stories whose centroids have grown alike: two threads of one
        story that started apart (a market-crash thread beside a bail-out thread). The
        younger story joins the older one, which keeps its id; the younger id stays
        resolvable through ``resolve_story``.

        Guards that make one story swallowing unrelated ones impossible by construction:
        the two must be each other's closest open story (mutual), their whole-story
        profiles must clear ``merge_threshold`` *and* share names as much as an event must
        share its story's (entity cosine >= ``split_entity_cos``: two trials share
        "court" and "judge", not the accused), and the merge may move neither story's
        word centroid by more than ``merge_min_stay`` allows. Merges compare whole
        stories, never single articles, so no article can chain two stories together."""
        o = self.options
        sp = self._story_pool
        assert sp is not None
        slot = sp.slot_of[story_id]
        if len(sp) < 2:
            return
        st = self._story_level()
        lv = LevelOptions(st.w_tok, st.w_ent, st.w_emb, 0.0, 1.0, 0.0)
        best, ent_cos, tok_cos, score, second = _best_partner(sp, slot, lv)
        if best < 0:
            return
        other = sp.owner[best]
        if self._absorbs(story_id, other, ent_cos, score, second):
            self._join(other, story_id)
            return
        back = _best_partner(sp, best, lv)
        if back[0] != slot:
            return  # not each other's closest story: a merge would pick a side
        if self._absorbs(other, story_id, back[1], back[3], back[4]):
            self._join(story_id, other)  # a fragment whose closest story just grew
            return
        if ent_cos < o.split_entity_cos:
            return
        if score < o.merge_threshold:
            return
        if _stay(float(sp.n_tok[slot]), float(sp.n_tok[best]), tok_cos) < o.merge_min_stay:
            return
        older = self._stories[other].born < self._stories[story_id].born
        self._join(*((other, story_id) if older else (story_id, other)))

    def _absorbs(self, small: str, big: str, ent_cos: float, score: float, second: float) -> bool:
        """Whether fragment ``small`` should join ``big``, its closest story (see
        ``GroupOptions.absorb_ratio``): ``big`` is many times its size (so the merge
        barely moves ``big``: nothing can be swallowed), the two profiles are close and
        every other open story is clearly further."""
        o = self.options
        n_small, n_big = self._stories[small].n_members, self._stories[big].n_members
        return (
            o.absorb_ratio > 0
            and n_big >= o.absorb_ratio * n_small
            and score >= o.absorb_threshold
            and ent_cos >= o.absorb_entity_cos
            and score - second >= o.absorb_margin
        )

    def _join(self, keep: str, gone: str) -> None:
        """Story ``gone`` joins story ``keep``, which keeps its id (``gone`` stays
        resolvable through ``resolve_story``)."""
        sp = self._story_pool
        assert sp is not None
        ks, gs = sp.slot_of[keep], sp.slot_of[gone]
        sp.transfer(ks, sp, gs, 1.0)
        if not np.isnan(sp.last[gs]):
            sp.last[ks] = np.fmax(sp.last[ks], sp.last[gs])
        sp.seen[ks] = self._step
        ep = self._event_pool
        assert ep is not None
        for eid in sorted(ep.children.get(gone, ())):
            ep.reparent(eid, keep)
        sp.close(sp.slot_of[gone])
        sp.drain_closed()  # its events live on in the surviving story
        kept, lost = self._stories[keep], self._stories.pop(gone)
        kept.article_ids += lost.article_ids
        kept.events += lost.events
        kept.n_members += lost.n_members
        self._alias[gone] = keep
        for aid in lost.article_ids:
            event_id = self._assigned[aid][1]
            self._assigned[aid] = (keep, event_id)
            self._regrouped[aid] = (keep, event_id)

    def _maybe_split(self, event_id: str) -> None:
        """Give an event its own story when its names have little in common with the rest
        of its story: it joined through a loose story match (a roundup of several
        countries' protests) and then grew into another story (see ``split_entity_cos``).
        The event's articles move to a new story whose id comes from the event's first
        article; the old story keeps its id and its other articles."""
        o = self.options
        sp, ep = self._story_pool, self._event_pool
        assert sp is not None and ep is not None
        es = ep.slot_of[event_id]
        story_id = ep.parent[es]
        assert story_id is not None
        story = self._stories[story_id]
        event = self._events[event_id]
        if story.events[0] == event_id or story.n_members - event.n_members < o.split_min_rest:
            return  # the story's founding event, or too little else to tell them apart
        ss = sp.slot_of[story_id]
        if sp.cosines_with_rest(ss, ep, es)[1] >= o.split_entity_cos:
            return
        new_id = "s-" + event_id[2:]
        if new_id in self._alias or new_id in self._stories:
            return  # the founding event of a story merged away: its old id is taken
        sp.transfer(ss, ep, es, -1.0)
        slot = sp.new_slot(new_id, None)
        sp.transfer(slot, ep, es, 1.0)
        sp.last[slot] = ep.last[es]
        sp.seen[slot] = self._step
        self._close_events_of(sp.drain_closed())  # a full pool evicted its stalest story
        ep.reparent(event_id, new_id)
        moved = set(event.article_ids)
        story.article_ids = [a for a in story.article_ids if a not in moved]
        story.events.remove(event_id)
        story.n_members -= event.n_members
        self._stories[new_id] = Cluster(
            new_id,
            event.title,
            event.title_score,
            list(event.article_ids),
            [event_id],
            event.n_members,
            born=self._step,
        )
        for aid in event.article_ids:
            self._assigned[aid] = (new_id, event_id)
            self._regrouped[aid] = (new_id, event_id)

    def _close_events_of(self, story_ids: list[str]) -> None:
        """Events of a closed story are closed too (the story can no longer grow)."""
        ep = self._event_pool
        assert ep is not None
        for sid in story_ids:
            for eid in sorted(ep.children.get(sid, ())):
                ep.close(ep.slot_of[eid])


def _best_partner(pool: Pool, slot: int, lv: LevelOptions) -> tuple[int, float, float, float, float]:
    """The open story closest to story ``slot`` (combined score, no time decay), with the
    entity and word cosines between the two, its score and the second-best score (0 when
    there is none); -1 when there is no other story."""
    if len(pool) < 2:
        return -1, 0.0, 0.0, 0.0, 0.0
    slots, score, dots = pool.scores(pool.centroid(slot), lv, float("nan"))
    score[slot] = -np.inf
    order = np.argsort(-score, kind="stable")
    best = int(order[0])
    second = float(score[order[1]]) if len(pool) > 2 else 0.0
    ent = float(dots[1][best]) / math.sqrt(max(float(pool.n_ent[best]), 1e-12))
    tok = float(dots[0][best]) / math.sqrt(max(float(pool.n_tok[best]), 1e-12))
    return int(slots[best]), ent, tok, float(score[best]), second


def _stay(sq_a: float, sq_b: float, cos: float) -> float:
    """How little a merge moves the centroids: the smaller, over both stories, of the
    cosine between a story's summed vector and the merged sum (squared norms ``sq_a``,
    ``sq_b``, cosine ``cos`` between them). 1 = unmoved; two equal halves at cosine .3
    give .81; a big story landing on a small one gives close to ``cos``."""
    a, b = math.sqrt(max(sq_a, 0.0)), math.sqrt(max(sq_b, 0.0))
    whole = math.sqrt(max(a * a + b * b + 2 * a * b * cos, 1e-12))
    return min((a + b * cos) / whole, (b + a * cos) / whole)


def _short_hash(text: str) -> str:
    """Cluster ids: the first article's id hashed, so ids are stable and opaque."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _ordinal(published: str | None) -> float:
    """Day number of a publication date; nan when undated or unreadable (no time decay)."""
    if not published:
        return math.nan
    try:
        return float(date.fromisoformat(published[:10]).toordinal())
    except ValueError:
        return math.nan


def _offer_title(cluster: Cluster, title: str, score: float) -> None:
    """Keep the headline of the member most similar to the centroid when it joined."""
    if score > cluster.title_score and title:
        cluster.title, cluster.title_score = title, score


def _sort_key(article: Article) -> tuple[bool, str, str]:
    return (article.published is None, article.published or "", article.id)


def _joins_original(articles: list[Article], assigned: set[str]) -> list[bool]:
    """Which articles are near-duplicates whose original (followed through chains of
    duplicate_of links inside the batch) is grouped already or is grouped in this batch."""
    by_id = {a.id: a for a in articles}
    out = []
    for a in articles:
        current, seen, ok = a.duplicate_of, {a.id}, False
        while current and current not in seen:
            if current in assigned:
                ok = True
                break
            nxt = by_id.get(current)
            if nxt is None:
                break
            if not nxt.duplicate_of:
                ok = True
                break
            seen.add(current)
            current = nxt.duplicate_of
        out.append(ok)
    return out


def _resolve(article: Article, by_id: dict[str, Article], assigned: dict[str, tuple[str, str]]) -> str:
    """Follow duplicate_of links to an article that was grouped."""
    current, seen = article.duplicate_of or "", set()
    while current not in assigned and current in by_id and current not in seen:
        seen.add(current)
        current = by_id[current].duplicate_of or ""
    if current not in assigned:
        raise InputError(f"article {article.id!r}: its original {article.duplicate_of!r} was not grouped")
    return current


def _sparse(counts: np.ndarray) -> list[list[int]]:
    nz = np.nonzero(counts)[0]
    return [nz.tolist(), counts[nz].tolist()]


def group_articles(
    articles: list[Article], options: GroupOptions | None = None
) -> tuple[list[Story], list[Assignment]]:
    """Group a whole collection at once: a fresh ``Grouper().add(articles)``.

    Returns the stories (biggest first, each with its events) and one assignment per
    article in processing order.
    """
    grouper = Grouper(options)
    assignments = grouper.add(articles)
    return grouper.stories(), assignments
