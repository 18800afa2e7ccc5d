"""Invitation rows that name no service, by the API and by `feedbot invite --csv`."""

from __future__ import annotations

from feedbot.staff_auth import create_token
from tests.conftest import runtime_of


def test_an_api_row_with_no_service_says_to_give_one(sqlite_app):
    """The refusal read "service None does not exist": Python's None, for a row that named no
    service at all."""
    with runtime_of(sqlite_app).db.transaction() as db:
        token = create_token(db, "case-system", None, ["invite"])
    response = sqlite_app.test_client().post(
        "/api/invitations/batch",
        json={"invitations": [{"phone": "+12025550181"}, {"phone": "+12025550182", "service": ""}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    no_service = "no service: give the id of the service the survey is about"
    assert response.json["errors"] == [
        {"row": 1, "error": no_service},
        {"row": 2, "error": no_service},
    ]


def test_a_csv_with_no_service_column_and_no_service_option_is_refused_whole(sqlite_app, tmp_path):
    """Each row was refused as "row 2: service None does not exist"."""
    path = tmp_path / "people.csv"
    path.write_text("phone,language\n+12025550181,en\n+12025550182,es\n")
    result = sqlite_app.test_cli_runner().invoke(args=["invite", "--csv", str(path)])
    assert result.exit_code == 2
    assert f"{path} names no service: add a service column, or give --service" in result.output
    assert "None" not in result.output
