"""The test kit, imported as a package (`from tests.support.git import git`): git helpers and the
isolated git identity (`git`), file trees (`trees`), tiny templates (`templates`), children and
template repos for update/fleet tests (`update_kit`), the fake forge (`forge`) and a smart-HTTP
git server (`git_server`). Fixtures stay in each folder's conftest.py and call these."""
