"""Staff exports: token scoping, filters, formats and the quarterly A-11 figures."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from feedbot.export import QUARTERLY_COLUMNS
from feedbot.models import DRIVERS, Invitation
from feedbot.normalize import RECORD_COLUMNS
from feedbot.staff_auth import create_token
from tests.conftest import runtime_of
from tests.support.records import add_record

TOUCHPOINTS_HEADER = (
    "external_id,question_1,positive_effectiveness,positive_ease,positive_efficiency,"
    "positive_transparency,positive_humanity,positive_employee,positive_other,"
    "negative_effectiveness,negative_ease,negative_efficiency,negative_transparency,"
    "negative_humanity,negative_employee,negative_other,question_4"
)


@pytest.fixture
def seeded(app):
    """A small, varied dataset across services, channels, languages and quarters."""
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5, positive=("ease", "employee"), question_4="Great")
        add_record(db, question_1=4, positive=("ease",), language="es")
        add_record(db, question_1=2, negative=("efficiency",), channel="automated_phone")
        add_record(db, question_1=1, negative=("efficiency", "other"), channel="chatbot")
        add_record(db, question_1=3, negative=("ease",), status="partial")
        add_record(db, question_1=None, status="abandoned", language="es")
        add_record(
            db,
            question_1=5,
            positive=("effectiveness",),
            fiscal_year=2026,
            quarter=4,
            started_at=datetime(2026, 9, 30, 12, tzinfo=UTC),
        )
        add_record(db, service_id="benefits", question_1=1, negative=("humanity",), language="es")
        tokens = {
            "all": create_token(db, "all", None, ["export"]),
            "passport": create_token(db, "passport-only", ["passport"], ["export"]),
            "invite": create_token(db, "inviter", None, ["invite"]),
        }
    return app, tokens


def get(app, token, path, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().get(path, query_string=params, headers=headers)


def rows_of(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_tokens_are_required_and_scoped(seeded, caplog):
    app, tokens = seeded
    assert get(app, None, "/api/exports/responses").status_code == 401
    assert get(app, "fbt_wrong", "/api/exports/responses").status_code == 401
    assert get(app, tokens["invite"], "/api/exports/responses").status_code == 403
    refused = get(app, tokens["passport"], "/api/exports/responses", service="benefits")
    assert refused.status_code == 403
    assert "does not cover service 'benefits'" in refused.json["error"]
    own = rows_of(get(app, tokens["passport"], "/api/exports/responses"))
    assert {row["service_id"] for row in own} == {"passport"} and len(own) == 7
    assert tokens["passport"] not in caplog.text and tokens["invite"] not in caplog.text
    quarterly = get(
        app,
        tokens["passport"],
        "/api/exports/a11-quarterly",
        quarter="FY2027Q1",
        service="benefits",
    )
    assert quarterly.status_code == 403


def test_revoked_token_is_refused(seeded):
    app, tokens = seeded
    app.test_cli_runner().invoke(args=["tokens", "revoke", "all"])
    assert get(app, tokens["all"], "/api/exports/responses").status_code == 401


def test_csv_header_follows_submission_order_and_parses_back(seeded):
    app, tokens = seeded
    response = get(app, tokens["all"], "/api/exports/responses", format="csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.splitlines()[0].startswith(TOUCHPOINTS_HEADER + ",service_id,channel")
    rows = rows_of(response)
    assert len(rows) == 8 and list(rows[0]) == list(RECORD_COLUMNS)
    great = next(r for r in rows if r["question_4"] == "Great")
    assert (great["question_1"], great["positive_ease"], great["negative_ease"]) == ("5", "1", "")
    assert great["positive_effectiveness"] == "0"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"service": "benefits"}, 1),
        ({"channel": "voice"}, 1),
        ({"channel": "chatbot"}, 1),
        ({"language": "es"}, 3),
        ({"quarter": "FY2027Q1"}, 7),
        ({"quarter": "FY2026Q4"}, 1),
        ({"from": "2026-09-30", "to": "2026-09-30"}, 1),
        ({"from": "2026-10-01"}, 7),
        ({"status": "partial"}, 1),
        ({"status": "abandoned", "language": "es"}, 1),
    ],
)
def test_every_filter(seeded, params, expected):
    app, tokens = seeded
    response = get(app, tokens["all"], "/api/exports/responses", format="jsonl", **params)
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(lines) == expected, params


@pytest.mark.parametrize(
    "params",
    [
        {"quarter": "2027Q1"},
        {"status": "done"},
        {"channel": "fax"},
        {"format": "pdf"},
        {"quarter": "FY2027Q1", "from": "2026-10-01"},
        {"from": "yesterday"},
    ],
)
def test_bad_filters_get_a_clear_400(seeded, params):
    app, tokens = seeded
    response = get(app, tokens["all"], "/api/exports/responses", **params)
    assert response.status_code == 400 and response.json["error"]


@pytest.mark.parametrize(
    ("path", "params", "error"),
    [
        ("/api/exports/responses", {"language": "en\x00"}, "language must be printable text"),
        ("/api/exports/responses", {"service": "\x00"}, "service must be printable text"),
        ("/api/exports/a11-quarterly", {"service": "\x00"}, "service must be printable text"),
    ],
)
def test_filter_with_a_nul_is_a_clear_400(seeded, path, params, error):
    """PostgreSQL refuses a NUL in text: the export used to fail halfway through its stream."""
    app, tokens = seeded
    response = get(app, tokens["all"], path, quarter="FY2027Q1", **params)
    assert response.status_code == 400 and response.json["error"] == error


def test_to_the_last_representable_day_exports_everything(seeded):
    """The day after 9999-12-31 overflowed, halfway through the stream."""
    app, tokens = seeded
    response = get(app, tokens["all"], "/api/exports/responses", to="9999-12-31")
    assert response.status_code == 200
    assert len(response.data.decode().splitlines()) == 1 + 8


@pytest.mark.parametrize("volume", ["²", "9" * 5000])
def test_volume_that_is_no_whole_number_gets_a_clear_400(seeded, volume):
    """Both reached int(), whose own message ("invalid literal…") was the answer."""
    app, tokens = seeded
    response = get(
        app,
        tokens["all"],
        "/api/exports/a11-quarterly",
        quarter="FY2027Q1",
        service="passport",
        volume_of_customers=volume,
    )
    assert response.status_code == 400
    assert response.json["error"] == "volume_of_customers must be a whole number"


def test_xlsx_opens_with_openpyxl(seeded, tmp_path):
    app, tokens = seeded
    response = get(app, tokens["all"], "/api/exports/responses", format="xlsx")
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.data)
    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == RECORD_COLUMNS and len(rows) == 9


def test_quarterly_figures_equal_independent_counts(seeded):
    app, tokens = seeded
    response = get(
        app,
        tokens["all"],
        "/api/exports/a11-quarterly",
        quarter="FY2027Q1",
        service="passport",
    )
    rows = rows_of(response)
    assert list(rows[0]) == list(QUARTERLY_COLUMNS)
    by_channel = {row["channel"]: row for row in rows}
    assert set(by_channel) == {"sms_text_messages", "automated_phone", "chatbot"}
    # Independently: the seeded FY2027Q1 passport SMS records.
    sms = [
        (5, {"ease", "employee"}, set(), "complete"),
        (4, {"ease"}, set(), "complete"),
        (3, set(), {"ease"}, "partial"),
        (None, set(), set(), "abandoned"),
    ]
    row = by_channel["sms_text_messages"]
    assert int(row["volume_of_respondents"]) == sum(1 for s in sms if s[3] != "abandoned")
    ratings = Counter(s[0] for s in sms)
    assert [int(row[f"q1_{v}"]) for v in range(1, 6)] == [ratings[v] for v in range(1, 6)]
    for driver in DRIVERS:
        assert int(row[f"positive_{driver}"]) == sum(driver in s[1] for s in sms)
        assert int(row[f"negative_{driver}"]) == sum(driver in s[2] for s in sms)
    assert (
        row["service_provider"] == "U.S. Passport Office"
        and row["omb_control_number"] == "1405-0001"
    )
    assert (
        row["trust_question_text"] == "This interaction increased my trust in U.S. Passport Office."
    )
    assert row["survey_type"] == "likert_scale" and row["transaction_point"] == "post_interaction"
    assert (row["volume_of_customers"], row["volume_of_customers_provided_survey_opportunity"]) == (
        "",
        "",
    )
    assert by_channel["chatbot"]["negative_other"] == "1"


def add_sent_passport_invitations(app, count):
    sent = datetime(2026, 11, 2, 14, tzinfo=UTC)
    with runtime_of(app).db.transaction() as db:
        for _ in range(count):
            db.add(
                Invitation(
                    service_id="passport",
                    sender_key="k" * 64,
                    status="sent",
                    send_at=sent,
                    created_at=sent,
                    sent_at=sent,
                )
            )


def quarterly(app, token, **params):
    return get(app, token, "/api/exports/a11-quarterly", quarter="FY2027Q1", **params)


def volumes_by_channel(rows):
    return {
        row["channel"]: (
            row["volume_of_customers"],
            row["volume_of_customers_provided_survey_opportunity"],
        )
        for row in rows
    }


def test_volumes_per_channel_land_on_their_rows_only(seeded):
    """Staff's figures are per channel: one service-wide figure on every row counted its
    customers once per channel in OMB's collection."""
    app, tokens = seeded
    add_sent_passport_invitations(app, 2)
    params = {
        "service": "passport",
        "volume_of_customers": "sms_text_messages:1200,automated_phone:300",
        "volume_offered": "automated_phone:250",
    }
    rows = rows_of(quarterly(app, tokens["all"], **params))
    assert volumes_by_channel(rows) == {
        # offered: the 2 invitations feedbot sent and the 4 SMS surveys begun without one
        "sms_text_messages": ("1200", "6"),
        "automated_phone": ("300", "250"),
        "chatbot": ("", ""),
    }
    assert sum(int(row["volume_of_customers"] or 0) for row in rows) == 1200 + 300
    as_json = quarterly(app, tokens["all"], format="json", **params).json
    assert {row["channel"]: row["volume_of_customers"] for row in as_json} == {
        "sms_text_messages": 1200,
        "automated_phone": 300,
        "chatbot": "",
    }
    # feedbot's own channel names work too; a figure staff give for SMS wins over invitations.
    rows = rows_of(
        quarterly(app, tokens["all"], service="passport", volume_offered="sms:900,voice:40")
    )
    assert volumes_by_channel(rows) == {
        "sms_text_messages": ("", "900"),
        "automated_phone": ("", "40"),
        "chatbot": ("", ""),
    }


def test_a_plain_number_goes_on_a_service_with_one_channel(seeded):
    app, tokens = seeded
    response = quarterly(
        app, tokens["all"], service="benefits", volume_of_customers="90", volume_offered="60"
    )
    assert volumes_by_channel(rows_of(response)) == {"sms_text_messages": ("90", "60")}


def test_a_plain_number_for_several_channels_is_refused(seeded):
    app, tokens = seeded
    response = quarterly(
        app, tokens["all"], service="passport", volume_of_customers="1200", volume_offered="400"
    )
    assert response.status_code == 400
    assert response.json["error"] == (
        "passport has rows for automated_phone, chatbot and sms_text_messages in FY2027Q1: "
        "give volume_of_customers per channel as the rows' channel column names them, "
        "e.g. automated_phone:1200,chatbot:300,sms_text_messages:80"
    )


def test_a_channel_set_up_but_unanswered_gets_a_row_for_its_volume(seeded):
    """3,000 callers served and none answered: "benefits has no automated_phone row" refused
    the figure, so a channel the agency served could not be reported."""
    app, tokens = seeded
    response = quarterly(
        app,
        tokens["all"],
        service="benefits",
        volume_of_customers="sms_text_messages:90,automated_phone:3000",
    )
    assert response.status_code == 200, response.json
    rows = {row["channel"]: row for row in rows_of(response)}
    assert volumes_by_channel(rows.values()) == {
        "sms_text_messages": ("90", ""),
        "automated_phone": ("3000", ""),
    }
    phone = rows["automated_phone"]
    assert phone["volume_of_respondents"] == "0" and phone["q1_5"] == "0"
    assert phone["service_provider"] and phone["omb_control_number"]
    assert [row["channel"] for row in rows_of(response)] == sorted(rows)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"service": "passport", "volume_offered": "sms_text_messages:10,fax:3"},
            "volume_offered names fax, but passport has no fax row in FY2027Q1 and is not set up"
            " for it in the services file; its channels are automated_phone, chatbot and"
            " sms_text_messages",
        ),
        (
            {"service": "passport", "quarter": "FY2026Q1", "volume_of_customers": "5"},
            "passport has no rows in FY2026Q1 and is set up for automated_phone, chatbot and"
            " sms_text_messages: give volume_of_customers per channel as the rows' channel"
            " column names them, e.g. automated_phone:1200,chatbot:300,sms_text_messages:80",
        ),
        (
            {"service": "passport", "volume_of_customers": "chatbot:1,chatbot:2"},
            "volume_of_customers gives chatbot twice",
        ),
    ],
)
def test_volume_for_a_channel_without_a_row_is_refused(seeded, params, error):
    app, tokens = seeded
    response = get(
        app, tokens["all"], "/api/exports/a11-quarterly", **{"quarter": "FY2027Q1"} | params
    )
    assert response.status_code == 400 and response.json["error"] == error


@pytest.mark.parametrize(
    "volume", ["sms_text_messages:-5", "sms_text_messages:1.5", "chatbot:", ":7"]
)
def test_volume_per_channel_that_is_no_whole_number_gets_a_clear_400(seeded, volume):
    app, tokens = seeded
    response = quarterly(app, tokens["all"], service="passport", volume_of_customers=volume)
    assert response.status_code == 400
    assert response.json["error"] == (
        "volume_of_customers must be a whole number for each channel, "
        f"e.g. sms_text_messages:1200,automated_phone:300; got {volume!r}"
    )


def test_cli_exports(seeded, tmp_path):
    app, _ = seeded
    runner = app.test_cli_runner()
    out = tmp_path / "responses.csv"
    result = runner.invoke(args=["export", "responses", "--quarter", "FY2027Q1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(out.open()))) == 7
    quarterly = runner.invoke(args=["export", "quarterly", "--quarter", "FY2027Q1"])
    assert quarterly.exit_code == 0
    assert len(list(csv.DictReader(io.StringIO(quarterly.stdout)))) == 4
    missing = runner.invoke(
        args=["export", "quarterly", "--quarter", "FY2027Q1", "--volume-of-customers", "5"]
    )
    assert missing.exit_code != 0 and "need --service" in missing.output


def test_cli_and_http_give_the_same_quarterly_figures(seeded):
    # Both fill the SMS "offered" volume: the 2 invitations feedbot sent and the quarter's 4
    # SMS surveys that no invitation began.
    app, tokens = seeded
    add_sent_passport_invitations(app, 2)
    http = rows_of(quarterly(app, tokens["all"], service="passport"))
    cli = app.test_cli_runner().invoke(
        args=["export", "quarterly", "--quarter", "FY2027Q1", "--service", "passport"]
    )
    assert cli.exit_code == 0, cli.output
    assert list(csv.DictReader(io.StringIO(cli.stdout))) == http
    assert volumes_by_channel(http)["sms_text_messages"] == ("", "6")


def test_cli_takes_volumes_per_channel_or_one_for_a_single_channel(seeded):
    app, _ = seeded
    runner = app.test_cli_runner()

    def export(service, *volumes):
        return runner.invoke(
            args=["export", "quarterly", "--quarter", "FY2027Q1", "--service", service, *volumes]
        )

    per_channel = export(
        "passport",
        "--volume-of-customers",
        "sms_text_messages:1200,voice:300",
        "--volume-offered",
        "chatbot:70",
    )
    assert per_channel.exit_code == 0, per_channel.output
    assert volumes_by_channel(csv.DictReader(io.StringIO(per_channel.stdout))) == {
        "sms_text_messages": ("1200", ""),
        "automated_phone": ("300", ""),
        "chatbot": ("", "70"),
    }
    single = export("benefits", "--volume-of-customers", "90")
    assert single.exit_code == 0, single.output
    assert volumes_by_channel(csv.DictReader(io.StringIO(single.stdout))) == {
        "sms_text_messages": ("90", "")
    }
    refused = export("passport", "--volume-of-customers", "1200")
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: passport has rows for automated_phone, chatbot and sms_text_messages in "
        "FY2027Q1: give --volume-of-customers per channel as the rows' channel column names "
        "them, e.g. automated_phone:1200,chatbot:300,sms_text_messages:80\n"
    )
    unknown = export("benefits", "--volume-offered", "fax:4")
    assert unknown.exit_code == 1
    assert unknown.output == (
        "Error: --volume-offered names fax, but benefits has no fax row in FY2027Q1 and is not"
        " set up for it in the services file; its channels are automated_phone, chatbot and"
        " sms_text_messages\n"
    )
    negative = export("benefits", "--volume-of-customers", "-5")
    assert negative.exit_code == 1
    assert negative.output == "Error: --volume-of-customers must be a whole number\n"


def test_database_written_csv_equals_python_written_csv(seeded):
    from feedbot.export import ResponseFilter, iter_records, stream_csv, stream_export

    app, _ = seeded
    with runtime_of(app).db.sessions() as db:
        fast = b"".join(stream_csv(db, ResponseFilter()))
        plain = b"".join(stream_export(iter_records(db, ResponseFilter()), "csv"))
    assert list(csv.DictReader(io.StringIO(fast.decode()))) == list(
        csv.DictReader(io.StringIO(plain.decode()))
    )


def test_an_open_export_does_not_block_webhooks_on_sqlite(sqlite_app):
    from feedbot.export import ResponseFilter, iter_records
    from tests.support.texting import Texter

    with runtime_of(sqlite_app).db.transaction() as db:
        add_record(db)
    with runtime_of(sqlite_app).db.reading() as db:
        stream = iter_records(db, ResponseFilter())
        next(stream)  # the export's read transaction is open here
        reply = Texter(sqlite_app.test_client(), phone="+12025550143", to="+12025550100").send("Hi")
        assert "This interaction increased my trust" in reply


def test_text_that_would_run_as_a_formula_is_kept_as_text(app, tmp_path):
    attack = '=HYPERLINK("https://evil.example","Click")'
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=2, negative=("other",), question_4=attack, other_text="+1 call")
        add_record(db, question_1=4, positive=("ease",), question_4="fine - thanks")
        token = create_token(db, "all", None, ["export"])
    rows = rows_of(get(app, token, "/api/exports/responses", format="csv"))
    assert [row["question_4"] for row in rows] == ["'" + attack, "fine - thanks"]
    assert rows[0]["other_text"] == "'+1 call"
    jsonl = get(app, token, "/api/exports/responses", format="jsonl").get_data(as_text=True)
    assert json.loads(jsonl.splitlines()[0])["question_4"] == attack  # data, not a sheet
    path = tmp_path / "export.xlsx"
    path.write_bytes(get(app, token, "/api/exports/responses", format="xlsx").data)
    cell = load_workbook(path).active.cell(row=2, column=RECORD_COLUMNS.index("question_4") + 1)
    assert cell.value == attack and cell.data_type == "s"


# What a web chat visitor sent: a right-to-left override left open reversed how a CSV viewer
# showed the rest of the row, and a zero-width character before "=" skipped the apostrophe.
SLANTED = "hello \u202eevil\u202c text and \u200b zwsp \u2066isolate"
HIDDEN_FORMULAS = ("\u200b=1+1", "\ufeff@SUM(A1)", "\u202e=1+1 RLO first", "\u2067\u200d-2")


def add_hostile_text(app):
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=2, negative=("other",), question_4=SLANTED, other_text="\u202e")
        for text in HIDDEN_FORMULAS:
            add_record(db, question_1=2, negative=("other",), question_4=text, other_text=text)
        return create_token(db, "all", None, ["export"])


def test_spreadsheet_formats_drop_bidi_controls_and_see_formulas_past_invisible_text(app, tmp_path):
    token = add_hostile_text(app)
    expected = [
        "hello evil text and \u200b zwsp isolate",
        "'\u200b=1+1",
        "'\ufeff@SUM(A1)",
        "'=1+1 RLO first",
        "'\u200d-2",
    ]
    rows = rows_of(get(app, token, "/api/exports/responses", format="csv"))
    assert [row["question_4"] for row in rows] == expected
    assert [row["other_text"] for row in rows] == ["", *expected[1:]]
    path = tmp_path / "export.xlsx"
    path.write_bytes(get(app, token, "/api/exports/responses", format="xlsx").data)
    sheet = load_workbook(path).active
    cells = [row[RECORD_COLUMNS.index("question_4")] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == [
        "hello evil text and \u200b zwsp isolate",
        "\u200b=1+1",
        "\ufeff@SUM(A1)",
        "=1+1 RLO first",
        "\u200d-2",
    ]
    assert {cell.data_type for cell in cells} == {"s"}
    jsonl = get(app, token, "/api/exports/responses", format="jsonl").get_data(as_text=True)
    stored = [json.loads(line)["question_4"] for line in jsonl.splitlines()]
    assert stored == [SLANTED, *HIDDEN_FORMULAS]  # data, not a sheet: as stored


def test_database_written_csv_has_the_python_written_bytes_for_hostile_text(app):
    from feedbot.export import ResponseFilter, iter_records, stream_csv, stream_export

    add_hostile_text(app)
    with runtime_of(app).db.sessions() as db:
        fast = b"".join(stream_csv(db, ResponseFilter()))
        plain = b"".join(stream_export(iter_records(db, ResponseFilter()), "csv"))
    assert fast == plain


def test_invitations_fill_one_sms_row_when_a_flow_changed_mid_quarter(seeded):
    from tests.support.records import add_record

    app, tokens = seeded
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=1, trust_form="thumbs")  # a second SMS row for passport
    add_sent_passport_invitations(app, 2)
    # Without a staff figure: the 2 invitations and the 5 SMS surveys of the quarter that no
    # invitation began (3 complete, 1 partial, 1 abandoned; each was offered the survey).
    for params, total in (({"volume_offered": "sms_text_messages:900"}, 900), ({}, 2 + 5)):
        rows = rows_of(quarterly(app, tokens["all"], service="passport", **params))
        offered = [
            row["volume_of_customers_provided_survey_opportunity"]
            for row in rows
            if row["channel"] == "sms_text_messages"
        ]
        assert len(offered) == 2
        assert sum(int(value) for value in offered if value != "") == total


def test_the_sms_offered_figure_is_never_below_its_respondents(seeded):
    """It counted feedbot's invitations only, so people who texted in unasked made more
    respondents than customers offered the survey (a response rate over 100 %)."""
    app, tokens = seeded
    add_sent_passport_invitations(app, 1)
    (row,) = [
        row
        for row in rows_of(quarterly(app, tokens["all"], service="passport"))
        if row["channel"] == "sms_text_messages"
    ]
    respondents = int(row["volume_of_respondents"])
    assert respondents == 3  # two complete and one partial, none from the invitation
    assert int(row["volume_of_customers_provided_survey_opportunity"]) == 1 + 4


def test_no_external_id_starts_like_a_formula(monkeypatch):
    import secrets

    from feedbot.conversations import new_public_id

    # One token in 64 starts with "-", which a spreadsheet reads as a formula.
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: "-" + "A" * (4 * n // 3 - 1))
    assert new_public_id() == "_" + "A" * 31


def test_a_token_records_when_it_was_last_used(seeded):
    from sqlalchemy import select

    from feedbot.models import StaffToken

    app, tokens = seeded
    assert get(app, tokens["all"], "/api/exports/responses").status_code == 200
    with runtime_of(app).db.transaction() as db:
        used = db.scalar(select(StaffToken).where(StaffToken.name == "all"))
        unused = db.scalar(select(StaffToken).where(StaffToken.name == "inviter"))
        assert used.last_used_at is not None and unused.last_used_at is None


def test_xlsx_drops_characters_xml_cannot_hold(app, tmp_path):
    """U+FFFE and U+FFFF went into the sheet's XML as they were, and no spreadsheet (nor
    openpyxl) could open the file; a control character stopped the export halfway (openpyxl's
    IllegalCharacterError). Text stored before intake dropped them still exports."""
    with runtime_of(app).db.transaction() as db:
        add_record(
            db,
            question_1=2,
            negative=("other",),
            question_4="fine \ufffe thanks\uffff",
            other_text="\ufffe=HYPERLINK(1)\x01\x1f",
        )
        add_record(db, question_1=4, question_4="tab\tnew\nline \ufffd kept")
        token = create_token(db, "all", None, ["export"])
    response = get(app, token, "/api/exports/responses", format="xlsx")
    assert response.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.data)
    sheet = load_workbook(path).active
    column = {name: RECORD_COLUMNS.index(name) + 1 for name in ("question_4", "other_text")}
    assert sheet.cell(row=2, column=column["question_4"]).value == "fine  thanks"
    formula = sheet.cell(row=2, column=column["other_text"])
    assert formula.value == "=HYPERLINK(1)" and formula.data_type == "s"
    assert sheet.cell(row=3, column=column["question_4"]).value == "tab\tnew\nline \ufffd kept"


def test_csv_content_type_names_its_charset_once(seeded):
    app, tokens = seeded
    for path, params, content_type in (
        ("/api/exports/responses", {}, "text/csv; charset=utf-8"),
        ("/api/exports/a11-quarterly", {"quarter": "FY2027Q1"}, "text/csv; charset=utf-8"),
        ("/api/exports/responses", {"format": "jsonl"}, "application/x-ndjson"),
    ):
        response = get(app, tokens["all"], path, **params)
        assert response.status_code == 200 and response.data  # read: the stream is closed
        assert response.headers["Content-Type"] == content_type, path


VALID_SERVICES = "the services are benefits, passport, thumbs and webchat"


@pytest.mark.parametrize(
    ("path", "params", "error"),
    [
        (
            "/api/exports/responses",
            {"service": "Passport"},
            f"service 'Passport' is neither in the services file nor in stored responses; "
            f"{VALID_SERVICES}",
        ),
        (
            "/api/exports/a11-quarterly",
            {"service": "Passport"},
            f"service 'Passport' is neither in the services file nor in stored responses; "
            f"{VALID_SERVICES}",
        ),
        (
            "/api/exports/responses",
            {"language": "ES"},
            "language 'ES' is not offered by any service nor found in stored responses; "
            "the services offer ar, en, es and zh_Hans",
        ),
        (
            "/api/exports/responses",
            {"language": "es-US"},
            "language 'es-US' is not offered by any service nor found in stored responses; "
            "the services offer ar, en, es and zh_Hans",
        ),
        (
            "/api/exports/responses",
            {"service": "passport", "language": "ar"},
            "language 'ar' is not offered by passport nor found in its stored responses; "
            "passport offers en and es",
        ),
    ],
)
def test_unknown_service_or_language_is_a_clear_400(seeded, path, params, error):
    """Each exported nothing, with a 200: a mistyped filter looked like a quarter without
    responses."""
    app, tokens = seeded
    response = get(app, tokens["all"], path, quarter="FY2027Q1", **params)
    assert response.status_code == 400 and response.json["error"] == error


def test_a_token_for_one_service_still_gets_403_for_an_unknown_one(seeded):
    app, tokens = seeded
    for path in ("/api/exports/responses", "/api/exports/a11-quarterly"):
        refused = get(app, tokens["passport"], path, quarter="FY2027Q1", service="Visa")
        assert refused.status_code == 403, path
    scoped = get(app, tokens["passport"], "/api/exports/responses", language="ar")
    assert scoped.json["error"].startswith("language 'ar' is not offered by passport nor")


def test_a_service_that_left_the_services_file_stays_exportable(seeded):
    """Its records stay in the database: its id (and a language only they have) still exports
    them, and a response of it that no worker can normalize does not count as waiting."""
    from feedbot.models import PendingNormalization

    app, tokens = seeded
    with runtime_of(app).db.transaction() as db:
        add_record(db, service_id="retired", language="fr", question_1=4)
        # A language passport no longer offers keeps its records exportable too.
        add_record(db, language="de", question_1=3)
        waiting = add_record(db, service_id="retired", language="fr")
        db.flush()
        db.add(
            PendingNormalization(
                conversation_id=waiting.conversation_id, created_at=datetime.now(UTC)
            )
        )
        db.delete(waiting)
    responses = get(app, tokens["all"], "/api/exports/responses", format="jsonl", service="retired")
    assert responses.status_code == 200
    assert [json.loads(line)["language"] for line in responses.data.splitlines()] == ["fr"]
    assert responses.headers["Feedbot-Not-Yet-Normalized"] == "0"
    french = get(app, tokens["all"], "/api/exports/responses", format="jsonl", language="fr")
    assert french.status_code == 200 and len(french.data.splitlines()) == 1
    german = get(
        app,
        tokens["all"],
        "/api/exports/responses",
        format="jsonl",
        service="passport",
        language="de",
    )
    assert german.status_code == 200 and len(german.data.splitlines()) == 1
    figures = quarterly(app, tokens["all"], service="retired")
    assert figures.status_code == 200
    assert [(row["service_id"], row["service"]) for row in rows_of(figures)] == [
        ("retired", "retired")
    ]
    runner = app.test_cli_runner()
    cli = runner.invoke(
        args=["export", "quarterly", "--quarter", "FY2027Q1", "--service", "retired"]
    )
    assert cli.exit_code == 0, cli.output
    assert len(list(csv.DictReader(io.StringIO(cli.stdout)))) == 1
    assert "warning: retired is no longer in the services file" in cli.stderr


def test_cli_refuses_an_unknown_service_or_language(seeded, tmp_path):
    app, _ = seeded
    runner = app.test_cli_runner()
    out = tmp_path / "responses.csv"
    language = runner.invoke(args=["export", "responses", "--language", "ES", "-o", str(out)])
    assert language.exit_code == 2 and not out.exists()
    assert (
        "Error: language 'ES' is not offered by any service nor found in stored responses; "
        "the services offer ar, en, es and zh_Hans\n"
    ) in language.output
    service = runner.invoke(args=["export", "responses", "--service", "Visa"])
    assert service.exit_code == 2
    assert "Error: service 'Visa' is neither in the services file nor in stored" in service.output
    figures = runner.invoke(
        args=["export", "quarterly", "--quarter", "FY2027Q1", "--service", "Visa"]
    )
    assert figures.exit_code == 1 and figures.stdout == ""
    assert figures.stderr == (
        f"Error: service 'Visa' is neither in the services file nor in stored responses; "
        f"{VALID_SERVICES}\n"
    )


@pytest.mark.parametrize(
    ("params", "error", "cli_error"),
    [
        (
            {"from": "2026/10/01"},
            "from must be a date as YYYY-MM-DD, got '2026/10/01'",
            "--from must be a date as YYYY-MM-DD, got '2026/10/01'",
        ),
        (
            {"to": "2026-02-30"},
            "to must be a date as YYYY-MM-DD, got '2026-02-30'",
            "--to must be a date as YYYY-MM-DD, got '2026-02-30'",
        ),
        (
            {"from": "2026-12-31", "to": "2026-10-01"},
            "from 2026-12-31 is after to 2026-10-01",
            "--from 2026-12-31 is after --to 2026-10-01",
        ),
    ],
)
def test_bad_dates_name_the_parameter_and_the_form(seeded, params, error, cli_error):
    """Python's own "Invalid isoformat string" was the answer; from after to exported nothing."""
    app, tokens = seeded
    response = get(app, tokens["all"], "/api/exports/responses", **params)
    assert response.status_code == 400 and response.json["error"] == error
    options = [item for name, value in params.items() for item in (f"--{name}", value)]
    cli = app.test_cli_runner().invoke(args=["export", "responses", *options])
    assert cli.exit_code == 2 and f"Error: {cli_error}\n" in cli.output


def test_cli_format_follows_the_output_file(seeded, tmp_path):
    """-o out.xlsx without --format wrote CSV into the .xlsx file."""
    app, _ = seeded
    runner = app.test_cli_runner()

    def export(name, *options):
        path = tmp_path / name
        return path, runner.invoke(args=["export", "responses", "-o", str(path), *options])

    xlsx, result = export("out.XLSX")
    assert result.exit_code == 0, result.output
    assert len(list(load_workbook(xlsx, read_only=True).active.iter_rows())) == 1 + 8
    jsonl, result = export("out.jsonl")
    assert result.exit_code == 0, result.output
    assert len([json.loads(line) for line in jsonl.read_text().splitlines()]) == 8
    text, result = export("out.txt")
    assert result.exit_code == 0, result.output
    assert text.read_text().startswith(TOUCHPOINTS_HEADER)
    contradicted, result = export("wrong.xlsx", "--format", "csv")
    assert result.exit_code == 2 and not contradicted.exists()
    assert (
        "Error: --format csv contradicts the output file's extension .xlsx: give --format "
        "xlsx, or a file name ending in .csv"
    ) in result.output
    agreed, result = export("agreed.jsonl", "--format", "jsonl")
    assert result.exit_code == 0 and len(agreed.read_text().splitlines()) == 8


def test_drivers_left_unanswered_export_empty_like_other_unanswered_questions(app):
    """Three unreadable replies to the drivers exported 0 for all seven, as if the person had
    been offered them and ticked none (SKIP), which counted them as offered; a trust question
    left unanswered exports an empty question_1, and so do these cells now."""
    from tests.support.texting import Texter

    for phone, replies in (
        ("+12025550161", ("Hi", "5", "xyz", "xyz", "xyz", "SKIP")),
        ("+12025550162", ("Hi", "5", "SKIP", "SKIP")),
        ("+12025550163", ("Hi", "5", "1 3", "SKIP")),
    ):
        texter = Texter(app.test_client(), phone=phone, to="+12025550100")
        for body in replies:
            texter.send(body)
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "all", None, ["export"])
    unanswered, skipped, ticked = rows_of(get(app, token, "/api/exports/responses"))
    positive = [f"positive_{driver}" for driver in DRIVERS]
    negative = [f"negative_{driver}" for driver in DRIVERS]
    assert [unanswered[c] for c in positive + negative] == [""] * 14
    assert [skipped[c] for c in positive] == ["0"] * 7
    assert [ticked[c] for c in positive] == ["1", "0", "1", "0", "0", "0", "0"]
    assert [row[c] for row in (skipped, ticked) for c in negative] == [""] * 14
    assert unanswered["question_1"] == "5" and unanswered["status"] == "complete"

    quarter = f"FY{unanswered['fiscal_year']}Q{unanswered['quarter']}"
    (row,) = rows_of(get(app, token, "/api/exports/a11-quarterly", quarter=quarter))
    assert [int(row[c]) for c in positive] == [1, 0, 1, 0, 0, 0, 0]
    assert row["volume_of_respondents"] == "3"


def test_a_quarterly_export_names_the_services_that_lack_their_details(seeded):
    """A service that left the services file kept its counts but exported empty
    service_provider, omb_control_number, survey_title and question texts, unsaid."""
    from feedbot.export import services_without_details, without_details_warning

    app, tokens = seeded
    with runtime_of(app).db.transaction() as db:
        add_record(db, service_id="retired", question_1=4)
        add_record(db, service_id="closed-office", question_1=2)
    answer = quarterly(app, tokens["all"])
    retired = {row["service_id"]: row for row in rows_of(answer)}["retired"]
    assert retired["service_provider"] == retired["omb_control_number"] == ""
    header = "Feedbot-Services-Not-In-Services-File"
    assert answer.headers[header] == "closed-office,retired"
    as_json = quarterly(app, tokens["all"], format="json")
    assert as_json.headers[header] == "closed-office,retired"
    assert header not in quarterly(app, tokens["all"], service="passport").headers

    rows = [{"service_id": "retired"}, {"service_id": "passport"}]
    (missing,) = services_without_details(runtime_of(app).services, rows)
    assert without_details_warning([missing]) == (
        "retired is no longer in the services file, so its rows have no service_provider, "
        "omb_control_number, survey_title, trust_question_text or q1_text: put its entry back "
        "in the services file and export again."
    )


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"service": "webchat", "channel": "voice"},
            "channel 'voice' is not set up for webchat nor found in its stored responses; "
            "webchat is set up for webchat (chatbot)",
        ),
        (
            {"service": "thumbs", "channel": "chatbot"},
            "channel 'chatbot' is not set up for thumbs nor found in its stored responses; "
            "thumbs is set up for sms (sms_text_messages) and voice (automated_phone)",
        ),
        (
            {"channel": "fax"},
            "channel 'fax' is not one of sms, voice and webchat (or, as exports name them, "
            "sms_text_messages, automated_phone and chatbot)",
        ),
    ],
)
def test_a_channel_the_services_are_not_set_up_for_is_a_clear_400(seeded, params, error):
    """A channel of another service (voice, for a web-chat-only service) exported nothing with
    a 200, and an unknown one was told only feedbot's names though A-11's are taken too."""
    app, tokens = seeded
    response = get(app, tokens["all"], "/api/exports/responses", **params)
    body = response.get_data(as_text=True)  # read: a 200 streams
    assert response.status_code == 400, body[:200]
    assert response.json["error"] == error
    options = [item for name, value in params.items() for item in (f"--{name}", value)]
    cli = app.test_cli_runner().invoke(args=["export", "responses", *options])
    assert (cli.exit_code, cli.stdout) == (2, "") and f"Error: {error}\n" in cli.output


def test_a_channel_a_service_has_dropped_stays_exportable(seeded):
    """Its stored responses keep the channel exportable, as a dropped language does."""
    app, tokens = seeded
    with runtime_of(app).db.transaction() as db:
        add_record(db, service_id="webchat", channel="automated_phone", question_1=4)
    for channel in ("voice", "automated_phone"):
        response = get(
            app,
            tokens["all"],
            "/api/exports/responses",
            format="jsonl",
            service="webchat",
            channel=channel,
        )
        assert response.status_code == 200 and len(response.data.splitlines()) == 1, channel


@pytest.mark.parametrize("quarter", ["FY0000Q1", "FY0001Q1"])
def test_a_fiscal_year_out_of_range_is_a_clear_refusal(seeded, quarter):
    """With volumes it failed with "year -1 is out of range": HTTP 500, a CLI traceback."""
    app, tokens = seeded
    error = f"quarter {quarter!r} is outside the fiscal years feedbot reports, FY2000 to FY2100"
    for path, params in (
        (
            "/api/exports/a11-quarterly",
            {"service": "benefits", "volume_of_customers": "sms_text_messages:90"},
        ),
        ("/api/exports/responses", {}),
    ):
        response = get(app, tokens["all"], path, quarter=quarter, **params)
        body = response.get_data(as_text=True)
        assert response.status_code == 400, body[:200]
        assert response.json["error"] == error
    runner = app.test_cli_runner()
    volume = ["--volume-of-customers", "sms_text_messages:90"]
    figures = runner.invoke(
        args=["export", "quarterly", "--quarter", quarter, "--service", "benefits", *volume]
    )
    assert figures.exit_code == 2 and error in figures.output
    responses = runner.invoke(args=["export", "responses", "--quarter", quarter])
    assert responses.exit_code == 2 and f"Error: {error}\n" in responses.output


EMPTY_FY2026Q1 = (
    "no responses in FY2026Q1, which runs from 2025-10-01 to 2025-12-31 in each service's time"
    " zone (a federal fiscal year begins on October 1 of the year before its number: October"
    " to December 2026 is FY2027Q1)"
)


def test_a_quarter_without_responses_is_said_to_be_empty(seeded):
    """It exported a header alone with 200 / exit 0 and no word, as when the quarter is typed
    as calendar years count (FY2026Q1 for October 2026, which is FY2027Q1)."""
    app, tokens = seeded
    header = "Feedbot-Quarter-Without-Responses"
    for path in ("/api/exports/a11-quarterly", "/api/exports/responses"):
        empty = get(app, tokens["all"], path, quarter="FY2026Q1", service="passport")
        assert empty.status_code == 200 and len(empty.data.splitlines()) == 1, path
        assert empty.headers[header] == EMPTY_FY2026Q1, path
        full = get(app, tokens["all"], path, quarter="FY2027Q1", service="passport")
        assert full.status_code == 200 and len(full.data.splitlines()) > 1, path
        assert header not in full.headers, path
    # A quarter with responses, none of which the other filters keep, is not said to be empty.
    kept_out = get(
        app, tokens["all"], "/api/exports/responses", quarter="FY2026Q4", status="partial"
    )
    assert kept_out.data.count(b"\n") == 1 and header not in kept_out.headers
    # A quarter with responses of other services only is empty for the one asked for.
    other = get(
        app, tokens["all"], "/api/exports/responses", quarter="FY2026Q4", service="benefits"
    )
    assert other.data.count(b"\n") == 1 and other.headers[header].startswith(
        "no responses in FY2026Q4, which runs from 2026-07-01 to 2026-09-30 in each service's"
    )
    assert other.headers[header].endswith("July to September 2027 is FY2027Q4)")
    runner = app.test_cli_runner()
    for command in ("quarterly", "responses"):
        cli = runner.invoke(args=["export", command, "--quarter", "FY2026Q1"])
        assert cli.exit_code == 0, cli.output
        assert f"warning: {EMPTY_FY2026Q1}\n" in cli.stderr, command
        full = runner.invoke(args=["export", command, "--quarter", "FY2027Q1"])
        assert full.exit_code == 0 and "no responses in" not in full.stderr, command


@pytest.mark.parametrize("fmt", ["xlsx", "jsonl", "JSON", ""])
def test_a_quarterly_format_other_than_csv_or_json_is_a_clear_400(seeded, fmt):
    """format=xlsx answered 200 with CSV, as any format but json did."""
    app, tokens = seeded
    response = quarterly(app, tokens["all"], format=fmt)
    assert response.status_code == 400
    assert response.json["error"] == "format must be one of csv, json"
    assert quarterly(app, tokens["all"], format="csv").mimetype == "text/csv"


def given_under(app, flow_id, flow_version=1, on_record=True, **fields):
    """A passport record of FY2027Q1 whose response was given under `flow_id`; without the
    flow `on_record`, as a release before 0010 wrote one during a rolling upgrade."""
    from feedbot.models import Conversation

    with runtime_of(app).db.transaction() as db:
        record = add_record(db, **fields)
        db.flush()
        conversation = db.get(Conversation, record.conversation_id)
        conversation.flow_id, conversation.flow_version = flow_id, flow_version
        record.flow_id, record.flow_version = (flow_id, flow_version) if on_record else (None,) * 2


def test_a_normalized_record_carries_the_flow_its_response_was_given_under(seeded):
    """The quarterly export groups records by their own flow_id (no join to conversations,
    which more than doubled it): normalizing must copy the conversation's, not the service's."""
    from feedbot.models import Conversation
    from feedbot.normalize import normalize_response

    app, _ = seeded
    runtime = runtime_of(app)
    with runtime.db.transaction() as db:
        conversation = db.get(Conversation, add_record(db).conversation_id)
        conversation.flow_id, conversation.flow_version = "a11_thumbs", 1
        db.flush()
        record = normalize_response(db, runtime.services, conversation.id)
        assert (record.flow_id, record.flow_version) == ("a11_thumbs", 1)


def test_quarterly_rows_have_the_texts_of_the_flow_their_responses_were_given_under(seeded):
    """passport moved from the thumbs flow to the 1-5 one mid-quarter: the thumbs row had the
    1-5 flow's survey_title (and would have had its trust question's text)."""
    app, tokens = seeded
    given_under(app, "a11_thumbs", question_1=1, trust_form="thumbs")
    rows = rows_of(quarterly(app, tokens["all"], service="passport"))
    sms = {row["survey_type"]: row for row in rows if row["channel"] == "sms_text_messages"}
    thumbs, likert = sms["thumbs_up_down"], sms["likert_scale"]
    assert thumbs["survey_title"] == "A-11 post-transaction survey (thumbs)"
    assert likert["survey_title"] == "A-11 post-transaction survey"
    assert (thumbs["q1_thumbs_up"], thumbs["volume_of_respondents"]) == ("1", "1")
    # Both flows ask it in the same words; it is taken from the thumbs flow all the same.
    assert (
        thumbs["trust_question_text"]
        == thumbs["q1_text"]
        == ("This interaction increased my trust in U.S. Passport Office.")
    )


def test_a_record_written_without_its_flow_takes_the_services_current_one(seeded):
    """A release before 0010 normalizing during a rolling upgrade writes records with no flow:
    they made a row with no survey texts, and the flows-not-loaded check failed sorting None
    beside the flows' ids (TypeError). They take the service's current flow, as that release
    did."""
    app, tokens = seeded
    given_under(app, "a11_retired", on_record=False, question_1=4, channel="chatbot")
    given_under(app, "a11_gone", question_1=5, channel="chatbot")
    answer = quarterly(app, tokens["all"], service="passport")
    titles = {row["survey_title"] for row in rows_of(answer) if row["channel"] == "chatbot"}
    assert titles == {"", "A-11 post-transaction survey"}
    assert answer.headers["Feedbot-Flows-Not-Loaded"] == "a11_gone version 1"


def test_rows_of_a_flow_no_longer_loaded_say_so_rather_than_take_another_s_texts(seeded):
    app, tokens = seeded
    given_under(app, "a11_retired", question_1=4, channel="chatbot")
    given_under(app, "a11", flow_version=0, question_1=5, channel="chatbot")
    answer = quarterly(app, tokens["all"], service="passport")
    (retired,) = [row for row in rows_of(answer) if row["survey_title"] == ""]
    assert retired["channel"] == "chatbot" and retired["volume_of_respondents"] == "1"
    assert retired["trust_question_text"] == retired["q1_text"] == ""
    assert retired["service_provider"] == "U.S. Passport Office"
    header = "Feedbot-Flows-Not-Loaded"
    assert answer.headers[header] == "a11 version 0,a11_retired version 1"
    assert header not in quarterly(app, tokens["all"], service="benefits").headers
    cli = app.test_cli_runner().invoke(
        args=["export", "quarterly", "--quarter", "FY2027Q1", "--service", "passport"]
    )
    assert cli.exit_code == 0, cli.output
    assert (
        "warning: responses of FY2027Q1 were given under flow a11_retired, which is no longer"
        " in the flows directory: its rows have no survey_title, trust_question_text or"
        " q1_text; put its file back and export again.\n"
    ) in cli.stderr
    assert (
        "warning: responses of FY2027Q1 were given under version 0 of flow a11, which is now"
        " version 1: its rows have version 1's survey_title, trust_question_text and q1_text;"
        " check that they are what version 0 asked.\n"
    ) in cli.stderr


def test_a_record_written_without_its_flow_counts_on_its_channels_one_row(seeded):
    """Rolled back to a release before 0010 (or rolling upgrade to it), one SMS survey's
    record was written without its flow: it made a second sms_text_messages row for a
    service that never changed flows, and the staff volumes went on the other one only. Such
    a record is counted with its service's current flow, each service its own."""
    app, tokens = seeded
    given_under(app, "a11", on_record=False, question_1=2, positive=("ease",))
    with runtime_of(app).db.transaction() as db:
        add_record(db, service_id="thumbs", flow_id="a11_thumbs", trust_form="thumbs", question_1=1)
        add_record(
            db,
            service_id="thumbs",
            flow_id=None,
            flow_version=None,
            trust_form="thumbs",
            question_1=0,
        )
    params = {"volume_of_customers": "sms:100,voice:50", "volume_offered": "sms:90"}
    answer = quarterly(app, tokens["all"], service="passport", **params)
    (sms,) = [row for row in rows_of(answer) if row["channel"] == "sms_text_messages"]
    assert (sms["volume_of_respondents"], sms["q1_2"], sms["positive_ease"]) == ("4", "1", "3")
    assert (sms["volume_of_customers"], sms["survey_title"]) == (
        "100",
        "A-11 post-transaction survey",
    )
    assert sms["volume_of_customers_provided_survey_opportunity"] == "90"
    assert "Feedbot-Flows-Not-Loaded" not in answer.headers
    every = rows_of(quarterly(app, tokens["all"]))
    assert [(row["service_id"], row["channel"]) for row in every] == [
        ("benefits", "sms_text_messages"),
        ("passport", "automated_phone"),
        ("passport", "chatbot"),
        ("passport", "sms_text_messages"),
        ("thumbs", "sms_text_messages"),
    ]
    thumbs = every[-1]
    assert thumbs["survey_title"] == "A-11 post-transaction survey (thumbs)"
    assert (thumbs["q1_thumbs_up"], thumbs["q1_thumbs_down"]) == ("1", "1")


def test_the_dashboard_counts_a_record_without_its_flow_with_the_current_flows(app):
    """The dashboard grouped records by flow in SQL and put those written without one (a
    release before 0010) under the current flow afterwards: their trust answers and
    questions replaced the current flow's counts of the same answers rather than adding to
    them. It counts them as the quarterly export does."""
    from feedbot.models import Answer
    from tests.test_dashboard import _sections, _signed_in, _trust_counts

    with runtime_of(app).db.transaction() as db:
        for rating, on_record in ((5, True), (5, False), (4, True), (4, False), (5, False)):
            flow = {} if on_record else {"flow_id": None, "flow_version": None}
            record = add_record(db, question_1=rating, **flow)
            db.flush()
            db.add(
                Answer(
                    conversation_id=record.conversation_id,
                    question_id="trust",
                    status="answered",
                    answered_at=record.completed_at,
                )
            )
        token = create_token(db, "ana", None, ["export"])
    page = _signed_in(app, token).get("/staff?service=passport&quarter=FY2027Q1")
    (section,) = _sections(page.get_data(as_text=True)).values()
    assert _trust_counts(section) == {"1": "0", "2": "0", "3": "0", "4": "2", "5": "3"}
    cells = re.search(r"<tr><td>trust</td>((?:<td>[^<]*</td>){5})</tr>", section).group(1)
    assert re.findall(r"<td>([^<]*)</td>", cells) == ["5", "5", "0", "0", "0"]
    (row,) = rows_of(quarterly(app, token, service="passport"))
    assert (row["volume_of_respondents"], row["q1_4"], row["q1_5"]) == ("5", "2", "3")
