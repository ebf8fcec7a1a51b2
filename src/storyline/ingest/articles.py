"""Record -> Article: metadata read from the document, title split off, boilerplate removed.

Runs per article and anywhere (one process, a Dask worker), after any format's reader.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from storyline.ingest import meta
from storyline.ingest.base import IngestOptions, Record, error, readable, short_id, valid_text
from storyline.model import Article, IngestError, Removed
from storyline.noise import boilerplate_reason
from storyline.text import ftfy_may_change, normalize_space

if TYPE_CHECKING:
    from storyline.clean import CleanOptions


def prepare(
    record: Record, options: IngestOptions | None = None, clean_options: CleanOptions | None = None
) -> Article | IngestError:
    """One raw record -> a cleaned Article, or an IngestError when no article text is left.

    Metadata given with the record wins; otherwise it is read from the document (header
    line, byline, footer, URL), and a date taken from the text is marked inferred with its
    evidence.
    """
    from storyline import clean  # the clean stage; imported here to keep ingest light

    opts = options or IngestOptions()
    record, cuts = _bounded(record, opts)
    published, evidence, inferred = None, None, False
    if record.published:
        published = _given_date(record.published)
        evidence = (
            "given" if published else f"given date {record.published[:40]!r} is not a valid date; ignored"
        )
    removed: list[Removed] = []
    title, byline, outlet = record.title, record.byline, record.outlet
    if record.html is not None:
        html = record.html
        if len(html) > opts.max_html_chars:
            # Markup is several times its text, so the page gets more room than text does;
            # past that, extraction would cost seconds and ~40 bytes of memory per character.
            cuts.append(_text_cut(len(html), opts.max_html_chars, "html"))
            html = html[: opts.max_html_chars]
        doc = clean.extract_html(html, url=record.url, options=clean_options)
        raw_text = body = fix_mojibake(doc.text)
        removed = list(doc.removed)
        if len(body) > opts.max_text_chars:
            cuts.append(_text_cut(len(body), opts.max_text_chars))
            raw_text = body = body[: opts.max_text_chars]
        title = title or doc.title
        byline = byline or doc.author
        outlet = outlet or doc.sitename
        if not published and doc.date and meta.valid_date(doc.date):
            published, evidence, inferred = doc.date, "HTML metadata", False
    else:
        raw_text = fix_mojibake(record.text)
        if len(raw_text) > opts.max_text_chars:
            cuts.append(_text_cut(len(raw_text), opts.max_text_chars))
            raw_text = raw_text[: opts.max_text_chars]
        lines = raw_text.splitlines()
        while lines and not lines[0].strip():
            lines.pop(0)
        head_removed: list[Removed] = []
        if lines:
            header = meta.parse_header(lines[0])
            if header:
                if not published:
                    published, evidence, inferred = (
                        header[0],
                        f"metadata header: {lines[0].strip()[:80]}",
                        False,
                    )
                title = title or header[1]
                head_removed.append(Removed(lines.pop(0).strip(), "metadata-header"))
            elif meta.looks_like_headline(lines[0], lines[1] if len(lines) > 1 else None):
                if title is None or _same(title, lines[0]):
                    title = title or lines[0].strip()
                    head_removed.append(Removed(lines.pop(0).strip(), "headline"))
        found = meta.read_lines(lines)
        byline = byline or found.byline
        outlet = outlet or found.outlet
        if not published and found.published:
            published, evidence, inferred = found.published, found.date_evidence, True
        body, removed = clean.clean_text("\n".join(lines), title=title, options=clean_options)
        if not body.strip():
            # Cleaning judged every line boilerplate; for a text file that is more likely a
            # short article than a page of debris, so keep it rather than lose it.
            body, removed = "\n".join(lines), []
        removed = head_removed + removed
    if not published and record.url:
        url_date = meta.date_from_url(record.url)
        if url_date:
            published, evidence, inferred = url_date, f"URL path: {record.url}", True
    outlet = outlet or meta.outlet_from_url(record.url)
    body = normalize_space(body)
    if not body:
        return error(record.source, "no article text left after cleaning")
    furniture = boilerplate_reason(body, title)
    if furniture:
        # A page of furniture only (an edition prompt, a cookie notice, a "no longer
        # available" page) would form a story of its own: reported, not grouped.
        return error(record.source, f"only page furniture ({furniture}), no article text; not grouped")
    return Article(
        id=record.id,
        text=body,
        title=_cut(fix_mojibake(title) if title else title, opts.max_title_chars, "title", cuts),
        outlet=_cut(outlet, 200, "outlet", cuts),
        byline=_cut(byline, 200, "byline", cuts),
        url=_cut(record.url, 2000, "url", cuts),
        published=published,
        published_inferred=inferred,
        date_evidence=evidence,
        raw_text=raw_text,
        removed=removed + cuts,
        source=record.source,
    )


def fix_mojibake(text: str) -> str:
    """``text`` with mojibake repaired ("Steenkampâ€™s" -> "Steenkamp's") by ftfy, which
    changes only what decodes better another way: a page read with the wrong encoding
    would otherwise reach titles, summaries and search in its garbled form."""
    if not ftfy_may_change(text, entities=False):
        return text  # nothing to repair: mojibake needs non-ASCII bytes (~5 ms an article saved)
    import ftfy  # a core dependency; imported here so that ingest stays light to import

    # Only the encoding repair: quotes, ligatures, widths, line breaks and entities are the
    # text's own and stay as written (summaries quote the text verbatim).
    return str(
        ftfy.fix_text(
            text,
            unescape_html=False,
            uncurl_quotes=False,
            fix_latin_ligatures=False,
            fix_character_width=False,
            fix_line_breaks=False,
            normalization=None,
        )
    )


def _bounded(record: Record, opts: IngestOptions) -> tuple[Record, list[Removed]]:
    """The record with every string valid for storage (a file name's undecodable bytes
    shown as ``\\xff``, lone surrogates and NULs from JSON escapes replaced) and an id
    within ``max_id_chars`` (a longer one is replaced by its hash, the reason kept)."""
    cuts: list[Removed] = []
    ident = valid_text(readable(record.id))
    if len(ident) > opts.max_id_chars:
        cuts.append(
            Removed(f"id {ident[:60]}… ({len(ident):,} characters)", "id-too-long: replaced by its hash")
        )
        ident = short_id(ident)
    fields: dict[str, Any] = {
        name: valid_text(value)
        for name in ("text", "html", "title", "outlet", "byline", "url", "published")
        if isinstance(value := getattr(record, name), str)
    }
    source = valid_text(readable(record.source))
    return replace(record, id=ident, source=source, **fields), cuts


def _text_cut(length: int, limit: int, what: str = "text") -> Removed:
    return Removed(
        f"[{length - limit:,} characters after the first {limit:,}]",
        f"{what}-too-long: cut at {limit:,} characters",
    )


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).lower() == " ".join(b.split()).lower()


def _cut(value: str | None, limit: int, name: str, cuts: list[Removed]) -> str | None:
    """A one-line field within ``limit`` characters; a longer one is cut, and the cut noted
    in ``cuts`` with the field's name (kept with the article's removed pieces)."""
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        return None
    if len(value) <= limit:
        return value
    cuts.append(
        Removed(
            f"{name} {value[limit - 1 : limit + 59]}… ({len(value):,} characters)",
            f"{name}-too-long: cut at {limit:,} characters",
        )
    )
    return value[: limit - 1] + "…"


def _given_date(value: str) -> str | None:
    m = re.match(r"^\s*(\d{4}-\d{2}-\d{2})", value)
    if m:
        return m.group(1) if meta.valid_date(m.group(1)) else None
    return meta.parse_date_text(value)
