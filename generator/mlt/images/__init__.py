"""Curated base images: the catalog, its checks against compat.yaml, rendering and building.

Modules: `catalog` (data), `checks` (validation), `context` (Dockerfile + build context),
`build` (build orchestration and progress events), `_docker` (the only docker SDK user).
"""
