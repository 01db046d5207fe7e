"""The organisation's own template (issue 20): derived from the bundled one, kept current.

`mlt template init DIR` writes the bundled template into a new git repository with the
organisation's answers as its question defaults (`derive`), and records where it came from in
`DIR/.mlt.yaml` (source `bundled:template`). To `mlt update`, that repository is a child like
any other whose "render" is the derived template: the engine renders the running mlt's bundled
template with the recorded answers, commits it on `mlt/template` and merges it 3-way.
"""

SOURCE = "bundled:template"
DERIVED_TYPE = "template"  # Provenance.bundled_type of an organisation's template
FORMAT = "mlt-template"  # TemplateSource.format: render_files derives instead of rendering
