"""Shared fixtures: where the real data lies (../shared beside the repository), and a store of
every backend."""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder; tests that need it are skipped, with the reason, when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"real data not found at {SHARED} (set STORYLINE_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def seeds(shared: Path) -> Path:
    path = shared / "seeds"
    if not path.is_dir():
        pytest.skip(f"seed articles not found at {path}")
    return path


@pytest.fixture(scope="session")
def data_dir(shared: Path) -> Path:
    path = shared / "data"
    if not path.is_dir():
        pytest.skip(f"evaluation data not found at {path}")
    return path


# -- store backends ------------------------------------------------------------------------
# The store tests run against every backend (STYLE.md 11). The PostgreSQL half starts a
# throw-away server of its own (initdb into a temporary folder, a free port on loopback) and
# is skipped, with the reason, when the server binaries or the driver are missing.


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The base URL (no database name) of a PostgreSQL server that lives for the session."""
    pytest.importorskip("psycopg", reason="psycopg not installed (pip install 'storyline[postgres]')")
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="storyline-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)

    try:
        initdb = str(bindir / "initdb")
        run(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        options = f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        run(str(bindir / "pg_ctl"), "start", "-w", "-D", str(data), "-l", str(root / "log"), "-o", options)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(root, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"could not start a PostgreSQL server: {exc} {detail.decode(errors='replace')[-300:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "stop", "-m", "fast", "-D", str(data)],
                       capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def new_postgres_db(postgres_server: str) -> Callable[[], str]:
    """Makes an empty database on the session's server and returns its URL."""
    import psycopg

    names = itertools.count(1)

    def make() -> str:
        name = f"store_{next(names)}"
        with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
            # file_copy: much faster than the WAL-logged copy for tiny databases (fsync is off)
            conn.execute(f"CREATE DATABASE {name} STRATEGY file_copy")
        return f"{postgres_server}/{name}"

    return make


@pytest.fixture(params=["sqlite", "postgres"])
def new_store_target(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str | Path]:
    """Makes the path or URL of a new, empty store of the backend under test (one per call,
    so a hypothesis test can start each example afresh)."""
    if request.param == "postgres":
        make_db: Callable[[], str] = request.getfixturevalue("new_postgres_db")
        return make_db
    names = itertools.count(1)
    return lambda: tmp_path / f"store-{next(names)}.db"
