"""What the load test's simulated users do: one class of user per role, the share of users in
each, and the pages each asks for with their weights. Plain data, so the URLs can be checked
without Locust (tests/socialrx/test_loadtest.py); the locustfile turns it into Locust users.

Each page is (name, URL name, weight). URL names taking an argument get it from a page the
user has seen: ``person`` from the caseload's links, ``listing`` from the directory's.
"""

from __future__ import annotations

import re

# Simulated users of each role, out of 100.
SHARES = {
    "public": 35,
    "link_worker": 35,
    "practice_staff": 12,
    "volunteer": 10,
    "commissioner": 8,
}

# What each role reads (GET) and writes (a form read, then posted with its CSRF token).
PAGES: dict[str, list[tuple[str, str, int]]] = {
    "public": [
        ("home", "home", 1),
        ("directory search", "assets:public_directory", 5),
        ("listing", "assets:detail", 3),
    ],
    "link_worker": [
        ("caseload", "referrals:caseload", 4),
        ("my day", "referrals:my_day", 1),
        ("person", "referrals:person", 5),
        ("conversation form", "referrals:conversation_create", 2),
        ("conversation save", "referrals:conversation_create", 1),
        ("directory search (staff)", "assets:directory", 2),
    ],
    "practice_staff": [
        ("practice referrals", "referrals:practice_referrals", 3),
        ("referral form", "referrals:practice_referral_create", 1),
    ],
    "volunteer": [
        ("my listings", "assets:my_listings", 3),
        ("listing confirm", "assets:confirm", 1),
    ],
    "commissioner": [
        ("outcomes overview", "outcomes:overview", 3),
        ("metric page", "outcomes:metric", 2),
    ],
}

# Links to the ids the pages taking one use: a person on the caseload, a listing found.
PERSON_LINK = re.compile(r'href="/people/(\d+)/"')
LISTING_LINK = re.compile(r'href="/directory/listings/(\d+)/"')

# Words the public search with (the directory's categories and common needs).
SEARCHES = ["walking", "art", "garden", "choir", "coffee", "football", "men", "yoga", "cooking"]
# Metrics a commissioner opens.
METRICS = ["friends", "wellbeing", "coverage", "connections"]

# Arguments standing in for ids when the URLs are checked.
EXAMPLE_ARGS = {
    "referrals:person": [1],
    "referrals:conversation_create": [1],
    "assets:detail": [1],
    "assets:confirm": [1],
    "outcomes:metric": ["friends"],
}
