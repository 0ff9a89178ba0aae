"""bot/jobs depends on bot.core only: no adapter, no I/O library (the composition root wires it)."""

from pathlib import Path

import pytest

import bot.jobs
from tests.core.test_purity import violations

JOBS = Path(bot.jobs.__file__).parent
MODULES = sorted(JOBS.rglob("*.py"))


def test_jobs_has_modules() -> None:
    assert len(MODULES) >= 5


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_jobs_module_imports_no_adapter(path: Path) -> None:
    module = "bot.jobs." + path.stem if path.stem != "__init__" else "bot.jobs"
    assert violations(path.read_text(encoding="utf-8"), module) == []
