"""Carrier keywords every texting channel honours: STOP, START and HELP in their usual forms
(Twilio's default opt-out, opt-in and help words for long codes)."""

from __future__ import annotations

from typing import Literal

from feedbot.languages import fold

Keyword = Literal["stop", "start", "help"]

_KEYWORDS: dict[str, Keyword] = {
    **dict.fromkeys(
        ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"), "stop"
    ),
    **dict.fromkeys(("start", "unstop", "yes"), "start"),
    **dict.fromkeys(("help", "info"), "help"),
}


def carrier_keyword(text: str) -> Keyword | None:
    """The keyword a whole message is, if it is one (case and punctuation ignored)."""
    return _KEYWORDS.get(fold(text).strip(" .!?"))


def keyword_named(name: str) -> Keyword | None:
    """The keyword a carrier has already recognised, by the name it gives (Twilio's OptOutType:
    STOP, START or HELP, sent when a Messaging Service's Advanced Opt-Out matched its own
    words, e.g. an agency's Spanish ones)."""
    return _NAMED.get(name.strip().lower())


_NAMED: dict[str, Keyword] = {"stop": "stop", "start": "start", "help": "help"}
