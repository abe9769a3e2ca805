// The Dataset page: videos in, folders of faces out. Only the REST API (/docs) is used;
// common.js (loaded first) gives $, api, say and el.
"use strict";

const chosen = { uploads: [], paths: [] };  // uploads: {id, name}; paths: under the server root
let folder = "";  // the server folder being browsed
let running = null;  // the EventSource of the job being followed
let followed = null;  // that job's id

function renderChosen() {
  const list = $("chosen");
  list.replaceChildren();
  const drop = (array, item) => () => { array.splice(array.indexOf(item), 1); renderChosen(); };
  for (const up of chosen.uploads) {
    list.append(el("li", {}, `${up.name} (uploaded)`,
      el("button", { type: "button", class: "secondary", onclick: drop(chosen.uploads, up) }, "remove")));
  }
  for (const path of chosen.paths) {
    list.append(el("li", {}, `${path || "the whole dataset folder"} (server)`,
      el("button", { type: "button", class: "secondary", onclick: drop(chosen.paths, path) }, "remove")));
  }
  if (!list.children.length) list.append(el("li", { class: "hint" }, "nothing yet"));
  $("start").disabled = running !== null || !(chosen.uploads.length || chosen.paths.length);
}

function choosePath(path) {
  if (!chosen.paths.includes(path)) chosen.paths.push(path);
  renderChosen();
}

// ---- 1. videos ---------------------------------------------------------------------------

$("upload").addEventListener("change", async (event) => {
  for (const file of [...event.target.files]) {
    const form = new FormData();
    form.append("file", file);
    say("upload-status", `uploading ${file.name}…`);
    try {
      const video = await api("/api/videos", { method: "POST", body: form });
      chosen.uploads.push({ id: video.id, name: file.name });
      say("upload-status", `${file.name}: ${video.width}×${video.height}, ${video.duration.toFixed(1)} s`);
      renderChosen();
    } catch (err) {
      say("upload-status", `${file.name}: ${err.message}`, true);
    }
  }
  event.target.value = "";
});

async function browse(path) {
  try {
    const here = await api(`/api/datasets/folders?path=${encodeURIComponent(path)}`);
    folder = here.path;
    $("server").hidden = false;
    $("output-row").hidden = false;
    $("here").textContent = `dataset folder / ${here.path}`;
    $("up").disabled = here.parent === null;
    $("up").onclick = () => browse(here.parent);
    const join = (name) => (here.path ? `${here.path}/${name}` : name);
    const list = $("entries");
    list.replaceChildren();
    for (const name of here.folders) {
      list.append(el("li", { class: "folder" },
        el("a", { href: "#", onclick: (e) => { e.preventDefault(); browse(join(name)); } }, `${name}/`)));
    }
    for (const name of here.videos) {
      list.append(el("li", { class: "video" }, name,
        el("button", { type: "button", class: "secondary", onclick: () => choosePath(join(name)) }, "add")));
    }
    if (here.photos.length) {
      list.append(el("li", { class: "hint" }, `${here.photos.length} photo(s): use the folder to take them`));
    }
    if (!list.children.length) list.append(el("li", { class: "hint" }, "empty folder"));
    say("server-status", "");
  } catch (err) {
    // 403: no server folder is configured; uploads still work.
    say("server-status", err.message, !err.message.includes("not enabled"));
  }
}
$("use-folder").addEventListener("click", () => choosePath(folder));

// ---- 2. start ----------------------------------------------------------------------------

function params() {
  const k = $("k").value.trim().toLowerCase();
  return { min_face: Number($("min-face").value), every: Number($("every").value),
    size: Number($("size").value), k: k === "" || k === "auto" ? "auto" : Number(k) };
}

$("start").addEventListener("click", async () => {
  const body = { video_ids: chosen.uploads.map((u) => u.id), paths: chosen.paths, params: params() };
  const output = $("output").value.trim();
  if (output) body.output = output;
  say("start-status", "starting…");
  try {
    const { job_id } = await api("/api/datasets", { method: "POST",
      headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    window.location.hash = job_id;
    follow(job_id);
  } catch (err) {
    say("start-status", err.message, true);
  }
});

// ---- 3. log, live -----------------------------------------------------------------------

function follow(jobId) {
  if (running) running.close();
  $("step-log").hidden = false;
  $("step-result").hidden = true;
  $("progress").hidden = false;
  $("log").textContent = "";
  const source = new EventSource(`/api/datasets/${jobId}/events`);
  running = source;
  followed = jobId;
  renderChosen();
  source.addEventListener("log", (event) => {
    const log = $("log");
    log.textContent += `${event.data}\n`;
    log.scrollTop = log.scrollHeight;
  });
  source.addEventListener("job", (event) => {
    const job = JSON.parse(event.data);
    $("progress").value = job.progress;
    const pct = Math.round(job.progress * 100);
    $("cancel").hidden = !["queued", "running"].includes(job.status);
    if (job.status === "queued") say("start-status", "waiting for a free worker…");
    else if (job.status === "running") say("start-status", `working: ${pct}%` +
      (job.eta_s == null ? "" : `, about ${Math.ceil(job.eta_s)} s left`));
    else finish(job);
  });
  source.onerror = () => {  // the stream ended (job finished) or the connection dropped
    source.close();
    if (running === source) {
      running = null;
      api(`/api/jobs/${jobId}`).then((job) => {
        if (["done", "failed", "cancelled"].includes(job.status)) finish(job);
        else follow(jobId);
      }).catch((err) => say("start-status", err.message, true));
    }
  };
}

$("cancel").addEventListener("click", () => {
  if (followed) api(`/api/jobs/${followed}/cancel`, { method: "POST" })
    .catch((err) => say("start-status", err.message, true));
});

function finish(job) {
  if (running) { running.close(); running = null; }
  $("progress").hidden = true;
  $("cancel").hidden = true;
  renderChosen();
  loadHistory();
  if (job.status === "done") {
    say("start-status", "done");
    showFiles(job.id);
  } else {
    say("start-status", job.status === "failed" ? job.error : job.status, job.status === "failed");
  }
}

// ---- result -----------------------------------------------------------------------------

async function showFiles(jobId) {
  const files = await api(`/api/datasets/${jobId}/files`);
  const box = $("clusters");
  box.replaceChildren();
  const group = (f, title) => el("div", { class: "cluster" },
    el("h3", {}, `${title} · ${f.size} face${f.size === 1 ? "" : "s"}`),
    el("div", { class: "thumbs" }, ...f.thumbnails.map((url) =>
      el("img", { src: url, alt: title, loading: "lazy" }))));
  files.clusters.forEach((f) => box.append(group(f, `person ${f.name}/`)));
  if (files.noise.size) box.append(group(files.noise, "noise/ (too few to be a person)"));
  const rejected = Object.entries(files.rejects).filter(([, n]) => n)
    .map(([reason, n]) => `${reason.replace("_", " ")} ${n}`).join(", ");
  $("result-summary").textContent = `${files.clusters.length} ${files.clusters.length === 1 ? "person" : "people"}` +
    (rejected ? `; set aside: ${rejected}` : "; nothing set aside");
  $("zip").href = files.zip_url;
  $("sheet").hidden = !files.sheet_url;
  if (files.sheet_url) $("sheet").href = files.sheet_url;
  $("step-result").hidden = false;
}

async function loadHistory() {
  const jobs = (await api("/api/jobs")).filter((j) => j.kind === "dataset");
  const list = $("history");
  list.replaceChildren();
  for (const job of jobs) {
    list.append(el("li", {},
      el("span", {}, new Date(job.created_at).toLocaleString()),
      el("span", { class: `state-${job.status}` }, job.status === "failed" ? `failed: ${job.error}` : job.status),
      el("a", { href: `#${job.id}`, onclick: () => { follow(job.id); } }, "show")));
  }
  if (!jobs.length) list.append(el("li", { class: "hint" }, "Nothing yet."));
}

renderChosen();
browse("");
loadHistory().catch(() => {});
if (window.location.hash.length > 1) follow(window.location.hash.slice(1));
