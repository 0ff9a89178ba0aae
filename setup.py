"""The build's one dynamic part: Alembic's top-level ``migrations/`` ships inside the package.

Every package under ``bot/`` is found as before; ``migrations/`` stays at the repository root
(where ``alembic upgrade head`` looks) and is installed as ``bot.storage.migrations``, so
``beatthread migrate`` works from any install. ``pyproject.toml`` cannot say this without a
hand-kept package list: ``packages.find`` names folders only by where they are, and
``package-dir`` together with discovery breaks editable installs (pypa/setuptools#4248).
"""

from setuptools import find_namespace_packages, setup

SCRIPTS = "bot.storage.migrations"

setup(
    packages=[*find_namespace_packages(include=["bot*"]), SCRIPTS, f"{SCRIPTS}.versions"],
    package_dir={SCRIPTS: "migrations"},
    package_data={SCRIPTS: ["script.py.mako"]},
)
