"""`safeguarding bank create --policy` and `bank set-policy`: settings per signal type."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.server import create_app
from tests.cli.test_cli import run


def test_policy_settings_from_the_command_line(sqlite_url: str) -> None:
    assert (
        run(
            sqlite_url,
            "bank",
            "create",
            "b",
            "--threshold",
            "20",
            "--policy",
            "vpdq.query_match_percent=95",
        )[0]
        == 0
    )
    listed = json.loads(run(sqlite_url, "bank", "list", "--json")[1])
    assert (listed["pdq_threshold"], listed["policies"]["vpdq"]) == (
        20,
        {"frame_threshold": 20, "query_match_percent": 95.0, "index_match_percent": 0.0},
    )
    code, out, _ = run(sqlite_url, "bank", "set-policy", "b", "pdq.min_quality=70")
    assert code == 0 and "pdq distance <= 20, quality >= 70" in out
    shown = json.loads(run(sqlite_url, "bank", "show", "b", "--json")[1])
    assert shown["min_quality"] == 70  # the flat fields, in the API's one bank shape
    assert shown["policies"]["pdq"] == {"threshold": 20, "min_quality": 70}


def test_bad_policy_settings_exit_2(sqlite_url: str) -> None:
    for args, message in (
        (["--policy", "pdq.threshold"], "expected TYPE.SETTING=NUMBER"),
        (["--policy", "pdq.threshold=high"], "expected TYPE.SETTING=NUMBER"),
        (["--threshold", "10", "--policy", "pdq.threshold=12"], "disagree"),
        (["--policy", "pdq.threshold=500"], "policies.pdq.threshold"),
    ):
        code, _, err = run(sqlite_url, "bank", "create", "b", *args)
        assert code == 2 and message in err, err
    assert run(sqlite_url, "bank", "set-policy", "nope", "pdq.threshold=3")[0] == 2


def test_a_bank_is_the_same_json_in_the_cli_and_the_api(sqlite_url: str) -> None:
    assert run(sqlite_url, "bank", "create", "b", "--threshold", "20", "--label", "x")[0] == 0
    listed = json.loads(run(sqlite_url, "bank", "list", "--json")[1])
    shown = json.loads(run(sqlite_url, "bank", "show", "b", "--json")[1])
    engine = Engine(Settings(database_url=sqlite_url))
    try:
        token = engine.keys.create("t", ["banks:read"], "test").token
        with TestClient(create_app(engine=engine)) as client:
            answered = client.get("/v1/banks/b", headers={"Authorization": f"Bearer {token}"})
    finally:
        engine.close()
    assert answered.json() == listed == {k: v for k, v in shown.items() if k != "first_entries"}
