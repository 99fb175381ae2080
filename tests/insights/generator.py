"""Synthetic police records of our own, for regression tests only: every alias and false
friend below keeps working as the keyword set changes. Never a headline figure: whoever
writes the keyword set wrote these too (the measured figures come from the independent
records in data/insights/records)."""

from __future__ import annotations

import random

# How a record may name each platform ({} marks where the name goes in a template).
MENTIONS = {
    "snapchat": ["Snapchat", "SNAPCHAT", "snapchatt", "snap", "SC", "Snap Chat"],
    "facebook": ["Facebook", "face book", "FB", "fb msgr", "Messenger"],
    "instagram": ["Instagram", "insta", "IG", "instagramm", "Insta Gram"],
    "whatsapp": ["WhatsApp", "whatsap", "WA", "whats app"],
    "x": ["Twitter", "X (formerly Twitter)", "twitter/x"],
    "kik": ["Kik", "KIK", "kik messenger"],
    "tiktok": ["TikTok", "tik tok", "tik-tok"],
    "youtube": ["YouTube", "you tube", "yt"],
    "discord": ["a Discord server", "discord chat"],
    "skype": ["Skype"],
    "facetime": ["FaceTime", "facetim"],
    "roblox": ["Roblox"],
    "oculus": ["an Oculus headset"],
    "vr": ["a VR game"],
    "metaverse": ["the metaverse"],
    "onlyfans": ["OnlyFans", "only fans"],
    "signal": ["the Signal app", "signal messenger"],
    "icloud": ["iCloud"],
    "imessage": ["iMessage"],
    "dropbox": ["a Dropbox link"],
    "mega": ["MEGA links", "a mega folder"],
    "patreon": ["Patreon"],
}
TEMPLATES = [
    "V (14) was contacted on {} by S.",
    "S SENT IIOC TO V VIA {}.",
    "s used {} to send iioc.",
    "Referral re account on {}, S traced.",
]
# Sentences that name no platform, though a careless search would say they do.
FALSE_FRIENDS = [
    "Poor signal at home.",
    "Phone had 64 megabytes free.",
    "V was mega upset.",
    "S snapped at officers.",
    "It was a snap decision.",
    "VRN checked on ANPR.",
    "2 x phones seized, x3 laptops.",
    "Cat A x 12.",
    "S kicked the door.",
    "Family discord ongoing.",
    "Spent face time with family.",
    "Files in cloud storage.",
    "Instant messaging mentioned.",
    "Old xbox seized.",
    "Tick tock, he said.",
    "Social care at school informed.",
    "It was big.",
    "S WAS ARRESTED ON WARRANT.",
    "Took a snap of the car.",
]
NEUTRAL = [
    "Phone seized.",
    "Images found on a USB stick.",
    "Sent by text message.",
    "Outcome 21 considered.",
]


def generate(count: int, seed: int = 0) -> list[dict[str, str]]:
    """Rows with id, force, year, text and the true platforms (|-separated, in the
    keyword set's order)."""
    rng = random.Random(seed)
    keys = list(MENTIONS)
    rows = []
    for i in range(count):
        named = sorted(rng.sample(keys, rng.choice([0, 1, 1, 1, 2])), key=keys.index)
        parts = [rng.choice(TEMPLATES).format(rng.choice(MENTIONS[k])) for k in named]
        parts.append(rng.choice(FALSE_FRIENDS) if rng.random() < 0.5 else rng.choice(NEUTRAL))
        rng.shuffle(parts)
        rows.append(
            {
                "id": str(i + 1),
                "force": rng.choice(["Kent", "Gwent", "Durham"]),
                "year": rng.choice(["2022/23", "2023/24"]),
                "text": " ".join(parts),
                "platforms": "|".join(named),
            }
        )
    return rows
