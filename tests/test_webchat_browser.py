"""The web chat widget in a real browser: keyboard only, screen-reader semantics, axe-core."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from feedbot.models import Conversation
from tests.conftest import TEST_SERVICES, make_app, runtime_of
from tests.support.browser import REPO, axe_violations, chromium, screenshot, serve, static_page

pytestmark = pytest.mark.browser
EXAMPLE = REPO / "examples" / "agency-page.html"


@pytest.fixture
def site(sqlite_url, tmp_path):
    """The app and the example agency page, each on its own loopback origin."""
    document = yaml.safe_load(TEST_SERVICES.read_text())
    holder = {}

    def agency_page(environ, start_response):
        return static_page(holder["html"])(environ, start_response)

    with serve(agency_page) as page_url:
        for service in document["services"]:
            if service["id"] == "webchat":
                service["webchat_origins"] = [page_url]
        services = tmp_path / "services.yaml"
        services.write_text(yaml.safe_dump(document))
        app = make_app(sqlite_url, services_file=services)
        with serve(app) as app_url:
            holder["html"] = EXAMPLE.read_text().replace("http://localhost:5000", app_url)
            yield page_url, app
        runtime_of(app).db.dispose()


def open_panel(page, page_url):
    page.goto(page_url)
    page.wait_for_selector(".feedbot-launcher")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "feedbot-launcher"
    page.keyboard.press("Enter")
    page.wait_for_selector(".feedbot-choice")
    return page


def focused_text(page):
    return page.evaluate("document.activeElement.textContent")


def stored(app):
    """Every response the app holds: (status, language, answers)."""
    with runtime_of(app).db.transaction() as db:
        return [
            (c.status, c.language, {a.question_id: a.value for a in c.answers})
            for c in db.scalars(select(Conversation))
        ]


def test_keyboard_only_survey_and_axe_in_english(site):
    page_url, app = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        assert focused_text(page) == "Strongly disagree"
        assert page.get_attribute(".feedbot-launcher", "aria-expanded") == "true"
        assert page.get_attribute(".feedbot-log", "aria-live") == "polite"
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-panel-en.png")
        for _ in range(4):
            page.keyboard.press("Tab")
        assert focused_text(page) == "Strongly agree"
        page.keyboard.press("Enter")
        page.wait_for_selector("[aria-pressed]")
        assert focused_text(page) == "I got what I needed"
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        assert page.locator("[aria-pressed=true]").count() == 2
        for _ in range(5):
            page.keyboard.press("Tab")
        assert focused_text(page) == "Submit choices"
        page.keyboard.press("Enter")
        page.wait_for_selector("textarea")
        assert page.evaluate("document.activeElement.id") == "feedbot-text"
        page.keyboard.type("Quick and clear <b>thanks</b>")
        assert "Characters left: 1971" in page.inner_text("#feedbot-count")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Thank you for your feedback")
        assert page.locator(".feedbot-answer button").count() == 0
        assert "Quick and clear <b>thanks</b>" in page.inner_text(".feedbot-log")
        page.keyboard.press("Escape")
        assert page.evaluate("document.activeElement.className") == "feedbot-launcher"
        assert page.is_hidden(".feedbot-panel")
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        answers = {a.question_id: a.value for a in conversation.answers}
    assert conversation.status == "complete"
    assert answers == {
        "trust": 5,
        "made_the_difference": ["effectiveness", "efficiency"],
        "anything_else": "Quick and clear <b>thanks</b>",
    }


def test_arabic_renders_right_to_left_without_axe_violations(site):
    page_url, _ = site
    with chromium(locale="ar-EG", extra_http_headers={"Accept-Language": "ar-EG,ar;q=0.9"}) as page:
        open_panel(page, page_url)
        assert page.get_attribute(".feedbot-panel", "dir") == "rtl"
        assert page.get_attribute(".feedbot-panel", "lang") == "ar"
        assert "زادت هذه المعاملة من ثقتي" in page.inner_text(".feedbot-log")
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.feedbot-log')).direction")
            == "rtl"
        )
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-panel-ar.png")


@pytest.mark.parametrize("width", [320, 640])
def test_fits_narrow_screens_and_200_percent_zoom(site, width):
    """320 px is a phone; 640 CSS px is a 1280 px window at 200% zoom."""
    page_url, _ = site
    with chromium(viewport={"width": width, "height": 700}) as page:
        open_panel(page, page_url)
        box = page.locator(".feedbot-panel").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert axe_violations(page, ".feedbot-chat") == []


def test_reload_resumes_the_conversation(site):
    page_url, _ = site
    with chromium() as page:
        open_panel(page, page_url)
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # "Neither agree nor disagree"
        page.wait_for_selector("[aria-pressed]")
        page.reload()
        open_panel(page, page_url)
        assert "Neither agree nor disagree" in page.inner_text(".feedbot-log")
        assert "What could have been better?" in page.inner_text(".feedbot-log")


def test_standalone_page_works_under_its_content_security_policy(site):
    _, app = site
    with serve(app) as app_url, chromium() as page:
        response = page.goto(app_url + "/chat/webchat")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(".feedbot-choice")
        page.click(".feedbot-choice >> nth=0")  # "Strongly disagree"
        page.wait_for_selector("[aria-pressed]")
        assert "What could have been better?" in page.inner_text(".feedbot-log")
        assert axe_violations(page, "body") == []
        assert page.csp_violations == []


def test_changing_language_keeps_one_response(site):
    """The picker used to start a second session; the first was counted as abandoned."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.select_option("#feedbot-language", "es")
        page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        assert page.get_attribute(".feedbot-panel", "lang") == "es"
        assert page.inner_text("#feedbot-title") == "Opinión sobre Federal Student Aid"
        assert focused_text(page) == "Totalmente en desacuerdo"
        log = page.inner_text(".feedbot-log")
        assert "Esta interacción" in log and "This interaction" not in log
        assert axe_violations(page, ".feedbot-chat") == []
        page.click(".feedbot-choice >> nth=4")
        page.wait_for_selector("[aria-pressed]")
        assert page.is_disabled("#feedbot-language")
    assert stored(app) == [("active", "es", {"trust": 5})]


def test_reload_resumes_in_the_language_the_visitor_chose(site):
    page_url, app = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.select_option("#feedbot-language", "ar")
        page.wait_for_selector(".feedbot-panel[dir=rtl] .feedbot-choice")
        page.click(".feedbot-choice >> nth=4")  # "Strongly agree"
        page.wait_for_selector("[aria-pressed]")
        page.reload()
        open_panel(page, page_url)
        assert page.get_attribute(".feedbot-panel", "lang") == "ar"
        assert page.get_attribute(".feedbot-panel", "dir") == "rtl"
        assert page.inner_text("#feedbot-title") == "رأيك في Federal Student Aid"
        assert page.inner_text(".feedbot-send") == "إرسال الاختيارات"
        assert page.input_value("#feedbot-language") == "ar"
        assert page.is_disabled("#feedbot-language")
        assert "أوافق بشدة" in page.inner_text(".feedbot-log")
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-resumed-ar.png")
    assert stored(app) == [("active", "ar", {"trust": 5})]


def test_enter_that_confirms_an_input_method_composition_sends_nothing(site):
    """Chinese and Korean typists press Enter to pick a candidate, not to send."""
    page_url, app = site
    with chromium(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"}) as page:
        open_panel(page, page_url)
        page.click(".feedbot-choice >> nth=4")
        page.wait_for_selector("[aria-pressed]")
        page.click(".feedbot-skip")
        page.wait_for_selector("#feedbot-text")
        devtools = page.context.new_cdp_session(page)
        page.keyboard.insert_text("服务很")
        devtools.send(
            "Input.imeSetComposition", {"text": "hao", "selectionStart": 3, "selectionEnd": 3}
        )
        enter = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        devtools.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **enter})
        devtools.send("Input.dispatchKeyEvent", {"type": "keyUp", **enter})
        devtools.send("Input.insertText", {"text": "好"})
        assert page.locator(".feedbot-message--visitor").count() == 2
        assert page.input_value("#feedbot-text") == "服务很好"
        page.keyboard.press("Enter")
        page.wait_for_selector("#feedbot-text", state="detached")
        assert "服务很好" in page.inner_text(".feedbot-log")
    assert stored(app) == [
        (
            "complete",
            "zh_Hans",
            {"trust": 5, "made_the_difference": None, "anything_else": "服务很好"},
        )
    ]
