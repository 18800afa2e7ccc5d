"""Carrier keywords every texting channel honours: STOP, START and HELP in their usual forms
(Twilio's default opt-out, opt-in and help words for long codes), and the other ways people
ask for no more messages ("Stop please", "opt-out", "ALTO", "停止"), which Twilio does not
recognise."""

from __future__ import annotations

import re
import unicodedata
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


def asks_to_stop(text: str) -> bool:
    """Whether a whole message asks for no more messages: an opt-out word of Twilio's or of
    any of feedbot's languages, alone, repeated or with a few words of politeness or about
    the messages ("Stop texting me please", "STOP STOP", "Alto por favor", "停止发送").

    Punctuation, emoji, invisible characters, case and accents are ignored. A message that
    says anything else ("stop wasting my time", "no quiero parar") is an ordinary reply: an
    answer or a comment is never taken for an opt-out.
    """
    if len(text) > _LONGEST_REQUEST * 4:  # a story, not a request: not worth reading
        return False
    plain = _plain(text)
    if len(plain) > _LONGEST_REQUEST:
        return False
    if _only_request_words(plain):
        return True
    return not plain.isascii() and _only_request_words(_unaccented(plain))


_NAMED: dict[str, Keyword] = {"stop": "stop", "start": "start", "help": "help"}

# Longest request read, in characters once punctuation and emoji are gone.
_LONGEST_REQUEST = 80

# Words that ask to stop, as written in each language. Twilio's END is left out: with a
# "thanks" it ends a comment ("End, thank you"); alone it is Twilio's own STOP anyway.
_STOP_WORDS = (
    *("stop", "stopall", "unsubscribe", "unsub", "cancel", "quit", "revoke", "optout"),
    *("opt out", "opt me out", "remove", "remove me", "take me off", "unsubscribe me"),
    *("do not text", "don't text", "dont text", "do not contact", "don't contact"),
    *("dont contact", "no more texts", "no more text", "no more messages", "no more sms"),
    # Spanish, Portuguese and Tagalog ("para": stop!); "pare" is in _BUDDY_STOP_WORDS
    *("alto", "parar", "para", "detener", "detenga", "basta", "cancelar"),
    *("no más mensajes", "no me envíen", "no me manden", "no me escriban", "quítenme"),
    *("dar de baja", "darme de baja", "sair", "descadastrar"),
    # French
    *("arrêt", "arrête", "arrêter", "arrêtez", "désabonner", "désabonnement"),
    *("désinscrire", "désinscription"),
    # Haitian Creole
    *("sispann", "kanpe", "anile", "dezabòne"),
    # Tagalog
    *("tigil", "itigil", "hinto", "ihinto", "huminto"),
    # Russian
    *("стоп", "хватит", "отписаться", "отписка", "отпишите", "отмена", "прекратить"),
    "прекратите",
    # Chinese, Simplified and Traditional ("TD" is the usual unsubscribe code in China)
    *("停止", "退订", "退訂", "取消", "取消订阅", "取消訂閱", "退出", "td"),
    # Korean
    *("중지", "정지", "그만", "수신거부", "수신 거부", "해지", "취소", "구독 취소"),
    # Vietnamese
    *("dừng", "dừng lại", "ngừng", "ngưng", "hủy", "huỷ", "hủy đăng ký", "huỷ đăng ký"),
    # Arabic
    *("قف", "توقف", "أوقف", "إيقاف", "إلغاء", "إلغاء الاشتراك"),
)
# Spanish and Portuguese "pare" (stop) is Tagalog for "buddy": "Salamat pare" and "Thanks
# pare" thank someone. It asks to stop alone or with courtesies ("Pare, por favor", "PARE
# SMS"), but not beside a word of thanks or Tagalog politeness (_TO_A_BUDDY).
_BUDDY_STOP_WORDS = ("pare",)
# Unaccented, these are other everyday words: "dung" is also "đúng" (right, yes) typed
# plain, and "huy" a given name.
_ONLY_WITH_ACCENTS = frozenset(("dừng", "hủy", "huỷ"))

# Courtesies that, beside "pare", make it a Tagalog "buddy" thanked, not "stop": English thanks
# (Taglish "Thanks pare") and Tagalog politeness. Beside any other opt-out word they are
# courtesies ("Stop po").
_TO_A_BUDDY = (
    *("thanks", "thank you", "thx", "ty"),
    *("po", "na", "pakiusap", "paki", "salamat", "mensahe"),
)

# Words that may come with an opt-out word without changing what it asks: politeness, "me",
# "now", and words for the messages (and _TO_A_BUDDY's). Never a negation ("don't stop" is
# no opt-out).
_COURTESIES = (
    *("please", "pls", "plz", "now", "me", "us", "all"),
    *("from", "off", "your", "the", "this", "list", "mailing list", "number", "again", "anymore"),
    "any more",
    *("text", "texts", "texting", "txt", "txts", "sms", "sending"),
    *("message", "messages", "messaging", "msg", "msgs"),
    # Spanish, Portuguese
    *("por favor", "porfa", "porfavor", "favor", "gracias", "ya", "mensajes", "textos"),
    *("más", "la", "lista", "a", "este", "número"),
    *("obrigado", "obrigada", "agora", "mensagens"),
    # French
    *("s'il vous plaît", "s'il te plaît", "svp", "stp", "merci", "maintenant", "moi"),
    *("de", "des", "les", "m'envoyer", "envoyer"),
    # Haitian Creole
    *("tanpri", "souple", "silvouple", "mesi", "mesaj", "mwen"),
    # Russian
    *("пожалуйста", "спасибо", "мне", "меня", "сообщения", "смс", "от", "рассылки"),
    "рассылку",
    # Chinese
    *("请", "請", "谢谢", "謝謝", "短信", "簡訊", "信息", "訊息", "消息", "发送", "發送", "吧"),
    # Korean
    *("주세요", "해주세요", "해", "해요", "하세요", "요", "제발", "문자", "메시지", "보내"),
    *("보내세요", "보내요"),
    *("감사합니다", "고맙습니다"),
    # Vietnamese
    *("làm ơn", "vui lòng", "cảm ơn", "cám ơn", "tin nhắn", "đi", "ngay"),
    # Arabic
    *("من فضلك", "لو سمحت", "رجاء", "شكرا", "الرسائل", "رسائل", "الآن"),
)

# Dropped from a message: invisible format characters (zero-width space, BOM, direction
# marks), controls, and combining marks left alone (Arabic vowel marks, emoji variations).
_INVISIBLE = frozenset(("Cc", "Cf", "Co", "Cn", "Cs", "Mn", "Me"))


def _plain(text: str) -> str:
    """Casefolded, with compatibility forms unified (ＳＴＯＰ is stop), invisible characters
    gone and punctuation, symbols and emoji taken for spaces; accents kept."""
    kept = []
    for char in unicodedata.normalize("NFKC", text.casefold()):
        category = unicodedata.category(char)
        if category in _INVISIBLE:
            continue
        kept.append(" " if category[0] in "PSZ" else char)
    return " ".join("".join(kept).split())


def _unaccented(plain: str) -> str:
    decomposed = unicodedata.normalize("NFKD", plain.replace("đ", "d"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare)  # Korean syllables put back together


def _only_request_words(plain: str) -> bool:
    """Whether `plain` is opt-out words and courtesies only, one opt-out word at least ("pare"
    alone of them only with no word of _TO_A_BUDDY).

    Read one word at a time, each the longest that fits, so a message costs time in
    proportion to its length (a pattern that backtracked over every way to split "요해요해…"
    took seconds)."""
    position, seen = 0, set()
    while position < len(plain):
        word = _WORD.match(plain, position)
        if word is None:
            return False
        seen.add(word.lastgroup)
        position = word.end()
    return "stop" in seen or ("buddy_stop" in seen and "to_a_buddy" not in seen)


def _alternatives(words: tuple[str, ...], keep_accents: frozenset[str]) -> str:
    """One pattern matching any of `words`, as written and unaccented, the longest first."""
    forms = set()
    for word in words:
        plain = _plain(word)
        forms.add(plain)
        if word not in keep_accents:
            forms.add(_unaccented(plain))
    return "|".join(_piece(form) for form in sorted(forms, key=len, reverse=True))


def _piece(form: str) -> str:
    # A word of a script written with spaces must end where the word ends ("stop" is not the
    # start of "stopped"); Chinese and Korean join words without spaces ("请停止", "중지해").
    joins = unicodedata.name(form[-1], "").startswith(("CJK", "HANGUL"))
    return re.escape(form) + ("" if joins else r"(?!\w)")


# No opt-out word begins a courtesy, so trying the opt-out words first loses no reading; a
# word ends where a word does, so trying _TO_A_BUDDY's courtesies before the others loses
# none either ("po" is not the start of "por favor").
_WORD = re.compile(
    rf"(?:(?P<stop>{_alternatives(_STOP_WORDS, _ONLY_WITH_ACCENTS)})"
    rf"|(?P<buddy_stop>{_alternatives(_BUDDY_STOP_WORDS, frozenset())})"
    rf"|(?P<to_a_buddy>{_alternatives(_TO_A_BUDDY, frozenset())})"
    rf"|(?P<courtesy>{_alternatives(_COURTESIES, frozenset())})) ?"
)
