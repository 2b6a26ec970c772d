"""The FAQ as the bot serves it: loaded entries plus their matcher, reloaded live."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.faq import FaqEntry, FileCache, load_faq
from knowledge.live import LiveData, check_build
from knowledge.matcher import BuildMemo, Matcher, MatchSettings
from knowledge.synonyms import is_synonym_file


@dataclass(frozen=True, slots=True)
class FaqKnowledge:
    """One consistent version of the FAQ: entries by id, the matcher and load warnings."""

    entries: Mapping[str, FaqEntry]
    matcher: Matcher
    synonyms: tuple[tuple[str, ...], ...] = ()
    warnings: tuple[str, ...] = ()
    files: tuple[Path, ...] = field(default=())

    def __len__(self) -> int:
        return sum(1 for e in self.entries.values() if e.enabled)

    def get(self, entry_id: str) -> FaqEntry | None:
        return self.entries.get(entry_id)


# Above this many entries the bot skips the near-duplicate check on (re)load to keep reloads
# fast; ``python -m knowledge validate`` always runs it.
LIVE_SIMILAR_LIMIT = 2000


def build_faq(
    path: Path,
    settings: MatchSettings | None = None,
    cache: FileCache | None = None,
    similar_limit: int | None = None,
    label: str = "FAQ",
    memo: BuildMemo | None = None,
) -> FaqKnowledge:
    """Load and validate ``path``; raise :class:`BuildError` listing every error, or log the
    warnings (as the organisation and course data do, under ``label``) and build (``cache`` and
    ``memo``: what the last build read and normalised, for a reload to reuse)."""
    load = load_faq(path, similar_limit=similar_limit, cache=cache)
    check_build(load.errors, load.warnings, f"{label} ({path.name})")
    groups = load.synonym_groups
    return FaqKnowledge(
        entries={e.id: e for e in load.entries},
        matcher=Matcher.build(load.entries, groups, settings, memo),
        synonyms=tuple(groups),
        warnings=tuple(load.warnings),
        files=tuple(load.files),
    )


def faq_live(
    path: Path, settings: MatchSettings | None = None, debounce_ms: int = 500, label: str = "FAQ"
) -> LiveData[FaqKnowledge]:
    """A :class:`LiveData` for the FAQ directory or file (call ``load()`` then run ``watch()``).

    Unchanged files are not parsed again on reload. For a single file, the synonym dictionary
    beside it is watched too.
    """
    cache, memo = FileCache(), BuildMemo()

    def build(p: Path) -> FaqKnowledge:
        return build_faq(p, settings, cache, LIVE_SIMILAR_LIMIT, label, memo)

    return LiveData(
        "faq", path, build, debounce_ms=debounce_ms, companions=is_synonym_file, keep_when_emptied=True,
        warning_count=lambda kb: len(kb.warnings), label=label,
    )
