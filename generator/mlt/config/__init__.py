"""User settings for `mlt new`: which template, at which ref, with which default answers.

Said once, in order: `--template`, the MLT_TEMPLATE environment variable, the `template` key
of the user's config file ($XDG_CONFIG_HOME/mlt/config.toml, or the file MLT_CONFIG names),
else the bundled template. `settings` reads them; `install` says how the running mlt was
installed (the default `mlt_spec`); `placeholders` names bundled answers left at example.com.
"""
