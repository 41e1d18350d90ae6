// Query medvec outputs with DuckDB (no Spark, no JVM): the same views as `bin/medvec sql`.
//   npm ci && node query.mjs OUT "SELECT run_id, count(*) FROM metrics GROUP BY ALL"
// OUT is a local output root (copy an HDFS one with `hdfs dfs -get`). Prints tab-separated rows.
// Views (jobs QueryMetricsJob; .ci/run checks that both answer alike):
//   metrics  OUT/metrics/run_id=*/ (run_id stays a string)
//   vectors  manifest.json of OUT/vectors/base=*/hospital=*/ and OUT/runs/*/vectors/base=*/hospital=*/
//   merges   manifest.json of OUT/runs/*/merged/
//   site_metrics  OUT/site-metrics/run_id=*/site=*/ (run_id and site stay strings): cross-site evaluation
// Only committed directories (with _SUCCESS) are read; globs never match the hidden _tmp-*
// directories an unfinished job leaves behind. A view with nothing to read is empty.
import { DuckDBInstance } from '@duckdb/node-api';

const [out, sql] = process.argv.slice(2);
if (!out || !sql) {
  console.error('usage: node query.mjs OUT "SQL"   (views: metrics, vectors, merges, site_metrics)');
  process.exit(2);
}
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();

// The metrics table's declared schema (jobs QueryMetricsJob.METRICS_SCHEMA): partitions written
// before a column existed give it as null, columns outside it are not shown.
const METRICS_COLUMNS = [
  ['dataset', 'VARCHAR'], ['model_kind', 'VARCHAR'], ['model_id', 'VARCHAR'], ['split', 'VARCHAR'],
  ['metric', 'VARCHAR'], ['label', 'INTEGER'], ['class_name', 'VARCHAR'], ['value', 'DOUBLE'],
  ['ci_low', 'DOUBLE'], ['ci_high', 'DOUBLE'], ['ci_method', 'VARCHAR'], ['n', 'BIGINT'],
  ['base_fingerprint', 'VARCHAR'], ['hospitals', 'INTEGER'], ['partition_mode', 'VARCHAR'], ['alpha', 'DOUBLE'],
  ['public_fraction', 'DOUBLE'], ['partition_seed', 'BIGINT'], ['created_at', 'VARCHAR'], ['run_id', 'VARCHAR'],
];
const empty = (columns) => `SELECT ${columns.map(([c, t]) => `NULL::${t} AS ${ident(c)}`).join(', ')} WHERE false`;

const files = async (glob) =>
  (await con.runAndReadAll(`SELECT file FROM glob(${quote(glob)}) ORDER BY file`)).getRowsJS().map(([f]) => f);

const metricFiles = await files(`${out}/metrics/run_id=*/*.parquet`);
const metricsSource = metricFiles.length === 0 ? '' : ` UNION ALL BY NAME SELECT * FROM read_parquet(
  [${metricFiles.map(quote).join(', ')}], hive_partitioning = true, hive_types = {'run_id': VARCHAR},
  union_by_name = true)`;
await con.run(`CREATE VIEW metrics AS SELECT ${METRICS_COLUMNS.map(([c]) => ident(c)).join(', ')}
  FROM (${empty(METRICS_COLUMNS)}${metricsSource})`);

// The sites' published metrics (jobs QueryMetricsJob.siteMetrics): the metrics columns plus site.
const SITE_COLUMNS = [...METRICS_COLUMNS, ['site', 'VARCHAR']];
const siteFiles = await files(`${out}/site-metrics/run_id=*/site=*/*.parquet`);
const siteSource = siteFiles.length === 0 ? '' : ` UNION ALL BY NAME SELECT * FROM read_parquet(
  [${siteFiles.map(quote).join(', ')}], hive_partitioning = true,
  hive_types = {'run_id': VARCHAR, 'site': VARCHAR}, union_by_name = true)`;
await con.run(`CREATE VIEW site_metrics AS SELECT ${SITE_COLUMNS.map(([c]) => ident(c)).join(', ')}
  FROM (${empty(SITE_COLUMNS)}${siteSource})`);

// One row per committed directory's manifest.json. Columns in name order, as Spark's JSON schema
// inference gives them; a format no value matches keeps run ids such as 2026-11-27 strings.
const manifests = async (view, dirGlobs, emptyColumns) => {
  const found = [];
  for (const glob of dirGlobs) {
    for (const marker of await files(`${out}/${glob}/_SUCCESS`)) {
      found.push(`${marker.slice(0, -'_SUCCESS'.length)}manifest.json`);
    }
  }
  if (found.length === 0) {
    await con.run(`CREATE VIEW ${view} AS ${empty(emptyColumns)}`);
    return;
  }
  const source = `read_json_auto([${found.map(quote).join(', ')}], hive_partitioning = false, union_by_name = true,
    dateformat = 'none', timestampformat = 'none')`;
  const described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowsJS();
  const columns = [];
  for (const [column, type] of described) {
    if (!(await onlyEmptyObjects(source, column, type))) {
      columns.push(column);
    }
  }
  columns.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await con.run(`CREATE VIEW ${view} AS SELECT ${columns.map(ident).join(', ')} FROM ${source}`);
};
// Spark infers no type for a field that is only ever an empty object ({}, e.g. a strategy without
// parameters) and leaves it out; DuckDB's would be MAP(VARCHAR, JSON).
const onlyEmptyObjects = async (source, column, type) => {
  if (!/^(MAP|STRUCT|JSON)/.test(type)) {
    return false;
  }
  const text = `to_json(${ident(column)})::VARCHAR`;
  const [[filled, empty]] = (await con.runAndReadAll(`SELECT count(*) FILTER (WHERE ${text} <> '{}'),
    count(*) FILTER (WHERE ${text} = '{}') FROM ${source}`)).getRowsJS();
  return Number(filled) === 0 && Number(empty) > 0;
};
await manifests('vectors', ['vectors/base=*/hospital=*', 'runs/*/vectors/base=*/hospital=*'],
  [['hospital', 'VARCHAR'], ['base_fingerprint', 'VARCHAR']]);
await manifests('merges', ['runs/*/merged'], [['run_id', 'VARCHAR'], ['base_fingerprint', 'VARCHAR']]);

const reader = await con.runAndReadAll(sql);
console.log(reader.columnNames().join('\t'));
for (const row of reader.getRowsJS()) {
  console.log(row.map((v) => (v === null ? 'NULL' : String(v))).join('\t'));
}
