"""`.mlt.yaml`: what a child records about its template."""

import pytest

from mlt.errors import MltError
from mlt.provenance import PROVENANCE_FILE, TEMPLATE_BRANCH, Provenance


def test_round_trip(tmp_path):
    original = Provenance(
        source="bundled:service", version="1.2.0", answers={"project_name": "x", "gpu": True}
    )
    path = original.write(tmp_path)
    assert path.name == PROVENANCE_FILE
    text = path.read_text()
    assert text.startswith("# Written by mlt.")
    loaded = Provenance.read(tmp_path)
    assert loaded == original
    assert loaded.bundled_type == "service"
    assert loaded.template_branch == TEMPLATE_BRANCH


def test_external_source_has_no_bundled_type():
    prov = Provenance(source="https://example.com/t.git", version="v2", commit="abc")
    assert prov.bundled_type is None
    assert Provenance.loads(prov.dumps()).commit == "abc"


def test_missing_file_names_the_problem(tmp_path):
    with pytest.raises(MltError, match=r"has no \.mlt\.yaml: it was not made by `mlt new`"):
        Provenance.read(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [", "is not valid YAML"),
        ("schema: other/1\n", "is not an mlt provenance file"),
        (
            "schema: mlt.provenance/1\ntemplate: {source: x}\n",
            "field 'template.version' is missing",
        ),
    ],
)
def test_bad_files_are_rejected(text, message):
    with pytest.raises(MltError, match=message):
        Provenance.loads(text)
