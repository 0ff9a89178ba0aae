"""A plain (non-editable) install carries the migrations: `beatthread migrate` needs no checkout."""

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from bot.storage import head_revision
from tests.storage.test_migrations import REPO_ROOT, TABLES
from tests.test_deployment_files import dockerfile_instructions

#: What the Dockerfile copies for its `pip install /src`: all a plain install may rely on.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "bot", "migrations")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the sources and the wheel pip builds from it (isolated, as `pip install .`)."""
    tmp_path = tmp_path_factory.mktemp("build")
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        if (REPO_ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(REPO_ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(REPO_ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = wheels.glob("*.whl")
    return source, wheel


def install(wheel: Path, venv: Path) -> None:
    """A fresh venv with only the wheel; its dependencies are read from the project's venv."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", python]
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Written after the install, so pip never sees the project's editable beatthread. A plain
    # path line: the project venv's own .pth files (its editable finder) are not run.
    deps = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(site, "project-deps.pth").write_text("".join(f"{path}\n" for path in sorted(deps)))


def test_the_wheel_ships_every_script_and_module(built):
    """Each Alembic file lands in bot/storage/migrations, and nothing under bot/ is left out."""
    source, wheel = built
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    scripts = {
        f"bot/storage/migrations/{path.relative_to(source / 'migrations').as_posix()}"
        for path in (source / "migrations").rglob("*")
        if path.is_file()
    }
    assert "bot/storage/migrations/script.py.mako" in scripts
    assert scripts <= shipped
    modules = {path.relative_to(source).as_posix() for path in (source / "bot").rglob("*.py")}
    assert modules <= shipped
    assert not {name for name in shipped if name.startswith("migrations/")}


def test_a_plain_install_migrates_a_new_sqlite_file(built, tmp_path):
    """After `pip install .` (no checkout, no editable finder) `beatthread migrate` builds it."""
    _, wheel = built
    venv = tmp_path / "venv"
    install(wheel, venv)
    database = tmp_path / "fresh.db"
    env = {"PATH": os.defpath, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import bot.storage.migrate as m; print(m.MIGRATIONS_DIR)"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)  # the wheel's copy, not the checkout's
    done = subprocess.run(
        [venv / "bin" / "beatthread", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert tables >= TABLES
    assert version == head_revision()


def test_the_image_builds_from_the_same_sources():
    """The Dockerfile's `pip install /src` gets exactly what the install above was built from."""
    copied = set()
    for keyword, rest in dockerfile_instructions():
        if keyword == "COPY":
            *sources, _ = rest.split()
            copied.update(sources)
    assert copied == set(SOURCES)
