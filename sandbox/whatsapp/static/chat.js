// Chat page of the WhatsApp sandbox: sends what the user types or taps to the
// sandbox server (which signs and forwards it to the assistant) and long-polls
// the conversation of the chosen number to show the assistant's replies.
"use strict";

const TYPING_TIMEOUT_MS = 15000;
const POLL_WAIT_SECONDS = 20;
const RETRY_DELAY_MS = 1000;

const state = {
  waId: "",
  name: "",
  version: -1,
  rendered: new Map(),  // message_id -> bubble element
  pollToken: 0,
  typingTimer: null,
  sheetChoice: null,
};

const $ = (id) => document.getElementById(id);

function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

// WhatsApp formatting: *bold*, _italic_, ~strike~, ```mono```, "- " bullets, line breaks.
function formatWhatsApp(text) {
  const monos = [];
  let html = escapeHtml(text).replace(/```([\s\S]+?)```/g, (_, code) => {
    monos.push(code);
    return `\u0000${monos.length - 1}\u0000`;
  });
  const edge = "(^|[\\s(\\[>\"'])";
  const end = "(?=$|[\\s).,!?:;\\]<\"'])";
  const inline = (marker, tag) => {
    const m = marker.replace(/[*~]/, "\\$&");
    const pattern = new RegExp(`${edge}${m}(?=\\S)([^\\n]*?\\S)${m}${end}`, "gm");
    html = html.replace(pattern, `$1<${tag}>$2</${tag}>`);
  };
  inline("*", "strong");
  inline("_", "em");
  inline("~", "s");
  html = html.replace(/^[-*] (?=\S)/gm, "• ");
  html = html.replace(/\n/g, "<br>");
  return html.replace(/\u0000(\d+)\u0000/g, (_, index) => `<code>${monos[Number(index)]}</code>`);
}

function timeOf(seconds) {
  const date = new Date(seconds * 1000);
  return date.toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit" });
}

function tickFor(item) {
  if (item.direction !== "in") return "";
  if (item.status === "failed") return '<span class="tick failed" title="Gagal">!</span>';
  if (item.status === "pending") return '<span class="tick" title="Mengirim">&#128337;</span>';
  if (item.status === "read") return '<span class="tick read" title="Dibaca">&#10003;&#10003;</span>';
  return '<span class="tick" title="Terkirim">&#10003;&#10003;</span>';
}

function describeIncoming(message) {
  switch (message.type) {
    case "text": return formatWhatsApp(message.text.body);
    case "interactive": {
      const reply = message.interactive[message.interactive.type];
      return escapeHtml(reply.title || reply.id);
    }
    case "button": return escapeHtml(message.button.text || message.button.payload);
    case "image": return '<span class="kind">&#128247; Gambar</span>';
    case "document": return '<span class="kind">&#128196; Dokumen</span>';
    case "audio": return '<span class="kind">&#127908; Pesan suara</span>';
    case "sticker": return '<span class="kind">Stiker</span>';
    case "location": return `<span class="kind">&#128205; ${escapeHtml(message.location.name || "Lokasi")}</span>`;
    default: return `<span class="kind">${escapeHtml(message.type)}</span>`;
  }
}

function actionButton(label, className, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = className;
  button.textContent = label;
  button.addEventListener("click", onClick);
  return button;
}

// Renders what the assistant sent: text, reply buttons, list, template or media.
function renderOutgoing(bubble, item) {
  const message = item.message;
  const parts = [];
  const actions = document.createElement("div");
  actions.className = "actions";

  if (message.type === "text") {
    parts.push(formatWhatsApp(message.text.body));
  } else if (message.type === "interactive") {
    const interactive = message.interactive;
    if (interactive.header && interactive.header.text) parts.push(`<div class="header">${formatWhatsApp(interactive.header.text)}</div>`);
    parts.push(formatWhatsApp(interactive.body.text));
    if (interactive.footer) parts.push(`<div class="footer">${formatWhatsApp(interactive.footer.text)}</div>`);
    if (interactive.type === "button") {
      for (const button of interactive.action.buttons) {
        const reply = button.reply;
        actions.appendChild(actionButton(reply.title, "wa-reply-button", () =>
          sendMessage({ kind: "button_reply", id: reply.id, title: reply.title, context_id: item.message_id })));
      }
    } else if (interactive.type === "list") {
      const label = interactive.action.button;
      actions.appendChild(actionButton(`\u2630 ${label}`, "wa-list-open", () => openSheet(item, label, interactive.action.sections)));
    }
  } else if (message.type === "template") {
    const template = message.template;
    parts.push(`<div class="kind">Templat: ${escapeHtml(template.name)} (${escapeHtml(template.language.code)})</div>`);
    for (const component of template.components || []) {
      if (component.type === "body") {
        parts.push(component.parameters.map((p) => formatWhatsApp(p.text || "")).join("<br>"));
      } else if (component.type === "button" && component.sub_type === "quick_reply") {
        const payload = component.parameters[0].payload;
        actions.appendChild(actionButton(payload, "wa-reply-button", () =>
          sendMessage({ kind: "button", payload, text: payload, context_id: item.message_id })));
      }
    }
  } else {
    const media = message[message.type] || {};
    parts.push(`<span class="kind">[${escapeHtml(message.type)}] ${escapeHtml(media.link || media.caption || "")}</span>`);
  }

  bubble.innerHTML = `<div class="content">${parts.join("")}</div>`;
  if (actions.childElementCount) {
    bubble.classList.add("with-actions");
    bubble.appendChild(actions);
  }
}

function renderItem(item) {
  let bubble = state.rendered.get(item.message_id);
  const isNew = !bubble;
  if (isNew) {
    bubble = document.createElement("div");
    bubble.className = `bubble ${item.direction}`;
    bubble.dataset.messageId = item.message_id;
    if (item.direction === "out") {
      renderOutgoing(bubble, item);
    } else {
      bubble.innerHTML = `<div class="content">${describeIncoming(item.message)}</div>`;
    }
    const meta = document.createElement("span");
    meta.className = "meta";
    bubble.insertBefore(meta, bubble.querySelector(".actions"));
    $("messages").appendChild(bubble);
    state.rendered.set(item.message_id, bubble);
  }
  bubble.querySelector(".meta").innerHTML = `${timeOf(item.at)} ${tickFor(item)}`;
  const oldError = bubble.querySelector(".error");
  if (oldError) oldError.remove();
  if (item.error) {
    const error = document.createElement("div");
    error.className = "error";
    error.textContent = `Gagal terkirim ke asisten (${item.error}).`;
    bubble.insertBefore(error, bubble.querySelector(".meta"));
  }
  return isNew;
}

function setTyping(on) {
  clearTimeout(state.typingTimer);
  $("chat-status").textContent = on ? "sedang mengetik…" : "online";
  if (on) state.typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
}

async function sendMessage(fields) {
  setTyping(true);
  try {
    const response = await fetch("/sandbox/api/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ wa_id: state.waId, name: state.name, ...fields }),
    });
    const result = await response.json();
    if (result.webhook_status !== 200) setTyping(false);
  } catch (error) {
    setTyping(false);
  }
}

async function poll(token) {
  while (token === state.pollToken) {
    try {
      const query = new URLSearchParams({ wa_id: state.waId, version: state.version, wait: POLL_WAIT_SECONDS });
      const response = await fetch(`/sandbox/api/conversation?${query}`);
      const data = await response.json();
      if (token !== state.pollToken) return;
      state.version = data.version;
      let newReply = false;
      for (const item of data.items) {
        if (renderItem(item) && item.direction === "out") newReply = true;
      }
      if (newReply) {
        setTyping(false);
        $("messages").scrollTop = $("messages").scrollHeight;
      }
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}

function openSheet(item, label, sections) {
  state.sheetChoice = null;
  $("sheet-title").textContent = label;
  const rowsBox = $("sheet-rows");
  rowsBox.innerHTML = "";
  for (const section of sections) {
    if (section.title) {
      const heading = document.createElement("div");
      heading.className = "hint";
      heading.style.padding = "8px 16px 0";
      heading.textContent = section.title;
      rowsBox.appendChild(heading);
    }
    for (const row of section.rows) {
      const element = document.createElement("div");
      element.className = "sheet-row wa-row";
      element.dataset.rowId = row.id;
      element.innerHTML = `<div><div class="title">${escapeHtml(row.title)}</div>` +
        (row.description ? `<div class="description">${escapeHtml(row.description)}</div>` : "") +
        '</div><span class="radio"></span>';
      element.addEventListener("click", () => {
        rowsBox.querySelectorAll(".sheet-row").forEach((other) => other.classList.remove("selected"));
        element.classList.add("selected");
        state.sheetChoice = { kind: "list_reply", id: row.id, title: row.title, description: row.description, context_id: item.message_id };
        $("sheet-send").disabled = false;
      });
      rowsBox.appendChild(element);
    }
  }
  $("sheet-send").disabled = true;
  $("sheet").hidden = false;
}

function closeSheet() {
  $("sheet").hidden = true;
  state.sheetChoice = null;
}

function useNumber(waId, name) {
  state.waId = waId.replace(/\D/g, "");
  state.name = name.trim();
  state.version = -1;
  state.rendered.clear();
  document.querySelectorAll(".bubble").forEach((bubble) => bubble.remove());
  const url = new URL(window.location);
  url.searchParams.set("wa_id", state.waId);
  window.history.replaceState(null, "", url);
  state.pollToken += 1;
  poll(state.pollToken);
}

async function init() {
  const config = await (await fetch("/sandbox/api/config")).json();
  const params = new URLSearchParams(window.location.search);
  $("wa-id-input").value = params.get("wa_id") || config.default_wa_id;
  $("name-input").value = params.get("name") || config.default_profile_name;
  $("webhook-info").textContent = `Webhook asisten: ${config.webhook_url}`;

  $("number-form").addEventListener("submit", (event) => {
    event.preventDefault();
    useNumber($("wa-id-input").value, $("name-input").value);
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("composer-input").value.trim();
    if (!text) return;
    $("composer-input").value = "";
    sendMessage({ kind: "text", text });
  });
  $("attach-toggle").addEventListener("click", () => { $("attach-menu").hidden = !$("attach-menu").hidden; });
  document.querySelectorAll("#attach-menu button").forEach((button) => {
    button.addEventListener("click", () => {
      $("attach-menu").hidden = true;
      sendMessage({ kind: button.dataset.kind });
    });
  });
  $("sheet-close").addEventListener("click", closeSheet);
  $("sheet-send").addEventListener("click", () => {
    const choice = state.sheetChoice;
    closeSheet();
    if (choice) sendMessage(choice);
  });

  useNumber($("wa-id-input").value, $("name-input").value);
}

init();
