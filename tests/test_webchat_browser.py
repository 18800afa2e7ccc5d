"""The web chat widget in a real browser: keyboard only, screen-reader semantics, axe-core."""

from __future__ import annotations

import time

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


def to_the_comment(page):
    """From the first question of an open panel to the comment box: "Strongly agree", then
    the drivers skipped."""
    page.click(".feedbot-choice >> nth=4")
    page.wait_for_selector("[aria-pressed]")
    page.click(".feedbot-skip")
    page.wait_for_selector("#feedbot-text")


def composing(page, typed):
    """`typed` in the comment box, then an input method's candidate ("hao") still open;
    returns the DevTools session that drives the input method."""
    devtools = page.context.new_cdp_session(page)
    page.keyboard.insert_text(typed)
    devtools.send(
        "Input.imeSetComposition", {"text": "hao", "selectionStart": 3, "selectionEnd": 3}
    )
    return devtools


def press_while_composing(devtools, key, virtual_key):
    """A key pressed while the input method's candidate is open, as the keyboard sends it."""
    event = {"key": key, "code": key, "windowsVirtualKeyCode": virtual_key}
    for kind in ("rawKeyDown", "keyUp"):
        devtools.send("Input.dispatchKeyEvent", {"type": kind, **event})


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
        assert page.get_attribute(".feedbot-log [role=log]", "aria-live") == "polite"
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
        assert page.get_attribute(".feedbot-chat", "dir") == "rtl"
        assert page.get_attribute(".feedbot-chat", "lang") == "ar"
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
        assert page.get_attribute(".feedbot-chat", "lang") == "es"
        assert page.inner_text("#feedbot-title") == "Opinión sobre Federal Student Aid"
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
        page.wait_for_selector(".feedbot-chat[dir=rtl] .feedbot-choice")
        page.click(".feedbot-choice >> nth=4")  # "Strongly agree"
        page.wait_for_selector("[aria-pressed]")
        page.reload()
        open_panel(page, page_url)
        assert page.get_attribute(".feedbot-chat", "lang") == "ar"
        assert page.get_attribute(".feedbot-chat", "dir") == "rtl"
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
        to_the_comment(page)
        devtools = composing(page, "服务很")
        press_while_composing(devtools, "Enter", 13)
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


# Records what is added to a live region, which is what a screen reader reads out.
WATCH_ANNOUNCEMENTS = """
window.announced = [];
new MutationObserver((records) => {
  for (const record of records) {
    const live = record.target.closest && record.target.closest("[aria-live]");
    if (live && live.getAttribute("aria-live") !== "off") {
      record.addedNodes.forEach((node) => window.announced.push(node.textContent));
    }
  }
}).observe(document, {childList: true, subtree: true});
"""


def announced(page):
    """What screen readers were given to read out since the last call."""
    return page.evaluate("window.announced.splice(0)")


def config(app, language):
    return app.test_client().get(f"/api/chat/config/webchat?language={language}").json


def test_standalone_page_follows_the_language_the_visitor_picks(site):
    """The page's lang, dir, title, heading and OMB line stayed in the language it was served
    in: a screen reader read the Arabic survey with an English voice."""
    _, app = site
    arabic = config(app, "ar")
    with serve(app) as app_url, chromium(locale="en-US") as page:
        page.goto(app_url + "/chat/webchat")
        page.wait_for_selector(".feedbot-choice")
        assert page.title() == "Federal Student Aid feedback"
        page.select_option("#feedbot-language", "ar")
        page.wait_for_selector(".feedbot-choice >> text=أوافق بشدة")
        for reloaded in (False, True):
            assert page.get_attribute("html", "lang") == "ar"
            assert page.get_attribute("html", "dir") == "rtl"
            assert page.title() == arabic["strings"]["title"] == "رأيك في Federal Student Aid"
            assert page.inner_text("h1") == arabic["strings"]["title"]
            assert page.inner_text("#feedbot-omb") == arabic["omb"]
            assert axe_violations(page, "body") == []
            if not reloaded:
                page.reload()
                page.wait_for_selector(".feedbot-choice >> text=أوافق بشدة")
        screenshot(page, "webchat-page-ar.png")
        assert page.csp_violations == []


def test_arabic_launcher_is_read_in_arabic_and_opens_its_panel_on_its_own_side(site):
    """Only the panel had lang="ar" and dir="rtl": the launcher's Arabic was read with the
    page's English voice, and it sat bottom right while the panel opened bottom left."""
    page_url, _ = site
    with chromium(locale="ar-EG", extra_http_headers={"Accept-Language": "ar"}) as page:
        open_panel(page, page_url)
        launcher = page.locator(".feedbot-launcher")
        assert launcher.evaluate("node => node.closest('[lang]').lang") == "ar"
        launcher_box = launcher.bounding_box()
        panel_box = page.locator(".feedbot-panel").bounding_box()
        assert launcher_box["x"] < 100 and panel_box["x"] < 100


def test_screen_readers_hear_each_new_message_once_not_the_whole_conversation(site):
    """A reload or a language switch put the whole conversation into the live region again."""
    page_url, app = site
    spanish = config(app, "es")["strings"]
    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        open_panel(page, page_url)
        notice, question = announced(page)
        assert notice.startswith("Federal Student Aid: 3 quick questions")
        assert question == "This interaction increased my trust in Federal Student Aid."
        page.select_option("#feedbot-language", "es")
        page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        assert announced(page) == ["Esta interacción aumentó mi confianza en Federal Student Aid."]
        page.click(".feedbot-choice >> nth=4")
        page.wait_for_selector("[aria-pressed]")
        said, drivers = announced(page)
        assert said == f"{spanish['you']}: Totalmente de acuerdo"
        assert drivers.startswith("¿Qué hizo la diferencia")
        page.reload()
        open_panel(page, page_url)
        assert announced(page) == [drivers]
        assert "Totalmente de acuerdo" in page.inner_text(".feedbot-log")


def test_arrow_keys_on_the_language_picker_keep_focus_there_and_the_last_one_wins(site):
    """Chromium changes a closed <select> at each arrow key: the first change moved focus to
    the first answer, so a keyboard could not get past the second language."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.focus("#feedbot-language")
        page.keyboard.press("ArrowDown")  # Español
        page.keyboard.press("ArrowDown")  # العربية
        page.wait_for_selector(".feedbot-chat[lang=ar] .feedbot-choice >> text=أوافق بشدة")
        assert page.evaluate("document.activeElement.id") == "feedbot-language"
        assert page.input_value("#feedbot-language") == "ar"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert focused_text(page) == "لا أوافق بشدة"
    assert stored(app) == [("active", "ar", {})]


def test_forced_colours_keep_pressed_choices_and_the_launcher_visible(site):
    """Forced colours drop backgrounds: a pressed choice looked like the others, and the
    launcher (no border) was bare text."""
    page_url, _ = site
    with chromium(forced_colors="active") as page:
        open_panel(page, page_url)
        assert (
            page.locator(".feedbot-launcher").evaluate(
                "node => parseFloat(getComputedStyle(node).borderTopWidth)"
            )
            >= 1
        )
        page.click(".feedbot-choice >> nth=4")
        page.wait_for_selector("[aria-pressed]")
        page.keyboard.press("Space")  # the first driver, which has the focus
        fills = page.eval_on_selector_all(
            ".feedbot-choice", "nodes => nodes.map(n => getComputedStyle(n).backgroundColor)"
        )
        assert fills[0] != fills[1] and fills[1] == fills[2]
        screenshot(page, "webchat-forced-colours.png")


def test_every_answer_is_within_reach_at_400_percent_zoom(site):
    """A 1280 x 1024 window at 400% is 320 x 256 CSS px: the fixed panel did not scroll, and
    the answers ran off the bottom of the screen, out of reach."""
    page_url, app = site
    with chromium(viewport={"width": 320, "height": 256}) as page:
        open_panel(page, page_url)
        for button in page.locator(".feedbot-answer button").all():
            button.scroll_into_view_if_needed()
            box = button.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= 256
        for _ in range(4):
            page.keyboard.press("Tab")
        assert focused_text(page) == "Strongly agree"
        page.keyboard.press("Enter")
        page.wait_for_selector("[aria-pressed]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-400-percent.png")
    assert stored(app) == [("active", "en", {"trust": 5})]


def test_a_failed_answer_keeps_its_text_and_a_retry_counts_once(site):
    """Offline, rate limited, and a reply lost after the answer was stored: the answer stays in
    its box, the log shows it once, and sending again answers once."""
    page_url, app = site
    failures = ["offline", "too many", "lost"]

    def flaky(route):
        failure = failures.pop(0) if failures else None
        if failure == "offline":
            route.abort("internetdisconnected")
        elif failure == "too many":
            route.fulfill(status=429, json={"error": "rate limit exceeded"})
        elif failure == "lost":
            route.fetch()  # the server stores the answer; its reply never arrives
            route.fulfill(status=502, content_type="text/html", body="<h1>Bad gateway</h1>")
        else:
            route.continue_()

    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        to_the_comment(page)
        page.route("**/api/chat/messages", flaky)
        page.keyboard.type("Clear and kind")
        said = [
            "Something went wrong. Please try again.",
            "Too many messages at once. Please wait a minute, then try again.",
            "Something went wrong. Please try again.",
        ]
        for attempt in range(1, 4):
            page.keyboard.press("Enter")
            page.locator(".feedbot-message--bot").nth(-1).filter(
                has_text=said[attempt - 1]
            ).wait_for()
            assert page.locator(f".feedbot-message--bot >> text={said[attempt - 1]}").count() == (
                2 if attempt == 3 else 1
            )
            assert page.input_value("#feedbot-text") == "Clear and kind"
            assert page.evaluate("document.activeElement.id") == "feedbot-text"
            assert "Clear and kind" not in page.inner_text(".feedbot-log")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Thank you for your feedback")
        said = page.locator(".feedbot-message--visitor").all_text_contents()
        assert said == ["You: Strongly agree", "You: Skip", "You: Clear and kind"]
    assert stored(app) == [
        (
            "complete",
            "en",
            {"trust": 5, "made_the_difference": None, "anything_else": "Clear and kind"},
        )
    ]


def test_an_answer_the_network_swallows_can_be_sent_again(site):
    """With no reply at all the widget waited for ever, and refused every new attempt."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.clock.install()
        open_panel(page, page_url)
        page.route("**/api/chat/messages", lambda route: None, times=1)  # never answered
        page.click(".feedbot-choice >> nth=4")
        page.clock.run_for(25_000)
        page.wait_for_selector(".feedbot-message--bot >> text=Something went wrong")
        assert page.locator(".feedbot-message--visitor").count() == 0
        page.click(".feedbot-choice >> nth=4")
        page.wait_for_selector("[aria-pressed]")
    assert stored(app) == [("active", "en", {"trust": 5})]


def test_the_launcher_closes_the_panel_it_opened(site):
    """aria-expanded="true" said it would; pressing it again did nothing but move focus."""
    page_url, _ = site
    with chromium() as page:
        open_panel(page, page_url)
        page.click(".feedbot-launcher")
        assert page.is_hidden(".feedbot-panel")
        assert page.get_attribute(".feedbot-launcher", "aria-expanded") == "false"
        assert page.evaluate("document.activeElement.className") == "feedbot-launcher"


def test_escape_that_cancels_an_input_method_composition_keeps_the_panel_open(site):
    """Escape cancels a Chinese or Korean candidate; it closed the panel as well."""
    page_url, _ = site
    with chromium(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"}) as page:
        open_panel(page, page_url)
        to_the_comment(page)
        devtools = composing(page, "服务")
        press_while_composing(devtools, "Escape", 27)
        assert page.is_visible(".feedbot-panel")
        assert page.evaluate("document.activeElement.id") == "feedbot-text"
        devtools.send("Input.insertText", {"text": "好"})
        assert page.input_value("#feedbot-text") == "服务好"
        page.keyboard.press("Escape")
        assert page.is_hidden(".feedbot-panel")


def test_a_double_click_or_a_double_enter_sends_once(site):
    """Guarded while an answer is on its way: the second press is dropped, not sent."""
    page_url, app = site

    def slow(route):
        time.sleep(0.3)
        route.continue_()

    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.route("**/api/chat/messages", slow)
        page.dblclick(".feedbot-choice >> nth=4")
        page.wait_for_selector("[aria-pressed]")
        page.click(".feedbot-skip")
        page.wait_for_selector("#feedbot-text")
        page.keyboard.type("Fine")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Thank you for your feedback")
        said = page.locator(".feedbot-message--visitor").all_text_contents()
        assert said == ["You: Strongly agree", "You: Skip", "You: Fine"]
    assert stored(app) == [
        ("complete", "en", {"trust": 5, "made_the_difference": None, "anything_else": "Fine"})
    ]


def test_an_empty_answer_says_what_is_missing_once_and_sends_nothing(site):
    """Submit with no choice pressed, or Send with an empty box: said in the log (a screen
    reader hears it), once however often it is pressed, and nothing reaches the server."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        sent = []
        page.on(
            "request",
            lambda request: (
                sent.append(request.post_data)
                if request.url.endswith("/api/chat/messages")
                else None
            ),
        )
        open_panel(page, page_url)
        page.click(".feedbot-choice >> nth=4")
        page.wait_for_selector("[aria-pressed]")
        before = len(sent)
        page.click(".feedbot-send")
        page.click(".feedbot-send")
        hint = page.locator(".feedbot-message--bot >> text=Choose at least one answer first.")
        hint.wait_for()
        assert hint.count() == 1 and len(sent) == before
        page.click(".feedbot-skip")
        page.wait_for_selector("#feedbot-text")
        page.keyboard.type("   ")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        typed = page.locator(".feedbot-message--bot >> text=Type your answer first.")
        typed.wait_for()
        assert typed.count() == 1 and len(sent) == before + 1  # the skip only
        assert page.evaluate("document.activeElement.id") == "feedbot-text"
    assert stored(app)[0][2]["made_the_difference"] is None


def test_the_widget_works_in_a_browser_without_abort_controller(site):
    """Browsers with fetch but no AbortController (Safari 11, Chrome 65): the request timeout
    must not keep the widget from loading or answering."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.add_init_script("delete window.AbortController;")
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        open_panel(page, page_url)
        to_the_comment(page)
        page.keyboard.type("Fine")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Thank you for your feedback")
        assert errors == []
    assert stored(app)[0][0] == "complete"


def test_the_standalone_page_names_the_survey_once(site):
    """Its heading and OMB line were said twice: the page's, then the panel's own."""
    _, app = site
    with serve(app) as app_url, chromium(locale="en-US") as page:
        page.goto(app_url + "/chat/webchat")
        page.wait_for_selector(".feedbot-choice")
        body = page.inner_text("body")
        assert body.count("Federal Student Aid feedback") == 1
        assert body.count("OMB Control No.") == 1
        assert page.get_attribute("#feedbot-panel", "aria-labelledby") == "feedbot-page-title"
        assert axe_violations(page, "body") == []
