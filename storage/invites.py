"""Invites, found by the hash of their code (the code itself is never stored)."""

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from storage.models import Invite


async def invite_to_redeem(session: AsyncSession, *, code_hash: str) -> Invite | None:
    """The invite with this hash, locked until the caller's transaction ends."""
    query = select(Invite).where(Invite.code_hash == code_hash).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()
