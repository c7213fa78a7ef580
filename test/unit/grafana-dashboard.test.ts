// docs/grafana/streamtap.json queries only what the processes export (src/observability/metrics.ts), with
// labels those metrics carry: a renamed metric or label would otherwise leave an empty panel nobody notices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram } from 'prom-client';
import { METRIC, Metrics } from '../../src/observability/metrics.js';
import { read } from '../support/compose.js';

interface Target {
  readonly expr?: string;
  readonly legendFormat?: string;
}
interface Panel {
  readonly title?: string;
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}
interface Dashboard {
  readonly uid: string;
  readonly panels: readonly Panel[];
  readonly templating?: { readonly list?: readonly { name: string; query?: { query?: string } | string }[] };
}

const dashboard = JSON.parse(read('docs/grafana/streamtap.json')) as Dashboard;

/** Sample name → label names, as a consumer process (the one with lag) exports them; histograms by series. */
function exported(): Map<string, Set<string>> {
  const metrics = new Metrics('src', { command: 'consume', lag: () => Promise.resolve([]) });
  const out = new Map<string, Set<string>>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const { name, labelNames = [] } = metric as unknown as { name: string; labelNames?: readonly string[] };
    if (metric instanceof Histogram) {
      out.set(`${name}_bucket`, new Set([...labelNames, 'le']));
      out.set(`${name}_sum`, new Set(labelNames));
      out.set(`${name}_count`, new Set(labelNames));
    } else out.set(name, new Set(labelNames));
  }
  return out;
}

function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** PromQL read as far as the dashboard needs: metric names, label matchers, by/without groupings. */
function parseExpr(expr: string): { metrics: string[]; matched: string[]; grouped: string[] } {
  const metrics = [...expr.matchAll(/\b(streamtap_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
  const matched = [...expr.matchAll(/\bstreamtap_[a-z0-9_]+\{([^}]*)\}/g)].flatMap((m) =>
    [...(m[1] as string).matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1] as string),
  );
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    (m[1] as string)
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  return { metrics, matched, grouped };
}

const targets = allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));

test('the dashboard has the panels operators need, each with a query', () => {
  const titles = allPanels(dashboard.panels).map((p) => p.title ?? '');
  for (const wanted of [
    /records produced per second, per resource/i,
    /consumer lag per partition/i,
    /insert latency/i,
    /retries by status/i,
    /dead letters/i,
    /unknown fields/i,
  ])
    assert.ok(
      titles.some((t) => wanted.test(t)),
      `a panel ${wanted}`,
    );
  assert.ok(targets.length >= 8);
  for (const { panel, target } of targets) assert.ok(target.expr?.trim(), `${panel.title}: a query`);
});

test('every metric the dashboard queries is exported, with every label it matches, groups by or shows', () => {
  const metrics = exported();
  assert.ok(metrics.has(METRIC.consumerLag), 'the lag gauge is exported by consumers');
  const queried = new Set<string>();
  for (const { panel, target } of targets) {
    const { metrics: names, matched, grouped } = parseExpr(target.expr ?? '');
    assert.ok(names.length > 0, `${panel.title}: queries a streamtap metric`);
    for (const name of names) {
      const labels = metrics.get(name);
      assert.ok(labels, `${panel.title}: ${name} is not exported by streamtap`);
      queried.add(name);
      for (const label of [...matched, ...grouped])
        assert.ok(
          labels.has(label),
          `${panel.title}: ${name} has no label ${label} (it has ${[...labels].join(', ')})`,
        );
    }
    // A legend shows labels that survive the aggregation: the grouping ones when there is a grouping.
    const legend = [...(target.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] as string);
    for (const label of legend) {
      if (grouped.length > 0)
        assert.ok(grouped.includes(label), `${panel.title}: legend {{${label}}} is aggregated away`);
      else
        for (const name of names) assert.ok(metrics.get(name)?.has(label), `${panel.title}: ${name} has no ${label}`);
    }
  }
  for (const name of [
    METRIC.recordsProduced,
    METRIC.consumerLag,
    `${METRIC.insertDuration}_bucket`,
    METRIC.httpRetries,
    METRIC.deadLetters,
    METRIC.unknownFieldRecords,
  ])
    assert.ok(queried.has(name), `the dashboard shows ${name}`);
});

test('the source variable reads a label streamtap exports, and panels use the provisioned data source', () => {
  const metrics = exported();
  const variable = dashboard.templating?.list?.find((v) => v.name === 'source');
  assert.ok(variable, 'a $source variable');
  const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
  const m = /^label_values\((streamtap_\w+),\s*(\w+)\)$/.exec(query);
  assert.ok(m, `label_values(<metric>, <label>): ${query}`);
  assert.ok(metrics.get(m[1] as string)?.has(m[2] as string), `${m[1]} has the label ${m[2]}`);
  const provisioned = /uid:\s*(\S+)/.exec(read('docker/cluster/grafana/datasource.yml'))?.[1];
  for (const panel of allPanels(dashboard.panels))
    assert.equal(
      panel.datasource?.uid,
      provisioned,
      `${panel.title}: the data source docker-compose.cluster.yml provisions`,
    );
});

test('the checker itself catches a metric or label that does not exist', () => {
  const metrics = exported();
  const bad = parseExpr('sum by (resourse) (rate(streamtap_records_produced_total{sorce="x"}[5m]))');
  const labels = metrics.get(bad.metrics[0] as string);
  assert.ok(labels);
  assert.deepEqual(
    [...bad.matched, ...bad.grouped].filter((l) => !labels.has(l)),
    ['sorce', 'resourse'],
  );
  assert.equal(metrics.get('streamtap_records_produced'), undefined);
});
