"""The languages feedbot can speak, with the names and keywords people use to choose them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """A language a survey can run in.

    `code` names the catalog in translations/; `native_name` is how speakers of the
    language write its name; `keywords` are the short replies that choose it by text.
    """

    code: str
    english_name: str
    native_name: str
    keywords: tuple[str, ...]
    rtl: bool = False
    # SMS may drop accents GSM-7 lacks: readable unaccented, and half the segments.
    sms_folds_accents: bool = False

    @property
    def sms_keyword(self) -> str:
        return self.keywords[0]


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language(
            "en",
            "English",
            "English",
            ("EN", "ENGLISH", "INGLES", "INGLÉS"),
            sms_folds_accents=True,
        ),
        Language(
            "es",
            "Spanish",
            "Español",
            ("ES", "ESPAÑOL", "ESPANOL", "SPANISH"),
            sms_folds_accents=True,
        ),
        Language("zh_Hans", "Chinese (Simplified)", "简体中文", ("ZH", "中文", "简体", "简体中文")),
        Language("zh_Hant", "Chinese (Traditional)", "繁體中文", ("ZHT", "繁體", "繁體中文")),
        Language("vi", "Vietnamese", "Tiếng Việt", ("VI", "TIẾNG VIỆT", "TIENG VIET")),
        Language("ko", "Korean", "한국어", ("KO", "한국어", "KOREAN")),
        Language("tl", "Tagalog", "Tagalog", ("TL", "TAGALOG", "FILIPINO"), sms_folds_accents=True),
        Language("ru", "Russian", "Русский", ("RU", "РУССКИЙ", "RUSSIAN")),
        Language("ar", "Arabic", "العربية", ("AR", "العربية", "عربي", "ARABIC"), rtl=True),
        Language(
            "ht",
            "Haitian Creole",
            "Kreyòl ayisyen",
            ("HT", "KREYOL", "KREYÒL"),
            sms_folds_accents=True,
        ),
        Language(
            "fr",
            "French",
            "Français",
            ("FR", "FRANÇAIS", "FRANCAIS", "FRENCH"),
            sms_folds_accents=True,
        ),
        Language(
            "pt",
            "Portuguese",
            "Português",
            ("PT", "PORTUGUÊS", "PORTUGUES"),
            sms_folds_accents=True,
        ),
    )
}


# Words that negate what follows them, folded as `fold` folds a reply, in every language offered:
# "I don't agree" must not be read as Agree. English "n't" splits off as "t".
NEGATIONS = frozenset(
    {
        *("not", "no", "never", "t", "dont", "didnt", "doesnt", "isnt", "wasnt", "cant"),
        *("cannot", "wont", "hardly", "nunca", "tampoco", "ni", "nao", "nem", "ne", "n"),
        *("pas", "jamais", "pa", "hindi", "khong", "chang", "не", "нет", "ни"),
        *("لا", "لم", "لن", "لست", "غير", "ما", "안", "못", "않", "不", "没", "沒"),
    }
)


def language_for_keyword(text: str, offered: tuple[str, ...]) -> Language | None:
    """The offered language whose name or keyword `text` is, if any."""
    wanted = fold(text)
    for code in offered:
        lang = LANGUAGES[code]
        names = (*lang.keywords, lang.native_name, lang.english_name)
        if wanted in {fold(name) for name in names}:
            return lang
    return None


def fold(text: str) -> str:
    """Case-, accent- and space-insensitive form of a reply, for matching keywords."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.replace(".", " ").replace("!", " ").split())
