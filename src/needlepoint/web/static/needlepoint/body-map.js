// The face and body map (templates/map/_body_map.html): a click, Enter or Space on a region
// chooses that area in the form's <select> named by the map's data-target (or, in the intake,
// takes the person to that area's concern and sets its side); choosing in the selects lights
// the regions. A static file so the Content-Security-Policy refuses inline code;
// guarded because a page may include two maps (charting and photos).
(() => {
  if (window.needlepointBodyMap) return;
  window.needlepointBodyMap = true;

  const targetOf = (map) => document.getElementById(map.dataset.target || "");

  // Intake mode: a region picks its area's concern (focused, for the person to choose) and side.
  const intakeFields = (code) => {
    const [base, side] = code.split(".");
    return {
      side,
      concern: document.getElementById(`id_area_${base}`),
      sides: document.getElementById(`id_side_${base}`),
    };
  };

  const intakeChosen = (code) => {
    const { side, concern, sides } = intakeFields(code);
    return Boolean(concern && concern.value) && (!side || !sides || !sides.value || sides.value === side);
  };

  const intakeChoose = (region) => {
    const { side, concern, sides } = intakeFields(region.dataset.area);
    if (!concern) return;
    if (sides && side) {
      if (!concern.value) sides.value = side; // the first side tapped
      else if (sides.value && sides.value !== side) sides.value = ""; // now both sides
    }
    concern.scrollIntoView({ block: "center" });
    concern.focus();
  };

  const sync = (map) => {
    if (map.dataset.mode === "intake") {
      for (const region of map.querySelectorAll("[data-area][role=button]")) {
        region.setAttribute("aria-pressed", String(intakeChosen(region.dataset.area)));
      }
      return;
    }
    const select = targetOf(map);
    if (!select) return;
    for (const region of map.querySelectorAll("[data-area][role=button]")) {
      region.setAttribute("aria-pressed", String(region.dataset.area === select.value));
    }
  };

  const choose = (region) => {
    const map = region.closest(".body-map");
    if (map && map.dataset.mode === "intake") {
      intakeChoose(region);
      sync(map);
      return;
    }
    const select = map && targetOf(map);
    if (!select) return;
    select.value = region.dataset.area;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    sync(map);
  };

  const regionOf = (event) =>
    event.target instanceof Element ? event.target.closest(".body-map [data-area][role=button]") : null;

  document.addEventListener("click", (event) => {
    const region = regionOf(event);
    if (region) choose(region);
  });
  document.addEventListener("keydown", (event) => {
    const region = regionOf(event);
    if (region && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      choose(region);
    }
  });
  document.addEventListener("change", (event) => {
    for (const map of document.querySelectorAll(".body-map[data-target], .body-map[data-mode]")) {
      if (map.dataset.mode || targetOf(map) === event.target) sync(map);
    }
  });
  const start = () => document.querySelectorAll(".body-map[data-target], .body-map[data-mode]").forEach(sync);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
