"""The words people use, and the words listings use.

Someone looking for help types how they feel or what they want ("lonely", "money", "exercise");
groups describe what they do ("befriending", "debt advice", "walking"). Each entry below maps a
word a searcher may type to the words that should also find listings. A search for the key
finds listings matching the key **or** any of its words; several search words must each match
(through themselves or a synonym).

How to add one: add a line ``"word": ("other", "words"),`` with the key in lower case and in
its plain form ("garden", not "gardening": keys are also looked up by their crude stem, so
"gardening" and "gardens" use the "garden" entry). A synonym may be two words
("social group"): both must then appear in the listing. Keep synonyms to words a listing
would actually use; a broad word ("group", "help") would match most of the directory. The
list is documented in docs/directory.md; add the new entry there too.
"""

from __future__ import annotations

import re

SYNONYMS: dict[str, tuple[str, ...]] = {
    # Feeling alone.
    "lonely": ("befriending", "social group", "social club", "coffee morning"),
    "loneliness": ("befriending", "social group", "social club", "coffee morning"),
    "isolated": ("befriending", "social group", "social club"),
    "friends": ("befriending", "social group"),
    # Money worries.
    "money": ("advice", "debt", "benefits", "welfare"),
    "debt": ("advice", "money", "budgeting"),
    "benefits": ("advice", "welfare"),
    # Mood.
    "sad": ("mental wellbeing", "mental health", "talking", "peer support"),
    "low": ("mental wellbeing", "mental health", "talking", "peer support"),
    "depressed": ("mental wellbeing", "mental health", "peer support"),
    "anxious": ("mental wellbeing", "mental health", "peer support"),
    "stress": ("mental wellbeing", "mental health", "relaxation"),
    # Being active.
    "exercise": ("walking", "sport", "fitness", "yoga", "dance"),
    "fitness": ("exercise", "walking", "sport"),
    "active": ("exercise", "walking", "sport"),
    # Outdoors and growing.
    "garden": ("gardening", "allotment"),
    "allotment": ("gardening",),
    "outdoors": ("walking", "gardening", "nature"),
    # Music.
    "sing": ("singing", "choir"),
    "choir": ("singing",),
    "music": ("singing", "choir", "drumming"),
    # Food.
    "food": ("cooking", "lunch", "food bank", "pantry"),
    "hungry": ("food bank", "pantry", "lunch"),
}

# Suffixes the fallback stemmer strips, longest first.
_SUFFIXES = ("ers", "ing", "er", "s")
_MIN_STEM = 3


def crude_stem(word: str) -> str:
    """``word`` without one common ending ("walkers", "walking", "walks" -> "walk").

    The SQLite fallback has no real stemmer: this is enough that a search for a word's
    other forms still finds it by substring. A stem shorter than three letters is not used.
    """
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            stem = word[: -len(suffix)]
            # "walkss"/"classes": never strip the "s" of a double "ss".
            if suffix == "s" and stem.endswith("s"):
                return word
            return stem
    return word


def synonyms_for(word: str) -> tuple[str, ...]:
    """The synonyms of a searched word, found by the word itself or by its crude stem."""
    word = word.lower()
    return SYNONYMS.get(word) or SYNONYMS.get(crude_stem(word)) or ()


def search_words(text: str, *, limit: int = 8) -> list[str]:
    """The words of a search, lower case, letters and digits only, at most ``limit``."""
    return [w.lower() for w in re.findall(r"\w+", text)][:limit]
