"""`mlt images ...` through the CLI: output, JSON envelopes, exit codes, whole error messages."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from mlt.cli import app
from mlt.errors import MltError, UsageError
from mlt.images.build import BuildReporter, _follow, parse_build_args, split_tag
from mlt.images.catalog import load_catalog
from mlt.resources import base_images_dir


def run(runner, *args, **kwargs):
    return runner.invoke(app, ["images", *args], catch_exceptions=False, **kwargs)


def test_list_json(runner):
    result = run(runner, "list", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["schema"] == "mlt.images/1" and data["release"] == "2026.11"
    by_id = {i["id"]: i for i in data["images"]}
    assert list(by_id) == ["cpu", "cuda-runtime", "cuda-devel", "pytorch", "tensorflow"]
    assert by_id["cpu"]["tag"] == "registry.example.com/mlt/cpu:2026.11"
    assert by_id["cpu"]["min_driver"] is None
    assert by_id["pytorch"]["framework"] == {"name": "pytorch", "version": "2.10.0"}
    assert by_id["tensorflow"]["min_driver"] == {
        "minimum": "525.60.13",
        "toolkit_driver": "555.42.02",
    }


def test_list_table(runner):
    result = run(runner, "list")
    assert result.exit_code == 0
    assert "release 2026.11" in result.stdout and "cuda-devel" in result.stdout


def test_show_includes_min_driver(runner):
    result = run(runner, "show", "cuda-runtime")
    assert result.exit_code == 0
    assert "min driver    525.60.13 (minor-version compat; 570.26 without it)" in result.stdout
    data = json.loads(run(runner, "show", "cuda-devel", "--json").stdout)
    assert data["cuda_source"] == "system" and data["min_driver"]["toolkit_driver"] == "570.26"
    assert data["parent"]["name"] == "docker.io/nvidia/cuda:12.8.1-devel-ubuntu24.04"


def test_show_unknown_id(runner):
    result = run(runner, "show", "gpu")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: unknown image 'gpu' (valid: cpu, cuda-runtime, cuda-devel, pytorch, tensorflow)\n"
    )


def test_check_bundled_catalog(runner):
    result = run(runner, "check")
    assert result.exit_code == 0
    assert result.stdout == "ok: 5 images consistent with compat.yaml\n"


@pytest.fixture
def bogus_catalog(tmp_path):
    yaml = YAML(typ="safe")
    data = yaml.load((base_images_dir() / "catalog.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    entries = {e["id"]: e for e in data["images"]}
    entries["pytorch"].update(
        framework={"name": "pytorch", "version": "2.7.1"},
        pip=["torch==2.7.1"],
        cuda="12.1",
        constraints=[],
        cudnn=None,
        nccl=None,
    )
    entries["cuda-runtime"].update(cuda="12.7", pip=[])
    del entries["cpu"]["parent"]["digest"]
    path = tmp_path / "catalog.yaml"
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return path


def test_check_bogus_catalog_exits_1(runner, bogus_catalog):
    result = run(runner, "check", "--catalog", str(bogus_catalog))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "error: cpu: parent 'docker.io/library/debian:bookworm-20251229-slim' "
        "is not pinned by digest",
        "error: cuda-runtime: CUDA 12.7 does not exist (no such toolkit release in compat.yaml)",
        "error: pytorch: torch 2.7 was never built for CUDA 12.1 (variants: 11.8, 12.6, 12.8)",
    ]


def test_check_json(runner, bogus_catalog):
    result = run(runner, "check", "--json", "--catalog", str(bogus_catalog))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["schema"] == "mlt.images.check/1" and data["ok"] is False
    assert [f["image"] for f in data["findings"]] == ["cpu", "cuda-runtime", "pytorch"]


def test_check_missing_catalog_file(runner, tmp_path):
    result = run(runner, "check", "--catalog", str(tmp_path / "none.yaml"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot read image catalog {tmp_path / 'none.yaml'}: No such file or directory\n"
    )


def test_render_writes_a_context(runner, tmp_path):
    result = run(runner, "render", "cpu", "-o", str(tmp_path / "ctx"))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"rendered cpu into {tmp_path / 'ctx'} (mlt-")
    assert (tmp_path / "ctx" / "Dockerfile").is_file()
    assert list((tmp_path / "ctx" / "wheels").glob("mlt-*.whl"))


def test_build_without_engine_is_one_line(runner, tmp_path, monkeypatch):
    dead = tmp_path / "dead.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{dead}")
    result = run(runner, "build", "cpu")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: no Docker engine reachable at unix://{dead}"
    assert lines[1].startswith(
        "hint: start dockerd (scripts/ci-docker-setup.sh) or set DOCKER_HOST"
    )
    assert len(lines) == 2 and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--build-arg", "NOEQUALS"],
            "error: malformed --build-arg 'NOEQUALS': expected KEY=VALUE\n",
        ),
        (["--network", "overlay"], "error: --network 'overlay' is not one of bridge, host, none\n"),
        (
            ["--index-url", "https://mirror.example/simple"],
            "error: --index-url: image 'cpu' installs no packages from an index\n",
        ),
    ],
)
def test_build_usage_errors(runner, args, message):
    result = run(runner, "build", "cpu", *args)
    assert result.exit_code == 2
    assert result.stderr == message


def test_parse_build_args_and_split_tag():
    assert parse_build_args(["A=1", "B=x=y", "C="]) == {"A": "1", "B": "x=y", "C": ""}
    with pytest.raises(UsageError):
        parse_build_args(["=v"])
    assert split_tag("registry.example.com/mlt/cpu:2026.11") == (
        "registry.example.com/mlt/cpu",
        "2026.11",
    )
    assert split_tag("localhost:5000/cpu") == ("localhost:5000/cpu", "latest")


class Recorder:
    def __init__(self):
        self.steps, self.logs, self.tail, self.done = [], [], None, []

    def finished(self, number, seconds, cached):
        assert seconds >= 0
        self.done.append((number, cached))

    def step(self, number, total, instruction):
        self.steps.append((number, total, instruction))

    def log(self, line):
        self.logs.append(line)

    def failed(self, lines):
        self.tail = lines


def test_follow_reports_steps_cache_and_id():
    events = [
        {"stream": "Step 1/2 : FROM x\n"},
        {"stream": " ---> 1234\n"},
        {"stream": "Step 2/2 : RUN true\n"},
        {"stream": " ---> Using cache\n"},
        {"aux": {"ID": "sha256:abc"}},
        {"stream": "Successfully built abc\n"},
    ]
    rec: BuildReporter = Recorder()
    assert _follow(iter(events), "cpu", rec) == ("sha256:abc", 2, 1)
    assert rec.steps == [(1, 2, "FROM x"), (2, 2, "RUN true")]
    assert rec.done == [(1, False), (2, True)]


def test_follow_failure_hands_over_the_whole_step_output():
    lines = [f"line {i}" for i in range(500)]
    events = [{"stream": "Step 1/2 : RUN true\n"}, {"stream": " ---> 1\n"}]
    events += [{"stream": "Step 2/2 : RUN make\n"}] + [{"stream": f"{x}\n"} for x in lines]
    events.append({"error": "The command 'make' returned a non-zero code: 2"})
    rec = Recorder()
    with pytest.raises(MltError):
        _follow(iter(events), "cpu", rec)
    assert rec.tail == lines and rec.done == [(1, False)]


def test_follow_failure_names_the_step_and_keeps_its_log_tail():
    events = [
        {"stream": "Step 7/9 : RUN apt-get update\n"},
        {"stream": "Err:1 http://deb.debian.org/debian bookworm InRelease\n"},
        {"stream": "  Temporary failure resolving 'deb.debian.org'\n"},
        {"error": "The command '/bin/sh -c apt-get update' returned a non-zero code: 100"},
    ]
    rec = Recorder()
    with pytest.raises(MltError) as info:
        _follow(iter(events), "cpu", rec)
    assert info.value.message == (
        "build of 'cpu' failed at step 7/9 (RUN apt-get update): "
        "The command '/bin/sh -c apt-get update' returned a non-zero code: 100"
    )
    assert rec.tail == [
        "Err:1 http://deb.debian.org/debian bookworm InRelease",
        "  Temporary failure resolving 'deb.debian.org'",
    ]


def test_module_entry_point_help():
    proc = subprocess.run(
        [sys.executable, "-m", "mlt", "images", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    for command in ("list", "show", "check", "render", "build"):
        assert command in proc.stdout


def test_build_json_error_is_an_event_line(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'dead.sock'}")
    result = run(runner, "build", "pytorch", "--json", "--index-url", "ftp://x")
    assert result.exit_code == 2
    event = json.loads(result.stdout)
    message = "--index-url 'ftp://x' is not an http(s) URL"
    assert event == {
        "event": "error",
        "message": message,
        "hint": None,
        "error": message,
        "exit_code": 2,
    }
    assert result.stderr.strip() == f"error: {message}"


@pytest.mark.parametrize("columns", ["80", "60"])
def test_list_table_never_cuts_an_id(columns):
    env = dict(os.environ, COLUMNS=columns, TERM="dumb")
    proc = subprocess.run(
        [sys.executable, "-m", "mlt", "images", "list"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    # Not a terminal: plain rows (title, header, one line per image), never wrapped or cut.
    first_cells = [line.split()[0] for line in proc.stdout.splitlines()[2:]]
    assert "…" not in proc.stdout
    assert first_cells == [image.id for image in load_catalog().images]


def test_json_lines_reporter_writes_one_event_per_line(capsys):
    from mlt.cli.build_progress import JsonLinesReporter

    events = [
        {"stream": "Step 1/2 : FROM x\n"},
        {"stream": " ---> Using cache\n"},
        {"stream": "Step 2/2 : RUN  make \\\n   all\n"},
        {"stream": "cc -o app app.c\n"},
        {"error": "The command 'make all' returned a non-zero code: 2"},
    ]
    with pytest.raises(MltError):
        _follow(iter(events), "cpu", JsonLinesReporter())
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["event"] for e in lines] == [
        "step",
        "log",
        "step_done",
        "step",
        "log",
        "log",
        "failed",
    ]
    assert lines[2]["cached"] is True and lines[3]["instruction"] == "RUN make \\"
    assert lines[-1] == {"event": "failed", "step": 2, "output": ["   all", "cc -o app app.c"]}


def test_quiet_reporter_prints_only_the_failing_step(capsys):
    from mlt.cli.build_progress import QuietReporter

    events = [
        {"stream": "Step 1/2 : RUN echo fine\n"},
        {"stream": "fine\n"},
        {"stream": "Step 2/2 : RUN false\n"},
        {"stream": "about to fail\n"},
        {"error": "The command 'false' returned a non-zero code: 1"},
    ]
    with pytest.raises(MltError):
        _follow(iter(events), "cpu", QuietReporter())
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "output of failed step 2 (RUN false), 1 lines:",
        "  | about to fail",
    ]
