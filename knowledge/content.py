"""Where the shipped content (FAQ, organisation, courses, intents) lives: ``content/`` in the
repository, whatever the working directory. Paths given in settings are taken as given."""

from __future__ import annotations

from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
