"""Smart HTTP git for tests: `git http-backend` behind lighttpd (Debian's package), basic auth.

Started on 127.0.0.1 on a free port; repositories live under `root` as OWNER/NAME.git and
are served at http://127.0.0.1:PORT/OWNER/NAME.git. Pushing needs an authenticated user
(git http-backend enables receive-pack once the web server sets REMOTE_USER).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

BACKEND = Path("/usr/lib/git-core/git-http-backend")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lighttpd() -> str:
    """The lighttpd binary, or a skip (a failure under CI, which installs it)."""
    found = shutil.which("lighttpd") or (
        "/usr/sbin/lighttpd" if Path("/usr/sbin/lighttpd").exists() else None
    )
    if found and BACKEND.exists():
        return found
    why = "lighttpd and git-http-backend are needed (scripts/ci-fleet-setup.sh installs them)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


class GitHttpServer:
    """A running lighttpd serving the bare repositories under `root`."""

    def __init__(self, work: Path, users: dict[str, str]) -> None:
        binary = lighttpd()
        self.root = work / "repos"
        self.root.mkdir(parents=True)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (work / "users").write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
        conf = work / "lighttpd.conf"
        conf.write_text(
            f'server.document-root = "{self.root}"\n'
            f"server.port = {self.port}\n"
            'server.bind = "127.0.0.1"\n'
            'server.modules = ("mod_auth", "mod_authn_file", "mod_cgi", "mod_alias",'
            ' "mod_setenv")\n'
            f'server.errorlog = "{work}/error.log"\n'
            'auth.backend = "plain"\n'
            f'auth.backend.plain.userfile = "{work}/users"\n'
            'auth.require = ( "/" => ("method" => "basic", "realm" => "git",'
            ' "require" => "valid-user") )\n'
            f'alias.url = ( "/" => "{BACKEND}/" )\n'
            'cgi.assign = ( "" => "" )\n'
            f'setenv.set-environment = ( "GIT_PROJECT_ROOT" => "{self.root}",'
            ' "GIT_HTTP_EXPORT_ALL" => "" )\n'
        )
        self.proc = subprocess.Popen(
            [binary, "-D", "-f", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise RuntimeError(f"lighttpd exited: {err}") from None
                time.sleep(0.05)
        raise RuntimeError("lighttpd did not start")

    def publish(self, child: Path, slug: str) -> str:
        """A bare copy of `child` (every branch, mlt/template included) as OWNER/NAME."""
        bare = self.root / f"{slug}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--bare", str(child), str(bare)], check=True)
        return f"{self.url}/{slug}.git"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
