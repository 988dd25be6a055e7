/**
 * The patient's page in the cabinet: the laboratory results newest first and the trend of one
 * test. Everything is inline (styles and SVG) and there is no script at all, so the page needs
 * nothing from anywhere else.
 */
import type { LabResult } from './cabinet-store.js';
import { escapeHtml } from './html.js';
import { resultInstant, resultTime, resultValue, russianDate, statusLabel, testName } from './lab-result-fields.js';
import { trendChart } from './trend-chart.js';
import { trendSeries, trendTests, type TrendTest } from './trend-series.js';

/** No scripts, nothing fetched from elsewhere: only the inline style. */
export const PAGE_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 960px; color: #1d2433; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #d8dde6; vertical-align: top; }
th { background: #f1f4f9; }
.status-entered-in-error, .status-cancelled { color: #8a8f99; text-decoration: line-through; }
nav a { margin-right: .8rem; } nav a[aria-current] { font-weight: bold; }
svg .axis { stroke: #8a8f99; } svg text { font-size: 12px; fill: #4a5263; }
svg .trend-line { fill: none; stroke: #2b6cb0; stroke-width: 2; } svg circle { fill: #2b6cb0; }
`;

function resultRow(result: LabResult): string {
  const kind = result.resourceType === 'DiagnosticReport' ? 'Заключение' : 'Показатель';
  return `<tr data-testid="result" class="status-${escapeHtml(result.status)}">`
    + `<td>${escapeHtml(russianDate(resultTime(result)))}</td>`
    + `<td>${escapeHtml(testName(result.code))} <small>(${kind})</small></td>`
    + `<td>${escapeHtml(resultValue(result))}</td>`
    + `<td>${escapeHtml(statusLabel(result.status))}</td></tr>`;
}

function resultsTable(results: LabResult[]): string {
  const newestFirst = [...results].sort((a, b) => resultInstant(b) - resultInstant(a));
  return `<table data-testid="results"><thead><tr><th>Дата</th><th>Исследование</th><th>Результат</th><th>Статус</th></tr></thead>
<tbody>${newestFirst.map(resultRow).join('\n')}</tbody></table>`;
}

function testLinks(tests: TrendTest[], shown: string): string {
  const links = tests.map((test) => {
    const current = test.code === shown ? ' aria-current="true"' : '';
    return `<a href="?code=${encodeURIComponent(test.code)}"${current}>${escapeHtml(test.name)}</a>`;
  });
  return `<nav aria-label="Исследования">${links.join('')}</nav>`;
}

function trendSection(results: LabResult[], requestedCode: string | undefined): string {
  const tests = trendTests(results);
  const code = requestedCode ?? tests[0]?.code;
  const series = code === undefined ? undefined : trendSeries(results, code);
  const chart = series ? `<h3>${escapeHtml(series.name)}</h3>\n${trendChart(series)}` : '<p>Нет числовых результатов для графика.</p>';
  return `<section><h2>Динамика показателя</h2>\n${tests.length > 1 ? testLinks(tests, code!) : ''}\n${chart}</section>`;
}

export function patientPage(patientId: string, results: LabResult[], requestedCode?: string): string {
  const body = results.length === 0
    ? '<p>Результатов исследований пока нет.</p>'
    : `<section><h2>Результаты исследований</h2>\n${resultsTable(results)}</section>\n${trendSection(results, requestedCode)}`;
  return `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Результаты анализов — пациент ${escapeHtml(patientId)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Мои результаты анализов</h1>
<p>Пациент: <code>${escapeHtml(patientId)}</code></p>
${body}
</body>
</html>
`;
}
