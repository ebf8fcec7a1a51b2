"""Group articles into stories, and stories into events, online and with stable ids.

The method follows single-pass streaming news clustering (Miranda et al. 2018,
"Multilingual clustering of streaming news"): each article is compared with the centroids
of the clusters that are still active, on several feature families, and joins the best one
when the combined similarity clears a threshold, else it opens a new cluster. Families:

- ``tok``: TF-IDF of content words of the title and the start of the body, hashed into a
  fixed space; document frequencies are counted online (an article is weighted with the
  counts of the articles seen before it and itself), so no corpus has to be fitted first.
- ``ent``: TF-IDF of named-entity-like capitalised phrases (a cheap heuristic: spaCy costs
  ~10 documents/s, and names are what tells two earthquakes or two rehab stays apart).
- ``emb``: a sentence embedding of the title and lead (``storyline.extract.embed``).
- time: clusters whose last article is older than a window are closed, and the similarity
  decays linearly with the gap inside the window.

Stories are coarse clusters (loose threshold, long window); events are finer clusters
inside one story (tight threshold, short window). Two corrections run inside the loop, at
fixed cluster sizes (so they cost little and happen at the same article whatever the
batches): an event whose names differ from the rest of its story becomes a story of its
own (a neighbouring story had grown inside it), and two open stories whose centroids
have grown alike merge into the older one. Either moves articles grouped earlier: those
are listed by ``Grouper.regrouped()``, and a merged story id resolves through
``Grouper.resolve_story`` (on a saved state: ``GroupState.resolve``).

Articles are processed in publication order (undated last, then by id), so adding the
same articles in one call or in several calls whose union is in that order gives the same
grouping. Ids come from the first article of a cluster (a split-off story: of its event)
and never change. Cost per article is bounded by ``max_active`` clusters, so the total
cost grows linearly with the number of articles.

Modules, each importing only those before it: ``options`` (``GroupOptions``, no numpy),
``features`` (per-article vectors, computed in batch), ``pool`` (packed centroids of one
level), ``state`` (``GroupState``, the typed record the store keeps as JSON) and
``grouper`` (the online loop). Import the public names from this package.
"""

from __future__ import annotations

from storyline.group.features import Features, compute_features, detokenize, headline, lead_text
from storyline.group.grouper import Assignment, Grouper, group_articles
from storyline.group.options import GroupOptions, LevelOptions
from storyline.group.state import STATE_VERSION, Cluster, GroupState, resolve_alias

__all__ = [
    "Assignment",
    "Cluster",
    "Features",
    "GroupOptions",
    "GroupState",
    "Grouper",
    "LevelOptions",
    "STATE_VERSION",
    "compute_features",
    "detokenize",
    "group_articles",
    "headline",
    "lead_text",
    "resolve_alias",
]
