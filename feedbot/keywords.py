"""Carrier keywords every texting channel honours: STOP, START and HELP in their usual forms."""

from __future__ import annotations

from typing import Literal

from feedbot.languages import fold

Keyword = Literal["stop", "start", "help"]

_KEYWORDS: dict[str, Keyword] = {
    **dict.fromkeys(("stop", "stopall", "unsubscribe", "cancel", "end", "quit"), "stop"),
    **dict.fromkeys(("start", "unstop", "yes"), "start"),
    **dict.fromkeys(("help", "info"), "help"),
}


def carrier_keyword(text: str) -> Keyword | None:
    """The keyword a whole message is, if it is one (case and punctuation ignored)."""
    return _KEYWORDS.get(fold(text).strip(" .!?"))
