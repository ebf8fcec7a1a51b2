"""The optional LLM mode against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from storyline.errors import StorylineError
from storyline.model import Article
from storyline.summarize.llm import LLMOptions, abstractive_summary, build_messages, parse_citations


@pytest.fixture(scope="module")
def seed_articles(seeds: Path) -> list[Article]:
    return [
        Article(id=p.stem[:3], text=p.read_text(encoding="utf-8"))
        for p in sorted(seeds.glob("*.txt"))
    ]


def _marker(numbered: list[tuple[str, str]], article: str, needle: str) -> int:
    """The [n] of the numbered sentence of ``article`` that contains ``needle``."""
    return next(i for i, (aid, text) in enumerate(numbered, 1) if aid == article and needle in text)


class _FakeServer:
    """Answers POST /v1/chat/completions with a canned completion and records requests."""

    def __init__(self, completion: str) -> None:
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  # http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append({"path": self.path, "json": json.loads(body)})
                reply = json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": completion}}]}
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(reply.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_unsupported_sentence_is_cut(seed_articles: list[Article]) -> None:
    _, numbered = build_messages(seed_articles, LLMOptions())
    envoy_3 = _marker(numbered, "003", "370 districts")
    envoy_4 = _marker(numbered, "004", "370 districts")
    flee = _marker(numbered, "000", "1,037")
    completion = (
        "The UN special envoy warned that Taliban fighters have taken more than 50 of 370 "
        f"districts in the country since May. [{envoy_3}][{envoy_4}] "
        # Invented number: the source says 1,037 servicemen, not 4,200.
        f"In all, 4,200 Afghan servicemen fled across the border with Tajikistan. [{flee}]"
    )
    with _FakeServer(completion) as fake:
        out = abstractive_summary(seed_articles, fake.url, "fake-model")
    assert fake.requests and fake.requests[0]["path"] == "/v1/chat/completions"
    request = fake.requests[0]["json"]
    assert request["model"] == "fake-model"
    assert f"[{flee}] (000)" in request["messages"][1]["content"]
    assert len(out) == 1
    assert out[0].text.startswith("The UN special envoy warned")
    assert "[" not in out[0].text
    assert out[0].sources == ["003", "004"]


def test_parse_citations_keeps_trailing_markers() -> None:
    numbered = [("a", "x"), ("b", "y"), ("c", "z")]
    out = parse_citations(
        "Troops fled on Sunday [1][3]. Talks stalled. [2] Nothing here [9].", numbered
    )
    assert [c.sources for c in out] == [["a", "c"], ["b"], []]
    assert out[0].text == "Troops fled on Sunday."


def test_unreachable_endpoint_is_a_storyline_error(seed_articles: list[Article]) -> None:
    with pytest.raises(StorylineError, match="request failed"):
        abstractive_summary(seed_articles, "http://127.0.0.1:9", "m", LLMOptions(timeout=2))


def test_digest_cli_with_llm(tmp_path: Path) -> None:
    """`storyline digest --llm URL --model NAME` end to end: the invented figure is cut."""
    from click.testing import CliRunner

    from storyline.cli import main

    examples = Path(__file__).resolve().parents[1] / "examples" / "news"
    completion = (
        "The Verrin Dam held through Monday as army engineers lowered the reservoir. [1] "
        "In all, 9,999 people were evacuated from Hollin Ford. [1]"
    )
    with _FakeServer(completion) as fake:
        result = CliRunner().invoke(
            main, ["digest", str(examples), "--out", str(tmp_path / "r"), "--db", str(tmp_path / "d.db"),
                   "--llm", fake.url, "--model", "fake"],
        )
    assert result.exit_code == 0, result.output
    assert fake.requests and fake.requests[0]["json"]["model"] == "fake"
    data = json.loads((tmp_path / "r" / "digest.json").read_text())
    texts = [c["text"] for s in data["stories"] for c in s["summary"]]
    assert not any("9,999" in t for t in texts)


def test_llm_choice_and_length_survive_in_the_store(tmp_path: Path, seeds: Path) -> None:
    """`digest --llm URL --sentences 2`, then `add` without flags: the pipeline picks the
    ``llm`` summarizer by name from the saved options and asks it for 2 sentences."""
    from click.testing import CliRunner

    from storyline.cli import main

    examples = Path(__file__).resolve().parents[1] / "examples" / "news"
    db = str(tmp_path / "d.db")
    with _FakeServer("The Verrin Dam held through Monday. [1]") as fake:
        runner = CliRunner()
        first = runner.invoke(main, ["digest", str(examples), "--out", str(tmp_path / "r"), "--db", db,
                                     "--llm", fake.url, "--model", "fake", "--sentences", "2"])
        assert first.exit_code == 0, first.output
        before = len(fake.requests)
        assert before > 0
        added = runner.invoke(main, ["add", str(seeds), "--db", db])
        assert added.exit_code == 0, added.output
    later = fake.requests[before:]
    assert later and all(r["json"]["model"] == "fake" for r in later)
    assert all("at most 2 sentences" in r["json"]["messages"][1]["content"] for r in later)
