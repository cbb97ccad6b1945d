"""When and in what script the counterpart writes, against where they claim to be."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lurewatch.profile.config import ProfileConfig


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # the table entry that matched, e.g. "london"
    tz: str
    languages: tuple[str, ...]


def place_of(location: str | None, config: ProfileConfig) -> Place | None:
    """The known place named first in a free-text location ("Berlin, Germany" -> Berlin),
    the longer name winning at one position ("new york" over "york")."""
    if not location:
        return None
    text = location.casefold()
    best: tuple[int, int, Place] | None = None
    for name, tz, languages in config.cities:
        m = re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text)
        if m and (best is None or (m.start(), -len(name)) < best[:2]):
            best = (m.start(), -len(name), Place(name, tz, languages))
    return best[2] if best else None


@dataclass(frozen=True, slots=True)
class NightActivity:
    messages: int  # timestamped counterpart messages
    at_night: int  # of which sent in the night window, claimed local time
    best_utc_offset: int  # the whole-hour offset that puts most of them in 09:00-18:59


def night_activity(
    times: Iterable[datetime], tz_name: str, night_start: int, night_end: int
) -> NightActivity | None:
    """How many messages fall in the night window of the claimed time zone, and which UTC
    offset would make them a working day. None when the time zone is unknown."""
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    stamps = [t for t in times if t is not None and t.tzinfo is not None]
    if not stamps:
        return NightActivity(0, 0, 0)
    at_night = sum(1 for t in stamps if night_start <= t.astimezone(tz).hour < night_end)
    utc_hours = [t.utctimetuple().tm_hour for t in stamps]

    def in_office(offset: int) -> int:
        return sum(1 for h in utc_hours if 9 <= (h + offset) % 24 < 19)

    best = max(range(-11, 15), key=lambda off: (in_office(off), -abs(off)))
    return NightActivity(len(stamps), at_night, best)


_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
)
LANGUAGE_NAMES: dict[str, str] = {
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ru": "Russian", "ar": "Arabic or Persian",
    "he": "Hebrew",
}
# Languages that share a script with the detected one (Persian is written in Arabic script,
# Japanese uses Chinese characters).
_SCRIPT_SHARERS: dict[str, frozenset[str]] = {
    "zh": frozenset({"zh", "ja"}), "ar": frozenset({"ar", "fa"}), "ja": frozenset({"ja"}),
    "ko": frozenset({"ko"}), "ru": frozenset({"ru"}), "he": frozenset({"he"}),
}
_LETTER = re.compile(r"\w")


def script_language(text: str) -> str | None:
    """The non-Latin script most of the letters are in, when at least 30% of them are."""
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return None
    best: tuple[int, str] | None = None
    for lang, pattern in _SCRIPTS:
        n = len(pattern.findall(text))
        if n and (best is None or n > best[0]):
            best = (n, lang)
    if best and best[0] / letters >= 0.3:
        return best[1]
    return None


def speaks(languages: Iterable[str], lang: str) -> bool:
    return bool(_SCRIPT_SHARERS.get(lang, frozenset({lang})) & set(languages))
