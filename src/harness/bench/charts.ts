/** Two small SVG charts for README/BENCHMARKS.md, written from the benchmark results (no library). */

const colors = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#57606a'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface Series {
  label: string;
  points: { x: number; y: number }[];
}

/** A line chart (x: connection interval, y: latency), axes from zero, one legend row per series. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const width = 640;
  const height = 360;
  const left = 60;
  const right = 200;
  const top = 40;
  const bottom = 50;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xMax = Math.max(...xs);
  const yMax = Math.ceil(Math.max(...ys) / 50) * 50;
  const px = (x: number): number => left + (x / xMax) * (width - left - right);
  const py = (y: number): number => height - bottom - (y / yMax) * (height - top - bottom);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`, `<rect width="100%" height="100%" fill="#fff"/>`, `<text x="${left}" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`];
  for (let y = 0; y <= yMax; y += yMax / 5) {
    parts.push(`<line x1="${left}" y1="${py(y)}" x2="${width - right}" y2="${py(y)}" stroke="#d0d7de"/>`, `<text x="${left - 6}" y="${py(y) + 4}" text-anchor="end">${Math.round(y)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) parts.push(`<text x="${px(x)}" y="${height - bottom + 16}" text-anchor="middle">${x}</text>`);
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">${escape(xLabel)}</text>`, `<text x="16" y="${(top + height - bottom) / 2}" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">${escape(yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = colors[i % colors.length]!;
    const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of s.points) parts.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    parts.push(`<rect x="${width - right + 12}" y="${top + i * 20}" width="12" height="3" fill="${color}"/>`, `<text x="${width - right + 30}" y="${top + i * 20 + 5}">${escape(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** A horizontal bar chart with a reference value drawn beside each bar. */
export function barChart(title: string, unit: string, bars: { label: string; value: number; reference?: number }[]): string {
  const width = 640;
  const rowHeight = 34;
  const left = 190;
  const top = 40;
  const height = top + bars.length * rowHeight + 30;
  const max = Math.max(...bars.flatMap((b) => [b.value, b.reference ?? 0]));
  const px = (v: number): number => (v / max) * (width - left - 90);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`, `<rect width="100%" height="100%" fill="#fff"/>`, `<text x="10" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`];
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    parts.push(`<text x="${left - 8}" y="${y + 14}" text-anchor="end">${escape(bar.label)}</text>`, `<rect x="${left}" y="${y + 2}" width="${px(bar.value).toFixed(1)}" height="14" fill="${colors[0]}"/>`, `<text x="${left + px(bar.value) + 6}" y="${y + 14}">${Math.round(bar.value).toLocaleString('en-US')}</text>`);
    if (bar.reference !== undefined) parts.push(`<rect x="${left}" y="${y + 18}" width="${px(bar.reference).toFixed(1)}" height="6" fill="#8c959f"/>`);
  });
  parts.push(`<rect x="${left}" y="${height - 18}" width="12" height="6" fill="#8c959f"/><text x="${left + 18}" y="${height - 11}">reference (openssl speed bound, same run) — ${escape(unit)}</text>`, '</svg>');
  return parts.join('\n');
}
