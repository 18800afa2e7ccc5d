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
  // answerId: the current question's answer id, sent again with a retry of the same answer.
  // wanted: a language picked while a turn was under way, switched to when it ends.
  var state = {
    config: null, session: null, ready: null, answered: false, busy: false, answerId: null, wanted: null
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
      return response.json().then(function (data) {
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
    ui.language.disabled = state.answered;
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
    // One start per page, however often the panel opens or the language changes meanwhile.
    if (!state.ready) {
      state.ready = resumeOrStart().then(function () {
        if (!state.session) { state.ready = null; }
      });
    }
    return state.ready;
  }

  function resumeOrStart() {
    var saved = window.sessionStorage.getItem(storageKey);
    if (!saved) { return start(state.config.language); }
    return api("GET", "/api/chat/transcript", null, saved).then(function (data) {
      state.answered = data.messages.some(function (m) { return m.role === "visitor"; });
      return followLanguage(data).then(function () {
        state.session = saved;
        show(data, true);
      });
    }, function () {
      window.sessionStorage.removeItem(storageKey);
      return start(state.config.language);
    });
  }

  function followLanguage(data) {
    // The conversation's language, not the page's or the browser's: the visitor may have
    // picked another one before a reload.
    if (data.language === state.config.language) {
      applyLanguage(state.config);
      return Promise.resolve();
    }
    return loadConfig(data.language).then(applyLanguage, function () {
      applyLanguage(state.config);
    });
  }

  function start(language) {
    return api("POST", "/api/chat/sessions", { service: serviceId, language: language })
      .then(function (data) {
        state.session = data.session;
        window.sessionStorage.setItem(storageKey, data.session);
        ui.earlier.textContent = "";
        ui.live.textContent = "";
        show(data);
      }, failed);
  }

  function switchLanguage(language) {
    if (state.answered) {
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
      if (!state.session) {
        ui.language.value = state.config.language;
        return;
      }
      return Promise.all([
        loadConfig(language),
        api("POST", "/api/chat/messages", { language: language }, state.session)
      ]).then(function (results) {
        // Focus stays on the picker: the visitor may still be choosing.
        applyLanguage(results[0]);
        show(results[1], true);
      }, function (error) {
        applyLanguage(state.config);
        failed(error);
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
        ui.language.disabled = true;
        show(data);
      }, function (error) {
        // Not said after all: the answer stays in its box, to send again.
        pending.parentNode.removeChild(pending);
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
    var messages = data.messages;
    if (replacing) {
      ui.earlier.textContent = "";
      ui.live.textContent = "";
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

  // Said once in the log (so a screen reader hears it), not again at each press.
  function hint(text) {
    var last = ui.live.lastElementChild;
    if (!last || last.textContent !== text) { addMessage("bot", text); }
  }

  function init() {
    loadConfig(script.getAttribute("data-language")).then(function (config) {
      build(config);
      if (inline) { ensureSession(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
