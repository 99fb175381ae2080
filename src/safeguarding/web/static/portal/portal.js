// The self-report page (templates/portal/report.html): files are hashed here, on this
// device, by /static/hashing/; the page sends only the hashes and the chosen category, as
// shown to the person before they agree (docs/self-report.md lists the fields).

import { Hasher } from "/static/hashing/index.js";

const form = document.getElementById("report");
const input = document.getElementById("files");
const list = document.getElementById("file-list");
const payloadView = document.getElementById("payload");
const consent = document.getElementById("consent");
const send = document.getElementById("send");
const problem = document.getElementById("problem");

// Made once per page: a resent report (a double click, a retry) is known as the same one.
const submissionId = Array.from(crypto.getRandomValues(new Uint8Array(16)),
  (b) => b.toString(16).padStart(2, "0")).join("");
let hasher = null;
let entries = [];  // {file, item, result?, error?}
let busy = 0;
let sent = false;

form.hidden = false;

input.addEventListener("change", () => {
  hasher ??= new Hasher();
  for (const file of input.files) add(file);
  input.value = "";  // the same file chosen again is a new choice
  update();
});
form.addEventListener("change", update);
form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});

function add(file) {
  const item = document.createElement("li");
  const label = document.createElement("span");
  label.textContent = file.name;
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute("aria-label", `Making codes for ${file.name}`);
  const state = document.createElement("span");
  state.className = "state";
  state.textContent = "Making codes…";
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = "Remove";
  remove.setAttribute("aria-label", `Remove ${file.name}`);
  item.append(label, bar, state, remove);
  list.append(item);
  const entry = { file, item };
  entries.push(entry);
  remove.addEventListener("click", () => {
    entries = entries.filter((e) => e !== entry);
    item.remove();
    update();
  });
  busy += 1;
  hasher.hashFile(file, { onProgress: ({ fraction }) => { bar.value = fraction; } })
    .then((result) => {
      entry.result = result;
      bar.value = 1;
      state.textContent = result.notice ? `Done, but: ${result.notice.message}` : "Done";
    })
    .catch((error) => {
      entry.error = error;
      state.textContent = `We can't use this file: ${error.message}`;
      item.classList.add("failed");
    })
    .finally(() => { busy -= 1; update(); });
}

/** Exactly the body that will be sent: the documented fields, nothing else. */
function payload() {
  const category = form.querySelector('input[name="category"]:checked')?.value;
  const files = entries.filter((e) => e.result).map(({ result }) => {
    const file = { md5: result.md5, sha256: result.sha256,
                   pdq: (result.pdq ?? []).map(({ view, hash, quality }) => ({ view, hash, quality })) };
    if (result.vpdq) file.vpdq = result.vpdq;
    return file;
  });
  return { submission_id: submissionId, category: category ?? null, files };
}

function update() {
  const body = payload();
  payloadView.textContent = body.files.length
    ? JSON.stringify(body, null, 2)
    : "Nothing yet: choose photos or videos first.";
  const ready = !sent && busy === 0 && body.files.length > 0 && body.category && consent.checked;
  send.disabled = !ready;
}

async function submit() {
  const body = payload();
  if (send.disabled) return;
  send.disabled = true;
  problem.hidden = true;
  try {
    const answer = await fetch("/report-remove/submissions", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "omit", cache: "no-store",
      referrerPolicy: "no-referrer",
    });
    const reply = await answer.json();
    if (!answer.ok) throw new Error(reply.error?.message ?? "something went wrong");
    sent = true;
    show(reply);
  } catch (error) {
    problem.textContent = `Your report was not sent: ${error.message}. You can try again.`;
    problem.hidden = false;
    update();
  }
}

function show({ case_number, pin }) {
  hasher?.close();
  form.hidden = true;
  const saved = document.getElementById("saved");
  document.getElementById("case-number").textContent = case_number;
  document.getElementById("pin").textContent = pin;
  saved.hidden = false;
  document.getElementById("save-heading").focus();
  const check = document.getElementById("saved-check");
  check.addEventListener("change", () => {
    document.getElementById("done").hidden = !check.checked;
  });
}
