"""The one typed Settings object, read from SAFEGUARDING_* environment variables at start-up."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024
#: settings that are useless, or unsafe, without another: (setting, the one it needs, why)
_NEEDS = (
    ("webhook_url", "webhook_secret", "the receiver checks the signature"),
    ("audit_checkpoint_file", "audit_key_file", "checkpoints are signed with the audit key"),
)
#: The portal names other services and how to reach them (a helpline, where to report):
#: one shape for each part, so every signpost is checked alike.
_NAME_CHARS = 80
_HTTPS_PAGE = r'https://[^\s"<>]{4,300}'
_ServiceName = Annotated[str, Field(min_length=1, max_length=_NAME_CHARS)]
_ServicePage = Annotated[str, Field(pattern=rf"^{_HTTPS_PAGE}$")]
_Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ]{1,19}$")]


class Settings(BaseSettings):
    """Every setting has a safe default and one line of help (docs/configuration.md lists them)."""

    model_config = SettingsConfigDict(env_prefix="SAFEGUARDING_", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = Field(
        "development",
        description="'production' refuses demo data and development-only conveniences.",
    )
    database_url: str = Field(
        "sqlite:///safeguarding.db",
        description="SQLAlchemy URL: sqlite:///path.db (default, in the working directory) "
        "or postgresql+psycopg://user:pass@host/db.",
    )
    host: str = Field("127.0.0.1", description="Address `safeguarding serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `safeguarding serve` listens on.")

    max_upload_bytes: int = Field(
        200 * MiB,
        ge=1,
        description="Largest request body accepted by upload endpoints "
        "(files to hash or match, bank imports, previews).",
    )
    max_json_bytes: int = Field(
        4 * MiB,
        ge=1,
        description="Largest JSON (or form) body accepted: the largest batch "
        "the API takes, 1,000 items of signals with upload metadata and the longest vPDQ "
        "(docs/configuration.md has the arithmetic).",
    )
    max_image_bytes: int = Field(50 * MiB, ge=1, description="Largest image file decoded (bytes).")
    max_image_pixels: int = Field(
        100_000_000,
        ge=1,
        description="Largest image or frame decoded (width x height); larger is a "
        "decompression bomb. WebP, AVIF and HEIF get 1/4, 2/5 and 1/2 of it (their decoders "
        "hold more per pixel). Pillow's own guard still refuses above twice "
        "PIL.Image.MAX_IMAGE_PIXELS (179 million by default).",
    )
    max_video_bytes: int = Field(200 * MiB, ge=1, description="Largest video file decoded (bytes).")
    max_video_seconds: float = Field(
        3 * 3600.0, gt=0, description="Longest video decoded (seconds of media time)."
    )
    max_video_frames: int = Field(
        20_000, ge=1, description="Most frames hashed (sampled) from one video."
    )
    max_video_decoded_frames: int = Field(
        200_000,
        ge=1,
        description="Most frames decoded from one video, sampled or not "
        "(each costs decoding): 1 h 51 min at 30 fps. Checked against the header before "
        "decoding, and counted while decoding.",
    )
    max_video_pixels: int = Field(
        4096 * 4096, ge=1, description="Largest video frame decoded (width x height)."
    )
    video_fps: float = Field(
        1.0, gt=0, le=120, description="Frames sampled per second of video for vPDQ."
    )
    pdq_max_side: int = Field(
        2048,
        ge=0,
        description="Images larger than this (longer side, pixels) are reduced to it before "
        "PDQ, JPEGs decoded at reduced size; 0 always hashes at full resolution. Smaller "
        "sides move hashes further from full-resolution ones (docs/benchmarks.md).",
    )
    bank_crop_hashes: bool = Field(
        True,
        description="Images added to banks also store PDQs of centre crops (95% and 90%), so "
        "lightly cropped copies match; costs index size (docs/benchmarks.md).",
    )
    animated_all_frames: bool = Field(
        False,
        description="Hash every frame of an animated GIF/WebP and every page of a "
        "multi-page TIFF or HEIF, not only the first (each frame a PDQ with view frameN).",
    )
    max_image_frames: int = Field(
        1000,
        ge=1,
        description="With animated_all_frames: most frames or pages decoded from "
        "one image file; more is refused.",
    )
    max_animation_pixels: int = Field(
        300_000_000,
        ge=1,
        description="With animated_all_frames: most pixels all frames "
        "of one image file make together (GIF frames decode to the whole canvas).",
    )

    index_refresh_seconds: float = Field(
        0.5,
        gt=0,
        description="How often the in-memory index follows the banks' change log.",
    )
    api_key_cache_seconds: float = Field(
        1.0,
        ge=0,
        description="How long a process trusts an API key it checked before reading it "
        "again: a key revoked elsewhere stops working within this. 0: read on every request.",
    )
    counter_flush_seconds: float = Field(
        1.0,
        ge=0,
        description="How often a process writes the match counts it has gathered (one "
        "upsert): a process killed outright loses at most this long's counts. 0: write with "
        "each request.",
    )
    index_dir: str | None = Field(
        None,
        description="Folder of index snapshots (`safeguarding index snapshot`): loaded "
        "memory-mapped at start, shared by every process, then only later changes applied.",
    )
    do_not_match_pdq_distance: int = Field(
        10,
        ge=0,
        le=64,
        description="A query this close (PDQ bits) to a do-not-match hash is suppressed.",
    )
    hash_workers: int = Field(
        0, ge=0, description="Processes used by CLI hashing; 0 means one per CPU core."
    )

    conversation_model: Literal["auto", "use", "none"] = Field(
        "auto",
        description="Sentence encoder for conversation safety: 'auto' uses the multilingual "
        "Universal Sentence Encoder when the model extra is installed, else lexical features "
        "only; 'use' requires it; 'none' forces lexical features only.",
    )
    conversation_max_message_chars: int = Field(
        100_000, ge=1, description="Longest message accepted (characters); longer is refused."
    )
    conversation_max_participants: int = Field(
        50, ge=2, description="Most senders tracked in one conversation."
    )
    conversation_max_messages: int = Field(
        10_000_000, ge=1, description="Most messages accepted in one conversation."
    )
    conversation_excerpt_retention_days: int = Field(
        90,
        ge=0,
        description="Evidence excerpts of alerted conversations are dropped this many days "
        "after the conversation's last message (`safeguarding conversation purge`).",
    )
    conversation_pending_excerpt_hours: int = Field(
        24,
        ge=0,
        description="Excerpts of messages that showed a tactic, kept in case the conversation "
        "alerts, are dropped this many hours after its last message if it has not.",
    )

    web_session_idle_minutes: int = Field(
        30, ge=1, description="A reviewer's browser session ends after this long unused."
    )
    web_session_hours: int = Field(
        12, ge=1, description="A reviewer's browser session ends this long after sign-in."
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        description="Failed sign-ins from one client address (browsers not known "
        "to the account), or from one known browser, before it is refused for "
        "login_lockout_minutes.",
    )
    login_account_max_failures: int = Field(
        20,
        ge=1,
        description="Failed sign-ins on one account from browsers that have not "
        "signed in to it before, from any address, before such browsers are refused for "
        "login_lockout_minutes; its reviewers' known browsers are not.",
    )
    login_lockout_minutes: int = Field(
        15,
        ge=1,
        description="The window failed sign-ins are counted in, and how long a refusal lasts.",
    )
    login_failure_delay_ms: int = Field(
        1000,
        ge=0,
        le=10_000,
        description="A failed sign-in is answered this long after it "
        "was decided, without holding a thread or a lock, so each connection can guess about "
        "once a second and a flood of them leaves the server's time to everyone else.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies (addresses or CIDR ranges) whose "
        "X-Forwarded-For names the client; from anyone else the header is ignored. JSON "
        "list in the environment: '[\"10.0.0.0/8\"]'.",
    )
    hma_prefix: str = Field(
        "/hma",
        pattern=r"^(/[a-z0-9_-]+)+$",
        description="Where the HMA-compatible API is mounted (docs/hma.md): "
        "/hma/m/lookup and so on.",
    )
    hma_url_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts (and their subdomains) whose URLs the HMA API's ?url= forms "
        "may fetch; empty (the default) refuses every URL. Addresses that resolve to "
        "private, loopback or link-local networks are refused whatever the list says. JSON "
        "list in the environment: '[\"media.example.com\"]'.",
    )
    review_lease_minutes: int = Field(
        15,
        ge=1,
        le=24 * 60,
        description="A reviewer's hold on a case they claimed lapses "
        "after this many minutes without activity on it, so another reviewer can take it.",
    )
    self_report_enabled: bool = Field(
        True, description="Serve the self-report portal at /report-remove (docs/self-report.md)."
    )
    self_report_bank: str = Field(
        "self-report",
        description="Bank that self-reported hashes wait in for the hotline (made on the "
        "first submission: source self_report, action review).",
    )
    self_report_approved_bank: str = Field(
        "self-report-approved",
        description="Bank the hotline's approved self-reported hashes go into (source "
        "self_report, action block); publish it as a feed for subscribed platforms.",
    )
    self_report_held_bank: str = Field(
        "self-report-held",
        description="Bank the poisoning check holds self-reported hashes in for the hotline "
        "(made off: its hashes match nowhere and are published nowhere).",
    )
    self_report_spread_accounts: int = Field(
        20,
        ge=2,
        description="A self-report whose hashes uploads from this many distinct accounts "
        "match within self_report_spread_hours of its submission is held for the hotline "
        "(the poisoning check: widely shared pictures are seldom a young person's own).",
    )
    self_report_spread_hours: int = Field(
        24,
        ge=1,
        le=24 * 30,
        description="How long after submission the poisoning check watches a self-report's "
        "matches.",
    )
    self_report_global_guesses: int = Field(
        1000,
        ge=1,
        description="Wrong case numbers or PINs from all addresses together (within "
        "self_report_window_minutes) before every status look-up pauses for the window; "
        "no case is ever locked.",
    )
    self_report_helpline_name: _ServiceName = Field(
        "Childline",
        description="The support service every portal page names (change it outside the UK).",
    )
    self_report_helpline_phone: _Phone = Field(
        "0800 1111",
        description="Its free phone number, as people dial it (digits and spaces).",
    )
    self_report_helpline_url: _ServicePage = Field(
        "https://www.childline.org.uk/",
        description="Its website (https), for chat and advice.",
    )
    self_report_threats_name: _ServiceName = Field(
        "CEOP",
        description="Where a young person reports threats or demands (sextortion).",
    )
    self_report_threats_url: _ServicePage = Field(
        "https://www.ceop.police.uk/Safety-Centre/",
        description="Its reporting page (https).",
    )
    self_report_emergency_phone: _Phone = Field(
        "999",
        description="The emergency number the portal gives for danger now.",
    )
    self_report_adult_name: _ServiceName = Field(
        "StopNCII",
        description="The service the portal sends people who were 18 or older in the "
        "picture to (it hashes adults' intimate images on their device).",
    )
    self_report_adult_url: _ServicePage = Field(
        "https://stopncii.org/",
        description="Its website (https).",
    )
    self_report_adult_helpline_name: str = Field(
        "the Revenge Porn Helpline",
        max_length=_NAME_CHARS,
        description="A helpline for adults whose intimate images were shared, named on the "
        "same page (empty: none named).",
    )
    self_report_adult_helpline_url: str = Field(
        "https://revengepornhelpline.org.uk/",
        pattern=rf"^({_HTTPS_PAGE})?$",
        description="Its website (https; empty with an empty name).",
    )
    self_report_online_report_name: _ServiceName = Field(
        "the Internet Watch Foundation",
        description="Where the portal tells someone who saw another young person's picture "
        "online to report it.",
    )
    self_report_online_report_url: _ServicePage = Field(
        "https://report.iwf.org.uk/",
        description="Its reporting page (https).",
    )
    self_report_upload_url: str = Field(
        "",
        description="The hotline's upload route for grading, linked from a self-report's "
        "status page when the hotline asks for it (empty: the page says to contact the "
        "hotline).",
    )
    self_report_retention_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="A closed self-report (withdrawn, or not taken further) keeps its hashes "
        "this many days after closing, then the worker deletes them (`safeguarding cases "
        "purge` too), keeping only the case number, status and dates.",
    )
    self_report_max_files: int = Field(
        20, ge=1, le=100, description="Most files one self-report may list."
    )
    self_report_window_minutes: int = Field(
        60,
        ge=1,
        description="The window the self-report limits below are counted in, and "
        "how long a refusal lasts.",
    )
    self_report_max_guesses: int = Field(
        10,
        ge=1,
        description="Wrong case numbers or PINs from one client address (within "
        "self_report_window_minutes) before it is refused; a case itself is never locked.",
    )
    self_report_address_submissions: int = Field(
        5,
        ge=1,
        description="Self-reports one client address may submit within self_report_window_minutes.",
    )
    self_report_global_submissions: int = Field(
        500,
        ge=1,
        description="Self-reports the whole portal takes within "
        "self_report_window_minutes (a flood from many addresses).",
    )
    review_reveals_per_hour: int = Field(
        20,
        ge=1,
        le=10_000,
        description="A soft limit: past this many revealed images in an "
        "hour, the reveal prompt suggests a break (it never refuses: a case may need it).",
    )
    review_break_minutes: int = Field(
        90,
        ge=5,
        le=24 * 60,
        description="After this many minutes signed in, the review pages suggest a break.",
    )
    secure_cookies: bool | None = Field(
        None,
        description="Mark session cookies Secure (HTTPS only); default: on in production.",
    )
    insights_min_cell: int = Field(
        10,
        ge=1,
        description="Transparency reports withhold every count from 1 to one less than "
        "this, and the counts that would give one back from the totals (complementary "
        "suppression); times based on fewer cases are withheld too (docs/insights.md).",
    )
    preview_retention_days: int = Field(
        30,
        ge=0,
        description="The evidence retention period: media previews supplied for "
        "review are deleted, and upload metadata (IP, port, screen name, time, surface) "
        "and franked reports' message texts cleared, this many days after they arrive, "
        "unless their case is under evidence preservation (`safeguarding cases purge`).",
    )
    evidence_preservation_days: int = Field(
        365,
        ge=1,
        description="A confirmed case's evidence is preserved this long (US law "
        "asks providers to preserve reported material for a year).",
    )
    confirmed_bank: str = Field(
        "confirmed", description="Bank that hashes of reviewer-confirmed content are added to."
    )
    audit_key_file: str | None = Field(
        None,
        description="PEM file with the Ed25519 audit key (`safeguarding audit keygen`), "
        "kept outside the database: events are chained with an HMAC under it and "
        "checkpoints are signed with it; unset: a plain SHA-256 chain.",
    )
    audit_checkpoint_file: str | None = Field(
        None,
        description="File outside the database that signed checkpoints of the audit "
        "chain are appended to (needs audit_key_file); `audit verify` checks against them.",
    )
    audit_checkpoint_seconds: float = Field(
        300.0,
        gt=0,
        description="How often the worker appends a checkpoint (when the chain "
        "has grown since the last one).",
    )
    franking_key_file: str | None = Field(
        None,
        description="JSON file with the franking keyring (`safeguarding franking "
        "rotate` makes and rotates it; run it weekly), kept outside the database: stamps "
        "commitments (POST /v1/franking/stamp) and verifies franked reports (POST "
        "/v1/reports/franked); unset: both answer 404.",
    )
    new_imagery_detector: Literal["off", "nudenet"] = Field(
        "off",
        description="Nudity detector that scores review uploads and franked reports' "
        "images for possibly new imagery: 'nudenet' (the nudenet extra) raises a "
        "child-related case's priority for a likely nude image, for a human to look; it "
        "never reports or blocks. 'off': no media is scored.",
    )
    exchange_key: SecretStr | None = Field(
        None,
        description="Fernet key (`safeguarding exchange keygen`) that exchange "
        "credentials are encrypted with in the database; unset: exchanges that need "
        "credentials cannot be added or fetched. Keep it outside the database.",
    )
    exchange_interval_seconds: int = Field(
        3600,
        ge=60,
        description="How often the worker fetches an exchange that was added without --interval.",
    )
    exchange_max_bytes: int = Field(
        512 * MiB,
        ge=1,
        description="Largest answer read from an exchange's upstream (a "
        "list, a feed page), counted after decompression; more fails the fetch.",
    )
    exchange_timeout_seconds: float = Field(
        300.0,
        gt=0,
        description="Longest an exchange's upstream may take over one answer, "
        "body included; slower fails the fetch.",
    )
    exchange_worker: bool = Field(
        False,
        description="`safeguarding serve` also fetches exchanges on their intervals, "
        "in a thread; off: run `safeguarding exchange worker` (any number of them: a lease "
        "keeps each exchange to one fetch at a time).",
    )
    exchange_poll_seconds: float = Field(
        60.0,
        gt=0,
        description="Longest the exchange worker sleeps between passes (how soon "
        "it sees an exchange added by another process).",
    )
    exchange_backoff_seconds: float = Field(
        60.0,
        gt=0,
        description="Wait after an exchange's first failed fetch; it doubles with "
        "each failure in a row (with jitter), up to exchange_backoff_max_seconds.",
    )
    exchange_backoff_max_seconds: float = Field(
        6 * 3600.0,
        gt=0,
        description="Longest wait after failed fetches, and the most of an "
        "upstream's Retry-After that is honoured.",
    )
    feed_key_file: str | None = Field(
        None,
        description="PEM file with the Ed25519 key (`safeguarding feed keygen`) that "
        "signs every page of this instance's published feeds; unset: no feeds published.",
    )
    feed_previous_key_file: str | None = Field(
        None,
        description="During a key rotation: the previous feed key, whose signature "
        "over the new key lets subscribers pinned to it move to the new one.",
    )
    webhook_url: str | None = Field(
        None,
        description="Where decisions and policy actions are sent as signed webhooks; "
        "unset: no webhooks.",
    )
    webhook_secret: str | None = Field(
        None, description="HMAC-SHA256 key for webhook signatures (required with webhook_url)."
    )
    webhook_max_attempts: int = Field(
        20, ge=1, description="Attempts (with exponential backoff) before a delivery is dead."
    )
    worker_interval_seconds: float = Field(
        1.0, gt=0, description="How often the background worker looks for due deliveries."
    )
    report_authorities: list[str] = Field(
        default_factory=lambda: ["ncmec"],
        description="Authorities a confirmed case is drafted for: ncmec, nca.",
    )
    report_org_name: str = Field("Example Platform", description="Reporting provider's name.")
    report_contact_name: str = Field("Trust Safety", description="Reporting contact's name.")
    report_contact_email: str = Field(
        "trust-safety@example.invalid", description="Reporting contact's email."
    )
    ncmec_url: str = Field(
        "https://exttest.cybertip.org/ispws",
        description="CyberTipline reporting API (the test endpoint until you are onboarded).",
    )
    ncmec_resume_minutes: int = Field(
        45,
        ge=1,
        le=59,
        description="An unfinished CyberTipline report is carried on only "
        "this long after our last change to it (NCMEC deletes one an hour after); later "
        "attempts retract it and open a new report.",
    )
    ncmec_username: str = Field("", description="CyberTipline API user name.")
    ncmec_password: str = Field("", description="CyberTipline API password.")
    nca_url: str = Field("", description="NCA reporting endpoint given on registration.")
    nca_token: str = Field("", description="NCA reporting credential.")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: list[str]) -> list[str]:
        from safeguarding.auth.clients import networks

        networks(value)  # a bad entry is refused at start, naming it
        return value

    @model_validator(mode="after")
    def _needs(self) -> Settings:
        for setting, needed, why in _NEEDS:
            if getattr(self, setting) and not getattr(self, needed):
                raise ValueError(f"{setting} needs {needed} ({why})")
        return self

    @property
    def cookies_secure(self) -> bool:
        return (
            self.environment == "production"
            if self.secure_cookies is None
            else (self.secure_cookies)
        )
