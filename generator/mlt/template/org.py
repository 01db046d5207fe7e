"""What an organisation's template is (issue 20), as recorded in its `.mlt.yaml`.

`mlt template init DIR` (mlt.orgtemplate) writes the bundled template, with the organisation's
answers as its question defaults, into a git repository whose provenance says `bundled:template`.
To `mlt update` that repository is a child like any other whose "render" is the derived template
(`mlt.scaffold.derive`), merged 3-way on `mlt/template`.
"""

SOURCE = "bundled:template"
DERIVED_TYPE = "template"  # Provenance.bundled_type of an organisation's template
FORMAT = "mlt-template"  # TemplateSource.format: render_files derives instead of rendering
