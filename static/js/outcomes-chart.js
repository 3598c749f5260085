// Draws each dashboard chart from its json_script data; runs again after htmx swaps in new
// figures. Chart.js (UMD build) is loaded before this module and defines window.Chart.
// A withheld figure is drawn as a dashed, labelled outline, never as a bar of zero; a zero
// is labelled "0" so that it is not mistaken for a missing bar; a 95% confidence interval is
// drawn as a whisker over its bar.
const charts = new WeakMap();
const INK = "#212b32";
const GREY = "#768692";

const marks = {
  id: "sxMarks",
  afterDatasetsDraw(chart, _args, options) {
    const { ctx, chartArea, scales } = chart;
    const { x, y } = scales;
    const values = chart.data.datasets[0]?.data ?? [];
    const slot = chartArea.width / Math.max(values.length, 1);
    const half = Math.min(40, slot * 0.35);
    ctx.save();
    ctx.font = "14px Frutiger W01, Arial, sans-serif";
    ctx.textAlign = "center";
    (options.intervals ?? []).forEach((bounds, i) => {
      if (!bounds) return;
      const cx = x.getPixelForValue(i);
      const top = y.getPixelForValue(bounds[1]);
      const bottom = y.getPixelForValue(bounds[0]);
      const cap = Math.min(8, half / 2);
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(cx, top);
      ctx.lineTo(cx, bottom);
      ctx.moveTo(cx - cap, top);
      ctx.lineTo(cx + cap, top);
      ctx.moveTo(cx - cap, bottom);
      ctx.lineTo(cx + cap, bottom);
      ctx.stroke();
    });
    (options.withheld ?? []).forEach((hidden, i) => {
      const cx = x.getPixelForValue(i);
      const base = chartArea.bottom;
      if (hidden) {
        const height = chartArea.height / 3;
        ctx.strokeStyle = GREY;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([4, 4]);
        ctx.strokeRect(cx - half, base - height, half * 2, height);
        ctx.fillStyle = INK;
        ctx.fillText("* withheld", cx, base - height - 6);
      } else if (values[i] === 0) {
        ctx.fillStyle = INK;
        ctx.fillText("0", cx, base - 6);
      }
    });
    ctx.restore();
  },
};

function draw(root) {
  root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || charts.has(canvas) || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    const highs = (data.intervals ?? []).filter(Boolean).map((b) => b[1]);
    const chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map((d) => ({ ...d, backgroundColor: "#005eb8" })),
      },
      options: {
        animation: false,
        plugins: {
          legend: { display: false },
          sxMarks: { withheld: data.withheld, intervals: data.intervals },
        },
        scales: {
          x: { title: { display: Boolean(data.x_title), text: data.x_title } },
          y: {
            beginAtZero: true,
            suggestedMax: highs.length ? Math.max(...highs) : undefined,
            title: { display: Boolean(data.y_title), text: data.y_title },
          },
        },
      },
      plugins: [marks],
    });
    charts.set(canvas, chart);
  });
}

draw(document);
document.body.addEventListener("htmx:afterSettle", (event) => draw(event.target));
// When htmx swaps in new figures it first copies the old canvas's attributes onto the new one
// (same id). Chart.js sized the old canvas through its style, and copying that as a style
// attribute is inline style, which the Content Security Policy refuses: let the old chart go
// and drop its style before the swap.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  event.detail.target.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    charts.get(canvas)?.destroy();
    charts.delete(canvas);
    canvas.removeAttribute("style");
  });
});
