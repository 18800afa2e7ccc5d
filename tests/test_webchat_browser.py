"""The web chat widget in a real browser: keyboard only, screen-reader semantics, axe-core."""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from playwright.sync_api import expect
from sqlalchemy import select, update

from feedbot.languages import LANGUAGES
from feedbot.models import Answer, Base, Conversation
from feedbot.services import contrast_with_white
from tests.conftest import TEST_SERVICES, make_app, runtime_of
from tests.support.browser import REPO, axe_violations, chromium, screenshot, serve, static_page

pytestmark = pytest.mark.browser
# The drivers' checkboxes, and the choices checked.
DRIVERS = ".feedbot-answer [type=checkbox]"
CHOSEN = ".feedbot-answer :checked"
# What the visitor presses or types in to answer: a choice is its whole box.
ANSWER_CONTROLS = ".feedbot-answer :is(button, textarea, .feedbot-choice)"
EXAMPLE = REPO / "examples" / "agency-page.html"
PREFIX = "/feedbot"


@contextmanager
def served_site(sqlite_url, tmp_path, languages=None, prefix=""):
    """The app and the example agency page, each on its own loopback origin; the webchat
    service in `languages` if given; the app behind a proxy that serves it under `prefix` if
    given, the page's script tag under it."""
    document = yaml.safe_load(TEST_SERVICES.read_text())
    holder = {}

    def agency_page(environ, start_response):
        return static_page(holder["html"])(environ, start_response)

    with serve(agency_page) as page_url:
        for service in document["services"]:
            if service["id"] == "webchat":
                service["webchat_origins"] = [page_url]
                service["languages"] = languages or service["languages"]
        services = tmp_path / "services.yaml"
        services.write_text(yaml.safe_dump(document))
        app = make_app(sqlite_url, services_file=services, proxy_hops=1 if prefix else 0)
        with serve(behind_a_proxy(app, prefix) if prefix else app) as app_url:
            holder["html"] = EXAMPLE.read_text().replace("http://localhost:5000", app_url + prefix)
            yield page_url, app
        runtime_of(app).db.dispose()


def behind_a_proxy(app, prefix):
    """`app` as a proxy serves it under `prefix` (https://agency.gov/feedbot/...): only that
    path's requests reach it, with the prefix stripped and named in X-Forwarded-Prefix;
    anything else is another site's, a 404."""

    def proxy(environ, start_response):
        path = environ["PATH_INFO"]
        if not path.startswith(prefix + "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not feedbot's: it is served under " + prefix.encode()]
        forwarded = {
            "PATH_INFO": path.removeprefix(prefix),
            "HTTP_X_FORWARDED_PREFIX": prefix,
            "HTTP_X_FORWARDED_FOR": environ["REMOTE_ADDR"],
            "HTTP_X_FORWARDED_PROTO": environ["wsgi.url_scheme"],
            "HTTP_X_FORWARDED_HOST": environ["HTTP_HOST"],
        }
        return app({**environ, **forwarded}, start_response)

    return proxy


@pytest.fixture
def site(sqlite_url, tmp_path):
    """The app and the example agency page, each on its own loopback origin."""
    with served_site(sqlite_url, tmp_path) as served:
        yield served


@pytest.fixture
def site_under_a_path(sqlite_url, tmp_path):
    """The same, the app behind a proxy that serves it under /feedbot."""
    with served_site(sqlite_url, tmp_path, prefix=PREFIX) as served:
        yield served


@pytest.fixture
def every_language_site(sqlite_url, tmp_path):
    """The same, its survey offered in all twelve languages."""
    with served_site(sqlite_url, tmp_path, languages=list(LANGUAGES)) as served:
        yield served


def rate(page, choice, on=None):
    """The rating's `choice` (its place, or its label) chosen and sent, on `page` or `on`."""
    page = on or page
    selector = (
        f".feedbot-choice >> nth={choice}"
        if isinstance(choice, int)
        else (f".feedbot-choice >> text={choice}")
    )
    page.click(selector)
    page.click(".feedbot-send")


def agree_strongly(page):
    """The first question answered "Strongly agree"; back once the drivers' choices show."""
    page.click(".feedbot-choice >> nth=4")
    page.click(".feedbot-send")
    page.wait_for_selector(DRIVERS)


def to_the_comment(page):
    """From the first question of an open panel to the comment box: "Strongly agree", then
    the drivers skipped."""
    agree_strongly(page)
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
    """The focused control's text: a choice's is its label's."""
    return page.evaluate(
        "((document.activeElement.labels || [])[0] || document.activeElement).textContent"
    )


def read_the_question(page):
    """A moment for the visitor to read the question the widget moved focus to: a key pressed
    sooner is taken for the second press of the one that answered the question before, and
    does nothing. Runs the page's clock (page.clock.install() before the page loads)."""
    page.clock.run_for(1000)


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
        page.clock.install()
        open_panel(page, page_url)
        assert focused_text(page) == "Strongly disagree"
        assert page.get_attribute(".feedbot-launcher", "aria-expanded") == "true"
        assert page.get_attribute(".feedbot-log [role=log]", "aria-live") == "polite"
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-panel-en.png")
        for _ in range(4):
            page.keyboard.press("ArrowDown")
        assert focused_text(page) == "Strongly agree"
        page.keyboard.press("Enter")
        page.wait_for_selector(DRIVERS)
        assert focused_text(page) == "I got what I needed"
        read_the_question(page)
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        assert page.locator(CHOSEN).count() == 2
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
        assert page.locator(".feedbot-answer button").all_text_contents() == [START_NEW]
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
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")  # "Neither agree nor disagree"
        page.wait_for_selector(DRIVERS)
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
        rate(page, 0)  # "Strongly disagree"
        page.wait_for_selector(DRIVERS)
        assert "What could have been better?" in page.inner_text(".feedbot-log")
        assert axe_violations(page, "body") == []
        assert page.csp_violations == []


def test_a_widget_served_under_a_path_asks_and_styles_under_it(site_under_a_path):
    """The script at https://agency.gov/feedbot/static/feedbot-chat.js asked for its settings
    at https://agency.gov/api/chat/config/..., outside feedbot's path, and showed nothing."""
    page_url, app = site_under_a_path
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        script = page.get_attribute("script[data-service]", "src")
        assert PREFIX + "/static/" in script
        stylesheet = page.get_attribute("link[rel=stylesheet]", "href")
        assert stylesheet == script.removesuffix(".js") + ".css"
        launcher = "getComputedStyle(document.querySelector('.feedbot-launcher')).position"
        assert page.evaluate(launcher) == "fixed"
        agree_strongly(page)
        page.click(".feedbot-skip")
        page.fill("#feedbot-text", "Found under its path")
        page.click(".feedbot-send")
        page.wait_for_selector("text=Thank you for your feedback")
    assert stored(app) == [
        (
            "complete",
            "en",
            {"trust": 5, "made_the_difference": None, "anything_else": "Found under its path"},
        )
    ]


def test_the_standalone_page_served_under_a_path_runs_the_survey_under_it(site_under_a_path):
    """Its script tag was /static/feedbot-chat.js, outside feedbot's path: no survey."""
    _, app = site_under_a_path
    with serve(behind_a_proxy(app, PREFIX)) as proxy_url, chromium() as page:
        page.goto(proxy_url + PREFIX + "/chat/webchat")
        rate(page, 0)  # "Strongly disagree"
        page.click(".feedbot-skip")
        page.fill("#feedbot-text", "Found under its path")
        page.click(".feedbot-send")
        page.wait_for_selector("text=Thank you for your feedback")
        stylesheets = page.eval_on_selector_all("link[rel=stylesheet]", "ls => ls.map(l => l.href)")
        assert stylesheets == [proxy_url + PREFIX + "/static/feedbot-chat.css"]
        assert page.csp_violations == []
    assert stored(app) == [
        (
            "complete",
            "en",
            {"trust": 1, "could_be_better": None, "anything_else": "Found under its path"},
        )
    ]


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
        agree_strongly(page)
        assert page.is_disabled("#feedbot-language")
    assert stored(app) == [("active", "es", {"trust": 5})]


def test_reload_resumes_in_the_language_the_visitor_chose(site):
    page_url, app = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.select_option("#feedbot-language", "ar")
        page.wait_for_selector(".feedbot-chat[dir=rtl] .feedbot-choice")
        agree_strongly(page)
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


# Records what is added to a live region, which is what a screen reader reads out: the nearest
# aria-live of the node added, its own included, says whether it is (screen readers go by that
# "container-live" of each node); an empty node says nothing.
WATCH_ANNOUNCEMENTS = """
window.announced = [];
new MutationObserver((records) => {
  for (const record of records) {
    record.addedNodes.forEach((node) => {
      const element = node.nodeType === Node.ELEMENT_NODE ? node : record.target;
      const live = element.closest && element.closest("[aria-live]");
      if (live && live.getAttribute("aria-live") !== "off" && node.textContent) {
        window.announced.push(node.textContent);
      }
    });
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
            assert page.inner_text("#feedbot-page-service") == "طلب القرض"
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
        agree_strongly(page)
        sending, drivers = announced(page)  # the answer is shown, not read back
        assert sending == spanish["sending"] == "Enviando…"
        assert said_by_the_visitor(page) == [f"{spanish['you']}: Totalmente de acuerdo"]
        assert drivers.startswith("¿Qué hizo la diferencia")
        page.reload()
        open_panel(page, page_url)
        assert announced(page) == [drivers]
        assert "Totalmente de acuerdo" in page.inner_text(".feedbot-log")


def language_switches(page):
    """The language switches the page sends, in a list that grows as they are sent."""
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(json.loads(request.post_data)["language"])
            if request.url.endswith("/api/chat/messages") and "language" in request.post_data
            else None
        ),
    )
    return sent


def test_arrow_keys_on_the_language_picker_switch_only_on_a_choice(site):
    """Chromium changes a closed <select> at each arrow key, and each change switched the
    survey: English to Chinese was three switches, three questions read out, and the panel
    jumped to the left edge and back passing Arabic (WCAG 3.2.2). Arrow keys now only move
    through the languages; Enter, or leaving the picker, switches to the one shown, Escape
    keeps the survey's; focus stays on the picker."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        switches = language_switches(page)
        open_panel(page, page_url)
        announced(page)
        where = page.locator(".feedbot-panel").bounding_box()["x"]
        page.focus("#feedbot-language")
        for _ in range(3):
            page.keyboard.press("ArrowDown")  # Español, العربية, 中文
            assert page.locator(".feedbot-panel").bounding_box()["x"] == where
        assert page.input_value("#feedbot-language") == "zh_Hans"
        assert page.get_attribute(".feedbot-chat", "lang") == "en"
        assert switches == [] and announced(page) == []
        page.keyboard.press("Enter")
        page.wait_for_selector(".feedbot-chat[lang=zh-Hans] .feedbot-choice")
        assert switches == ["zh_Hans"]
        assert announced(page) == [page.inner_text(QUESTION)]  # the question, once
        assert page.evaluate("document.activeElement.id") == "feedbot-language"
        page.keyboard.press("ArrowUp")  # العربية
        page.keyboard.press("ArrowUp")  # Español
        page.keyboard.press("Tab")
        page.wait_for_selector(".feedbot-chat[lang=es] .feedbot-choice")
        assert switches == ["zh_Hans", "es"]
        assert focused_text(page) == "×"
        page.focus("#feedbot-language")
        page.keyboard.press("ArrowDown")  # العربية
        page.keyboard.press("Escape")
        assert page.is_hidden(".feedbot-panel")
        assert page.evaluate("document.activeElement.className") == "feedbot-launcher"
        assert page.input_value("#feedbot-language") == "es"
        assert switches == ["zh_Hans", "es"]
        assert page.get_attribute(".feedbot-chat", "lang") == "es"
    assert stored(app) == [("active", "es", {})]


def test_forced_colours_keep_pressed_choices_and_the_launcher_visible(site):
    """Forced colours drop backgrounds: a pressed choice looked like the others, and the
    launcher (no border) was bare text."""
    page_url, _ = site
    with chromium(forced_colors="active") as page:
        page.clock.install()
        open_panel(page, page_url)
        assert (
            page.locator(".feedbot-launcher").evaluate(
                "node => parseFloat(getComputedStyle(node).borderTopWidth)"
            )
            >= 1
        )
        agree_strongly(page)
        read_the_question(page)
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
        for button in page.locator(ANSWER_CONTROLS).all():
            button.scroll_into_view_if_needed()
            box = button.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= 256
        for _ in range(4):
            page.keyboard.press("ArrowDown")
        assert focused_text(page) == "Strongly agree"
        page.keyboard.press("Enter")
        page.wait_for_selector(DRIVERS)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-400-percent.png")
    assert stored(app) == [("active", "en", {"trust": 5})]


# Whether an element is seen whole where it stands, nothing scrolled: within the viewport and
# every box that clips it, and not under anything.
SEEN_WHOLE = """(node) => {
  const box = node.getBoundingClientRect();
  let [top, bottom] = [0, innerHeight];
  for (let parent = node.parentElement; parent; parent = parent.parentElement) {
    if (getComputedStyle(parent).overflowY === "visible") continue;
    const clip = parent.getBoundingClientRect();
    [top, bottom] = [Math.max(top, clip.top), Math.min(bottom, clip.bottom)];
  }
  const seen = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return box.height > 0 && box.top >= top - 1 && box.bottom <= bottom + 1
    && seen !== null && node.contains(seen);
}"""
QUESTION = ".feedbot-log [role=log] > .feedbot-message--bot:last-child"


def out_of_sight(page, *selectors):
    """Which of `selectors` (the focused element for "focus") are not seen whole."""
    return [
        selector
        for selector in selectors
        if not page.locator(":focus" if selector == "focus" else selector).evaluate(SEEN_WHOLE)
    ]


@pytest.mark.parametrize(("width", "height"), [(320, 256), (360, 300)])
def test_a_short_screen_shows_the_question_with_its_answer_and_the_header(site, width, height):
    """At 400% zoom (320 x 256) and on a phone with its keyboard up (360 x 300), the panel was
    160 or 204 px tall above its launcher and scrolled as a whole: focus in the comment box
    scrolled the title, the close button and the question out of sight, leaving "Your
    answer", the box and Send. The panel takes the screen's height, its header stays, and
    each question shows with the control focus moves to."""
    page_url, _ = site
    header = ("#feedbot-title", ".feedbot-close")
    with chromium(locale="en-US", viewport={"width": width, "height": height}) as page:
        open_panel(page, page_url)
        assert out_of_sight(page, *header, QUESTION, "focus") == []
        agree_strongly(page)
        assert out_of_sight(page, *header, QUESTION, "#feedbot-choose-all", "focus") == []
        page.click(".feedbot-choice >> text=Something else")
        page.click(".feedbot-send")
        page.wait_for_selector("#feedbot-text")
        assert page.inner_text(QUESTION) == "What else made the difference?"
        assert page.evaluate("document.activeElement.id") == "feedbot-text"
        assert out_of_sight(page, *header, QUESTION, "focus") == []
        page.click(".feedbot-skip")
        page.locator(QUESTION, has_text=COMMENT_QUESTION).wait_for()
        assert out_of_sight(page, *header, QUESTION, "focus") == []
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, f"webchat-short-{width}x{height}.png")
        page.keyboard.press("Escape")
        assert page.evaluate("document.activeElement.className") == "feedbot-launcher"
        assert out_of_sight(page, ".feedbot-launcher") == []


def test_a_short_screen_shows_the_question_in_the_language_picked(site):
    """At 400% zoom, Arabic picked: the new question and its answers were below the panel's
    visible part, which showed only the header."""
    page_url, _ = site
    with chromium(locale="en-US", viewport={"width": 320, "height": 256}) as page:
        open_panel(page, page_url)
        page.select_option("#feedbot-language", "ar")
        page.wait_for_selector(".feedbot-chat[dir=rtl] .feedbot-choice")
        assert page.inner_text(QUESTION).startswith("زادت هذه المعاملة من ثقتي")
        assert out_of_sight(page, "#feedbot-title", QUESTION, ".feedbot-choice >> nth=0") == []


# Where the launcher is, and whether the widget's stylesheet has loaded, as it is first added
# to the page (before it is painted).
FIRST_LOOK = """
window.firstLook = null;
new MutationObserver(() => {
  const launcher = document.querySelector(".feedbot-launcher");
  if (launcher && window.firstLook === null) {
    const sheets = [...document.styleSheets].filter((s) => /feedbot-chat\\.css$/.test(s.href));
    window.firstLook = {position: getComputedStyle(launcher).position, sheets: sheets.length};
  }
}).observe(document, {childList: true, subtree: true});
"""


def test_the_widget_is_drawn_once_its_stylesheet_has_loaded(site):
    """The stylesheet was added as the widget was drawn: until it loaded, the launcher was a
    bare button at the foot of the agency's page, and the layout checks here measured an
    unstyled widget on a busy machine (the launcher's box changed as the panel opened)."""
    page_url, _ = site
    with chromium(locale="en-US") as page:
        page.add_init_script(FIRST_LOOK)
        page.goto(page_url)
        page.wait_for_selector(".feedbot-launcher")
        assert page.evaluate("window.firstLook") == {"position": "fixed", "sheets": 1}


@pytest.mark.parametrize("failure", ["refused", "never answered"])
def test_a_widget_whose_stylesheet_fails_is_still_drawn(site, failure):
    """Unstyled rather than not at all: at once if the stylesheet is refused, after 20 s if
    it never comes."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.clock.install()
        if failure == "refused":
            page.route("**/feedbot-chat.css", lambda route: route.abort("failed"))
        else:
            page.route("**/feedbot-chat.css", lambda route: None)
        with page.expect_request("**/feedbot-chat.css"):
            page.goto(page_url, wait_until="domcontentloaded")
        if failure == "never answered":
            assert page.locator(".feedbot-launcher").count() == 0
            page.clock.run_for(20_000)
        page.click(".feedbot-launcher")
        page.wait_for_selector(".feedbot-choice")
    assert stored(app) == [("active", "en", {})]


def test_the_standalone_page_has_the_widget_stylesheet_once(site):
    """Its widget looked for the stylesheet by its full URL, missed the page's own link (a
    path), and added it a second time."""
    _, app = site
    with serve(app) as app_url, chromium() as page:
        page.goto(app_url + "/chat/webchat")
        page.wait_for_selector(".feedbot-choice")
        assert page.locator("link[rel=stylesheet]").count() == 1


NOT_SENT = "Your answer was not sent. Check your connection and try again."
# Where an error about the answer shows: beside its controls.
ERROR = ".feedbot-answer .feedbot-error"
TOO_MANY = "Too many messages at once. Please wait a minute, then try again."
COMMENT_QUESTION = "Anything else you want us to know about your experience?"


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
        for said in (NOT_SENT, TOO_MANY, NOT_SENT):
            page.keyboard.press("Enter")
            page.locator(ERROR, has_text=said).wait_for()
            assert page.input_value("#feedbot-text") == "Clear and kind"
            assert page.evaluate("document.activeElement.id") == "feedbot-text"
            assert "Clear and kind" not in page.inner_text(".feedbot-log")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Thank you for your feedback")
        said = page.locator(".feedbot-message--visitor").all_text_contents()
        assert said == ["You: Strongly agree", "You: Skip", "You: Clear and kind"]
        log = page.inner_text(".feedbot-log")
        assert TOO_MANY not in log and NOT_SENT not in log
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
        rate(page, 4)
        page.clock.run_for(25_000)
        page.locator(ERROR, has_text=NOT_SENT).wait_for()
        assert page.locator(".feedbot-message--visitor").count() == 0
        agree_strongly(page)
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
        page.click(".feedbot-choice >> nth=4")
        page.dblclick(".feedbot-send")
        page.wait_for_selector(DRIVERS)
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
        agree_strongly(page)
        before = len(sent)
        page.click(".feedbot-send")
        page.click(".feedbot-send")
        hint = page.locator(ERROR, has_text="Choose at least one answer first.")
        hint.wait_for()
        assert hint.count() == 1 and len(sent) == before
        page.click(".feedbot-skip")
        page.wait_for_selector("#feedbot-text")
        page.keyboard.type("   ")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        typed = page.locator(ERROR, has_text="Type your answer first.")
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
        assert axe_violations(page, "body") == []


LOST = "Your earlier answers could not be found, so the survey has started again."
FIRST_QUESTION = "This interaction increased my trust in Federal Student Aid."
# The saved session's token: in a JSON record beside its language since the language is
# kept, the token alone before.
SAVED_SESSION = """(() => {
  const saved = sessionStorage.getItem('feedbot-chat:webchat');
  return saved && saved.startsWith('{') ? JSON.parse(saved).session : saved;
})()"""


def reset_the_database(app):
    """Every row gone, as after a restore from an empty backup: no session survives."""
    with runtime_of(app).db.transaction() as db:
        for table in reversed(Base.metadata.sorted_tables):
            db.execute(table.delete())


def starts(page):
    """The session starts the page asks for, in a list that grows as they are sent."""
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url)
            if request.method == "POST" and request.url.endswith("/api/chat/sessions")
            else None
        ),
    )
    return sent


def said_by_the_visitor(page):
    return page.locator(".feedbot-message--visitor").all_text_contents()


def finish(page):
    """From the first question to the thanks: "Strongly agree", no drivers, a comment."""
    to_the_comment(page)
    page.keyboard.type("Fine")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Thank you for your feedback")


def test_a_session_the_server_lost_starts_again_and_says_so_once(site):
    """A 404 "no such chat session" (its row gone, here with the whole database) was the
    generic error at every retry, for ever: the visitor could never finish."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        open_panel(page, page_url)
        agree_strongly(page)
        lost_session = page.evaluate(SAVED_SESSION)
        reset_the_database(app)
        announced(page)
        page.click(".feedbot-skip")
        page.locator(".feedbot-message--bot", has_text=LOST).wait_for()
        page.wait_for_selector(".feedbot-choice >> text=Strongly agree")
        said = announced(page)
        assert said.count(LOST) == 1
        assert said[-3] == LOST and said[-1] == FIRST_QUESTION
        assert focused_text(page) == "Strongly disagree"
        assert said_by_the_visitor(page) == []
        assert page.is_enabled("#feedbot-language")
        assert page.evaluate(SAVED_SESSION) not in (lost_session, None)
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-lost-session.png")
        finish(page)
        assert LOST not in announced(page)
        assert page.locator(".feedbot-message", has_text=LOST).count() == 1
    assert stored(app) == [
        ("complete", "en", {"trust": 5, "made_the_difference": None, "anything_else": "Fine"})
    ]


def test_a_lost_session_whose_new_start_fails_offers_a_retry_in_arabic(site):
    """The start after a lost session failing too shows the error and a retry, right to left
    and in the visitor's language, and starts nothing by itself."""
    page_url, app = site
    arabic = config(app, "ar")["strings"]
    with chromium(locale="ar-EG", extra_http_headers={"Accept-Language": "ar"}) as page:
        page.clock.install()
        sent = starts(page)
        open_panel(page, page_url)
        read_the_question(page)
        page.keyboard.press("Space")  # "Strongly disagree", which has the focus
        page.keyboard.press("Enter")
        page.wait_for_selector(DRIVERS)
        reset_the_database(app)
        page.route("**/api/chat/sessions", lambda route: route.abort("internetdisconnected"))
        page.focus(".feedbot-skip")
        page.keyboard.press("Enter")
        retry = page.locator(".feedbot-retry")
        retry.wait_for()
        assert page.locator(".feedbot-message--bot", has_text=arabic["error"]).count() == 1
        assert retry.inner_text() == arabic["retry"] == "إعادة المحاولة"
        assert page.evaluate("document.activeElement.className") == "feedbot-retry"
        assert page.locator(".feedbot-choice").count() == 0
        assert page.get_attribute(".feedbot-chat", "dir") == "rtl"
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-retry-ar.png")
        page.wait_for_timeout(500)
        assert len(sent) == 2
        page.unroute("**/api/chat/sessions")
        page.keyboard.press("Enter")
        page.locator(".feedbot-message--bot", has_text=arabic["lost"]).wait_for()
        page.wait_for_selector(".feedbot-choice")
        assert focused_text(page) == "لا أوافق بشدة"
        assert page.locator(".feedbot-retry").count() == 0
        assert len(sent) == 3
    assert stored(app) == [("active", "ar", {})]


def test_a_new_session_lost_again_before_its_first_answer_is_not_restarted(site):
    """A server forgetting every session (two instances on two databases, say) would restart
    the survey at each answer: the second loss is the plain error, the answer kept to retry."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        sent = starts(page)
        open_panel(page, page_url)
        agree_strongly(page)
        page.route(
            "**/api/chat/messages",
            lambda route: route.fulfill(status=404, json={"error": "no such chat session"}),
        )
        page.click(".feedbot-skip")
        page.locator(".feedbot-message--bot", has_text=LOST).wait_for()
        rate(page, 4)
        page.locator(ERROR, has_text=NOT_SENT).wait_for()
        page.wait_for_timeout(500)
        assert len(sent) == 2
        assert page.locator(".feedbot-message", has_text=LOST).count() == 1
        page.unroute("**/api/chat/messages")
        agree_strongly(page)
    assert stored(app) == [("active", "en", {"trust": 5}), ("active", "en", {"trust": 5})]


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        ("offline", "Something went wrong. Please try again."),
        ("unavailable", "Something went wrong. Please try again."),
        ("too many", "Too many messages at once. Please wait a minute, then try again."),
    ],
)
def test_a_first_start_that_fails_offers_a_retry_button(site, failure, said):
    """Offline, a 503 or a 429 at the first start left the visitor an open panel with an error
    and nothing to press."""
    page_url, app = site

    def refuse(route):
        if failure == "offline":
            route.abort("internetdisconnected")
        elif failure == "unavailable":
            route.fulfill(status=503, json={"error": "feedbot cannot reach its database"})
        else:
            route.fulfill(status=429, json={"error": "20 per 1 minute"})

    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        page.route("**/api/chat/sessions", refuse, times=1)
        page.goto(page_url)
        page.wait_for_selector(".feedbot-launcher")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector(".feedbot-retry")
        assert announced(page) == [said]
        assert page.evaluate("document.activeElement.textContent") == "Try again"
        assert page.evaluate("document.activeElement.tagName") == "BUTTON"
        assert axe_violations(page, ".feedbot-chat") == []
        page.keyboard.press("Enter")
        page.wait_for_selector(".feedbot-choice")
        assert focused_text(page) == "Strongly disagree"
        assert announced(page)[-1] == FIRST_QUESTION
        finish(page)
    assert stored(app)[0][0] == "complete"


@pytest.mark.parametrize("failures", [["offline"], ["offline", 503, 429]])
def test_the_launcher_appears_after_a_failed_config_request(site, failures):
    """The widget's first request (its settings) failed once and the agency's page had no
    survey until a reload: it is asked again after a network failure, a 5xx or a 429."""
    page_url, app = site
    asked = []

    def flaky(route):
        asked.append(route.request.url)
        if len(asked) <= len(failures):
            refuse_with(failures[len(asked) - 1])(route)
        else:
            route.continue_()

    with chromium(locale="en-US") as page:
        page.route("**/api/chat/config/*", flaky)
        open_panel(page, page_url)
        finish(page)
    assert len(asked) == len(failures) + 1
    assert stored(app)[0][0] == "complete"


def test_a_config_request_refused_for_good_is_not_repeated(site):
    """An unknown service (a typo in data-service) is not asked for again and again; the
    page's developers are told why in the console."""
    page_url, _ = site
    asked, warnings = [], []
    with chromium(locale="en-US") as page:
        page.on("console", lambda message: warnings.append(message.text))
        page.route("**/api/chat/config/*", lambda route: asked.append(1) or route.continue_())
        page.goto(page_url)
        # The warning says the widget has given up, whenever its refusal comes.
        with page.expect_console_message(lambda message: "no-such-service" in message.text):
            page.evaluate(
                """() => new Promise((resolve) => {
                    const script = document.createElement("script");
                    script.src = document.querySelector("script[data-service]").src;
                    script.setAttribute("data-service", "no-such-service");
                    script.onload = resolve;
                    document.body.appendChild(script);
                })"""
            )
        page.wait_for_function(
            "() => [...document.querySelectorAll('.feedbot-launcher')].length === 1"
        )
        page.wait_for_timeout(1500)  # past the first retry's delay
        assert len(asked) == 2  # the page's own widget and the misnamed one, once each
        assert any("no survey for service no-such-service" in text for text in warnings)
        assert page.locator(".feedbot-launcher").count() == 1


def test_a_page_no_service_lists_is_told_once_and_not_asked_again(sqlite_url):
    """From an origin no service lists, the settings' 403 had no CORS header: the browser
    hid it, the widget took it for a network failure and asked four more times over 40 s,
    and the console said only "Failed to fetch"."""
    holder, asked, warnings = {}, [], []

    def agency_page(environ, start_response):
        return static_page(holder["html"])(environ, start_response)

    app = make_app(sqlite_url)  # its webchat service lists other origins than this page's
    with serve(agency_page) as page_url, serve(app) as app_url, chromium() as page:
        holder["html"] = EXAMPLE.read_text().replace("http://localhost:5000", app_url)
        page.on("console", lambda message: warnings.append(message.text))
        page.on("request", lambda r: asked.append(r.url) if "/api/chat/config/" in r.url else 0)
        # The warning says the widget has given up, whenever its refusal comes.
        with page.expect_console_message(lambda message: "no survey for" in message.text):
            page.goto(page_url)
        page.wait_for_timeout(1500)  # past the first retry's delay
        assert len(asked) == 1
        assert any("no survey for service webchat: origin not allowed" in w for w in warnings)
        assert page.locator(".feedbot-launcher").count() == 0
    runtime_of(app).db.dispose()


def test_the_standalone_page_brings_its_settings(site):
    """The page is served with the widget's settings, so its survey starts without asking
    for them: one request fewer, and one failure fewer, as the page loads."""
    _, app = site
    with serve(app) as app_url, chromium(locale="es-ES") as page:
        page.route("**/api/chat/config/*", lambda route: route.abort("failed"))
        page.goto(app_url + "/chat/webchat?language=es")
        page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        assert page.title() == config(app, "es")["strings"]["title"]
        assert page.csp_violations == []
    assert stored(app) == [("active", "es", {})]


def test_the_standalone_page_offers_a_retry_in_its_language(site):
    """The page's survey starts as the page loads: a failed start (twice here) keeps its retry
    button, reached by Tab, named in the page's language, without moving focus on its own."""
    _, app = site
    spanish = config(app, "es")["strings"]
    with serve(app) as app_url, chromium(locale="es-ES") as page:
        page.route("**/api/chat/sessions", lambda route: route.abort("failed"), times=2)
        page.goto(app_url + "/chat/webchat?language=es")
        retry = page.locator(".feedbot-retry")
        retry.wait_for()
        assert retry.inner_text() == spanish["retry"] == "Volver a intentar"
        assert page.evaluate("document.activeElement.tagName") == "BODY"
        for _ in range(3):  # the language picker, the conversation, the retry
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "feedbot-retry"
        assert axe_violations(page, "body") == []
        errors = page.locator(".feedbot-message--bot", has_text=spanish["error"])
        first = errors.element_handle()
        page.keyboard.press("Enter")
        # The second failure's line replaces the first's: the same words once in the log.
        page.wait_for_function("line => !line.isConnected", arg=first)
        assert errors.count() == 1
        assert page.evaluate("document.activeElement.className") == "feedbot-retry"
        page.keyboard.press("Enter")
        page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        assert focused_text(page) == "Totalmente en desacuerdo"
        assert errors.count() == 0
        assert page.csp_violations == []
    assert stored(app) == [("active", "es", {})]


def refuse_with(failure):
    """A route handler that fails a request as `failure` says: offline, or a status with a
    JSON error, or a proxy's HTML error page ("502 page")."""

    def refuse(route):
        if failure == "offline":
            route.abort("failed")
        elif str(failure).endswith(" page"):
            status = int(str(failure).split()[0])
            route.fulfill(status=status, content_type="text/html", body="<h1>Error</h1>")
        else:
            route.fulfill(status=int(failure), json={"error": "refused"})

    return refuse


@pytest.mark.parametrize("failure", ["offline", "503", "429", "502 page"])
def test_a_resume_that_fails_keeps_its_session_for_the_retry(site, failure):
    """A reload while the network failed gave up the session and started another: the
    answers so far were left behind as an abandoned response."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        sent = starts(page)
        open_panel(page, page_url)
        agree_strongly(page)
        page.route("**/api/chat/transcript", refuse_with(failure), times=1)
        page.reload()
        page.wait_for_selector(".feedbot-launcher")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector(".feedbot-retry")
        assert page.evaluate("document.activeElement.className") == "feedbot-retry"
        assert page.is_disabled("#feedbot-language")
        page.keyboard.press("Enter")
        page.wait_for_selector(DRIVERS)
        assert said_by_the_visitor(page) == ["You: Strongly agree"]
        assert len(sent) == 1
    assert stored(app) == [("active", "en", {"trust": 5})]


def test_a_reload_after_the_database_lost_the_session_starts_again_and_says_so(site):
    page_url, app = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        agree_strongly(page)
        reset_the_database(app)
        page.reload()
        open_panel(page, page_url)
        assert page.locator(".feedbot-message", has_text=LOST).count() == 1
        assert said_by_the_visitor(page) == []
        assert focused_text(page) == "Strongly disagree"
        finish(page)
    assert stored(app) == [
        ("complete", "en", {"trust": 5, "made_the_difference": None, "anything_else": "Fine"})
    ]


@pytest.mark.parametrize("failure", ["500", "500 page", "400"])
def test_a_resume_refused_for_good_starts_a_new_survey(site, failure):
    """A transcript that failed for good (a 500 from answers to a question a flow edit had
    removed) kept its session for a "Try again" that could only fail again: the visitor could
    not take the survey until they closed the tab."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        sent = starts(page)
        open_panel(page, page_url)
        agree_strongly(page)
        refused_session = page.evaluate(SAVED_SESSION)
        page.route("**/api/chat/transcript", refuse_with(failure))
        page.reload()
        open_panel(page, page_url)
        assert page.locator(".feedbot-retry").count() == 0
        assert page.locator(".feedbot-message", has_text=LOST).count() == 1
        assert said_by_the_visitor(page) == []
        assert page.evaluate(SAVED_SESSION) not in (refused_session, None)
        assert len(sent) == 2
        agree_strongly(page)
    assert stored(app) == [("active", "en", {"trust": 5}), ("active", "en", {"trust": 5})]


def test_a_reload_after_a_flow_edit_removed_an_answered_question_resumes(site):
    """The transcript of answers to a question the flow no longer has was a 500 at every
    reload. It shows what the flow still has, and the survey goes on."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        sent = starts(page)
        open_panel(page, page_url)
        agree_strongly(page)
        with runtime_of(app).db.transaction() as db:
            db.execute(update(Answer).values(question_id="retired_question"))
        page.reload()
        open_panel(page, page_url)
        assert "What about this interaction made the difference?" in page.inner_text(".feedbot-log")
        assert said_by_the_visitor(page) == []
        assert page.locator(".feedbot-retry").count() == 0
        # Its answers are out of the transcript, not out of the survey: no language change.
        assert page.is_disabled("#feedbot-language")
        page.click(".feedbot-skip")
        page.wait_for_selector("#feedbot-text")
        assert len(sent) == 1
    assert stored(app) == [("active", "en", {"retired_question": 5, "made_the_difference": None})]


def test_a_language_picked_on_a_lost_session_starts_the_new_one_in_it_quietly(site):
    """It started again in the language it had, and said answers were lost where there were
    none."""
    page_url, app = site
    spanish = config(app, "es")["strings"]
    with chromium(locale="en-US") as page:
        sent = starts(page)
        open_panel(page, page_url)
        reset_the_database(app)
        page.select_option("#feedbot-language", "es")
        page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        assert page.get_attribute(".feedbot-chat", "lang") == "es"
        assert page.input_value("#feedbot-language") == "es"
        assert page.inner_text("#feedbot-title") == "Opinión sobre Federal Student Aid"
        log = page.inner_text(".feedbot-log")
        assert spanish["lost"] not in log and LOST not in log
        assert "This interaction" not in log
        assert len(sent) == 2
        agree_strongly(page)
    assert stored(app) == [("active", "es", {"trust": 5})]


@pytest.mark.parametrize("lost_at", ["the first answer", "a reload"])
def test_a_lost_session_without_answers_starts_again_without_a_word(site, lost_at):
    """ "Your earlier answers could not be found" was said to visitors who had answered
    nothing: at their very first answer, or at a reload before it."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        sent = starts(page)
        open_panel(page, page_url)
        lost_session = page.evaluate(SAVED_SESSION)
        reset_the_database(app)
        if lost_at == "a reload":
            page.reload()
            open_panel(page, page_url)
        else:
            rate(page, 4)
            # The lost session is forgotten (null) before the new one is saved: wait for that.
            page.wait_for_function(
                f"(s => s !== null && s !== {json.dumps(lost_session)})({SAVED_SESSION})"
            )
            page.wait_for_selector(".feedbot-choice")
        assert LOST not in announced(page)
        assert page.locator(".feedbot-message", has_text=LOST).count() == 0
        assert page.locator(".feedbot-message", has_text=FIRST_QUESTION).count() == 1
        assert len(sent) == 2
        agree_strongly(page)
    assert stored(app) == [("active", "en", {"trust": 5})]


def test_a_reload_after_a_lost_session_starts_again_in_the_conversation_language(site):
    """It started again in the page's language: the visitor had picked Spanish."""
    page_url, app = site
    spanish = config(app, "es")["strings"]
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.select_option("#feedbot-language", "es")
        page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        agree_strongly(page)
        reset_the_database(app)
        page.reload()
        open_panel(page, page_url)
        page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        assert page.get_attribute(".feedbot-chat", "lang") == "es"
        assert page.input_value("#feedbot-language") == "es"
        assert page.locator(".feedbot-message", has_text=spanish["lost"]).count() == 1
        assert focused_text(page) == "Totalmente en desacuerdo"
    assert stored(app) == [("active", "es", {})]


def test_a_session_saved_by_the_earlier_widget_still_resumes(site):
    """The widget kept the token alone before it kept the language beside it."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        sent = starts(page)
        open_panel(page, page_url)
        agree_strongly(page)
        token = page.evaluate(SAVED_SESSION)
        page.evaluate("token => sessionStorage.setItem('feedbot-chat:webchat', token)", token)
        page.reload()
        page.wait_for_selector(".feedbot-launcher")
        page.click(".feedbot-launcher")
        page.wait_for_selector(DRIVERS)
        assert said_by_the_visitor(page) == ["You: Strongly agree"]
        assert page.is_disabled("#feedbot-language")
        record = page.evaluate("JSON.parse(sessionStorage.getItem('feedbot-chat:webchat'))")
        assert record == {"session": token, "language": "en", "answered": True, "told": False}
        assert len(sent) == 1
    assert stored(app) == [("active", "en", {"trust": 5})]


def test_a_language_change_after_a_restart_keeps_its_notice(site):
    """The switch showed the conversation again without the notice: the visitor no longer
    read why their answers were gone. It stays, in the new language, and is not read out
    again; a reload keeps it too."""
    page_url, app = site
    spanish = config(app, "es")["strings"]
    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        open_panel(page, page_url)
        agree_strongly(page)
        reset_the_database(app)
        page.click(".feedbot-skip")
        page.locator(".feedbot-message--bot", has_text=LOST).wait_for()
        page.wait_for_selector(".feedbot-choice >> text=Strongly agree")
        announced(page)
        page.select_option("#feedbot-language", "es")
        page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        notice = page.locator(".feedbot-message", has_text=spanish["lost"])
        assert notice.count() == 1 and page.locator(".feedbot-message", has_text=LOST).count() == 0
        assert announced(page) == ["Esta interacción aumentó mi confianza en Federal Student Aid."]
        first_words = page.locator(".feedbot-message").all_text_contents()[:2]
        assert first_words[0] == spanish["lost"] and first_words[1].startswith("Federal")
        page.reload()
        open_panel(page, page_url)
        page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        assert page.locator(".feedbot-message", has_text=spanish["lost"]).count() == 1
    assert stored(app) == [("active", "es", {})]


@pytest.mark.parametrize("answered", [False, True])
def test_the_language_picker_waits_for_a_saved_session_to_resume(site, answered):
    """After a failed resume the picker was enabled, for a session that might have answers:
    picking a language then was refused with a 400 and "Something went wrong"."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        sent = starts(page)
        open_panel(page, page_url)
        if answered:
            agree_strongly(page)
        page.route("**/api/chat/transcript", refuse_with("offline"), times=1)
        page.reload()
        page.wait_for_selector(".feedbot-launcher")
        page.click(".feedbot-launcher")
        page.wait_for_selector(".feedbot-retry")
        assert page.is_disabled("#feedbot-language")
        page.click(".feedbot-retry")
        page.wait_for_selector(DRIVERS if answered else ".feedbot-choice")
        assert page.is_disabled("#feedbot-language") is answered
        if not answered:
            page.select_option("#feedbot-language", "es")
            page.wait_for_selector(".feedbot-choice >> text=Totalmente de acuerdo")
        # The resumed conversation took the failed resume's error's place; none came since.
        assert page.locator(".feedbot-message--bot", has_text="went wrong").count() == 0
        assert len(sent) == 1
    assert stored(app) == [("active", "en", {"trust": 5}) if answered else ("active", "es", {})]


# Whether a control can be brought into view and seen whole: within the viewport, the panel
# and every box that clips it (the answer area), and not under anything (the launcher).
REACHABLE = """(node) => {
  node.focus();
  node.scrollIntoView({block: "nearest"});
  const box = node.getBoundingClientRect();
  let [top, bottom, left, right] = [0, innerHeight, 0, innerWidth];
  for (let parent = node.parentElement; parent; parent = parent.parentElement) {
    const panel = parent.classList.contains("feedbot-panel");
    if (!panel && getComputedStyle(parent).overflowY === "visible") continue;
    const clip = parent.getBoundingClientRect();
    [top, bottom] = [Math.max(top, clip.top), Math.min(bottom, clip.bottom)];
    [left, right] = [Math.max(left, clip.left), Math.min(right, clip.right)];
  }
  const whole = box.top >= top - 1 && box.bottom <= bottom + 1
    && box.left >= left - 1 && box.right <= right + 1;
  const seen = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return whole && seen !== null && node.contains(seen);
}"""
# WCAG 1.4.12's text spacing, as the usual bookmarklet sets it.
TEXT_SPACING = (
    "* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
    " word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }"
)


def out_of_reach(page):
    """The answer's controls that cannot be brought into view, by their text."""
    return [
        control.evaluate("node => node.textContent || node.id")
        for control in page.locator(ANSWER_CONTROLS).all()
        if not control.evaluate(REACHABLE)
    ]


@pytest.mark.parametrize(
    ("width", "height", "locale", "spacing"),
    [
        (320, 568, "en-US", False),
        (960, 540, "ru-RU", False),
        (960, 540, "ht-HT", False),
        (1280, 720, "ru-RU", True),
    ],
)
def test_every_control_of_a_long_answer_is_within_reach(
    every_language_site, width, height, locale, spacing
):
    """The seven drivers, "Submit choices" and "Skip" ran below the panel and the screen, out
    of reach: on a phone, in Russian or Haitian Creole on a short laptop screen, with text
    spacing. The log gives up its room, then the answer scrolls."""
    page_url, _ = every_language_site
    with chromium(
        viewport={"width": width, "height": height},
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
    ) as page:
        open_panel(page, page_url)
        assert page.get_attribute(".feedbot-chat", "lang") == locale.split("-")[0]
        if spacing:
            page.add_style_tag(content=TEXT_SPACING)
        agree_strongly(page)
        assert page.locator(ANSWER_CONTROLS).count() == 9
        assert out_of_reach(page) == []
        page.click(".feedbot-skip")
        page.wait_for_selector("#feedbot-text")
        assert out_of_reach(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width


# Whether the newest message is seen whole in the log.
NEWEST_IN_VIEW = """() => {
  const log = document.querySelector(".feedbot-log").getBoundingClientRect();
  const newest = [...document.querySelectorAll(".feedbot-message")].pop().getBoundingClientRect();
  return newest.top >= log.top - 1 && newest.bottom <= log.bottom + 1;
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (320, 568)])
def test_each_new_question_is_scrolled_into_view(site, width, height):
    """The log was scrolled to its end before the answer below it was drawn, which took room
    from it: the new question stayed below the log's fold."""
    page_url, _ = site
    with chromium(locale="en-US", viewport={"width": width, "height": height}) as page:
        open_panel(page, page_url)
        assert page.evaluate(NEWEST_IN_VIEW)
        agree_strongly(page)
        assert page.locator(".feedbot-message").last.inner_text() == (
            "What about this interaction made the difference?"
        )
        assert page.evaluate(NEWEST_IN_VIEW)
        page.click(".feedbot-skip")
        page.wait_for_selector("#feedbot-text")
        assert page.evaluate(NEWEST_IN_VIEW)


# Ordinary site-wide element rules of a dark agency site, and of one whose headings are navy.
AGENCY_STYLES = """
body { font-family: Georgia, serif; background: #1b1b1b; color: #f0f0f0; line-height: 2;
       letter-spacing: 0.1em; text-align: center; }
h2 { color: #162e51; font-family: Georgia, serif; font-size: 2rem; }
p { color: #dfe1e2; font-size: 20px; margin: 3em; }
label { color: #dfe1e2; text-transform: uppercase; }
textarea { background: #2d2e2f; color: #f0f0f0; }
button { all: unset; }
* { box-sizing: content-box; }
"""


def test_the_agency_page_styles_do_not_leak_into_the_widget(site):
    """A dark agency page's p { color: #dfe1e2 } made every message 1.15:1 on its bubble, and
    h2 { color: #162e51 } the panel's title 1.41:1 on the header."""
    page_url, _ = site
    looks = """selector => {
        const style = getComputedStyle(document.querySelector(selector));
        return [style.color, style.fontFamily.split(",")[0], style.textTransform,
                style.letterSpacing, style.textAlign];
    }"""
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.add_style_tag(content=AGENCY_STYLES)
        agree_strongly(page)
        assert axe_violations(page, ".feedbot-chat") == []
        page.click(".feedbot-skip")
        page.wait_for_selector("#feedbot-text")
        assert axe_violations(page, ".feedbot-chat") == []
        ink, white = "rgb(27, 27, 27)", "rgb(255, 255, 255)"
        own = ['"Source Sans Pro"', "none", "normal", "start"]
        assert page.evaluate(looks, ".feedbot-message--bot") == [ink, *own]
        assert page.evaluate(looks, ".feedbot-message--visitor")[0] == ink
        assert page.evaluate(looks, "#feedbot-title") == [white, *own]
        assert page.evaluate(looks, ".feedbot-answer label") == [ink, *own]
        assert page.evaluate(looks, "#feedbot-text")[0] == ink
        screenshot(page, "webchat-dark-agency-page.png")


@pytest.mark.parametrize(
    ("locale", "comment", "direction"),
    [("en-US", "الموظف كان ممتازًا! رقم الطلب 12345.", "rtl"), ("ar-EG", "Great (5 stars)!", "ltr")],
)
def test_a_comment_in_the_other_direction_is_laid_out_in_its_own(site, locale, comment, direction):
    """An Arabic comment in the English survey was laid out left to right, its "!" and
    number at the wrong end, in the box and in its bubble; an English one in the Arabic
    survey, right to left."""
    page_url, _ = site
    computed = "node => getComputedStyle(node).direction"
    with chromium(locale=locale, extra_http_headers={"Accept-Language": locale}) as page:
        open_panel(page, page_url)
        to_the_comment(page)
        page.keyboard.insert_text(comment)
        assert page.locator("#feedbot-text").evaluate(computed) == direction
        page.keyboard.press("Enter")
        bubble = page.locator(".feedbot-message--visitor").last
        bubble.filter(has_text=comment).wait_for()
        assert bubble.evaluate(computed) == direction
        # "You:" keeps the survey's language and direction.
        label = bubble.locator(".feedbot-visually-hidden")
        assert label.evaluate(computed) == ("rtl" if locale == "ar-EG" else "ltr")


def test_a_double_enter_does_not_answer_the_question_it_brings(site):
    """Enter twice in quick succession: the second press reached the next question, where
    focus had just moved, and chose its first driver unseen; on "Submit choices", it sent the
    empty comment box ("Type your answer first."). The clock stands still, so the second
    press always comes within the moment a new question ignores presses."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.clock.install(time=datetime(2026, 1, 5, 9, 0))
        open_panel(page, page_url)
        page.clock.pause_at(datetime(2026, 1, 5, 10, 0))
        page.locator(".feedbot-choice input").nth(4).check()  # "Strongly agree"
        page.keyboard.press("Enter")
        page.wait_for_selector(DRIVERS)
        page.keyboard.press("Enter")  # the second press, on "I got what I needed"
        assert focused_text(page) == "I got what I needed"
        assert page.locator(CHOSEN).count() == 0
        read_the_question(page)
        page.keyboard.press("Space")
        assert page.locator(CHOSEN).count() == 1
        page.focus(".feedbot-send")
        page.keyboard.press("Enter")
        page.wait_for_selector("#feedbot-text")
        page.keyboard.press("Enter")  # the second press, in the comment box
        assert page.evaluate("document.activeElement.id") == "feedbot-text"
        assert page.locator(ERROR, has_text="Type your answer first.").count() == 0
        # Typing says the box is meant: Enter sends at once.
        page.keyboard.type("Fine")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Thank you for your feedback")
        assert said_by_the_visitor(page) == [
            "You: Strongly agree",
            "You: I got what I needed",
            "You: Fine",
        ]
    assert stored(app) == [
        (
            "complete",
            "en",
            {"trust": 5, "made_the_difference": ["effectiveness"], "anything_else": "Fine"},
        )
    ]


@pytest.mark.parametrize("on", ["a choice", "Submit choices"])
def test_enter_held_down_answers_one_question(site, on):
    """The key's repeats, on the next question's first control (or in its comment box), are
    not presses of it, however long it is held."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.clock.install(time=datetime(2026, 1, 5, 9, 0))
        open_panel(page, page_url)
        if on == "Submit choices":
            agree_strongly(page)
            page.click(".feedbot-choice >> nth=0")
        page.clock.pause_at(datetime(2026, 1, 5, 10, 0))
        if on == "a choice":
            page.locator(".feedbot-choice input").nth(4).check()  # "Strongly agree"
        else:
            page.focus(".feedbot-send")
        page.keyboard.down("Enter")
        page.wait_for_selector(DRIVERS if on == "a choice" else "#feedbot-text")
        page.keyboard.down("Enter")  # repeats, as the key stays down
        read_the_question(page)
        page.keyboard.down("Enter")
        page.keyboard.up("Enter")
        assert page.locator(CHOSEN).count() == 0
        assert page.locator(ERROR, has_text="Type your answer first.").count() == 0
        said = ["You: Strongly agree"] + (["You: I got what I needed"] if on != "a choice" else [])
        assert said_by_the_visitor(page) == said
    answers = (
        {"trust": 5} if on == "a choice" else {"trust": 5, "made_the_difference": ["effectiveness"]}
    )
    assert stored(app) == [("active", "en", answers)]


def test_a_double_click_does_not_answer_the_question_it_brings(site):
    """A double click's second click, arriving once the next question is drawn, pressed what
    was under the pointer there; a single click there counts at once."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.clock.install(time=datetime(2026, 1, 5, 9, 0))
        open_panel(page, page_url)
        page.clock.pause_at(datetime(2026, 1, 5, 10, 0))
        rate(page, 4)  # "Strongly agree": Send's click the first
        page.wait_for_selector(DRIVERS)
        first = page.locator(".feedbot-choice").first.bounding_box()
        page.mouse.move(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
        page.mouse.down(click_count=2)
        page.mouse.up(click_count=2)
        assert page.locator(CHOSEN).count() == 0
        page.mouse.down()
        page.mouse.up()
        assert page.locator(CHOSEN).count() == 1
    assert stored(app) == [("active", "en", {"trust": 5})]


def contrast(first, second):
    """WCAG contrast of two "rgb(r, g, b)" colours."""

    def luminance(color):
        channels = [int(part) / 255 for part in re.findall(r"\d+", color)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# The focused element's ring: its outline's colour and width, and its box-shadow's colours.
FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return {outline: style.outlineColor, width: parseFloat(style.outlineWidth),
          shadows: style.boxShadow.match(/rgba?\\([^)]*\\)/g) || []};
}"""


def ring_contrast(page, background):
    """The best contrast of the focused element's ring's colours with `background`."""
    ring = page.evaluate(FOCUS_RING)
    assert ring["width"] >= 2
    return max(contrast(color, background) for color in [ring["outline"], *ring["shadows"]])


# The accent of the test service, the default one, and the lightest grey a service may have
# (white text on it is 4.54:1).
@pytest.mark.parametrize("accent", ["#1a4480", "#005ea2", "#767676"])
def test_the_focus_ring_shows_on_the_header_and_the_panel(site, accent):
    """The #2491ff ring was 2.10:1 on the default accent of the header: the focused close
    button and language picker could hardly be told from the others."""
    assert contrast_with_white(accent) >= 4.5
    page_url, _ = site
    header = "getComputedStyle(document.querySelector('.feedbot-panel__header')).backgroundColor"
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.evaluate(
            "accent => document.querySelector('.feedbot-chat')"
            ".style.setProperty('--feedbot-accent', accent)",
            accent,
        )
        white = "rgb(255, 255, 255)"
        page.keyboard.press("Shift+Tab")  # the conversation
        assert page.evaluate("document.activeElement.className") == "feedbot-log"
        assert ring_contrast(page, white) >= 3
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.className") == "feedbot-close"
        assert ring_contrast(page, page.evaluate(header)) >= 3
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.id") == "feedbot-language"
        assert ring_contrast(page, page.evaluate(header)) >= 3
        for _ in range(3):
            page.keyboard.press("Tab")
        assert focused_text(page) == "Strongly disagree"
        assert ring_contrast(page, white) >= 3
        page.focus(".feedbot-launcher")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "feedbot-launcher"
        assert ring_contrast(page, white) >= 3  # the agency's white page around it


def test_a_long_paste_is_cut_to_the_servers_limit_and_the_visitor_told(site):
    """maxlength cut a 5,000-character paste to 2,000 without a word, counted an emoji as two
    (UTF-16 units) where the server counts one, and cut a family emoji in two."""
    page_url, app = site
    family = "👨‍👩‍👧‍👦"  # 7 code points, 11 UTF-16 units
    flag = "🇺🇸"  # 2 code points, 4 UTF-16 units
    cut = "Answers can have up to 2000 characters: the rest was left out."
    reached = "You have reached the limit of 2000 characters."
    value = "document.querySelector('#feedbot-text').value"
    described = """() => document.querySelector('#feedbot-text').getAttribute('aria-describedby')
        .split(' ').map(id => document.getElementById(id).textContent)"""
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        to_the_comment(page)
        page.keyboard.insert_text("x" * 5000)
        assert page.evaluate(value) == "x" * 2000
        assert page.inner_text("#feedbot-count") == "Characters left: 0"
        assert page.locator(".feedbot-message--bot").last.inner_text() == cut
        assert page.evaluate(described) == [cut, "Characters left: 0"]
        # A paste into the middle keeps what was there around it.
        page.fill("#feedbot-text", "Hello world")
        assert page.evaluate(described) == ["Characters left: 1989"]
        page.evaluate("document.querySelector('#feedbot-text').setSelectionRange(6, 6)")
        page.keyboard.insert_text("y" * 3000)
        assert page.evaluate(value) == "Hello " + "y" * 1989 + "world"
        # Emoji count once, as on the server, and are never cut in two.
        page.fill("#feedbot-text", "")
        page.keyboard.insert_text(family * 300)
        assert page.evaluate(value) == family * 285
        assert page.inner_text("#feedbot-count") == "Characters left: 5"
        page.fill("#feedbot-text", "")
        page.keyboard.insert_text(flag * 1200)
        assert page.evaluate(value) == flag * 1000
        # Typed up to the limit: said too.
        page.fill("#feedbot-text", "z" * 1999)
        page.keyboard.type("!")
        assert page.locator(".feedbot-message--bot").last.inner_text() == reached
        assert page.evaluate(described) == [reached, "Characters left: 0"]
        page.fill("#feedbot-text", "")
        page.keyboard.insert_text(flag * 1200)
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Thank you for your feedback")
    assert stored(app)[0][2]["anything_else"] == flag * 1000


def test_send_with_no_rating_chosen_asks_for_one_answer_in_the_survey_s_language(site):
    """The rating takes one answer, but Send with none chosen said the drivers' words, "Choose
    at least one answer first.", where several may be chosen."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.click(".feedbot-send")
        expect(page.locator(ERROR)).to_have_text("Choose an answer first.")
        agree_strongly(page)
        page.click(".feedbot-send")
        expect(page.locator(ERROR)).to_have_text("Choose at least one answer first.")
    assert config(app, "es")["strings"]["choose_one"] == "Elija una respuesta primero."


# The ids an element's aria-describedby names, each with its text.
DESCRIPTION = """node => (node.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
    .map(id => document.getElementById(id).textContent)"""


def test_an_empty_answer_error_is_tied_to_its_controls_until_the_visitor_acts(site):
    """ "Choose at least one answer first." and "Type your answer first." were said in the
    log only: the controls were not marked invalid nor described by them."""
    page_url, _ = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        agree_strongly(page)
        group = page.locator(".feedbot-answer fieldset")
        page.click(".feedbot-send")
        page.locator(ERROR, has_text="Choose at least one answer first.").wait_for()
        assert group.get_attribute("aria-invalid") == "true"
        assert group.evaluate(DESCRIPTION) == [
            "Choose at least one answer first.",
            "Choose all that apply.",
        ]
        assert page.locator(".feedbot-send").evaluate(DESCRIPTION) == [
            "Choose at least one answer first."
        ]
        assert axe_violations(page, ".feedbot-chat") == []
        page.click(".feedbot-choice >> nth=1")
        assert group.get_attribute("aria-invalid") is None
        assert group.evaluate(DESCRIPTION) == ["Choose all that apply."]
        assert page.locator(".feedbot-send").evaluate(DESCRIPTION) == []
        page.click(".feedbot-skip")
        page.wait_for_selector("#feedbot-text")
        box = page.locator("#feedbot-text")
        page.click(".feedbot-send")
        page.locator(ERROR, has_text="Type your answer first.").wait_for()
        assert box.get_attribute("aria-invalid") == "true"
        assert box.evaluate(DESCRIPTION) == ["Type your answer first.", "Characters left: 2000"]
        assert axe_violations(page, ".feedbot-chat") == []
        box.type("F")
        assert box.get_attribute("aria-invalid") is None
        assert box.evaluate(DESCRIPTION) == ["Characters left: 1999"]


def test_a_choose_all_question_says_more_than_one_may_be_chosen(site):
    """Its toggle buttons did not say that several could be pressed; SMS says "Reply with all
    numbers that apply". They are a group named by the question, described and preceded by
    a visible "Choose all that apply." in the visitor's language."""
    page_url, app = site
    spanish = config(app, "es")["strings"]
    with chromium(locale="es-ES", extra_http_headers={"Accept-Language": "es"}) as page:
        open_panel(page, page_url)
        agree_strongly(page)
        group = page.get_by_role("group", name="¿Qué hizo la diferencia en esta interacción?")
        expect(group).to_have_accessible_description(spanish["choose_all"])
        assert group.locator(".feedbot-hint").is_visible()
        assert group.locator(".feedbot-hint").inner_text() == spanish["choose_all"]
        assert group.locator(".feedbot-choice").count() == 7
        assert axe_violations(page, ".feedbot-chat") == []


def test_escape_on_the_launcher_closes_the_panel_it_opened(site):
    """Escape closed the panel from inside it, but did nothing on its launcher."""
    page_url, _ = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.keyboard.press("Shift+Tab")  # the conversation
        page.focus(".feedbot-launcher")
        page.keyboard.press("Escape")
        assert page.is_hidden(".feedbot-panel")
        assert page.get_attribute(".feedbot-launcher", "aria-expanded") == "false"
        assert page.evaluate("document.activeElement.className") == "feedbot-launcher"


MOVED_ON = "This survey moved on in another window, so this answer was not saved."


def test_a_duplicated_tab_behind_the_survey_shows_where_it_stands(site):
    """A duplicated tab shares the session. Its press on the question it still showed was
    shown as said, read as an answer to the question the other tab had moved on to, refused
    with "Sorry, please choose…" about that question, and counted as a strike on it."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        open_panel(page, page_url)
        with page.context.expect_page() as opened:
            page.evaluate("window.open(location.href)")
        ahead = opened.value
        ahead.click(".feedbot-launcher")
        rate(page, "Strongly agree", on=ahead)
        ahead.wait_for_selector(DRIVERS)
        announced(page)
        rate(page, "Strongly disagree")
        page.locator(".feedbot-message--bot", has_text=MOVED_ON).wait_for()
        page.wait_for_selector(DRIVERS)
        assert said_by_the_visitor(page) == ["You: Strongly agree"]
        assert "Sorry" not in page.inner_text(".feedbot-log")
        assert announced(page)[-2:] == [
            MOVED_ON,
            "What about this interaction made the difference?",
        ]
        assert focused_text(page) == "I got what I needed"
        assert page.is_disabled("#feedbot-language")
        with runtime_of(app).db.transaction() as db:
            assert db.scalars(select(Conversation.strikes)).one() == 0
        # One step later, at the comment: the drivers it ticked are not silently dropped.
        ahead.click(".feedbot-skip")
        ahead.wait_for_selector("#feedbot-text")
        page.click(".feedbot-choice >> nth=0")
        page.click(".feedbot-send")
        page.wait_for_selector("#feedbot-text")
        assert page.locator(".feedbot-message--bot", has_text=MOVED_ON).count() == 1
        assert said_by_the_visitor(page) == ["You: Strongly agree", "You: Skip"]
        page.keyboard.type("Fine")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Thank you for your feedback")
    assert stored(app) == [
        ("complete", "en", {"trust": 5, "made_the_difference": None, "anything_else": "Fine"})
    ]


FIRST_KEPT = "Your first answer was saved after all, so it was kept."


@pytest.mark.parametrize("reached", [True, False], ids=["reply lost", "never sent"])
def test_another_choice_after_a_failed_send_shows_what_was_saved(site, reached):
    """The first choice reached the server and was stored, its reply lost; the visitor, told
    it was not sent, tapped another, sent with the same answer id: the server applied
    nothing, but the widget showed the second choice as said. Now it shows the
    saved answer and says so. An answer that never reached the server leaves the second
    choice free to be the answer."""
    page_url, app = site

    def dropped(route):
        if reached:
            route.fetch()  # the server stores the answer; its reply never arrives
        route.abort("internetdisconnected")

    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        open_panel(page, page_url)
        page.route("**/api/chat/messages", dropped, times=1)
        rate(page, "Strongly agree")
        page.locator(ERROR, has_text=NOT_SENT).wait_for()
        announced(page)
        rate(page, "Strongly disagree")
        # The drivers' question, either way (the rating's own Send matched at once, before
        # the answer had gone: under load the language picker was not yet disabled).
        page.wait_for_selector(DRIVERS)
        if reached:
            # "Not sent" was not so: the log is the saved survey's, with what was kept.
            assert NOT_SENT not in page.inner_text(".feedbot-log")
            assert said_by_the_visitor(page) == ["You: Strongly agree"]
            assert announced(page)[-2:] == [
                FIRST_KEPT,
                "What about this interaction made the difference?",
            ]
            assert focused_text(page) == "I got what I needed"
        else:
            assert said_by_the_visitor(page) == ["You: Strongly disagree"]
            assert FIRST_KEPT not in page.inner_text(".feedbot-log")
        assert page.is_disabled("#feedbot-language")
    assert stored(app) == [("active", "en", {"trust": 5 if reached else 1})]


FIRST_UNUSED = (
    "Your first answer reached us after all but could not be used, so neither answer was saved."
)


def test_another_comment_after_a_failed_send_of_one_not_read_says_neither_was_saved(site):
    """The first comment reached the server, which could not read it (nothing in it it could
    store: asked again), its reply lost; the visitor, told it was not sent, wrote another,
    sent with the same answer id and refused: the widget said "Your first answer was saved
    after all, so it was kept", though nothing was. It says neither was saved, and the new
    comment can then be sent."""
    page_url, app = site

    def dropped(route):
        route.fetch()  # the server reads the comment; its reply never arrives
        route.abort("internetdisconnected")

    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        open_panel(page, page_url)
        to_the_comment(page)
        page.route("**/api/chat/messages", dropped, times=1)
        page.keyboard.insert_text("\ufffe")  # a noncharacter: the server stores no such text
        page.keyboard.press("Enter")
        page.locator(ERROR, has_text=NOT_SENT).wait_for()
        page.fill("#feedbot-text", "Clear and kind")
        announced(page)
        page.keyboard.press("Enter")
        page.locator(".feedbot-message--bot", has_text=FIRST_UNUSED).wait_for()
        assert FIRST_KEPT not in page.inner_text(".feedbot-log")
        assert said_by_the_visitor(page) == ["You: Strongly agree", "You: Skip"]
        assert announced(page)[-2:] == [FIRST_UNUSED, COMMENT_QUESTION]
        assert page.input_value("#feedbot-text") == ""
        assert stored(app) == [("active", "en", {"trust": 5, "made_the_difference": None})]
        page.fill("#feedbot-text", "Clear and kind")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Thank you for your feedback")
    assert stored(app) == [
        (
            "complete",
            "en",
            {"trust": 5, "made_the_difference": None, "anything_else": "Clear and kind"},
        )
    ]


CLOSED_KEPT = (
    "This answer came after the survey had closed, so it was not saved. "
    "Your earlier answers were kept."
)


def test_an_answer_after_the_survey_closed_idle_says_it_was_not_saved(site):
    """The panel left open on the drivers for more than a day, the survey closed while idle;
    the drivers sent then were shown as said, followed by "This survey has closed. Thank you
    for your time.", as if they had counted. Now they are not shown as said, and the visitor
    is told they were not saved and the earlier answers were."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        open_panel(page, page_url)
        agree_strongly(page)
        with runtime_of(app).db.transaction() as db:
            a_day_ago = datetime.now(UTC) - timedelta(hours=25)
            db.execute(update(Conversation).values(last_activity_at=a_day_ago))
        announced(page)
        page.click(".feedbot-choice >> text=I got what I needed")
        page.click(".feedbot-send")
        page.locator(".feedbot-message--bot", has_text=CLOSED_KEPT).wait_for()
        assert said_by_the_visitor(page) == ["You: Strongly agree"]
        assert announced(page)[-2:] == [
            CLOSED_KEPT,
            "This survey has closed. Thank you for your time.",
        ]
        controls = page.locator(".feedbot-answer button, .feedbot-answer textarea")
        assert controls.all_text_contents() == [START_NEW]
    assert stored(app) == [("partial", "en", {"trust": 5})]


def test_a_comment_that_shows_nothing_is_not_sent(site):
    """Two zero-width spaces were sent, shown as an empty "You:" bubble and stored as a
    comment; spaces alone were already refused with "Type your answer first." """
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
        to_the_comment(page)
        before = len(sent)
        page.keyboard.insert_text("\u200b\u200b")
        page.click(".feedbot-send")
        page.locator(ERROR, has_text="Type your answer first.").wait_for()
        assert page.get_attribute("#feedbot-text", "aria-invalid") == "true"
        page.fill("#feedbot-text", "\ufeff \u200e\u2060")
        page.click(".feedbot-send")
        assert len(sent) == before
        assert said_by_the_visitor(page) == ["You: Strongly agree", "You: Skip"]
        page.fill("#feedbot-text", "\u200bFine\u200b")
        page.click(".feedbot-send")
        page.wait_for_selector("text=Thank you for your feedback")
    assert stored(app)[0][2]["anything_else"] == "\u200bFine\u200b"


@pytest.mark.parametrize("language", ["ar", "es"])
def test_after_a_reload_the_launcher_is_in_the_conversation_language(site, language):
    """Until the panel was opened, a reload showed "Give feedback" in the browser's language
    (English here), on the left-to-right side, and jumped to the other side when opened."""
    page_url, app = site
    strings = config(app, language)["strings"]
    direction = "rtl" if language == "ar" else "ltr"
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.select_option("#feedbot-language", language)
        page.wait_for_selector(f".feedbot-chat[lang={language}] .feedbot-choice")
        agree_strongly(page)
        page.reload()
        page.wait_for_selector(".feedbot-launcher")
        assert page.is_hidden(".feedbot-panel")
        assert page.inner_text(".feedbot-launcher") == strings["launcher"]
        assert page.get_attribute(".feedbot-chat", "lang") == language
        assert page.get_attribute(".feedbot-chat", "dir") == direction
        closed = page.locator(".feedbot-launcher").bounding_box()
        page.click(".feedbot-launcher")
        page.wait_for_selector(DRIVERS)
        assert page.locator(".feedbot-launcher").bounding_box() == closed
    assert stored(app) == [("active", language, {"trust": 5})]


@pytest.mark.parametrize(
    ("locale", "language", "separator"), [("zh-CN", "zh_Hans", "、"), ("ar-EG", "ar", "، ")]
)
def test_picked_choices_are_joined_as_the_language_writes_a_list(site, locale, language, separator):
    """The visitor's bubble read "办理很困难, 花费时间太长" and, in Arabic, joined its choices
    with a Latin comma, live and after a reload."""
    page_url, app = site
    with chromium(locale=locale, extra_http_headers={"Accept-Language": locale}) as page:
        open_panel(page, page_url)
        rate(page, 0)
        page.wait_for_selector(DRIVERS)
        choices = page.locator(".feedbot-choice").all_text_contents()[:2]
        page.click(".feedbot-choice >> nth=0")
        page.click(".feedbot-choice >> nth=1")
        page.click(".feedbot-send")
        page.wait_for_selector("#feedbot-text")
        you = config(app, language)["strings"]["you"]
        said = f"{you}: {choices[0]}{separator}{choices[1]}"
        assert said_by_the_visitor(page)[-1] == said
        page.reload()
        page.click(".feedbot-launcher")
        page.wait_for_selector("#feedbot-text")
        assert said_by_the_visitor(page)[-1] == said


def test_the_language_picker_says_why_it_is_disabled(site):
    """After the first answer the picker was disabled, still announced as "Language", with
    nothing to tell a visitor who wanted another language that they could not change it."""
    page_url, app = site
    fixed = "The language can be changed only before the first answer."
    spanish = config(app, "es")["strings"]["language_fixed"]
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        assert page.is_hidden("#feedbot-language-hint")
        assert page.get_attribute("#feedbot-language", "aria-describedby") is None
        page.select_option("#feedbot-language", "es")
        page.wait_for_selector(".feedbot-chat[lang=es] .feedbot-choice")
        agree_strongly(page)
        assert page.is_disabled("#feedbot-language")
        assert page.inner_text("#feedbot-language-hint") == spanish
        assert page.is_visible("#feedbot-language-hint")
        assert spanish.startswith("El idioma solo se puede cambiar")
        assert (
            page.get_attribute("#feedbot-language", "aria-describedby") == "feedbot-language-hint"
        )
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-language-fixed.png")
        page.reload()
        page.click(".feedbot-launcher")
        page.wait_for_selector(DRIVERS)
        assert page.is_visible("#feedbot-language-hint")
        assert page.inner_text("#feedbot-language-hint") == spanish
    assert config(app, "en")["strings"]["language_fixed"] == fixed


@pytest.mark.parametrize(
    ("locale", "question"),
    [("en-US", "What else made the difference?"), ("es-ES", "¿Qué más hizo la diferencia?")],
)
def test_the_comment_box_is_named_by_its_question(site, locale, question):
    """The box was named "Your answer" and described by its character count only: a screen
    reader that drops the question's polite announcement as focus moves to the box (VoiceOver
    often does) said "Your answer, edit text", with no question."""
    page_url, app = site
    strings = config(app, locale[:2])["strings"]
    label = strings["answer_label"]
    with chromium(locale=locale, extra_http_headers={"Accept-Language": locale}) as page:
        open_panel(page, page_url)
        agree_strongly(page)
        page.click(".feedbot-choice >> nth=-1")  # "Something else"
        page.click(".feedbot-send")
        page.wait_for_selector("#feedbot-text")
        box = page.locator("#feedbot-text")
        assert page.inner_text(QUESTION) == question
        expect(box).to_have_accessible_name(f"{label} {question}")
        expect(box).to_have_accessible_description(
            strings["characters_left"].replace("{count}", "2000")
        )
        page.click(".feedbot-skip")
        page.locator(QUESTION, has_text=question).wait_for(state="detached")
        comment = page.inner_text(QUESTION)
        assert comment != question
        expect(box).to_have_accessible_name(f"{label} {comment}")
        assert axe_violations(page, ".feedbot-chat") == []


CHOOSE_FIRST = "Choose at least one answer first."
TYPE_FIRST = "Type your answer first."
# An element's box, and how it is marked: the colour, weight, bar and icon of an error.
LOOK = """node => {
  const style = getComputedStyle(node);
  const box = node.getBoundingClientRect();
  return {top: box.top, bottom: box.bottom, color: style.color, weight: style.fontWeight,
          bar: parseFloat(style.borderInlineStartWidth), border: parseFloat(style.borderTopWidth),
          icon: getComputedStyle(node, "::before").content};
}"""


def test_an_error_shows_beside_its_controls_as_one_and_goes_once_answered(site):
    """ "Choose at least one answer first.", "Type your answer first." and "Your answer was not
    sent…" were grey bubbles in the conversation, like its questions, above and away from the
    controls; aria-invalid showed nothing; and they stayed in the transcript after the answer
    was given. They show beside the controls, marked as errors by an icon, a bar and bold
    text (not by colour alone), as is the control to change; each is said once, and it goes
    once the visitor acts or the answer is sent."""
    page_url, _ = site
    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        open_panel(page, page_url)
        agree_strongly(page)
        announced(page)
        error = page.locator(ERROR)
        page.click(".feedbot-send")
        page.click(".feedbot-send")
        expect(error).to_have_text(CHOOSE_FIRST)
        assert announced(page) == [CHOOSE_FIRST]
        looks = error.evaluate(LOOK)
        bubble = page.locator(".feedbot-message--bot").last.evaluate(LOOK)
        assert looks["icon"] != "none" and looks["bar"] >= 3 and looks["weight"] == "700"
        assert bubble["icon"] == "none" and looks["color"] != bubble["color"]
        choices = page.locator(".feedbot-choice").last.evaluate(LOOK)
        submit = page.locator(".feedbot-send").evaluate(LOOK)
        assert choices["bottom"] <= looks["top"] and looks["bottom"] <= submit["top"]
        assert page.locator(".feedbot-answer fieldset").evaluate(LOOK)["bar"] >= 3
        assert CHOOSE_FIRST not in page.inner_text(".feedbot-log")
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-error-choices.png")
        page.click(".feedbot-choice >> nth=-1")  # "Something else"
        expect(error).to_have_text("")
        page.click(".feedbot-send")
        page.wait_for_selector("#feedbot-text")
        box = page.locator("#feedbot-text")
        plain = box.evaluate(LOOK)["border"]
        announced(page)
        page.click(".feedbot-send")
        expect(error).to_have_text(TYPE_FIRST)
        assert announced(page) == [TYPE_FIRST]
        looks = error.evaluate(LOOK)
        assert box.evaluate(LOOK)["bottom"] <= looks["top"]
        assert looks["bottom"] <= page.locator("#feedbot-count").evaluate(LOOK)["top"]
        assert box.get_attribute("aria-invalid") == "true"
        assert box.evaluate(LOOK)["border"] > plain
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, "webchat-error-text.png")
        page.route(
            "**/api/chat/messages", lambda route: route.abort("internetdisconnected"), times=1
        )
        box.type("Fine")
        expect(error).to_have_text("")
        page.keyboard.press("Enter")
        expect(error).to_have_text(NOT_SENT)
        assert box.evaluate(DESCRIPTION)[0] == NOT_SENT
        assert box.get_attribute("aria-invalid") is None
        assert announced(page).count(NOT_SENT) == 1
        page.keyboard.press("Enter")
        page.wait_for_selector("[role=log] >> text=" + COMMENT_QUESTION)
        expect(error).to_have_text("")
        log = page.inner_text(".feedbot-log")
        assert CHOOSE_FIRST not in log and TYPE_FIRST not in log and NOT_SENT not in log


def test_an_answer_on_its_way_shows_it_and_takes_no_other_press(site):
    """On a slow network the controls stayed as they were while an answer was on its way: a
    second rating pressed did nothing without a word, and a driver pressed after "Submit
    choices" showed as chosen but was not sent. The answer area is busy, its
    controls disabled (focus stays) and dimmed, the answer's bubble shown as on its way, and
    "Sending…" shown and said."""
    page_url, app = site
    held = []
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        page.route("**/api/chat/messages", lambda route: held.append(route))
        answer = page.locator(".feedbot-answer")
        page.get_by_role("radio", name="Agree", exact=True).check()
        page.keyboard.press("Enter")
        expect(answer).to_have_attribute("aria-busy", "true")
        expect(page.locator(".feedbot-answer .feedbot-sending")).to_have_text("Sending…")
        controls = ".feedbot-answer :is(button, input):not([aria-disabled=true])"
        assert page.locator(controls).count() == 0
        assert focused_text(page) == "Agree"
        pending = page.locator(".feedbot-message--visitor").last
        assert pending.evaluate("node => getComputedStyle(node).borderTopStyle") == "dashed"
        assert axe_violations(page, ".feedbot-chat") == []
        # Pressed anyway (Playwright waits for an enabled control unless forced).
        page.click('.feedbot-choice >> text="Strongly agree"', force=True)
        assert not page.get_by_role("radio", name="Strongly agree").is_checked()
        assert said_by_the_visitor(page) == ["You: Agree"]
        held.pop().continue_()
        page.wait_for_selector(DRIVERS)
        assert answer.get_attribute("aria-busy") is None
        assert "Sending…" not in page.inner_text(".feedbot-panel")
        assert pending.evaluate("node => getComputedStyle(node).borderTopStyle") != "dashed"
        page.click(".feedbot-choice >> text=I got what I needed")
        page.click(".feedbot-send")
        expect(answer).to_have_attribute("aria-busy", "true")
        page.click(".feedbot-choice >> text=It was easy to do", force=True)
        assert not page.get_by_role("checkbox", name="It was easy to do").is_checked()
        held.pop().continue_()
        page.wait_for_selector("#feedbot-text")
        box = page.locator("#feedbot-text")
        box.type("Fine")
        page.keyboard.press("Enter")
        expect(answer).to_have_attribute("aria-busy", "true")
        assert page.evaluate("document.activeElement.id") == "feedbot-text"
        assert box.evaluate("node => node.readOnly") is True
        page.keyboard.type(" and more")
        assert box.input_value() == "Fine"
        held.pop().continue_()
        page.wait_for_selector("text=Thank you for your feedback")
        assert held == []
        assert said_by_the_visitor(page) == ["You: Agree", "You: I got what I needed", "You: Fine"]
    assert stored(app) == [
        (
            "complete",
            "en",
            {"trust": 4, "made_the_difference": ["effectiveness"], "anything_else": "Fine"},
        )
    ]


THANKS = "Thank you for your feedback. It helps Federal Student Aid serve you better."
SENDING = "Sending…"


def test_an_answer_sent_is_not_read_back(site):
    """Each answer was put in the live log as it was sent: a 2,000-character comment was read
    out whole (2,001 characters), and again at each retry after a failure. "Sending…" is
    said instead, then what follows (the next question, or why it was not sent); the log
    still shows the answer."""
    page_url, app = site
    comment = ("My long answer ✨ that I do not want to lose. " * 50)[:2000]
    with chromium(locale="en-US") as page:
        page.add_init_script(WATCH_ANNOUNCEMENTS)
        open_panel(page, page_url)
        announced(page)
        agree_strongly(page)
        assert announced(page) == [SENDING, "What about this interaction made the difference?"]
        page.click(".feedbot-skip")
        page.locator(QUESTION, has_text=COMMENT_QUESTION).wait_for()
        assert announced(page) == [SENDING, COMMENT_QUESTION]
        page.route(
            "**/api/chat/messages", lambda route: route.abort("internetdisconnected"), times=2
        )
        page.focus("#feedbot-text")
        page.keyboard.insert_text(comment)
        announced(page)  # that it is as long as may be
        for _ in range(2):
            page.keyboard.press("Enter")
            page.locator(ERROR, has_text=NOT_SENT).wait_for()
            assert announced(page) == [SENDING, NOT_SENT]
        page.keyboard.press("Enter")
        page.wait_for_selector("text=" + THANKS)
        assert announced(page) == [SENDING, THANKS]
        assert said_by_the_visitor(page)[-1] == "You: " + comment
    assert stored(app)[0][2]["anything_else"] == comment


@pytest.mark.parametrize(
    ("width", "height", "locale"),
    [(1280, 720, "en-US"), (1280, 720, "ar-EG"), (320, 568, "en-US"), (320, 256, "en-US")],
)
def test_the_language_picker_is_a_target_of_24_px_beside_its_label(site, width, height, locale):
    """The picker was 21 px tall (under WCAG 2.5.8's 24 px) at every size, and on a desktop
    its "Language" label ended the header's first row while the picker began the second."""
    page_url, _ = site
    with chromium(
        locale=locale,
        viewport={"width": width, "height": height},
        extra_http_headers={"Accept-Language": locale},
    ) as page:
        open_panel(page, page_url)
        picker = page.locator("#feedbot-language").bounding_box()
        label = page.locator("label[for=feedbot-language]").bounding_box()
        assert picker["height"] >= 24 and picker["width"] >= 24
        assert (
            label["y"] < picker["y"] + picker["height"]
            and picker["y"] < label["y"] + label["height"]
        )
        if locale == "ar-EG":
            assert label["x"] > picker["x"]
        else:
            assert label["x"] < picker["x"]
        assert axe_violations(page, ".feedbot-chat") == []


def test_only_the_launchers_panel_is_a_dialog(site):
    """The standalone page's panel, always open under the page's heading, was a dialog
    (aria-modal="false") inside <main>: a screen reader said a dialog had been entered that
    nothing had opened and nothing closes. The launcher's panel is still one."""
    page_url, app = site
    with serve(app) as app_url, chromium(locale="en-US") as page:
        page.goto(app_url + "/chat/webchat")
        page.wait_for_selector(".feedbot-choice")
        assert page.get_by_role("dialog").count() == 0
        assert page.get_attribute("#feedbot-panel", "aria-labelledby") is None
        assert axe_violations(page, "body") == []
        open_panel(page, page_url)
        dialog = page.get_by_role("dialog", name="Federal Student Aid feedback")
        assert dialog.get_attribute("aria-modal") == "false"
        assert dialog.locator(".feedbot-choice").count() == 5


# The borders of an element, top, inline end and inline start; and its focus ring.
EDGES = """node => {
  const style = getComputedStyle(node);
  return {top: parseFloat(style.borderTopWidth), end: parseFloat(style.borderInlineEndWidth),
          start: parseFloat(style.borderInlineStartWidth),
          ring: parseFloat(style.outlineWidth), offset: parseFloat(style.outlineOffset)};
}"""


def test_forced_colours_tell_messages_from_buttons_and_show_a_strong_focus_ring(site):
    """In forced colours each message's transparent border was drawn all round, so "Strongly
    agree" said by the visitor looked like a choice button; and the focus ring lost its dark
    outer ring (a shadow), leaving a 3 px outline against the button's own border. Messages
    have a bar on their speaker's side instead, and the ring is a 4 px outline apart from
    the border."""
    page_url, _ = site
    with chromium(locale="en-US", forced_colors="active") as page:
        page.clock.install()
        open_panel(page, page_url)
        agree_strongly(page)
        choice = page.locator(".feedbot-choice").first.evaluate(EDGES)
        said = page.locator(".feedbot-message--visitor").last.evaluate(EDGES)
        asked = page.locator(".feedbot-message--bot").last.evaluate(EDGES)
        assert choice["top"] >= 2
        assert said["top"] == 0 and said["end"] >= 3 and said["start"] == 0
        assert asked["top"] == 0 and asked["start"] >= 3 and asked["end"] == 0
        read_the_question(page)
        page.keyboard.press("Tab")
        assert focused_text(page) == "It was easy to do"
        ring = page.locator(":focus").evaluate(EDGES)
        assert ring["ring"] >= 4 and ring["offset"] > 0
        screenshot(page, "webchat-forced-colours-focus.png")


def test_the_conversation_is_not_named_as_the_dialog_is(site):
    """The conversation (a focusable group, so that a keyboard can scroll it) was named by the
    survey's title, as its dialog is: a screen reader entering it said "Federal Student Aid
    feedback" twice. It is named "Conversation", in the survey's language."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        expect(page.get_by_role("dialog")).to_have_accessible_name("Federal Student Aid feedback")
        expect(page.locator(".feedbot-log")).to_have_accessible_name("Conversation")
        page.select_option("#feedbot-language", "es")
        page.wait_for_selector(".feedbot-chat[lang=es] .feedbot-choice")
        expect(page.locator(".feedbot-log")).to_have_accessible_name(
            config(app, "es")["strings"]["conversation"]
        )
        assert axe_violations(page, ".feedbot-chat") == []


def test_an_error_moves_focus_to_what_the_visitor_must_change(site):
    """After "Choose at least one answer first." or "Type your answer first." focus stayed on
    the button just pressed, away from the control marked invalid: a keyboard had to go back
    to it, and a screen reader heard the error but not where to act. Focus moves to the
    control to change (the first choice of an invalid group); an answer that was not sent
    (nothing to change) leaves focus where it is."""
    page_url, _ = site
    with chromium(locale="en-US") as page:
        page.clock.install()
        open_panel(page, page_url)
        agree_strongly(page)
        read_the_question(page)
        page.focus(".feedbot-send")
        page.keyboard.press("Enter")
        page.locator(ERROR, has_text=CHOOSE_FIRST).wait_for()
        group = page.locator(".feedbot-answer [aria-invalid=true]")
        assert group.evaluate("(node) => node.contains(document.activeElement)")
        assert focused_text(page) == "I got what I needed"
        # The second press of a double Enter, on the choice focus moved to, chooses nothing.
        page.keyboard.press("Enter")
        assert group.count() == 1
        read_the_question(page)
        page.keyboard.press("Space")
        page.click(".feedbot-send")
        page.wait_for_selector("#feedbot-text")
        page.click(".feedbot-send")
        page.locator(ERROR, has_text=TYPE_FIRST).wait_for()
        assert page.evaluate("document.activeElement.id") == "feedbot-text"
        assert page.get_attribute("#feedbot-text", "aria-invalid") == "true"
        assert axe_violations(page, ".feedbot-chat") == []
        page.keyboard.type("Fine")
        page.route(
            "**/api/chat/messages", lambda route: route.abort("internetdisconnected"), times=1
        )
        page.focus(".feedbot-send")
        page.keyboard.press("Enter")
        page.locator(ERROR, has_text=NOT_SENT).wait_for()
        assert focused_text(page) == "Send"


START_NEW = "Start a new survey"


@pytest.mark.parametrize("ending", ["finished", "closed idle"])
def test_a_closed_survey_offers_a_new_one(site, ending):
    """Once the survey had finished or closed idle, the widget offered nothing more: a new
    survey (which the server starts on a new session, as a new tab did) took closing the tab.
    "Start a new survey" follows the closing message; focus stays off it (a double press of
    the last answer's button must not start one), and pressing it starts the survey afresh,
    its language open to change again, the finished response kept as it was."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        open_panel(page, page_url)
        if ending == "finished":
            to_the_comment(page)
            page.keyboard.type("Fine")
            page.keyboard.press("Enter")
            page.wait_for_selector("text=Thank you for your feedback")
        else:
            agree_strongly(page)
            with runtime_of(app).db.transaction() as db:
                a_day_ago = datetime.now(UTC) - timedelta(hours=25)
                db.execute(update(Conversation).values(last_activity_at=a_day_ago))
            page.click(".feedbot-choice >> text=I got what I needed")
            page.click(".feedbot-send")
            page.locator(".feedbot-message--bot", has_text=CLOSED_KEPT).wait_for()
        start_new = page.get_by_role("button", name=START_NEW)
        expect(start_new).to_be_visible()
        assert page.evaluate("document.activeElement.id") == "feedbot-title"
        assert page.locator(".feedbot-answer button, .feedbot-answer textarea").count() == 1
        assert axe_violations(page, ".feedbot-chat") == []
        screenshot(page, f"webchat-start-new-{ending.replace(' ', '-')}.png")
        start_new.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector(".feedbot-choice")
        assert focused_text(page) == "Strongly disagree"
        assert said_by_the_visitor(page) == []
        assert page.is_enabled("#feedbot-language")
        assert page.locator(".feedbot-answer", has_text=START_NEW).count() == 0
        # A reload resumes the new survey, not the closed one.
        page.reload()
        page.click(".feedbot-launcher")
        page.wait_for_selector(".feedbot-choice")
        assert "Thank you" not in page.inner_text(".feedbot-log")
    first = (
        ("complete", "en", {"trust": 5, "made_the_difference": None, "anything_else": "Fine"})
        if ending == "finished"
        else ("partial", "en", {"trust": 5})
    )
    assert stored(app) == [first, ("active", "en", {})]


def test_a_rating_is_one_choice_in_a_group_and_the_drivers_are_checkboxes(site):
    """The five-point rating was a row of buttons that each sent at once: a screen reader
    heard five unrelated buttons, with no group, no "2 of 5" and nothing checked, and arrow
    keys did nothing. The drivers were toggle buttons. A rating is now a group of radio
    buttons named by its question (one Tab stop, arrow keys choose, the browser says each
    one's place in the five) and sent with "Send" or Enter; the drivers are checkboxes in a
    group named by theirs."""
    page_url, app = site
    with chromium(locale="en-US") as page:
        page.clock.install()
        open_panel(page, page_url)
        rating = page.get_by_role("group", name=FIRST_QUESTION)
        radios = rating.get_by_role("radio")
        expect(radios).to_have_count(5)
        # One set: the browser counts a radio's place among those of its name.
        assert set(radios.evaluate_all("nodes => nodes.map(n => n.name)")) == {"feedbot-choice"}
        assert focused_text(page) == "Strongly disagree"
        assert page.locator(CHOSEN).count() == 0
        for _ in range(4):
            page.keyboard.press("ArrowDown")
        expect(rating.get_by_role("radio", name="Strongly agree")).to_be_checked()
        page.keyboard.press("ArrowUp")
        expect(rating.get_by_role("radio", name="Agree", exact=True)).to_be_checked()
        assert page.locator(CHOSEN).count() == 1
        # Choosing sent nothing.
        assert said_by_the_visitor(page) == []
        assert axe_violations(page, ".feedbot-chat") == []
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        assert focused_text(page) == "Send"
        page.keyboard.press("Shift+Tab")  # back to the group: to its checked radio
        assert focused_text(page) == "Strongly agree"
        page.keyboard.press("Enter")
        drivers = page.get_by_role("group", name="What about this interaction made the difference?")
        expect(drivers.get_by_role("checkbox")).to_have_count(7)
        expect(drivers).to_have_accessible_description("Choose all that apply.")
        assert focused_text(page) == "I got what I needed"
        read_the_question(page)
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        expect(drivers.get_by_role("checkbox", name="It was easy to do")).to_be_checked()
        assert page.locator(CHOSEN).count() == 2
        assert axe_violations(page, ".feedbot-chat") == []
        page.keyboard.press("Enter")
        page.wait_for_selector("#feedbot-text")
        assert said_by_the_visitor(page) == [
            "You: Strongly agree",
            "You: I got what I needed, It was easy to do",
        ]
    assert stored(app) == [
        ("active", "en", {"trust": 5, "made_the_difference": ["effectiveness", "ease"]})
    ]
