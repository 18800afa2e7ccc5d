"""The conversation layer's own rules, apart from any channel: what a reply's text is."""

from __future__ import annotations

import pytest

from feedbot.config import load_settings
from feedbot.conversations import clean_reply_text

SETTINGS = load_settings({})


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b\u200b",  # zero-width spaces, pasted or typed
        "\ufeff",  # a byte-order mark
        "\u200e \u200f\u061c",  # direction marks, with a space between
        "\u2060\u00ad\u200d",  # a word joiner, a soft hyphen, a zero-width joiner
        "\u3164\ufe0f",  # a Hangul filler, a variation selector
        "\U000e0041\U000e007f",  # tag characters (of a subdivision flag, without the flag)
        "\n\u200b\t",
    ],
)
def test_a_reply_that_shows_nothing_is_no_reply(invisible):
    """Two zero-width spaces were accepted as a comment and exported: a cell that looks
    empty, counted as a comment. Spaces alone were already no reply."""
    assert clean_reply_text(invisible, SETTINGS) == ""


@pytest.mark.parametrize(
    "visible",
    [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # one family emoji, joined
        "\u0645\u0645\u062a\u0627\u0632\u200f!",  # a right-to-left mark before the "!"
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
        "\u2764\ufe0f",  # a heart, shown as an emoji
        "\u200bok",
    ],
)
def test_invisible_characters_around_visible_text_are_kept(visible):
    assert clean_reply_text(f"  {visible}\n", SETTINGS) == visible
