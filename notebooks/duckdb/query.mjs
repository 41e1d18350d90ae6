// Query medvec outputs with DuckDB (no Spark, no JVM): the same views as `bin/medvec sql`.
//   npm ci && node query.mjs OUT "SELECT run_id, count(*) FROM metrics GROUP BY ALL"
// OUT is a local output root (copy an HDFS one with `hdfs dfs -get`). Prints tab-separated rows.
// Globs name committed directories only: run_id=*, hospital=* never match the hidden _tmp-*
// directories an unfinished job leaves behind.
import { DuckDBInstance } from '@duckdb/node-api';

const [out, sql] = process.argv.slice(2);
if (!out || !sql) {
  console.error('usage: node query.mjs OUT "SQL"   (views: metrics, vectors, merges)');
  process.exit(2);
}
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(`CREATE VIEW metrics AS SELECT * FROM read_parquet(${quote(`${out}/metrics/run_id=*/*.parquet`)},
  hive_partitioning = true, hive_types = {'run_id': VARCHAR}, union_by_name = true)`);
// a format no value matches: run ids such as 2026-11-27 stay strings instead of becoming dates
const json = (glob) => `read_json_auto(${quote(glob)}, hive_partitioning = false, dateformat = 'none', timestampformat = 'none')`;
await con.run(`CREATE VIEW vectors AS SELECT * FROM ${json(`${out}/vectors/base=*/hospital=*/manifest.json`)}`);
await con.run(`CREATE VIEW merges AS SELECT * FROM ${json(`${out}/runs/*/merged/manifest.json`)}`);
const reader = await con.runAndReadAll(sql);
console.log(reader.columnNames().join('\t'));
for (const row of reader.getRowsJS()) {
  console.log(row.map((v) => (v === null ? 'NULL' : String(v))).join('\t'));
}
