"""The knowledge loop: a resolved ticket's question and answer proposed as an FAQ entry.

A promoter (or an admin) proposes; an admin edits and accepts. Accepting writes the entry
into one FAQ file (``proposals-accepted.yaml`` in the FAQ folder, the ordinary FAQ format),
which the live reload then serves. Writing is idempotent: the entry with the same id is
replaced, so accepting again after a crash does not duplicate it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import JSON, select
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.jobs import UtcDateTime
from domain.tickets import Actor, TicketError
from knowledge.sources import DataFileError, load_yaml, strip_lines

PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"
ACCEPTED_FILE = "proposals-accepted.yaml"
DEFAULT_CATEGORY = "相談から追加"


class FaqProposal(SQLModel, table=True):
    """A proposed FAQ entry and what became of it."""

    __tablename__ = "faq_proposal"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    question: str
    alternates: list[str] = Field(default_factory=list, sa_type=JSON)
    answer: str
    category: str = Field(default=DEFAULT_CATEGORY, max_length=128)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default=PROPOSED, max_length=16, index=True)
    proposed_by_id: str = Field(max_length=256)
    proposed_by_name: str = Field(default="", max_length=256)
    created_at: datetime = Field(sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, max_length=256)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    entry_id: str | None = Field(default=None, max_length=128)


def entry_id_for(proposal: FaqProposal) -> str:
    """The FAQ id an accepted proposal gets (stable, so re-accepting replaces it)."""
    return f"proposal-{proposal.id}"


async def propose(
    session: AsyncSession, *, question: str, answer: str, actor: Actor, now: datetime,
    ticket_id: int | None = None, original: str | None = None, category: str = "",
    tags: Sequence[str] = (),
) -> FaqProposal:
    """Add a proposal; the requester's own wording (``original``) becomes an alternate."""
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise TicketError("empty_proposal", "a proposal needs a question and an answer")
    if ticket_id is not None:
        existing = (await session.execute(
            select(FaqProposal).where(FaqProposal.ticket_id == ticket_id, FaqProposal.status == PROPOSED)
        )).scalar_one_or_none()
        if existing is not None:
            raise TicketError("already_proposed", f"ticket {ticket_id} already has proposal {existing.id}")
    alternates = [original.strip()] if original and original.strip() and original.strip() != question else []
    proposal = FaqProposal(
        ticket_id=ticket_id, question=question, alternates=alternates, answer=answer,
        category=category or DEFAULT_CATEGORY, tags=list(tags), proposed_by_id=actor.user_id,
        proposed_by_name=actor.name, created_at=now,
    )
    session.add(proposal)
    await session.flush()
    return proposal


async def get(session: AsyncSession, proposal_id: int) -> FaqProposal | None:
    return await session.get(FaqProposal, proposal_id)


async def listing(session: AsyncSession, status: str | None = PROPOSED) -> Sequence[FaqProposal]:
    query = select(FaqProposal)
    if status is not None:
        query = query.where(FaqProposal.status == status)
    return list((await session.execute(query.order_by(FaqProposal.id))).scalars())


def edit(proposal: FaqProposal, *, question: str | None = None, answer: str | None = None,
         category: str | None = None) -> None:
    """Change a pending proposal's text."""
    if proposal.status != PROPOSED:
        raise TicketError("proposal_decided", f"proposal {proposal.id} is {proposal.status}")
    if question is not None and question.strip():
        proposal.question = question.strip()
        proposal.alternates = [a for a in proposal.alternates if a != proposal.question]
    if answer is not None and answer.strip():
        proposal.answer = answer.strip()
    if category is not None and category.strip():
        proposal.category = category.strip()


def decide(proposal: FaqProposal, status: str, actor: Actor, now: datetime) -> None:
    if proposal.status != PROPOSED:
        raise TicketError("proposal_decided", f"proposal {proposal.id} is {proposal.status}")
    proposal.status, proposal.decided_by, proposal.decided_at = status, actor.name or actor.user_id, now
    if status == ACCEPTED:
        proposal.entry_id = entry_id_for(proposal)


def as_entry(proposal: FaqProposal) -> dict[str, Any]:
    """The FAQ-format mapping (``id/question/alternates/answer/category/tags``)."""
    return {
        "id": entry_id_for(proposal),
        "question": proposal.question,
        "alternates": list(proposal.alternates),
        "answer": proposal.answer,
        "category": proposal.category,
        "tags": list(proposal.tags),
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line answers as ``|`` blocks, as admins write them by hand."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)

_HEADER = (
    "# 担当者への相談から採用された FAQ です (ボットの「FAQ提案」で採用すると追記されます)。\n"
    "# 手で直してもかまいません。同じ id の項目は採用し直すと置き換わります。\n"
)


def _read_accepted(path: Path) -> tuple[dict[str, Any], str]:
    """The file as the FAQ loader reads it (values as written; the list at the top, under
    ``entries:`` or under one other key) and the key of its list. A file it cannot use is
    refused, never emptied."""
    try:
        doc = strip_lines(load_yaml(path)) if path.exists() else None
    except DataFileError as exc:
        raise TicketError("proposals_file", str(exc)) from exc
    if doc is None:
        return {"entries": []}, "entries"
    if isinstance(doc, list):
        return {"entries": doc}, "entries"
    keys = ["entries"] if isinstance(doc, dict) and isinstance(doc.get("entries"), list) else [
        k for k, v in doc.items() if isinstance(v, list)] if isinstance(doc, dict) else []
    if len(keys) != 1:
        raise TicketError("proposals_file", f"{path.name}: entries: の下に FAQ のリストを書いてください")
    return doc, keys[0]


def write_entry(faq_dir: Path, entry: dict[str, Any]) -> Path:
    """Add or replace ``entry`` (by id) in ``<faq_dir>/proposals-accepted.yaml``, atomically."""
    path = faq_dir / ACCEPTED_FILE if faq_dir.is_dir() else faq_dir.parent / ACCEPTED_FILE
    doc, key = _read_accepted(path)
    kept = [e for e in doc[key] if not (isinstance(e, dict) and e.get("id") == entry["id"])]
    doc = {**doc, key: [*kept, entry]}  # other keys and entries stay as they were
    text = _HEADER + yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    fd, tmp = tempfile.mkstemp(prefix=".proposals-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


async def accept(
    session: AsyncSession, proposal_id: int, actor: Actor, now: datetime, faq_dir: Path,
    existing: Mapping[str, Any] | None = None, *, question: str | None = None,
    answer: str | None = None,
) -> tuple[FaqProposal, Path]:
    """Accept a proposal (optionally edited): write it into the FAQ file and mark it accepted.

    ``existing``: the FAQ entries being served, to refuse an id another file already uses.
    """
    proposal = await session.get(FaqProposal, proposal_id, with_for_update=True)
    if proposal is None:
        raise TicketError("proposal_not_found", f"提案 {proposal_id} は見つかりません")
    edit(proposal, question=question, answer=answer)
    entry_id = entry_id_for(proposal)
    clash = (existing or {}).get(entry_id)
    where = getattr(clash, "location", None)
    if clash is not None and (where is None or Path(str(where.file)).name != ACCEPTED_FILE):
        raise TicketError("id_taken", str(where or entry_id))
    decide(proposal, ACCEPTED, actor, now)
    path = await asyncio.to_thread(write_entry, faq_dir, as_entry(proposal))
    return proposal, path
