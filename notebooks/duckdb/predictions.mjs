// Query a predictions table (bin/medvec predict --out TABLE) with DuckDB, no Spark, no JVM.
//   npm ci && node predictions.mjs TABLE "SELECT predicted_class, count(*) FROM predictions GROUP BY ALL"
// View: predictions = TABLE/run_id=*/*.parquet, committed partitions only (run_id stays a string).
// Prints tab-separated rows with a header.
import { DuckDBInstance } from '@duckdb/node-api';

const [table, sql] = process.argv.slice(2);
if (!table || !sql) {
  console.error('usage: node predictions.mjs TABLE "SQL"   (view: predictions)');
  process.exit(2);
}
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const committed = (await con.runAndReadAll(`SELECT file FROM glob(${quote(`${table}/run_id=*/_SUCCESS`)}) ORDER BY file`))
  .getRowsJS().map(([f]) => f.slice(0, -'_SUCCESS'.length));
const files = [];
for (const dir of committed) {
  const found = (await con.runAndReadAll(`SELECT file FROM glob(${quote(`${dir}*.parquet`)}) ORDER BY file`)).getRowsJS();
  files.push(...found.map(([f]) => f));
}
if (files.length === 0) {
  console.error(`no committed partition under ${table}`);
  process.exit(3);
}
await con.run(`CREATE VIEW predictions AS SELECT * FROM read_parquet([${files.map(quote).join(', ')}],
  hive_partitioning = true, hive_types = {'run_id': VARCHAR}, union_by_name = true)`);
const reader = await con.runAndReadAll(sql);
console.log(reader.columnNames().join('\t'));
for (const row of reader.getRowsJS()) {
  console.log(row.map((v) => (v === null ? 'NULL' : String(v))).join('\t'));
}
