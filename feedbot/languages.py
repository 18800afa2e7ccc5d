"""The languages feedbot can speak, with the names and keywords people use to choose them."""

from __future__ import annotations

import functools
import re
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
        Language(
            "zh_Hans",
            "Chinese (Simplified)",
            "简体中文",
            ("ZH", "中文", "简体", "简体中文", "CHINESE", "SIMPLIFIED CHINESE", "MANDARIN"),
        ),
        Language(
            "zh_Hant",
            "Chinese (Traditional)",
            "繁體中文",
            ("ZHT", "繁體", "繁體中文", "TRADITIONAL CHINESE"),
        ),
        Language("vi", "Vietnamese", "Tiếng Việt", ("VI", "TIẾNG VIỆT", "TIENG VIET")),
        Language("ko", "Korean", "한국어", ("KO", "한국어", "KOREAN")),
        Language("tl", "Tagalog", "Tagalog", ("TL", "TAGALOG", "FILIPINO"), sms_folds_accents=True),
        Language("ru", "Russian", "Русский", ("RU", "РУССКИЙ", "RUSSIAN")),
        Language("ar", "Arabic", "العربية", ("AR", "العربية", "عربي", "ARABIC"), rtl=True),
        Language(
            "ht",
            "Haitian Creole",
            "Kreyòl ayisyen",
            ("HT", "KREYOL", "KREYÒL", "CREOLE"),
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


def language_for_keyword(
    text: str, offered: tuple[str, ...], speaking: str | None = None
) -> Language | None:
    """The offered language whose name or keyword `text` is, if any (punctuation ignored:
    "Español." and "中文。" as a speech recogniser writes them). Not a keyword that says no in
    `speaking`, the conversation's language, when given: Vietnamese texters' "ko" (không) is
    Korean's keyword, and a first answer of "ko" switched a Vietnamese survey to Korean."""
    wanted = fold_words(text)
    if speaking is not None and wanted in negations_in(speaking):
        return None
    for code in offered:
        if wanted in _names(LANGUAGES[code]):
            return LANGUAGES[code]
    return None


def language_said(text: str, offered: tuple[str, ...]) -> Language | None:
    """The offered language a spoken phrase names ("Spanish, please", "en español", "我要中文"),
    if it names one: the longest name said wins ("traditional Chinese" over "Chinese"). The
    two-letter codes are for texting and are not looked for inside a phrase."""
    whole = language_for_keyword(text, offered)
    if whole is not None:
        return whole
    said = f" {fold_words(text)} "
    best: tuple[int, Language] | None = None
    tie = False
    for code in offered:
        for name in _names(LANGUAGES[code]):
            if len(name) <= 3 and name.isascii():
                continue
            # Chinese and Korean write a name inside a phrase with no space around it.
            if (name in said) if _written_unspaced(name) else (f" {name} " in said):
                if best is None or len(name) > best[0]:
                    best, tie = (len(name), LANGUAGES[code]), False
                elif len(name) == best[0] and best[1].code != code:
                    tie = True
    return None if best is None or tie else best[1]


def fold(text: str) -> str:
    """Case-, accent- and space-insensitive form of a reply, for matching keywords. Emoji skin
    tones and variation selectors go too: 👍🏽 and 👍️ are 👍."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(
        ch for ch in decomposed if not unicodedata.combining(ch) and ch not in _EMOJI_VARIANTS
    )
    return " ".join(bare.replace(".", " ").replace("!", " ").split())


def fold_words(text: str) -> str:
    """A reply folded with its punctuation taken for spaces: "¿Español?" is "espanol". A mark
    written on a letter, which `fold` drops, is no punctuation: Arabic "تخطّي" (a shadda on
    its ط) is one word, "تخطي"."""
    kept = (ch if ch.isalnum() or ch.isspace() or unicodedata.combining(ch) else " " for ch in text)
    return fold("".join(kept))


_EMOJI_VARIANTS = frozenset("\ufe0e\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")

# Chinese negations of two characters, read as one word where each other character is one:
# "并非不同意" (it is not that I disagree) is a double negation, not Disagree.
CHINESE_NOT = ("并非", "並非", "绝非", "絕非")

# Words that negate what follows them, in every language offered: "I don't agree" must not be
# read as Agree. English "n't" splits off as "t". Folded by `fold`, as replies are: a Hangul
# syllable folds into its letters, so "안" as written never matched a reply. The negative
# adverbs are here too, as they negate with no "no" beside them: "nada de acuerdo", "de jeito
# nenhum concordo", "nullement d'accord", "отнюдь", "chả đồng ý", "无法同意", "مش موافق".
# Left out, as they also begin a positive: Spanish "sin" and French "sans" ("sin duda de
# acuerdo"), French "aucun" ("sans aucun doute"), Russian "совсем" ("совсем согласен"),
# Chinese "非" (非常, very): it negates only as half of a word of two characters (CHINESE_NOT).
NEGATIONS = frozenset(
    fold(word)
    for word in (
        *("not", "no", "never", "t", "dont", "didnt", "doesnt", "isnt", "wasnt", "cant"),
        *("cannot", "wont", "wouldnt", "couldnt", "shouldnt", "arent", "werent", "havent"),
        *("hasnt", "hadnt", "aint", "hardly", "nunca", "jamás", "tampoco", "ni", "nada"),
        *("ningún", "ninguno", "ninguna", "nao", "nem", "nenhum", "nenhuma", "ne", "n"),
        *("pas", "jamais", "nullement", "aucunement", "guère", "pa", "hindi", "khong"),
        *("chang", "chả", "chưa", "не", "нет", "ни", "нисколько", "ничуть", "отнюдь"),
        *("никак", "никогда", "لا", "لم", "لن", "لست", "ليس", "ليست", "غير", "ما", "مش"),
        *("مو", "أبدا", "안", "못", "않", "전혀", "별로", "不", "没", "沒", "无", "無", "未"),
        # Gulf and Maghrebi Arabic: "ماني موافق", "مب موافق" (I don't agree); texted English.
        *("ماني", "مانيش", "مب", "موب", "dnt"),
        *CHINESE_NOT,
    )
)
# Chinese "也", "亦" or "又" (also) before a negation says "nor": "不同意也不反对" and "既不同意，
# 也不反对" are neither agree nor oppose, and a label said before one is only half the answer.
CHINESE_NOR = frozenset(also + no for also in "也亦又" for no in "不没沒无無未")
# Tagalog "hindi rin" or "hindi din" (not … either) after a label says "nor" as "也不" does:
# "Hindi sang-ayon o hindi rin tutol" and "Hindi sang-ayon, hindi rin tutol" (disagree, nor
# oppose) are neither, not Disagree; so is Vietnamese "cũng không" (nor): "Không đồng ý mà
# cũng không phản đối". Folded, as words of their own.
WORD_NOR = frozenset(
    fold(words) for words in ("hindi rin", "hindi din", "di rin", "di din", "cũng không")
)
# What a "nor" that ends a neither goes on to rate ("也不反对", "hindi rin tutol", "cũng không
# phản đối"): a "nor" of anything else is no half of one ("非常同意，也不用等": nor did I wait;
# "Sang-ayon, hindi rin ako naghintay"; "Đồng ý, nhân viên cũng không tệ": nor were they bad).
# As written: the engine folds them as it folds labels.
NOR_RATED = (
    *("反对", "反對", "同意", "赞成", "贊成", "支持"),
    *("tutol", "sang-ayon", "salungat", "kontra", "pabor"),
    *("phản đối", "đồng ý", "tán thành", "tán đồng"),
)
# A word that negates in one language and is an everyday word in another: Tagalog "di" (short
# for "hindi": "Di ako sang-ayon") is Haitian "di" (say: "M ta di dakò"), and "wala" (there is
# none: "wala nang iba pa", nothing else) no word elsewhere to risk; Vietnamese texters' "k",
# "ko", "hok", "hong", "kg" (không) are English letters, Tagalog "ko" (my) and Portuguese "k".
# Each negates only in a conversation held in its language.
_NEGATIONS_OF_ONE_LANGUAGE = {
    "tl": ("di", "wala"),
    "vi": ("k", "ko", "hok", "hong", "kg", "khg", "kh", "hk"),
}
_NEGATIONS_BY_LANGUAGE = {
    code: NEGATIONS | {fold(word) for word in words}
    for code, words in _NEGATIONS_OF_ONE_LANGUAGE.items()
}


def negations_in(language: str | None) -> frozenset[str]:
    """The words that negate what follows them in a conversation held in `language`."""
    return _NEGATIONS_BY_LANGUAGE.get(language or "", NEGATIONS)


# Tagalog "di" before "ako" or "ko" (I) negates in any conversation: a Filipino texting an
# English survey writes "Di ako agree", "Di ko agree". Haitian "di" (say) never comes before
# either. Folded.
_TAGALOG_DI = re.compile(r"(?<!\S)di(?= (?:ako|ko)(?!\S))")


def spelled_out_negations(folded: str) -> str:
    """A folded reply with a Tagalog "di" that negates in any conversation ("Di ako agree")
    written as the "hindi" it is short for, and an English contraction as the words a label
    says: "I wasn't treated with respect" (folded "i wasn t …") is the label "I was not
    treated with respect". Not "wasnt" typed without its apostrophe: French "dont" is no
    "do not"."""
    return _ENGLISH_NOT.sub(r"\1 not", _TAGALOG_DI.sub("hindi", folded))


_ENGLISH_NOT = re.compile(r"\b(was|were|is|are|did|do|does|has|have|had|could|would|should)n t\b")


# Korean negates after what it negates: "동의 안 해요", "동의 못 해요" (do not agree).
NEGATIONS_AFTER = frozenset(fold(word) for word in ("안", "못", "않", "아니", "아니요", "아닙니다"))
# Negations that never stand before a noun as English "no" does ("no problems"): after a
# driver, with more words after them, they still deny it ("другое не важно", "outra coisa
# não importa"). Folded.
PREDICATE_NEGATIONS = frozenset(fold(word) for word in ("не", "não"))
# Korean that says there is none after what it names: "기타 없음" (nothing else). Folded.
NONE_AFTER = frozenset(
    fold(word) for word in ("없음", "없어요", "없습니다", "없다", "없어", "없고")
)
# Korean that makes a label a bound, not the answer, after it: "보통 이상이에요" (above so-so),
# "보통 이하였어요" (below). A word that begins with one of these. Folded.
BOUNDS_AFTER = tuple(fold(word) for word in ("이상", "이하", "미만", "초과"))

# A clause that only says no, besides a negation with fillers ("No.", "Not really", "Нет"):
# "Nope", "Non", "Not at all", "不是", "没有". Said right after a choice ("Staff were helpful?
# Nope"), it takes the choice back. Folded.
NO_WORDS = frozenset(
    fold(word)
    for word in (
        *("nope", "nah", "non", "no way", "not at all", "de ninguna manera", "de jeito nenhum"),
        *("pas du tout", "pa ditou", "hindi po", "không phải", "не совсем", "كلا", "아뇨"),
        *("아니오", "不是", "没有", "沒有", "并没有", "並沒有", "para nada", "en absoluto"),
    )
)

# Keywords that are everyday words inside a phrase, read only as a clause of their own, fillers
# aside ("Up!", "Neither.", "I'd say neither", "Oui.", "Да"): "They hung up on me", "Fed up with
# waiting", "Down to earth staff" and "Neither fast nor friendly" say no thumb and no neutral,
# nor do a yes or no inside a sentence ("I got a new sim", "non profit office", "Да нет",
# well, no; Vietnamese "có", have: "có vấn đề", there were problems). Folded.
CLAUSE_ONLY_KEYWORDS = frozenset(
    fold(word)
    for word in (
        *("up", "down", "neither", "yeah", "yea", "yep", "nope", "nah", "oui", "non", "sim"),
        *("да", "wi", "oo", "opo", "có", "نعم", "아니요", "아니오", "아뇨"),
    )
)
# Keywords that are other words where a clause goes on after them, read only as its last word
# ("Sí.", "claro que sí", "그냥 보통"): Spanish, French and Haitian "si" (if) and Tagalog "si"
# (the article before a name) open "si me hubieran llamado…" and "Si Ate sa counter, sobrang
# sungit", which say no yes; Korean "보통" is also "usually" ("보통 때보다 빨랐어요", faster than
# usual). Folded.
CLAUSE_END_KEYWORDS = frozenset(fold(word) for word in ("si", "sí", "보통"))
# Keywords that are adjectives of something else in a clause that goes on ("The staff stayed
# neutral and professional", "neutral ground"), read only where they open their clause, fillers
# aside, and what follows, if anything, is a filler or says what of ("im neutral on this one",
# "Neutral, i guess"). Folded.
CLAUSE_OPENING_KEYWORDS = frozenset(fold(word) for word in ("neutral",))
AFTER_OPENING_KEYWORD = frozenset(
    fold(word) for word in ("on", "about", "overall", "here", "there", "honestly", "tbh")
)

# Words that make an agree or disagree the strong one ("strongly agree", "totalmente de
# acuerdo"; see the keywords in flows/a11.yaml). One misspelt ("stongly agree") is asked
# again: read as the plain label, it would be stored one point low. Folded; short words
# ("muy", "rất", "lubos") are left out, as a letter off makes another word of them.
INTENSIFIERS = frozenset(
    fold(word)
    for word in (
        *("strongly", "totally", "completely", "absolutely", "entirely", "totalmente"),
        *("completamente", "plenamente", "totalement", "entièrement", "complètement"),
        *("полностью", "совершенно", "абсолютно", "категорически"),
    )
)

# Words of degree that make a plain agree or disagree beside them the strong one, before it
# or ending its clause after it: "highly agree", "super de acuerdo", "très d'accord",
# "очень согласен", "超同意", "concordo muito", "mwen dakò anpil", "đồng ý hoàn toàn". Read
# as the plain label, the answer was stored one point low. English ones count in every
# conversation ("super agree po"), each other language's in a conversation held in it:
# French "très" is Spanish "tres" (three), Portuguese "demais" is Spanish "too much".
# Left out: "really", "definitely" (sure, not strong: Agree or Strongly agree alike), "so"
# ("they helped me so agree"), "quite", "bastante", 挺, 蛮 (only somewhat). Folded.
_INTENSIFIERS_OF_ONE_LANGUAGE = {
    "en": (
        *("strongly", "totally", "completely", "absolutely", "entirely", "fully", "highly"),
        *("super", "extremely", "very", "very much", "so much", "wholeheartedly"),
    ),
    "es": (
        *("muy", "súper", "absolutamente", "sumamente", "fuertemente", "completamente"),
        *("totalmente", "plenamente", "enteramente", "extremadamente"),
    ),
    "pt": (
        *("muito", "demais", "super", "totalmente", "completamente", "plenamente"),
        *("absolutamente", "inteiramente", "extremamente"),
    ),
    "fr": (
        *("très", "carrément", "trop", "super", "tout à fait", "totalement", "complètement"),
        *("entièrement", "absolument", "extrêmement"),
    ),
    "ht": ("anpil", "nèt", "totalman", "konplètman", "vrèman anpil"),
    "tl": ("sobrang", "sobra", "lubos na", "napaka"),
    "vi": ("rất", "lắm", "hoàn toàn", "cực kỳ", "cực kì", "hết sức", "vô cùng"),
    "ru": ("очень", "полностью", "совершенно", "абсолютно", "крайне", "целиком"),
    "ar": ("جدا", "جداً", "مره", "مرة", "تماما", "بشدة", "بشده", "للغاية", "كثيرا", "كثير"),
    "ko": ("아주", "너무", "매우", "엄청", "무척", "굉장히", "완전", "전적으로", "적극"),
    "zh_Hans": ("超", "超级", "太", "非常", "很", "极", "极其", "十分", "特别", "完全", "强烈"),
    "zh_Hant": ("超", "超級", "太", "非常", "很", "極", "極其", "十分", "特別", "完全", "強烈"),
}
_INTENSIFIERS_BY_LANGUAGE = {
    code: frozenset(fold(word) for word in (*_INTENSIFIERS_OF_ONE_LANGUAGE["en"], *words))
    for code, words in _INTENSIFIERS_OF_ONE_LANGUAGE.items()
}


def intensifiers_in(language: str | None) -> frozenset[str]:
    """The words of degree that make a plain agree or disagree the strong one in a
    conversation held in `language` (English ones in any)."""
    return _INTENSIFIERS_BY_LANGUAGE.get(language or "en", _INTENSIFIERS_BY_LANGUAGE["en"])


# Korean answers end a predicate as people say it ("동의합니다", "동의해요", "동의하지 않습니다"),
# where the scale's labels end it as a list does ("동의함", "동의하지 않음"): both are read
# without the ending, as is a noun's copula ("보통이에요", "보통입니다": it is so-so). Only after
# a syllable of the same word, and only at its end.
_KOREAN_PREDICATE_ENDING = re.compile(
    r"(?<=[\uac00-\ud7a3])(?:합니다|해요|한다|하다|함|입니다|이에요|예요|이야)(?![\uac00-\ud7a3])"
    r"|(?<=않)(?:습니다|아요|는다|다|음)(?![\uac00-\ud7a3])"
)


# A space people put before a negated "하지" ("동의 하지 않습니다"): the label has none
# ("동의하지 않음"), and read apart "동의" was Agree, the opposite.
_KOREAN_SPACED_NEGATION = re.compile(r"(?<=[\uac00-\ud7a3])\s+(?=하지\s*(?:않|못))")


def plain_predicates(text: str) -> str:
    """`text` with its Korean predicates' endings taken off ("동의합니다" → "동의") and a
    negated "하지" joined to its verb ("동의 하지 않아요" → "동의하지 않"); any other text as
    it is."""
    joined = _KOREAN_SPACED_NEGATION.sub("", unicodedata.normalize("NFC", text))
    return _KOREAN_PREDICATE_ENDING.sub("", joined)


def label_gender(folded: str) -> str:
    """A folded reply (or label) with the words a woman says of herself in the form the
    labels have: "согласна" as the label's "согласен", "tratada" as "tratado"."""
    return " ".join(_LABEL_GENDER.get(word, word) for word in folded.split(" "))


# The labels speak of the person in the masculine, which a woman does not: "Согласна",
# "Я получила то, что мне было нужно", "Fui tratada com respeito", "J'ai été traitée avec
# respect" were asked again; so is Arabic "موافقة", a keyword's feminine (flows/a11.yaml).
# Spanish and the other languages' labels have no gender to say.
_LABEL_GENDER = {
    fold(feminine): fold(masculine)
    for feminine, masculine in (
        ("согласна", "согласен"),
        ("получила", "получил"),
        ("понимала", "понимал"),
        ("поняла", "понял"),
        ("tratada", "tratado"),
        ("traitée", "traité"),
        ("موافقة", "موافق"),
    )
}


@dataclass(frozen=True)
class NumberWord:
    """A number said as a word. `alone`: the word is also an article or another everyday word
    ("una experiencia", "one of the best", "năm nay" this year, "이 서비스" this service), so it
    is a number only when it is the whole reply ("Uno.", "One star")."""

    value: int
    alone: bool


def number_word(
    word: str, offered: tuple[str, ...], speaking: str | None = None
) -> NumberWord | None:
    """The number `word` names, 0 to 10, in English or an offered language ("five", "cinco",
    "пять", "năm", "五"), if it names one; a counter after it is allowed ("오번", "五星").

    A word that is a number only alone is one only in `speaking`, the conversation's language
    (or the one its calls are heard in), when that is given: "Um." is one to a Portuguese
    caller but the hesitation a recogniser writes for an English one, and "Set." is seven
    only in Haitian Creole."""
    # No number word is long or letterless: a long reply's tokens ("☆", "ab") cost nothing.
    if len(word) > _LONGEST_NUMBER_WORD or not any(map(str.isalnum, word)):
        return None
    return _named_number(word, tuple(offered), speaking)


# Words that may stand with a number and change nothing: "Four stars", "number 5", "5 점".
RATING_WORDS = frozenset(
    fold(word)
    for word in (
        *("star", "stars", "point", "points", "number", "option", "estrella", "estrellas"),
        *("punto", "puntos", "número", "étoile", "étoiles", "numéro", "estrela", "estrelas"),
        *("ponto", "pontos", "zetwal", "pwen", "nimewo", "bituin", "sao", "điểm", "số"),
        *("звезда", "звезды", "звёзд", "балл", "балла", "баллов", "номер", "نجمة", "نجوم"),
        *("نجمات", "رقم", "درجة", "درجات", "점", "번", "개", "分", "星", "号", "號"),
    )
)

# Words that put a number below zero ("negative 5", "minus 5", "menos 5"): no rating, though
# the number is one. Folded.
MINUS_WORDS = frozenset(
    fold(word)
    for word in (
        *("negative", "minus", "menos", "negativo", "moins", "négatif", "negatif", "minis"),
        *("âm", "минус", "마이너스", "سالب", "ناقص"),
    )
)

# Words that say a number before them counts or measures something, not rates: "Only took 1
# hour", "I called 3 times", "My 2 kids", "Два часа", "Deux heures", "tardaron 3 horas". Folded.
COUNTED_WORDS = frozenset(
    fold(word)
    for word in (
        *("hour", "hours", "hr", "hrs", "h", "minute", "minutes", "min", "mins", "second"),
        *("seconds", "sec", "secs", "day", "days", "week", "weeks", "month", "months", "year"),
        *("years", "yr", "yrs", "time", "times", "call", "calls", "try", "tries", "attempt"),
        *("attempts", "visit", "visits", "trip", "trips", "people", "person", "persons"),
        *("kid", "kids", "child", "children", "dollar", "dollars", "buck", "bucks", "mile"),
        *("miles", "block", "blocks", "am", "pm", "clock", "oclock", "percent", "x"),
        *("street", "st", "avenue", "ave", "road", "rd", "floor", "floors", "page", "pages"),
        *("form", "forms", "document", "documents", "line", "lines", "window", "windows"),
        *("customer", "customers", "client", "clients", "appt", "appts", "appointment"),
        *("appointments", "ppl"),
        # Spanish, Portuguese
        *("hora", "horas", "minuto", "minutos", "segundo", "segundos", "día", "días", "dia"),
        *("dias", "semana", "semanas", "mes", "meses", "mês", "año", "años", "ano", "anos"),
        *("vez", "veces", "vezes", "llamada", "llamadas", "ligação", "ligações", "persona"),
        *("cita", "citas"),
        *("personas", "pessoa", "pessoas", "niño", "niños", "hijo", "hijos", "filho", "filhos"),
        *("dólar", "dólares", "cuadra", "cuadras", "calle", "rua", "piso", "andar"),
        # French, Haitian Creole
        *("heure", "heures", "seconde", "secondes", "jour", "jours", "mois", "ans", "année"),
        *("années", "fois", "appel", "appels", "personne", "personnes", "enfant", "enfants"),
        *("rue", "étage", "èdtan", "minit", "jou", "semèn", "mwa", "ane", "fwa", "moun"),
        *("timoun", "dola"),
        # Tagalog
        *("oras", "araw", "linggo", "buwan", "taon", "beses", "tawag", "tao", "anak"),
        *("dolyar", "kalye"),
        # Vietnamese ("năm" after a number is years)
        *("giờ", "tiếng", "phút", "giây", "ngày", "tuần", "tháng", "năm", "lần", "người"),
        *("đô", "đường", "tầng"),
        # Russian, with the endings of an ordinal written after a hyphen ("5-й", "3-го")
        *("час", "часа", "часов", "минута", "минуты", "минут", "минуту", "секунд", "день"),
        *("дня", "дней", "неделя", "недели", "недель", "неделю", "месяц", "месяца"),
        *("месяцев", "год", "года", "лет", "раз", "раза", "человек", "человека", "детей"),
        *("ребёнка", "доллар", "доллара", "долларов", "улица", "улице", "этаж", "этаже"),
        *("го", "ой", "ый", "ий", "ая", "ое", "ом"),
        # Arabic
        *("ساعة", "ساعه", "ساعات", "دقيقة", "دقيقه", "دقائق", "ثانية", "ثواني", "يوم"),
        *("أيام", "ايام", "أسبوع", "اسبوع", "أسابيع", "شهر", "أشهر", "شهور", "سنة", "سنوات"),
        *("مرة", "مره", "مرات", "أشخاص", "اشخاص", "أطفال", "اطفال", "دولار", "شارع"),
    )
)
# What written onto a number's digits says it counts, orders or measures something: "5th",
# "1er", "2º", "3rd", "5pm", "3x", "2hrs" (and the words above, "5hours"). Folded; the whole
# rest of the word, so that "5excellent" is still 5.
COUNTED_ENDINGS = frozenset(
    fold(ending)
    for ending in (
        *("st", "nd", "rd", "th", "er", "re", "e", "eme", "ème", "ieme", "º", "ª", "o", "a"),
        *("h", "hr", "hrs", "min", "mins", "am", "pm", "x", "k"),
        "p",  # Vietnamese texters' phút (minutes): "chờ 3p"
    )
)
# Korean and Chinese units and counters, written onto the number or apart, and with more
# after them ("3시간이나", "2个小时左右", "5분", "3번째", "3次"). Folded; a word that begins with
# one of these.
COUNTED_UNITS = tuple(
    fold(unit)
    for unit in (
        *("시간", "분", "초", "일", "주", "개월", "달", "년", "번째", "회", "명", "원", "층"),
        *("월", "趟", "通"),
        *("살", "小时", "小時", "个", "個", "分钟", "分鐘", "秒", "天", "周", "週", "星期"),
        *("月", "年", "次", "位", "人", "块", "塊", "元", "美元", "点", "點", "楼", "樓", "层"),
        *("層", "岁", "歲"),
    )
)
# Months and words of time, before or after a number, make it a date or a time of day, not a
# rating: "March 3", "jan 5", "5 de mayo", "3 mars", "3 марта", "a las 3". Folded.
DATE_WORDS = frozenset(
    fold(word)
    for word in (
        *("january", "jan", "february", "feb", "march", "mar", "april", "apr", "may"),
        *("june", "jun", "july", "jul", "august", "aug", "september", "sept", "sep"),
        *("october", "oct", "november", "nov", "december", "dec", "enero", "febrero"),
        *("marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre"),
        *("noviembre", "diciembre", "janeiro", "fevereiro", "março", "maio", "junho"),
        *("julho", "setembro", "outubro", "novembro", "dezembro", "janvier", "février"),
        *("mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre"),
        *("novembre", "décembre", "janvye", "fevriye", "mas", "me", "jen", "jiyè"),
        *("out", "septanm", "oktòb", "novanm", "desanm", "pebrero", "marso", "hunyo"),
        *("hulyo", "setyembre", "oktubre"),
        *("nobyembre", "disyembre", "января", "февраля", "марта", "апреля", "мая"),
        *("июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"),
        *("las", "يناير", "فبراير", "مارس", "أبريل", "ابريل", "مايو", "يونيو", "يوليو"),
        *("أغسطس", "اغسطس", "سبتمبر", "أكتوبر", "اكتوبر", "نوفمبر", "ديسمبر"),
    )
)

# Words before a number that make it a place or an order, not a rating: "room 5", "window 3",
# "第5" (the fifth), "ika-5". Folded.
PLACE_WORDS = frozenset(
    fold(word)
    for word in (
        *("room", "suite", "apt", "apartment", "unit", "building", "floor", "window"),
        *("counter", "desk", "gate", "bus", "route", "highway", "interstate", "ticket"),
        *("sala", "ventanilla", "oficina", "guichet", "bureau", "salle", "кабинет", "окно"),
        *("этаж", "ika", "thứ", "第", "제", "شباك", "الشباك", "نافذة", "النافذة", "غرفة"),
        *("الغرفة", "مكتب", "المكتب", "كاونتر", "الكاونتر"),
    )
)
# Rating words that name a number ("number 5"), which after a place or a counted noun name
# one of those instead: "visit number 3", "window number 2", "الشباك رقم ٢". Folded.
NUMBER_NOUNS = frozenset(
    fold(word) for word in ("number", "número", "numéro", "numero", "nimewo", "номер", "رقم", "số")
)
# Rating counters written onto a number ("5번", "5号") that also count, place or date
# something, as what comes after them says. Folded.
AMBIGUOUS_COUNTERS = tuple(fold(counter) for counter in ("번", "号", "號"))
# Korean after "번" that make it times or a numbered place, not a rating: "3번 전화했는데"
# (called three times), "3번이나" (as many as three times), "3번 창구" (window 3). Folded; a
# word that begins with one of these. (Chinese says what 号 numbers in any word after it:
# "3号窗口", "我5号去的", went on the 5th.)
AFTER_KOREAN_COUNTER = tuple(
    fold(word)
    for word in (
        *("창구", "전화", "통화", "연락", "문의", "방문", "방", "출구", "버스", "게이트"),
        *("데스크", "카운터", "갔", "왔", "가서", "와서", "찾아", "기다", "물어", "시도"),
        *("이나", "씩", "정도"),
    )
)
# Chinese particles that may follow a rating counter: "5号吧", "5号啊". Folded.
CHINESE_PARTICLES = tuple(fold(word) for word in "吧啊呀吗嗎呢了哦喔嘛")

# Words that join numbers in a list ("1 and 3", "1 y 3", "1 и 3", "1 và 3", "一和三").
AND_WORDS = frozenset(
    fold(word)
    for word in (
        *("and", "y", "e", "et", "ak", "epi", "at", "và", "и", "و", "그리고"),
        *("和", "与", "與"),
    )
)
# Words that make a range of two numbers ("1 to 3", "1 a 3", "1 до 3", "1 đến 3"). "a" is
# Spanish, French and Portuguese "to", and no English list of numbers has an article in it.
RANGE_WORDS = frozenset(
    fold(word)
    for word in (
        *("-", "–", "—", "~", "〜", "to", "through", "thru", "a", "à", "al", "até", "jiska"),
        *("hanggang", "đến", "до", "по", "إلى", "至", "到"),
    )
)
# Words between a rating and the top of its scale: "4 out of 5", "4 de 5", "4 sur 5", "4/5".
OUT_OF_WORDS = ("out of", "of", "de", "sur", "sou", "sa", "из", "trên", "من")

# Words that add a half to the number before them: "4 and a half", "cuatro y medio", "quatre
# et demi", "четыре с половиной", "bốn rưỡi", "4점 반". Folded.
HALF_WORDS = frozenset(
    fold(word)
    for word in (
        *("half", "medio", "media", "meio", "meia", "demi", "demie", "mwatye", "kalahati"),
        *("половиной", "половина", "rưỡi", "نصف", "ونصف", "ونص", "반", "半"),
    )
)
# Words between a number and its half: "and", "a", Russian "с" (with).
HALF_LINKS = frozenset(fold(word) for word in ("and", "a", "y", "e", "et", "ak", "с", "و"))

# Words around a rating that say nothing of it: "I'd say four", "give it a 5", "maybe four",
# "Ставлю четыре". They do not make a reply long, and may stand between a negation and the
# number it negates ("I would not give it 5", "not even a 5"). Folded; none is a number or a
# negation.
FILLER_WORDS = frozenset(
    fold(word)
    for word in (
        *("i", "d", "id", "ll", "im", "s", "say", "would", "give", "it", "its", "a", "maybe"),
        *("probably", "rate", "guess", "even", "really", "quite", "yo", "le", "doy", "daría"),
        *("diría", "quizás", "je", "j", "donne", "dirais", "donnerais", "eu", "dou", "talvez"),
        *("ta", "di", "bay", "siguro", "bigyan", "ko", "tôi", "cho", "chắc", "я", "бы"),
        *("ставлю", "поставлю", "поставил", "поставила", "наверное"),
    )
)

# What a speech recogniser writes for a caller's hesitation ("Um, three."): in a list of
# drivers it picks nothing. Portuguese "um" is also one, and in a Portuguese conversation
# it is read as the number (see `number_word`).
HESITATIONS = frozenset(
    fold(word)
    for word in (
        *("um", "umm", "uh", "uhh", "uhm", "er", "erm", "eh", "ehm", "ah", "ahm", "hm", "hmm"),
        *("mm", "euh", "э", "ээ", "эм", "ну", "음", "어", "嗯", "呃"),
    )
)

# What a caller says instead of pressing star: hear the question again. Asking for help on a
# call gets the same: the question with how to answer it. Folded, punctuation removed.
REPEAT_WORDS = frozenset(
    fold(word)
    for word in (
        *("repeat", "repeat that", "repeat the question", "again", "say that again", "help"),
        *("star", "repetir", "repita", "repite", "otra vez", "ayuda", "asterisco", "répéter"),
        *("répétez", "encore", "aide", "étoile", "de novo", "ajuda", "repete", "ankò", "èd"),
        *("ulitin", "ulit", "tulong", "nhắc lại", "lặp lại", "giúp", "giúp đỡ", "повторить"),
        *("повтори", "повторите", "ещё раз", "помощь", "звёздочка", "كرر", "أعد", "إعادة"),
        *("مساعدة", "다시", "반복", "도움", "별표", "重复", "重複", "再说一遍", "再說一遍"),
        *("帮助", "幫助", "星号", "星號"),
    )
)
# What a caller says to end the survey (on a call STOP opts nothing out: texting's keywords
# are the carrier's, and a call is not a text). Said to an optional question answered in
# words ("Anything else…?"), a goodbye ("Goodbye.", "Thôi.") is a skip: the caller is done.
STOP_WORDS = frozenset(
    fold(word)
    for word in (
        *("stop", "quit", "cancel", "end", "end the survey", "goodbye", "parar", "para", "alto"),
        *("basta", "cancelar", "terminar", "adiós", "arrêter", "arrête", "arrêtez", "annuler"),
        *("terminer", "au revoir", "pare", "chega", "tchau", "kanpe", "sispann", "tigil"),
        *("itigil", "hinto", "tama na", "dừng", "dừng lại", "thôi", "стоп", "хватит"),
        *("остановить", "отмена", "до свидания", "توقف", "إلغاء", "그만", "중지", "멈춰"),
        *("종료", "停止", "停", "结束", "結束", "取消"),
    )
)


# A whole reply that picks none of a question's choices ("None.", "Nothing", "N/A", "Nada",
# "Rien", "Ничего"): on an optional question of several choices (the drivers), a skip. A bare
# "no" is not one: it may answer a question the person thought was another. Folded,
# punctuation removed.
NONE_WORDS = frozenset(
    fold_words(words)
    for words in (
        *("none", "nothing", "none of them", "none of these", "none of the above", "n/a"),
        *("na", "nothing really", "nada", "ninguno", "ninguna", "ningún", "ninguno de ellos"),
        *("nenhum", "nenhuma", "nenhum deles", "rien", "rien du tout", "aucun", "aucune"),
        *("anyen", "okenn", "pa gen anyen", "wala", "wala naman", "không có gì", "không có"),
        *("ничего", "ничто", "ни один", "لا شيء", "لا شي", "없음", "없어요", "없습니다"),
        *("아무것도 없어요", "没有", "沒有", "无", "無", "都没有", "都沒有", "没什么", "沒什麼"),
    )
)
# A whole reply that only greets ("Hi", "Hola", "你好"): a second "Hi" after the opening, or
# two texts sent together, is no answer to the question, and asking it again costs none of
# its three tries. Folded, punctuation removed.
GREETING_WORDS = frozenset(
    fold_words(words)
    for words in (
        *("hi", "hello", "hey", "hiya", "hi there", "hello there", "hey there", "yo"),
        *("good morning", "good afternoon", "good evening", "hola", "buenos dias", "buenas"),
        *("buenas tardes", "buenas noches", "oi", "ola", "bom dia", "boa tarde", "boa noite"),
        *("bonjour", "salut", "bonsoir", "bonjou", "bonswa", "alo", "allo", "kumusta"),
        *("kamusta", "magandang araw", "xin chao", "chao", "привет", "здравствуйте"),
        *("добрый день", "你好", "您好", "哈喽", "안녕하세요", "안녕", "مرحبا", "اهلا", "أهلا"),
        "السلام عليكم",
    )
)
# A whole reply to an optional free-text question ("Anything else?") that says there is
# nothing to add: recorded as skipped, not as a comment of "No." for staff to read. The words
# of NONE_WORDS say it too. Folded, punctuation removed.
NO_COMMENT_WORDS = NONE_WORDS | frozenset(
    fold_words(words)
    for words in (
        *("no", "nope", "nah", "no thanks", "no thank you", "no thanks you", "nothing else"),
        *("nothing more", "nothing to add", "no comment", "no comments", "not really"),
        *("that s all", "that is all", "thats all", "no that s all", "no nothing"),
        *("no gracias", "nada mas", "no nada", "eso es todo", "nao", "nao obrigado"),
        *("nao obrigada", "nada mais", "non", "non merci", "rien d autre", "c est tout"),
        *("non mesi", "pa gen", "non anyen", "hindi", "wala na", "wala po", "hindi salamat"),
        *("khong", "khong cam on", "khong co gi them", "нет", "нет спасибо", "больше ничего"),
        *("لا", "لا شكرا", "لا شيء آخر", "아니요", "아니오", "아니요 없어요", "괜찮아요"),
        *("不", "不用", "不用了", "没有了", "沒有了", "没有 谢谢", "沒有 謝謝", "没了", "沒了"),
    )
)
# Thanks said beside a "nothing to add" ("Nope, nothing, thanks", "Wala na po, salamat"): no
# comment with it, though a thanks alone is one. Folded, punctuation removed.
THANKS_WORDS = frozenset(
    fold_words(words)
    for words in (
        *("thanks", "thank you", "thx", "ty", "gracias", "obrigado", "obrigada", "merci"),
        *("mesi", "salamat", "po", "cam on", "спасибо", "شكرا", "감사합니다", "고맙습니다"),
        *("谢谢", "謝謝"),
    )
)
# A whole reply that picks every choice ("All of them", "Todos", "Tous", "Все", "全部"). Not
# Vietnamese "hết", which alone also says "done". Folded, punctuation removed.
ALL_WORDS = frozenset(
    fold_words(words)
    for words in (
        *("all", "all of them", "all of the above", "all of these", "all the above"),
        *("everything", "todos", "todas", "todo", "todos ellos", "todas las anteriores"),
        *("todos eles", "tudo", "tous", "toutes", "tout", "yo tout", "lahat", "tất cả"),
        *("все", "всё", "الكل", "كل شيء", "كلها", "جميعها", "모두", "전부", "다", "全部", "都"),
        *("所有", "全都", "以上都是", "以上全部"),
    )
)


def _written_unspaced(name: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in {"W", "F"} for ch in name)


@functools.cache
def _names(lang: Language) -> frozenset[str]:
    return frozenset(
        fold_words(name) for name in (*lang.keywords, lang.native_name, lang.english_name)
    )


# Counters written onto a number in Korean and Chinese: "오번" press five, "五星" five stars.
_COUNTER_SUFFIXES = ("번", "점", "개", "颗星", "顆星", "分", "星", "号", "號")


def _counter_suffix(word: str) -> str:
    return next((s for s in _COUNTER_SUFFIXES if word.endswith(s) and word != s), "")


def _number_table(words: str) -> dict[str, NumberWord]:
    """Words for 0, 1, 2 … in order, alternatives joined by "/", "-" for none taken, "*" after
    a word that is a number only alone."""
    table = {}
    for value, alternatives in enumerate(words.split()):
        for word in alternatives.split("/"):
            if word != "-":
                table[word.rstrip("*")] = NumberWord(value, word.endswith("*"))
    return table


# 0 to 12 in each language: a voice menu of twelve languages is answered "eleven", "twelve".
# "-" where the number is two words (Vietnamese "mười một", Arabic "أحد عشر") or hyphenated
# (Tagalog "labing-isa"), which a one-word reply never is. Left out: Haitian "en" (1) and "de"
# (2), French and Spanish everyday words, and Vietnamese "không" (0), which is "no". Alone
# only, as everyday words: Sino-Korean numbers (single syllables that are also other words);
# Haitian "kat" (card), "sis" (English "sis"), "nèf" (new); Vietnamese "tám" (to chat), "chín"
# (ripe); and words that fold into another offered language's: Spanish "dos" (Portuguese "of
# the"), "tres" and Portuguese "três" (French "très"), English "ten" (Vietnamese "tên", name),
# Spanish "once" (English "once") and "doce" (Portuguese "sweet"), Portuguese "doze" (English).
_NUMBER_SOURCES = {
    "en": "zero one* two three four five six seven eight nine ten* eleven twelve",
    "es": "cero uno*/una*/un* dos* tres* cuatro cinco seis siete ocho nueve diez once* doce*",
    "pt": "zero um*/uma* dois/duas três* quatro cinco seis sete oito nove dez onze doze*",
    "fr": "zéro un*/une* deux trois quatre cinq six sept huit neuf* dix* onze douze",
    "ht": "zewo youn* - twa kat* senk sis* sèt* uit nèf* dis* onz douz",
    "tl": "sero isa* dalawa tatlo apat lima anim pito walo siyam sampu - labindalawa",
    "vi": "- một* hai* ba* bốn năm* sáu bảy tám* chín* mười - -",
    "ru": (
        "ноль/нуль один*/одна*/одно*/единица два/две/двойка/двойку три/тройка/тройку "
        "четыре/четвёрка/четвёрку пять/пятёрка/пятёрку шесть семь восемь девять десять "
        "одиннадцать двенадцать"
    ),
    "ar": (
        "صفر واحد* اثنان/اثنين/إثنين/اثنتان ثلاثة/ثلاث أربعة/أربع خمسة/خمس ستة/ست* "
        "سبعة/سبع* ثمانية/ثماني تسعة/تسع عشرة/عشر* - -"
    ),
    "ko": (
        "영* 하나*/일* 둘/이* 셋/삼* 넷/사* 다섯/오* 여섯/육* 일곱/칠* 여덟/팔* 아홉/구* 열*/십* "
        "열하나/십일* 열둘/십이*"
    ),
    "zh_Hans": "零/〇 一* 二/两 三 四 五 六 七 八 九 十 十一 十二",
    "zh_Hant": "零/〇 一* 二/兩 三 四 五 六 七 八 九 十 十一 十二",
}
# Haitian Creole calls are heard by a French recogniser (no Haitian one exists), which writes
# "senk" as "cinq".
_ALSO_READ = {"ht": "fr"}
# Vietnamese tones tell its numbers from other words ("hai" two, "hài lòng" satisfied); Korean
# and Chinese have no accents to fold. Every other table is matched folded, as replies are.
_ACCENTED_NUMBERS = frozenset({"vi", "ko", "zh_Hans", "zh_Hant"})
_NUMBER_WORDS: dict[str, dict[str, NumberWord]] = {
    code: {
        (word if code in _ACCENTED_NUMBERS else fold(word)): number
        for word, number in _number_table(words).items()
    }
    for code, words in _NUMBER_SOURCES.items()
}
# Arabic is often typed with ه for a final ة: خمسه, اربعه.
_NUMBER_WORDS["ar"].update(
    {word[:-1] + "ه": number for word, number in _NUMBER_WORDS["ar"].items() if word[-1] == "ة"}
)

_LONGEST_NUMBER_WORD = 12


@functools.lru_cache(maxsize=4096)
def _named_number(word: str, offered: tuple[str, ...], speaking: str | None) -> NumberWord | None:
    """`number_word`, remembered: a long reply says the same few words over and over."""
    exact = unicodedata.normalize("NFC", word).casefold()
    # Each table once: English, the offered languages, and those their calls are heard in.
    codes = dict.fromkeys(("en", *offered, *(_ALSO_READ.get(code, "") for code in offered)))
    tables = [
        (code, code in _ACCENTED_NUMBERS, _NUMBER_WORDS[code])
        for code in codes
        if code in _NUMBER_WORDS
    ]
    own = {speaking, _ALSO_READ.get(speaking or "")} if speaking else set(codes)
    for candidate in dict.fromkeys((exact, exact.removesuffix(_counter_suffix(exact)))):
        folded = fold(candidate)
        for code, accented, table in tables:
            found = table.get(candidate if accented else folded)
            if found is not None and (not found.alone or code in own):
                return found
    return None
