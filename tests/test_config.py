"""Settings that need another are refused without it, naming both and saying why."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from safeguarding.config import Settings


@pytest.mark.parametrize(
    ("given", "needed", "message"),
    [
        (
            {"webhook_url": "http://127.0.0.1:9/hook"},
            {"webhook_secret": "s"},
            "webhook_url needs webhook_secret (the receiver checks the signature)",
        ),
        (
            {"audit_checkpoint_file": "checkpoints.jsonl"},
            {"audit_key_file": "audit.pem"},
            "audit_checkpoint_file needs audit_key_file"
            " (checkpoints are signed with the audit key)",
        ),
    ],
)
def test_a_setting_without_the_one_it_needs_is_refused(
    given: dict[str, str], needed: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        Settings.model_validate({"database_url": "sqlite://", **given})
    Settings.model_validate({"database_url": "sqlite://", **given, **needed})
