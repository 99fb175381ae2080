"""HMA's response shapes (OpenMediaMatch/schemas/ in facebook/ThreatExchange), declared so
/openapi.json describes what the HMA-compatible routes answer."""

from __future__ import annotations

from pydantic import BaseModel, Field, RootModel


class BankConfig(BaseModel):
    name: str
    matching_enabled_ratio: float = Field(description="1.0 (on) or 0.0 (off) here.")


class HashResponse(RootModel[dict[str, str]]):
    """Signal type -> hash: `{"pdq": "f8f8...", "md5": "..."}`."""


class MatchWithDistance(BaseModel):
    bank_content_id: int = Field(description="Our entry id.")
    distance: str


class BankMatches(RootModel[dict[str, list[MatchWithDistance]]]):
    """Bank name -> matches: `{"BANK_A": [{"bank_content_id": 1001, "distance": "4"}]}`."""


class LookupResponse(
    RootModel[dict[str, dict[str, list[MatchWithDistance]]] | dict[str, list[MatchWithDistance]]]
):
    """Signal type -> bank -> matches for content; bank -> matches for one hash."""


class RawLookupResponse(BaseModel):
    matches: list[int] | list[MatchWithDistance]


class IndexStatus(BaseModel):
    present: bool
    built_to: int = Field(description="The bank change-log id the index includes; -1: none.")
    size: int


class IndexStatusResponse(RootModel[dict[str, IndexStatus]]):
    """Signal type -> its index's status."""


class CompareResponse(RootModel[dict[str, tuple[bool, dict[str, int | float]]]]):
    """Signal type -> [matched, {"distance": d}]."""


class ContentAdded(BaseModel):
    id: int = Field(description="The entry id of the content's first signal.")
    signals: dict[str, str]


class SuccessResponse(BaseModel):
    message: str


class Deleted(BaseModel):
    deleted: int
