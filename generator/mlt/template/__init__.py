"""What a template is, below `scaffold` (render, `mlt new`) and `update`: its source and
versions (`source`, `versions`), its meta file and migrations (`meta`, `migrations`,
`copier_migrations`) and its tasks (`tasks`). Nothing here renders or merges."""
