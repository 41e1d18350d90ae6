#!/usr/bin/env bash
# Spark GPU discovery script (spark.{executor,worker,driver}.resource.gpu.discoveryScript), after
# Spark's examples/src/main/scripts/getGpusResources.sh: prints the GPUs this container may use as
#   {"name": "gpu", "addresses": ["0","1"]}
# Addresses are nvidia-smi indices; medvec binds each fine-tune task to the first address Spark
# assigned it (io.medvec.jobs.spark.GpuBinding). They equal CUDA device ordinals when the container sees
# only its own GPUs (Kubernetes device plugin, YARN GPU isolation) or with CUDA_DEVICE_ORDER=PCI_BUS_ID.
# Fails (non-zero, message on stderr) when no GPU is visible, so that Spark refuses to start a GPU
# executor without one instead of running it on the CPU.
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "getGpusResources.sh: nvidia-smi not found; no NVIDIA driver in this container" >&2
  exit 1
fi
# CUDA_VISIBLE_DEVICES (set by some resource managers) restricts what this container may use.
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  ids="${CUDA_VISIBLE_DEVICES//,/ }"
else
  ids="$(nvidia-smi --query-gpu=index --format=csv,noheader | tr '\n' ' ')"
fi
addresses=""
for id in $ids; do
  addresses="${addresses:+$addresses,}\"$id\""
done
if [[ -z "$addresses" ]]; then
  echo "getGpusResources.sh: nvidia-smi lists no GPU" >&2
  exit 1
fi
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
