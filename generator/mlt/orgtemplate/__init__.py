"""The organisation's own template (issue 20): derived from the bundled one, kept current.

`mlt template init DIR` (`init`) writes the bundled template into a new git repository with the
organisation's answers as its question defaults (`mlt.scaffold.derive`), and records where it
came from in `DIR/.mlt.yaml` (source `bundled:template`, see `mlt.template.org`). `mlt update`
inside it then merges a newer mlt's bundled template 3-way, like any child's update.
"""
