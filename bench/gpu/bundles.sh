# Sourced by the one-GPU scripts (trl-1gpu.sh, server-ipc-1gpu.sh, variants-1gpu.sh): installs the
# vLLM + TRL bundle and the harness bundle from the inbox the receive stage filled, once per
# machine, and sets up the environment the runs need. Expects $tmp, $inbox and a log() function.
#
#   install_bundles WORK_DIR [variants]
# With `variants`, a vLLM bundle installed earlier without variant folders is installed again.
install_bundles() {
  local work=$1 want=${2:-}
  local kind
  for kind in vllm harness; do
    if [ ! -f "$tmp/gb-$kind/env.sh" ] || { [ "$want" = variants ] && [ $kind = vllm ] && ! grep -q GRPO_BENCH_VARIANTS "$tmp/gb-$kind/env.sh"; }; then
      (cd "$inbox/$kind" && GRPO_BENCH_PYTHON=${GRPO_BENCH_PYTHON:-python3} bash install.sh "$tmp/gb-$kind") > "$work/install-$kind.log" 2>&1
      log "install $kind bundle: exit $?"
      tail -n 3 "$work/install-$kind.log"
    fi
    # shellcheck disable=SC1090
    source "$tmp/gb-$kind/env.sh" || { log "the $kind bundle is not installed (run the receive stage with every part first)"; return 2; }
  done
  # vLLM's compile cache where it outlives this call (the home folder may not), so later starts reuse it.
  export PYTHONUNBUFFERED=1 VLLM_HOST_IP=127.0.0.1 VLLM_CACHE_ROOT=$tmp/gb-vllm-cache
}
