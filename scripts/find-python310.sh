#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10).
# pyenv installs a `python3.10` shim that fails unless 3.10 is the active version,
# so each candidate is checked by running it, not only by finding it on PATH.
set -euo pipefail

candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
candidates+=("python3.10" "/usr/bin/python3.10" "/usr/local/bin/python3.10")
if command -v pyenv >/dev/null 2>&1; then
  for dir in "$(pyenv root)"/versions/3.10*/bin; do
    candidates+=("$dir/python3.10")
  done
fi

for candidate in "${candidates[@]}"; do
  if version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
    && [ "$version" = "3.10" ]; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done

echo "error: Python 3.10 not found; install it or set PYTHON310=/path/to/python3.10" >&2
exit 1
