"""The grouper's saved state: a typed record, stored as JSON between runs.

``GroupState`` is what a ``Grouper`` hands out (``Grouper.state()``) and starts from
(``Grouper(state=...)``); the store keeps its ``to_dict()`` form. It is plain data (lists,
no numpy), so reading it back is cheap: the web app loads it to follow a merged story's
old id (``GroupState.resolve``) without building any centroid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from storyline.errors import InputError
from storyline.group.options import GroupOptions, options_from_dict

__all__ = ["STATE_VERSION", "Cluster", "GroupState", "PoolData", "resolve_alias"]

# 2: clusters count their centroid members (n_members) and merged story ids are kept
# (alias); a version-1 state is converted on load (see ``_upgrade_v1``).
STATE_VERSION = 2

# ``Pool.to_state()`` of one level: the open clusters' centroid sums, JSON-ready. Opaque
# here (only the pool reads it back), so the record does not depend on numpy.
PoolData = dict[str, Any]


@dataclass
class Cluster:
    """One story or event: its members and the headline that represents it."""

    id: str
    title: str
    title_score: float  # similarity to the centroid of the member that gave the title
    article_ids: list[str]
    events: list[str] = field(default_factory=list)  # event ids (stories only)
    n_members: int = 0  # articles in its centroid (near-duplicates are not counted)
    born: int = 0  # processing step at which it was opened (split-off stories: the split)

    def copy(self) -> Cluster:
        """A copy whose member lists can change without touching this one."""
        return Cluster(
            self.id,
            self.title,
            self.title_score,
            list(self.article_ids),
            list(self.events),
            self.n_members,
            self.born,
        )


@dataclass
class GroupState:
    """Everything a ``Grouper`` needs to continue exactly where it stopped.

    Stories and events are kept in the order they were opened (the grouper sorts ties by
    it); ``df_tok``/``df_ent`` are the online document frequencies as sparse
    ``[indices, counts]``; ``alias`` maps a merged story id to the story it joined.
    """

    options: GroupOptions
    embedder: str | None = None
    emb_dim: int | None = None
    n_docs: int = 0
    step: int = 0
    df_tok: list[list[int]] = field(default_factory=lambda: [[], []])
    df_ent: list[list[int]] = field(default_factory=lambda: [[], []])
    stories: dict[str, Cluster] = field(default_factory=dict)
    events: dict[str, Cluster] = field(default_factory=dict)
    assigned: dict[str, tuple[str, str]] = field(default_factory=dict)  # article: story, event
    alias: dict[str, str] = field(default_factory=dict)
    story_pool: PoolData | None = None
    event_pool: PoolData | None = None

    def resolve(self, story_id: str) -> str:
        """The id a story has now (see ``resolve_alias``)."""
        return resolve_alias(self.alias, story_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept by the store (version ``STATE_VERSION``)."""
        return {
            "version": STATE_VERSION,
            "options": asdict(self.options),
            "embedder": self.embedder,
            "emb_dim": self.emb_dim,
            "n_docs": self.n_docs,
            "step": self.step,
            "df_tok": [list(self.df_tok[0]), list(self.df_tok[1])],
            "df_ent": [list(self.df_ent[0]), list(self.df_ent[1])],
            "stories": [asdict(c) for c in self.stories.values()],
            "events": [asdict(c) for c in self.events.values()],
            "assigned": {k: list(v) for k, v in self.assigned.items()},
            "alias": dict(self.alias),
            "story_pool": self.story_pool,
            "event_pool": self.event_pool,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupState:
        """Read ``to_dict()`` output back; a version-1 state is converted, any other
        version is refused (its meaning is unknown: regroup from the articles)."""
        if data.get("version") == 1:
            data = _upgrade_v1(data)
        if data.get("version") != STATE_VERSION:
            raise InputError(
                f"grouper state version {data.get('version')!r} is not "
                f"{STATE_VERSION}: regroup from the articles"
            )
        return cls(
            options=options_from_dict(data["options"]),
            embedder=data["embedder"],
            emb_dim=int(data["emb_dim"]) if data.get("emb_dim") else None,
            n_docs=int(data["n_docs"]),
            step=int(data["step"]),
            df_tok=[list(data["df_tok"][0]), list(data["df_tok"][1])],
            df_ent=[list(data["df_ent"][0]), list(data["df_ent"][1])],
            stories={c["id"]: Cluster(**c) for c in data["stories"]},
            events={c["id"]: Cluster(**c) for c in data["events"]},
            assigned={k: (v[0], v[1]) for k, v in data["assigned"].items()},
            alias=dict(data.get("alias", {})),
            story_pool=data.get("story_pool"),
            event_pool=data.get("event_pool"),
        )


def resolve_alias(alias: Mapping[str, str], story_id: str) -> str:
    """The id a story has now: a story merged into an older one answers with the older
    one's id, followed through chains of merges (so links and bookmarks to it keep
    working); any other id is returned as is. The one place this lookup is written."""
    seen = {story_id}
    while story_id in alias and alias[story_id] not in seen:
        story_id = alias[story_id]
        seen.add(story_id)
    return story_id


def _upgrade_v1(data: Mapping[str, Any]) -> dict[str, Any]:
    """A version-1 state as version 2: member counts are taken from the member lists (a
    near-duplicate counts there though it never moved a centroid, so a split or merge
    check may come an article early), the opening order from the saved order, and no
    story was merged yet."""
    out = dict(data, version=2, alias={})
    for key in ("stories", "events"):  # clusters were saved in the order they were opened
        out[key] = [dict(c, n_members=len(c["article_ids"]), born=k) for k, c in enumerate(data[key])]
    return out
