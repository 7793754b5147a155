// A filter box above each long select marked `data-filter="time zones"` (the set-up pages' time
// zone and currency): typing narrows the options (every word must match the label or the value,
// "new york" finds America/New_York) and selects the first match. Without JavaScript the select
// is a plain select that works the same; the box has no name, so it is never submitted.
(() => {
  const norm = (s) => s.toLowerCase().replace(/_/g, " ");

  function enhance(select) {
    const what = select.dataset.filter || "options";
    const groups = [...select.children].map((node) =>
      node.tagName === "OPTGROUP"
        ? { label: node.label, options: [...node.children] }
        : { label: null, options: [node] });
    const box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.autocomplete = "off";
    box.placeholder = `Type to filter ${what}…`;
    box.setAttribute("aria-label", `Filter ${what}`);
    if (select.id) box.setAttribute("aria-controls", select.id);
    const status = document.createElement("small");
    status.className = "select-filter-status muted";
    status.setAttribute("role", "status");
    select.before(box);
    select.after(status);

    function show(matching, dedupe) {
      const keep = select.value;
      const seen = new Set();
      select.replaceChildren();
      for (const group of groups) {
        const options = group.options.filter((o) => matching(o) && !(dedupe && seen.has(o.value)));
        options.forEach((o) => seen.add(o.value));
        if (!options.length) continue;
        if (group.label === null) { select.append(...options); continue; }
        const optgroup = document.createElement("optgroup");
        optgroup.label = group.label;
        optgroup.append(...options);
        select.append(optgroup);
      }
      if (seen.has(keep)) select.value = keep;
      return seen.size;
    }

    box.addEventListener("input", () => {
      const words = norm(box.value).split(/\s+/).filter(Boolean);
      if (!words.length) { show(() => true, false); status.textContent = ""; return; }
      const matches = (o) => { const text = norm(`${o.textContent} ${o.value}`); return words.every((w) => text.includes(w)); };
      if (!groups.some((g) => g.options.some(matches))) {
        status.textContent = `No ${what} match “${box.value.trim()}”.`;
        return; // keep the list (and the choice) as it was
      }
      const count = show(matches, true);
      const chosen = select.selectedOptions[0];
      if (!chosen || !matches(chosen)) select.selectedIndex = 0; // the first match
      status.textContent = `${count} ${count === 1 ? "match" : "matches"}: ${select.selectedOptions[0]?.textContent ?? ""} chosen.`;
    });
    // Enter in the box chooses, it does not send the form half-filled.
    box.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); select.focus(); } });
  }

  const start = () => document.querySelectorAll("select[data-filter]").forEach(enhance);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
