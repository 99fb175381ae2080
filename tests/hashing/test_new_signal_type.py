"""Adding a signal type is one module: the toy perceptual type in `toy.py` (its own value
format, distance, index class and per-bank setting) is registered here and matched end to
end through the API and CLI: no change to matching, cases, the API, the CLI or the database
schema, and the same OpenAPI document. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from safeguarding.cases.model import Decision
from safeguarding.cli.main import app as cli
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.hashing.registry import register, unregister
from safeguarding.server import create_app
from tests.fakes.setup import users
from tests.hashing.test_signal_types import check_signal_type
from tests.hashing.toy import ToyHistSignal

BANKED = "10,20,30,40,50,60,70,80"
NEAR = "13,20,30,40,50,60,70,80"  # 3 from BANKED
FAR = "30,20,30,40,50,60,70,80"  # 20 from BANKED
FAR_AGAIN = "31,20,30,40,50,60,70,80"  # 1 from FAR: within the do-not-match distance (8)


@pytest.fixture
def toy() -> Iterator[type[ToyHistSignal]]:
    register(ToyHistSignal)
    try:
        yield ToyHistSignal
    finally:
        unregister(ToyHistSignal.name)


def _openapi(url: str) -> dict[str, Any]:
    engine = Engine(Settings(database_url=url))
    try:
        return create_app(engine=engine).openapi()
    finally:
        engine.close()


def test_the_toy_type_passes_the_shared_suite(toy: type[ToyHistSignal], tmp_path: Path) -> None:
    check_signal_type(toy, tmp_path)


def test_the_api_schema_does_not_change(sqlite_url: str) -> None:
    without = _openapi(sqlite_url)
    register(ToyHistSignal)
    try:
        assert _openapi(sqlite_url) == without
    finally:
        unregister(ToyHistSignal.name)


def _cli(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db_url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_new_type_matches_end_to_end(
    toy: type[ToyHistSignal], db_url: str, tmp_path: Path
) -> None:
    engine = Engine(Settings(database_url=db_url, index_refresh_seconds=0.2))
    assert engine.db.is_current()  # nothing to migrate for a new type
    with TestClient(create_app(engine=engine)) as client:
        admin = {"Authorization": f"Bearer {engine.keys.create('t', ['admin'], 't').token}"}

        def post(path: str, **kwargs: Any) -> Any:
            response = client.post(path, headers=admin, **kwargs)
            assert response.status_code in (200, 201), response.text
            return response.json()

        # its own per-bank setting, through the API's policy map and the CLI
        strict = post(
            "/v1/banks", json={"name": "strict", "policies": {"toyhist": {"max_distance": 5}}}
        )
        assert strict["policies"]["toyhist"] == {"max_distance": 5}
        loose = post("/v1/banks", json={"name": "loose", "action": "block"})
        assert loose["policies"]["toyhist"] == {"max_distance": 40}  # the type's default
        bad = client.post(
            "/v1/banks",
            headers=admin,
            json={"name": "bad", "policies": {"toyhist": {"max_distance": 5000}}},
        )
        assert bad.status_code == 422 and "toyhist.max_distance" in bad.text

        # entries: added through the API, imported through the API and the CLI
        assert (
            post(
                "/v1/banks/strict/entries",
                json={"signals": [{"type": "toyhist", "value": f" {BANKED} "}]},
            )["added"]
            == 1
        )
        assert (
            post("/v1/banks/loose/import?format=hma", content=f"toyhist {BANKED}\n".encode())[
                "added"
            ]
            == 1
        )
        refused = client.post(
            "/v1/banks/loose/import?format=hma",
            headers=admin,
            content=f"toyhist {FAR}\ntoyhist 1,2,3\n".encode(),
        )
        assert refused.status_code == 422 and refused.json()["error"]["line"] == 2
        listing = tmp_path / "toy.csv"
        listing.write_text(f'signal_type,value\ntoyhist,"{BANKED}"\n')
        _cli(db_url, "bank", "create", "cli-bank")
        _cli(db_url, "bank", "import", "cli-bank", str(listing), "--format", "csv")
        _cli(db_url, "bank", "set-policy", "cli-bank", "toyhist.max_distance=1")
        assert "toyhist max_distance 1" in _cli(db_url, "bank", "show", "cli-bank")

        # matching precomputed signals: each bank by its own threshold
        def match(value: str, content_id: str) -> Any:
            body = {"items": [{"id": content_id, "signals": [{"type": "toyhist", "value": value}]}]}
            return post("/v1/match/signals", json=body)["results"][0]

        near = match(NEAR, "post-1")
        assert sorted(m["bank"] for m in near["matches"]) == ["loose", "strict"]
        assert {m["distance"] for m in near["matches"]} == {3.0}
        far = match(FAR, "post-2")
        assert [(m["bank"], m["signal_type"], m["distance"]) for m in far["matches"]] == [
            ("loose", "toyhist", 20.0)
        ]
        assert far["action"] == "block" and far["case"]["created"]
        client.patch(
            "/v1/banks/strict", headers=admin, json={"policies": {"toyhist": {"max_distance": 25}}}
        )
        assert len(match(FAR, "post-3")["matches"]) == 2

        # the case keeps the toy hash; a false positive puts it on the do-not-match list,
        # which then suppresses queries within the type's do-not-match distance
        case = engine.cases.get(far["case"]["id"])
        assert case.evidence[0].data["query"] == {"toyhist": FAR}
        reviewer, _, _ = users(engine)
        engine.cases.decide(
            case.id, reviewer, Decision.FALSE_POSITIVE, "a benign picture", version=case.version
        )
        assert [(e.signal_type, e.value) for e in engine.banks.list_do_not_match()] == [
            ("toyhist", FAR)
        ]
        engine.matcher.refresh()
        again = match(FAR_AGAIN, "post-4")
        assert again["matches"] == [] and again["suppressed"] == ["toyhist"]
        assert match(NEAR, "post-5")["matches"]  # 17 from the listed value: still matches

        # the toy index goes into snapshots in its own file format and comes back
        folder = tmp_path / "snapshot"
        engine.matcher.save_snapshot(folder)
        assert (folder / "toyhist.idx").read_text().startswith("toyhist-index 1")
        health = client.get("/v1/ready").json()
        assert health["checks"]["index_sizes"]["toyhist"] == 3
    engine.close()
    replica = Engine(Settings(database_url=db_url, index_dir=str(folder)))
    try:
        replica.matcher.load()
        assert replica.matcher.loaded_from_snapshot
        assert replica.matcher.size()["toyhist"] == 3
    finally:
        replica.close()
