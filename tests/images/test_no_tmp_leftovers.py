"""The image tests' session wheel folder (`/tmp/mlt-test-wheel-*`) goes when the run ends:
the suite used to leave one behind per run."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_session_wheel_folder_is_removed_at_exit(tmp_path):
    wheel = tmp_path / "mlt-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("mlt/__init__.py", "")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import images_docker_support as s\n"
        "print(s.session_inputs()[0].parent)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(HERE)],
        env={**os.environ, "MLT_WHEEL": str(wheel)},
        capture_output=True,
        text=True,
        check=True,
    )
    folder = Path(done.stdout.strip().splitlines()[-1])
    assert folder.name.startswith("mlt-test-wheel-")
    assert not folder.exists()
