"""The survey engine: a pure state machine from (session, reply) to (session, prompts, events).

It knows flows and languages, nothing of Flask, Twilio or storage: channels render its
prompts, and the conversation layer stores its events.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from feedbot.flows import END, Choice, Flow, Question
from feedbot.i18n import Gettext, _, format_local_date, gettext_for
from feedbot.languages import (
    AFTER_KOREAN_COUNTER,
    AFTER_OPENING_KEYWORD,
    ALL_WORDS,
    AMBIGUOUS_COUNTERS,
    AND_WORDS,
    BOUNDS_AFTER,
    CHINESE_NOR,
    CHINESE_NOT,
    CHINESE_PARTICLES,
    CLAUSE_END_KEYWORDS,
    CLAUSE_ONLY_KEYWORDS,
    CLAUSE_OPENING_KEYWORDS,
    COUNTED_ENDINGS,
    COUNTED_UNITS,
    COUNTED_WORDS,
    DATE_WORDS,
    FILLER_WORDS,
    GREETING_WORDS,
    HALF_LINKS,
    HALF_WORDS,
    HESITATIONS,
    INTENSIFIERS,
    MINUS_WORDS,
    NEGATIONS,
    NEGATIONS_AFTER,
    NO_COMMENT_WORDS,
    NO_WORDS,
    NONE_AFTER,
    NONE_WORDS,
    NOR_RATED,
    NUMBER_NOUNS,
    OUT_OF_WORDS,
    PLACE_WORDS,
    PREDICATE_NEGATIONS,
    RANGE_WORDS,
    RATING_WORDS,
    THANKS_WORDS,
    WORD_NOR,
    NumberWord,
    fold,
    fold_words,
    intensifiers_in,
    label_gender,
    language_for_keyword,
    negations_in,
    number_word,
    plain_predicates,
    spelled_out_negations,
)

MAX_STRIKES = 3
# The longest reply read for a question of choices (a rating, drivers). Replies people give
# are a few words (the test corpora's longest is 72 characters); a reply of thousands, read,
# took seconds of a web worker ("si si si …", 10,000 characters: 3.2 s).
LONGEST_CHOICE_REPLY = 500

AnswerValue = int | str | tuple[str, ...]
PromptKind = Literal["notice", "question", "retry", "moving_on", "closing", "already_closed"]


@dataclass(frozen=True)
class Context:
    """What a flow's text may refer to, from the service the survey runs for."""

    agency: str
    service: str
    omb_control_number: str
    omb_expiration: date
    languages: tuple[str, ...] = ("en",)
    # The agency's and the service's names in another language, where they are translated:
    # {"es": {"agency": "…", "name": "…"}}, either or both.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def names_in(self, language: str) -> tuple[str, str]:
        """The agency's and the service's names as the public reads them in `language`."""
        names = self.translations.get(language, {})
        return names.get("agency", self.agency), names.get("name", self.service)

    def placeholders(self, language: str) -> dict[str, str]:
        agency, service = self.names_in(language)
        return {
            "agency": agency,
            "service": service,
            "omb_control_number": self.omb_control_number,
            # The notice ends the date with its own full stop: "2027. 6. 30." is not doubled.
            "omb_expiration": format_local_date(self.omb_expiration, language).rstrip("."),
        }


@dataclass(frozen=True)
class Session:
    """Where one person is in one flow; small enough to store as a row's columns."""

    flow_id: str
    language: str
    question: str | None
    strikes: int = 0
    answered: bool = False

    @property
    def done(self) -> bool:
        return self.question is None


@dataclass(frozen=True)
class Reply:
    """What the person sent: free text, or choices picked by value (buttons, keypad), or skip."""

    text: str = ""
    values: tuple[int | str, ...] | None = None
    skip: bool = False
    give_up: bool = False  # no answer could be had (e.g. silence on a call): move on
    language: str | None = None  # a language picked (a web chat picker), not an answer


@dataclass(frozen=True)
class ChoiceView:
    value: int | str
    label: str
    position: int


@dataclass(frozen=True)
class Prompt:
    """One thing to tell the person, structured so each channel can render it its own way."""

    kind: PromptKind
    text: str
    question_id: str | None = None
    question_type: str | None = None
    choices: tuple[ChoiceView, ...] = ()
    optional: bool = False
    reason: Literal["invalid", "required"] | None = None


@dataclass(frozen=True)
class AnswerGiven:
    question_id: str
    record: str | None
    value: AnswerValue | None
    status: Literal["answered", "skipped", "unanswered"]
    text: str = ""


@dataclass(frozen=True)
class LanguageChosen:
    language: str


@dataclass(frozen=True)
class SurveyCompleted:
    pass


Event = AnswerGiven | LanguageChosen | SurveyCompleted


@dataclass(frozen=True)
class Step:
    session: Session
    prompts: tuple[Prompt, ...]
    events: tuple[Event, ...] = field(default=())


def start(flow: Flow, context: Context, language: str) -> Step:
    """Open a survey: the PRA notice, then the first question."""
    session = Session(flow_id=flow.id, language=language, question=flow.start)
    return Step(session, (notice_prompt(flow, context, language), _ask(flow, context, session)))


def advance(flow: Flow, context: Context, session: Session, reply: Reply | str) -> Step:
    """Apply one reply to a session and say what comes next."""
    if isinstance(reply, str):
        reply = Reply(text=reply)
    if session.done:
        return Step(session, (_closed(context, session.language),))
    if reply.language is not None:
        # Only before the first answer, like a language's keyword; else nothing changes.
        if not may_change_language(flow, session) or reply.language not in context.languages:
            return Step(session, (_ask(flow, context, session),))
        return change_language(flow, context, session, reply.language)
    if may_change_language(flow, session) and reply.values is None:
        chosen = language_for_keyword(reply.text, context.languages, session.language)
        # The language the survey is in already is no switch, and the reply is read as any
        # other: a first question whose choices name languages ("Spanish") said its notice
        # and question again at each such answer, without end, storing nothing.
        if chosen is not None and chosen.code != session.language:
            return change_language(flow, context, session, chosen.code)
    question = flow.question(session.question)
    gettext = gettext_for(session.language)
    if reply.give_up:
        return _record(flow, context, session, question, None, "unanswered", "")
    if _only_greets(question, reply):
        return Step(session, (_ask(flow, context, session),))
    speaking = (session.language, *context.languages)
    if reply.skip or _is_skip(reply.text, speaking) or _says_no_comment(question, reply):
        return _skip(flow, context, session, question, reply.text)
    value = parse_answer(question, reply, gettext, speaking)
    if value is None and _picks_none(question, reply):
        return _skip(flow, context, session, question, reply.text)
    if value is None:
        return _strike(flow, context, session, question, "invalid")
    return _record(flow, context, session, question, value, "answered", reply.text)


def may_change_language(flow: Flow, session: Session) -> bool:
    """Before the first answer: still on the first question (one given up on counts as
    passed), nothing answered."""
    return session.question == flow.start and not session.answered


def change_language(flow: Flow, context: Context, session: Session, language: str) -> Step:
    """Switch language before the first answer and say the notice and question again."""
    session = replace(session, language=language, strikes=0)
    prompts = (notice_prompt(flow, context, language), _ask(flow, context, session))
    return Step(session, prompts, (LanguageChosen(language),))


def notice_prompt(flow: Flow, context: Context, language: str) -> Prompt:
    return Prompt("notice", _text(flow.notice, context, language))


def closing_prompt(flow: Flow, context: Context, language: str) -> Prompt:
    """The thanks a finished survey ends with (for channels that repeat a lost answer)."""
    return Prompt("closing", _text(flow.closing, context, language))


def moving_on_prompt(language: str) -> Prompt:
    """What a question given up on (no answer it could read, three times) ends with."""
    return Prompt("moving_on", gettext_for(language)(_("Let's move on.")))


def question_prompt(flow: Flow, context: Context, session: Session) -> Prompt:
    """The current question as a prompt (for channels that repeat it on request)."""
    return _ask(flow, context, session)


def parse_answer(
    question: Question, reply: Reply, gettext: Gettext, languages: tuple[str, ...] = ()
) -> AnswerValue | None:
    """The answer a reply gives to a question, or None when it gives none we understand.

    `languages` are the conversation's language first, then the service's. Numbers may be
    digits in any script ("5", "٥", "５") or words in English or one of `languages`: "Five.",
    "cinco", "пять", "năm"; a word that is a number only alone ("Um.") only in the first.
    """
    if question.type == "text":
        text = reply.text.strip()
        return text or None
    if reply.values is not None:
        return _picked_values(question, reply.values)
    if len(reply.text) > LONGEST_CHOICE_REPLY:
        return None  # a story, asked again: reading it costs time in its length squared
    if question.type == "scale":
        return _parse_scale(question, reply.text, gettext, languages)
    return _parse_multi(question, reply.text, gettext, languages)


def _record(
    flow: Flow,
    context: Context,
    session: Session,
    question: Question,
    value: AnswerValue | None,
    status: Literal["answered", "skipped", "unanswered"],
    text: str,
) -> Step:
    event = AnswerGiven(question.id, question.record, value, status, text)
    next_id = question.next_after(value)
    # A question skipped or given up on (silence, three unreadable replies) is no answer: a
    # survey with nothing else closes as abandoned, not partial or complete.
    answered = session.answered or status == "answered"
    if next_id == END:
        finished = replace(session, question=None, strikes=0, answered=answered)
        closing = closing_prompt(flow, context, session.language)
        return Step(finished, (closing,), (event, SurveyCompleted()))
    moved = replace(session, question=next_id, strikes=0, answered=answered)
    return Step(moved, (_ask(flow, context, moved),), (event,))


def _skip(flow: Flow, context: Context, session: Session, question: Question, text: str) -> Step:
    """A skip: recorded on an optional question; a question that needs an answer asks again."""
    if question.optional:
        return _record(flow, context, session, question, None, "skipped", text)
    return _strike(flow, context, session, question, "required")


def _strike(
    flow: Flow,
    context: Context,
    session: Session,
    question: Question,
    reason: Literal["invalid", "required"],
) -> Step:
    strikes = session.strikes + 1
    if strikes >= MAX_STRIKES:
        step = _record(flow, context, session, question, None, "unanswered", "")
        return replace(step, prompts=(moving_on_prompt(session.language), *step.prompts))
    retry = replace(_ask(flow, context, session), kind="retry", reason=reason)
    return Step(replace(session, strikes=strikes), (retry,))


def _ask(flow: Flow, context: Context, session: Session) -> Prompt:
    question = flow.question(session.question)
    gettext = gettext_for(session.language)
    return Prompt(
        kind="question",
        text=_text(question.text, context, session.language),
        question_id=question.id,
        question_type=question.type,
        choices=tuple(
            ChoiceView(choice.value, gettext(choice.label), position)
            for position, choice in enumerate(question.choices, start=1)
        ),
        optional=question.optional,
    )


def _closed(context: Context, language: str) -> Prompt:
    text = gettext_for(language)(_("This survey has closed. Thank you for your time."))
    return Prompt("already_closed", text)


def _text(message: str, context: Context, language: str) -> str:
    return gettext_for(language)(message).format_map(_Placeholders(context.placeholders(language)))


class _Placeholders(dict):
    # A catalog with an unknown placeholder must still render rather than crash a webhook;
    # `feedbot translations check` is where such a catalog is refused.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_SKIP_WORDS = {"skip", "pass"}
# A reply of numbers as words: digit runs, words, and the dashes and tildes of a range; other
# punctuation (",", ";", "/", "+", "&", ".") and CJK list marks ("、", "，") only separate.
# Chinese numbers stand apart from the words around them: "一和三" is one and three.
_DRIVER_TOKEN = re.compile(
    r"\d+|[〇零一二三四五六七八九十两兩]|[^\W\d_〇零一二三四五六七八九十两兩]+|[-–—~〜]"
)
# No choice has ten digits, and int() refuses 4,300 or more: longer runs are cut up.
_NUMBER = re.compile(r"\d{1,9}")
_DIGIT_RUN = re.compile(r"\d+")
# Written onto a number, these make it an order: "第5" (the fifth), "제5" (Korean).
_PLACE_PREFIXES = tuple(fold(prefix) for prefix in ("第", "제"))
# A number is a short word: bounded, so that a long reply is not searched over and over.
_OUT_OF = re.compile(
    r"(?<!\w)(?P<rating>\w{1,12})\s*(?:/|\s(?:"
    + "|".join(OUT_OF_WORDS)
    + r")\s)\s*(?P<scale>\w{1,12})(?!\w)",
    re.IGNORECASE,
)
_RANK = re.compile(r"#\s*\d+")
_DECIMAL = re.compile(r"\d+[.,]\d+")
# A dash with a space on either side: "I agree - NOT" (not "4-5" or "dis-agree").
_SPACED_DASH = re.compile(r"\s[-–—]+\s")
_CORRECTION = re.compile(
    r"\b(?:no,?\s+wait|wait,?\s+no|i\s+mean[t]?|scratch that|correction)\b", re.IGNORECASE
)
_FILLED_STARS = frozenset("⭐🌟★✭✮")
_EMPTY_STARS = frozenset("☆✩")
# A negation reaches a label in its own clause: "No complaints, strongly agree" is Strongly
# agree. A comma before "that", "que", "что"… goes on with the same thought ("Не думаю, что
# согласен"). Among a question's several choices (drivers), only its last few words count.
_DRIVER_NEGATION_REACH = 3
# A reply of this many words or fewer (fillers and "stars" aside) is a rating, not a story:
# "Ставлю четыре" is 4, "Took two hours" no number.
_SHORT_REPLY = 2
_CLAUSE_BREAK = re.compile(
    r"[.;:!?\n。；！？؛]"
    r"|[,，、،](?!\s*(?:that|if|whether|que|qu|se|si|что|чтобы|là|rằng|na)\b)"
    # Not "mas" after a number: Haitian March ("m te vini 3 mas").
    r"|\b(?:but|pero|mais|(?<![0-9] )mas|но)\b",
    re.IGNORECASE,
)
# A label of the trust statement said of something else: what is hard or needless to say
# ("Hard to disagree", "Nothing to disagree with", "Es difícil estar de acuerdo", "Difficile
# d'être d'accord") is neither it nor its opposite for
# sure, and "I agree the staff were rude" agrees with a statement of its own, not the survey's.
# Asked again: a wrong read would be stored as the person's rating.
_LABEL_OF_SOMETHING_ELSE = re.compile(
    r"\b(?:hard|difficult|tough|impossible|nothing|no reason|no need)\s+to\s+(?:dis)?agree"
    r"|\bdif+[ií]cile?\s+(?:de\s+|d.)?(?:estar\s+de\s+acuerdo|concordar|[eê]tre\s+d.accord)"
    r"|\b(?:dis)?agree[sd]?\s+(?:that\s+)?"
    r"(?:the|they|it|this|that|he|she|everyone|everybody|staff|your|my|our)\b"
    r"[^,.;:!?]*\b(?:was|were|is|are|has been|had been)\b"
    # Agreeing with what someone else said ("I agree with the person who said it was slow").
    r"|\b(?:dis)?agree[sd]?\s+with\b[^,.;:!?]*\b(?:said|says|say|saying|told|wrote)\b"
    r"|\bde\s+acuerdo\s+con\b[^,.;:!?]*\b(?:dicen|dice|dijo|dijeron|dec[ií]an)\b"
    # Spanish "de acuerdo con/a" opening a clause is "according to": "De acuerdo con el
    # sistema mi caso está cerrado".
    r"|(?:^|[,.;:!?¡¿]\s*)de\s+acuerdo\s+(?:con|a)\b",
    re.IGNORECASE,
)
# A minus sign written onto a number ("-5", "−1"): below zero, the opposite of the number's
# rating. Not a dash between words ("4 - agree") or numbers ("4-5").
_MINUS_NUMBER = re.compile(r"(?<!\S)[-−–]\d")
# A reply of one number and nothing else ("5", " 4. "), and one of numbers and separators.
_BARE_NUMBER = re.compile(r"\s*([0-9]{1,2})\s*[.!]?\s*")
_NUMBERS_ONLY = re.compile(r"[0-9\s,;.&+/-]*")
_SENTENCE_BREAK = re.compile(r"[.;:!?\n。；！？؛]")
_COMMA = re.compile(r"[,，、،]")
_QUESTION_MARK = re.compile(r"[?？؟]")
# Portuguese "né" (não é, isn't it), said after a statement as "right?" is.
_TAG_WORDS = frozenset(("né", "ne"))


def _picks_none(question: Question, reply: Reply) -> bool:
    """Whether a reply to a question of several choices picks none of them ("None", "N/A",
    "Nada"): the person has no driver to give, as SKIP says, and asking again three times only
    to record it unanswered helps no one."""
    return question.type == "multi" and fold_words(reply.text) in NONE_WORDS


def _only_greets(question: Question, reply: Reply) -> bool:
    """Whether a reply to a question of choices only greets ("Hi" again, "Hello?"): the
    question is asked again without counting a try."""
    return (
        question.type != "text"
        and reply.values is None
        and fold_words(reply.text) in GREETING_WORDS
    )


def _says_no_comment(question: Question, reply: Reply) -> bool:
    """Whether a whole reply to an optional free-text question ("Anything else?") says there
    is nothing to add ("No.", "Nothing, thanks"), in one way or several ("nope nothing", "No,
    that's all, thanks"): no comment, not a comment for staff to read. Thanks alone is one."""
    if question.type != "text" or not question.optional:
        return False
    said = fold_words(reply.text)
    if said in NO_COMMENT_WORDS:
        return True
    words = said.split()
    return (
        len(words) <= _LONGEST_NO_COMMENT
        and _said_only_in(words, NO_COMMENT_WORDS | THANKS_WORDS)
        and not _said_only_in(words, THANKS_WORDS)
    )


# A reply of more words than this is something to say, however it begins.
_LONGEST_NO_COMMENT = 10


def _said_only_in(words: list[str], phrases: frozenset[str]) -> bool:
    """Whether `words`, in order, are `phrases` one after another ("nope" "nothing")."""
    reached = {0}
    for start in range(len(words)):
        if start in reached:
            reached |= {
                end
                for end in range(start + 1, len(words) + 1)
                if " ".join(words[start:end]) in phrases
            }
    return len(words) in reached


def _is_skip(text: str, speaking: tuple[str, ...]) -> bool:
    """Whether a reply is SKIP in English or in the conversation's or the service's languages:
    "SALTAR" from a Spanish speaker who never switched an English survey was a comment.
    "Skip?", "¡Saltar!", "跳过。": a speech recogniser or a texter punctuates it. The web
    chat's Skip button, as it is written, is one too: Russian "Пропустить" beside "ПРОПУСК"."""
    folded = _final_ya(fold_words(text))
    return folded in _SKIP_WORDS or folded in _skip_words(speaking)


@functools.lru_cache(maxsize=256)
def _skip_words(languages: tuple[str, ...]) -> frozenset[str]:
    """SKIP as the catalogs of `languages` write it, and their Skip button, folded (the same
    few, for every reply)."""
    return frozenset(
        _final_ya(fold_words(gettext_for(code)(word)))
        for code in languages
        for word in (_("SKIP"), _("Skip"))
    )


def _final_ya(folded: str) -> str:
    """Arabic with a final ى (alif maqsura) written as the ي it is often typed for, or the
    other way round: "تخطى" is the catalog's "تخطي" (skip)."""
    return _FINAL_ALIF_MAQSURA.sub("ي", folded)


_FINAL_ALIF_MAQSURA = re.compile(r"ى\b")


def values_refused(question: Question, values: tuple[int | str, ...]) -> str | None:
    """Why `values`, a client's choice values (not words a person wrote), can be no answer
    to `question`, or None when they can: a value the question does not offer, several for a
    question of one, or any for a question answered in words."""
    if not question.choices:
        return f"question {question.id} is answered with {{text}}, not {{value}}"
    offered = ", ".join(
        repr(choice.value) if isinstance(choice.value, str) else str(choice.value)
        for choice in question.choices
    )
    known = {str(choice.value) for choice in question.choices}
    if any(str(value) not in known for value in values):
        return f"question {question.id} offers the values {offered}"
    if question.type == "scale" and len(values) != 1:
        return f"question {question.id} takes one value, one of {offered}"
    return None


def _picked_values(question: Question, values: tuple[int | str, ...]) -> AnswerValue | None:
    known = {str(choice.value): choice.value for choice in question.choices}
    picked = [known.get(str(value)) for value in values]
    if not picked or any(value is None for value in picked):
        return None
    if question.type == "scale":
        return picked[0] if len(picked) == 1 else None
    return _in_flow_order(question, set(picked))


def _parse_scale(
    question: Question, text: str, gettext: Gettext, languages: tuple[str, ...]
) -> int | None:
    """One choice, by its number or its label. On a rating scale (1 to 5) a number of stars
    is read too (⭐⭐⭐⭐, ★★★★☆), and so is a rating out of the scale's top ("4/5", "4 out of
    5"); a rating on another scale ("8/10"), a half ("4 and a half", "4½") or a misspelt
    intensifier ("stongly agree") is asked again, not converted, rounded or read one point
    low."""
    bare = _BARE_NUMBER.fullmatch(text)
    if bare is not None:  # "5": the commonest reply by far, with no words to weigh
        value = int(bare.group(1))
        return value if any(choice.value == value for choice in question.choices) else None
    top = _rating_top(question)
    if top is not None:
        stars = _stars(text, top)
        if stars is not None:
            return stars
        text = _OUT_OF.sub(lambda match: _out_of_top(match, top, languages), text)
    if "#" in text:
        text = _ranks_taken_out(text)
    if "." in text or "," in text:
        text = _DECIMAL.sub(" ", text)  # "waited 1.5 hrs": its "1" alone was a rating
    if _LABEL_OF_SOMETHING_ELSE.search(text) or _MINUS_NUMBER.search(text):
        return None
    negating = _negations(languages)
    by_words = _match_labels(question.choices, text, gettext, negating, reach=None)
    if by_words is not None and _intensifier_misspelt(question, text, gettext, negating, by_words):
        return None
    if by_words in _strong_forms(question.choices):
        by_words = _as_intensified(question.choices, text, gettext, negating, by_words, languages)
    if by_words is not None and top is not None and _stars_disagree(text, by_words):
        return None
    if by_words is not None and text.rstrip().endswith(("?", "？", "؟")):
        return None  # a label asked, not said: "Who could disagree?", "Agree?"
    if by_words is not None and top is not None and _denied_or_corrected(text, negating):
        return None
    numbers = _numbers_said(
        text, languages, negating, labelled=by_words is not None, rating=top is not None
    )
    if numbers is None:
        return None
    values = {choice.value for choice in question.choices}
    candidates = (numbers & values) | ({by_words} if by_words is not None else set())
    if numbers - values or len(candidates) != 1:
        return None
    return candidates.pop()


def _denied_or_corrected(text: str, negating: frozenset[str]) -> bool:
    """Whether a reply that says a rating's label takes it back after it: a last clause of
    only "no" ("Strongly agree... NOT", "Agree. Not.", "I agree - NOT", a spaced dash
    ending a clause here) or a correction ("agree no wait
    strongly agree", "disagree, I mean agree"), which leaves the answer meant unsure."""
    if _CORRECTION.search(text):
        return True
    parts = (part for clause in _CLAUSE_BREAK.split(text) for part in _SPACED_DASH.split(clause))
    clauses = [clause for clause in map(_folded, parts) if clause.strip()]
    return len(clauses) > 1 and _taken_back(clauses, len(clauses) - 2, negating)


def _rating_top(question: Question) -> int | None:
    """The top of a scale rated 1 to n (the trust scale's 5); None for others (thumbs)."""
    values = {choice.value for choice in question.choices}
    top = len(values)
    return top if top > 2 and values == set(range(1, top + 1)) else None


def _stars(text: str, top: int) -> int | None:
    """The rating a reply of stars alone gives: each filled star counts; empty ones are
    allowed only to fill the scale (★★★☆☆)."""
    if not 1 <= sum(map(text.count, _FILLED_STARS)) <= top:
        return None  # a long reply is no rating of stars, and is not folded to say so
    marks = [ch for ch in fold(text) if not ch.isspace()]
    filled = sum(ch in _FILLED_STARS for ch in marks)
    empty = sum(ch in _EMPTY_STARS for ch in marks)
    if not marks or filled + empty != len(marks) or not 1 <= filled <= top:
        return None
    return filled if empty in {0, top - filled} else None


def _stars_disagree(text: str, label: int | str) -> bool:
    """Whether a reply gives stars and a label of another rating: "⭐⭐⭐⭐⭐ agree"."""
    stars = sum(map(text.count, _FILLED_STARS))
    return stars > 0 and stars != label


def _out_of_top(match: re.Match[str], top: int, languages: tuple[str, ...]) -> str:
    """ "4 out of 5" as "4" when 5 is the scale's top; a number of something that is no
    number ("1 of the best", "4 of us", "5 de mayo") without the number, which counts or dates
    it; anything else stays as it was."""
    rating, scale = (_number_in(word, languages) for word in match.group("rating", "scale"))
    if rating is not None and scale is None:
        return match.group()[match.end("rating") - match.start() :]
    if rating is None or scale != top:
        return match.group()
    return str(rating)


def _ranks_taken_out(text: str) -> str:
    """A reply without its "#1": in words ("you guys are #1", "case #4") a rank or a number
    of something, no rating. "#4" alone is still 4."""
    ranked = _RANK.sub(" ", text)
    return ranked if _WORD.search(ranked) else text


def _number_in(word: str, languages: tuple[str, ...]) -> int | None:
    if word.isdecimal():
        return int(word) if len(word) <= 9 else None
    named = _number_word(word, languages)
    return named.value if named is not None else None


def _number_word(word: str, languages: tuple[str, ...]) -> NumberWord | None:
    """`number_word` in a conversation held in the first of `languages` (see `parse_answer`)."""
    return number_word(word, languages, speaking=languages[0] if languages else "en")


def _negations(languages: tuple[str, ...]) -> frozenset[str]:
    """The words that negate in a conversation held in the first of `languages`."""
    return negations_in(languages[0] if languages else None)


def _intensifier_misspelt(
    question: Question, text: str, gettext: Gettext, negating: frozenset[str], read: int | str
) -> bool:
    """Whether the reply misspells an intensifier that, spelt right, makes it another answer:
    "stongly agree" read as Agree would be stored one point below the "strongly agree" meant.
    Only where the spelling changes the answer: "Strong service, I agree" is Agree."""
    respelt = _WORD.sub(_intensifier_meant, text)
    if respelt == text:
        return False
    return _match_labels(question.choices, respelt, gettext, negating, reach=None) != read


@functools.lru_cache(maxsize=64)
def _strong_forms(choices: tuple[Choice, ...]) -> dict[int | str, int | str]:
    """Each plain answer of a scale that has a strong one, with it: Agree's is Strongly agree,
    Disagree's Strongly disagree (by their English labels)."""
    by_label = {choice.label.casefold(): choice.value for choice in choices}
    return {
        choice.value: by_label[f"strongly {choice.label.casefold()}"]
        for choice in choices
        if f"strongly {choice.label.casefold()}" in by_label
    }


def _as_intensified(
    choices: tuple[Choice, ...],
    text: str,
    gettext: Gettext,
    negating: frozenset[str],
    plain: int | str,
    languages: tuple[str, ...],
) -> int | str:
    """The strong answer where a word of degree stands right before the plain label read or
    ends its clause after it, or the label is said twice with Tagalog "na" ("highly agree",
    "très d'accord", "超同意", "concordo muito", "agree na agree"); else `plain`, as where the
    label so said is negated ("Đồng ý nhưng không hoàn toàn đồng ý"). Read as the plain label,
    the answer was stored one point low."""
    intensifying = intensifiers_in(languages[0] if languages else None)
    needles = [needle for value, needle in _all_needles(choices, gettext) if value == plain]
    for clause in map(_folded, _CLAUSE_BREAK.split(plain_predicates(text))):
        for needle in needles:
            for at in _label_places(clause, needle):
                if _intensified_at(clause, at, needle, intensifying) and not _negated_at(
                    clause, at, needle, negating, None
                ):
                    return _strong_forms(choices)[plain]
    return plain


def _intensified_at(clause: str, at: int, needle: str, intensifying: frozenset[str]) -> bool:
    """Whether `needle`, said at `at` in a folded clause, has a word of degree right before it
    (Chinese written onto it: "超同意"), only one after it (politeness and fillers aside:
    "dakò anpil", "đồng ý hoàn toàn ạ"), or itself again after Tagalog "na"."""
    before, after = clause[:at], clause[at + len(needle) :]
    if after.startswith(f" na {needle} "):
        return True
    if any(before.endswith(f" {word} ") for word in intensifying):
        return True
    if _HAN.search(needle) and any(
        before.rstrip().endswith(word) for word in intensifying if _HAN.search(word)
    ):
        return True
    rest = after.split()
    while rest and (rest[-1] in FILLER_WORDS or rest[-1] in _POLITENESS):
        rest.pop()
    return " ".join(rest) in intensifying


# Said at the end of a clause for politeness: Tagalog "po", Vietnamese "ạ". Folded.
_POLITENESS = frozenset(fold(word) for word in ("po", "opo", "ạ", "nhé", "nha"))


def _intensifier_meant(match: re.Match[str]) -> str:
    return _misspelt_intensifier(_fold_word(match.group())) or match.group()


@functools.lru_cache(maxsize=4096)
def _misspelt_intensifier(word: str) -> str | None:
    """The intensifier a folded word misspells, if any: a letter off ("stongly", "totaly"), or
    two in a long one ("strong", "completly"); the nearest, then the first alphabetically."""
    if word in INTENSIFIERS:
        return None
    near = []
    for intensifier in sorted(INTENSIFIERS):
        limit = 2 if len(intensifier) >= 8 else 1
        edits = _edits(word, intensifier, limit)
        if edits <= limit:
            near.append((edits, intensifier))
    return min(near)[1] if near else None


def _edits(word: str, target: str, limit: int) -> int:
    """How many letters to change, add or drop to make `word` into `target` (Levenshtein);
    past `limit`, some number above it, found without finishing."""
    if abs(len(word) - len(target)) > limit:
        return limit + 1
    previous = list(range(len(target) + 1))
    for row, letter in enumerate(word, start=1):
        current = [row]
        for column, wanted in enumerate(target, start=1):
            substitute = previous[column - 1] + (letter != wanted)
            current.append(min(previous[column] + 1, current[column - 1] + 1, substitute))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _numbers_said(
    text: str,
    languages: tuple[str, ...],
    negating: frozenset[str],
    *,
    labelled: bool,
    rating: bool,
) -> set[int] | None:
    """Every number a reply says as an answer, in digits or words, unless a negation stands
    right before it ("not 5", "I would not give it 5"; "No complaints 5" is 5); None when
    one has a half ("4 and a half", "4½"), which no choice is and rounding would change.

    A digit is an answer at either end of its clause, beside a rating word or after fillers
    alone; among the words of its clause it is used as a word or counts, dates or places
    something ("thx 4 nothing", "went on March 3 and"), and a number said beside it is no
    answer for sure either: None ("between a 3 and 4", "4 stars, would be 5 if faster"). A
    number word is one only where it is meant as one,
    not in passing ("It took two hours", "Strongly agree, took two minutes"): as the whole
    reply, "stars", "number" and fillers aside ("Five.", "One star", "I'd say four"); next
    to a rating word ("four stars") or as a clause of its own ("Great service, five"); or in
    a reply of a word or two that says no label ("Ставлю четыре", "на пятёрку"). A word that
    is also an article or another everyday word ("una", "kat"), and any number word on a
    scale that is no rating (thumbs: "Two thumbs up"), is one only as the whole reply."""
    clauses = [_WORD.findall(part) for part in _CLAUSE_BREAK.split(text)]
    folded = [[_fold_word(word) for word in clause] for clause in clauses]
    said = sum(len(_content(words)) for words in folded)
    numbers: set[int] = set()
    among_words = False
    for clause, words in zip(clauses, folded, strict=True):
        for at, word in enumerate(clause):
            digits = _NUMBER.findall(word)
            named = None if digits else _number_word(word, languages)
            if (not digits and named is None) or _negated(words, at, negating):
                continue
            if _counts_or_places(words, at):
                continue
            if _below_zero(words, at):
                return None
            read = {int(run) for run in digits}
            if read and _inside_clause(words, at):
                among_words, read = True, set()
            if named is not None and (
                said == 1 or (rating and not named.alone and _meant(words, at, said, labelled))
            ):
                read.add(named.value)
            if read and _half_after(word, words, at):
                return None
            numbers |= read
    return None if among_words and numbers else numbers


def _counts_or_places(words: list[str], at: int) -> bool:
    """Whether the number in `words[at]` (folded) counts, measures, orders or places
    something rather than rates: a unit or counted noun after it ("Only took 1 hour", "I
    called 3 times", "Два часа", "等了2个小时", "5분"), an ordinal ("5th", "1er", "3번째") or a
    place before it ("room 5", "第5", "visit number 3"), a month or time of day beside it
    ("March 3", "3 марта", "a las 3"), or a rating counter of something else ("3번 창구")."""
    pieces = _DIGIT_RUN.split(words[at])
    head, tail = (pieces[0], pieces[-1]) if len(pieces) > 1 else ("", "")
    following = words[at + 1] if at + 1 < len(words) else ""
    previous = words[at - 1] if at > 0 else ""
    second = words[at + 2] if at + 2 < len(words) else ""
    return (
        tail in COUNTED_WORDS
        or tail in COUNTED_ENDINGS
        or tail.startswith(COUNTED_UNITS)
        or following in COUNTED_WORDS
        or second in COUNTED_WORDS  # "5 business days", "1 happy customer"
        or previous in DATE_WORDS
        or following in DATE_WORDS
        or following.startswith(COUNTED_UNITS)
        or previous in PLACE_WORDS
        or head.endswith(_PLACE_PREFIXES)
        or (previous in NUMBER_NOUNS and _counted_or_place(words[at - 2] if at > 1 else ""))
        or _counter_of_something(tail, following)
    )


def _counted_or_place(word: str) -> bool:
    return word in PLACE_WORDS or word in COUNTED_WORDS


def _counter_of_something(tail: str, following: str) -> bool:
    """Whether a rating counter written onto a number ("번", "号") counts, places or dates
    something, as the words after it say: "3번 전화했는데" (called three times), "3번 창구"
    (window 3), "3号窗口", "我5号去的" (went on the 5th); not "5번", "5번이요", "我选5号吧"."""
    counter = next((c for c in AMBIGUOUS_COUNTERS if tail.startswith(c)), None)
    if counter is None:
        return False
    after = tail[len(counter) :] or following
    if _HAN.match(after):
        return not after.startswith(CHINESE_PARTICLES)
    return after.startswith(AFTER_KOREAN_COUNTER)


def _inside_clause(words: list[str], at: int) -> bool:
    """Whether the digits of `words[at]` stand among the words of their clause, neither at
    either end, nor beside a rating word ("great 5 stars"), nor after fillers alone ("I'd give
    it a 4 because…"): used as a word ("thx 4 nothing", "way 2 slow"), or counting, dating or
    placing something ("went on March 3 and", "at 3 like they promised"), not rating."""
    return (
        0 < at < len(words) - 1
        and not _beside_rating_word(words, at)
        and not all(word in FILLER_WORDS for word in words[:at])
    )


def _below_zero(words: list[str], at: int) -> bool:
    """Whether a word before the number in `words[at]` puts it below zero ("negative 5"): the
    opposite of its rating, which no choice is."""
    return at > 0 and words[at - 1] in MINUS_WORDS


def _half_after(word: str, words: list[str], at: int) -> bool:
    """Whether the number `word` (`words[at]`, folded) has a half: a fraction ("4½", "4个半")
    or a word for half after it ("4 and a half", "четыре с половиной", "bốn rưỡi")."""
    if "半" in word or any(unicodedata.numeric(ch, 0) % 1 for ch in word):
        return True
    following = (later for later in words[at + 1 :] if later not in HALF_LINKS)
    return next(following, None) in HALF_WORDS


def _meant(words: list[str], at: int, said: int, labelled: bool) -> bool:
    """Whether the number word `words[at]` of a longer reply is meant as its rating: next to a
    rating word, a clause of its own, or in a reply too short to tell a story, with no label."""
    return (
        _beside_rating_word(words, at)
        or len(_content(words)) == 1
        or (said <= _SHORT_REPLY and not labelled)
    )


@functools.lru_cache(maxsize=4096)
def _fold_word(word: str) -> str:
    # A long reply says the same few words over and over: each is folded once.
    return fold(word)


def _content(words: list[str]) -> list[str]:
    """The words of a reply that say something: not "stars", not "I'd say"."""
    return [word for word in words if word not in RATING_WORDS and word not in FILLER_WORDS]


def _negated(words: list[str], at: int, negating: frozenset[str]) -> bool:
    """Whether a negation comes right before `words[at]`, fillers aside ("not a 5")."""
    for word in reversed(words[:at]):
        if word in negating:
            return True
        if word not in FILLER_WORDS:
            return False
    return False


def _beside_rating_word(words: list[str], at: int) -> bool:
    return any(0 <= i < len(words) and words[i] in RATING_WORDS for i in (at - 1, at + 1))


def _match_labels(
    choices: tuple[Choice, ...],
    text: str,
    gettext: Gettext,
    negating: frozenset[str],
    reach: int | None = _DRIVER_NEGATION_REACH,
) -> int | str | None:
    """The choice whose label or keyword the reply says; the longest wins ("strongly agree").
    A label said right after a negation ("I don't agree") is no answer: the question is asked
    again, as it is when reading across a full stop would change the answer: "Agree. Strongly
    recommend this office" is two remarks, "Agree! Strongly." one. So it is when two clauses
    say different answers, or a Chinese label is half of a "neither … nor" (see
    `_clauses_differ`, `_half_of_neither_nor`)."""
    text = plain_predicates(text)
    if (
        _clauses_differ(choices, text, gettext, negating, reach)
        or _half_of_neither_nor(choices, text, gettext)
        or _asked_then_denied(choices, text, gettext, negating, reach)
    ):
        return None
    clauses = _clauses_and_sentences(text)
    found = _longest_label(choices, clauses, gettext, negating, reach)
    if found is not None and not _joined_only_by_its_words(choices, found, text, gettext):
        return None
    if _SENTENCE_BREAK.search(text.strip().rstrip(".!?。！？")):
        across = _longest_label(choices, (*clauses, _folded(text)), gettext, negating, reach)
        if across != found:
            return None
    return found


def _asked_then_denied(
    choices: tuple[Choice, ...],
    text: str,
    gettext: Gettext,
    negating: frozenset[str],
    reach: int | None,
) -> bool:
    """Whether a label is said as a question, then answered no: "Agree? Not really.", "Do I
    agree? No", "¿De acuerdo? Para nada." take it back."""
    asked, *answers = _QUESTION_MARK.split(text)
    for answer in answers:
        clause = _CLAUSE_BREAK.split(asked)[-1]
        said = _longest_labels(choices, (_folded(clause),), gettext, negating, reach)
        after = [_folded(part) for part in _CLAUSE_BREAK.split(answer)]
        if said and _taken_back([_folded(clause), *after], 0, negating):
            return True
        asked = answer
    return False


def _joined_only_by_its_words(
    choices: tuple[Choice, ...], value: int | str, text: str, gettext: Gettext
) -> bool:
    """Whether the label of `value` is said in a clause of its own, or across a comma only
    where the clause after the comma is nothing but the rest of it: "I agree, completely"
    and "Agree, strongly" are Strongly agree, but "Agree, strongly recommend this office"
    and "Agree, totally painless" say an adverb of another thought, and are asked again."""
    needles = {
        needle
        for choice in choices
        if choice.value == value
        for needle in _needles(choice, gettext)
    }
    clauses = [_folded(part) for part in _CLAUSE_BREAK.split(text)]
    if any(_label_places(clause, needle) for clause in clauses for needle in needles):
        return True
    for sentence in _SENTENCE_BREAK.split(text):
        pieces = [
            piece for piece in (_folded(part).strip() for part in _COMMA.split(sentence)) if piece
        ]
        joined = f" {' '.join(pieces)} "
        ends = list(itertools.accumulate(len(piece) + 1 for piece in pieces))
        for needle in needles:
            for at in _label_places(joined, needle):
                end = at + len(needle)
                if end in ends:
                    return True
    return False


def _clauses_differ(
    choices: tuple[Choice, ...],
    text: str,
    gettext: Gettext,
    negating: frozenset[str],
    reach: int | None,
) -> bool:
    """Whether two clauses of a reply say labels of different answers: "Disagree, but I
    completely agree the clerk was nice" is no Strongly agree for its longer label, nor
    Disagree; nor is "I don't agree, but I completely agree …", a label negated being no
    answer of its own. A clause that says none ("I agree, completely", "Agree, but the wait
    was long") differs from nothing; the sentence around it may still make a longer label of
    it, and clauses that each negate one may make a label together ("Ни согласен, ни не
    согласен")."""
    said: set[int | str | None] = set()
    # A long reply says the same clauses over and over ("no, no, no"): each is read once.
    for clause in dict.fromkeys(map(_folded, _CLAUSE_BREAK.split(text))):
        values = _longest_labels(choices, (clause,), gettext, negating, reach)
        if values:
            said |= values
        elif _says_negated(choices, clause, gettext, negating, reach):
            said.add(None)
    return len(said) > 1


def _says_negated(
    choices: tuple[Choice, ...],
    clause: str,
    gettext: Gettext,
    negating: frozenset[str],
    reach: int | None,
) -> bool:
    """Whether a folded clause says a label only to negate it ("I don't agree"); a keyword
    that is itself a negation (thumbs down's "no") is no label negated."""
    for choice in choices:
        for needle in _needles(choice, gettext) - negating:
            if _place(clause, needle) >= 0 and not _says_unnegated(
                (clause,), needle, negating, reach
            ):
                return True
    return False


def _half_of_neither_nor(choices: tuple[Choice, ...], text: str, gettext: Gettext) -> bool:
    """Whether a sentence says a label with a "nor" after it: Chinese "也不…" or "也没…"
    ("我不同意也不反对" and "我既不同意，也不反对" are neither agree nor oppose, not Disagree, and
    "我既同意，也不同意" is both), Tagalog "hindi rin …" ("Hindi sang-ayon o hindi rin tutol",
    disagree, nor oppose). The label that says a "nor" of its own ("既不同意也不反对") is taken
    out of the sentence first; a keyword that only says no (thumbs' "hindi") is no half."""
    if not _says_nor(_folded(text)):
        return False  # most replies: no "nor" to weigh
    needles = {needle for choice in choices for needle in _needles(choice, gettext)} - NEGATIONS
    whole = [needle for needle in needles if _says_nor(f" {needle} ")]
    for sentence in _SENTENCE_BREAK.split(text):
        folded = _folded(sentence)
        for needle in whole:
            folded = folded.replace(needle, " ")
        for needle in needles:
            at = folded.find(needle) if _HAN.search(needle) else _place(folded, needle)
            if at >= 0 and _says_nor_of_a_rating(folded[at + len(needle) :]):
                return True
    return False


def _says_nor(text: str) -> bool:
    """Whether a folded text says "nor": Chinese anywhere, Tagalog and Vietnamese as words of
    their own."""
    return any(nor in text for nor in CHINESE_NOR) or any(f" {nor} " in text for nor in WORD_NOR)


def _says_nor_of_a_rating(text: str) -> bool:
    """Whether a folded text says "nor" and, after it, a word of rating ("也不反对", "hindi rin
    tutol"): the other half of a neither, where "也不用等" (nor did I wait) is none."""
    ats = [text.find(nor) for nor in CHINESE_NOR] + [text.find(f" {nor} ") for nor in WORD_NOR]
    after = min((at for at in ats if at >= 0), default=-1)
    return after >= 0 and any(word in text[after:] for word in _nor_rated())


@functools.cache
def _nor_rated() -> frozenset[str]:
    return frozenset(_folded(word).strip() for word in NOR_RATED)


def _clauses_and_sentences(text: str) -> tuple[str, ...]:
    """A reply's clauses, folded, and each sentence with a comma in it whole: a label with a
    comma of its own (Russian ones have one), or said across one ("I agree, completely")."""
    clauses = tuple(_folded(part) for part in _CLAUSE_BREAK.split(text))
    sentences = tuple(
        _folded(sentence) for sentence in _SENTENCE_BREAK.split(text) if _COMMA.search(sentence)
    )
    return clauses + sentences


def _longest_label(
    choices: tuple[Choice, ...],
    clauses: tuple[str, ...],
    gettext: Gettext,
    negating: frozenset[str],
    reach: int | None,
) -> int | str | None:
    values = _longest_labels(choices, clauses, gettext, negating, reach)
    return next(iter(values)) if len(values) == 1 else None


def _longest_labels(
    choices: tuple[Choice, ...],
    clauses: tuple[str, ...],
    gettext: Gettext,
    negating: frozenset[str],
    reach: int | None,
) -> set[int | str]:
    """The answers whose longest labels or keywords `clauses` say, not negated: one, or
    several whose labels are as long (a tie), or none."""
    longest = 0
    values: set[int | str] = set()
    for value, needle in _needles_in(choices, gettext, clauses):
        if _says_unnegated(clauses, needle, negating, reach):
            if len(needle) > longest:
                longest, values = len(needle), {value}
            elif len(needle) == longest:
                values.add(value)
    for clause in clauses:
        mixed = _mixed_labels(choices, clause, gettext, negating, reach)
        if mixed:
            return values | mixed
    return values


def _mixed_labels(
    choices: tuple[Choice, ...],
    clause: str,
    gettext: Gettext,
    negating: frozenset[str],
    reach: int | None,
) -> set[int | str]:
    """The answers of labels a folded clause says apart from each other, when they differ:
    "Agree and disagree", "Agree or strongly agree", "Neutral to agree", "Yes and no",
    "yes 👎" are no one answer, the longest no more than the other. A label inside a longer
    one ("agree" in "strongly agree") is no second label."""
    spans = [
        (at, at + len(needle), value)
        for value, needle in _needles_in(choices, gettext, (clause,))
        for at in _unnegated_places(clause, needle, negating, reach)
    ]
    outer = [
        (start, end, value)
        for start, end, value in spans
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)
    ]
    return {
        value
        for start, end, value in outer
        for other_start, other_end, other in outer
        if other != value and (end <= other_start or other_end <= start)
    }


def _unnegated_places(
    clause: str, needle: str, negating: frozenset[str], reach: int | None
) -> list[int]:
    """Where a folded clause says `needle`, not negated (see `_says_unnegated`); a keyword
    that is a negation also where it ends the clause ("Yes and no")."""
    if needle in negating:
        return [at for at in _places(clause, needle) if at + len(needle) == len(clause) - 1]
    if needle in CLAUSE_ONLY_KEYWORDS:
        return _places(clause, needle) if _alone_with_fillers(clause, needle) else []
    if not any(map(str.isalnum, needle)):
        reach = 1
    # A keyword said as another word ("neutral" in "Neutral to agree") still makes the clause
    # say two answers: here every place counts, as `_label_places` finds it.
    return [
        at
        for at in _label_places(clause, needle)
        if not _negated_at(clause, at, needle, negating, reach)
    ]


@functools.lru_cache(maxsize=4096)
def _needle(phrase: str) -> str:
    """A label or keyword as replies are searched for it (the same few, for every reply)."""
    return _label_fold(_strip_punctuation(plain_predicates(phrase)))


def _says_unnegated(
    clauses: tuple[str, ...], needle: str, negating: frozenset[str], reach: int | None
) -> bool:
    """Whether a clause says `needle` with no negation before it in that clause (within its
    last `reach` words, if given), nor a Korean one right after it ("동의 안 해요").

    A keyword that is itself a negation (thumbs down's "no") is said only as a clause of its
    own ("No.", "not really, no"): "No problems 👍" says no "no"; so is one that is an
    everyday word in a phrase (CLAUSE_ONLY_KEYWORDS: "Fed up with waiting" says no "up"). An
    emoji is negated only by the word right before it ("not 👍"), not by a "no" earlier in
    the clause. "Si" and "보통" (CLAUSE_END_KEYWORDS) are said only as the last word of their
    clause, and "neutral" (CLAUSE_OPENING_KEYWORDS) only where it opens it."""
    if needle in negating:
        return any(set(clause.split()) == {needle} for clause in clauses)
    if needle in CLAUSE_ONLY_KEYWORDS:
        return any(_alone_with_fillers(clause, needle) for clause in clauses)
    if not any(map(str.isalnum, needle)):
        reach = 1
    for clause in clauses:
        at = _first(_keyword_places(clause, needle))
        if at >= 0:
            return not _negated_at(clause, at, needle, negating, reach)
    return False


def _keyword_places(clause: str, needle: str) -> list[int]:
    """Where a folded clause says `needle` as an answer (see `_label_places`): a keyword that
    is also another word only as the last word of its clause (CLAUSE_END_KEYWORDS), or where
    it opens it (CLAUSE_OPENING_KEYWORDS)."""
    if needle in CLAUSE_END_KEYWORDS:
        at = len(clause) - len(needle) - 1
        return [at] if clause.endswith(f" {needle} ") else []
    if needle in CLAUSE_OPENING_KEYWORDS:
        return [at for at in _places(clause, needle) if _opens(clause, at, needle)]
    return _label_places(clause, needle)


def _opens(clause: str, at: int, needle: str) -> bool:
    """Whether `needle`, said at `at` in a folded clause, has only fillers before it and, after
    it, nothing or a word that says what of ("neutral on this one", "neutral i guess")."""
    before = clause[:at].split()
    after = clause[at + len(needle) :].split()[:1]
    return set(before) <= FILLER_WORDS and set(after) <= FILLER_WORDS | AFTER_OPENING_KEYWORD


def _alone_with_fillers(clause: str, needle: str) -> bool:
    words = set(clause.split())
    return needle in words and words <= FILLER_WORDS | {needle}


def _place(clause: str, needle: str) -> int:
    """Where a folded clause first says `needle`, or -1 (see `_label_places`)."""
    return _first(_label_places(clause, needle))


def _label_places(clause: str, needle: str) -> list[int]:
    """Where a folded clause says `needle`. Chinese is written without spaces: "我同意" says
    同意 (and "我不同意" negates it), but only where it opens its clause, after a subject,
    adverbs and negations ("我非常同意", "我不同意"): inside other words it says nothing of the
    answer ("我签了同意书", a consent form; "需要家长同意", a parent's consent; "有不同意见",
    different opinions)."""
    if needle not in clause:  # most needles, for most replies: nothing more to look at
        return []
    if not _HAN.search(needle):
        return _places(clause, needle)
    places = _found_at(clause, needle)
    return [
        at
        for at in places
        if _CHINESE_OPENING.fullmatch(clause[:at].replace(" ", ""))
        and not clause.startswith(_CHINESE_NOUN_ENDINGS, at + len(needle))
    ]


# Written after a label, these make it a noun: 同意书 (a consent form), not 同意 (agree). Folded.
_CHINESE_NOUN_ENDINGS = tuple(fold(ending) for ending in ("书", "書"))


def _places(clause: str, needle: str) -> list[int]:
    """Where a folded clause says `needle` as words of its own."""
    return [at + 1 for at in _found_at(clause, f" {needle} ")]


def _found_at(text: str, part: str) -> list[int]:
    """Every place `part` starts in `text`, overlapping ones too."""
    places = []
    at = text.find(part)
    while at >= 0:
        places.append(at)
        at = text.find(part, at + 1)
    return places


def _first(places: list[int]) -> int:
    return places[0] if places else -1


def _negated_at(
    clause: str, at: int, needle: str, negating: frozenset[str], reach: int | None
) -> bool:
    """Whether `needle`, said at `at` in a folded clause, has a negation before it (within
    the last `reach` words, if given; each Chinese character a word) or a Korean one right
    after it."""
    before = _HAN_OR_WORD.findall(clause[:at])
    return (
        not negating.isdisjoint(before[-reach:] if reach else before)
        or _negated_after(clause, at, needle)
        or _bounded_after(clause, at, needle)
    )


def _bounded_after(clause: str, at: int, needle: str) -> bool:
    """Whether `needle`, said at `at` in a folded clause, is made a bound by the Korean word
    after it: "보통 이상이에요" (above so-so) and "보통 이하였어요" (below) are not so-so."""
    following = clause[at + len(needle) :].split()[:1]
    return bool(following) and following[0].startswith(BOUNDS_AFTER)


def _negated_after(clause: str, at: int, needle: str) -> bool:
    """Whether `needle`, said at `at` in a folded clause, has a Korean negation right after
    it ("동의 안 해요")."""
    return not NEGATIONS_AFTER.isdisjoint(clause[at + len(needle) :].split()[:1])


@functools.lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    """A reply or one of its clauses as labels are looked for in it (the same few, several
    times a reply)."""
    return f" {spelled_out_negations(_label_fold(_strip_punctuation(text)))} "


def _label_fold(text: str) -> str:
    """`text` folded as labels and replies are compared: a woman's feminine as the label's
    masculine, Vietnamese "đ" as "d", so that "dong y" typed without its marks is "đồng ý" (in
    labels only: unaccented elsewhere "dung" would be "dừng", stop, for "đúng"), and "dis
    agree" (or "dis-agree", its hyphen a space by now) as "disagree"."""
    folded = label_gender(fold(text.replace("đ", "d").replace("Đ", "d")))
    return _DIS_APART.sub("dis", folded) if "dis " in folded else folded


# "Dis-agree" and "dis agree" are one word: apart, "agree" stood alone and a disagree was Agree.
_DIS_APART = re.compile(r"\bdis (?=agree)")


def _parse_multi(
    question: Question, text: str, gettext: Gettext, languages: tuple[str, ...]
) -> tuple[str, ...] | None:
    if _NUMBERS_ONLY.fullmatch(text):  # "1 3", "1,3": no label to look for
        named: set[int | str] = set()
    else:
        named = _choices_named(question.choices, text, gettext, _negations(languages))
    if named and not _NUMBER.search(text):
        return _in_flow_order(question, named)
    positions = _positions(text, len(question.choices), languages)
    if positions:
        return _in_flow_order(question, {question.choices[p - 1].value for p in positions})
    return _every_one(question) if fold_words(text) in ALL_WORDS else None


def _every_one(question: Question) -> tuple[str, ...] | None:
    """The choices a reply of "all" ("All of them", "Todos", "Tous") picks: every one but those
    that lead to a question of their own. "Something else" asks what else, which "all" does not
    say: picked, it would ask the person for a story they never meant to tell."""
    asking = {value for route in question.routes if route.when for value in route.when}
    every = {choice.value for choice in question.choices if choice.value not in asking}
    return _in_flow_order(question, every) or None


def _choices_named(
    choices: tuple[Choice, ...], text: str, gettext: Gettext, negating: frozenset[str]
) -> set[int | str]:
    """Every choice whose label or keyword the reply says, not negated: "It took too long and
    staff were not helpful" names two drivers, and an A-11 tally that kept only the longest
    would undercount the other. The longest are taken first, and words already taken name
    nothing else. A clause that only says no takes back the choices of the clause before it
    ("Staff were helpful? No")."""
    text = plain_predicates(text)
    parts = _CLAUSE_BREAK.split(text)
    clauses = [_folded(part) for part in parts]
    tags = _tag_questions(text, parts)
    needles = [(choice.value, needle) for choice in choices for needle in _needles(choice, gettext)]
    asked = _ends_asking(text)
    taken_back = {i for i in range(len(clauses)) if _taken_back(clauses, i, negating, tags)}
    said = [
        found
        for index, clause in enumerate(clauses)
        for found in _said(index, clause, needles, negating)
        if index not in taken_back
        or (not asked[index] and _says_no_itself(clause, found, negating))
    ]
    if len(parts) > 1:
        # A label with a comma in it ("…, and why"): read where no clause holds it whole, in
        # its sentence (never across a full stop).
        unsaid = [
            (value, needle) for value, needle in needles if not _said_anywhere(clauses, needle)
        ]
        sentences = [s for s in _SENTENCE_BREAK.split(text) if _COMMA.search(s)]
        for index, sentence in enumerate(sentences, start=len(clauses)):
            said += _said(index, _folded(sentence), unsaid, negating)
    return _apart(said)


def _says_no_itself(clause: str, found: _Said, negating: frozenset[str]) -> bool:
    """Whether a driver's words say no themselves ("el personal no fue útil", "I did not get
    what I needed"): a no after them, said not asked, agrees ("…, nada", "…, not at all")
    rather than takes them back ("Staff were not helpful? No, they were fine")."""
    words = _HAN_OR_WORD.findall(clause[found.start : found.start + found.length])
    return not negating.isdisjoint(words)


def _tag_questions(text: str, parts: list[str]) -> frozenset[int]:
    """Which clauses of a reply (split as `parts`) are tag questions, not a no that takes back
    what came before: one asked after a statement ("…, el personal fue útil, ¿no?"), or
    Portuguese "né" (isn't it) alone ("…, a equipe foi prestativa, né")."""
    asks = _ends_asking(text)
    return frozenset(
        index
        for index, part in enumerate(parts)
        if part.strip().casefold() in _TAG_WORDS
        or (index > 0 and asks[index] and not asks[index - 1])
    )


def _ends_asking(text: str) -> list[bool]:
    """For each clause of a reply (split as _CLAUSE_BREAK splits it), whether a question mark
    ends it."""
    asks = [bool(_QUESTION_MARK.fullmatch(m.group())) for m in _CLAUSE_BREAK.finditer(text)]
    asks.append(False)
    return asks


def _said_anywhere(clauses: list[str], needle: str) -> bool:
    return any(_places(clause, needle) for clause in clauses)


def _taken_back(
    clauses: list[str], index: int, negating: frozenset[str], tags: frozenset[int] = frozenset()
) -> bool:
    """Whether the next clause after clause `index` that says anything says no and nothing
    else: "No", "Not really", "I'd say no", "Nope", "Нет", "不是" ("Staff were helpful?! No"),
    and is no tag question (clauses `tags`: "…, el personal fue útil, ¿no?")."""
    later = ((at, clause.strip()) for at, clause in enumerate(clauses) if at > index)
    at, said = next(((at, clause) for at, clause in later if clause), (-1, ""))
    if at in tags:
        return False
    words = set(_HAN_OR_WORD.findall(said))
    saying_no = negating | NEGATIONS_AFTER
    return said in NO_WORDS or (
        not words.isdisjoint(saying_no) and words <= saying_no | FILLER_WORDS
    )


@dataclass(frozen=True)
class _Said:
    """A choice's needle said in clause `clause` at `start`, and where in that clause the
    negations before it are: `near`, in its last few words (_DRIVER_NEGATION_REACH), and
    `far`, any others."""

    length: int
    clause: int
    start: int
    value: int | str
    near: tuple[int, ...]
    far: tuple[int, ...]


def _apart(said: list[_Said]) -> set[int | str]:
    """The value of the longest needle said, then of the others said in words of their own
    (none inside words a longer one took). A negation negates a needle from its last few words
    before it, or, past the longest, from anywhere before it in its clause ("I got what I
    needed, though I can't really say that staff were helpful" names one driver); one inside
    words a longer needle took negates nothing else ("I did not get what I needed and it took
    too long", "Staff were not helpful and it took too long" name two)."""
    taken: list[tuple[int, int, int]] = []
    named: set[int | str] = set()
    for found in sorted(said, key=lambda found: -found.length):
        start, end = found.start, found.start + found.length
        if any(found.clause == i and start < e and end > s for i, s, e in taken):
            continue
        negations = (*found.near, *found.far) if named else found.near
        if not all(_inside(taken, found.clause, at) for at in negations):
            continue
        taken.append((found.clause, start, end))
        named.add(found.value)
    return named


def _inside(taken: list[tuple[int, int, int]], clause: int, at: int) -> bool:
    """Whether place `at` of clause `clause` is inside words a needle took."""
    return any(clause == i and start <= at < end for i, start, end in taken)


def _said(
    index: int, clause: str, needles: list[tuple[int | str, str]], negating: frozenset[str]
) -> list[_Said]:
    """Each place clause `index` says a choice's needle with no Korean negation right after
    it ("동의 안 해요"), and the negations before it (see `_Said`)."""
    words = list(_HAN_OR_WORD.finditer(clause))
    negations = [word.start() for word in words if word.group() in negating]
    joins = [word.start() for word in words if word.group() in AND_WORDS]
    thats = [word.start() for word in words if word.group() in _COMPLEMENTIZERS]
    found = []
    for value, needle in needles:
        for at in _places(clause, needle):
            if _negated_after(clause, at, needle) or _denied_after(clause, at, needle, negating):
                continue
            # A negation does not reach past "and" ("I didn't wait long and it was easy to
            # do"), but does past "that" ("I can't really say that the staff were helpful").
            start = max((j for j in joins if j < at), default=-1)
            last_words = [word.start() for word in words if start < word.start() < at]
            near_from = (last_words[-_DRIVER_NEGATION_REACH:] or [at])[0]
            before = [n for n in negations if start < n < at]
            near = tuple(n for n in before if n >= near_from or any(n < t < at for t in thats))
            far = tuple(n for n in before if n not in near)
            found.append(_Said(len(needle), index, at, value, near, far))
    return found


# Words that begin a clause said or thought of: a negation before one reaches past it.
_COMPLEMENTIZERS = frozenset(
    fold(word) for word in ("that", "que", "что", "чтобы", "rằng", "أن", "na", "ke")
)


def _denied_after(clause: str, at: int, needle: str, negating: frozenset[str]) -> bool:
    """Whether a driver said at `at` in a folded clause is denied right after it: by a
    negation that ends the clause ("otra cosa no", "outra coisa não"), one that never stands
    before a noun ("другое не важно"; English "Staff were helpful no complaints" is still
    helpful), or a Korean "there is none" ("기타 없음")."""
    after = clause[at + len(needle) :].split()
    if not after:
        return False
    denial = after[0]
    return denial in NONE_AFTER or (
        denial in negating and (len(after) == 1 or denial in PREDICATE_NEGATIONS)
    )


def _needles_in(
    choices: tuple[Choice, ...], gettext: Gettext, clauses: tuple[str, ...]
) -> list[tuple[int | str, str]]:
    """Each choice's value with each of its needles that some clause holds at all: the few
    worth looking at closely, of the hundred or so a question has."""
    said = "\0".join(clauses)
    return [(value, needle) for value, needle in _all_needles(choices, gettext) if needle in said]


@functools.lru_cache(maxsize=256)
def _all_needles(
    choices: tuple[Choice, ...], gettext: Gettext
) -> tuple[tuple[int | str, str], ...]:
    """Each choice's value with each of its needles: the same for every reply to a question
    in a language."""
    return tuple(
        (choice.value, needle) for choice in choices for needle in _needles(choice, gettext)
    )


def _needles(choice: Choice, gettext: Gettext) -> set[str]:
    """A choice's label (in English and as translated) and keywords, as replies are searched
    for them."""
    phrases = {choice.label, gettext(choice.label), *choice.keywords}
    return {needle for needle in map(_needle, phrases) if needle}


def _positions(text: str, count: int, languages: tuple[str, ...]) -> set[int] | None:
    """The choices a reply of numbers picks, by position: "1 3", "1,3", "1 and 3", "one and
    three", "13" (a texter who left out the spaces), and ranges.

    A range picks every choice from its first number to its last: "1-3", "1 to 3" and
    "1 a 3" are 1, 2 and 3, as "pages 1-3" would be; a texter who writes "1-3" means the
    first three, not two. A range backwards ("3-1"), open ("1-") or reaching past the list
    is asked again; dashes between more than two numbers ("1-3-5") only separate them.
    Anything else in the reply (a word that is no number, "or", "not") makes it no answer:
    the question is asked again rather than half read.
    """
    runs: list[list[list[int]]] = []  # the numbers a range mark joins, each run apart
    previous = None
    for token in _DRIVER_TOKEN.findall(text):
        folded = fold(token)
        if folded in RANGE_WORDS:
            if previous != "number":
                return None  # "-3", "1 - - 3"
            previous = "range"
        elif folded in AND_WORDS or folded in RATING_WORDS:
            if previous == "range":
                return None
            previous = "separator"
        elif folded in HESITATIONS and _number_word(token, languages) is None:
            continue  # "Um, three.": a caller's hesitation, as the recogniser wrote it
        else:
            picked = _picked_positions(token, count, languages)
            if picked is None:
                return None
            if previous == "range":
                runs[-1].append(picked)
            else:
                runs.append([picked])
            previous = "number"
    if previous == "range":
        return None
    positions: set[int] = set()
    for run in runs:
        if len(run) == 2:
            (start, *more), (end, *rest) = run
            if more or rest or end < start:
                return None
            positions.update(range(start, end + 1))
        else:
            positions.update(number for picked in run for number in picked)
    return positions


def _picked_positions(token: str, count: int, languages: tuple[str, ...]) -> list[int] | None:
    if not token.isdecimal():
        named = _number_word(token, languages)
        return [named.value] if named is not None and 1 <= named.value <= count else None
    # isdecimal(), not isdigit(): "²" is a digit that int() refuses; no choice has ten digits.
    if len(token) > 9:
        return None
    if 1 <= int(token) <= count and token[0] != "0":
        return [int(token)]
    if count < 10 and all(1 <= int(digit) <= count for digit in token):
        return [int(digit) for digit in token]  # "135" from a texter who left out the spaces
    return None


def _in_flow_order(question: Question, picked: set[int | str]) -> tuple[str, ...]:
    return tuple(str(choice.value) for choice in question.choices if choice.value in picked)


def _strip_punctuation(text: str) -> str:
    """Punctuation as spaces; a symbol (an emoji) stays, as a word of its own, so that
    "👍 thanks" and "👍👍" say 👍."""
    return _NOT_A_WORD.sub(_symbol_or_space, text)


def _symbol_or_space(match: re.Match[str]) -> str:
    symbol = match.group()
    category = unicodedata.category(symbol)
    if category == "Mn":
        return ""  # a mark on a letter (Arabic vowel marks: "تمامًا"), folded away after
    return f" {symbol} " if category == "So" else " "


_NOT_A_WORD = re.compile(r"[^\w\s]")
# Chinese is written without spaces between words: each of its characters counts as one.
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HAN_OR_WORD = re.compile(
    "|".join(CHINESE_NOT) + r"|[\u3400-\u9fff\uf900-\ufaff]|[^\s\u3400-\u9fff\uf900-\ufaff]+"
)
_WORD = re.compile(r"\w+")
# What may come before a Chinese label in its clause: a subject, "but", and adverbs of degree,
# certainty and negation, in any order ("我非常同意", "但完全同意", "并非我不同意"). Folded.
_CHINESE_OPENING = re.compile(
    "(?:"
    + "|".join(
        sorted(
            map(
                fold,
                (
                    *("我们", "我們", "本人", "我", "但是", "但", "不过", "不過", "可是", "而且"),
                    *("所以", "总之", "總之", "嗯", "对", "對", "是的", "非常", "很", "完全"),
                    *("十分", "强烈", "強烈", "特别", "特別", "绝对", "絕對", "比较", "比較"),
                    *("还是", "還是", "有点", "有點", "真的", "确实", "確實", "实在", "實在"),
                    *("基本上", "基本", "当然", "當然", "觉得", "覺得", "认为", "認為", "表示"),
                    *("总体", "總體", "也", "都", "还", "還", "就", "是", "既", "并", "並"),
                    *("无法", "無法", "不能", "并非", "並非", "绝非", "絕非", "不", "没", "沒"),
                    *("无", "無", "未", "太", "挺", "蛮", "超", "极", "極", "其实", "其實"),
                    *("还算", "還算", "算是", "算", "总体来说", "總體來說", "说实话", "說實話"),
                    *("坦白说", "坦白說", "大致", "个人", "個人", "真心", "老实说", "老實說"),
                ),
            ),
            key=len,
            reverse=True,
        )
    )
    + ")*"
)
