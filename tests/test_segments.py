"""SMS segments as carriers count them, and the survey's cost in every language."""

from __future__ import annotations

import pytest

from feedbot.flows import load_flow
from feedbot.languages import LANGUAGES
from feedbot.segments import fold_to_gsm7, measure_sms
from feedbot.sms_report import survey_costs
from tests.test_engine import FLOWS


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters count twice
        ("ñé¿¡ü", "GSM-7", 5, 1),
        ("á" * 70, "UCS-2", 70, 1),
        ("á" * 71, "UCS-2", 71, 2),
        ("😀" * 35, "UCS-2", 70, 1),  # one emoji is two UTF-16 units
        ("中" * 135, "UCS-2", 135, 3),
    ],
)
def test_measure_sms(text, encoding, units, segments):
    length = measure_sms(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_fold_to_gsm7_only_when_it_makes_the_text_gsm7():
    assert fold_to_gsm7("Esta interacción aumentó") == "Esta interaccion aumento"
    assert fold_to_gsm7("¿Qué pasó?") == "¿Qué paso?"
    assert fold_to_gsm7("Gracias 😀 interacción") == "Gracias 😀 interacción"
    assert fold_to_gsm7("plain text") == "plain text"


def test_every_language_is_within_its_segment_budget():
    costs = survey_costs(load_flow(FLOWS / "a11.yaml"), tuple(LANGUAGES))
    assert {cost.language for cost in costs} == set(LANGUAGES)
    for cost in costs:
        assert cost.within_budget, cost
        assert max(cost.positive, cost.negative) <= (8 if cost.language in {"en", "es"} else 16)


def test_segments_command_prints_the_report(app):
    result = app.test_cli_runner().invoke(args=["translations", "segments"])
    assert result.exit_code == 0, result.output
    assert "| es |" in result.output and "| zh_Hant |" in result.output


def test_a_service_offering_a_language_outside_gsm7_sees_what_its_openings_cost(
    tmp_path, monkeypatch
):
    """The report's service offered English and Spanish only: it said 3 segments for the
    English opening of a service whose Vietnamese offer line makes it UCS-2, 6 segments."""
    import yaml
    from click.testing import CliRunner

    from feedbot.cli import main
    from tests.conftest import TEST_SERVICES

    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"][0]["languages"] = ["en", "es", "vi"]
    services = tmp_path / "services.yaml"
    services.write_text(yaml.safe_dump(document, allow_unicode=True))
    monkeypatch.setenv("FEEDBOT_SERVICES_FILE", str(services))
    plain = CliRunner().invoke(main, ["translations", "segments"])
    offered = CliRunner().invoke(main, ["translations", "segments", "--service", "passport"])
    assert offered.exit_code in (0, 1), offered.output
    english = next(line for line in offered.output.splitlines() if line.startswith("| en |"))
    standard = next(line for line in plain.output.splitlines() if line.startswith("| en |"))
    assert int(english.split("|")[2]) == 2 * int(standard.split("|")[2])  # the opening
    assert [line.split("|")[1].strip() for line in offered.output.splitlines()[2:5]] == [
        "en",
        "es",
        "vi",
    ]
    unknown = CliRunner().invoke(main, ["translations", "segments", "--service", "nope"])
    assert unknown.exit_code == 2 and "no service 'nope'" in unknown.output
