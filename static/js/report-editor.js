// The report editor: autosave, a browser-side mirror of unsaved text, and conflict merging.
//
// Every field is named `bucket:key[:prop]` (sections, scores, checklist, remediation,
// answers, self_level). Changed fields are mirrored to localStorage at once, so a crash or a
// lost connection costs nothing typed; they are sent on leaving a field and at least every
// 30 seconds. A save names the version it was based on; the server answers 409 when another
// window saved first, and the editor then shows both texts per field instead of overwriting.
(function () {
  "use strict";

  const form = document.getElementById("report-form");
  if (!form) return;

  const reportId = form.dataset.reportId;
  const storageKey = "kiemdiem:report:" + reportId;
  const autosaveUrl = form.dataset.autosaveUrl;
  const intervalMs = parseInt(form.dataset.autosaveMs || "30000", 10);
  const statusEl = document.getElementById("save-status");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const text = form.dataset;
  let version = parseInt(form.dataset.version, 10);
  let dirty = new Set(); // field names changed since the last successful save
  let saving = null;
  // A save asked for while another is in flight runs again right after it, so a click on
  // "save" never leaves what was typed meanwhile waiting for the next interval.
  let saveAgain = false;
  let conflict = null; // server state while a conflict is being resolved

  function fieldNames() {
    const names = new Set();
    form.querySelectorAll("[name]").forEach(function (el) {
      if (el.name.indexOf(":") > 0 || el.name === "self_level") names.add(el.name);
    });
    return names;
  }

  function readField(name) {
    const els = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    if (!els.length) return null;
    if (els[0].type === "radio") {
      const checked = Array.from(els).find(function (e) { return e.checked; });
      return checked ? checked.value : "";
    }
    return els[0].value;
  }

  function writeField(name, value) {
    const els = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    if (!els.length) return;
    if (els[0].type === "radio") {
      els.forEach(function (e) { e.checked = e.value === value; });
    } else {
      els[0].value = value == null ? "" : value;
    }
  }

  function buildChanges(names) {
    const changes = {};
    names.forEach(function (name) {
      const parts = name.split(":");
      const bucket = parts[0];
      if (bucket === "self_level") {
        changes.self_level = readField(name);
        return;
      }
      changes[bucket] = changes[bucket] || {};
      if (parts.length === 2) {
        changes[bucket][parts[1]] = readField(name);
      } else {
        const item = {};
        form.querySelectorAll('[name^="' + CSS.escape(bucket + ":" + parts[1] + ":") + '"]')
          .forEach(function (el) {
            const prop = el.name.split(":")[2];
            let value = readField(el.name);
            if (bucket === "checklist" && prop === "present") {
              value = value === "yes" ? true : value === "no" ? false : null;
            }
            item[prop] = value;
          });
        changes[bucket][parts[1]] = item;
      }
    });
    return changes;
  }

  function serverValue(state, name) {
    const parts = name.split(":");
    if (parts[0] === "self_level") return state.self_level || "";
    const bucket = state[parts[0]] || {};
    if (parts.length === 2) {
      const v = bucket[parts[1]];
      return v == null ? "" : String(v);
    }
    const item = bucket[parts[1]] || {};
    const v = item[parts[2]];
    if (parts[0] === "checklist" && parts[2] === "present") {
      return v === true ? "yes" : v === false ? "no" : "";
    }
    return v == null ? "" : String(v);
  }

  function mirror() {
    const fields = {};
    dirty.forEach(function (name) { fields[name] = readField(name); });
    try {
      if (dirty.size) {
        localStorage.setItem(storageKey, JSON.stringify({ baseVersion: version, fields: fields }));
      } else {
        localStorage.removeItem(storageKey);
      }
    } catch (e) {
      // Storage full or disabled: autosave still runs.
    }
  }

  function setStatus(message, kind) {
    statusEl.textContent = message;
    statusEl.className = "small " + (kind === "error" ? "text-danger fw-bold" :
      kind === "pending" ? "text-warning" : "text-muted");
  }

  function markDirty(name) {
    dirty.add(name);
    mirror();
    setStatus(text.textUnsaved, "pending");
  }

  function updateTotal(data) {
    const totalEl = document.getElementById("score-total");
    if (!totalEl || !form.dataset.pointsModel) return;
    let total = 0;
    const parts = {};
    form.querySelectorAll(".score-input").forEach(function (el) {
      const v = parseFloat((el.value || "").replace(",", "."));
      if (isNaN(v)) return;
      total += v;
      if (el.dataset.part) parts[el.dataset.part] = (parts[el.dataset.part] || 0) + v;
    });
    // Text is written the Vietnamese way ("89,00"), as the server writes it.
    totalEl.textContent = total.toFixed(2).replace(".", ",");
    // Each part (general 30, tasks 70) shows its own running sum of its groups' scores.
    form.querySelectorAll("[data-part-total]").forEach(function (el) {
      el.textContent = (parts[el.dataset.partTotal] || 0).toFixed(2).replace(".", ",");
    });
    const bands = JSON.parse(document.getElementById("score-bands").textContent || "[]");
    const names = JSON.parse(document.getElementById("level-names").textContent || "{}");
    const band = bands.find(function (b) { return total >= b.min; });
    document.getElementById("score-band").textContent = band ? (names[band.level] || band.level) : "";
    // A save answers with the band of what it saved; scores typed while it was in flight make
    // that band stale, so it is shown only when its total is the one on the screen.
    const sameTotal = data && data.total_points !== null &&
      Math.abs(data.total_points - total) < 0.005;
    if (sameTotal && data.band) document.getElementById("score-band").textContent = data.band;
  }

  function showProblems(problems) {
    const box = document.getElementById("submit-problems");
    if (!box || !problems) return;
    box.replaceChildren();
    if (!problems.length) return;
    const ul = document.createElement("ul");
    problems.forEach(function (p) {
      const li = document.createElement("li");
      li.textContent = p;
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  function save() {
    if (conflict || !dirty.size) return Promise.resolve();
    if (saving) {
      saveAgain = true;
      return saving;
    }
    const sending = new Set(dirty);
    const snapshot = {};
    sending.forEach(function (n) { snapshot[n] = readField(n); });
    setStatus(text.textSaving, "pending");
    saving = fetch(autosaveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ base_version: version, changes: buildChanges(sending) }),
      keepalive: true,
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (result.status === 200) {
        version = result.data.version;
        form.dataset.version = String(version);
        form.querySelector("input[name=version]").value = String(version);
        // Fields typed into while the save was in flight stay dirty.
        sending.forEach(function (n) { if (readField(n) === snapshot[n]) dirty.delete(n); });
        mirror();
        updateTotal(result.data);
        showProblems(result.data.problems);
        setStatus(text.textSaved + " " + new Date().toLocaleTimeString(), "ok");
      } else if (result.status === 409) {
        showConflict(result.data);
      } else {
        setStatus(text.textError + " " + (result.data.error || result.status), "error");
      }
    }).catch(function () {
      setStatus(text.textOffline, "error");
    }).finally(function () {
      saving = null;
      if (saveAgain) {
        saveAgain = false;
        save();
      }
    });
    return saving;
  }

  function showConflict(data) {
    conflict = data.server;
    setStatus(text.textConflict, "error");
    const panel = document.getElementById("conflict-panel");
    const list = document.getElementById("conflict-fields");
    const tpl = document.getElementById("conflict-field-template");
    list.replaceChildren();
    let shown = 0;
    dirty.forEach(function (name) {
      const theirs = serverValue(conflict, name);
      const mine = readField(name) || "";
      if (theirs === mine) { dirty.delete(name); return; }
      shown += 1;
      const node = tpl.content.firstElementChild.cloneNode(true);
      const field = form.querySelector('[name="' + CSS.escape(name) + '"]');
      node.querySelector(".conflict-label").textContent =
        (field && field.getAttribute("aria-label")) || name;
      node.querySelector(".conflict-theirs").textContent = theirs;
      node.querySelector(".conflict-mine").textContent = mine;
      node.dataset.field = name;
      node.querySelector(".conflict-take-theirs").addEventListener("click", function () {
        writeField(name, theirs);
        node.querySelector(".conflict-mine").textContent = theirs;
        dirty.delete(name);
        mirror();
      });
      node.querySelector(".conflict-keep-mine").addEventListener("click", function () {
        node.querySelector(".conflict-mine").textContent = readField(name) || "";
      });
      list.appendChild(node);
    });
    panel.classList.remove("d-none");
    if (!shown) resolveConflict();
  }

  function resolveConflict() {
    if (!conflict) return;
    // Fields the other window changed and this one did not: take theirs into the form.
    fieldNames().forEach(function (name) {
      if (!dirty.has(name)) writeField(name, serverValue(conflict, name));
    });
    version = conflict.version;
    form.dataset.version = String(version);
    form.querySelector("input[name=version]").value = String(version);
    conflict = null;
    document.getElementById("conflict-panel").classList.add("d-none");
    mirror();
    updateTotal();
    if (dirty.size) {
      save();
    } else {
      setStatus(text.textSaved + " " + new Date().toLocaleTimeString(), "ok");
    }
  }

  function restoreFromStorage() {
    let stored = null;
    try {
      stored = JSON.parse(localStorage.getItem(storageKey) || "null");
    } catch (e) {
      stored = null;
    }
    if (!stored || !stored.fields) return;
    let restored = 0;
    Object.keys(stored.fields).forEach(function (name) {
      if (readField(name) !== stored.fields[name]) {
        writeField(name, stored.fields[name]);
        restored += 1;
      }
      dirty.add(name);
    });
    // Saving the restored text against the version it was typed on: if another window has
    // saved since, the conflict panel shows both.
    if (typeof stored.baseVersion === "number") version = stored.baseVersion;
    if (restored) document.getElementById("restore-notice").classList.remove("d-none");
    updateTotal();
    save();
  }

  form.addEventListener("input", function (event) {
    if (!event.target.name || event.target.name === "version") return;
    markDirty(event.target.name);
    if (event.target.classList.contains("score-input")) updateTotal();
  });
  form.addEventListener("change", function (event) {
    if (!event.target.name || event.target.name === "version") return;
    markDirty(event.target.name);
    save();
  });
  form.addEventListener("focusout", function () { save(); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    save();
  });
  document.getElementById("conflict-resolve").addEventListener("click", resolveConflict);
  const allNone = document.getElementById("checklist-all-none");
  if (allNone) {
    allNone.addEventListener("click", function () {
      form.querySelectorAll('input[type=radio][name^="checklist:"][value=no]').forEach(function (el) {
        const group = form.querySelectorAll('[name="' + CSS.escape(el.name) + '"]');
        if (!Array.from(group).some(function (e) { return e.checked; })) {
          el.checked = true;
          markDirty(el.name);
        }
      });
      save();
    });
  }
  window.setInterval(save, intervalMs);
  window.addEventListener("online", save);
  window.addEventListener("pagehide", save);
  // Saving is also reachable from the submit section (and other actions on the report):
  // save first, then submit.
  document.querySelectorAll("form[action$='/submit/'], form[data-save-first]").forEach(function (submitForm) {
    submitForm.addEventListener("submit", function (event) {
      if (!dirty.size) return;
      event.preventDefault();
      save().then(function () { if (!dirty.size && !conflict) submitForm.submit(); });
    });
  });
  restoreFromStorage();
  updateTotal();
})();
