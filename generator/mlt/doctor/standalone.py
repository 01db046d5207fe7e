"""`python mlt-doctor.pyz --gpu --json`: the doctor without the rest of mlt, for images that
do not have mlt installed (the pod of `mlt doctor --gpu --k8s-job`).

The zip (built by k8s_job.bundle) holds mlt's doctor and the few modules it needs, plus the
compatibility data as JSON, since the image may have no YAML library. It runs the same
`diagnose()` as `mlt doctor --json` and prints the same report (schema mlt.doctor/1). It
unpacks itself first: the probe is run by path by the target interpreter, so it must be a
real file.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zipfile
from pathlib import Path

COMPAT_JSON = "mlt_compat.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mlt-doctor", description=__doc__)
    parser.add_argument("--gpu", action="store_true", help="expect a usable GPU")
    parser.add_argument("--json", action="store_true", help="print the JSON report (default)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--python", default=None)
    parser.add_argument("--no-trace", dest="trace", action="store_false")
    parser.add_argument("--root", default="/", help="read filesystem facts under DIR")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlt-doctor-") as tmp:
        with zipfile.ZipFile(sys.argv[0]) as archive:
            archive.extractall(tmp)
        sys.path.insert(0, tmp)
        from mlt import compat

        data = json.loads((Path(tmp) / COMPAT_JSON).read_text(encoding="utf-8"))
        compat._load = lambda path: data  # noqa: SLF001 - no YAML library needed in the image
        from mlt.doctor import Options, diagnose
        from mlt.errors import MltError

        try:
            report = diagnose(
                Options(
                    gpu=args.gpu,
                    trace=args.trace,
                    root=Path(args.root),
                    python=args.python,
                    timeout=args.timeout,
                )
            )
        except MltError as exc:
            print(json.dumps({"error": str(exc), "exit_code": 2}, indent=2))
            return 2
    print(json.dumps(report, indent=2, default=str))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
