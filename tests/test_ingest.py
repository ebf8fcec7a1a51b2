"""Ingest: every format, metadata read from the document, and bad input reported, not lost."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from storyline.ingest import Record, decode, iter_records, prepare
from storyline.model import Article, IngestError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "news"


def _read(paths: list[Path]) -> tuple[list[Article], list[IngestError]]:
    arts, errs = [], []
    for item in iter_records(paths):
        result = item if isinstance(item, IngestError) else prepare(item)
        (errs if isinstance(result, IngestError) else arts).append(result)
    return arts, errs


def test_seeds_metadata(seeds: Path) -> None:
    arts, errs = _read([seeds])
    assert errs == []
    by = {a.id[:3]: a for a in arts}
    assert sorted(by) == ["000", "001", "002", "003", "004"]
    # Headline first line becomes the title and leaves the body.
    assert by["000"].title.startswith("Over 1000 Afghan troops flee into Tajikistan")
    assert not by["000"].text.startswith("Over 1000")
    # The " date 2021-07-04 <title>" header gives date and title.
    assert by["001"].published == "2021-07-04"
    assert by["001"].title.startswith("Hundreds of Afghan troops flee across border")
    assert by["001"].byline == "Ben Farmer"
    # The Dawn footer gives outlet and date, marked as inferred with its evidence.
    assert (by["002"].outlet, by["002"].published) == ("Dawn", "2021-07-06")
    assert by["002"].published_inferred and "Published in Dawn" in by["002"].date_evidence
    # A first line that is a sentence is not a headline; no date is invented.
    assert by["003"].title is None and by["003"].published is None
    assert by["000"].published is None and by["004"].published is None
    # "Free Press Kashmir is now on Telegram" names the outlet.
    assert by["004"].outlet == "Free Press Kashmir"


def test_examples_every_format_and_the_broken_line() -> None:
    arts, errs = _read([EXAMPLES])
    ids = {a.id for a in arts}
    assert {"harbour-times-0310", "northwire-0311", "tech-ledger-0310", "valley-courier-0308"} <= ids
    html = next(a for a in arts if a.id == "harbour-times-0310")
    assert html.published == "2025-03-10" and html.outlet == "Harbour Times"
    assert "Most read" not in html.text and "All rights reserved" not in html.text
    assert "main wall of the Verrin Dam held" in html.text
    assert [e.path for e in errs] == [str(EXAMPLES / "wire-feed.jsonl") + ":3"]
    assert "not valid JSON" in errs[0].error


def test_bad_inputs_are_errors_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "mixed.txt").write_bytes("caf\u00e9 ".encode() + b"\xe9t\xe9 and more text here")
    (tmp_path / "legacy.txt").write_bytes(
        "Headline here\n\nA caf\u00e9 story in cp1252 text.".encode("cp1252")
    )
    (tmp_path / "utf16.txt").write_bytes("Plain text article in UTF-16.".encode("utf-16"))
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "bad.csv").write_text("id,title\n1,no text column\n")
    (tmp_path / "rows.csv").write_text('id,text\na,"Good text of a row."\nb,too,many\n')
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * (40 * 1024 * 1024)))
    arts, errs = _read([tmp_path, tmp_path / "missing.txt"])
    reasons = {Path(e.path.split(":")[0]).name: e.error for e in errs}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "mixed encodings" in reasons["mixed.txt"]
    assert "unsupported file type" in reasons["doc.pdf"]
    assert "no 'text' column" in reasons["bad.csv"]
    assert "columns" in reasons["rows.csv"]
    assert "gzip bomb" in reasons["bomb.txt.gz"]
    assert "no such file" in reasons["missing.txt"]
    texts = {a.id: a.text for a in arts}
    assert "café story" in texts["legacy"]
    assert texts["utf16"].startswith("Plain text article")
    assert texts["a"] == "Good text of a row."


def test_given_dates_are_validated() -> None:
    rec = Record(id="x", source="s", text="Some article text that is long enough.", published="2021-02-30")
    art = prepare(rec)
    assert isinstance(art, Article)
    assert art.published is None and "not a valid date" in (art.date_evidence or "")
    far = prepare(Record(id="y", source="s", text="Text of the article here.", published="2999-01-01"))
    assert isinstance(far, Article) and far.published is None


def test_jsonl_fields_and_default_ids(tmp_path: Path) -> None:
    lines = [
        {"id": "a1", "title": "T", "text": "Body one.", "published": "2021-07-05T10:00:00Z", "outlet": "X"},
        {"text": "Body two, with no id.", "url": "https://example.org/2021/07/06/story"},
    ]
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(json.dumps(x) for x in lines).encode()))
    arts, errs = _read([path])
    assert errs == []
    assert (arts[0].id, arts[0].published, arts[0].outlet) == ("a1", "2021-07-05", "X")
    assert arts[1].id == "feed-2" and arts[1].published == "2021-07-06"
    assert arts[1].published_inferred and arts[1].outlet == "example.org"


def test_rss_feed(tmp_path: Path) -> None:
    rss = """<?xml version="1.0"?><rss version="2.0"><channel><title>Example Wire</title>
    <item><title>Dam holds</title><link>https://wire.example/dam</link>
    <pubDate>Mon, 10 Mar 2025 10:00:00 GMT</pubDate>
    <description>&lt;p&gt;The dam held through Monday, officials said.&lt;/p&gt;</description></item>
    </channel></rss>"""
    (tmp_path / "feed.rss").write_text(rss)
    arts, errs = _read([tmp_path])
    assert errs == []
    assert arts[0].title == "Dam holds" and arts[0].published == "2025-03-10"
    assert "dam held through Monday" in arts[0].text


def test_warc(tmp_path: Path) -> None:
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        page = (
            b"<html><head><title>Dam holds</title></head><body><article>"
            b"<p>The main wall of the dam held through Monday as engineers lowered the reservoir, "
            b"officials in the province said on Monday evening.</p>"
            b"<p>Residents will not be allowed home before the end of the week, they said.</p>"
            b"</article></body></html>"
        )
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.0"
        )
        rec = writer.create_warc_record(
            "https://news.example/2025/03/10/dam", "response", payload=BytesIO(page), http_headers=headers
        )
        writer.write_record(rec)
    arts, errs = _read([path])
    assert errs == []
    assert arts[0].url == "https://news.example/2025/03/10/dam"
    assert arts[0].published == "2025-03-10"  # trafilatura's htmldate reads it from the URL
    assert "main wall of the dam held" in arts[0].text


def test_decode_utf8_bom() -> None:
    assert decode(b"\xef\xbb\xbfhello") == "hello"


def test_date_from_a_date_line_or_dateline_only() -> None:
    top = prepare(
        Record(
            id="a", source="s", text="Dam holds\n\nMonday 10 March 2025 18.20 GMT\n\nThe dam held on Monday."
        )
    )
    assert isinstance(top, Article) and top.published == "2025-03-10" and top.published_inferred
    assert top.date_evidence == "Monday 10 March 2025 18.20 GMT"
    wire = prepare(
        Record(id="b", source="s", text="HOLLIN FORD, March 9, 2025 (Northwire) - Water broke through.")
    )
    assert isinstance(wire, Article) and wire.published == "2025-03-09"
    inside = prepare(
        Record(id="c", source="s", text="The dam was inspected on March 2, 2019 and again later.")
    )
    assert isinstance(inside, Article) and inside.published is None  # a date in a sentence is not the date


def test_formats_registry_one_format_per_suffix() -> None:
    import pytest

    from storyline.errors import StorylineError
    from storyline.ingest import FORMATS, Format, format_for, formats, register

    names = [f.name for f in formats()]
    assert names == ["text", "html", "feed", "jsonl", "csv", "json", "warc"]
    assert format_for(".JSONL") is FORMATS[".jsonl"] and format_for(".parquet") is None
    with pytest.raises(StorylineError, match="already 'text'"):
        register(Format("notes", (".md",), FORMATS[".txt"].read))
    assert FORMATS[".md"].name == "text"


def test_walk_then_read_file_is_iter_records(tmp_path: Path) -> None:
    """The one walk: files in sorted order, hidden ones passed over, a missing path an
    error in its place; reading what it yields gives exactly ``iter_records``."""
    from storyline.ingest import InputFile, read_items, walk

    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("Zed article text.\n")
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(b'{"text": "One."}\n{"text": "Two."}\n'))
    (tmp_path / ".hidden.txt").write_text("not read")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    items = list(walk([tmp_path, tmp_path / "gone.txt"]))
    files = [i for i in items if isinstance(i, InputFile)]
    assert [f.path.name for f in files] == ["a.jsonl.gz", "notes.docx", "z.txt"]
    assert (files[0].suffix, files[0].gz, files[0].format.name) == (".jsonl", True, "jsonl")
    assert files[1].format is None
    assert isinstance(items[-1], IngestError) and items[-1].error == "no such file or folder"
    walked = list(read_items(items))
    assert walked == list(iter_records([tmp_path, tmp_path / "gone.txt"]))
    assert [getattr(r, "id", None) for r in walked] == ["a-1", "a-2", None, "z", None]


def test_warc_record_kinds_encodings_and_arc(tmp_path: Path) -> None:
    """Only HTML responses are articles (warcinfo, requests and images pass by); chunked,
    gzip-encoded bodies are decoded; an old ARC file is read too."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = b"<html><body><article><p>The council approved the bridge on Monday.</p></article></body></html>"
    for name, gz in (("a.warc.gz", True), ("b.warc", False)):
        with (tmp_path / name).open("wb") as fh:
            writer = WARCWriter(fh, gzip=gz)
            writer.write_record(writer.create_warcinfo_record(name, {"software": "test"}))
            for k, ctype in enumerate(["text/html", "image/png"]):
                request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "a")], is_http_request=True)
                writer.write_record(
                    writer.create_warc_record(
                        f"https://a.example/{k}", "request", payload=BytesIO(b""), http_headers=request
                    )
                )
                headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
                body = page if "html" in ctype else b"\x89PNG\r\n"
                writer.write_record(
                    writer.create_warc_record(
                        f"https://a.example/{k}", "response", payload=BytesIO(body), http_headers=headers
                    )
                )
    packed = gzip.compress(page)
    rest = b"%x\r\n" % (len(packed) - 10) + packed[10:]
    chunked = b"a\r\n" + packed[:10] + b"\r\n" + rest + b"\r\n0\r\n\r\n"
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Encoding: gzip\r\n\r\n" + chunked
    )
    (tmp_path / "c.warc").write_bytes(
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://c.example/\r\n"
        b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % len(http)
        + http
        + b"\r\n\r\n"
    )
    body = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + page
    desc = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    (tmp_path / "d.arc").write_bytes(
        b"filedesc://d.arc 0.0.0.0 20250310000000 text/plain %d\n" % len(desc)
        + desc
        + b"\nhttps://d.example/ 1.2.3.4 20250310000000 text/html %d\n" % len(body)
        + body
        + b"\n"
    )
    arts, errs = _read([tmp_path])
    assert errs == []
    assert [a.url for a in arts] == [
        "https://a.example/0",
        "https://a.example/0",
        "https://c.example/",
        "https://d.example/",
    ]
    assert all("approved the bridge" in a.text for a in arts)
