"""Franking (docs/device.md): a relay's key (scope franking) stamps the commitments of the
encrypted messages it forwards; the platform (scope cases) sends a user's franked report,
which opens a case only if every message in it verifies."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Form, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import CaseKey, EngineDep, FrankingKey, KeyFirstRoute
from safeguarding.cases.intake import MAX_REASON_CHARS
from safeguarding.errors import InvalidInputError
from safeguarding.franking.service import MAX_STAMPS, StampRequest
from safeguarding.inputs import MAX_ID_CHARS

router = APIRouter(tags=["franking"], route_class=KeyFirstRoute)


class CommitmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    commitment: str = Field(max_length=64, description="The 32-byte commitment, base64.")
    sender_id: str = Field(
        max_length=255,
        description="The sender as the relay authenticated it, never a value the client chose.",
    )
    recipient_id: str = Field(max_length=255)
    conversation_id: str = Field(max_length=255)


class StampIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: list[CommitmentIn] = Field(min_length=1, max_length=MAX_STAMPS)


class StampOut(BaseModel):
    stamps: list[str] = Field(
        description="One per message, in order: the stamp, base64 "
        "(layout SGS 1); forward it with the ciphertext."
    )


class VerifiedOut(BaseModel):
    conversation_id: str
    messages: int
    reported: int
    omitted: dict[str, int] = Field(
        description="Per sender, messages left out between the first and last shown."
    )


class FrankedCaseOut(BaseModel):
    id: int
    created: bool
    status: str
    priority: str
    verified: VerifiedOut
    previews: list[int]
    not_previewed: list[str]


def _commitment(index: int, text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(f"messages[{index}].commitment", "must be base64") from None


@router.post("/franking/stamp", response_model=StampOut)
async def stamp(body: StampIn, engine: EngineDep, key: FrankingKey) -> dict[str, Any]:
    """Stamp commitments with the current server key. A commitment or identifier the
    layout cannot carry is a 422 naming it, and no stamp is made."""
    requests = [
        StampRequest(_commitment(i, m.commitment), m.sender_id, m.recipient_id, m.conversation_id)
        for i, m in enumerate(body.messages)
    ]
    stamps = await run_in_threadpool(engine.franking.stamp, requests)
    return {"stamps": [base64.b64encode(s).decode() for s in stamps]}


@router.post("/reports/franked", response_model=FrankedCaseOut, status_code=201)
async def franked_report(
    report: UploadFile,
    engine: EngineDep,
    key: CaseKey,
    reporter_id: Annotated[
        str,
        Form(
            max_length=MAX_ID_CHARS,
            description="The reporting user, as the platform authenticated them.",
        ),
    ],
    category: Annotated[str, Form(description="csam, grooming, sextortion or other")],
    reason: Annotated[str, Form(max_length=MAX_REASON_CHARS)] = "",
) -> dict[str, Any]:
    """A user's franked report (layout SGR 1, as `build_report` makes it): verified whole,
    then a case with the verified messages only, or a 422 naming the message and the
    reason (`reason`, `index`) and nothing stored."""
    data = await report.read()
    intake = await run_in_threadpool(
        engine.franking.report,
        data,
        reporter_id=reporter_id,
        category=category,
        reason=reason,
        actor=key.actor,
    )
    return intake.as_dict()
