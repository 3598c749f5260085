// Draws each dashboard chart from its json_script data; runs again after htmx swaps in new
// figures. Chart.js (UMD build) is loaded before this module and defines window.Chart.
const charts = new WeakMap();

function draw(root) {
  root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || charts.has(canvas) || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    const chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map((d) => ({ ...d, backgroundColor: "#005eb8" })),
      },
      options: {
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true } },
      },
    });
    charts.set(canvas, chart);
  });
}

draw(document);
document.body.addEventListener("htmx:afterSettle", (event) => draw(event.target));
