/* Charts of the dashboards, drawn by Chart.js from the tables beside them: the table is the
   source of the numbers (and what a screen reader reads); the chart only pictures it. */
(function () {
  "use strict";

  var COLOURS = ["#123c69", "#0b6e4f", "#a4161a", "#b35c00", "#5b3f8c", "#2a7ab0", "#6b6f24"];

  function numberOf(cell) {
    var raw = cell ? cell.getAttribute("data-value") : "";
    return raw === "" || raw === null ? null : Number(raw);
  }

  function draw(table) {
    var holder = document.querySelector('[data-chart-for="' + table.id + '"]');
    if (!holder || typeof window.Chart === "undefined") {
      return;
    }
    var wanted = (table.getAttribute("data-chart-columns") || "").split(",");
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var columns = headers
      .map(function (th, index) { return { key: th.getAttribute("data-key"), index: index, label: th.textContent.trim() }; })
      .filter(function (column) { return wanted.indexOf(column.key) !== -1; });
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var labels = rows.map(function (row) { return row.cells[0].textContent.trim(); });
    var datasets = columns.map(function (column, n) {
      return {
        label: column.label,
        data: rows.map(function (row) { return numberOf(row.cells[column.index]); }),
        backgroundColor: COLOURS[n % COLOURS.length],
        borderColor: COLOURS[n % COLOURS.length],
        fill: false
      };
    });
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", (table.caption ? table.caption.textContent.trim() + ". " : "") + holder.getAttribute("data-note"));
    holder.appendChild(canvas);
    new window.Chart(canvas, {
      type: table.getAttribute("data-chart"),
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        // Counts step by whole numbers; a score chart (data-chart-max) runs to its top score.
        scales: {
          y: {
            beginAtZero: true,
            max: table.hasAttribute("data-chart-max") ? Number(table.getAttribute("data-chart-max")) : undefined,
            ticks: { precision: table.hasAttribute("data-chart-max") ? 1 : 0 }
          }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-chart]"), draw);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof window.Chart === "undefined") {
      return;
    }
    // The page's own font (Noto Sans Thai), not Chart.js's Helvetica/Arial, which may have
    // no Thai letters; a canvas is painted once, so the font is loaded before drawing.
    var family = window.getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.font.family = family;
    if (document.fonts && document.fonts.load) {
      document.fonts.load("12px " + family, "ก").then(drawAll, drawAll);
    } else {
      drawAll();
    }
  });
})();
