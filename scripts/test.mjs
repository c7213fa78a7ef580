// `npm test`: every test file under test/ with node's test runner (Node 20's --test takes no globs).
// Integration tests need a Kafka broker at $KAFKA_BROKERS (default localhost:9092): `bash scripts/kafka.sh start`,
// or run `bash scripts/test.sh`, which starts and stops one around the run.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv.slice(2);
const roots = only.length > 0 ? only : ['test/unit', 'test/conformance', 'test/integration'];
const files = roots.flatMap((root) => (statSync(root).isDirectory() ? walk(root) : [root]));

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
    )
    .sort();
}

// One file at a time: the embedded ClickHouse and the broker share two cores with the tests.
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
