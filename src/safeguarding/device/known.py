"""The known-image check on send, for surfaces that are not end-to-end encrypted only
(a profile photo, a public post): the device computes the image's MD5 and PDQ and the app
sends those hashes, never the image, to the platform's `POST /v1/match/signals`.

Private matching inside end-to-end encryption is a separate piece of work: a message's
hashes sent to a server would tell it about the message, so `Surface` has no value for
one, and `match_request` takes nothing else.

MD5 is of the bytes as given (what hash lists of known files hold). PDQ is computed by the
`pdqhash` package (Meta's reference C++ through its Python binding; the `known-images`
extra) on the guard's upright RGB working copy, so it can differ from the server's PDQ of
the same file by a few bits (decoded at another size); PDQ matching tolerates that (a
test measures it on the shared photos). The library opens no connection: the app sends
the request with its own client and credentials.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from safeguarding.device.images.decode import ImageLimits, decode_image
from safeguarding.errors import MissingDependencyError

__all__ = [
    "ImageHashes",
    "KnownImageResult",
    "Surface",
    "hash_image",
    "match_request",
    "read_match_response",
]


class Surface(StrEnum):
    """Where the image is going: only surfaces the platform may already see."""

    PROFILE_PHOTO = "profile_photo"
    PUBLIC_POST = "public_post"


@dataclass(frozen=True)
class ImageHashes:
    md5: str
    pdq: str
    #: PDQ's quality (0-100): below about 50 the image is too flat to match reliably
    pdq_quality: int


@dataclass(frozen=True)
class KnownImageResult:
    matched: bool
    #: the most severe action of the banks it matched (review, block, report)
    action: str | None
    #: the platform's case, when the match opened one
    case_id: int | None


def hash_image(data: bytes, limits: ImageLimits | None = None) -> ImageHashes:
    """MD5 and PDQ of untrusted image bytes; MediaError if they are not an image."""
    try:
        import numpy as np
        import pdqhash
    except ImportError as exc:
        raise MissingDependencyError(
            "pdqhash", "known-images", "The known-image check", distribution="safeguarding-device"
        ) from exc
    image = decode_image(data, limits)
    vector, quality = pdqhash.compute(np.asarray(image, dtype=np.uint8))
    return ImageHashes(
        hashlib.md5(data).hexdigest(),  # noqa: S324 (hash lists' MD5)
        bytes(np.packbits(vector.astype(np.uint8))).hex(),
        int(quality),
    )


def match_request(
    hashes: ImageHashes, surface: Surface, *, content_id: str, account_id: str | None = None
) -> dict[str, Any]:
    """The JSON body of `POST /v1/match/signals` for one image about to be posted."""
    item: dict[str, Any] = {
        "id": content_id,
        "surface": Surface(surface).value,
        "signals": [
            {"type": "md5", "value": hashes.md5},
            {"type": "pdq", "value": hashes.pdq, "quality": hashes.pdq_quality},
        ],
    }
    if account_id is not None:
        item["account_id"] = account_id
    return {"items": [item]}


def read_match_response(body: Mapping[str, Any]) -> KnownImageResult:
    """The answer to `match_request`: whether it matched, the action, the case."""
    result = body["results"][0]
    case = result.get("case") or {}
    return KnownImageResult(bool(result["matched"]), result.get("action"), case.get("id"))
