/* feedbot chat widget: one <script> tag puts the A-11 survey on an agency page.
 *   <script src="https://feedbot.example.gov/static/feedbot-chat.js" data-service="ID" defer></script>
 * (or under the path feedbot is served at: https://agency.gov/feedbot/static/feedbot-chat.js)
 * No dependencies. Text is always set with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  // feedbot's root, which its API and stylesheet are under: all before /static/ in the
  // script's URL. A proxy may serve feedbot under a path (https://agency.gov/feedbot/static/
  // feedbot-chat.js: https://agency.gov/feedbot), which the script's origin alone lost.
  var source = new URL(script.src, document.baseURI);
  var root = /^(.*)\/static\/[^\/]*$/.exec(source.pathname);
  var base = source.origin + (root ? root[1] : "");
  var serviceId = script.getAttribute("data-service");
  var inline = script.getAttribute("data-mode") === "inline";
  // The standalone survey page: the page is the survey's, so it takes the survey's language.
  var ownsPage = script.hasAttribute("data-owns-page");
  var storageKey = "feedbot-chat:" + serviceId;
  var timeoutMs = 20000;
  // starting: the start (or resume) under way. answerId: the current question's answer id,
  // sent again with a retry of the same answer; asking: the id of the question shown, which
  // an answer says it is to. wanted: a language picked while a turn was under way, switched
  // to when it ends. lost: a session with answers was given up, said when the new one
  // starts. restarted: a session started again and not yet answered. told: this session
  // began by saying so (kept in the log when it is shown again). unresumed: a saved session
  // not resumed yet, which may have answers: no language change until it is.
  // moved: the control the widget last moved focus to; settleUntil: the time until which a
  // question just drawn does not take a press that may be the end of the last answer's (see
  // settleMs). noted: the controls a word about the answer (an error, the length limit) is
  // tied to; answering: the controls of the answer shown, which a failure to send it is tied
  // to.
  var state = {
    config: null, session: null, starting: null, answered: false, busy: false, answerId: null,
    asking: null, wanted: null, lost: false, restarted: false, told: false, unresumed: false,
    moved: null, settleUntil: 0, noted: null, answering: null
  };
  var ui = {};
  // The second press of a double Enter (Chromium presses a button at Enter's keydown) or of
  // a double click arrives a moment after the first one answered: by then the reply may have
  // come, the next question been drawn and focus moved to its first control, and the press
  // answered a question the visitor had not seen (Enter twice on "Strongly agree" chose the
  // first driver; twice on "Submit choices", the empty comment box was refused). For
  // settleMs after the widget draws a question or moves focus to it, a press from the
  // keyboard (a click with event.detail 0) on the control focus was moved to, Enter in the
  // comment box it was moved to, or a double click's further clicks (detail 2 and more)
  // anywhere do nothing. A single click is aimed at what is under the pointer and always
  // counts, and so does a key once the visitor has moved focus themselves or typed: nobody
  // reads a question and answers it sooner. A key held down never presses again (repeat).
  var settleMs = 500;
  // The widget's limit counts what the server counts: characters as Python does, one per
  // code point (see characters()); a cut falls between two graphemes, where the browser can
  // say where they are.
  var graphemes = window.Intl && window.Intl.Segmenter
    ? new window.Intl.Segmenter(undefined, { granularity: "grapheme" })
    : null;
  var noteId = "feedbot-note";
  var questionId = "feedbot-question";
  var errorId = "feedbot-error";
  var sendingId = "feedbot-sending";
  // An answer that shows nothing: spaces, controls, or characters invisible on their own
  // (zero-width spaces, byte-order marks, direction marks), which the server takes for no
  // answer too. Browsers without Unicode property escapes know the usual ones.
  var blank = (function () {
    try {
      return new RegExp("^[\\s\\p{Cc}\\p{Cf}\\p{Default_Ignorable_Code_Point}]*$", "u");
    } catch (error) {
      return /^[\s\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]*$/;
    }
  }());

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function api(method, path, body, session) {
    var headers = body ? { "Content-Type": "application/json" } : {};
    // The session token goes in a header, never in the URL (access logs keep URLs).
    if (session) { headers.Authorization = "Bearer " + session; }
    // A request the network swallows fails after a while, so the visitor can send again
    // (browsers without AbortController just stop waiting for it).
    var controller = window.AbortController ? new AbortController() : null;
    var timer;
    var gaveUp = new Promise(function (resolve, reject) {
      timer = window.setTimeout(function () {
        if (controller) { controller.abort(); }
        reject(new Error("no answer"));
      }, timeoutMs);
    });
    var request = fetch(base + path, {
      method: method,
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
      signal: controller ? controller.signal : undefined
    });
    return Promise.race([request, gaveUp]).then(function (response) {
      // A refusal that is not JSON (a proxy's error page) still has its status.
      var body = response.ok
        ? response.json()
        : response.json().then(null, function () { return {}; });
      return body.then(function (data) {
        if (!response.ok) {
          var refused = new Error(data.error || response.statusText);
          refused.status = response.status;
          refused.data = data;
          throw refused;
        }
        return data;
      });
    }).then(function (data) {
      window.clearTimeout(timer);
      return data;
    }, function (error) {
      window.clearTimeout(timer);
      throw error;
    });
  }

  function loadConfig(language) {
    var query = language ? "?language=" + encodeURIComponent(language) : "";
    return api("GET", "/api/chat/config/" + encodeURIComponent(serviceId) + query);
  }

  // The widget's first settings: the standalone page gives them with its HTML; an agency's
  // page asks, and asks again after a network failure, a 429 or a 5xx (a blip, a restart),
  // else one failed request would leave the page without its survey until a reload. An
  // unknown service or an origin not listed is not asked again.
  var configDelays = [500, 2000, 8000, 30000];

  function firstConfig(language, attempt) {
    var given = embeddedConfig();
    if (given) { return Promise.resolve(given); }
    return loadConfig(language).then(null, function (error) {
      var lasting = error.status && error.status !== 429 && error.status < 500;
      if (lasting || attempt >= configDelays.length) { throw error; }
      return new Promise(function (resolve) {
        window.setTimeout(resolve, configDelays[attempt]);
      }).then(function () { return firstConfig(language, attempt + 1); });
    });
  }

  function embeddedConfig() {
    var id = script.getAttribute("data-config");
    var node = id ? document.getElementById(id) : null;
    if (!node) { return null; }
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  // The widget's stylesheet, added once the settings say there is a survey; settled when it
  // has loaded, or failed to, or after timeoutMs (the widget is then drawn unstyled rather
  // than not at all). The widget was drawn as it was added, so until it loaded the launcher
  // was a bare button at the foot of the agency's page, and a panel opened then was laid out
  // and scrolled without it. A page that has it (the standalone page, in its head) has loaded
  // it already.
  function stylesheet() {
    var href = base + "/static/feedbot-chat.css";
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    // By its resolved URL: the standalone page's link is a path.
    if (Array.prototype.some.call(links, function (link) { return link.href === href; })) {
      return Promise.resolve();
    }
    var link = el("link", { rel: "stylesheet", href: href });
    var settled = new Promise(function (resolve) {
      link.addEventListener("load", resolve);
      link.addEventListener("error", resolve);
      window.setTimeout(resolve, timeoutMs);
    });
    document.head.appendChild(link);
    return settled;
  }

  function build(config) {
    state.config = config;
    // The root carries the language, so the launcher is read in it too and sits on the
    // panel's side in a right-to-left language.
    var root = ui.root = el("div", { "class": "feedbot-chat" });
    root.style.setProperty("--feedbot-accent", config.accent_color);
    // Escape closes the panel from the launcher too, not only from inside the panel.
    root.addEventListener("keydown", function (event) {
      // Escape that cancels an input method's composition is not meant for the panel.
      if (event.isComposing || event.keyCode === 229) { return; }
      if (event.key === "Escape" && !inline && !ui.panel.hidden) { toggle(false); }
    });
    if (!inline) {
      ui.launcher = el("button", {
        type: "button", "class": "feedbot-launcher",
        "aria-expanded": "false", "aria-controls": "feedbot-panel"
      }, config.strings.launcher);
      ui.launcher.addEventListener("click", function () { toggle(ui.panel.hidden); });
      root.appendChild(ui.launcher);
    }
    // The standalone page names the survey in its own heading and OMB line: the panel uses
    // them rather than saying both a second time.
    var pageHeading = ownsPage && document.getElementById("feedbot-page-title");
    var pageOmb = ownsPage && document.getElementById("feedbot-omb");
    var titleId = pageHeading ? pageHeading.id : "feedbot-title";
    ui.panel = el("div", {
      id: "feedbot-panel", "class": "feedbot-panel" + (inline ? " feedbot-panel--inline" : "")
    });
    // The launcher's panel opens over the page as a (non-modal) dialog; the standalone page's
    // is always open, a part of the page under its heading, which a dialog is not.
    if (!inline) {
      ui.panel.setAttribute("role", "dialog");
      ui.panel.setAttribute("aria-modal", "false");
      ui.panel.setAttribute("aria-labelledby", titleId);
      ui.panel.hidden = true;
    }
    var header = el("div", { "class": "feedbot-panel__header" });
    if (pageHeading) {
      ui.title = pageHeading;
      ui.title.setAttribute("tabindex", "-1");
    } else {
      ui.title = el("h2", { id: "feedbot-title", "class": "feedbot-panel__title", tabindex: "-1" });
      header.appendChild(ui.title);
    }
    ui.languageLabel = el("label", { "for": "feedbot-language" });
    ui.language = el("select", { id: "feedbot-language" });
    // A closed picker changes at each arrow key (or letter): the survey switched, said its
    // question again and, passing Arabic, jumped sides at each language passed on the way
    // (WCAG 3.2.2). The keyboard now only moves through the picker; Enter, or leaving it,
    // switches to the language shown, and Escape keeps the survey's. A choice from the opened
    // list (a click, a phone's picker) comes with no key of the picker's and is switched to.
    var keyed = false;
    ui.language.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        // Switched to, rather than opening the list (as Enter does on Windows and Linux).
        if (choose()) { event.preventDefault(); }
      } else if (event.key === "Escape") {
        ui.language.value = state.wanted || state.config.language;
      } else {
        keyed = true;
      }
    });
    ui.language.addEventListener("keyup", function () { keyed = false; });
    ui.language.addEventListener("change", function () {
      if (!keyed) { switchLanguage(ui.language.value); }
    });
    ui.language.addEventListener("blur", choose);
    // Together, so that the label never wraps away from its picker.
    var picker = header.appendChild(el("div", { "class": "feedbot-language" }));
    picker.appendChild(ui.languageLabel);
    picker.appendChild(ui.language);
    if (!inline) {
      ui.close = el("button", { type: "button", "class": "feedbot-close" }, "×");
      ui.close.addEventListener("click", function () { toggle(false); });
      header.appendChild(ui.close);
    }
    ui.panel.appendChild(header);
    // Below the header, which stays in sight: on a short screen (a phone's keyboard up, 400%
    // zoom) the body scrolls, the header's title and close button do not.
    ui.body = ui.panel.appendChild(el("div", { "class": "feedbot-panel__body" }));
    ui.omb = pageOmb || ui.body.appendChild(el("p", { "class": "feedbot-omb" }));
    ui.languageHint = ui.body.appendChild(el("p", {
      id: "feedbot-language-hint", "class": "feedbot-omb", hidden: ""
    }));
    // Focusable, so a keyboard can scroll a long (e.g. resumed) conversation. What was said
    // before this page showed it (a resumed conversation, or one said again in another
    // language) sits outside the live region: a screen reader reads out only what is new.
    // Named "Conversation": named by the title, as the dialog is, it was announced twice.
    ui.log = el("div", { "class": "feedbot-log", role: "group", tabindex: "0" });
    ui.earlier = el("div", { "class": "feedbot-log__messages" });
    ui.live = el("div", {
      "class": "feedbot-log__messages", role: "log", "aria-live": "polite", "aria-relevant": "additions"
    });
    ui.log.appendChild(ui.earlier);
    ui.log.appendChild(ui.live);
    ui.body.appendChild(ui.log);
    ui.answer = el("div", { "class": "feedbot-answer" });
    ui.body.appendChild(ui.answer);
    ui.answer.addEventListener("keydown", function (event) {
      // A key held down presses a button once, not again on each question that follows.
      var press = event.key === "Enter" || event.key === " ";
      var pressable = event.target.tagName === "BUTTON" || event.target.tagName === "INPUT";
      if (press && event.repeat && pressable) { event.preventDefault(); }
    });
    ui.panel.addEventListener("focusin", function (event) {
      // The visitor moved focus themselves: their keys are meant for where it is.
      if (event.target !== state.moved) { state.moved = null; }
    });
    root.appendChild(ui.panel);
    // A phone's keyboard coming up shortens the screen: the question and the control being
    // answered are brought back into sight together.
    window.addEventListener("resize", function () {
      if (ui.panel.hidden || !ui.answer.contains(document.activeElement)) { return; }
      scrollToNewest();
      document.activeElement.scrollIntoView({ block: "nearest" });
    });
    var target = inline && document.getElementById(script.getAttribute("data-target"));
    (target || document.body).appendChild(root);
    applyLanguage(config);
  }

  function applyLanguage(config) {
    state.config = config;
    ui.root.setAttribute("lang", config.language.replace("_", "-"));
    ui.root.setAttribute("dir", config.dir);
    if (ownsPage) { followPage(config); }
    ui.title.textContent = config.strings.title;
    ui.languageLabel.textContent = config.strings.language;
    ui.log.setAttribute("aria-label", config.strings.conversation);
    ui.omb.textContent = config.omb;
    if (ui.close) { ui.close.setAttribute("aria-label", config.strings.close); }
    if (ui.launcher) { ui.launcher.textContent = config.strings.launcher; }
    ui.language.textContent = "";
    config.languages.forEach(function (option) {
      var node = el("option", { value: option.code, lang: option.code.replace("_", "-") }, option.name);
      if (option.code === (state.wanted || config.language)) { node.selected = true; }
      ui.language.appendChild(node);
    });
    updatePicker();
  }

  // The picker changes the language before the first answer only; once it is given, the
  // picker is disabled and says why (shown, and as its description), else a visitor who
  // wants another language is left to guess.
  function updatePicker() {
    ui.language.disabled = state.answered || state.unresumed;
    ui.languageHint.textContent = state.config.strings.language_fixed;
    ui.languageHint.hidden = !state.answered;
    describedBy(ui.language, ui.languageHint.id, state.answered);
  }

  function followPage(config) {
    // Else a screen reader reads the page's heading and title, and the panel within it, in
    // the voice of the language the page was first served in.
    document.documentElement.setAttribute("lang", config.language.replace("_", "-"));
    document.documentElement.setAttribute("dir", config.dir);
    document.title = config.strings.title;
    var heading = document.getElementById("feedbot-page-title");
    var service = document.getElementById("feedbot-page-service");
    var omb = document.getElementById("feedbot-omb");
    if (heading) { heading.textContent = config.strings.title; }
    if (service) { service.textContent = config.strings.service_name; }
    if (omb) { omb.textContent = config.omb; }
  }

  function toggle(open) {
    if (open) {
      ui.panel.hidden = false;
      ui.launcher.setAttribute("aria-expanded", "true");
      ensureSession().then(function () { focusAnswer(); });
    } else {
      ui.panel.hidden = true;
      ui.launcher.setAttribute("aria-expanded", "false");
      ui.launcher.focus();
    }
  }

  function ensureSession() {
    if (state.session) { return Promise.resolve(); }
    // One start at a time, however often the panel opens or the language changes meanwhile.
    if (!state.starting) {
      state.starting = resumeOrStart().then(function () { state.starting = null; });
    }
    return state.starting;
  }

  // What a reload needs: the session, its language (a lost one is started again in it) and
  // whether it has answers and began by saying the survey started again. Before the
  // language was stored beside it, the token alone was.
  function saved() {
    var value = window.sessionStorage.getItem(storageKey);
    if (!value) { return null; }
    if (value.charAt(0) !== "{") { return { session: value }; }
    try {
      var record = JSON.parse(value);
      return record && typeof record.session === "string" ? record : null;
    } catch (error) {
      return null;
    }
  }

  function remember(language) {
    window.sessionStorage.setItem(storageKey, JSON.stringify({
      session: state.session, language: language, answered: state.answered, told: state.told
    }));
  }

  function resumeOrStart() {
    var record = saved();
    if (!record) { return start(state.config.language); }
    return api("GET", "/api/chat/transcript", null, record.session).then(function (data) {
      // A flow changed since may leave some answers out of the transcript: the record knows.
      state.answered = record.answered === true ||
        data.messages.some(function (m) { return m.role === "visitor"; });
      state.told = record.told === true;
      state.unresumed = false;
      return followLanguage(data.language).then(function () {
        state.session = record.session;
        show(data, true);
      });
    }, function (error) {
      if (passing(error)) {
        // The session is kept for the retry: a new one would leave its answers behind as an
        // abandoned response, over a network that failed for a moment.
        couldNotStart(error);
        return;
      }
      // Lost (404), or refused in a way a retry would only repeat (a 500 from answers to a
      // question the survey no longer has, say): a new survey in the conversation's
      // language. It starts without a word if the record says there were no answers (one
      // from the earlier widget does not say: the visitor is told).
      forgetSession(record.answered !== false, true);
      return followLanguage(record.language || state.config.language).then(function () {
        return start(state.config.language);
      });
    });
  }

  // What may pass if the same request is sent again: no answer at all (offline, timed out),
  // too many requests, or the server or its gateway unavailable for a while.
  function passing(error) {
    var status = error && error.status;
    return !status || status === 429 || status === 502 || status === 503 || status === 504;
  }

  // 404 is the server's "no such chat session": its row is gone (the database was reset or
  // restored). A 401 only says no token arrived, which this widget always sends, so it is a
  // failure like any other. A session started again and lost before its first answer is not
  // started a third time: the server is forgetting sessions, and the visitor would only
  // be told so at every answer.
  function lost(error) {
    return error && error.status === 404 && !state.restarted;
  }

  // The visitor is told the survey started again only if it had their answers. restarted:
  // the session is forgotten because it was lost (not because the visitor asked for a new
  // survey), so the next one, lost too before its first answer, is not started again.
  function forgetSession(hadAnswers, restarted) {
    window.sessionStorage.removeItem(storageKey);
    state.session = null;
    state.unresumed = false;
    state.answered = false;
    state.lost = hadAnswers;
    state.restarted = restarted;
  }

  function followLanguage(language) {
    // The conversation's language, not the page's or the browser's: the visitor may have
    // picked another one before a reload.
    if (language === state.config.language) {
      applyLanguage(state.config);
      return Promise.resolve();
    }
    return loadConfig(language).then(applyLanguage, function () {
      applyLanguage(state.config);
    });
  }

  function start(language) {
    return api("POST", "/api/chat/sessions", { service: serviceId, language: language })
      .then(function (data) {
        state.session = data.session;
        state.answered = false;
        state.told = state.lost;
        state.lost = false;
        ui.earlier.textContent = "";
        ui.live.textContent = "";
        updatePicker();
        // Said once, in the live region, before the survey's first words.
        if (state.told) { addMessage("bot", state.config.strings.lost); }
        show(data);
      }, couldNotStart);
  }

  // A session lost mid-survey: a new one in the survey's (or the just picked) language. A new
  // one that fails too shows the error and the retry of any failed start, so nothing here
  // starts in a loop.
  function startAgain() {
    forgetSession(state.answered, true);
    return ensureSession();
  }

  // The language the picker shows, if the survey is not in it already: whether it was.
  function choose() {
    var language = ui.language.value;
    if (language === (state.wanted || state.config.language)) { return false; }
    switchLanguage(language);
    return true;
  }

  function switchLanguage(language) {
    if (state.answered || state.unresumed) {
      ui.language.value = state.config.language;
      return;
    }
    // Picked again while a turn is under way: the last language picked wins.
    if (state.busy) {
      state.wanted = language;
      return;
    }
    state.busy = true;
    // The same session in the new language: a second session would count as a second,
    // abandoned response.
    ensureSession().then(function () {
      if (!state.session || state.answered) {
        applyLanguage(state.config);
        return;
      }
      var configured = loadConfig(language);
      var switched = api("POST", "/api/chat/messages", { language: language }, state.session);
      return Promise.all([configured, switched]).then(function (results) {
        // Focus stays on the picker: the visitor may still be choosing.
        applyLanguage(results[0]);
        show(results[1], true);
      }, function (error) {
        return switched.then(function () {
          applyLanguage(state.config);
          failed(error);
        }, function (refusal) {
          if (!lost(refusal)) {
            applyLanguage(state.config);
            failed(refusal);
            return;
          }
          // The session is gone: a new one, in the language just picked.
          return configured.then(applyLanguage, function () { applyLanguage(state.config); })
            .then(function () { return startAgain(); });
        });
      });
    }).then(idle, idle);
  }

  function send(body, said) {
    if (state.busy) { return; }
    state.busy = true;
    // A retry carries the same id: an answer the server applied, its reply lost, counts once.
    body.answer_id = state.answerId;
    if (state.asking) { body.question = state.asking; }
    // The last attempt's failure makes way: a screen reader hears this one's too.
    clearNote();
    // Shown, not read back: a long comment was read out whole, again at each retry. What
    // follows it is said (the next question, or why it was not sent).
    var pending = addMessage("visitor", said);
    pending.setAttribute("aria-live", "off");
    pending.classList.add("feedbot-message--pending");
    sending(true);
    api("POST", "/api/chat/messages", body, state.session)
      .then(function (data) {
        pending.classList.remove("feedbot-message--pending");
        state.answered = true;
        state.restarted = false;
        updatePicker();
        show(data);
      }, function (error) {
        // Not said after all: the answer stays in its box, to send again.
        pending.parentNode.removeChild(pending);
        if (lost(error)) { return startAgain(); }
        if (error.status === 409 && error.data && error.data.messages) { return notApplied(error.data); }
        notSent(error);
      })
      .then(function () {
        sending(false);
        idle();
      });
  }

  // While an answer is on its way the widget says so ("Sending…"), and so do its controls
  // (aria-busy, aria-disabled, the box read-only, each dimmed), which take no press: a second
  // one did nothing without a word, and a choice pressed meanwhile showed as chosen but was
  // not sent. Focus stays where it is.
  function sending(busy) {
    if (busy) { ui.answer.setAttribute("aria-busy", "true"); } else { ui.answer.removeAttribute("aria-busy"); }
    var status = ui.answer.querySelector("#" + sendingId);
    if (status) { status.textContent = busy ? state.config.strings.sending : ""; }
    Array.prototype.forEach.call(ui.answer.querySelectorAll("button, textarea, input"), function (control) {
      if (busy) { control.setAttribute("aria-disabled", "true"); } else { control.removeAttribute("aria-disabled"); }
      if (control.tagName === "TEXTAREA") { control.readOnly = busy; }
    });
  }

  // The answer was not saved: another window of this session (a duplicated tab shares it)
  // answered the question shown here, or this window did, with an earlier answer whose reply
  // was lost (the visitor then chose another, sent with the same answer id), which was
  // saved, or could not be used (first_stored false: the question asked again, or given up
  // on); or the survey had closed (left idle too long), unless this is the retry of an
  // answer saved before it closed. The survey is shown where it now stands, with what was
  // saved, in its language, and a word saying which. It is past its first question, so its
  // language stays.
  function notApplied(refusal) {
    state.answered = true;
    state.restarted = false;
    return followLanguage(refusal.language).then(function () {
      show(refusal, true, refusedWord(refusal, state.config.strings));
    });
  }

  function refusedWord(refusal, strings) {
    if (refusal.reason === "closed") {
      if (refusal.first_stored) { return strings.closed_saved; }
      var earlier = refusal.messages.some(function (m) { return m.role === "visitor"; });
      return earlier ? strings.closed_kept : strings.closed;
    }
    if (refusal.reason !== "answer_id_reused") { return strings.moved_on; }
    return refusal.first_stored ? strings.first_kept : strings.first_unused;
  }

  function idle() {
    state.busy = false;
    var wanted = state.wanted;
    state.wanted = null;
    if (wanted && wanted !== state.config.language) { switchLanguage(wanted); }
  }

  // replacing: the whole conversation, said before (outside the live region) but for its last
  // message; said: a word of the widget's, said just before that last message.
  function show(data, replacing, said) {
    // Each reply says where the conversation is: kept for a reload.
    remember(data.language);
    var messages = data.messages;
    if (replacing) {
      ui.earlier.textContent = "";
      ui.live.textContent = "";
      // That the survey started again stays before its first words, where it was said.
      if (state.told) { addMessage("bot", state.config.strings.lost, ui.earlier); }
      messages.slice(0, -1).forEach(function (message) {
        addMessage(message.role, message.text, ui.earlier);
      });
      messages = messages.slice(-1);
      if (said) { addMessage("bot", said); }
    }
    messages.forEach(function (message) { addMessage(message.role, message.text); });
    var last = data.messages[data.messages.length - 1];
    renderAnswer(data.done ? null : last);
    // The answer just drawn took room from the log: the new question is brought back into
    // view.
    scrollToNewest();
  }

  function addMessage(role, text, container) {
    var node = el("p", { "class": "feedbot-message feedbot-message--" + role });
    if (role === "visitor") {
      // The visitor's words are laid out in their own direction (an Arabic comment in the
      // English survey, an English one in the Arabic survey); "You:" is in the survey's,
      // and its own dir leaves it out of the bubble's guess.
      node.setAttribute("dir", "auto");
      node.appendChild(el("span", {
        "class": "feedbot-visually-hidden", dir: state.config.dir
      }, state.config.strings.you + ": "));
    }
    node.appendChild(document.createTextNode(text));
    (container || ui.live).appendChild(node);
    scrollToNewest();
    return node;
  }

  // The log scrolled to its newest message: to its end, or to its start if it is taller
  // than the log. Where the log does not scroll but the panel's body does (a short screen),
  // the body is scrolled to that message, so the question shows above its answer.
  function scrollToNewest() {
    var log = ui.log;
    log.scrollTop = log.scrollHeight;
    var newest = ui.live.lastElementChild || ui.earlier.lastElementChild;
    if (!newest) { return; }
    var above = log.getBoundingClientRect().top - newest.getBoundingClientRect().top;
    if (above > 0) { log.scrollTop -= above + parseFloat(window.getComputedStyle(log).paddingTop); }
    var body = ui.body;
    body.scrollTop += newest.getBoundingClientRect().top - body.getBoundingClientRect().top -
      parseFloat(window.getComputedStyle(log).paddingTop);
  }

  function renderAnswer(question) {
    // Focus was on a control about to go: it moves to the next question's first control.
    var hadFocus = ui.answer.contains(document.activeElement);
    clearNote();
    ui.answer.textContent = "";
    state.answerId = newId();
    state.answering = null;
    state.asking = question ? question.question || null : null;
    state.moved = null;
    state.settleUntil = Date.now() + settleMs;
    // The question just shown names its answer's comment box too.
    var asked = ui.panel.querySelector("#" + questionId);
    if (asked) { asked.removeAttribute("id"); }
    var shown = ui.live.lastElementChild || ui.earlier.lastElementChild;
    if (shown && question) { shown.id = questionId; }
    if (question && question.question) { buildAnswer(question); }
    if (!question) { offerNewSurvey(); }
    // A new answer is shown from its start, not where the last one was scrolled to (which
    // an answer area emptied and hidden for a moment keeps).
    ui.answer.scrollTop = 0;
    if (hadFocus) { focusAnswer(); }
  }

  // A survey that finished or closed idle takes no more answers: the visitor could only
  // close the tab to give feedback again. A new survey is a new session, as a new tab's is;
  // the closed one stays as it was (its response kept), and the log starts afresh.
  function offerNewSurvey() {
    var row = ui.answer.appendChild(el("div", { "class": "feedbot-actions" }));
    var again = el("button", { type: "button", "class": "feedbot-start-new" }, state.config.strings.start_new);
    // A double click's second click on what the last answer's button left in its place
    // starts nothing (unlessTooSoon).
    again.addEventListener("click", unlessTooSoon(function () {
      if (state.busy) { return; }
      forgetSession(false, false);
      ensureSession();
    }));
    row.appendChild(again);
  }

  // A control's action, unless the press may be the end of the last answer's (settleMs).
  function unlessTooSoon(action) {
    return function (event) {
      if (!tooSoon(event)) { action(event); }
    };
  }

  function tooSoon(event) {
    var soon = Date.now() < state.settleUntil;
    return soon && (event.detail > 1 || (event.detail === 0 && event.currentTarget === state.moved));
  }

  function settling(control) {
    return control === state.moved && Date.now() < state.settleUntil;
  }

  function buildAnswer(question) {
    var strings = state.config.strings;
    if (question.input === "choice") {
      buildChoices(question, strings);
    } else {
      buildText(strings);
    }
    if (question.optional) {
      var skipRow = ui.answer.querySelector(".feedbot-actions") || ui.answer.appendChild(el("div", { "class": "feedbot-actions" }));
      var skip = el("button", { type: "button", "class": "feedbot-skip" }, strings.skip);
      skip.addEventListener("click", unlessTooSoon(function () { send({ skip: true }, strings.skip); }));
      skipRow.appendChild(skip);
    }
    // "Sending…" while the answer is on its way, shown and said (briefly, where the answer
    // was read back whole). In the page from the start, so that a screen reader hears it.
    ui.answer.appendChild(el("p", { id: sendingId, "class": "feedbot-sending", "aria-live": "polite" }));
  }

  // A question's choices are a group of native radio buttons (one answer) or checkboxes
  // (several), in a fieldset named by the question: a screen reader says which is checked
  // and where it stands ("2 of 5"), arrow keys move through a rating, and Tab leaves it in
  // one step. The rating's choices were buttons that each sent at once, read as five
  // unrelated buttons; the drivers were toggle buttons. Choosing sends nothing (arrow keys
  // choose as they move): the answer goes with its button, or Enter on a choice, as in a
  // form.
  function buildChoices(question, strings) {
    var group = ui.answer.appendChild(el("fieldset", { "class": "feedbot-group" }));
    group.appendChild(el("legend", { "class": "feedbot-visually-hidden" }, question.text));
    if (question.multiple) {
      // Says that more than one may be chosen, as SMS does.
      group.setAttribute("aria-describedby", "feedbot-choose-all");
      group.appendChild(el("p", { id: "feedbot-choose-all", "class": "feedbot-hint" }, strings.choose_all));
    }
    var list = group.appendChild(el("div", { "class": "feedbot-choices" }));
    var inputs = question.choices.map(function (choice) {
      var label = list.appendChild(el("label", { "class": "feedbot-choice" }));
      var input = label.appendChild(el("input", {
        type: question.multiple ? "checkbox" : "radio", name: "feedbot-choice", value: String(choice.value)
      }));
      label.appendChild(el("span", {}, choice.label));
      input.addEventListener("click", function (event) {
        // Not while an answer is on its way (it would show as chosen, not sent), nor the end
        // of the last answer's press (settleMs): the choice stays as it was.
        if (state.busy || tooSoon(event)) {
          event.preventDefault();
          return;
        }
        clearNote();
      });
      return { input: input, choice: choice };
    });
    ui.answer.appendChild(errorSlot());
    var actions = ui.answer.appendChild(el("div", { "class": "feedbot-actions" }));
    var submit = actions.appendChild(el("button", { type: "button", "class": "feedbot-send" },
      question.multiple ? strings.submit_choices : strings.send));
    submit.addEventListener("click", unlessTooSoon(function () {
      var chosen = inputs.filter(function (each) { return each.input.checked; });
      if (!chosen.length) {
        showError(question.multiple ? strings.choose_first : strings.choose_one,
          [group, submit], group);
        return;
      }
      var labels = chosen.map(function (each) { return each.choice.label; });
      if (!question.multiple) { send({ value: chosen[0].choice.value }, labels[0]); return; }
      // Joined as the survey's language writes a list (Chinese "、", Arabic "، ").
      send({ value: chosen.map(function (each) { return each.input.value; }) },
           labels.join(strings.list_separator || ", "));
    }));
    group.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.target.tagName !== "INPUT") { return; }
      event.preventDefault();
      // Held down, or the end of the last answer's double Enter (settleMs): not this one's.
      if (event.repeat || settling(event.target)) { return; }
      submit.click();
    });
    state.answering = [group, submit];
  }

  function buildText(strings) {
    var limit = state.config.max_length;
    var label = el("label", { "for": "feedbot-text", id: "feedbot-text-label" }, strings.answer_label);
    // No maxlength: it counts UTF-16 units (an emoji is two, a family emoji eleven), so it
    // kept fewer characters than the server takes, cut a family emoji in two, and said
    // nothing. dir="auto": a comment in another script than the survey's is laid out in its
    // own direction as it is typed.
    // Named by its label and its question: a screen reader that drops the question's
    // announcement as focus moves here (VoiceOver often does) still says what is asked.
    var box = el("textarea", {
      id: "feedbot-text", dir: "auto", "aria-describedby": "feedbot-count",
      "aria-labelledby": "feedbot-text-label " + questionId
    });
    var count = el("p", { id: "feedbot-count", "class": "feedbot-count" });
    var kept = "";
    var update = function () {
      count.textContent = strings.characters_left.replace("{count}", String(limit - characters(box.value)));
    };
    // Each change of the box is held to the limit, and the visitor told when it is reached or
    // something was left out.
    var fit = function () {
      if (box.value === kept) { return; }
      clearNote();
      var length = characters(box.value);
      if (length > limit) {
        var cut = withinLimit(kept, box.value, limit);
        box.value = cut.value;
        box.setSelectionRange(cut.caret, cut.caret);
        note(strings.text_cut.replace("{count}", String(limit)), [box]);
      } else if (length === limit && characters(kept) < limit) {
        note(strings.limit_reached.replace("{count}", String(limit)), [box]);
      }
      kept = box.value;
      update();
    };
    box.addEventListener("input", function (event) {
      // Typing: Enter is meant for this box.
      state.moved = null;
      // An input method's text is held to the limit once composed: changing the box before
      // would break the composition.
      if (!event.isComposing) { fit(); }
    });
    box.addEventListener("compositionend", fit);
    update();
    var row = el("div", { "class": "feedbot-actions" });
    var sendButton = el("button", { type: "button", "class": "feedbot-send" }, strings.send);
    sendButton.addEventListener("click", unlessTooSoon(function () {
      if (blank.test(box.value)) { showError(strings.type_first, [box], box); } else { send({ text: box.value }, box.value); }
    }));
    box.addEventListener("keydown", function (event) {
      // Enter that confirms an input method's composition (Chinese, Korean, Japanese) is
      // not the end of the answer; Safari reports it only as keyCode 229.
      if (event.isComposing || event.keyCode === 229) { return; }
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        // Held down, or the end of the last answer's double Enter (settleMs): not this one's.
        if (event.repeat || settling(box)) { return; }
        sendButton.click();
      }
    });
    ui.answer.appendChild(label);
    ui.answer.appendChild(box);
    ui.answer.appendChild(errorSlot());
    ui.answer.appendChild(count);
    state.answering = [box, sendButton];
    row.appendChild(sendButton);
    ui.answer.appendChild(row);
  }

  // Characters as the server counts them (Python's len): one per code point, where a
  // string's length counts an emoji as two.
  function characters(text) {
    return text.length - (text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g) || []).length;
  }

  function highSurrogate(code) { return code >= 0xD800 && code <= 0xDBFF; }

  function lowSurrogate(code) { return code >= 0xDC00 && code <= 0xDFFF; }

  // The UTF-16 length of the first `count` characters of `text`.
  function unitsOf(text, count) {
    var index = 0;
    while (count > 0 && index < text.length) {
      var pair = highSurrogate(text.charCodeAt(index)) && lowSurrogate(text.charCodeAt(index + 1));
      index += pair ? 2 : 1;
      count -= 1;
    }
    return index;
  }

  // The last edge between two graphemes (a letter and its accents, a flag, a family emoji)
  // at or before `index`; between two code points where the browser cannot say.
  function graphemeEdge(text, index) {
    if (index >= text.length) { return text.length; }
    if (graphemes) { return graphemes.segment(text).containing(index).index; }
    var inPair = index > 0 && lowSurrogate(text.charCodeAt(index)) && highSurrogate(text.charCodeAt(index - 1));
    return inPair ? index - 1 : index;
  }

  // An edit that took the box from `before` past the limit, cut back as maxlength would:
  // what it put in (typed, pasted or dropped, over a selection or not) keeps as much as
  // fits, up to a grapheme's edge, and what was there before stays as it was.
  function withinLimit(before, after, limit) {
    var start = 0;
    while (start < before.length && start < after.length && before.charAt(start) === after.charAt(start)) {
      start += 1;
    }
    var end = after.length;
    var old = before.length;
    while (end > start && old > start && before.charAt(old - 1) === after.charAt(end - 1)) {
      end -= 1;
      old -= 1;
    }
    // Never between the two halves of a surrogate pair.
    if (start > 0 && lowSurrogate(after.charCodeAt(start)) && highSurrogate(after.charCodeAt(start - 1))) {
      start -= 1;
    }
    if (end < after.length && lowSurrogate(after.charCodeAt(end)) && highSurrogate(after.charCodeAt(end - 1))) {
      end += 1;
    }
    var room = limit - characters(after.slice(0, start)) - characters(after.slice(end));
    if (room < 0) {
      // Over the limit before this edit too (nothing else puts it there): its start is kept.
      start = 0;
      end = after.length;
      room = limit;
    }
    var cut = Math.max(start, graphemeEdge(after, start + unitsOf(after.slice(start, end), room)));
    return { value: after.slice(0, cut) + after.slice(end), caret: cut };
  }

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function focusAnswer() {
    // Nothing to answer (the survey has closed): the title, not the offer of a new survey,
    // which one more press of the last answer's key would take up.
    var first = ui.answer.querySelector("input, textarea, button:not(.feedbot-start-new)");
    state.moved = first;
    state.settleUntil = Date.now() + settleMs;
    (first || ui.title).focus();
    // Focus brings a comment box's caret into view, not the box: on a short screen, where the
    // panel scrolls, the box is shown whole.
    if (first) { first.scrollIntoView({ block: "nearest" }); }
  }

  // A failure said in the log: the general error, or to wait when rate limited. An earlier
  // line saying the same (the last attempt's) makes way for it, so retries do not pile up one
  // line each, and a screen reader still hears that this one failed too.
  function failed(error) {
    var text = failureText(error, state.config.strings.error);
    Array.prototype.forEach.call(ui.live.querySelectorAll(".feedbot-failure"), function (line) {
      if (line.textContent === text) { line.parentNode.removeChild(line); }
    });
    addMessage("bot", text).classList.add("feedbot-failure");
  }

  // With no survey there is nothing to answer: a button to start it again takes the answer's
  // place, else the visitor could only reload the page.
  function couldNotStart(error) {
    failed(error);
    // A retry that failed again leaves its button, and the focus on it, where they are.
    if (ui.answer.querySelector(".feedbot-retry")) { return; }
    var hadFocus = ui.answer.contains(document.activeElement);
    clearNote();
    ui.answer.textContent = "";
    var row = ui.answer.appendChild(el("div", { "class": "feedbot-actions" }));
    var retry = el("button", { type: "button", "class": "feedbot-retry" }, state.config.strings.retry);
    retry.addEventListener("click", function () { ensureSession(); });
    row.appendChild(retry);
    if (hadFocus) { retry.focus(); }
  }

  // Said once in the log (so a screen reader hears it), not again at each press.
  function hint(text) {
    var last = ui.live.lastElementChild;
    return last && last.textContent === text ? last : addMessage("bot", text);
  }

  // A word about the answer being given (the length limit): said in the log, and tied to
  // the controls it is about (aria-describedby) until the visitor acts on them.
  function note(text, controls) {
    clearNote();
    hint(text).id = noteId;
    controls.forEach(function (control) { describedBy(control, noteId, true); });
    state.noted = controls;
  }

  // Where the answer's errors show: beside its controls, not in the conversation, where
  // they looked like the survey's own words and stayed after the answer was given. Empty
  // until an error, and in the page from the start, so that a screen reader hears it.
  function errorSlot() {
    return el("p", { id: errorId, "class": "feedbot-error", "aria-live": "polite" });
  }

  // An error about the answer (nothing chosen, nothing typed, not sent): shown beside its
  // controls as an error (marked, not by colour alone), said once however often the same
  // press repeats it, tied to the controls (aria-describedby, and aria-invalid on `invalid`,
  // what the visitor must change) until the visitor acts on them or sends again.
  function showError(text, controls, invalid) {
    var slot = ui.answer.querySelector("#" + errorId);
    if (!slot) { return; }
    var same = slot.textContent === text;
    clearNote(same);
    if (!same) { slot.textContent = text; }
    controls.forEach(function (control) { describedBy(control, errorId, true); });
    if (invalid) {
      invalid.setAttribute("aria-invalid", "true");
      focusInvalid(invalid);
    }
    state.noted = controls;
  }

  // Focus stayed on the button just pressed, away from what the error asks to change: it
  // moves there (an invalid group's first control), which a screen reader then names with
  // the error. Only from within the answer (a press of its own), and never for an answer
  // that was not sent, where nothing is to change. The double press that ended on the
  // button must not go on to press what focus moved to (settleMs).
  function focusInvalid(invalid) {
    var active = document.activeElement;
    if (!ui.answer.contains(active) || invalid.contains(active)) { return; }
    var target = invalid.matches("input, textarea, button")
      ? invalid
      : invalid.querySelector("input, textarea, button");
    if (!target) { return; }
    state.moved = target;
    state.settleUntil = Date.now() + settleMs;
    target.focus();
  }

  // An answer that did not reach the survey: said beside it, the answer kept to send again.
  function notSent(error) {
    showError(failureText(error, state.config.strings.not_sent), state.answering || []);
  }

  // What a failure says: `text`, or, rate limited (429), to wait a minute before trying again.
  function failureText(error, text) {
    return error && error.status === 429 ? state.config.strings.too_many : text;
  }

  // keepError: the error shown stays (it is about to be said again).
  function clearNote(keepError) {
    var said = ui.panel.querySelector("#" + noteId);
    if (said) { said.removeAttribute("id"); }
    var slot = ui.answer.querySelector("#" + errorId);
    if (slot && !keepError) { slot.textContent = ""; }
    (state.noted || []).forEach(function (control) {
      describedBy(control, noteId, false);
      describedBy(control, errorId, false);
      control.removeAttribute("aria-invalid");
    });
    state.noted = null;
  }

  function describedBy(control, id, tied) {
    var ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (each) {
      return each && each !== id;
    });
    if (tied) { ids.unshift(id); }
    if (ids.length) {
      control.setAttribute("aria-describedby", ids.join(" "));
    } else {
      control.removeAttribute("aria-describedby");
    }
  }

  function init() {
    // A reload speaks the conversation's language from the start: the launcher too, which
    // otherwise was in the page's or browser's language (and on its side) until opened.
    var record = saved();
    var language = (record && record.language) || script.getAttribute("data-language");
    firstConfig(language, 0).then(function (config) {
      return stylesheet().then(function () { return config; });
    }).then(function (config) {
      state.unresumed = record !== null;
      build(config);
      if (inline) { ensureSession(); }
    }, function (error) {
      // Nothing is shown on the agency's page; its developers see why in the console.
      window.console.warn("feedbot chat: no survey for service " + serviceId + ": " + error.message);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
