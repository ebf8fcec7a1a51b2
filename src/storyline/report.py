"""Write a Digest as JSON (the versioned contract), Markdown and self-contained HTML.

The HTML page is rendered with Jinja2 autoescaping, so article text, titles and anything
else that came from the web can never inject markup or script into the report.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from storyline.model import Article, Digest, Story, to_dict


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
    return "".join(f"[{index.get(s, s)}]" for s in sources)


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def to_markdown(digest: Digest) -> str:
    """A readable Markdown digest: each story's cited summary, timeline, comparisons, sources."""
    by_id = {a.id: a for a in digest.articles}
    lines = ["# storyline digest", ""]
    stats = digest.stats
    if stats:
        lines += [", ".join(f"{k.replace('_', ' ')} {v}" for k, v in stats.items()), ""]
    for story in digest.stories:
        index = {aid: i for i, aid in enumerate(story.article_ids, 1)}
        lines += [f"## {story.title}", "", f"Story `{story.id}`: {len(story.article_ids)} articles.", ""]
        if story.summary:
            lines += ["### Summary", ""]
            lines += [f"- {c.text} {_cite(c.sources, index)}" for c in story.summary]
            lines.append("")
        if story.timeline:
            lines += ["### Timeline", "", "| date | what happened | sources |", "|---|---|---|"]
            lines += [
                f"| {t.date} | {_md_cell(t.text)} | {_cite(t.sources, index)} |" for t in story.timeline
            ]
            lines.append("")
        if story.comparisons:
            lines += [
                "### Where the sources agree and differ",
                "",
                "| about | verdict | values |",
                "|---|---|---|",
            ]
            for comp in story.comparisons:
                vals = "; ".join(
                    f"{_md_cell(v.value)} {_cite(v.sources, index)}" + (f" ({v.date})" if v.date else "")
                    for v in comp.values
                )
                verdict = comp.label.replace("_", " ") + (f": {_md_cell(comp.reason)}" if comp.reason else "")
                lines.append(f"| {_md_cell(comp.subject)} | {verdict} | {vals} |")
            lines.append("")
        if story.events:
            lines += ["### Events", ""]
            lines += [f"- {_md_cell(e.title)} {_cite(e.article_ids, index)}" for e in story.events]
            lines.append("")
        if story.entities:
            lines += ["### Who and where", ""]
            for ent in story.entities[:30]:
                variants = [v for v in ent.variants if v != ent.name]
                extra = f" (also: {', '.join(variants)})" if variants else ""
                lines.append(f"- {ent.name} — {ent.label.lower()}{extra}")
            lines.append("")
        lines += ["### Sources", ""]
        for aid in story.article_ids:
            art = by_id.get(aid)
            if art:
                lines.append(f"{index[aid]}. {_article_line(art)}")
        lines.append("")
    if digest.errors:
        lines += ["## Inputs not ingested", ""]
        lines += [f"- `{e.path}`: {e.error}" for e in digest.errors]
        lines.append("")
    return "\n".join(lines)


def _article_line(art: Article) -> str:
    parts = [
        art.published or "undated",
        art.outlet or "unknown outlet",
        f"“{art.title}”" if art.title else art.id,
    ]
    line = " · ".join(parts) + f" (`{art.id}`)"
    if art.duplicate_of:
        line += f" — copy of `{art.duplicate_of}`"
    return line


_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def to_html(digest: Digest) -> str:
    """One self-contained HTML page (inline CSS, no scripts, no external resources)."""
    template = _ENV.from_string(
        resources.files("storyline").joinpath("templates/digest.html.j2").read_text("utf-8")
    )
    by_id = {a.id: a for a in digest.articles}
    stories = [_story_view(s, by_id) for s in digest.stories]
    return template.render(digest=digest, stories=stories, articles=digest.articles)


def _story_view(story: Story, by_id: dict[str, Article]) -> dict[str, Any]:
    index = {aid: i for i, aid in enumerate(story.article_ids, 1)}
    dates = sorted(a.published for aid in story.article_ids if (a := by_id.get(aid)) and a.published)
    return {
        "story": story,
        "index": index,
        "articles": [by_id[a] for a in story.article_ids if a in by_id],
        "span": f"{dates[0]} – {dates[-1]}" if dates else "undated",
    }
