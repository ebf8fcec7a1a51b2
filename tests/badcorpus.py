"""A generator of hostile input mixed with good articles, and the manifest to check a run by.

Used by tests/test_robustness.py (small corpus) and benchmarks/bench_robustness.py (10,000+
inputs with the very large files). The good articles are synthetic (fictional town news
built from word lists), so nothing third-party is copied; each has a unique marker word so
the check can find it in the store.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import zlib
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
    hashed_id: str = ""  # the marker of the article whose 5 MB id is replaced by its hash
    bad_prefixes: set[str] = field(default_factory=set)  # an error's path starts with each


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
    _hostile_inputs(root, rng, seed, m, big)
    if big:
        with (root / "huge.txt").open("wb") as fh:  # 200 MB of text
            block = (("The council met again. " * 40) + "\n").encode()
            for _ in range(200 * 1024 * 1024 // len(block) + 1):
                fh.write(block)
        (root / "oneline.txt").write_bytes(b"word " * (10 * 1024 * 1024))  # one 50 MB line
        m.bad_files |= {str(root / "huge.txt"), str(root / "oneline.txt")}
    m.inputs = len(m.good) + len(m.bad_files) + len(m.bad_prefixes) + len(m.either)
    return m


def _fresh(path: Path) -> Path:
    """``path`` with nothing there (pipes and symlinks cannot be written over)."""
    if path.is_symlink() or path.exists():
        path.unlink()
    return path


def warc_record(url: str, html: bytes, length: int | None = None) -> bytes:
    """One WARC/1.0 response record; ``length`` overrides the true Content-Length."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
        f"Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http) if length is None else length}\r\n\r\n"
    )
    return head.encode() + http + b"\r\n\r\n"


def _page(rng: random.Random, marker: str) -> bytes:
    title, body = _article(rng, marker)
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return f"<html><head><title>{title}</title></head><body><article>{paras}</article></body></html>".encode()


def _hostile_inputs(root: Path, rng: random.Random, seed: int, m: Manifest, big: bool) -> None:
    """The attacks of issue #17 (items 1-3), each beside good input it must not take down."""
    # A JSONL line of 200,000 nested '[' (RecursionError in json), then a good line.
    title, body = _article(rng, f"zq{seed}afternest")
    path = root / "nested.jsonl"
    after = json.dumps({"id": "after-nest", "title": title, "text": body})
    path.write_text("[" * 200_000 + "\n" + after + "\n")
    m.bad_files.add(f"{path}:1")
    m.good.add(f"zq{seed}afternest")
    # A good article whose file name holds a byte that is not UTF-8.
    title, body = _article(rng, f"zq{seed}badname")
    raw = os.fsencode(root) + b"/bad\xffbyte.txt"
    with open(raw, "wb") as fh:
        fh.write(f"{title}\n\n{body}\n".encode())
    m.good.add(f"zq{seed}badname")
    # A 5 MB id: stored under its hash, the reason kept.
    title, body = _article(rng, f"zq{seed}longid")
    path = root / "longid.jsonl"
    path.write_text(json.dumps({"id": "i" * 5_000_000, "title": title, "text": body}) + "\n")
    m.good.add(f"zq{seed}longid")
    m.hashed_id = f"zq{seed}longid"
    # WARCs: gzip members cut at 40%; a Content-Length too large (runs into the next two
    # records) and one too small; a plain archive cut inside its last record.
    pages = [(f"https://news.example/{seed}/{k}", f"zq{seed}warc{k}") for k in range(9)]
    members = [gzip.compress(warc_record(url, _page(rng, mark))) for url, mark in pages[:3]]
    data = b"".join(members)
    cut = int(len(data) * 0.4)
    (root / "cut.warc.gz").write_bytes(data[:cut])
    ends = [sum(len(x) for x in members[: k + 1]) for k in range(3)]
    for k, (_url, mark) in enumerate(pages[:3]):
        if ends[k] <= cut:
            m.good.add(mark)  # whole before the cut: stored
    m.bad_prefixes.add(f"{root / 'cut.warc.gz'}")  # named by record URL, number or file
    recs = [warc_record(url, _page(rng, mark)) for url, mark in pages[3:6]]
    recs[0] = warc_record(pages[3][0], _page(rng, pages[3][1]), length=len(recs[0]) + 5_000)
    (root / "long-length.warc").write_bytes(b"".join(recs))
    m.bad_files.add(f"{root / 'long-length.warc'}#{pages[3][0]}")
    m.good |= {pages[4][1], pages[5][1]}
    recs = [warc_record(url, _page(rng, mark)) for url, mark in pages[6:9]]
    recs[0] = warc_record(pages[6][0], _page(rng, pages[6][1]), length=len(recs[0]) - 200)
    whole = b"".join(recs)
    (root / "short-length.warc").write_bytes(whole[: len(whole) - 300])  # and the last record cut
    m.bad_files |= {f"{root / 'short-length.warc'}#{pages[k][0]}" for k in (6, 8)}
    m.good.add(pages[7][1])
    # A .warc.gz of zeros (5 MB compressed, 5 GB inflated, with big; 64 KB and 64 MB otherwise).
    path = root / "zeros.warc.gz"
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as fh:
        for _ in range(5 * 1024 if big else 64):
            fh.write(packer.compress(bytes(1 << 20)))
        fh.write(packer.flush())
    m.bad_files.add(str(path))
    # Not regular files: a symlink to /dev/zero (reports size 0, never ends), a named pipe
    # (opening it would wait for a writer forever); a dangling symlinked folder and a
    # symlink back to the folder itself (a loop).
    for name, target in (("zero.txt", "/dev/zero"), ("gone-folder", "/nonexistent/storyline-folder")):
        os.symlink(target, _fresh(root / name))
        m.bad_files.add(str(root / name))
    os.mkfifo(_fresh(root / "pipe.txt"))
    m.bad_files.add(str(root / "pipe.txt"))
    sub = root / "sub"
    sub.mkdir(exist_ok=True)
    os.symlink("..", _fresh(sub / "loop"))
    m.bad_files.add(str(sub / "loop"))
    # CSV: good rows (quoted fields over several lines) around an odd row: with big, a field
    # past max_file_bytes (an error; the rows after it are kept); else a quote inside an
    # unquoted field (a character there, as the csv module reads it: stored).
    rows = ["id,title,text"]
    for k in range(2):
        title, body = _article(rng, f"zq{seed}csvrow{k}")
        rows.append(f'r{k},"{title}","{body}"')
        m.good.add(f"zq{seed}csvrow{k}")
        if k == 0:
            odd_line = 2 + rows[1].count("\n") + 1
            filler = '"' + 'long "" text ' * (33 * 1024 * 1024 // 13) + '"' if big else 'a 5" pipe they said'
            rows.append(f'odd,"odd",{filler}')
    path = root / "fields.csv"
    path.write_text("\n".join(rows) + "\n")
    (m.bad_files if big else m.either).add(f"{path}:{odd_line}")
    if big:  # a 31 MB page: stored, its HTML cut at max_html_chars and its text at max_text_chars
        marker = f"zq{seed}bigpage"
        filler = [f"<p>{_article(rng, marker)[1].replace(marker, 'it')}</p>" for _ in range(300)]
        block = "".join(filler)
        with (root / "bigpage.html").open("w", encoding="utf-8") as fh:
            fh.write(f"<html><body><article><p>The reference code for this report is {marker}.</p>")
            for _ in range(31 * 1024 * 1024 // len(block) + 1):
                fh.write(block)
            fh.write("</article></body></html>")
        m.good.add(marker)
