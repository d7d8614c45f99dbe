#!/usr/bin/env bash
# Applies the formatter and the automatic fixes of Biome and knip to the whole tree, then runs
# `npm run lint` to show what is left for a person. Run it on a clean tree (it rewrites files in
# place) and review `git diff` before committing. docs/architecture.md ("Lint and format").
set -euo pipefail
cd "$(dirname "$0")/.."

# knip: drop the `export` keyword from values and types nothing else imports. Unused files and
# dependencies are only reported: deleting them is a person's decision.
npx knip --no-progress --fix --fix-type exports,types >/dev/null || true

# Biome: two fixes it marks unsafe that cannot change behaviour here (dropping unused imports;
# 'a' + b → `a${b}` on strings), then the safe lint fixes and the formatter.
# Each step leaves findings it cannot fix; the last step lists them.
npx biome lint --write --unsafe --only=correctness/noUnusedImports --only=style/useTemplate >/dev/null 2>&1 || true
npx biome check --write >/dev/null 2>&1 || true

# What remains needs a person: exports knip could not fix, and rules without a safe fix.
npx tsc -p tsconfig.test.json
npm run --silent lint
