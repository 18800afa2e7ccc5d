"""Survey flows: YAML definitions validated once at start-up into immutable values."""

from __future__ import annotations

import codecs
import difflib
import functools
import json
import re
import string
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NoReturn

import jsonschema
import yaml

END = "end"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "flow.schema.json"

QuestionType = Literal["scale", "multi", "text"]

# The A-11 record's fields a question's answer may fill, as normalize.build_record reads them,
# each with the type of question that asks it and what it is, for the validator's messages.
A11_RECORDS: Mapping[str, tuple[QuestionType, str]] = {
    "question_1": ("scale", "the A-11 trust rating"),
    "positive": ("multi", "the A-11 drivers of a positive answer"),
    "negative": ("multi", "the A-11 drivers of a negative answer"),
    "positive_other_text": ("text", "the words of a positive answer's Something else"),
    "negative_other_text": ("text", "the words of a negative answer's Something else"),
    "question_4": ("text", "the A-11 closing comment"),
}
# A-11's driver dimensions, the only choices of a `positive` or `negative` question: the same as
# feedbot.models.DRIVERS, which this module cannot import (the engine would import SQLAlchemy).
A11_DRIVERS = (
    "effectiveness",
    "ease",
    "efficiency",
    "transparency",
    "humanity",
    "employee",
    "other",
)
# What the engine fills in a notice, a closing or a question's text (engine.Context.placeholders).
PLACEHOLDERS = frozenset({"agency", "service", "omb_control_number", "omb_expiration"})


class FlowError(Exception):
    """A flow file is broken; the message names the file, the place and the problem."""

    def __init__(self, path: Path | str, place: str, problem: str) -> None:
        super().__init__(f"{path}, {place}: {problem}" if place else f"{path}: {problem}")


@dataclass(frozen=True)
class Choice:
    value: int | str
    label: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    goto: str
    when: frozenset[int | str] | None = None

    def matches(self, answer: int | str | tuple[str, ...] | None) -> bool:
        if self.when is None:
            return True
        # By the values' text: a multi's answer holds its choices' values as text (as JSON
        # stores it), so a choice of value 3 is "3" in it and never took `when: [3]`.
        said = answer if isinstance(answer, tuple) else (answer,)
        return not {str(value) for value in self.when}.isdisjoint(map(str, said))


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: str
    routes: tuple[Route, ...]
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    record: str | None = None
    unanswered: str | None = None

    def next_after(self, answer: int | str | tuple[str, ...] | None) -> str:
        """The id of the question that follows this answer (None means unanswered)."""
        if answer is None and self.unanswered is not None:
            return self.unanswered
        for route in self.routes:
            if answer is not None and route.matches(answer):
                return route.goto
        return self.routes[-1].goto

    def choice(self, value: int | str) -> Choice:
        return next(choice for choice in self.choices if choice.value == value)


@dataclass(frozen=True)
class Flow:
    id: str
    version: int
    title: str
    trust_form: Literal["likert", "thumbs"]
    notice: str
    closing: str
    start: str
    questions: Mapping[str, Question]
    path: str

    def question(self, question_id: str) -> Question:
        return self.questions[question_id]

    @property
    def trust_question(self) -> Question:
        """The question that records question_1, the A-11 trust rating (every flow has one):
        the first, where alternatives on branches each record it. A flow may begin with a
        question of its own ("How did you file today?") and come to the trust rating after."""
        return next(q for q in self.questions.values() if q.record == "question_1")

    def on_every_path(self, question_id: str) -> bool:
        """Whether every way through the survey asks `question_id`, not only one branch: a
        response that never reached it stopped before it."""
        seen: set[str] = set()
        waiting = [self.start]
        while waiting:
            current = waiting.pop()
            if current == END:
                return False
            if current == question_id or current in seen:
                continue
            seen.add(current)
            question = self.questions[current]
            waiting += [route.goto for route in question.routes]
            waiting += [question.unanswered] if question.unanswered else []
        return True


def load_flow(path: Path | str) -> Flow:
    """Read, validate and freeze one flow file; raise FlowError naming what is wrong."""
    path = Path(path)
    return _flow_from(str(path), read_text(path))


# A flow is a function of its path and its text alone, and frozen: the same text read again
# (each app an interpreter makes, a worker re-reading the flows beside a changed services
# file) is the same Flow without parsing and validating it again, ~15 ms a flow. A file
# whose text changed is read anew; a refusal is not kept (lru_cache keeps no exception).
@functools.lru_cache(maxsize=64)
def _flow_from(name: str, text: str) -> Flow:
    path = Path(name)
    document = _read_yaml(path, text)
    _validate_against_schema(path, document)
    flow = _build_flow(path, document)
    _check_meaning(flow)
    return flow


def load_flows(directory: Path | str, services_file: Path | None = None) -> dict[str, Flow]:
    """Every flow file in a directory, keyed by flow id. The services file may be kept among
    them under any name: neither it nor a services.yaml is a flow."""
    flows: dict[str, Flow] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        if path.name == "services.yaml" or _same_file(path, services_file):
            continue
        flow = load_flow(path)
        if flow.id in flows:
            raise FlowError(
                path, "id", f"flow id {flow.id!r} is already used by {flows[flow.id].path}"
            )
        flows[flow.id] = flow
    return flows


def _same_file(path: Path, other: Path | None) -> bool:
    return other is not None and path.resolve() == other.resolve()


def extract_flow_messages(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor: yield every public-facing string of a flow file for messages.pot."""
    # With the parser the app reads flows with (below): PyYAML's own refuses some flows
    # libyaml's takes (a tab between a flow mapping's entries).
    root = yaml.compose(fileobj.read().decode("utf-8"), Loader=_SafeLoader)
    yield from _translatable_scalars(root)


def _translatable_scalars(node: yaml.Node) -> Iterator[tuple[int, str, str, list[str]]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value in {"notice", "closing", "text", "label"} and isinstance(
                value, yaml.ScalarNode
            ):
                yield value.start_mark.line + 1, "gettext", value.value, []
            else:
                yield from _translatable_scalars(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _translatable_scalars(item)


# A YAML alias may stand for a value that holds it ("&a [*a]"): PyYAML reads that as a list
# inside itself, which every later check would follow forever.
ENDLESS_ALIAS = (
    "has an alias (*name) inside the value it names, which makes that value endless: write"
    " the value out where it repeats"
)


@dataclass(frozen=True)
class DuplicateKey:
    """A key written twice in one YAML mapping, which PyYAML reads as the last one alone."""

    parts: tuple[str | int, ...]  # the key's place from the top of the document
    first_line: int
    line: int

    @property
    def problem(self) -> str:
        return (
            f"is written twice, on lines {self.first_line} and {self.line}: YAML would keep the"
            " last alone, without a word; keep one"
        )


_MERGE = "tag:yaml.org,2002:merge"

# How many lists and mappings inside one another a services or flow file may hold: their
# settings go six deep at most. libyaml's parser takes 1,000, and what reads the document next
# (json, the schema's check, the search for scrub_names) recurses once or twice a level: from 500
# levels it stopped with a bare RecursionError.
MAX_DEPTH = 100
NESTED_TOO_DEEP = (
    f"is nested too deep (more than {MAX_DEPTH} lists or mappings inside one another; a services"
    " or flow file's settings go a few levels deep)"
)


class Unreadable(yaml.YAMLError):
    """A mistake the loader names in its own words, at its place (`problem_mark`): the readers
    say `problem` as it is, where PyYAML's own refusals are "is not valid YAML (...)"."""

    def __init__(self, problem_mark: yaml.Mark, problem: str) -> None:
        super().__init__(problem)
        self.problem_mark = problem_mark
        self.problem = problem


def yaml_refusal(
    path: Path, error: yaml.YAMLError, refuse: type[FlowError] = FlowError
) -> FlowError:
    """What a reader says of a file PyYAML or the loader refused: the place and the problem
    alone, as PyYAML's own message quotes the line (in a services file, maybe one of
    scrub_names)."""
    mark = getattr(error, "problem_mark", None)
    place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    if isinstance(error, Unreadable):
        return refuse(path, place, error.problem)
    problem = getattr(error, "problem", None) or type(error).__name__
    return refuse(path, place, f"is not valid YAML ({problem})")


# What a value PyYAML cannot construct is not, by its tag (written, or read from its form).
_NOT_WHAT_THE_TAG_SAYS = {
    "tag:yaml.org,2002:timestamp": "is not a date (or date and time) that exists",
    "tag:yaml.org,2002:int": "is not a number, as its tag says",
    "tag:yaml.org,2002:float": "is not a number, as its tag says",
    "tag:yaml.org,2002:bool": "is not true or false, as its tag says",
}


# libyaml's parser where PyYAML was built with it (its wheels are): the same documents, nodes
# and marks, read about ten times as fast as PyYAML's own Python parser, which took most of
# the time of building an app (and so of every worker's and command's start).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_SafeLoader):
    """PyYAML's safe loader, which also finds a key written twice in one mapping (PyYAML keeps
    the last without a word: a second `sms_numbers:` line dropped the first's numbers). After
    loading, `duplicate_key` is the first found, or None.

    A setting a merge key (<<) brings in and the mapping then writes is not written twice: that
    is how YAML's merge gives defaults.

    A document nested more than MAX_DEPTH deep is refused (Unreadable) before it is built:
    building it recurses once a level (PyYAML's merge keys, json, the schema's check), past
    Python's limit from a few hundred levels, fewer when the caller's stack is deep already."""

    duplicate_key: DuplicateKey | None = None

    def construct_document(self, node: yaml.Node) -> Any:
        if (too_deep := _too_deep(node)) is not None:
            raise Unreadable(too_deep, NESTED_TOO_DEEP)
        found = list(self._duplicate_keys(node))
        # The shallowest first: every key on its way is then written once, so its place is
        # one the document has.
        self.duplicate_key = min(found, key=lambda d: (len(d.parts), d.line), default=None)
        return super().construct_document(node)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, IndexError, KeyError, AttributeError) as error:
            # A date that does not exist (2027-02-30), `!!int twelve`, `!!int ''`, `!!bool
            # maybe`, `!!timestamp soon`: PyYAML's constructors raise these bare (KeyError
            # quoting the value), which stopped start-up with a traceback. Named with its
            # place, as any YAML mistake is, by what its tag says it is: never the value,
            # which in a services file may be a personal name.
            if (problem := _NOT_WHAT_THE_TAG_SAYS.get(node.tag)) is not None:
                raise Unreadable(node.start_mark, problem) from error
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value: {type(error).__name__}", node.start_mark
            ) from error

    def _duplicate_keys(self, root: yaml.Node) -> Iterator[DuplicateKey]:
        # Each node once, as the document was written (before merge keys are applied): an
        # alias is a node already seen, so a value holding itself, or aliases nested a
        # thousand deep, cost no more than writing them out once.
        seen: set[int] = set()
        waiting: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
        while waiting:
            node, parts = waiting.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                waiting += [(item, (*parts, index)) for index, item in enumerate(node.value)]
            elif isinstance(node, yaml.MappingNode):
                first_lines: dict[Any, int] = {}
                for key_node, value_node in node.value:
                    if key_node.tag == _MERGE or not isinstance(key_node, yaml.ScalarNode):
                        waiting.append((value_node, parts))
                        continue
                    # As PyYAML will read it: `yes` and `true` are the same key.
                    key = self.construct_object(key_node)
                    line = key_node.start_mark.line + 1
                    place = (*parts, key if isinstance(key, str) else str(key))
                    if key in first_lines:
                        yield DuplicateKey(place, first_lines[key], line)
                    else:
                        first_lines[key] = line
                    waiting.append((value_node, place))


def _too_deep(root: yaml.Node) -> yaml.Mark | None:
    """Where the first list or mapping more than MAX_DEPTH deep begins, as PyYAML reads the
    document: through aliases, so values each written a few levels deep, holding one another by
    their aliases, count as deep as they are read."""
    heights = _heights(root)
    if heights[id(root)] <= MAX_DEPTH:
        return None
    node = root
    for _ in range(MAX_DEPTH):
        node = max(_children(node), key=lambda child: heights[id(child)])
    return node.start_mark


def _heights(root: yaml.Node) -> dict[int, int]:
    """How many lists and mappings inside one another each node is, itself included (0 for a
    value). Each node once, without recursion: an alias is a node already seen, and an alias back
    into the value that holds it (refused later, as endless) adds nothing."""
    heights: dict[int, int] = {}
    waiting: list[tuple[yaml.Node, bool]] = [(root, False)]
    while waiting:
        node, counting = waiting.pop()
        if counting:
            heights[id(node)] = 1 + max(
                (heights[id(child)] for child in _children(node)), default=0
            )
        elif id(node) not in heights:
            heights[id(node)] = 0
            if not isinstance(node, yaml.ScalarNode):
                waiting.append((node, True))
                waiting += [(child, False) for child in _children(node)]
    return heights


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def read_text(path: Path, refuse: type[FlowError] = FlowError) -> str:
    """A services or flow file's text, UTF-8 with or without the byte order mark Notepad may
    write. A file that cannot be read, that an editor saved as UTF-16 or Latin-1, or that holds
    a character YAML does not allow is refused with `refuse` naming it, with where its first
    such byte or character is, by line and column as an editor counts them, and the character's
    code point, never the text around it (a services file's scrub_names are personal names).
    PyYAML's own refusal of a character said where by an offset in "<unicode string>"."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise refuse(path, "", f"cannot be read ({error.strerror})") from error
    data = data.removeprefix(codecs.BOM_UTF8)
    # UTF-16 without its byte order mark: an ASCII file's every other byte is NUL, which is
    # UTF-8, so the first NUL is where it stops being UTF-8 text.
    nul = data.find(b"\0")
    try:
        text = data[: len(data) if nul < 0 else nul].decode("utf-8")
    except UnicodeDecodeError as error:
        problem = f"is not UTF-8 text (byte 0x{data[error.start]:02x}): save it as UTF-8"
        raise refuse(path, _place_after(data[: error.start].decode("utf-8")), problem) from error
    if nul >= 0:
        problem = "is not UTF-8 text (byte 0x00: it looks saved as UTF-16): save it as UTF-8"
        raise refuse(path, _place_after(text), problem)
    if refused := yaml.reader.Reader.NON_PRINTABLE.search(text):
        character = refused.group()
        kind = "a control character" if unicodedata.category(character) == "Cc" else "a character"
        problem = f"has {kind}, U+{ord(character):04X}, which YAML does not allow"
        raise refuse(path, _place_after(text[: refused.start()]), problem)
    return text


def _place_after(before: str) -> str:
    """The line and column of what follows `before`, the text of the file up to it."""
    return f"line {before.count(chr(10)) + 1}, column {len(before) - before.rfind(chr(10))}"


def _read_yaml(path: Path, text: str) -> Any:
    try:
        loader = UniqueKeyLoader(text)
        try:
            document = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise yaml_refusal(path, error) from error
    if (duplicate := loader.duplicate_key) is not None:
        place = f"line {duplicate.line}, {_place(duplicate.parts)}"
        raise FlowError(path, place, duplicate.problem)
    try:
        json.dumps(document, default=str)  # the schema's check would recurse without end
    except ValueError as error:  # json's "Circular reference detected"
        raise FlowError(path, "", ENDLESS_ALIAS) from error
    return document


_SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
_VALIDATOR = jsonschema.Draft202012Validator(_SCHEMA)


def _validate_against_schema(path: Path, document: Any) -> None:
    errors = sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        raise FlowError(path, _place(error.absolute_path), error.message)


def _place(parts: Any) -> str:
    place = ""
    for part in parts:
        place += f"[{part}]" if isinstance(part, int) else f".{part}" if place else str(part)
    return place or "top level"


def _build_flow(path: Path, document: Mapping[str, Any]) -> Flow:
    questions = {
        question_id: _build_question(question_id, spec)
        for question_id, spec in document["questions"].items()
    }
    return Flow(
        id=document["id"],
        version=document["version"],
        title=document["title"],
        trust_form=document["trust_form"],
        notice=document["notice"],
        closing=document["closing"],
        start=document["start"],
        questions=MappingProxyType(questions),
        path=str(path),
    )


def _build_question(question_id: str, spec: Mapping[str, Any]) -> Question:
    next_spec = spec["next"]
    if isinstance(next_spec, str):
        routes: tuple[Route, ...] = (Route(goto=next_spec),)
    else:
        routes = tuple(
            Route(goto=r["goto"], when=frozenset(r["when"]) if "when" in r else None)
            for r in next_spec
        )
    return Question(
        id=question_id,
        type=spec["type"],
        text=spec["text"],
        routes=routes,
        choices=tuple(
            Choice(value=c["value"], label=c["label"], keywords=tuple(c.get("keywords", ())))
            for c in spec.get("choices", ())
        ),
        optional=spec.get("optional", False),
        record=spec.get("record"),
        unanswered=spec.get("unanswered"),
    )


def _check_meaning(flow: Flow) -> None:
    """What a schema cannot say: targets exist, values fit their type, no question loops, every
    question is reached, answers fill the A-11 record, texts show what the public must read."""
    if flow.start not in flow.questions:
        raise FlowError(flow.path, "start", f"names no question ({flow.start!r})")
    for question in flow.questions.values():
        _check_question(flow, question)
    _check_no_loops(flow)
    _check_every_question_is_reached(flow)
    _check_records(flow)
    _check_texts(flow)


def _check_question(flow: Flow, question: Question) -> None:
    place = f"questions.{question.id}"
    values = [choice.value for choice in question.choices]
    if len(set(values)) != len(values):
        raise FlowError(flow.path, f"{place}.choices", "choice values must be unique")
    by_text = {str(value): value for value in values}
    for value in values:
        if by_text[str(value)] != value:
            # A reply, a client's value and a stored answer name a choice by its text.
            raise FlowError(
                flow.path,
                f"{place}.choices",
                f"choice values {value!r} and {by_text[str(value)]!r} are the same answer, as"
                " a reply or a stored answer names a choice by its text: give one another value",
            )
    if question.type == "scale":
        for index, value in enumerate(values):
            if not isinstance(value, int):
                raise FlowError(
                    flow.path, f"{place}.choices[{index}].value", f"{value!r} is not a number"
                )
        # Unique, as checked above: consecutive when they span as many numbers as there are
        # (listing every number from the lowest to the highest, 10**9 asked for 8 GB).
        consecutive = max(values) - min(values) + 1 == len(values)
        # The trust scale is checked against its form, with a message that says which it takes.
        if not consecutive and question.record != "question_1":
            raise FlowError(flow.path, f"{place}.choices", "scale values must be consecutive")
    targets = [route.goto for route in question.routes]
    if question.unanswered:
        targets.append(question.unanswered)
    for target in targets:
        if target != END and target not in flow.questions:
            raise FlowError(flow.path, f"{place}.next", f"goes to unknown question {target!r}")
    for index, route in enumerate(question.routes):
        unknown = (route.when or frozenset()) - set(values)
        if unknown:
            raise FlowError(
                flow.path,
                f"{place}.next[{index}].when",
                f"{sorted(unknown, key=str)} are not choices of this question",
            )


def _check_no_loops(flow: Flow) -> None:
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(question_id: str) -> None:
        if question_id == END or question_id in done:
            return
        if question_id in visiting:
            raise FlowError(
                flow.path, f"questions.{question_id}", "the flow loops back to this question"
            )
        visiting.add(question_id)
        question = flow.questions[question_id]
        for target in {route.goto for route in question.routes} | {question.unanswered or END}:
            visit(target)
        visiting.discard(question_id)
        done.add(question_id)

    for question_id in flow.questions:
        visit(question_id)


def _check_every_question_is_reached(flow: Flow) -> None:
    reached = set(_in_reach_order(flow))
    for question_id in flow.questions:
        if question_id not in reached:
            raise FlowError(
                flow.path,
                f"questions.{question_id}",
                "no way through the survey from its start reaches this question, so it would"
                " never be asked: send a question's next, goto or unanswered to it, or remove it",
            )


def _in_reach_order(flow: Flow) -> list[str]:
    """The questions a survey can come to, nearest the start first."""
    order = [flow.start]
    for question_id in order:
        question = flow.questions[question_id]
        following = [route.goto for route in question.routes] + [question.unanswered or END]
        order += [target for target in following if target != END and target not in order]
    return order


def _check_records(flow: Flow) -> None:
    """Each answer fills its own field of the A-11 record, of the type the field holds: a field
    no question fills, or two fill, was exported empty or with the wrong answer, unwarned."""
    recorded_by: dict[str, list[Question]] = {}
    for question in map(flow.question, _in_reach_order(flow)):
        if question.record is None:
            continue
        _check_record_type(flow, question)
        for earlier in recorded_by.get(question.record, []):
            # Alternatives on branches no survey takes both of may record one field.
            if question.id in _after(flow, earlier.id) or earlier.id in _after(flow, question.id):
                raise FlowError(
                    flow.path, f"questions.{question.id}.record", _shared(earlier, question)
                )
        recorded_by.setdefault(question.record, []).append(question)
    if "question_1" not in recorded_by:
        _refuse_missing_trust_question(flow)
    for trust in recorded_by["question_1"]:
        if trust.optional:
            # A skip would export question_1 empty: a response A-11 cannot count.
            raise FlowError(
                flow.path,
                f"questions.{trust.id}.optional",
                "the trust question is required by A-11: remove `optional: true` (a reply that"
                " cannot be read is asked again, and after three tries the survey moves on)",
            )
        _check_trust_scale(flow, trust)
    for branch in ("positive", "negative"):
        if branch not in recorded_by:
            _refuse_misspelt_record(flow, branch)
            _refuse_missing_branch(flow, branch)
        for drivers in recorded_by[branch]:
            _check_drivers(flow, drivers)
    # A flow may leave these out (no closing comment, no "Something else"), but one that asks
    # for them under a misspelt record lost every comment from every export.
    for words in ("positive_other_text", "negative_other_text", "question_4"):
        if words not in recorded_by:
            _refuse_misspelt_record(flow, words)


def _after(flow: Flow, question_id: str) -> set[str]:
    """The questions a survey can come to after `question_id`."""
    after: set[str] = set()
    waiting = [question_id]
    while waiting:
        question = flow.questions[waiting.pop()]
        following = [route.goto for route in question.routes] + [question.unanswered or END]
        for target in following:
            if target != END and target not in after:
                after.add(target)
                waiting.append(target)
    return after


def _check_record_type(flow: Flow, question: Question) -> None:
    if question.record not in A11_RECORDS:
        return
    expected, meaning = A11_RECORDS[question.record]
    if question.type != expected:
        raise FlowError(
            flow.path,
            f"questions.{question.id}.type",
            f"it records {question.record}, {meaning}, which a {expected} question asks: write"
            f" `type: {expected}`, or give this question a record of its own",
        )


def _shared(earlier: Question, question: Question) -> str:
    problem = (
        f"question {earlier.id!r} records {question.record} already, on the same way through"
        " the survey, and the export keeps one answer per field, so one answer would overwrite"
        " the other: "
    )
    own = "" if question.id in A11_RECORDS else f", such as `record: {question.id}`"
    # A record of the agency's own is in no export: for a question that asks for the A-11
    # field itself, that advice would lose its answers.
    return problem + (
        f"if this question asks for {question.record} too, ask for it once on each way through"
        " the survey (questions on branches no survey takes both of may each record it); if it"
        f" asks something else, give it a record of its own{own} (stored, in no export)"
    )


def _refuse_missing_trust_question(flow: Flow) -> NoReturn:
    """Names the question most likely meant as the trust question: one whose record is
    question_1 misspelt, or else the first rating scale the survey comes to."""
    scales = [
        question
        for question in map(flow.question, _in_reach_order(flow))
        if question.type == "scale" and question.record not in A11_RECORDS
    ]
    misspelt = [question for question in scales if _misspells(question.record, "question_1")]
    problem = (
        "no question records question_1, the A-11 trust rating, so every response would be"
        " exported without one: "
    )
    if not scales:
        raise FlowError(
            flow.path,
            "questions",
            f"{problem}add the trust question, a scale with `record: question_1`",
        )
    trust = (misspelt or scales)[0]
    if trust.record:
        place, fix = ".record", f"write `record: question_1` (not `record: {trust.record}`)"
    else:
        place, fix = "", "add `record: question_1`"
    raise FlowError(
        flow.path,
        f"questions.{trust.id}{place}",
        f"{problem}if this is the trust question, {fix}",
    )


def _refuse_misspelt_record(flow: Flow, field: str) -> None:
    """Refuses a question of the field's type whose record is `field` misspelt."""
    kind, meaning = A11_RECORDS[field]
    for question in flow.questions.values():
        if question.type == kind and _misspells(question.record, field):
            # A record of the agency's own may be named like the field by chance (`question_5`
            # in a flow with no closing comment): a name further from it is kept.
            close = question.id in A11_RECORDS or _misspells(question.id, field)
            own = "" if close else f", such as `record: {question.id}`"
            raise FlowError(
                flow.path,
                f"questions.{question.id}.record",
                f"no question records {field}, {meaning}, and {question.record!r} is no A-11"
                f" field, so these answers would be lost from the export: write `record:"
                f" {field}`; for a field of your own (stored, in no export), give it a name"
                f" further from {field}{own}",
            )


def _refuse_missing_branch(flow: Flow, field: str) -> NoReturn:
    """A-11 asks every respondent the branch question of their answer: what made the
    difference (positive) or what could have been better (negative)."""
    raise FlowError(
        flow.path,
        "questions",
        f"no question records {field}, {A11_RECORDS[field][1]}, which A-11 asks after a"
        f" {'positive' if field == 'positive' else 'negative or neutral'} trust answer: add"
        f" that question with `record: {field}`",
    )


def _misspells(record: str | None, field: str) -> bool:
    """A record a letter or two from an A-11 field no question fills is that field misspelt
    ("positives", "question_l"), not a field of the agency's own."""
    return (
        record is not None
        and record not in A11_RECORDS
        and bool(difflib.get_close_matches(record, [field], cutoff=0.8))
    )


# The trust question's choices as the A-11 record holds them for each form of the question.
_TRUST_SCALES = {"likert": [1, 2, 3, 4, 5], "thumbs": [0, 1]}


def _check_trust_scale(flow: Flow, trust: Question) -> None:
    values = sorted(int(choice.value) for choice in trust.choices)
    if values == _TRUST_SCALES[flow.trust_form]:
        return
    offered = ", ".join(map(str, values))
    if flow.trust_form == "likert":
        problem = (
            f"the trust scale is {offered}, but a likert flow asks it on 1 to 5, as A-11 reports"
            " it (1 Strongly disagree to 5 Strongly agree): give the trust question exactly the"
            " choices 1 to 5, or write `trust_form: thumbs` for 1 = thumbs up, 0 = thumbs down"
        )
    else:
        problem = (
            f"the trust choices are {offered}, but a thumbs flow records 1 = thumbs up and"
            " 0 = thumbs down: give the trust question exactly the choices 1 and 0, or write"
            " `trust_form: likert` for the 1-5 scale"
        )
    raise FlowError(flow.path, f"questions.{trust.id}.choices", problem)


def _check_drivers(flow: Flow, question: Question) -> None:
    # normalize exports a tick only under a driver's own name: any other value was lost.
    for index, choice in enumerate(question.choices):
        if choice.value not in A11_DRIVERS:
            close = difflib.get_close_matches(str(choice.value), A11_DRIVERS, n=1)
            raise FlowError(
                flow.path,
                f"questions.{question.id}.choices[{index}].value",
                f"{choice.value!r} is not an A-11 driver, so a tick on it would be lost from the"
                f" export: a question recording {question.record} offers"
                f" {', '.join(A11_DRIVERS[:-1])} or {A11_DRIVERS[-1]}"
                + (f" (did you mean {close[0]!r}?)" if close else ""),
            )


def _check_texts(flow: Flow) -> None:
    """Every placeholder is one the engine fills, and the notice shows what the Paperwork
    Reduction Act requires; any other reached the public as written ("trust in {agncy}")."""
    texts = {"notice": flow.notice, "closing": flow.closing}
    texts |= {
        f"questions.{question.id}.text": question.text for question in flow.questions.values()
    }
    filled = {place: _placeholders_in(flow, place, text) for place, text in texts.items()}
    missing = [
        f"{{{name}}}"
        for name in ("omb_control_number", "omb_expiration")
        if name not in filled["notice"]
    ]
    if missing:
        raise FlowError(
            flow.path,
            "notice",
            f"shows no {' and no '.join(missing)}: a survey must display its OMB control number"
            " and its expiration date (Paperwork Reduction Act): end the notice with"
            ' "OMB {omb_control_number} exp. {omb_expiration}."',
        )
    for question in flow.questions.values():
        _check_labels(flow, question)


def _placeholders_in(flow: Flow, place: str, text: str) -> set[str]:
    """The placeholders of a text the engine fills (str.format_map); refuses any other."""
    try:
        fields = [field for _, *field in string.Formatter().parse(text) if field[0] is not None]
    except ValueError as error:
        # format_map raises the same on every message sent: no survey could pass this text.
        raise FlowError(
            flow.path,
            place,
            "a { or } opens or closes no placeholder: write {{ or }} for a brace the public"
            " should see",
        ) from error
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            close = difflib.get_close_matches(name, sorted(PLACEHOLDERS), n=1)
            raise FlowError(
                flow.path,
                place,
                f"{_as_written(name, spec, conversion)} is not a placeholder feedbot fills, so the"
                " public would read it as written: use {agency}, {service}, {omb_control_number}"
                " or {omb_expiration}" + (f" (did you mean {{{close[0]}}}?)" if close else ""),
            )
    return {name for name, _, _ in fields}


def _as_written(name: str, spec: str | None, conversion: str | None) -> str:
    return (
        "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
    )


_BRACED = re.compile(r"\{\w*\}")


def _check_labels(flow: Flow, question: Question) -> None:
    # A label is translated but never formatted: its placeholders are shown as written.
    for index, choice in enumerate(question.choices):
        braced = _BRACED.search(choice.label)
        if braced:
            raise FlowError(
                flow.path,
                f"questions.{question.id}.choices[{index}].label",
                f"{braced.group()} would be shown as written: a choice's label fills in no"
                " placeholder, so write the words themselves",
            )
