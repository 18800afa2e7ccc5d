/* feedbot chat widget: one <script> tag puts the A-11 survey on an agency page.
 *   <script src="https://feedbot.example.gov/static/feedbot-chat.js" data-service="ID" defer></script>
 * No dependencies. Text is always set with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(script.src, document.baseURI).origin;
  var serviceId = script.getAttribute("data-service");
  var inline = script.getAttribute("data-mode") === "inline";
  // The standalone survey page: the page is the survey's, so it takes the survey's language.
  var ownsPage = script.hasAttribute("data-owns-page");
  var storageKey = "feedbot-chat:" + serviceId;
  var timeoutMs = 20000;
  // starting: the start (or resume) under way. answerId: the current question's answer id,
  // sent again with a retry of the same answer. wanted: a language picked while a turn was
  // under way, switched to when it ends. lost: a session with answers was given up, said when
  // the new one starts. restarted: a session started again and not yet answered. told: this
  // session began by saying so (kept in the log when it is shown again). unresumed: a saved
  // session not resumed yet, which may have answers: no language change until it is.
  var state = {
    config: null, session: null, starting: null, answered: false, busy: false, answerId: null,
    wanted: null, lost: false, restarted: false, told: false, unresumed: false
  };
  var ui = {};

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

  function addStylesheet() {
    var href = base + "/static/feedbot-chat.css";
    if (document.querySelector('link[href="' + href + '"]')) { return; }
    document.head.appendChild(el("link", { rel: "stylesheet", href: href }));
  }

  function build(config) {
    state.config = config;
    addStylesheet();
    // The root carries the language, so the launcher is read in it too and sits on the
    // panel's side in a right-to-left language.
    var root = ui.root = el("div", { "class": "feedbot-chat" });
    root.style.setProperty("--feedbot-accent", config.accent_color);
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
      id: "feedbot-panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": titleId, "class": "feedbot-panel" + (inline ? " feedbot-panel--inline" : "")
    });
    if (!inline) { ui.panel.hidden = true; }
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
    ui.language.addEventListener("change", function () { switchLanguage(ui.language.value); });
    header.appendChild(ui.languageLabel);
    header.appendChild(ui.language);
    if (!inline) {
      ui.close = el("button", { type: "button", "class": "feedbot-close" }, "×");
      ui.close.addEventListener("click", function () { toggle(false); });
      header.appendChild(ui.close);
    }
    ui.panel.appendChild(header);
    ui.omb = pageOmb || ui.panel.appendChild(el("p", { "class": "feedbot-omb" }));
    // Focusable, so a keyboard can scroll a long (e.g. resumed) conversation. What was said
    // before this page showed it (a resumed conversation, or one said again in another
    // language) sits outside the live region: a screen reader reads out only what is new.
    ui.log = el("div", {
      "class": "feedbot-log", role: "group", "aria-labelledby": titleId, tabindex: "0"
    });
    ui.earlier = el("div", { "class": "feedbot-log__messages" });
    ui.live = el("div", {
      "class": "feedbot-log__messages", role: "log", "aria-live": "polite", "aria-relevant": "additions"
    });
    ui.log.appendChild(ui.earlier);
    ui.log.appendChild(ui.live);
    ui.panel.appendChild(ui.log);
    ui.answer = el("div", { "class": "feedbot-answer" });
    ui.panel.appendChild(ui.answer);
    ui.panel.addEventListener("keydown", function (event) {
      // Escape that cancels an input method's composition is not meant for the panel.
      if (event.isComposing || event.keyCode === 229) { return; }
      if (event.key === "Escape" && !inline) { toggle(false); }
    });
    root.appendChild(ui.panel);
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
    ui.omb.textContent = config.omb;
    if (ui.close) { ui.close.setAttribute("aria-label", config.strings.close); }
    if (ui.launcher) { ui.launcher.textContent = config.strings.launcher; }
    ui.language.textContent = "";
    config.languages.forEach(function (option) {
      var node = el("option", { value: option.code, lang: option.code.replace("_", "-") }, option.name);
      if (option.code === (state.wanted || config.language)) { node.selected = true; }
      ui.language.appendChild(node);
    });
    ui.language.disabled = state.answered || state.unresumed;
  }

  function followPage(config) {
    // Else a screen reader reads the page's heading and title, and the panel within it, in
    // the voice of the language the page was first served in.
    document.documentElement.setAttribute("lang", config.language.replace("_", "-"));
    document.documentElement.setAttribute("dir", config.dir);
    document.title = config.strings.title;
    var heading = document.getElementById("feedbot-page-title");
    var omb = document.getElementById("feedbot-omb");
    if (heading) { heading.textContent = config.strings.title; }
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
      forgetSession(record.answered !== false);
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

  // The visitor is told the survey started again only if it had their answers.
  function forgetSession(hadAnswers) {
    window.sessionStorage.removeItem(storageKey);
    state.session = null;
    state.unresumed = false;
    state.answered = false;
    state.lost = hadAnswers;
    state.restarted = true;
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
        ui.language.disabled = false;
        // Said once, in the live region, before the survey's first words.
        if (state.told) { addMessage("bot", state.config.strings.lost); }
        show(data);
      }, couldNotStart);
  }

  // A session lost mid-survey: a new one in the survey's (or the just picked) language. A new
  // one that fails too shows the error and the retry of any failed start, so nothing here
  // starts in a loop.
  function startAgain() {
    forgetSession(state.answered);
    return ensureSession();
  }

  function switchLanguage(language) {
    if (state.answered || state.unresumed) {
      ui.language.value = state.config.language;
      return;
    }
    // A keyboard changes the picker at each arrow key: the last language picked wins.
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
    var pending = addMessage("visitor", said);
    api("POST", "/api/chat/messages", body, state.session)
      .then(function (data) {
        state.answered = true;
        state.restarted = false;
        ui.language.disabled = true;
        show(data);
      }, function (error) {
        // Not said after all: the answer stays in its box, to send again.
        pending.parentNode.removeChild(pending);
        if (lost(error)) { return startAgain(); }
        failed(error);
      })
      .then(idle);
  }

  function idle() {
    state.busy = false;
    var wanted = state.wanted;
    state.wanted = null;
    if (wanted && wanted !== state.config.language) { switchLanguage(wanted); }
  }

  function show(data, replacing) {
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
    }
    messages.forEach(function (message) { addMessage(message.role, message.text); });
    var last = data.messages[data.messages.length - 1];
    renderAnswer(data.done ? null : last);
  }

  function addMessage(role, text, container) {
    var node = el("p", { "class": "feedbot-message feedbot-message--" + role });
    if (role === "visitor") {
      node.appendChild(el("span", { "class": "feedbot-visually-hidden" }, state.config.strings.you + ": "));
    }
    node.appendChild(document.createTextNode(text));
    (container || ui.live).appendChild(node);
    ui.log.scrollTop = ui.log.scrollHeight;
    return node;
  }

  function renderAnswer(question) {
    // Focus was on a control about to go: it moves to the next question's first control.
    var hadFocus = ui.answer.contains(document.activeElement);
    ui.answer.textContent = "";
    state.answerId = newId();
    if (question && question.question) { buildAnswer(question); }
    if (hadFocus) { focusAnswer(); }
  }

  function buildAnswer(question) {
    var strings = state.config.strings;
    if (question.input === "choice") {
      var list = el("ul", { "class": "feedbot-choices", "aria-label": question.text });
      question.choices.forEach(function (choice) {
        var item = el("li");
        var button = el("button", { type: "button", "class": "feedbot-choice" }, choice.label);
        if (question.multiple) {
          button.setAttribute("aria-pressed", "false");
          button.addEventListener("click", function () {
            var pressed = button.getAttribute("aria-pressed") === "true";
            button.setAttribute("aria-pressed", pressed ? "false" : "true");
          });
          button.dataset.value = String(choice.value);
        } else {
          button.addEventListener("click", function () { send({ value: choice.value }, choice.label); });
        }
        item.appendChild(button);
        list.appendChild(item);
      });
      ui.answer.appendChild(list);
      if (question.multiple) {
        var actions = el("div", { "class": "feedbot-actions" });
        var submit = el("button", { type: "button", "class": "feedbot-send" }, strings.submit_choices);
        submit.addEventListener("click", function () {
          var chosen = Array.prototype.filter.call(list.querySelectorAll("button"), function (b) {
            return b.getAttribute("aria-pressed") === "true";
          });
          if (!chosen.length) { hint(strings.choose_first); return; }
          send({ value: chosen.map(function (b) { return b.dataset.value; }) },
               chosen.map(function (b) { return b.textContent; }).join(", "));
        });
        actions.appendChild(submit);
        ui.answer.appendChild(actions);
      }
    } else {
      var label = el("label", { "for": "feedbot-text" }, strings.answer_label);
      var box = el("textarea", {
        id: "feedbot-text", maxlength: String(state.config.max_length), "aria-describedby": "feedbot-count"
      });
      var count = el("p", { id: "feedbot-count", "class": "feedbot-count" });
      var update = function () {
        count.textContent = strings.characters_left.replace("{count}", String(state.config.max_length - box.value.length));
      };
      box.addEventListener("input", update);
      update();
      var row = el("div", { "class": "feedbot-actions" });
      var sendButton = el("button", { type: "button", "class": "feedbot-send" }, strings.send);
      sendButton.addEventListener("click", function () {
        if (box.value.trim()) { send({ text: box.value }, box.value); } else { hint(strings.type_first); }
      });
      box.addEventListener("keydown", function (event) {
        // Enter that confirms an input method's composition (Chinese, Korean, Japanese) is
        // not the end of the answer; Safari reports it only as keyCode 229.
        if (event.isComposing || event.keyCode === 229) { return; }
        if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); sendButton.click(); }
      });
      ui.answer.appendChild(label);
      ui.answer.appendChild(box);
      ui.answer.appendChild(count);
      row.appendChild(sendButton);
      ui.answer.appendChild(row);
    }
    if (question.optional) {
      var skipRow = ui.answer.querySelector(".feedbot-actions") || ui.answer.appendChild(el("div", { "class": "feedbot-actions" }));
      var skip = el("button", { type: "button", "class": "feedbot-skip" }, strings.skip);
      skip.addEventListener("click", function () { send({ skip: true }, strings.skip); });
      skipRow.appendChild(skip);
    }
  }

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function focusAnswer() {
    var first = ui.answer.querySelector("button, textarea");
    (first || ui.title).focus();
  }

  function failed(error) {
    var strings = state.config.strings;
    addMessage("bot", error && error.status === 429 ? strings.too_many : strings.error);
  }

  // With no survey there is nothing to answer: a button to start it again takes the answer's
  // place, else the visitor could only reload the page.
  function couldNotStart(error) {
    failed(error);
    // A retry that failed again leaves its button, and the focus on it, where they are.
    if (ui.answer.querySelector(".feedbot-retry")) { return; }
    var hadFocus = ui.answer.contains(document.activeElement);
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
    if (!last || last.textContent !== text) { addMessage("bot", text); }
  }

  function init() {
    firstConfig(script.getAttribute("data-language"), 0).then(function (config) {
      state.unresumed = saved() !== null;
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
