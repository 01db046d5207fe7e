"""The copier subset: copier 9's `run_copy` for the templates mlt renders most, without copier.

Why: importing copier alone costs about 0.7 s, and its render compiles every question default,
validator and path with Jinja; `mlt new` and `mlt update` of a bundled template (or of a local
git template at a ref) render here in-process instead. `mlt.scaffold.render` is the only caller
that decides: it tries this subset first and falls back to copier on `Unsupported`.

Contract (what is reproduced byte for byte, modes, file sets and recorded answers included):
- settings `_subdirectory`, `_exclude`, `_answers_file`, `_templates_suffix`, `_envops`, and
  those a fresh quiet render only checks (`_min_copier_version`, `_skip_if_exists`, `_tasks`,
  `_migrations`, `_message_*`: `inert_settings`);
- questions with `type` (str, int, float, bool, yaml, json), `default`, `choices`, `validator`,
  `when`, `help`, `multiline`, `placeholder`, `qmark` (`fast_questions`), non-interactive only;
- the render context: the answers, `_src_path`, `_copier_answers`, `_folder_name`,
  `_copier_python`, `_copier_conf.{answers_file,src_path,dst_path,vcs_ref,vcs_ref_hash,sep,os}`
  (`jinja_env`), and the jinja2-ansible-filters copier loads;
- bundled templates (a directory) and local git templates at an explicit ref, read from the
  repository's objects (`git_checkout`, `source_tree`), in memory or into an empty folder.

Falls back to copier (raises `errors.Unsupported` before anything is written): interactive
prompts, URLs (copier clones through its cache), Jinja extensions, secret questions,
`{% yield %}`, `now`/`make_secret`/`_copier_phase`/other `_copier_conf` keys, symlinks,
submodules, .gitattributes, a dirty HEAD, a copier settings file, `!include`, Jinja syntax copier
might accept. Answers copier would reject raise `errors.AnswerError` with copier's message.

Parity is a test, not a promise: tests/scaffold/test_fastrender*.py render every case both ways
and compare; pyproject pins copier to the versions that suite passed, and `ci/copier-newest.sh`
runs it against the newest copier release.

Modules: `fast_render` (FastTemplate: config, questions, render), `config` (copier.yml),
`fast_questions`, `jinja_env`, `inert_settings`, `git_checkout`, `source_tree`, `errors`.
Nothing here imports from mlt but `mlt.gitops`.
"""
