// The staff calendar. Positions come as minutes in data attributes (no inline styles: the CSP
// has no 'unsafe-inline'); overlapping appointments share their column in lanes. Drag an
// appointment onto another time or practitioner to move it: the server re-validates everything
// and a refusal is shown next to where it was dropped.
(function () {
  const PX_PER_MINUTE = 1.2;
  const message = document.getElementById("cal-message");
  const csrf = document.cookie.split("; ").find((c) => /^(__Host-)?csrftoken=/.test(c));

  document.querySelectorAll(".cal-body [data-top]").forEach((el) => {
    el.style.top = Number(el.dataset.top) * PX_PER_MINUTE + "px";
    el.style.height = Number(el.dataset.height) * PX_PER_MINUTE + "px";
    const lanes = Number(el.dataset.lanes || 1);
    if (lanes > 1) {
      const lane = Number(el.dataset.lane || 0);
      el.style.left = `calc(${(lane * 100) / lanes}% + 2px)`;
      el.style.width = `calc(${100 / lanes}% - 4px)`;
      el.style.right = "auto";
      el.classList.add("in-lane");
    }
  });
  document.querySelectorAll(".cal-numbing[data-height], .cal-cleaning[data-height]").forEach((el) => {
    el.style.height = Number(el.dataset.height) * PX_PER_MINUTE + "px";
  });

  function showNear(slot, text) {
    document.querySelectorAll(".cal-popup").forEach((p) => p.remove());
    const popup = document.createElement("div");
    popup.className = "cal-popup error";
    popup.setAttribute("role", "alert");
    popup.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "cal-popup-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", () => popup.remove());
    popup.appendChild(close);
    popup.style.top = slot.offsetTop + "px";
    slot.parentElement.appendChild(popup);
  }

  let dragged = null;
  document.querySelectorAll(".cal-appt").forEach((el) => {
    el.addEventListener("dragstart", (e) => {
      dragged = el;
      e.dataTransfer.setData("text/plain", el.dataset.appointment);
    });
  });
  document.querySelectorAll(".cal-slot").forEach((slot) => {
    slot.addEventListener("dragover", (e) => { e.preventDefault(); slot.classList.add("over"); });
    slot.addEventListener("dragleave", () => slot.classList.remove("over"));
    slot.addEventListener("drop", async (e) => {
      e.preventDefault();
      slot.classList.remove("over");
      if (!dragged) return;
      // The slot is where the block's top (client arrival) lands: the treatment starts after numbing.
      const arrival = new Date(slot.dataset.start);
      const start = new Date(arrival.getTime() + Number(dragged.dataset.numbing) * 60000);
      const body = new URLSearchParams({ new_start: start.toISOString(), practitioner: slot.parentElement.dataset.practitioner });
      let data;
      try {
        const response = await fetch(dragged.dataset.moveUrl, {
          method: "POST", body, headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.split("=")[1] : "" },
        });
        data = await response.json();
      } catch (err) {
        data = { ok: false, message: "Could not reach the server; nothing was moved." };
      }
      message.textContent = data.message;
      message.className = data.ok ? "ok" : "error";
      if (data.ok) window.location.reload();
      else showNear(slot, data.message);
    });
  });
})();
