"""Survey flows: YAML definitions validated once at start-up into immutable values."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml

END = "end"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "flow.schema.json"

QuestionType = Literal["scale", "multi", "text"]


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
        if isinstance(answer, tuple):
            return bool(self.when.intersection(answer))
        return answer in self.when


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
    document = _read_yaml(path)
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
    root = yaml.compose(fileobj.read().decode("utf-8"))
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


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as error:
        raise FlowError(path, "", f"cannot be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FlowError(
            path, place, f"is not valid YAML ({getattr(error, 'problem', error)})"
        ) from error


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
        questions=questions,
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
    """What a schema cannot say: targets exist, values fit their type, no question loops."""
    if flow.start not in flow.questions:
        raise FlowError(flow.path, "start", f"names no question ({flow.start!r})")
    for question in flow.questions.values():
        _check_question(flow, question)
    _check_no_loops(flow)


def _check_question(flow: Flow, question: Question) -> None:
    place = f"questions.{question.id}"
    values = [choice.value for choice in question.choices]
    if len(set(values)) != len(values):
        raise FlowError(flow.path, f"{place}.choices", "choice values must be unique")
    if question.type == "scale":
        for index, value in enumerate(values):
            if not isinstance(value, int):
                raise FlowError(
                    flow.path, f"{place}.choices[{index}].value", f"{value!r} is not a number"
                )
        low, high = min(values), max(values)
        if sorted(values) != list(range(low, high + 1)):
            raise FlowError(flow.path, f"{place}.choices", "scale values must be consecutive")
        outside = [value for value in values if not 1 <= value <= 5]
        if flow.trust_form == "likert" and question.record == "question_1" and outside:
            raise FlowError(
                flow.path, f"{place}.choices", f"choice {outside[0]} is outside the scale 1-5"
            )
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
