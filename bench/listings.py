"""What generated listings say: names, descriptions and venues made of the words people search
for, so that a benchmark's or load test's searches find what a real directory's would."""

from __future__ import annotations

import random

ACTIVITIES = [
    "walking",
    "gardening",
    "singing",
    "knitting",
    "reading",
    "cooking",
    "chess",
    "dancing",
    "pottery",
    "painting",
    "football",
    "yoga",
    "tai chi",
    "swimming",
    "cycling",
    "sewing",
    "woodwork",
    "photography",
    "history",
    "computers",
    "English conversation",
    "bingo",
    "crafts",
    "drumming",
    "baking",
    "allotment",
    "birdwatching",
    "quiz",
    "bowls",
    "choir",
]
KINDS = ["group", "club", "circle", "café", "drop-in", "society", "session", "meet-up"]
PLACES = [
    "community centre",
    "library",
    "church hall",
    "mosque",
    "park",
    "leisure centre",
    "village hall",
    "museum",
    "allotments",
    "scout hut",
    "pub back room",
    "school",
]
SENTENCES = [
    "Everyone is welcome, whatever your experience.",
    "Tea and biscuits afterwards, and a chat if you want one.",
    "Come on your own or bring a friend.",
    "We go at the pace of the slowest and nobody is left behind.",
    "Equipment is provided; wear comfortable clothes.",
    "A friendly volunteer will meet you at the door on your first visit.",
    "Run by local people for local people since the old centre closed.",
    "Good for people who feel lonely or who are new to the area.",
    "You do not need to book: just turn up.",
    "Ring first if you would like someone to walk over with you.",
]
VENUES = ["St Mark", "Moss Side", "Hulme", "Ancoats"]


def listing_text(rng: random.Random, i: int) -> dict[str, str]:
    """Name, description and venue of generated listing ``i``."""
    activity = rng.choice(ACTIVITIES)
    place = rng.choice(PLACES)
    return {
        "name": f"{activity.capitalize()} {rng.choice(KINDS)} {i}",
        "description": " ".join(
            [f"A {activity} {rng.choice(KINDS)} at the {place}.", *rng.sample(SENTENCES, 3)]
        ),
        "venue_name": f"{rng.choice(VENUES)} {place}",
    }
