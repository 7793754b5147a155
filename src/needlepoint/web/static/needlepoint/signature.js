// Drawn signature: pointer strokes on a <canvas>, sent as a PNG data URL in a hidden field.
(function () {
  document.querySelectorAll("canvas.sigpad").forEach(function (canvas) {
    var field = document.getElementById(canvas.dataset.field);
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false;
    function fit() {
      var ratio = window.devicePixelRatio || 1;
      canvas.width = canvas.clientWidth * ratio;
      canvas.height = canvas.clientHeight * ratio;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
      drawn = false; if (field) field.value = "";
    }
    function at(e) { var r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; canvas.setPointerCapture(e.pointerId);
      var p = at(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = at(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true;
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      if (drawn && field) field.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointerleave", end);
    var clear = document.querySelector('[data-clear="' + canvas.id + '"]');
    if (clear) clear.addEventListener("click", function (e) { e.preventDefault(); ctx.clearRect(0, 0, canvas.width, canvas.height); fit(); });
    fit();
  });
})();
