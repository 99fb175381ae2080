"""Decode untrusted image and video bytes into pixels, within limits."""

from safeguarding.media.image import DecodedImage, decode_image
from safeguarding.media.limits import MediaLimits
from safeguarding.media.sniff import MediaKind, sniff

__all__ = ["DecodedImage", "MediaKind", "MediaLimits", "decode_image", "sniff"]
