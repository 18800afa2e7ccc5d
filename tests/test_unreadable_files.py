"""Services and flow files that are not UTF-8 text, or are nested deeper than feedbot's checks
can follow, are named in one line as any broken file is: at start-up (create_app), by
`feedbot check-config` and other commands, and by a worker reading changed files again. Both
stopped each of them with a bare UnicodeDecodeError or RecursionError."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from feedbot.cli import main
from feedbot.flows import FlowError, load_flow
from feedbot.services import ServiceError, load_services
from tests.conftest import TEST_SERVICES, make_app
from tests.support.config_check import check_config_services_line

FLOWS = Path(__file__).resolve().parent.parent / "flows"

TOO_DEEP = (
    "is nested too deep (more than 100 lists or mappings inside one another; a services or"
    " flow file's settings go a few levels deep)"
)
NOT_UTF8 = "is not UTF-8 text (byte 0x{byte:02x}): save it as UTF-8"

# libyaml's parser takes 1,000 levels; json, the schema's check and the search for scrub_names
# recursed once or more a level past Python's limit.
DEEP_SERVICES = "services: " + "[" * 999 + "]" * 999 + "\n"


def staff_files(tmp_path: Path) -> Path:
    """A flows directory of the test's own: the shipped flows and the test services."""
    flows = tmp_path / "flows"
    flows.mkdir()
    for flow in FLOWS.glob("a11*.yaml"):
        (flows / flow.name).write_text(flow.read_text(encoding="utf-8"), encoding="utf-8")
    (flows / "services.yaml").write_text(TEST_SERVICES.read_text(encoding="utf-8"))
    return flows


def deep_flow(flows: Path) -> tuple[Path, str]:
    """a11.yaml with a value 999 mappings deep after it; the file and its 101st mapping's place."""
    flow = flows / "a11.yaml"
    text = flow.read_text(encoding="utf-8")
    flow.write_text(text + "extra: " + "{a: " * 999 + "1" + "}" * 999 + "\n")
    return flow, f"line {text.count(chr(10)) + 1}, column {len('extra: ') + 99 * 4 + 1}"


def latin1_services(flows: Path) -> tuple[Path, str]:
    """The test services saved as Latin-1 (without their Arabic name, which Latin-1 lacks); the
    file and the place of its first "ó", which Latin-1 writes as the one byte 0xf3."""
    text = TEST_SERVICES.read_text(encoding="utf-8")
    text = text.replace("    translations:\n      ar: {name: طلب القرض}\n", "")
    services = flows / "services.yaml"
    services.write_bytes(text.encode("latin-1"))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "ó" in row)
    return services, f"line {line}, column {text.splitlines()[line - 1].index('ó') + 1}"


def start_app(flows: Path, sqlite_url: str) -> None:
    make_app(sqlite_url, services_file=flows / "services.yaml", flows_dir=flows)


def start_up_refusal(flows: Path, sqlite_url: str, refused_as: type[Exception]) -> str:
    """What start-up says of the staff files in `flows`, which it refuses with `refused_as`."""
    with pytest.raises(refused_as) as refused:
        start_app(flows, sqlite_url)
    return str(refused.value)


def test_a_services_file_nested_too_deep_stops_start_up_named(tmp_path, sqlite_url):
    flows = staff_files(tmp_path)
    services = flows / "services.yaml"
    services.write_text(DEEP_SERVICES)
    assert (
        start_up_refusal(flows, sqlite_url, ServiceError)
        == f"{services}, line 1, column 110: {TOO_DEEP}"
    )


def test_a_flow_file_nested_too_deep_stops_start_up_named(tmp_path, sqlite_url):
    flows = staff_files(tmp_path)
    flow, place = deep_flow(flows)
    assert start_up_refusal(flows, sqlite_url, FlowError) == f"{flow}, {place}: {TOO_DEEP}"


def test_nesting_made_deep_by_aliases_is_named_where_it_goes_too_deep(tmp_path):
    """Eleven anchored values, each 90 deep and holding the one before it by its alias: no
    value is written 100 deep, but PyYAML reads them 991 deep."""
    lines = [f"x0: &x0 {'[' * 90}{']' * 90}"]
    lines += [f"x{n}: &x{n} {'[' * 90}*x{n - 1}{']' * 90}" for n in range(1, 11)]
    services = tmp_path / "services.yaml"
    services.write_text("\n".join([*lines, "services: *x10"]) + "\n")
    with pytest.raises(ServiceError) as refused:
        load_services(services)
    # The 101st level: x9's 10th bracket, inside x10's 90 and the document's own mapping.
    assert str(refused.value) == f"{services}, line 10, column {len('x9: &x9 ') + 10}: {TOO_DEEP}"


def with_frames_left(frames: int, call: Callable[[], Any]) -> Any:
    """`call()` made where only `frames` more fit under Python's recursion limit: as a reader
    may be called from deep in a command's, a test's or a worker's stack."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back

    def down(levels: int) -> Any:
        return call() if levels <= 0 else down(levels - 1)

    return down(sys.getrecursionlimit() - depth - frames)


@pytest.mark.parametrize("reader", ["load_flow", "load_services"])
def test_merge_keys_nested_too_deep_are_named_however_deep_the_stack(tmp_path, reader):
    """`<<:` inside `<<:` 990 deep: the loader found it too deep but built the document first,
    and PyYAML flattens merge keys recursing once a level (a bare RecursionError, before the
    readers named it). Named where the 101st mapping begins, with 120 frames to spare or 900."""
    path = tmp_path / ("a11.yaml" if reader == "load_flow" else "services.yaml")
    text = (FLOWS / "a11.yaml" if reader == "load_flow" else TEST_SERVICES).read_text("utf-8")
    path.write_text(text + "extra: " + "{<<: " * 990 + "{a: 1}" + "}" * 990 + "\n")
    place = f"line {text.count(chr(10)) + 1}, column {len('extra: ') + 99 * len('{<<: ') + 1}"
    read = (lambda: load_flow(path)) if reader == "load_flow" else (lambda: load_services(path))
    refused_as = FlowError if reader == "load_flow" else ServiceError
    for frames in (120, 900):
        with pytest.raises(refused_as) as refused:
            with_frames_left(frames, read)
        assert str(refused.value) == f"{path}, {place}: {TOO_DEEP}"


def test_check_config_and_commands_name_a_file_nested_too_deep(tmp_path):
    flows = staff_files(tmp_path)
    flow, place = deep_flow(flows)
    assert check_config_services_line(flows, tmp_path) == (
        1,
        ["PROBLEM", f"FlowError: {flow}, {place}: {TOO_DEEP}"],
    )
    flow.write_text((FLOWS / "a11.yaml").read_text(encoding="utf-8"))
    services = flows / "services.yaml"
    services.write_text(DEEP_SERVICES)
    environment = {
        "FEEDBOT_SERVICES_FILE": str(services),
        "FEEDBOT_FLOWS_DIR": str(flows),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = CliRunner().invoke(main, ["db", "upgrade"], env=environment)
    assert result.exit_code == 2
    assert result.output == (
        f"feedbot: cannot start: ServiceError: {services}, line 1, column 110: {TOO_DEEP}\n"
    )


def test_a_services_file_not_utf8_stops_start_up_named(tmp_path, sqlite_url):
    flows = staff_files(tmp_path)
    services, place = latin1_services(flows)
    assert (
        start_up_refusal(flows, sqlite_url, ServiceError)
        == f"{services}, {place}: {NOT_UTF8.format(byte=0xF3)}"
    )


def test_a_flow_file_saved_as_utf16_stops_start_up_named(tmp_path, sqlite_url):
    """As Windows editors save "Unicode": a byte order mark, 0xff 0xfe, then two bytes a
    character."""
    flows = staff_files(tmp_path)
    flow = flows / "a11_thumbs.yaml"
    flow.write_text((FLOWS / "a11_thumbs.yaml").read_text(encoding="utf-8"), encoding="utf-16")
    assert (
        start_up_refusal(flows, sqlite_url, FlowError)
        == f"{flow}, line 1, column 1: {NOT_UTF8.format(byte=0xFF)}"
    )


def test_check_config_names_a_flow_file_not_utf8(tmp_path):
    flows = staff_files(tmp_path)
    flow = flows / "a11.yaml"
    text = flow.read_text(encoding="utf-8").replace("title: A-11", "title: Café A-11", 1)
    # A title pasted from a Latin-1 page, in a file that is UTF-8 otherwise.
    flow.write_bytes(text.encode("utf-8").replace("Café".encode(), b"Caf\xe9", 1))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "é" in row)
    assert check_config_services_line(flows, tmp_path) == (
        1,
        ["PROBLEM", f"FlowError: {flow}, line {line}, column 11: {NOT_UTF8.format(byte=0xE9)}"],
    )


def test_a_utf8_byte_order_mark_is_read_and_not_counted(tmp_path, sqlite_url):
    """Notepad may begin a UTF-8 file with one: the files read as without it, and a column on
    the first line is counted as an editor shows it."""
    flows = staff_files(tmp_path)
    for path in flows.glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8-sig")
    assert (flows / "a11.yaml").read_bytes().startswith(b"\xef\xbb\xbf")
    start_app(flows, sqlite_url)
    services = flows / "services.yaml"
    services.write_bytes(b"\xef\xbb\xbfservices: caf\xe9\n")
    with pytest.raises(ServiceError) as refused:
        load_services(services, flows)
    assert str(refused.value) == f"{services}, line 1, column 14: {NOT_UTF8.format(byte=0xE9)}"


def worker_reads(flows: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import TEST_SECRET_KEY

    for name, value in {
        "DATABASE_URL": sqlite_url,
        "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
        "FEEDBOT_SERVICES_FILE": str(flows / "services.yaml"),
        "FEEDBOT_FLOWS_DIR": str(flows),
        "FEEDBOT_ENV": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.mark.parametrize("broken", ["nested too deep", "saved as UTF-16"])
def test_a_worker_names_a_changed_file_it_cannot_read_and_goes_on(
    broken, tmp_path, sqlite_url, monkeypatch, caplog
):
    """The worker's log said `RecursionError: maximum recursion depth exceeded while encoding a
    JSON object`, with a traceback, or `UnicodeDecodeError: 'utf-8' codec can't decode byte
    0xff in position 0`: which file, and where, it did not say."""
    from feedbot.jobs import worker_runtime

    flows = staff_files(tmp_path)
    worker_reads(flows, sqlite_url, monkeypatch)
    assert worker_runtime().services.get("passport") is not None
    caplog.set_level(logging.INFO, logger="feedbot.jobs")
    services = flows / "services.yaml"
    if broken == "nested too deep":
        services.write_text(DEEP_SERVICES)
        named = f"ServiceError: {services}, line 1, column 110: {TOO_DEEP}"
    else:
        services.write_text(TEST_SERVICES.read_text(encoding="utf-8"), encoding="utf-16")
        named = f"ServiceError: {services}, line 1, column 1: {NOT_UTF8.format(byte=0xFF)}"
    runtime = worker_runtime()
    assert runtime.services.get("passport") is not None
    (logged,) = [record for record in caplog.records if record.levelname == "ERROR"]
    assert logged.getMessage() == (
        f"the services or flow files changed but cannot be read ({named}): going on with those"
        " read before; `feedbot check-config` says what to fix"
    )
    assert not logged.exc_info


NO_SUCH_DATE = "is not a date (or date and time) that exists"
NOT_A_NUMBER = "is not a number, as its tag says"
NOT_TRUE_OR_FALSE = "is not true or false, as its tag says"


@pytest.mark.parametrize(
    ("written", "value", "problem"),
    [
        ("version: 2027-02-30", "2027-02-30", NO_SUCH_DATE),
        ("version: 2027-02-28 25:00:00", "2027-02-28 25:00:00", NO_SUCH_DATE),
        ("version: !!int twelve", "!!int twelve", NOT_A_NUMBER),
        ("version: !!float 1.5.0", "!!float 1.5.0", NOT_A_NUMBER),
        # PyYAML's AttributeError, IndexError and KeyError, which no reader caught.
        ("version: !!timestamp soon", "!!timestamp soon", NO_SUCH_DATE),
        ("version: !!int ''", "!!int ''", NOT_A_NUMBER),
        ("version: !!bool maybe", "!!bool maybe", NOT_TRUE_OR_FALSE),
    ],
)
def test_a_flow_value_yaml_cannot_read_stops_start_up_named(
    tmp_path, sqlite_url, written, value, problem
):
    """A date that does not exist, or a value tagged as what it is not: the services file's
    reader named them, the flow reader let PyYAML's bare ValueError through (start-up, and
    `check-config --offline`, showed its traceback); then both said "is not valid YAML (cannot
    read this value: ValueError)", which tells staff nothing they can act on. What the value is
    not, by its tag, and never the value (in a services file it may be a personal name)."""
    flows = staff_files(tmp_path)
    flow = flows / "a11.yaml"
    text = flow.read_text(encoding="utf-8")
    assert "\nversion: 1\n" in text
    flow.write_text(text.replace("\nversion: 1\n", f"\n{written}\n"), encoding="utf-8")
    line = text.splitlines().index("version: 1") + 1
    column = len(written) - len(value) + 1
    assert (
        start_up_refusal(flows, sqlite_url, FlowError)
        == f"{flow}, line {line}, column {column}: {problem}"
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("!!int Karina Smith", NOT_A_NUMBER),
        ("!!float ''", NOT_A_NUMBER),
        ("!!bool Karina Smith", NOT_TRUE_OR_FALSE),
    ],
)
def test_a_services_value_tagged_as_what_it_is_not_is_named(tmp_path, value, problem):
    """The services file keeps dates as written (its schema judges them), but a tag it obeys.
    `!!float ''` and `!!bool` stopped it with PyYAML's bare IndexError and KeyError (the
    latter quoting the value)."""
    services = tmp_path / "services.yaml"
    services.write_text(f"services:\n  - id: passport\n    scrub_names: {value}\n")
    with pytest.raises(ServiceError) as refused:
        load_services(services)
    assert str(refused.value) == f"{services}, line 3, column 18: {problem}"


ASCII_FLOW = "id: a11\nversion: 1\ntitle: A-11\n"
UTF16 = "is not UTF-8 text (byte 0x00: it looks saved as UTF-16): save it as UTF-8"


@pytest.mark.parametrize("reader", ["load_flow", "load_services"])
@pytest.mark.parametrize(
    ("data", "place", "problem"),
    [
        # As Windows editors save "Unicode" with no byte order mark: every other byte of an
        # ASCII file is NUL, which is UTF-8 (PyYAML: "unacceptable character #x0000: control
        # characters are not allowed\n  in "<unicode string>", position 1").
        (ASCII_FLOW.encode("utf-16-le"), "line 1, column 2", UTF16),
        (ASCII_FLOW.encode("utf-16-be"), "line 1, column 1", UTF16),
        # With a letter beyond ASCII further on (0xe9 0x00, not UTF-8 either): the first NUL.
        ("id: a11\ntitle: Café\n".encode("utf-16-le"), "line 1, column 2", UTF16),
        (b"id: a11\ntitle: A-11\x00\n", "line 2, column 12", UTF16),
        (
            b"id: a11\ntitle: Karina\x01 Smith\n",
            "line 2, column 14",
            "has a control character, U+0001, which YAML does not allow",
        ),
        (
            "id: a11\ntitle: Caf\u00e9 \x7f\n".encode(),
            "line 2, column 13",
            "has a control character, U+007F, which YAML does not allow",
        ),
        (
            "id: a11\ntitle: Caf\u00e9 \x80\n".encode(),
            "line 2, column 13",
            "has a control character, U+0080, which YAML does not allow",
        ),
        (
            "\ufeffid: a11\ntitle: \ufffe\n".encode(),
            "line 2, column 8",
            "has a character, U+FFFE, which YAML does not allow",
        ),
    ],
)
def test_a_character_yaml_refuses_is_named_by_place_and_code_point(
    tmp_path, reader, data, place, problem
):
    """PyYAML's refusal gave a flow "is not valid YAML (...)" in two lines, with a character
    offset in "<unicode string>" for a place, and the services file "is not valid YAML
    (ReaderError)" with none. The line and column as an editor counts them, never the text
    (services files hold personal names in scrub_names)."""
    if reader == "load_flow":
        path = tmp_path / "a11.yaml"
        path.write_bytes(data)
        with pytest.raises(FlowError) as refused:
            load_flow(path)
    else:
        path = tmp_path / "services.yaml"
        path.write_bytes(data)
        with pytest.raises(ServiceError) as refused:
            load_services(path)
    assert str(refused.value) == f"{path}, {place}: {problem}"
