// Draws a metric's trend as a line from its json_script data. Chart.js (UMD build) is loaded
// before this module and defines window.Chart. A withheld or not-computed period is a gap in
// the line (null), never a zero; a withheld one is marked "* withheld" at the foot of the
// chart. A 95% confidence interval is drawn as a vertical whisker through its point.
const INK = "#212b32";

const marks = {
  id: "sxTrendMarks",
  afterDatasetsDraw(chart, _args, options) {
    const { ctx, chartArea, scales } = chart;
    const { x, y } = scales;
    ctx.save();
    ctx.font = "14px Frutiger W01, Arial, sans-serif";
    ctx.textAlign = "center";
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = 1.5;
    (options.intervals ?? []).forEach((bounds, i) => {
      if (!bounds) return;
      const cx = x.getPixelForValue(i);
      const top = y.getPixelForValue(bounds[1]);
      const bottom = y.getPixelForValue(bounds[0]);
      ctx.beginPath();
      ctx.moveTo(cx, top);
      ctx.lineTo(cx, bottom);
      ctx.moveTo(cx - 5, top);
      ctx.lineTo(cx + 5, top);
      ctx.moveTo(cx - 5, bottom);
      ctx.lineTo(cx + 5, bottom);
      ctx.stroke();
    });
    (options.withheld ?? []).forEach((hidden, i) => {
      if (hidden) ctx.fillText("* withheld", x.getPixelForValue(i), chartArea.bottom - 6);
    });
    ctx.restore();
  },
};

function draw() {
  document.querySelectorAll("canvas[data-trend]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.trend);
    if (!source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    const bounds = (data.intervals ?? []).filter(Boolean).flat();
    const values = data.datasets.flatMap((d) => d.data).filter((v) => v !== null);
    const all = [...bounds, ...values];
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.datasets.map((d) => ({
          ...d,
          borderColor: "#005eb8",
          backgroundColor: "#005eb8",
          spanGaps: false,
          pointRadius: 4,
        })),
      },
      options: {
        animation: false,
        plugins: {
          legend: { display: false },
          sxTrendMarks: { withheld: data.withheld, intervals: data.intervals },
        },
        scales: {
          x: { title: { display: true, text: data.x_title } },
          y: {
            suggestedMin: all.length ? Math.min(0, ...all) : 0,
            suggestedMax: all.length ? Math.max(...all) : undefined,
            title: { display: true, text: data.y_title },
          },
        },
      },
      plugins: [marks],
    });
  });
}

draw();
