"""Docs that are tested: every CLI command is documented, every command has an example."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from storyline.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_every_command_is_in_the_docs() -> None:
    docs = (REPO / "README.md").read_text() + (REPO / "docs" / "cli.md").read_text()
    for name in main.commands:
        assert f"storyline {name}" in docs, name


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    for name in main.commands:
        out = runner.invoke(main, [name, "--help"]).output
        assert "Example" in out and f"storyline {name}" in out, name


def test_readme_starts_with_the_two_commands() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    head = "\n".join(lines[:15])
    assert "storyline digest examples/news --out report/" in head
    assert "python -m pytest" in head
    ci = (REPO / ".ci" / "run").read_text()
    for line in head.splitlines():
        if line.startswith("python3 -m venv"):
            assert line.strip() in ci, line
