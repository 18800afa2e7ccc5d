"""The staff dashboard: sign-in, the seeded figures, in a real browser with axe-core."""

from __future__ import annotations

import html
import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from feedbot.config import REPO_ROOT
from feedbot.models import DRIVERS, Answer, StaffToken
from feedbot.staff import SIGN_IN_LIFETIME_SECONDS
from feedbot.staff_auth import create_token
from tests.conftest import make_app, runtime_of
from tests.support.browser import axe_violations, chromium, screenshot, serve
from tests.support.records import add_record


@pytest.fixture
def dashboard_app(sqlite_app):
    with runtime_of(sqlite_app).db.transaction() as db:
        for rating in (5, 5, 4, 2, 1):
            add_record(
                db,
                question_1=rating,
                positive=("ease",) if rating >= 4 else (),
                negative=("efficiency",) if rating < 4 else (),
                question_4=f"comment for a {rating}",
            )
        add_record(db, question_1=3, negative=("ease",), channel="chatbot", language="es")
        token = create_token(db, "ana", ["passport"], ["export"])
    return sqlite_app, token


@pytest.mark.parametrize("path", ["/staff/login", "/staff/logout"])
def test_a_form_token_with_non_ascii_characters_is_a_clear_400(dashboard_app, path):
    """hmac.compare_digest raised TypeError on it: a 500."""
    app, token = dashboard_app
    client = app.test_client()
    client.get("/staff")
    response = client.post(path, data={"token": token, "csrf": "é"})
    assert response.status_code == 400
    assert response.json["error"] == "the form expired: reload the page and try again"


def test_sign_in_needs_a_valid_token_and_the_form_token(dashboard_app):
    app, token = dashboard_app
    client = app.test_client()
    page = client.get("/staff")
    assert b"Sign in" in page.data
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page.data).group(1).decode()
    assert client.post("/staff/login", data={"token": token}).status_code == 400
    wrong = client.post("/staff/login", data={"token": "fbt_nope", "csrf": csrf})
    assert wrong.status_code == 401 and b"unknown or revoked" in wrong.data
    ok = client.post("/staff/login", data={"token": token, "csrf": csrf})
    assert ok.status_code == 302
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    shown = client.get("/staff?service=passport&quarter=FY2027Q1")
    assert b'id="total-responses">6<' in shown.data


def test_a_token_without_the_export_scope_is_told_so(dashboard_app):
    """An invite-only token was told it was "unknown or revoked"."""
    app, _ = dashboard_app
    with runtime_of(app).db.transaction() as db:
        inviter = create_token(db, "case-system", None, ["invite"])
    client = app.test_client()
    page = client.get("/staff")
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page.data).group(1).decode()
    refused = client.post("/staff/login", data={"token": inviter, "csrf": csrf})
    assert refused.status_code == 403
    assert b"sign in with one that has the export scope" in refused.data
    assert b"unknown or revoked" not in refused.data
    assert client.get("/staff").data.count(b"Sign in") >= 1


def test_a_refused_sign_in_is_logged_as_the_apis_refusals_are(dashboard_app, caplog):
    """The API logged each wrong token; 40 wrong tokens at the sign-in form left no trace."""
    app, _ = dashboard_app
    with runtime_of(app).db.transaction() as db:
        inviter = create_token(db, "case-system", None, ["invite"])
    wrong = "fbt_" + "x" * 43
    client = app.test_client()
    csrf = re.search(rb'name="csrf" value="([^"]+)"', client.get("/staff").data).group(1).decode()
    with caplog.at_level(logging.INFO):
        for token in (wrong, inviter):
            client.post("/staff/login", data={"token": token, "csrf": csrf})
    refusals = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert refusals == [
        "staff request to /staff/login refused (401): token is unknown or revoked",
        "staff request to /staff/login refused (403): token 'case-system' lacks the 'export' scope",
    ]
    assert not [r for r in caplog.records if wrong in r.getMessage() or inviter in r.getMessage()]


def test_wrong_tokens_at_the_sign_in_form_are_refused_for_a_while(sqlite_url, caplog):
    """Sign-in was not limited: a script could try tokens as fast as the server answered."""
    app = make_app(sqlite_url, staff_sign_in_limit="3 per minute")
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "ana", ["passport"], ["export"])

    def sign_in(with_token: str) -> Any:
        client = app.test_client()  # each from the page, as a colleague at the next desk
        page = client.get("/staff").data
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        return client.post("/staff/login", data={"token": with_token, "csrf": csrf})

    # Sign-ins that work do not count: a whole office may sign in from one address.
    assert [sign_in(token).status_code for _ in range(5)] == [302] * 5
    assert [sign_in("fbt_" + "x" * 43).status_code for _ in range(3)] == [401] * 3
    # INFO: Flask-Limiter logs the breach at INFO, naming the address it counted by.
    with caplog.at_level(logging.INFO):
        refused = sign_in(token)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 61  # the window, to the second above
    assert b"Too many sign-in attempts failed. Try again in 1 minute." in refused.data
    assert b'name="token"' in refused.data  # the form again, not a JSON error
    assert "staff request to /staff/login refused (429): too many refused sign-ins" in caplog.text
    assert "rate limit 3 per 1 minute exceeded at staff.login" in caplog.text
    assert "127.0.0.1" not in caplog.text


def test_posts_without_the_form_token_do_not_lock_the_sign_in_form(sqlite_url):
    """Every 4xx counted, the CSRF check's 400 too: 50 posts from anyone sharing the office's
    address, who need not even load the form, locked its staff out for an hour. Only refused
    tokens count now."""
    app = make_app(sqlite_url)  # the default limit: 10 a minute, 50 an hour
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "ana", ["passport"], ["export"])
    junk = app.test_client()
    junk.get("/staff")  # a session with a form token, which the posts get wrong
    posts = [junk.post("/staff/login", data={"token": token}) for _ in range(30)]
    posts += [junk.post("/staff/login", data={"token": token, "csrf": "x"}) for _ in range(30)]
    assert {post.status_code for post in posts} == {400}
    client = app.test_client()
    csrf = re.search(rb'name="csrf" value="([^"]+)"', client.get("/staff").data).group(1).decode()
    wrong = [
        client.post("/staff/login", data={"token": "fbt_nope", "csrf": csrf}) for _ in range(11)
    ]
    assert [post.status_code for post in wrong] == [401] * 10 + [429]


@pytest.mark.browser
def test_dashboard_in_a_browser_shows_seeded_numbers_without_axe_violations(dashboard_app):
    app, token = dashboard_app
    with serve(app) as base, chromium() as page:
        page.goto(base + "/staff")
        page.fill("#token", token)
        page.click("button[type=submit]")
        page.goto(base + "/staff?service=passport&quarter=FY2027Q1")
        assert page.inner_text("#total-responses") == "6"
        assert "50% positive (3 positive, 3 negative" in page.inner_text("#driver-share-1")
        desc = page.text_content("#trust-desc-1")
        assert "5: 2." in desc and "3: 1." in desc and "1: 1." in desc
        assert "comment for a 5" in page.inner_text(".comments")
        assert page.locator("svg rect").count() == 5
        # The downloads are links, reached by keyboard as any link is.
        assert page.locator("#downloads a").count() == 4
        page.focus("#downloads a >> nth=0")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert download.value.suggested_filename == "a11-quarterly-passport-FY2027Q1.csv"
        # The form for volumes and a reflection opens from the keyboard too.
        page.focus("#downloads summary")
        page.keyboard.press("Enter")
        page.fill("#reflection_text", "A quiet quarter.")
        page.focus("#quarterly-form button")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert "A quiet quarter." in download.value.path().read_text()
        assert axe_violations(page, "body") == []
        header = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
        assert header == "rgb(22, 46, 81)"  # the style sheet loaded under the page's CSP
        assert page.csp_violations == []
        screenshot(page, "staff-dashboard.png")


def test_a_thumbs_service_shows_thumbs_up_and_down(app):
    with runtime_of(app).db.transaction() as db:
        for answer in (1, 1, 0, 0, 0):
            add_record(
                db,
                service_id="thumbs",
                flow_id="a11_thumbs",
                trust_form="thumbs",
                question_1=answer,
            )
        # Written without its flow (a release before 0010), so under the service's current
        # flow, but given on the 1-5 scale: a 1 here is "strongly disagree", no thumbs up.
        add_record(db, service_id="thumbs", flow_id=None, flow_version=None, question_1=1)
        add_record(db, question_1=4)  # passport: a likert service with a response to show
        token = create_token(db, "ana", None, ["export"])
    client = app.test_client()
    csrf = re.search(rb'name="csrf" value="([^"]+)"', client.get("/staff").data).group(1).decode()
    client.post("/staff/login", data={"token": token, "csrf": csrf})
    page = client.get("/staff?service=thumbs&quarter=FY2027Q1").get_data(as_text=True)
    table = re.search(r"<caption>(.*?)</caption>(.*?)</table>", page, re.S)
    assert table.group(1) == "Trust answers (thumbs up or thumbs down)"
    heads = re.findall(r'<th scope="col">([^<]+)</th>', table.group(2))
    counts = re.findall(r"<td>(\d+)</td>", table.group(2))
    assert dict(zip(heads[1:], counts, strict=True)) == {"Thumbs up": "2", "Thumbs down": "3"}
    assert '<desc id="trust-desc-1">Thumbs up: 2. Thumbs down: 3. </desc>' in page
    assert (
        "1 trust answer(s) of these responses were given on another form of the question"
        " (1–5 scale) than this flow asks and are not counted above." in page
    )
    assert 'id="total-responses">6<' in page

    likert = client.get("/staff?service=passport&quarter=FY2027Q1").get_data(as_text=True)
    assert "<caption>Trust ratings (1 strongly disagree … 5 strongly agree)</caption>" in likert
    assert "trust-other-form" not in likert


def test_drop_off_by_question_from_real_surveys(sqlite_app):
    from feedbot.fiscal import fiscal_quarter
    from tests.support.texting import Texter

    for phone, replies in (
        ("+12025550151", ("Hi", "5", "1", "Great")),
        ("+12025550152", ("Hi", "2", "SKIP", "SKIP")),
    ):
        texter = Texter(sqlite_app.test_client(), phone=phone, to="+12025550100")
        for body in replies:
            texter.send(body)
    with runtime_of(sqlite_app).db.transaction() as db:
        token = create_token(db, "ana", None, ["export"])
    client = sqlite_app.test_client()
    csrf = re.search(rb'name="csrf" value="([^"]+)"', client.get("/staff").data).group(1).decode()
    client.post("/staff/login", data={"token": token, "csrf": csrf})
    from datetime import UTC, datetime

    quarter = fiscal_quarter(datetime.now(UTC), "America/New_York")
    page = client.get(f"/staff?service=passport&quarter={quarter}").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(\w+)</td>((?:<td>[^<]*</td>){5})</tr>", page)
    table = {name: re.findall(r"<td>([^<]*)</td>", cells) for name, cells in rows}
    # In the flow's order: reached, answered, skipped, unanswered, never reached (of 2
    # responses). A branch's question is not "never reached" by the other branch's responses.
    assert list(table) == ["trust", "made_the_difference", "could_be_better", "anything_else"]
    assert table["trust"] == ["2", "2", "0", "0", "0"]
    assert table["made_the_difference"] == ["1", "1", "0", "0", "— (a branch)"]
    assert table["could_be_better"] == ["1", "0", "1", "0", "— (a branch)"]
    assert table["anything_else"] == ["2", "1", "1", "0", "0"]


def test_the_quarter_menu_keeps_the_current_quarter_when_an_older_one_is_shown(dashboard_app):
    """Counted from the quarter shown, the menu lost the way back to the current one."""
    from datetime import UTC, datetime

    from feedbot.fiscal import fiscal_quarter

    app, token = dashboard_app
    client = app.test_client()
    csrf = re.search(rb'name="csrf" value="([^"]+)"', client.get("/staff").data).group(1).decode()
    client.post("/staff/login", data={"token": token, "csrf": csrf})
    current = fiscal_quarter(datetime.now(UTC), "America/New_York")
    older = f"FY{current.fiscal_year - 2}Q{current.quarter}"
    page = client.get(f"/staff?service=passport&quarter={older}").get_data(as_text=True)
    offered = re.findall(r'<option value="(FY\d{4}Q\d)"', page)
    assert offered[0] == str(current) and offered[-1] == older and len(offered) == 5


@pytest.mark.parametrize(
    ("quarter", "wrong"),
    [
        (
            "FY0000Q1",
            "quarter 'FY0000Q1' is outside the fiscal years feedbot reports, FY2000 to FY2100",
        ),
        (
            "FY0001Q1",
            "quarter 'FY0001Q1' is outside the fiscal years feedbot reports, FY2000 to FY2100",
        ),
        ("FY2026Q7", "quarter 'FY2026Q7' is not of the form FY2027Q1"),
        ("2026Q3", "quarter '2026Q3' is not of the form FY2027Q1"),
        ("FY2027", "quarter 'FY2027' is not of the form FY2027Q1"),
    ],
)
def test_a_quarter_the_dashboard_refuses_is_named_not_replaced(dashboard_app, quarter, wrong):
    """A quarter it could not read showed the current quarter's figures, with nothing to say
    they were not the quarter asked for (once "FY0Q1", with no figures)."""
    from datetime import UTC, datetime

    from feedbot.fiscal import fiscal_quarter

    app, token = dashboard_app
    page = _signed_in(app, token).get(f"/staff?service=passport&quarter={quarter}")
    text = page.get_data(as_text=True)
    current = fiscal_quarter(datetime.now(UTC), "America/New_York")
    assert page.status_code == 400
    refused = re.search(r'<p class="warning" id="quarter-refused" role="alert">(.*?)</p>', text)
    assert refused.group(1).replace("&#39;", "'") == (
        f"No figures shown: {wrong}. The dashboard takes a fiscal quarter as FY, the fiscal"
        f" year (2000 to 2100) and Q1 to Q4, such as {current}, the current quarter: pick one"
        " from the menu."
    )
    assert "total-responses" not in text and "no-responses" not in text
    assert f"passport renewal, {current}</h2>" not in text
    # The menu still offers the quarters to pick from, none of them the one refused.
    offered = re.findall(r'<option value="(FY\d{4}Q\d)"', text)
    assert offered[0] == str(current) and len(offered) == 4 and quarter not in offered


def test_a_quarter_left_out_or_empty_shows_the_current_one(dashboard_app):
    from datetime import UTC, datetime

    from feedbot.fiscal import fiscal_quarter

    app, token = dashboard_app
    client = _signed_in(app, token)
    current = fiscal_quarter(datetime.now(UTC), "America/New_York")
    for url in ("/staff?service=passport", "/staff?service=passport&quarter="):
        page = client.get(url)
        assert page.status_code == 200
        assert f"passport renewal, {current}</h2>" in page.get_data(as_text=True)


def test_signing_out_ends_the_session_for_a_copy_of_its_cookie_too(app):
    """Signing out only cleared the browser's cookie: a copy of it still showed the dashboard
    until it expired. The same token's sessions in other browsers stay signed in."""
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5)
        token = create_token(db, "ana", ["passport"], ["export"])
    browser, other_browser = _signed_in(app, token), _signed_in(app, token)
    csrf = re.search(rb'name="csrf" value="([^"]+)"', browser.get("/staff").data).group(1)
    copied = browser.get_cookie("session").value
    signed_out = browser.post("/staff/logout", data={"csrf": csrf.decode()})
    assert signed_out.status_code == 302
    assert b"Sign in" in browser.get("/staff").data

    thief = app.test_client()
    thief.set_cookie("session", copied)
    page = thief.get("/staff?service=passport&quarter=FY2027Q1")
    assert page.status_code == 200
    assert b"Sign in" in page.data and b"total-responses" not in page.data
    # The copy can sign out again (the form token is in it): nothing breaks.
    again = app.test_client()
    again.set_cookie("session", copied)
    assert again.post("/staff/logout", data={"csrf": csrf.decode()}).status_code == 302

    shown = other_browser.get("/staff?service=passport&quarter=FY2027Q1")
    assert b'id="total-responses">1<' in shown.data


def _signed_in(app, token):
    client = app.test_client()
    csrf = re.search(rb'name="csrf" value="([^"]+)"', client.get("/staff").data).group(1).decode()
    assert client.post("/staff/login", data={"token": token, "csrf": csrf}).status_code == 302
    return client


def test_a_sign_in_expires_after_a_work_day(dashboard_app):
    app, token = dashboard_app
    client = app.test_client()
    page = client.get("/staff")
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page.data).group(1).decode()
    client.post("/staff/login", data={"token": token, "csrf": csrf})
    assert b"total-responses" in client.get("/staff?service=passport").data
    with client.session_transaction() as cookie:
        cookie["signed_in_at"] -= SIGN_IN_LIFETIME_SECONDS + 1
    assert b"Sign in" in client.get("/staff?service=passport").data


@pytest.mark.parametrize(
    ("positive", "negative", "shown"),
    [(1, 7, "13% positive (1 positive, 7 negative"), (5, 3, "63% positive"), (2, 1, "67%")],
)
def test_the_driver_share_rounds_a_half_up(sqlite_app, positive, negative, shown):
    """round() took 12.5 to 12 and 62.5 to 62 (half to even); staff read them as 13 and 63."""
    with runtime_of(sqlite_app).db.transaction() as db:
        add_record(db, question_1=5, positive=DRIVERS[:positive])
        add_record(db, question_1=1, negative=DRIVERS[:negative])
        token = create_token(db, "ana", None, ["export"])
    page = _signed_in(sqlite_app, token).get("/staff?service=passport&quarter=FY2027Q1")
    share = re.search(r'<p id="driver-share-1">([^<]*)</p>', page.get_data(as_text=True))
    assert share.group(1).startswith(shown)


def test_a_quarter_without_responses_says_so_instead_of_empty_figures(dashboard_app):
    """It showed "0% positive (0 positive, 0 negative driver choices)" and tables of headers."""
    app, token = dashboard_app
    page = _signed_in(app, token).get("/staff?service=passport&quarter=FY2026Q4")
    text = page.get_data(as_text=True)
    assert "No responses for passport renewal in FY2026Q4" in text
    assert "0% positive" not in text and "<table>" not in text and "<svg" not in text


def test_responses_without_a_driver_choice_say_none_was_chosen(sqlite_app):
    with runtime_of(sqlite_app).db.transaction() as db:
        add_record(db, question_1=5)
        token = create_token(db, "ana", None, ["export"])
    page = _signed_in(sqlite_app, token).get("/staff?service=passport&quarter=FY2027Q1")
    text = page.get_data(as_text=True)
    assert '<p id="driver-share-1">No drivers were chosen in these responses.</p>' in text
    assert "0% positive" not in text


def test_each_comment_takes_its_own_direction(sqlite_app):
    """In a left-to-right list an Arabic comment's punctuation landed at the wrong end."""
    with runtime_of(sqlite_app).db.transaction() as db:
        add_record(db, question_1=5, language="ar", question_4="شكراً جزيلاً!")
        token = create_token(db, "ana", None, ["export"])
    page = _signed_in(sqlite_app, token).get("/staff?service=passport&quarter=FY2027Q1")
    assert '<li dir="auto">شكراً جزيلاً!</li>' in page.get_data(as_text=True)


def test_the_trust_heading_is_the_flow_s_own_statement(database_url, tmp_path):
    """The heading said "This interaction increased my trust in …" whatever the service's
    flow asked; the quarterly submission had the flow's words."""
    import shutil

    flows = tmp_path / "flows"
    shutil.copytree(REPO_ROOT / "flows", flows)
    a11 = flows / "a11.yaml"
    a11.write_text(
        a11.read_text().replace(
            "This interaction increased my trust in {agency}.",
            "Renewing my passport increased my trust in {agency}.",
        )
    )
    app = make_app(database_url, flows_dir=flows)
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=4)
        token = create_token(db, "ana", None, ["export"])
    client = app.test_client()
    csrf = re.search(rb'name="csrf" value="([^"]+)"', client.get("/staff").data).group(1).decode()
    client.post("/staff/login", data={"token": token, "csrf": csrf})
    page = client.get("/staff?service=passport&quarter=FY2027Q1").get_data(as_text=True)
    heading = re.search(r'<h4 id="trust-heading-1">(.*?)</h4>', page).group(1)
    assert heading == "Trust: “Renewing my passport increased my trust in U.S. Passport Office”"
    submission = client.get(
        "/api/exports/a11-quarterly?quarter=FY2027Q1&service=passport&format=json",
        headers={"Authorization": f"Bearer {token}"},
    ).json
    assert submission[0]["trust_question_text"] == (
        "Renewing my passport increased my trust in U.S. Passport Office."
    )
    runtime_of(app).db.dispose()


def _flows_with_a_pilot_and_a11_edited(tmp_path):
    """The repository's flows, a11 edited since version 1 (now version 2, another statement)
    and a pilot flow beside it."""
    import shutil

    flows = tmp_path / "flows"
    shutil.copytree(REPO_ROOT / "flows", flows)
    a11 = flows / "a11.yaml"
    original = a11.read_text()
    a11.write_text(
        original.replace("version: 1", "version: 2", 1).replace(
            "This interaction increased my trust in {agency}.",
            "Renewing my passport increased my trust in {agency}.",
        )
    )
    (flows / "a11_pilot.yaml").write_text(
        original.replace("id: a11", "id: a11_pilot", 1)
        .replace("title: A-11 post-transaction survey", "title: Renewal form pilot", 1)
        .replace(
            "This interaction increased my trust in {agency}.",
            "The new renewal form increased my trust in {agency}.",
        )
    )
    return flows


def _sections(page: str) -> dict[str, str]:
    """Each flow's section of the dashboard by its heading."""
    found = re.findall(
        r'<section [^>]*>\s*<h3 id="flow-heading-\d+">(.*?)</h3>(.*?)</section>', page, re.S
    )
    return {heading: body for heading, body in found}


def _trust_counts(section: str) -> dict[str, str]:
    table = re.search(r"<caption>.*?</caption>(.*?)</table>", section, re.S).group(1)
    heads = re.findall(r'<th scope="col">([^<]+)</th>', table)
    return dict(zip(heads[1:], re.findall(r"<td>(\d+)</td>", table), strict=True))


def test_responses_are_shown_under_the_flow_they_were_given_under(database_url, tmp_path):
    """Every response of the quarter was shown under the service's current flow: its trust
    statement headed answers given to another flow's question, and answers given on the
    thumbs form were left out as "the service's earlier form". Each flow (and version) now has
    its own section, labelled as the quarterly submission labels its rows."""
    app = make_app(database_url, flows_dir=_flows_with_a_pilot_and_a11_edited(tmp_path))
    with runtime_of(app).db.transaction() as db:
        for rating in (5, 4):
            add_record(db, question_1=rating, flow_version=2)  # a11 as it is now
        add_record(db, question_1=2, flow_version=None, flow_id=None)  # before 0010: current
        add_record(db, question_1=1, positive=("ease",))  # a11 version 1, edited since
        for rating in (5, 5, 3):
            add_record(db, question_1=rating, flow_id="a11_pilot")
        for thumb in (1, 0, 0):
            add_record(db, question_1=thumb, flow_id="a11_thumbs", trust_form="thumbs")
        retired = add_record(db, question_1=4, flow_id="a11_retired", negative=("efficiency",))
        db.flush()
        for question_id in ("rating", "anything_else"):
            db.add(
                Answer(
                    conversation_id=retired.conversation_id,
                    question_id=question_id,
                    status="answered",
                    answered_at=retired.completed_at,
                )
            )
        token = create_token(db, "ana", None, ["export"])
    client = _signed_in(app, token)
    page = client.get("/staff?service=passport&quarter=FY2027Q1").get_data(as_text=True)
    assert 'id="total-responses">11<' in page
    assert "These responses were given under 5 flows (or versions of a flow)" in page
    sections = _sections(page)
    assert list(sections) == [
        "Flow a11, version 2: “A-11 post-transaction survey” — 3 response(s)",
        "Flow a11, version 1: “A-11 post-transaction survey” — 1 response(s)",
        "Flow a11_pilot, version 1: “Renewal form pilot” — 3 response(s)",
        "Flow a11_retired, version 1 — 1 response(s)",
        "Flow a11_thumbs, version 1: “A-11 post-transaction survey (thumbs)” — 3 response(s)",
    ]
    now, edited, pilot, retired, thumbs = sections.values()
    office = "U.S. Passport Office"
    renewing = f"Trust: “Renewing my passport increased my trust in {office}”"
    assert renewing in now and renewing in edited
    assert _trust_counts(now) == {"1": "0", "2": "1", "3": "0", "4": "1", "5": "1"}
    assert "were given under version 1 of flow a11, which is now version 2" in edited
    assert _trust_counts(edited) == {"1": "1", "2": "0", "3": "0", "4": "0", "5": "0"}
    assert "100% positive (1 positive, 0 negative" in edited
    assert f"Trust: “The new renewal form increased my trust in {office}”" in pilot
    assert _trust_counts(pilot) == {"1": "0", "2": "0", "3": "1", "4": "0", "5": "2"}
    assert "Renewing my passport" not in pilot
    assert "flow a11_retired, which is no longer in the flows directory" in retired
    assert "Trust: “" not in retired and "increased my trust" not in retired
    assert _trust_counts(retired) == {"1": "0", "2": "0", "3": "0", "4": "1", "5": "0"}
    assert "0% positive (0 positive, 1 negative" in retired
    unordered = "<td>1</td>" * 2 + "<td>0</td>" * 2 + "<td>— (flow not loaded)</td>"
    assert f"<tr><td>anything_else</td>{unordered}</tr>" in retired
    assert f"<tr><td>rating</td>{unordered}</tr>" in retired
    assert f"Trust: “This interaction increased my trust in {office}”" in thumbs
    assert "<caption>Trust answers (thumbs up or thumbs down)</caption>" in thumbs
    assert _trust_counts(thumbs) == {"Thumbs up": "1", "Thumbs down": "2"}
    assert "trust-other-form" not in page

    # The quarterly submission labels the same responses alike, and names the same flows.
    submission = client.get(
        "/api/exports/a11-quarterly?quarter=FY2027Q1&service=passport&format=json",
        headers={"Authorization": f"Bearer {token}"},
    )
    texts = {row["survey_title"]: row["trust_question_text"] for row in submission.json}
    in_office = f"increased my trust in {office}."
    assert texts == {
        "A-11 post-transaction survey": f"Renewing my passport {in_office}",
        "Renewal form pilot": f"The new renewal form {in_office}",
        "": "",
        "A-11 post-transaction survey (thumbs)": f"This interaction {in_office}",
    }
    assert submission.headers["Feedbot-Flows-Not-Loaded"] == "a11 version 1,a11_retired version 1"


ALL_SERVICES = (
    "passport (U.S. Passport Office — passport renewal), benefits (Administración de"
    " Beneficios — benefits claim), thumbs (Small Business Office — loan application), webchat"
    " (Federal Student Aid — loan application)"
)
TWO_SERVICES = (
    "passport (U.S. Passport Office — passport renewal), benefits (Administración de"
    " Beneficios — benefits claim)"
)


@pytest.mark.parametrize(
    ("covered", "asked", "status", "wrong", "offered"),
    [
        (None, "pasport", 400, "service 'pasport' is not in the services file", ALL_SERVICES),
        (None, "PASSPORT", 400, "service 'PASSPORT' is not in the services file", ALL_SERVICES),
        (
            ["passport", "benefits"],
            "thumbs",
            403,
            "your token, 'ana', does not cover service 'thumbs'",
            TWO_SERVICES,
        ),
        # Whether a service the token does not cover exists is not told, as the API does not.
        (
            ["passport", "benefits"],
            "pasport",
            403,
            "your token, 'ana', does not cover service 'pasport'",
            TWO_SERVICES,
        ),
    ],
)
def test_a_service_the_dashboard_cannot_show_is_named_not_replaced(
    app, covered, asked, status, wrong, offered
):
    """An unknown service (or one the token does not cover) showed the first service's
    figures under that service's heading, as if they were the ones asked for."""
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5)
        token = create_token(db, "ana", covered, ["export"])
    page = _signed_in(app, token).get(f"/staff?service={asked}&quarter=FY2027Q1")
    text = page.get_data(as_text=True)
    assert page.status_code == status
    refused = re.search(r'<p class="warning" id="service-refused" role="alert">(.*?)</p>', text)
    assert refused.group(1).replace("&#39;", "'") == (
        f"No figures shown: {wrong}. The dashboard shows the services your token covers, by"
        f" their ids: {offered}: pick one from the menu."
    )
    assert "total-responses" not in text and "no-responses" not in text
    assert "passport renewal, FY2027Q1</h2>" not in text
    assert "selected" not in re.search(r'<select id="service".*?</select>', text, re.S).group(0)


def test_an_unknown_service_and_an_unreadable_quarter_are_both_named(dashboard_app):
    app, token = dashboard_app
    page = _signed_in(app, token).get("/staff?service=nope&quarter=FY2027")
    text = page.get_data(as_text=True)
    assert page.status_code == 403
    assert (
        "No figures shown: your token, &#39;ana&#39;, does not cover service &#39;nope&#39;."
        in text
    )
    assert "No figures shown: quarter &#39;FY2027&#39; is not of the form FY2027Q1." in text


def _download_links(page: str) -> dict[str, str]:
    """The dashboard's download links by their text."""
    section = re.search(r'<section id="downloads".*?</section>', page, re.S).group(0)
    return {
        text: html.unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', section)
    }


def _xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    import io

    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_the_dashboard_offers_the_export_apis_files_for_its_service_and_quarter(app):
    """The dashboard had no download, and the export API answers 401 to its sign-in: staff
    needed the CLI on the server, or curl with the raw token, for the quarterly submission."""
    with runtime_of(app).db.transaction() as db:
        for rating in (5, 4, 2):
            add_record(db, question_1=rating, question_4=f"=comment for a {rating}")
        add_record(db, question_1=3, channel="chatbot", language="es", status="partial")
        august = datetime(2026, 8, 3, 15, tzinfo=UTC)
        add_record(db, question_1=5, started_at=august, fiscal_year=2026, quarter=4)
        add_record(db, service_id="benefits", question_1=1)
        token = create_token(db, "ana", ["passport"], ["export"])
    client = _signed_in(app, token)
    page = client.get("/staff?service=passport&quarter=FY2027Q1").get_data(as_text=True)
    links = _download_links(page)
    assert list(links) == [
        "Quarterly A-11 submission (CSV)",
        "Quarterly A-11 submission (JSON)",
        "Responses, one row each (CSV)",
        "Responses, one row each (Excel, XLSX)",
    ]
    assert '<h3 id="downloads-heading">Download passport renewal, FY2027Q1</h3>' in page
    bearer = {"Authorization": f"Bearer {token}"}
    api = "service=passport&quarter=FY2027Q1&format="
    for text, api_url, filename in (
        (
            "Quarterly A-11 submission (CSV)",
            "/api/exports/a11-quarterly?" + api + "csv",
            "a11-quarterly-passport-FY2027Q1.csv",
        ),
        (
            "Quarterly A-11 submission (JSON)",
            "/api/exports/a11-quarterly?" + api + "json",
            "a11-quarterly-passport-FY2027Q1.json",
        ),
        (
            "Responses, one row each (CSV)",
            "/api/exports/responses?" + api + "csv",
            "responses-passport-FY2027Q1.csv",
        ),
    ):
        # Each read whole before the next request, as a browser would (both are streamed).
        download = client.get(links[text], buffered=True)
        from_api = client.get(api_url, headers=bearer, buffered=True)
        assert download.status_code == from_api.status_code == 200
        assert download.data == from_api.data, text
        assert download.content_type == from_api.content_type
        assert download.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert download.headers["Feedbot-Not-Yet-Normalized"] == "0"
    responses = client.get(links["Responses, one row each (CSV)"], buffered=True).get_data(
        as_text=True
    )
    assert len(responses.splitlines()) == 1 + 4  # the quarter's, not FY2026Q4's or benefits'
    assert "'=comment for a 5" in responses
    quarterly = client.get(links["Quarterly A-11 submission (JSON)"]).json
    assert {row["service_id"] for row in quarterly} == {"passport"}
    assert sum(row["volume_of_respondents"] for row in quarterly) == 4
    xlsx = client.get(links["Responses, one row each (Excel, XLSX)"], buffered=True)
    from_api = client.get("/api/exports/responses?" + api + "xlsx", headers=bearer, buffered=True)
    assert xlsx.content_type == from_api.content_type
    assert xlsx.headers["Content-Disposition"].endswith(
        'filename="responses-passport-FY2027Q1.xlsx"'
    )
    assert _xlsx_rows(xlsx.data) == _xlsx_rows(from_api.data) and len(_xlsx_rows(xlsx.data)) == 5

    # The export API itself still takes only a token: the sign-in's cookie is no credential
    # there, so no other site's page can make a signed-in browser post to it.
    assert client.get("/api/exports/a11-quarterly?" + api + "csv").status_code == 401


def test_a_download_is_refused_to_a_browser_not_signed_in(app):
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5)
        token = create_token(db, "ana", ["passport"], ["export"])
    url = "/staff/exports/a11-quarterly?service=passport&quarter=FY2027Q1&format=csv"
    never = app.test_client()
    refused = never.get(url)
    assert refused.status_code == 401 and refused.mimetype == "text/html"
    assert b"Sign in to download: this browser is not signed in" in refused.data
    assert b'name="token"' in refused.data and b"service_id" not in refused.data
    # Nor with the token itself, in the header or in the address: only a sign-in counts.
    assert never.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert never.get(f"{url}&token={token}").status_code == 401

    browser = _signed_in(app, token)
    assert browser.get(url).status_code == 200
    copied = browser.get_cookie("session").value
    csrf = re.search(rb'name="csrf" value="([^"]+)"', browser.get("/staff").data).group(1)
    assert browser.post("/staff/logout", data={"csrf": csrf.decode()}).status_code == 302
    assert browser.get(url).status_code == 401
    thief = app.test_client()
    thief.set_cookie("session", copied)
    for path in (url, "/staff/exports/responses?service=passport&quarter=FY2027Q1"):
        answer = thief.get(path)
        assert answer.status_code == 401 and b"service_id" not in answer.data


def test_a_download_is_refused_to_a_sign_in_whose_token_lacks_the_export_scope(app):
    """The sign-in form refuses such a token; a session holding one is refused as the
    dashboard refuses it, and ended."""
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5)
        token = create_token(db, "ana", None, ["export"])
        create_token(db, "case-system", None, ["invite"])
    with runtime_of(app).db.transaction() as db:
        inviter_id = db.scalar(select(StaffToken.id).where(StaffToken.name == "case-system"))
    for path in (
        "/staff/exports/a11-quarterly?service=passport&quarter=FY2027Q1",
        "/staff/exports/responses?service=passport&quarter=FY2027Q1",
        "/staff?service=passport&quarter=FY2027Q1",
    ):
        client = _signed_in(app, token)
        with client.session_transaction() as cookie:
            cookie["staff_token_id"] = inviter_id
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert b"That token cannot see results" in refused.data
        assert b"service_id" not in refused.data and b"total-responses" not in refused.data
        assert b'name="token"' in client.get("/staff").data  # signed out


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        (
            "service=benefits&quarter=FY2027Q1",
            403,
            "Nothing downloaded: your token, &#39;ana&#39;, does not cover service"
            " &#39;benefits&#39;.",
        ),
        (
            "service=nope&quarter=FY2027Q1",
            403,
            "Nothing downloaded: your token, &#39;ana&#39;, does not cover service &#39;nope&#39;.",
        ),
        (
            "service=passport&quarter=FY2027",
            400,
            "Nothing downloaded: quarter &#39;FY2027&#39; is not of the form FY2027Q1.",
        ),
        (
            "service=passport&quarter=FY2027Q1&format=xml",
            400,
            "Nothing downloaded: the format must be one of csv, json.",
        ),
    ],
)
def test_a_download_the_dashboard_would_not_show_is_refused(app, query, status, message):
    """Another agency's service, one unknown, a quarter or format it cannot read."""
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5)
        add_record(db, service_id="benefits", question_1=1)
        token = create_token(db, "ana", ["passport"], ["export"])
    refused = _signed_in(app, token).get(f"/staff/exports/a11-quarterly?{query}")
    assert refused.status_code == status and refused.mimetype == "text/html"
    text = refused.get_data(as_text=True)
    assert message in text and "service_id" not in text
    assert '<a href="/staff">Back to the dashboard</a>' in text


def test_an_unknown_service_download_for_a_token_of_every_service_is_a_400(app):
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "ana", None, ["export"])
    refused = _signed_in(app, token).get("/staff/exports/responses?service=nope&format=csv")
    assert refused.status_code == 400
    assert (
        b"Nothing downloaded: service &#39;nope&#39; is not in the services file." in refused.data
    )


def _quarterly_form(page: str) -> tuple[str, str]:
    """The dashboard's form for the submission with volumes and reflection: its action and
    CSRF token."""
    form = re.search(
        r'<form method="post" action="([^"]+)" id="quarterly-form">(.*?)</form>', page, re.S
    )
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.group(2)).group(1)
    return html.unescape(form.group(1)), csrf


def test_the_dashboards_form_gives_the_submission_with_volumes_and_reflection(app):
    """Volumes and the quarter's reflection needed the API or the CLI."""
    with runtime_of(app).db.transaction() as db:
        for rating in (5, 4):
            add_record(db, question_1=rating)
        add_record(db, question_1=3, channel="chatbot")
        token = create_token(db, "ana", ["passport"], ["export"])
    client = _signed_in(app, token)
    action, csrf = _quarterly_form(
        client.get("/staff?service=passport&quarter=FY2027Q1").get_data(as_text=True)
    )
    typed = {
        "volume_of_customers": "sms_text_messages:1200,chatbot:40",
        "volume_offered": "",
        # A text box sends its lines with CR LF between them.
        "reflection_text": "Wait times fell; «merci» to the night shift.\r\nMore to come.",
    }
    for fmt in ("csv", "json"):
        download = client.post(action, data={"csrf": csrf, "format": fmt, **typed})
        from_api = client.post(
            "/api/exports/a11-quarterly",
            data={"service": "passport", "quarter": "FY2027Q1", "format": fmt, **typed},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert download.status_code == from_api.status_code == 200
        assert download.data == from_api.data
        assert download.headers["Content-Disposition"] == (
            f'attachment; filename="a11-quarterly-passport-FY2027Q1.{fmt}"'
        )
    rows = {row["channel"]: row for row in download.json}
    assert rows["sms_text_messages"]["volume_of_customers"] == 1200
    assert rows["chatbot"]["volume_of_customers"] == 40
    assert {row["reflection_text"] for row in rows.values()} == {
        "Wait times fell; «merci» to the night shift.\nMore to come."
    }

    # What the export refuses is named on a page, the form's text left to go back to.
    refused = client.post(action, data={"csrf": csrf, "volume_of_customers": "1200"})
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert (
        "Nothing downloaded: passport has rows for chatbot and sms_text_messages in FY2027Q1:"
        " give volume_of_customers per channel" in refused.get_data(as_text=True)
    )
    assert b"Back to the dashboard" in refused.data


def test_the_dashboards_form_needs_its_csrf_token_and_the_sign_in(app):
    """Another site's form, which a signed-in browser would post with its cookie, has no
    CSRF token; a form posted after signing out has no sign-in."""
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5)
        token = create_token(db, "ana", ["passport"], ["export"])
    client = _signed_in(app, token)
    action, csrf = _quarterly_form(
        client.get("/staff?service=passport&quarter=FY2027Q1").get_data(as_text=True)
    )
    typed = {"reflection_text": "A quiet quarter."}
    for form in (typed, {**typed, "csrf": "forged"}):
        refused = client.post(action, data=form)
        assert refused.status_code == 400
        assert refused.json == {"error": "the form expired: reload the page and try again"}
    assert client.post(action, data={**typed, "csrf": csrf}).status_code == 200
    copied = client.get_cookie("session").value
    assert client.post("/staff/logout", data={"csrf": csrf}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)  # holds the form's token, but was signed out
    refused = thief.post(action, data={**typed, "csrf": csrf})
    assert refused.status_code == 401 and b"service_id" not in refused.data
    assert b"Sign in to download" in refused.data


# A proxy that serves feedbot under a path strips it (https://agency.gov/feedbot/staff reaches
# the app as /staff) and names it in X-Forwarded-Prefix.
PROXY_PREFIX = {"HTTP_X_FORWARDED_PREFIX": "/feedbot"}
_URLS = re.compile(r'(?:href|action|src)="([^"]*)"')


def test_behind_a_proxy_under_a_path_every_staff_link_form_and_redirect_keeps_it(sqlite_url):
    """The sign-in form posted to /staff/login and the stylesheet was /staff/static/staff.css,
    outside the path the proxy serves feedbot under: the sign-in reached no feedbot."""
    app = make_app(sqlite_url, proxy_hops=1)
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5)
        token = create_token(db, "ana", ["passport"], ["export"])
    client = app.test_client()
    client.environ_base.update(PROXY_PREFIX)
    sign_in = client.get("/staff").get_data(as_text=True)
    assert _URLS.findall(sign_in) == ["/feedbot/staff/static/staff.css", "/feedbot/staff/login"]
    assert client.get("/staff/static/staff.css").status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', sign_in).group(1)
    signed_in = client.post("/staff/login", data={"token": token, "csrf": csrf})
    assert signed_in.status_code == 302 and signed_in.location == "/feedbot/staff"
    dashboard = client.get("/staff?service=passport&quarter=FY2027Q1").get_data(as_text=True)
    urls = _URLS.findall(dashboard)
    assert len(urls) == 8 and all(url.startswith("/feedbot/staff") for url in urls), urls
    refused = client.get("/staff/exports/responses?service=passport&format=pdf")
    assert refused.status_code == 400
    assert _URLS.findall(refused.get_data(as_text=True))[1:] == ["/feedbot/staff"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', dashboard).group(1)
    signed_out = client.post("/staff/logout", data={"csrf": csrf})
    assert signed_out.status_code == 302 and signed_out.location == "/feedbot/staff"


@pytest.mark.parametrize(("proxy_hops", "headers"), [(1, {}), (0, PROXY_PREFIX)])
def test_staff_pages_are_at_the_root_unless_a_trusted_proxy_names_a_path(
    sqlite_url, proxy_hops, headers
):
    """No X-Forwarded-Prefix, or one from a client when no proxy is trusted: the root."""
    app = make_app(sqlite_url, proxy_hops=proxy_hops)
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "ana", ["passport"], ["export"])
    client = app.test_client()
    client.environ_base.update(headers)
    sign_in = client.get("/staff").get_data(as_text=True)
    assert _URLS.findall(sign_in) == ["/staff/static/staff.css", "/staff/login"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', sign_in).group(1)
    assert client.post("/staff/login", data={"token": token, "csrf": csrf}).location == "/staff"
