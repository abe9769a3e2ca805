// facecast's page: every action goes through the REST API (/docs), like any other front-end.
// common.js (loaded first) gives $, api, say and el.
"use strict";

const state = { identity: null, target: null, job: null, photos: [], identities: [],
  faces: [], cast: new Map() };  // cast: face id -> identity id ("" = the identity chosen in 1)

function eta(job) {
  if (job.status === "queued") return "waiting for a free worker…";
  const pct = Math.round(job.progress * 100);
  const left = job.eta_s == null ? "" : `, about ${Math.ceil(job.eta_s)} s left`;
  return `${job.status} ${pct}%${left}`;
}

// Follow a job with server-sent events until it ends; falls back to polling.
function follow(jobId, onUpdate) {
  return new Promise((resolve) => {
    const done = (job) => ["done", "failed", "cancelled"].includes(job.status);
    if (!window.EventSource) {
      const poll = async () => {
        const job = await api(`/api/jobs/${jobId}`);
        onUpdate(job);
        if (done(job)) resolve(job); else setTimeout(poll, 700);
      };
      poll();
      return;
    }
    const source = new EventSource(`/api/jobs/${jobId}/events`);
    let last = null;
    source.addEventListener("job", (event) => {
      last = JSON.parse(event.data);
      onUpdate(last);
      if (done(last)) { source.close(); resolve(last); }
    });
    source.onerror = async () => {
      source.close();
      const job = await api(`/api/jobs/${jobId}`);
      onUpdate(job);
      if (done(job)) resolve(job); else resolve(follow(jobId, onUpdate));
    };
  });
}

// ---- 1. identity ------------------------------------------------------------------------

function renderPhotos(marks = {}) {
  const grid = $("photo-grid");
  grid.replaceChildren();
  state.photos.forEach((photo, i) => {
    const mark = marks[i];
    const fig = el("figure", { class: `thumb ${mark ? (mark.ok ? "ok" : "bad") : ""}` },
      el("img", { src: photo.url, alt: photo.file.name }),
      mark ? el("span", { class: "badge" }, mark.ok ? "✓" : "✗") : null,
      el("figcaption", {}, mark && mark.why ? mark.why : photo.file.name));
    grid.append(fig);
  });
}

$("photos").addEventListener("change", (event) => {
  state.photos.forEach((p) => URL.revokeObjectURL(p.url));
  state.photos = [...event.target.files].map((file) => ({ file, url: URL.createObjectURL(file) }));
  renderPhotos();
  updateTrain();
});

// Training needs 5-15 photos and the consent box ticked.
function updateTrain() {
  const n = state.photos.length;
  const ok = n >= 5 && n <= 15;
  $("train").disabled = !ok || !$("consent").checked;
  if (!n) return;
  say("train-status", !ok ? (n < 5 ? `${n} chosen: add ${5 - n} more (5–15)`
    : `${n} chosen: at most 15, drop ${n - 15}`)
    : $("consent").checked ? `${n} photos ready to train`
    : `${n} photos chosen: tick the box to confirm you may use this face`, !ok);
}

$("consent").addEventListener("change", updateTrain);
$("label").addEventListener("change", () => schedulePreview());

// Marks for each chosen photo from the identity's report (or the error naming photos).
function photoMarks(identity) {
  const marks = {};
  const index = (file) => identity.photos.indexOf(file);
  if (identity.report) {
    for (const p of identity.report.photos) {
      const i = index(p.file);
      const gave = (p.expression || []).join("; ");
      if (i >= 0) marks[i] = { ok: p.accepted, why: p.accepted ? `accepted${gave ? ": " + gave : ""}` : p.problems.join("; ") };
    }
  } else if (identity.error) {
    identity.photos.forEach((file, i) => {
      const line = identity.error.split("\n").find((l) => l.trim().startsWith(`${file}:`));
      marks[i] = line ? { ok: false, why: line.trim().slice(file.length + 1).trim() } : { ok: true, why: "" };
    });
  }
  return marks;
}

$("train-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData();
  form.append("name", $("identity-name").value);
  form.append("consent", $("consent").checked ? "true" : "false");
  state.photos.forEach((p) => form.append("photos", p.file));
  $("train").disabled = true;
  $("train-progress").hidden = false;
  say("train-status", "uploading…");
  try {
    const created = await api("/api/identities", { method: "POST", body: form });
    await follow(created.job_id, (job) => {
      $("train-progress").value = job.progress;
      say("train-status", `training: ${eta(job)}`);
    });
    const identity = await api(`/api/identities/${created.id}`);
    renderPhotos(photoMarks(identity));
    if (identity.status === "ready") {
      say("train-status", "trained");
      await loadIdentities(identity.id);
    } else {
      say("train-status", identity.error || "training failed", true);
    }
  } catch (err) {
    say("train-status", err.message, true);
  } finally {
    $("train-progress").hidden = true;
    updateTrain();
  }
});

function selectIdentity(identity) {
  state.identity = identity;
  document.querySelectorAll("#identity-list .chip").forEach((c) =>
    c.classList.toggle("selected", c.dataset.id === (identity && identity.id)));
  $("identity-ready").hidden = !identity;
  if (identity) {
    $("identity-preview").src = identity.preview_url;
    const r = identity.report;
    $("identity-summary").textContent =
      [`${identity.name}: ${r.accepted} photo(s) used, ${r.rejected} left out.`,
       ...(r.warnings || []).map((w) => `⚠ ${w}`)].join("\n");
  }
  renderFaces();
  updateSwitch();
  schedulePreview();
}

async function loadIdentities(selectId) {
  const list = await api("/api/identities");
  const box = $("identity-list");
  box.replaceChildren();
  const ready = list.filter((i) => i.status === "ready");
  state.identities = ready;
  for (const identity of ready) {
    const chip = el("button", { class: "chip", type: "button", "data-id": identity.id,
      onclick: () => selectIdentity(identity) }, identity.name,
      el("span", { class: "x", title: "delete", role: "button", onclick: async (e) => {
        e.stopPropagation();
        if (!confirm(`Delete ${identity.name} and its files?`)) return;
        await api(`/api/identities/${identity.id}`, { method: "DELETE" });
        if (state.identity && state.identity.id === identity.id) selectIdentity(null);
        loadIdentities();
      } }, "×"));
    box.append(chip);
  }
  const chosen = ready.find((i) => i.id === selectId) || (state.identity &&
    ready.find((i) => i.id === state.identity.id)) || ready[0];
  if (chosen) selectIdentity(chosen);
}

// ---- 2. target --------------------------------------------------------------------------

function selectTarget(target) {
  state.target = target;
  document.querySelectorAll(".tpl").forEach((t) =>
    t.classList.toggle("selected", target && target.kind === "template" && t.dataset.id === target.id));
  loadFaces();
  updateSwitch();
  schedulePreview();
}

// The installed engines and enhancers only (GET /api/engines); unverified files say so.
async function loadEngines() {
  const { engines, enhancers, masks } = await api("/api/engines");
  const option = (m) => el("option", { value: m.name }, m.unverified ? `${m.name} (unverified)` : m.name);
  $("engine").replaceChildren(...engines.map(option));
  $("enhancer").replaceChildren(el("option", { value: "" }, "none"), ...enhancers.map(option));
  $("mask-model").replaceChildren(el("option", { value: "" }, "none"), ...masks.map(option));
}
for (const id of ["engine", "enhancer", "mask-model"]) $(id).addEventListener("change", () => schedulePreview());

async function loadTemplates() {
  const templates = await api("/api/templates");
  const box = $("templates");
  box.replaceChildren();
  for (const t of templates) {
    const length = t.duration == null ? "" : ` · ${t.duration.toFixed(1)} s`;
    box.append(el("button", { class: "tpl", type: "button", "data-id": t.id,
      onclick: () => selectTarget({ kind: "template", id: t.id, fileUrl: t.file_url,
        facesUrl: t.faces_url, mediaKind: "video", title: t.title, track: t.track }) },
      el("span", { class: "poster" },
        el("img", { src: t.thumbnail_url, alt: t.title, loading: "lazy" }),
        el("img", { class: "who", src: t.face_url, alt: "the face that will be replaced",
          title: "the face that will be replaced", loading: "lazy" })),
      el("b", {}, t.title), el("small", {}, `${t.description}${length}`)));
  }
  if (!templates.length) box.append(el("p", { class: "hint" }, "No templates installed: upload a video."));
}

$("video-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  say("target-status", `uploading ${file.name}…`);
  try {
    const video = await api("/api/videos", { method: "POST", body: form });
    const facts = video.kind === "video"
      ? `${video.width}×${video.height}, ${video.duration.toFixed(1)} s`
      : `photo ${video.width}×${video.height}`;
    say("target-status", [`${file.name}: ${facts}`, ...video.warnings.map((w) => `⚠ ${w}`)].join("\n"));
    selectTarget({ kind: "video", id: video.id, fileUrl: video.file_url,
      facesUrl: `/api/videos/${video.id}/faces`, mediaKind: video.kind, title: file.name });
  } catch (err) {
    say("target-status", err.message, true);
    event.target.value = "";
  }
});

// ---- 3. faces ---------------------------------------------------------------------------

// Every face of the target (GET .../faces); the user picks faces and who goes on each.
async function loadFaces() {
  state.faces = [];
  state.cast = new Map();
  renderFaces();
  if (!state.target) return;
  say("faces-status", "looking for faces…");
  try {
    const found = await api(state.target.facesUrl);
    state.faces = found.faces;
    const track = state.target.track;
    const largest = found.faces.reduce((a, f) => (a && a.size >= f.size ? a : f), null);
    const first = found.faces.find((f) => f.id === track) || largest;
    if (first) state.cast.set(first.id, "");
    renderFaces();
  } catch (err) {
    say("faces-status", err.message, true);
  }
}

function renderFaces() {
  const box = $("faces");
  box.replaceChildren();
  const many = state.faces.length > 1;
  for (const face of state.faces) {
    const picked = state.cast.has(face.id);
    const span = face.first_frame === face.last_frame ? "" : ` · ${face.start.toFixed(1)}–${face.end.toFixed(1)} s`;
    const who = many && picked ? el("select", { class: "who-select", "aria-label": `who goes on face ${face.id}`,
      onclick: (e) => e.stopPropagation(),
      onchange: (e) => { state.cast.set(face.id, e.target.value); } },
      el("option", { value: "" }, state.identity ? state.identity.name : "your face"),
      ...state.identities.filter((i) => !state.identity || i.id !== state.identity.id)
        .map((i) => el("option", { value: i.id }, i.name))) : null;
    if (who) who.value = state.cast.get(face.id);
    box.append(el("figure", { class: `thumb face ${picked ? "selected" : ""}`, "data-id": face.id,
      onclick: () => { if (!many) return;
        if (picked) state.cast.delete(face.id); else state.cast.set(face.id, "");
        renderFaces(); updateSwitch(); } },
      el("img", { src: face.thumbnail_url, alt: `face ${face.id}` }),
      el("figcaption", {}, `face ${face.id} · ${Math.round(face.size)} px${span}`), who));
  }
  const n = state.cast.size;
  if (!state.target) say("faces-status", "");
  else if (!state.faces.length) say("faces-status", "no face found: the swap may leave it unchanged", true);
  else if (!many) say("faces-status", "this face will be replaced");
  else say("faces-status", n ? `${n} of ${state.faces.length} faces will be replaced: click a face to add or remove it, and choose who goes on each`
    : "click the faces to replace", !n);
}

// ---- 4. switch --------------------------------------------------------------------------

for (const [input, output] of [["identity-strength", "is-out"], ["shape-strength", "ss-out"],
  ["likeness", "lk-out"]]) {
  $(input).addEventListener("input", () => { $(output).textContent = Number($(input).value).toFixed(2); });
}

function updateSwitch() {
  const someone = state.faces.length <= 1 || state.cast.size > 0;
  $("switch").disabled = !(state.identity && state.target && someone) || !!state.job;
  $("edit").disabled = !state.target || !!state.job;
}

// "largest" for a single face (as before); otherwise the picked faces and who goes on each.
function facesBody() {
  if (state.faces.length <= 1) return { faces: "largest" };
  const map = {};
  for (const [id, who] of state.cast) if (who) map[id] = who;
  return { faces: [...state.cast.keys()].sort((a, b) => a - b), map };
}

function params() {
  const p = { identity_strength: Number($("identity-strength").value),
    shape_strength: Number($("shape-strength").value), likeness: Number($("likeness").value),
    engine: $("engine").value,
    label: $("label").checked };
  if ($("enhancer").value) p.enhancer = $("enhancer").value;
  if ($("mask-model").value) p.mask_models = [$("mask-model").value];
  if ($("target-glasses").checked) p.target_glasses = true;  // unticked: the template's own
  const start = $("trim-start").value, end = $("trim-end").value;
  if (start !== "") p.start = Number(start);
  if (end !== "") p.end = Number(end);
  return Object.assign(p, looksParams());
}

// Runs a swap or an edit job from the page: progress, ETA, cancel, result, history.
async function runJob(url, body, doing) {
  $("job-box").hidden = false;
  $("job-progress").value = 0;
  say("job-status", "starting…");
  try {
    const { job_id } = await api(url, { method: "POST",
      headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    state.job = job_id;
    $("cancel").hidden = false;
    updateSwitch();
    loadHistory();  // the new job is listed while it runs, not only once it ends
    const job = await follow(job_id, (j) => {
      $("job-progress").value = j.progress;
      say("job-status", `${doing}: ${eta(j)}`);
    });
    if (job.status === "done") { say("job-status", "done"); showResult(job); }
    else say("job-status", job.status === "cancelled" ? "cancelled" : job.error, job.status === "failed");
  } catch (err) {
    say("job-status", err.message, true);
  } finally {
    state.job = null;
    $("cancel").hidden = true;
    updateSwitch();
    loadHistory();
  }
}

$("switch").addEventListener("click", () => {
  const body = { identity_id: state.identity.id, ...facesBody(), params: params() };
  body[state.target.kind === "template" ? "template_id" : "video_id"] = state.target.id;
  return runJob("/api/swaps", body, "switching");
});

$("cancel").addEventListener("click", async () => {
  if (state.job) await api(`/api/jobs/${state.job}/cancel`, { method: "POST" });
});

// ---- 4. looks ---------------------------------------------------------------------------
// The controls are built from the API's own schema (/openapi.json), so names, ranges and
// descriptions have one definition: facecast.params.

const looks = { style: "realistic", timer: null, request: null, url: null };

function sliderFor(group, name, spec) {
  const span = spec.maximum - spec.minimum;
  const step = span <= 10 ? 0.1 : 1;
  const out = el("output", {}, "0");
  const input = el("input", { type: "range", min: spec.minimum, max: spec.maximum, step,
    value: spec.default, "data-group": group, "data-name": name, title: spec.description });
  input.addEventListener("input", () => { out.textContent = input.value; schedulePreview(); });
  return el("label", { class: "slider", title: spec.description }, spec.title, out, input);
}

function selectStyle(style) {
  looks.style = style;
  document.querySelectorAll("#styles .chip").forEach((c) =>
    c.classList.toggle("selected", c.dataset.style === style));
  schedulePreview();
}

async function loadLooks() {
  const schemas = (await api("/openapi.json")).components.schemas;
  const styles = $("styles");
  for (const style of schemas.EditParams.properties.style.enum) {
    styles.append(el("button", { class: "chip", type: "button", "data-style": style,
      role: "radio", onclick: () => selectStyle(style) }, style));
  }
  for (const [group, box] of [["Adjustments", "adjust-sliders"], ["Sliders", "reshape-sliders"]]) {
    for (const [name, spec] of Object.entries(schemas[group].properties)) {
      $(box).append(sliderFor(group, name, spec));
    }
  }
  selectStyle("realistic");
}

// The looks part of the parameters (as in facecast.params.EditParams): only what moved.
function looksParams() {
  const p = { style: looks.style, style_scope: $("style-scope").value, adjustments: {}, sliders: {} };
  document.querySelectorAll("#step-looks input[type=range]").forEach((input) => {
    const value = Number(input.value);
    if (value !== 0) p[input.dataset.group === "Sliders" ? "sliders" : "adjustments"][input.dataset.name] = value;
  });
  return p;
}

function target() {
  return state.target.kind === "template" ? { template_id: state.target.id } : { video_id: state.target.id };
}

function schedulePreview() {
  clearTimeout(looks.timer);
  looks.timer = setTimeout(renderPreview, 250);
}

async function renderPreview() {
  if (!state.target) return;
  if (looks.request) looks.request.abort();
  const request = looks.request = new AbortController();
  const body = { ...target(), params: params(), time: Number($("trim-start").value) || 0 };
  if (state.identity) body.identity_id = state.identity.id;
  $("look-preview").classList.add("stale");
  say("preview-status", "rendering a preview…");
  try {
    const response = await fetch("/api/previews", { method: "POST", signal: request.signal,
      headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw new Error((problem && problem.detail) || `${response.status} ${response.statusText}`);
    }
    const url = URL.createObjectURL(await response.blob());
    if (looks.url) URL.revokeObjectURL(looks.url);
    looks.url = url;
    $("look-preview").src = url;
    $("look-preview").hidden = false;
    $("look-preview").classList.remove("stale");
    const timing = /dur=([\d.]+)/.exec(response.headers.get("server-timing") || "");
    say("preview-status", `${state.identity ? "your face, " : ""}${looks.style}` +
      (timing ? ` · rendered in ${Math.round(Number(timing[1]))} ms` : ""));
  } catch (err) {
    if (err.name !== "AbortError") say("preview-status", err.message, true);
  }
}

$("style-scope").addEventListener("change", schedulePreview);
for (const id of ["identity-strength", "shape-strength", "likeness", "trim-start"]) {
  $(id).addEventListener("change", schedulePreview);
}

$("looks-reset").addEventListener("click", () => {
  document.querySelectorAll("#step-looks input[type=range]").forEach((input) => {
    input.value = 0;
    input.previousSibling.textContent = "0";
  });
  $("style-scope").value = "frame";
  selectStyle("realistic");
});

// The looks alone, on the original (POST /api/edits): style, adjustments, sliders and trim.
$("edit").addEventListener("click", () => {
  const { identity_strength: _i, shape_strength: _s, likeness: _l, engine: _e, enhancer: _h,
    mask_models: _m, target_glasses: _g, ...edit } = params();
  return runJob("/api/edits", { ...target(), params: edit }, "applying the looks");
});

// ---- result -----------------------------------------------------------------------------

function showResult(job) {
  const isVideo = job.result_kind === "video";
  const [result, before] = isVideo ? [$("result-video"), $("before-video")]
    : [$("result-image"), $("before-image")];
  $("result-video").hidden = $("before-video").hidden = !isVideo;
  $("result-image").hidden = $("before-image").hidden = isVideo;
  setCompare($("compare-slider").value);
  const offset = (job.params && job.params.start) || 0;
  before.src = job.source_url;
  result.src = job.result_url;
  if (isVideo) {
    const sync = () => {
      const t = result.currentTime + offset;
      if (Math.abs(before.currentTime - t) > 0.15) before.currentTime = t;
      if (result.paused !== before.paused) (result.paused ? before.pause() : before.play().catch(() => {}));
    };
    result.ontimeupdate = sync; result.onplay = sync; result.onpause = sync; result.onseeked = sync;
    result.play().catch(() => {});
  }
  $("download").href = job.result_url;
  showCredentials(job);
  $("result-warnings").textContent = (job.warnings || []).join("\n");
  showQuality(job.report);
  $("step-result").hidden = false;
  $("step-result").scrollIntoView({ behavior: "smooth", block: "start" });
}

// What the result's Content Credentials say, read back from the file by the server.
async function showCredentials(job) {
  say("credentials", "");
  try {
    const c = await api(`/api/jobs/${job.id}/credentials`);
    if (!c.present) { say("credentials", "No Content Credentials", true); return; }
    const what = c.ai_generated ? "AI-generated" : "edited by facecast, no face replaced";
    const trust = !c.valid ? " (invalid: the file changed after signing)"
      : c.state === "Trusted" ? "" : " (signed with facecast's local certificate)";
    say("credentials", `Content Credentials: ${what}${trust}`, !c.valid);
  } catch (err) {
    say("credentials", err.message, true);
  }
}

// The swap's own measurements (GET /api/jobs/{id} -> report), in words a person reads.
const QUALITY = [
  ["id_user", "looks like you (face distance, lower is closer)"],
  ["id_win", "frames where it is you, not the original"],
  ["eye_corr", "follows the eyes (correlation)"],
  ["mouth_corr", "follows the mouth (correlation)"],
  ["flicker", "flicker (1.0 = as steady as the original)"],
  ["pose_drift", "sliding on the head (face widths)"],
  ["seam", "edge at the border (1.0 = none added)"],
  ["delta_e_excess", "skin tone against the neck (ΔE over the original's)"],
  ["coverage", "face frames swapped"],
  ["fine_detail", "skin detail (1.0 = as fine as the original)"],
  ["mouth_false_open", "frames with the mouth drawn open over closed lips"],
  ["ghosting", "the original's brows and eyes showing through (0 = none)"],
];

function showQuality(report) {
  const table = $("quality-table");
  table.replaceChildren();
  $("quality").hidden = !report;
  if (!report) return;
  for (const [key, label] of QUALITY) {
    const value = report[key];
    if (value === null || value === undefined) continue;
    const verdict = key in report.passed ? (report.passed[key] ? "ok" : "off target") : "";
    table.append(el("tr", {}, el("td", {}, label), el("td", {}, value.toFixed(2)),
                    el("td", { class: verdict === "ok" ? "ok" : "bad" }, verdict)));
  }
  if (report.blinks_original !== null && report.blinks_original !== undefined) {
    table.append(el("tr", {}, el("td", {}, "blinks (original / result)"),
                    el("td", {}, `${report.blinks_original} / ${report.blinks_swapped}`), el("td", {})));
  }
}

// The before layer stops short of the video's controls so they stay usable.
function setCompare(percent) {
  const gap = $("result-video").hidden ? 0 : 64;
  $("before-layer").style.clipPath = `inset(0 ${100 - percent}% ${gap}px 0)`;
  $("divider").style.bottom = `${gap}px`;
  $("divider").style.left = `${percent}%`;
}
$("compare-slider").addEventListener("input", (event) => setCompare(event.target.value));

// ---- history ----------------------------------------------------------------------------

async function loadHistory() {
  const jobs = await api("/api/jobs");
  const list = $("history");
  list.replaceChildren();
  for (const job of jobs) {
    const into = job.template_id || "your upload";
    const faces = Array.isArray(job.faces) && job.faces.length > 1 ? ` (${job.faces.length} faces)` : "";
    const what = job.kind === "swap" ? `Swap into ${into}${faces}`
      : job.kind === "edit" ? `Looks of ${into}`
      : job.kind === "dataset" ? "Face dataset" : "Training";
    const when = new Date(job.created_at).toLocaleString();
    list.append(el("li", {},
      el("span", {}, `${what} · ${when}`),
      el("span", { class: `state-${job.status}` }, job.status === "failed" ? `failed: ${job.error}` : job.status),
      job.result_url ? el("a", { href: "#", onclick: (e) => { e.preventDefault(); showResult(job); } }, "show") : null,
      job.kind === "dataset" ? el("a", { href: `/dataset.html#${job.id}` }, "open") : null));
  }
  if (!jobs.length) list.append(el("li", { class: "hint" }, "Nothing yet."));
}

// Delete my data (DELETE /api/session): everything this browser's session made.
$("delete-data").addEventListener("click", async () => {
  if (!window.confirm("Delete every photo, identity, upload, result and job of yours?")) return;
  try {
    const gone = await api("/api/session", { method: "DELETE" });
    $("step-result").hidden = $("job-box").hidden = $("look-preview").hidden = true;
    $("look-preview").removeAttribute("src");
    say("preview-status", "Pick a video or photo to see a preview.");
    $("video-file").value = "";
    selectIdentity(null);
    selectTarget(null);
    await Promise.all([loadIdentities(), loadHistory()]);
    say("delete-status", `Deleted ${gone.identities} identities, ${gone.videos} uploads and ` +
      `${gone.jobs} jobs.`);
  } catch (err) {
    say("delete-status", err.message, true);
  }
});

setCompare($("compare-slider").value);
loadIdentities().catch((err) => say("train-status", err.message, true));
loadTemplates().catch((err) => say("target-status", err.message, true));
loadEngines().catch(() => {});
loadHistory().catch(() => {});
loadLooks().catch((err) => say("preview-status", err.message, true));
