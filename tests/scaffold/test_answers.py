"""Project names and `-d KEY=VALUE` answers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlt.errors import UsageError
from mlt.scaffold.answers import (
    PROJECT_NAME,
    check_project_name,
    check_values,
    coerce_answers,
    parse_data,
)

QUESTIONS = {
    "project_name": {"type": "str"},
    "python_version": {"type": "str"},
    "port": {"type": "int"},
    "ratio": {"type": "float"},
    "gpu": {"type": "bool"},
    "extra": {},  # no type: YAML
    "config": {"type": "json"},
}


@pytest.mark.parametrize("name", ["a", "fraud-scorer", "x2-y3", "nightly-embed-v2"])
def test_good_names(name):
    check_project_name(name)


@pytest.mark.parametrize("name", ["", "A", "2fast", "a_b", "a--b", "a-", "-a", "a b", "é"])
def test_bad_names(name):
    with pytest.raises(UsageError, match=f"^invalid project name '{name}': use lowercase"):
        check_project_name(name)


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)


@given(first=st.sampled_from("abcxyz"), parts=st.lists(words, max_size=4))
def test_dash_joined_lowercase_words_are_names(first, parts):
    name = "-".join([first + "x", *parts])
    check_project_name(name)
    # A valid name is also a valid package name once dashes become underscores.
    assert name.replace("-", "_").isidentifier()


def test_parse_data_keeps_text_and_last_value_wins():
    assert parse_data(["gpu=true", "port=80", "port=9000", "description=a=b", "empty="]) == {
        "gpu": "true",
        "port": "9000",
        "description": "a=b",
        "empty": "",
    }


@pytest.mark.parametrize("pair", ["gpu", "=x", "1a=x", "a-b=x", " a=x"])
def test_parse_data_rejects_malformed(pair):
    with pytest.raises(UsageError) as info:
        parse_data([pair])
    assert info.value.message == f"malformed -d '{pair}': expected KEY=VALUE"


def test_coerce_answers_types_values_by_question():
    raw = {
        "python_version": "3.10",
        "port": "9000",
        "ratio": "0.5",
        "gpu": "TRUE",
        "extra": "7",
        "config": '{"a": 1}',
    }
    assert coerce_answers(raw, QUESTIONS, "t") == {
        "python_version": "3.10",
        "port": 9000,
        "ratio": 0.5,
        "gpu": True,
        "extra": 7,
        "config": '{"a": 1}',
    }


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("port", "80.5", "invalid port '80.5': expected an integer"),
        ("port", "true", "invalid port 'true': expected an integer"),
        ("ratio", "fast", "invalid ratio 'fast': expected a number"),
        ("gpu", "yes", "invalid gpu 'yes': expected true or false"),
        ("gpu", "1", "invalid gpu '1': expected true or false"),
    ],
)
def test_coerce_answers_rejects_wrong_types(key, text, message):
    with pytest.raises(UsageError) as info:
        coerce_answers({key: text}, QUESTIONS, "t")
    assert info.value.message == message


def test_unknown_keys_are_all_named_with_the_valid_ones():
    with pytest.raises(UsageError) as info:
        coerce_answers({"colour": "x", "port": "1", "size": "2"}, QUESTIONS, "bundled:service")
    assert info.value.message == (
        "unknown answer keys 'colour', 'size' for template bundled:service "
        "(valid: python_version, port, ratio, gpu, extra, config)"
    )


def test_name_regex_matches_the_bundled_validator():
    from mlt import resources
    from mlt.scaffold.project_type import bundled_questions

    for project_type in resources.PROJECT_TYPES:
        config = bundled_questions(project_type)
        assert PROJECT_NAME.pattern in config["project_name"]["validator"]


@pytest.mark.parametrize("word", ["class", "def", "import", "async", "None"])
def test_keywords_are_not_package_names(word):
    with pytest.raises(UsageError, match=f"^invalid package_name '{word}': a Python keyword"):
        check_values({"package_name": word})


@pytest.mark.parametrize(
    "registry",
    ["registry.example.com/ml", "ghcr.io/acme/ml", "localhost:5000", "r.io/a__b/c-d/e.f", "x"],
)
def test_good_registries(registry):
    check_values({"image_registry": registry, "base_image_registry": registry})


@pytest.mark.parametrize(
    "registry", ["Bad Registry", "Ghcr.io/acme", "ghcr.io/Acme", "r.io/", "r.io//a", "-r.io", "a b"]
)
def test_bad_registries(registry):
    with pytest.raises(UsageError, match=f"^invalid image_registry '{re.escape(registry)}'"):
        check_values({"image_registry": registry})


@pytest.mark.parametrize("tag", ["2026.11", "latest", "v1_2-rc.3", "A" * 128])
def test_good_tags(tag):
    check_values({"base_image_tag": tag})


@pytest.mark.parametrize("tag", ["not a tag!", ".hidden", "-x", "", "A" * 129, "a:b"])
def test_bad_tags(tag):
    with pytest.raises(UsageError, match="^invalid base_image_tag"):
        check_values({"base_image_tag": tag})


def test_checks_run_when_answers_are_coerced():
    questions = {"package_name": {"type": "str"}}
    with pytest.raises(UsageError, match="a Python keyword"):
        coerce_answers({"package_name": "while"}, questions, "t")
