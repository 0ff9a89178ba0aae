"""Beatthread: a Discord bot that turns a musician's track into a beat-synced music video."""

__version__ = "0.1.0"
