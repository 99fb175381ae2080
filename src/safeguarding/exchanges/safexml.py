"""XML from an upstream (NCMEC's hash-sharing API), read with the standard library's expat
and nothing else: no network, no DTD, no entity.

A document type declaration is refused outright, and with it every entity declaration (an
entity can only be declared in a DTD), so neither a billion-laughs expansion nor an external
entity that reads a file or a URL can happen; the body's size is already capped by
exchanges/http.py. Namespaces are dropped from names (`{https://...}image` -> `image`): the
API has one, and matching on it adds nothing.
"""

from __future__ import annotations

import xml.parsers.expat
from xml.etree.ElementTree import Element, TreeBuilder


class XmlRefused(ValueError):
    """The body is not XML we read: malformed, or it declares a DTD or an entity."""


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def parse(body: bytes) -> Element:
    """The document's root element, or XmlRefused."""
    builder = TreeBuilder()
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")

    def refuse(*_: object) -> None:
        raise XmlRefused("a DTD or entity declaration (refused: never expanded or fetched)")

    def refuse_reference(*_: object) -> int:
        raise XmlRefused("an external entity reference (refused: never fetched)")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.NotationDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse_reference
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = lambda tag, attrs: builder.start(
        _local(tag), {_local(k): v for k, v in attrs.items()}
    )
    parser.EndElementHandler = lambda tag: builder.end(_local(tag))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError as exc:
        raise XmlRefused(f"not well-formed XML ({exc})") from None
    root = builder.close()
    return root
