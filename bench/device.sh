# Sourced by bench scripts: the device a run is on, and the results/ folder name made from it.
# chord_device_name: $CHORD_DEVICE_NAME, else the first GPU nvidia-smi lists, else "cpu <lscpu model name>".
chord_device_name() {
    local device=${CHORD_DEVICE_NAME:-}
    if [ -z "$device" ] && command -v nvidia-smi >/dev/null 2>&1; then
        device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || true)
    fi
    [ -n "$device" ] || device="cpu $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
    printf '%s\n' "$device"
}
# chord_device_slug NAME: lower case, runs of anything else than [a-z0-9] as one "-"
chord_device_slug() {
    printf '%s' "$1" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9]+/-/g; s/^-+|-+$//g'
}
