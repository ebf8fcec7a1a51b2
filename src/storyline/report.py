"""Write a Digest as JSON (the versioned contract), Markdown and self-contained HTML.

The HTML page is rendered with Jinja2 autoescaping, so article text, titles and anything
else that came from the web can never inject markup or script into the report. The Markdown
is held to the same standard by hand (``md_text``, ``md_code``): Markdown passes raw HTML
through to whatever renders it, so every field from an article is escaped there too. The
JSON keeps every field exactly as stored: it is data, and escaping belongs to the renderer.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from storyline.headlines import article_title
from storyline.listing import StoryEntry, rank_entries
from storyline.model import Article, Comparison, Digest, to_dict


def digest_to_json(digest: Digest) -> dict[str, Any]:
    """The JSON report: the Digest record serialized, schema_version first."""
    data = to_dict(digest)
    return {"schema_version": data.pop("schema_version"), **data}


def schema() -> dict[str, Any]:
    """The JSON Schema of the report (shipped in the package)."""
    text = resources.files("storyline").joinpath("schema/digest.schema.json").read_text("utf-8")
    return json.loads(text)


def write_reports(digest: Digest, out: Path, formats: tuple[str, ...] = ("json", "md", "html")) -> list[Path]:
    """Write ``digest.json``, ``digest.md`` and ``digest.html`` into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "json" in formats:
        path = out / "digest.json"
        path.write_text(json.dumps(digest_to_json(digest), ensure_ascii=False, indent=2), "utf-8")
        written.append(path)
    if "md" in formats:
        path = out / "digest.md"
        path.write_text(to_markdown(digest), "utf-8")
        written.append(path)
    if "html" in formats:
        path = out / "digest.html"
        path.write_text(to_html(digest), "utf-8")
        written.append(path)
    return written


def _cite(sources: list[str], index: dict[str, int]) -> str:
    return "".join(f"[{index[s] if s in index else md_text(s)}]" for s in sources)


# Markdown's own syntax characters: with these escaped, text from an article cannot open a
# link or image (``[..](..)``), emphasis, a code span, a table cell or a heading.
_MD_SYNTAX = re.compile(r"([\\`*_\[\]|!#~])")
_BACKTICKS = re.compile(r"`+")


def md_text(value: object) -> str:
    """Text from an article, safe inline in Markdown (a table cell too).

    A title like ``<img src=x onerror=...>`` or ``[click](javascript:...)`` would otherwise
    run or link wherever the digest is rendered with HTML (stored XSS). So: one line (a
    newline could start a block), ``& < >`` as entities (shown as typed, never parsed as
    HTML), Markdown syntax backslash-escaped (shown as typed, never parsed as syntax).
    """
    one_line = " ".join(str(value).split())
    return _MD_SYNTAX.sub(r"\\\1", html.escape(one_line, quote=False))


def md_code(value: object) -> str:
    """Text from an article as a Markdown code span (ids, paths): shown verbatim, with a
    fence longer than any run of backticks inside, so the text cannot close it early and
    continue as Markdown or HTML."""
    text = " ".join(str(value).split())
    if not text:
        return "(none)"
    fence = "`" * (max((len(m) for m in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def to_markdown(digest: Digest) -> str:
    """A readable Markdown digest: each story's cited summary, timeline, comparisons, sources."""
    by_id = {a.id: a for a in digest.articles}
    lines = ["# storyline digest", ""]
    stats = digest.stats
    if stats:
        lines += [", ".join(f"{k.replace('_', ' ')} {v}" for k, v in stats.items()), ""]
    # Ranked by coverage and recency: stories several outlets covered first, noise last.
    for entry in rank_entries(digest.stories, digest.articles):
        story = entry.story
        index = {aid: i for i, aid in enumerate(story.article_ids, 1)}
        count = (
            f"Story {md_code(story.id)}: {entry.n_articles} articles from {entry.n_outlets} "
            f"outlet{'s' if entry.n_outlets != 1 else ''}, {md_text(entry.span)}; last update "
            f"{md_text(entry.last_date or 'undated')}."
            + (f" Noise: {md_text(story.noise)}." if story.noise else "")
        )
        lines += [f"## {md_text(entry.title)}", "", count, ""]
        if story.summary:
            lines += ["### Summary", ""]
            lines += [f"- {md_text(c.text)} {_cite(c.sources, index)}" for c in story.summary]
            lines.append("")
        if story.timeline:
            lines += ["### Timeline", "", "| date | what happened | sources |", "|---|---|---|"]
            lines += [
                f"| {md_text(t.date)} | {md_text(t.text)} | {_cite(t.sources, index)} |"
                for t in story.timeline
            ]
            lines.append("")
        if story.comparisons:
            lines += [
                "### Where the sources agree and differ",
                "",
                "| about | verdict | values |",
                "|---|---|---|",
            ]
            shown = [c for c in story.comparisons if c.shown]
            for comp in shown:
                vals = "; ".join(
                    f"{md_text(v.value)} {_cite(v.sources, index)}"
                    + (f" ({md_text(v.date)})" if v.date else "")
                    for v in comp.values
                )
                label = md_text(verdict_label(comp))
                verdict = label + (f": {md_text(comp.reason)}" if comp.reason else "")
                lines.append(f"| {md_text(comp.subject)} | {verdict} | {vals} |")
            if len(shown) < len(story.comparisons):
                lines.append("")
                n_all = len(story.comparisons)
                lines.append(f"{len(shown)} of {n_all} rows shown (most reported first); all in digest.json.")
            lines.append("")
        if story.events:
            lines += ["### Events", ""]
            lines += [f"- {md_text(e.title)} {_cite(e.article_ids, index)}" for e in story.events]
            lines.append("")
        if story.entities:
            lines += ["### Who and where", ""]
            for ent in story.entities[:30]:
                variants = [md_text(v) for v in ent.variants if v != ent.name]
                extra = f" (also: {', '.join(variants)})" if variants else ""
                lines.append(f"- {md_text(ent.name)} — {md_text(ent.label.lower())}{extra}")
            lines.append("")
        lines += ["### Sources", ""]
        for aid in story.article_ids:
            art = by_id.get(aid)
            if art:
                lines.append(f"{index[aid]}. {_article_line(art)}")
        lines.append("")
    if digest.errors:
        lines += ["## Inputs not ingested", ""]
        lines += [f"- {md_code(e.path)}: {md_text(e.error)}" for e in digest.errors]
        lines.append("")
    return "\n".join(lines)


def _article_line(art: Article) -> str:
    parts = [
        md_text(art.published or "undated"),
        md_text(art.outlet or "unknown outlet"),
        f"“{md_text(art.title or article_title(art))}”",
    ]
    line = " · ".join(parts) + f" ({md_code(art.id)})"
    if art.duplicate_of:
        line += f" — copy of {md_code(art.duplicate_of)}"
    return line


_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def to_html(digest: Digest) -> str:
    """One self-contained HTML page (inline CSS, no scripts, no external resources)."""
    template = _ENV.from_string(
        resources.files("storyline").joinpath("templates/digest.html.j2").read_text("utf-8")
    )
    by_id = {a.id: a for a in digest.articles}
    stories = [_story_view(e, by_id) for e in rank_entries(digest.stories, digest.articles)]
    return template.render(digest=digest, stories=stories, articles=digest.articles)


def verdict_label(comp: Comparison) -> str:
    """The verdict as a reader reads it: "conflict (confidence 0.77)" for a conflict (how sure
    the comparison is), "dates differ" for a date row's conflict."""
    label = comp.label.replace("_", " ")
    if comp.kind == "date" and comp.label == "conflict":
        label = "dates differ"
    if comp.label == "conflict" and comp.confidence < 1.0:
        label += f" (confidence {comp.confidence:.2f})"
    return label


def _story_view(entry: StoryEntry, by_id: dict[str, Article]) -> dict[str, Any]:
    story = entry.story
    index = {aid: i for i, aid in enumerate(story.article_ids, 1)}
    articles = [by_id[a] for a in story.article_ids if a in by_id]
    return {
        "story": story,
        "title": entry.title,
        "index": index,
        "articles": articles,
        "titles": {a.id: a.title or article_title(a) for a in articles},
        "comparisons": [c for c in story.comparisons if c.shown],
        "verdict": verdict_label,
        "span": entry.span,
        "n_outlets": entry.n_outlets,
        "last_date": entry.last_date,
    }
