"""A case's context on one screen: the plain summary, the lists matched with provenance,
the account's other cases, a conversation's excerpts as a timeline numbered from 1 with the
tactics in plain words, and what each verdict sets off."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from safeguarding.engine import Engine
from tests.web.conftest import sign_in
from tests.web.kinds import open_each_kind


def test_each_kind_of_case_explains_itself(client: TestClient, web_engine: Engine) -> None:
    kinds = open_each_kind(web_engine)
    sign_in(client, "rita")

    queue = html.unescape(client.get("/queue").text)  # each case in its own words
    assert "This photo matched 2 lists, including NCMEC's, as an exact copy" in queue
    assert "Adult account u1 (stated 24), talking with a child who said they are 13" in queue
    assert "Reported by people on the platform as grooming, once." in queue

    match = html.unescape(client.get(f"/cases/{kinds.match}").text)
    assert "This photo matched 2 lists, including NCMEC's, as an exact copy" in match
    assert "<td>hotline-list" in match and "<td>ncmec</td>" in match  # provenance
    assert "MD5, PDQ, SHA256" in match and "ref img0" in match
    assert f'href="/cases/{kinds.earlier}"' in match and "false positive by sam" in match
    assert "Drafts a report to NCMEC; a senior approves it before it is sent." in match
    assert "to the list 'confirmed', so copies match from now on" in match
    assert "Puts the file's hashes on the do-not-match list" in match

    chat = html.unescape(client.get(f"/cases/{kinds.conversation}").text)
    assert (
        "Adult account u1 (stated 24), talking with a child who said they are 13, "
        "flattered them, asked their age"
    ) in chat
    assert "Message 1 · <strong>u1</strong> (likely offender)" in chat  # counted from 1
    assert "Message 0" not in chat
    assert "<blockquote>add me on snap its more private</blockquote>" in chat  # the excerpt
    assert '<span class="tag">Move to another app</span>' in chat
    assert "platform_switch" not in chat.split("Evidence as the engine recorded it")[0]

    report = html.unescape(client.get(f"/cases/{kinds.report}").text)
    assert "Reported by people on the platform as grooming, once." in report
    assert "first by user-9: “keeps asking my age”" in report
    assert "None: this is the account's first case." in report
