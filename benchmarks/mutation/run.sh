#!/usr/bin/env bash
# Mutation testing of the verdict's code, by hand (not in CI): see README.md beside this file.
#
#   benchmarks/mutation/run.sh [compare|others] [JOBS]
#
# mutmut works on a scratch copy of the work tree (MUTATION_DIR, default /tmp/bascule-mutation-PASS):
# the repository's files are only read, never mutated. Run it again to resume a stopped pass.
set -euo pipefail

pass="${1:-compare}"
jobs="${2:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel)"
config="$here/$pass.cfg"
[ -f "$config" ] || { echo "no pass named $pass (compare or others)" >&2; exit 2; }
command -v mutmut >/dev/null || { echo "mutmut is not installed: pip install 'mutmut==3.8.1'" >&2; exit 2; }
scratch="${MUTATION_DIR:-/tmp/bascule-mutation-$pass}"

before="$(git -C "$root" status --porcelain=v1 | sha256sum)"
mkdir -p "$scratch"
if [ -n "${MUTATION_REF:-}" ]; then
    # A commit as it was (e.g. MUTATION_REF=HEAD~3 for the kill rate before some tests landed).
    git -C "$root" archive "$MUTATION_REF" | tar -xf - -C "$scratch"
else
    # The tracked and new (not ignored) files of the work tree, as they are now; mutants/ is kept to resume.
    (cd "$root" && git ls-files -z --cached --others --exclude-standard \
        | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$scratch"
fi
cp "$config" "$scratch/setup.cfg"

started=$(date +%s)
(cd "$scratch" && mutmut run --max-children "$jobs") > "$scratch/run.log" 2>&1 || true
seconds=$(( $(date +%s) - started ))

(cd "$scratch" && python "$here/kill_rate.py" --seconds "$seconds" --pass "$pass")
after="$(git -C "$root" status --porcelain=v1 | sha256sum)"
if [ "$before" != "$after" ]; then
    echo "warning: git status of $root changed during the run (another engineer's edits, or a leak)" >&2
fi
