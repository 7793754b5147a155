// Drag an appointment onto another time or practitioner column to move it. The server
// re-validates everything (series windows, conflicts) and answers with a message.
(function () {
  const message = document.getElementById("cal-message");
  const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  let dragged = null;
  document.querySelectorAll(".cal-appt").forEach((el) => {
    el.addEventListener("dragstart", (e) => { dragged = el; e.dataTransfer.setData("text/plain", el.dataset.appointment); });
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
      const response = await fetch(dragged.dataset.moveUrl, {
        method: "POST", body, headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.split("=")[1] : "" },
      });
      const data = await response.json();
      message.textContent = data.message;
      message.className = data.ok ? "ok" : "error";
      if (data.ok) window.location.reload();
    });
  });
})();
