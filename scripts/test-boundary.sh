#!/usr/bin/env bash
# The hostile sandbox suites (pytest -m boundary) the two ways users meet them beyond root with
# namespaces: (a) as an unprivileged user, (b) with user namespaces unavailable, where every nested
# unshare fails with ENOSPC and runs get the `filesystem` level. Both need root to set up (useradd,
# the sysctl inside a user namespace): elsewhere this skips, except under CI=true, where it fails.
# Usage: scripts/test-boundary.sh [PYTHON] [pytest arguments...]
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-.venv/bin/python}"
shift || true
USER_NAME="${CODEGEN_BOUNDARY_USER:-cgbound}"  # short: AF_UNIX paths under its TMPDIR stay < 108 bytes
PYTEST=(-m pytest -m boundary -p no:cacheprovider -q "$@")

if [ "$(id -u)" != 0 ]; then
    if [ "${CI:-}" = true ]; then
        echo "test-boundary: needs root (useradd, runuser, unshare) and CI=true: failing" >&2
        exit 1
    fi
    echo "test-boundary: skipped: needs root to create a user and to turn user namespaces off" \
        "(CI runs it as root; run it as root, or run the root mode with: $PYTHON -m pytest -m boundary)"
    exit 0
fi

# The unprivileged user reads the clone, the venv and its interpreter where they are (the venv's
# paths are absolute).
readable_by_user() {
    runuser -u "$USER_NAME" -- test -r pyproject.toml -a -r tests/conftest.py &&
        runuser -u "$USER_NAME" -- "$PYTHON" -c "import codegen, codegen_lsp, pytest" 2>/dev/null
}

open_to_user() {  # every folder above $1 searchable, $1 itself readable
    local folder
    folder="$(dirname "$1")"
    while [ "$folder" != / ]; do
        chmod o+x "$folder"
        folder="$(dirname "$folder")"
    done
    chmod -R o+rX "$1"
}

id "$USER_NAME" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
if ! readable_by_user; then
    if [ "${CI:-}" = true ]; then
        open_to_user "$PWD"
        open_to_user "$("$PYTHON" -c 'import sys; print(sys.base_prefix)')"
    else
        echo "test-boundary: user $USER_NAME cannot run $PYTHON on $PWD: the clone, the venv and" \
            "the interpreter need to be readable, every folder above them o+x (CI=true grants this" \
            "itself; or pass another PYTHON: scripts/test-boundary.sh PYTHON)" >&2
        exit 1
    fi
fi

home="$(mktemp -d /tmp/cgb.XXXXXX)"
mkdir "$home/t"
chown -R "$USER_NAME" "$home"
trap 'rm -rf "$home"' EXIT
status=0

echo "== boundary suite as the unprivileged user $USER_NAME"
runuser -u "$USER_NAME" -- env -i PATH=/usr/bin:/bin HOME="$home" TMPDIR="$home/t" \
    PYTHONDONTWRITEBYTECODE=1 CI="${CI:-}" LANG=C.UTF-8 "$PYTHON" "${PYTEST[@]}" || status=1

echo "== boundary suite with user namespaces unavailable (max_user_namespaces = 0)"
# Inside a user namespace of our own the limit can be set to 0 (the sysctl itself is refused here
# even to root): the runs below then meet the `filesystem` level, as on hosts without namespaces.
unshare --user --map-root-user sh -c \
    'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" "$@"' \
    "$PYTHON" "${PYTEST[@]}" || status=1

exit "$status"
