"""A generator of hostile input mixed with good articles, and the manifest to check a run by.

Used by tests/test_robustness.py (small corpus) and benchmarks/bench_robustness.py (10,000+
inputs with the very large files). The good articles are synthetic (fictional town news
built from word lists), so nothing third-party is copied; each has a unique marker word so
the check can find it in the store.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

PLACES = ["Hollin Ford", "Wendmere", "Calder", "Marrowby", "Tessel", "Ostry", "Varn", "Lusk"]
SUBJECTS = ["the council", "the water board", "the rail operator", "the hospital", "the port authority"]
VERBS = ["approved", "postponed", "cancelled", "announced", "reviewed", "rejected"]
OBJECTS = ["a new bridge", "the spring budget", "night trains", "a flood barrier", "school repairs"]


@dataclass
class Manifest:
    """What a correct run must do with the corpus."""

    good: set[str] = field(default_factory=set)  # marker words of articles that must be stored
    bad_files: set[str] = field(default_factory=set)  # paths (or path:line) that must be errors
    either: set[str] = field(default_factory=set)  # paths that may go either way, never lost
    inputs: int = 0  # everything that must be accounted for (stored or in errors)
    clash_id: str = ""  # an id given twice with different texts


def _article(rng: random.Random, marker: str) -> tuple[str, str]:
    place = rng.choice(PLACES)
    title = f"{place} {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    paras = []
    for _ in range(rng.randint(3, 6)):
        sents = [
            f"{rng.choice(SUBJECTS).capitalize()} in {rng.choice(PLACES)} {rng.choice(VERBS)} "
            f"{rng.choice(OBJECTS)} on {rng.choice(['Monday', 'Tuesday', 'Friday'])}, "
            f"officials said, citing {rng.randint(2, 9000):,} residents."
            for _ in range(rng.randint(2, 4))
        ]
        paras.append(" ".join(sents))
    paras.insert(1, f"The reference code for this report is {marker}.")
    return title, "\n\n".join(paras)


def make_corpus(root: Path, n_good: int = 200, seed: int = 7, big: bool = False) -> Manifest:
    """Write ``n_good`` good articles (text, HTML, JSONL, CSV, odd encodings) and one of each
    kind of hostile input (several of the cheap kinds) into ``root``."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    m = Manifest()
    jsonl_lines: list[str] = []
    csv_rows: list[list[str]] = []
    for i in range(n_good):
        marker = f"zq{seed}x{i:06d}"
        title, body = _article(rng, marker)
        kind = i % 8
        m.good.add(marker)
        if kind == 0:
            (root / f"good-{i}.txt").write_text(f"{title}\n\n{body}\n", "utf-8")
        elif kind == 1:
            paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            html = (
                f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
                f"<article><h1>{title}</h1>{paras}</article><footer>© Example</footer></body></html>"
            )
            (root / f"good-{i}.html").write_text(html, "utf-8")
        elif kind == 2:
            (root / f"good-{i}.txt").write_bytes(f"{title} caf\u00e9\n\n{body}".encode("cp1252"))
        elif kind == 3:
            (root / f"good-{i}.txt").write_bytes(f"{title}\n\n{body}".encode("utf-16"))
        elif kind == 4:
            jsonl_lines.append(
                json.dumps({"id": f"j{i}", "title": title, "text": body, "published": "2021-02-30"})
            )
        elif kind == 5:
            csv_rows.append([f"c{i}", title, body.replace("\n\n", " ")])
        elif kind == 6:
            rtl = "خبر عاجل: " + body + " 🚆🌊 مرحبا"
            (root / f"good-{i}.txt").write_text(f"{title} 📰\n\n{rtl}", "utf-8")
        else:
            jsonl_lines.append(
                json.dumps({"id": f"j{i}", "title": "T" * 100_000, "text": body, "published": "2999-01-01"})
            )
    # JSONL with broken lines in the middle; duplicate ids with different texts.
    broken_at = []
    lines = []
    for j, line in enumerate(jsonl_lines):
        lines.append(line)
        if j % 10 == 5:
            lines.append('{"id": "broken", "text": "unterminated')
            broken_at.append(len(lines))
    if jsonl_lines:
        title, body = _article(rng, f"zq{seed}dup")
        m.clash_id = json.loads(jsonl_lines[0])["id"]
        lines.append(json.dumps({"id": m.clash_id, "title": title, "text": body}))  # same id, other text
        m.good.add(f"zq{seed}dup")
    path = root / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    m.bad_files |= {f"{path}:{n}" for n in broken_at}
    # CSV with a wrong row.
    path = root / "records.csv"
    rows = ["id,title,text"] + [",".join(json.dumps(c) for c in r) for r in csv_rows] + ['x,"only two"']
    path.write_text("\n".join(rows) + "\n", "utf-8")
    m.bad_files.add(f"{path}:{len(rows)}")
    # Hostile single files, each must be an error.
    bad = {
        "empty.txt": b"",
        "blank.txt": b"   \n\n  ",
        "binary.txt": bytes(rng.randrange(256) for _ in range(4096)) + b"\x00" * 10,
        "mixed.txt": "Café au lait ".encode() + b"\xe9\xe8 more text " * 20,
        "scripts-only.html": b"<html><head><script>var a=1;</script></head><body><script>alert(1)</script>"
        b"<iframe src='x'></iframe><style>p{}</style></body></html>",
        "bomb.txt.gz": gzip.compress(b"A" * (40 * 1024 * 1024)),
        "bomb.zip": b"PK\x03\x04" + b"\x00" * 100,
        "notgzip.txt.gz": b"this is not gzip data at all",
        "bad.json": b'{"articles": [1, 2',
        "nocol.csv": b"id,title\n1,hello\n",
        "image.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    }
    for name, data in bad.items():
        (root / name).write_bytes(data)
        m.bad_files.add(str(root / name))
    # Deeply nested, unclosed HTML with real text inside: stored or reported, never lost.
    nested = "<div>" * 5000 + "<p>Deep text of the nested page about the Wendmere council budget vote.</p>"
    (root / "nested.html").write_text(f"<html><body>{nested}", "utf-8")
    m.either.add(str(root / "nested.html"))
    if big:
        with (root / "huge.txt").open("wb") as fh:  # 200 MB of text
            block = (("The council met again. " * 40) + "\n").encode()
            for _ in range(200 * 1024 * 1024 // len(block) + 1):
                fh.write(block)
        (root / "oneline.txt").write_bytes(b"word " * (10 * 1024 * 1024))  # one 50 MB line
        m.bad_files |= {str(root / "huge.txt"), str(root / "oneline.txt")}
    m.inputs = len(m.good) + len(m.bad_files) + len(m.either)
    return m
