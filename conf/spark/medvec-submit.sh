#!/usr/bin/env bash
# Example spark-submit wrapper: one properties file per target, the app jar, one job class.
#   conf/spark/medvec-submit.sh local RunPipelineJob --config conf/pipeline.yaml --data ../shared/data/pneumoniamnist.npz
#   conf/spark/medvec-submit.sh yarn  FineTuneVectorsJob --config conf/finetune.yaml --run-id 2026-11-27 \
#       --base FP --set 'finetune.hospitals=[h2]' --out hdfs:///medvec
#   MEDVEC_GPU=1 conf/spark/medvec-submit.sh k8s FineTuneVectorsJob ...   # adds conf/gpu/spark-defaults.gpu.conf
# Needs SPARK_HOME (a Spark 4.0.1 / Scala 2.13 distribution) or spark-submit on the PATH.
# The job's exit code is spark-submit's (0 ok, 1 runtime, 2 config, 3 input, 4 vectors) in client
# mode; in cluster mode spark-submit reports the driver's final state (YARN: non-zero on failure).
set -euo pipefail

usage() { echo "usage: $0 local|yarn|k8s JobClass [job args...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
target="$1"; job="$2"; shift 2
case "$target" in local|yarn|k8s) ;; *) usage ;; esac

MEDVEC_HOME="${MEDVEC_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
APP_JAR="${MEDVEC_APP_JAR:-$MEDVEC_HOME/jobs/target/medvec-jobs-0.1.0-SNAPSHOT-app.jar}"
SUBMIT="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
[[ -f "$APP_JAR" || "$APP_JAR" == local://* ]] || { echo "$0: no app jar $APP_JAR (mvn -DskipTests package)" >&2; exit 2; }

props="$(mktemp "${TMPDIR:-/tmp}/medvec-spark-XXXXXX.conf")"
trap 'rm -f "$props"' EXIT
cat "$MEDVEC_HOME/conf/spark/spark-defaults.$target.conf" > "$props"
files=("$MEDVEC_HOME/conf/log4j2.properties")
if [[ "${MEDVEC_GPU:-0}" == 1 ]]; then
  cat "$MEDVEC_HOME/conf/gpu/spark-defaults.gpu.conf" >> "$props"   # later keys win
  files+=("$MEDVEC_HOME/conf/gpu/getGpusResources.sh")
fi

# local mode: the driver JVM runs the tasks, so its environment is what ND4J sees
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# medvec's log configuration for the driver JVM started here (local and client mode)
export LOG4J_CONFIGURATION_FILE="${LOG4J_CONFIGURATION_FILE:-$MEDVEC_HOME/conf/log4j2.properties}"
extra=()
if [[ "$target" == yarn ]]; then
  # ship the log configuration (and discovery script) into every container's working directory;
  # on Kubernetes they are in the image under /opt/medvec/conf
  extra+=(--files "$(IFS=,; echo "${files[*]}")")
fi

# medvec's settings as --conf pairs (later keys win): a --properties-file would replace the
# cluster's own spark-defaults.conf instead of overriding it key by key
confs=()
while IFS= read -r line || [[ -n "$line" ]]; do
  line="${line#"${line%%[![:space:]]*}"}"
  [[ -z "$line" || "$line" == \#* ]] && continue
  key="${line%%[[:space:]=]*}"
  value="${line#"$key"}"; value="${value#"${value%%[![:space:]=]*}"}"
  confs+=(--conf "$key=$value")
done < "$props"

# not exec: the trap removes the merged properties file; the exit code is passed through
set +e
"$SUBMIT" "${confs[@]}" "${extra[@]}" --class "io.medvec.jobs.$job" "$APP_JAR" "$@"
code=$?
exit "$code"
