/** One chart: lines over seconds since the load started, with optional event markers. */
export interface Chart {
  title: string;
  unit: string;
  lines: Array<{ name: string; x: number[]; y: Array<number | null> }>;
  markers?: Array<{ x: number; label: string }>;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
const W = 660;
const H = 220;
const PAD = { left: 56, right: 16, top: 12, bottom: 28 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A "nice" upper bound for an axis (1, 2 or 5 × 10^n). */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v)!;
}

/** An inline SVG line chart (no scripts, no dependencies: the report opens anywhere). */
export function svgChart(chart: Chart): string {
  const xs = chart.lines.flatMap((l) => l.x);
  const ys = chart.lines.flatMap((l) => l.y.filter((y): y is number => y !== null && Number.isFinite(y)));
  const xMax = Math.max(1, ...xs, ...(chart.markers ?? []).map((m) => m.x));
  const yMax = niceMax(Math.max(0, ...ys));
  const px = (x: number) => PAD.left + (x / xMax) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - (y / yMax) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(f * yMax)}" y2="${py(f * yMax)}" stroke="#e5e7eb"/><text x="${PAD.left - 6}" y="${py(f * yMax) + 4}" text-anchor="end">${+(f * yMax).toPrecision(3)}</text>`,
    )
    .join('');
  const xTicks = Array.from({ length: 6 }, (_, i) => (i * xMax) / 5)
    .map((x) => `<text x="${px(x)}" y="${H - 8}" text-anchor="middle">${Math.round(x)}s</text>`)
    .join('');
  const paths = chart.lines
    .map((l, i) => {
      let d = '';
      let pen = false;
      l.x.forEach((x, j) => {
        const y = l.y[j];
        if (y === null || y === undefined || !Number.isFinite(y)) return void (pen = false);
        d += `${pen ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
        pen = true;
      });
      return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.6"/>`;
    })
    .join('');
  const markers = (chart.markers ?? [])
    .map(
      (m) =>
        `<line x1="${px(m.x)}" x2="${px(m.x)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#111" stroke-dasharray="4 3"/><text x="${px(m.x) + 3}" y="${PAD.top + 10}">${esc(m.label)}</text>`,
    )
    .join('');
  const legend = chart.lines.map((l, i) => `<span style="color:${COLORS[i % COLORS.length]}">■ ${esc(l.name)}</span>`).join(' ');
  return `<figure><figcaption><b>${esc(chart.title)}</b> <small>(${esc(chart.unit)})</small><br>${legend}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="10" font-family="sans-serif">${grid}${xTicks}${markers}${paths}</svg></figure>`;
}

/** A table of rows (first row the header). */
export function htmlTable(rows: Array<Array<string | number>>): string {
  const [head, ...body] = rows;
  return `<table><thead><tr>${head!.map((c) => `<th>${esc(String(c))}</th>`).join('')}</tr></thead><tbody>${body
    .map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The whole report: a heading, sections of tables and charts, and the summary as JSON. */
export function htmlReport(opts: { title: string; subtitle: string; sections: Array<{ heading: string; html: string }>; summary: unknown }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(opts.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;max-width:1500px;color:#111}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
figure{display:inline-block;margin:8px 16px 8px 0;vertical-align:top}figcaption{font-size:13px}
.pass{color:#15803d}.fail{color:#b91c1c}pre{font-size:11px;background:#f6f6f6;padding:8px;overflow:auto;max-height:400px}
</style></head><body>
<h1>${esc(opts.title)}</h1><p>${esc(opts.subtitle)}</p>
${opts.sections.map((s) => `<h2>${esc(s.heading)}</h2>\n${s.html}`).join('\n')}
<h2>summary.json</h2><pre>${esc(JSON.stringify(opts.summary, null, 2))}</pre>
</body></html>
`;
}
