"""Packed numpy centroids of the open clusters of one grouping level.

The grouper (``storyline.group.grouper``) keeps one pool for stories and one for events; a pool
holds each open cluster's summed word and entity TF-IDF vectors (term-major, so an
article only touches the rows of its own terms), its summed embedding, squared norms of
the sums and its last date, and scores an article against all of them at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from storyline.group.options import LevelOptions

__all__ = ["Pool", "Vecs"]


@dataclass
class Vecs:
    """One article's weighted vectors (or a centroid in the same form, see
    ``Pool.centroid``): sparse unit-length words and entities, and its embedding."""

    tok_idx: np.ndarray
    tok_val: np.ndarray
    ent_idx: np.ndarray
    ent_val: np.ndarray
    emb: np.ndarray
    emb_ok: bool  # False for an all-zero embedding (no text to embed): the family is skipped


class Pool:
    """Centroids of the open clusters of one level, packed in numpy slots ``0..k-1``.

    Word and entity centroids are stored term-major (``dim x slots``) so that the values
    an article needs are the rows of its terms: the cost per article is (terms of the
    article) x (open clusters), independent of the vocabulary. Closing a cluster moves the
    last slot into the hole, so open clusters stay packed at the front.
    """

    def __init__(self, tok_dim: int, ent_dim: int, emb_dim: int, max_active: int) -> None:
        self.max_active = max_active
        self.cap = 0
        self.tok = np.zeros((tok_dim, 0), dtype=np.float32)
        self.ent = np.zeros((ent_dim, 0), dtype=np.float32)
        self.emb = np.zeros((0, emb_dim), dtype=np.float32)
        self.n_tok = np.zeros(0)  # squared norms of the centroid sums
        self.n_ent = np.zeros(0)
        self.n_emb = np.zeros(0)
        self.last = np.zeros(0)  # last publication ordinal (nan: undated)
        self.seen = np.zeros(0, dtype=np.int64)  # processing step of the last update
        self.owner: list[str] = []  # cluster id of each open slot
        self.parent: list[str | None] = []  # story id of an event slot
        self.slot_of: dict[str, int] = {}
        self.children: dict[str, set[str]] = {}  # story id -> its open event ids
        self.closed: list[str] = []
        # Term rows each slot has touched, so that closing or moving a cluster costs its
        # own vocabulary, not a full strided column of the hashed space.
        self.touched_tok: list[list[np.ndarray]] = []
        self.touched_ent: list[list[np.ndarray]] = []

    def __len__(self) -> int:
        return len(self.owner)

    def _grow(self, new: int) -> None:
        def widen(arr: np.ndarray, axis: int, fill: float = 0.0) -> np.ndarray:
            shape = list(arr.shape)
            shape[axis] = new
            out = np.full(shape, fill, dtype=arr.dtype)
            index = [slice(None)] * arr.ndim
            index[axis] = slice(0, arr.shape[axis])
            out[tuple(index)] = arr
            return out

        self.tok, self.ent = widen(self.tok, 1), widen(self.ent, 1)
        self.emb = widen(self.emb, 0)
        self.n_tok, self.n_ent, self.n_emb = (widen(a, 0) for a in (self.n_tok, self.n_ent, self.n_emb))
        self.last = widen(self.last, 0, np.nan)
        self.seen = widen(self.seen, 0, -1)
        self.cap = new

    def new_slot(self, cluster_id: str, parent: str | None) -> int:
        if len(self) >= self.max_active:  # evict the least recently updated: closed for good
            self.close(int(np.argmin(self.seen[: len(self)])))
        if len(self) >= self.cap:
            self._grow(min(self.max_active, max(32, 2 * self.cap)))
        slot = len(self)
        self.owner.append(cluster_id)
        self.parent.append(parent)
        self.touched_tok.append([])
        self.touched_ent.append([])
        self.slot_of[cluster_id] = slot
        if parent is not None:
            self.children.setdefault(parent, set()).add(cluster_id)
        return slot

    def close(self, slot: int) -> None:
        last = len(self) - 1
        cid, parent = self.owner[slot], self.parent[slot]
        del self.slot_of[cid]
        if parent is not None:
            kids = self.children[parent]
            kids.discard(cid)
            if not kids:
                del self.children[parent]
        for arr, touched in ((self.tok, self.touched_tok), (self.ent, self.touched_ent)):
            rows = _rows(touched[slot])
            arr[rows, slot] = 0.0
            if slot != last:
                rows = _rows(touched[last])
                arr[rows, slot] = arr[rows, last]
                arr[rows, last] = 0.0
            touched[slot] = touched[last]
            touched.pop()
        if slot != last:  # move the last open cluster into the hole
            for vec in (self.emb, self.n_tok, self.n_ent, self.n_emb, self.last, self.seen):
                vec[slot] = vec[last]
            self.owner[slot], self.parent[slot] = self.owner[last], self.parent[last]
            self.slot_of[self.owner[slot]] = slot
        self.emb[last] = 0.0
        self.n_tok[last] = self.n_ent[last] = self.n_emb[last] = 0.0
        self.last[last] = np.nan
        self.seen[last] = -1
        self.owner.pop()
        self.parent.pop()
        self.closed.append(cid)

    def drain_closed(self) -> list[str]:
        """Ids closed since the last call (the grouper closes a closed story's events)."""
        out, self.closed = self.closed, []
        return out

    def close_expired(self, day: float, window: float) -> None:
        """Close clusters whose last article is more than ``window`` days before ``day``."""
        if math.isnan(day) or not self.owner:
            return
        old = np.nonzero(self.last[: len(self)] < day - window)[0]  # nan: undated stay open
        for slot in old[::-1]:  # from the end, so moved slots were checked already
            self.close(int(slot))

    def scores(
        self, x: Vecs, lv: LevelOptions, day: float, slots: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Combined similarity of ``x`` to the clusters in ``slots`` (all open when None)."""
        k = len(self)
        if slots is None:
            slots = np.arange(k)
            cols: Any = slice(0, k)
        else:
            cols = slots
        if slots.size == 0:
            empty = np.zeros(0)
            return slots, empty, (empty, empty, empty)
        total = 0.0
        score = np.zeros(slots.size)
        d_tok = d_ent = d_emb = np.zeros(slots.size)
        if x.tok_idx.size and lv.w_tok:
            d_tok = _sparse_dots(self.tok, x.tok_idx, x.tok_val, cols, k)
            score += lv.w_tok * d_tok / np.sqrt(np.maximum(self.n_tok[cols], 1e-12))
            total += lv.w_tok
        if x.ent_idx.size and lv.w_ent:
            d_ent = _sparse_dots(self.ent, x.ent_idx, x.ent_val, cols, k)
            score += lv.w_ent * d_ent / np.sqrt(np.maximum(self.n_ent[cols], 1e-12))
            total += lv.w_ent
        if lv.w_emb and x.emb_ok:
            d_emb = (self.emb[cols] @ x.emb).astype(np.float64)
            score += lv.w_emb * d_emb / np.sqrt(np.maximum(self.n_emb[cols], 1e-12))
            total += lv.w_emb
        if total:
            score /= total  # renormalise over the families this article has
        if not math.isnan(day) and lv.time_weight:
            gap = day - self.last[cols]
            gap[np.isnan(gap)] = 0.0
            score -= lv.time_weight * np.clip(gap / lv.window_days, 0.0, 1.0)
        return slots, score, (d_tok, d_ent, d_emb)

    def update(self, slot: int, x: Vecs, dots: tuple[float, float, float], day: float, step: int) -> None:
        """Add ``x`` to the centroid sum; squared norms follow |c+x|^2 = |c|^2 + 2c.x + |x|^2."""
        if x.tok_idx.size:
            self.tok[x.tok_idx, slot] += x.tok_val
            self.touched_tok[slot].append(x.tok_idx)
            self.n_tok[slot] += 2.0 * dots[0] + 1.0
        if x.ent_idx.size:
            self.ent[x.ent_idx, slot] += x.ent_val
            self.touched_ent[slot].append(x.ent_idx)
            self.n_ent[slot] += 2.0 * dots[1] + 1.0
        if x.emb_ok:
            self.emb[slot] += x.emb
            self.n_emb[slot] += 2.0 * dots[2] + 1.0
        if not math.isnan(day):
            last = self.last[slot]
            self.last[slot] = day if math.isnan(last) else max(last, day)
        self.seen[slot] = step

    def cosines_with_rest(self, slot: int, part: Pool, pslot: int) -> tuple[float, float, float]:
        """Cosines (words, entities, embedding) between the centroid of cluster ``pslot`` of
        ``part`` and the rest of cluster ``slot`` of this pool (its sum minus the part's).

        Used when the part (an event) lies inside this cluster (its story): the cost is the
        part's own vocabulary.
        """
        out = []
        for mine, theirs, touched in (
            (self.tok, part.tok, part.touched_tok),
            (self.ent, part.ent, part.touched_ent),
        ):
            rows = _rows(touched[pslot])
            e = theirs[rows, pslot].astype(np.float64)
            whole = mine[:, slot].astype(np.float64)
            rest_rows = whole[rows] - e
            rest_sq = float(whole @ whole) - float(whole[rows] @ whole[rows]) + float(rest_rows @ rest_rows)
            out.append(_cos(float(e @ rest_rows), float(e @ e), rest_sq))
        e = part.emb[pslot].astype(np.float64)
        rest = self.emb[slot].astype(np.float64) - e
        out.append(_cos(float(e @ rest), float(e @ e), float(rest @ rest)))
        return out[0], out[1], out[2]

    def centroid(self, slot: int) -> Vecs:
        """The unit-length centroid of cluster ``slot``, in the form of an article's vectors
        (so ``scores`` can compare it with the other clusters)."""
        parts = []
        for arr, touched, norm in (
            (self.tok, self.touched_tok, self.n_tok),
            (self.ent, self.touched_ent, self.n_ent),
        ):
            rows = _rows(touched[slot])
            vals = arr[rows, slot] / np.float32(math.sqrt(max(norm[slot], 1e-12)))
            parts += [rows, vals.astype(np.float32)]
        emb = self.emb[slot] / np.float32(math.sqrt(max(self.n_emb[slot], 1e-12)))
        return Vecs(parts[0], parts[1], parts[2], parts[3], emb.astype(np.float32), bool(np.any(emb)))

    def transfer(self, slot: int, part: Pool, pslot: int, sign: float) -> None:
        """Add (``sign`` 1) or remove (-1) the sums of ``part``'s cluster ``pslot`` to this
        pool's cluster ``slot``; its squared norms are recomputed."""
        for mine, theirs, touched, mine_t in (
            (self.tok, part.tok, part.touched_tok, self.touched_tok),
            (self.ent, part.ent, part.touched_ent, self.touched_ent),
        ):
            rows = _rows(touched[pslot])
            mine[rows, slot] += sign * theirs[rows, pslot]
            if sign > 0:
                mine_t[slot].append(rows)
        self.emb[slot] += sign * part.emb[pslot]
        for norm, arr in ((self.n_tok, self.tok), (self.n_ent, self.ent)):
            col = arr[:, slot].astype(np.float64)
            norm[slot] = float(col @ col)
        self.n_emb[slot] = float(self.emb[slot].astype(np.float64) @ self.emb[slot])

    def reparent(self, cluster_id: str, parent: str) -> None:
        """Move an open event to another story."""
        slot = self.slot_of[cluster_id]
        old = self.parent[slot]
        if old is not None:
            kids = self.children[old]
            kids.discard(cluster_id)
            if not kids:
                del self.children[old]
        self.parent[slot] = parent
        self.children.setdefault(parent, set()).add(cluster_id)

    def to_state(self) -> dict[str, Any]:
        slots = []
        for s, cid in enumerate(self.owner):
            tok_nz = _rows(self.touched_tok[s])
            ent_nz = _rows(self.touched_ent[s])
            slots.append(
                {
                    "id": cid,
                    "parent": self.parent[s],
                    "tok": [tok_nz.tolist(), self.tok[tok_nz, s].tolist()],
                    "ent": [ent_nz.tolist(), self.ent[ent_nz, s].tolist()],
                    "emb": self.emb[s].tolist(),
                    "norms": [float(self.n_tok[s]), float(self.n_ent[s]), float(self.n_emb[s])],
                    "last": None if math.isnan(self.last[s]) else float(self.last[s]),
                    "seen": int(self.seen[s]),
                }
            )
        return {"slots": slots}

    def load_state(self, data: dict[str, Any]) -> None:
        for item in data["slots"]:
            s = self.new_slot(item["id"], item["parent"])
            for arr, touched, key in (
                (self.tok, self.touched_tok, "tok"),
                (self.ent, self.touched_ent, "ent"),
            ):
                rows = np.asarray(item[key][0], dtype=np.int64)
                arr[rows, s] = item[key][1]
                touched[s] = [rows]
            self.emb[s] = item["emb"]
            self.n_tok[s], self.n_ent[s], self.n_emb[s] = item["norms"]
            self.last[s] = np.nan if item["last"] is None else item["last"]
            self.seen[s] = item["seen"]


def _cos(dot: float, sq_a: float, sq_b: float) -> float:
    return dot / math.sqrt(sq_a * sq_b) if sq_a > 1e-12 and sq_b > 1e-12 else 0.0


def _rows(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(parts)) if len(parts) > 1 else parts[0]


def _sparse_dots(mat: np.ndarray, idx: np.ndarray, val: np.ndarray, cols: Any, k: int) -> np.ndarray:
    """Dot products of a sparse article vector (``idx``/``val``) with the centroid columns
    ``cols`` (a slice of the first ``k`` slots, or an index array) of a feature matrix."""
    block = mat[idx, :k] if isinstance(cols, slice) else mat[np.ix_(idx, cols)]
    return (val @ block).astype(np.float64)
