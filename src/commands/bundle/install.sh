#!/usr/bin/env bash
# Installs a grpo-bench offline bundle on a host with no network and no root.
#   bash install.sh [DEST]     verify the parts, reassemble, install into DEST
#                              (default: ./installed beside this script); prints the `source` line
#   bash install.sh --check    only say which parts are here and whether they verify
# Needs: bash, sha256sum, tar, xz (only if the bundle has node), and the target's python3 with pip
# (GRPO_BENCH_PYTHON overrides which python).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TAR_SHA256=@@TAR_SHA256@@
PYTHON_VERSION=@@PYTHON_VERSION@@
PARTS=(@@PARTS@@)
HAVE=(@@HAVE@@)
py=${GRPO_BENCH_PYTHON:-python3}

die() { echo "install.sh: $*" >&2; exit 1; }
cd "$here"
[ -f SHA256SUMS ] || die "SHA256SUMS is missing beside install.sh ($here)"

missing=()
for p in "${PARTS[@]}"; do [ -f "$p" ] || missing+=("$p"); done
if [ "${1:-}" = "--check" ]; then
  echo "parts here: $(( ${#PARTS[@]} - ${#missing[@]} )) of ${#PARTS[@]}${missing:+; missing: ${missing[*]}}"
  for p in "${PARTS[@]}"; do
    [ -f "$p" ] || continue
    grep -E "  $p\$" SHA256SUMS | sha256sum -c --quiet - >/dev/null 2>&1 && echo "  $p ok" || echo "  $p CORRUPT"
  done
  exit 0
fi
[ ${#missing[@]} -eq 0 ] || die "missing part(s): ${missing[*]} -- copy every part listed in SHA256SUMS next to install.sh"

bad=()
for p in "${PARTS[@]}"; do
  grep -E "  $p\$" SHA256SUMS | sha256sum -c --quiet - >/dev/null 2>&1 || bad+=("$p")
done
[ ${#bad[@]} -eq 0 ] || die "checksum mismatch: ${bad[*]} is corrupt or truncated -- copy it again (expected sums are in SHA256SUMS)"

dest=${1:-$here/installed}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
have_py=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || die "$py does not run; set GRPO_BENCH_PYTHON"
[ "$have_py" = "$PYTHON_VERSION" ] || die "the bundle was built for Python $PYTHON_VERSION, but $py is $have_py"

# What the bundle assumed the host has: warn, do not stop, on a different version.
if [ ${#HAVE[@]} -gt 0 ]; then
  "$py" - "${HAVE[@]}" <<'EOF' || true
import sys, importlib.metadata as md
for spec in sys.argv[1:]:
    name, _, want = spec.partition("==")
    try:
        got = md.version(name)
    except md.PackageNotFoundError:
        print(f"install.sh: WARNING: the bundle assumes the host has {name}, but it is not installed", file=sys.stderr)
        continue
    if want and got.split("+")[0] != want.split("+")[0]:
        print(f"install.sh: WARNING: the bundle assumes {name}=={want}, the host has {got}", file=sys.stderr)
EOF
fi

tmp=$(mktemp -d "$dest/.unpack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cat "${PARTS[@]}" > "$tmp/bundle.tar"
echo "$TAR_SHA256  $tmp/bundle.tar" | sha256sum -c --quiet - >/dev/null 2>&1 \
  || die "the reassembled bundle does not match its checksum (parts out of order or from another build)"
rm -rf "$dest/payload"
mkdir -p "$dest/payload" "$dest/bin" "$dest/site"
tar -xf "$tmp/bundle.tar" -C "$dest/payload"
rm -f "$tmp/bundle.tar"

if [ -f "$dest/payload/node.xz" ]; then
  xz -dc "$dest/payload/node.xz" > "$dest/bin/node" && chmod +x "$dest/bin/node" && rm "$dest/payload/node.xz"
fi
shopt -s nullglob
wheels=("$dest/payload/wheels/"*.whl)
if [ ${#wheels[@]} -gt 0 ]; then
  echo "installing ${#wheels[@]} wheels into $dest/site ..." >&2
  "$py" -m pip install --quiet --no-index --no-deps --no-compile --disable-pip-version-check --root-user-action=ignore \
    --no-warn-script-location --upgrade --target "$dest/site" "${wheels[@]}" \
    || die "pip could not install the wheels (see above)"
  rm -rf "$dest/payload/wheels"
fi
# Variant folders: each pure-Python wheel in its own folder, to be put before the shared site on
# a scenario variant's pythonpath (${GRPO_BENCH_VARIANTS}/<folder>).
variants_line="# no variant folders in this bundle"
if [ -d "$dest/payload/variants" ]; then
  rm -rf "$dest/variants"
  for dir in "$dest/payload/variants"/*/; do
    name=$(basename "$dir")
    "$py" -m pip install --quiet --no-index --no-deps --no-compile --disable-pip-version-check --root-user-action=ignore \
      --no-warn-script-location --target "$dest/variants/$name" "$dir"*.whl \
      || die "pip could not install the variant $name (see above)"
    echo "variant folder: $dest/variants/$name" >&2
  done
  rm -rf "$dest/payload/variants"
  variants_line="export GRPO_BENCH_VARIANTS=\"$dest/variants\""
fi
# Only a bundle with the harness says where the project's files are: a wheels-only bundle's env.sh
# must not point GRPO_BENCH_ROOT away from the harness installed beside it.
root_line="# no harness in this bundle: GRPO_BENCH_ROOT is left as it is"
if [ -f "$dest/payload/dist/cli/grpo-bench.mjs" ]; then
  printf '#!/usr/bin/env bash\nexec node "%s" "$@"\n' "$dest/payload/dist/cli/grpo-bench.mjs" > "$dest/bin/grpo-bench"
  chmod +x "$dest/bin/grpo-bench"
  root_line="export GRPO_BENCH_ROOT=\"$dest/payload\""
fi
cat > "$dest/env.sh" <<EOF
# grpo-bench offline bundle: source this file.
export PATH="$dest/bin:$dest/site/bin:\$PATH"
export PYTHONPATH="$dest/site\${PYTHONPATH:+:\$PYTHONPATH}"
$root_line
$variants_line
export GRPO_BENCH_PYTHON="$(command -v "$py")"
# NVLink multicast stays off on shared hosts.
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
@@ENV@@
EOF
echo "installed into $dest; now run:"
echo "source $dest/env.sh"
