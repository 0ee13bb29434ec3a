"""Slugs and configuration."""

import tomllib
from pathlib import Path

import pytest

from memd.config import config_from_dict, defaults_as_dict, load_config, render_config
from memd.errors import ConfigError
from memd.vault.slugs import slugify, unique_slug

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name,slug", [
    ("Jane Doe", "jane_doe"),
    ("Acme Corp.", "acme_corp"),
    ("José Núñez", "jose_nunez"),
    ("Straße", "strasse"),
    ("Дмитрий Иванов", "дмитрий_иванов"),
    ("山田 太郎", "山田_太郎"),
    ("O'Brien & Sons", "o_brien_and_sons"),
    ("  many   spaces  ", "many_spaces"),
    ("CON", "con_"),
])
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_slugs_are_stable_safe_and_never_empty():
    assert slugify("???") == slugify("???") and slugify("???").startswith("entity_")
    long = slugify("x" * 500)
    assert len(long) <= 80 and long == slugify("x" * 500)
    for name in ["a/b", "..", "a\\b", "x:y", "a\nb"]:
        s = slugify(name)
        assert "/" not in s and "\\" not in s and not s.startswith(".") and ":" not in s


def test_unique_slug_resolves_collisions():
    taken = {"jane_doe", "jane_doe_2"}
    assert unique_slug("Jane Doe", taken.__contains__) == "jane_doe_3"


def test_example_config_documents_every_key_with_its_default():
    example = tomllib.loads((REPO / "memd" / "config.example.toml").read_text())
    for section, keys in defaults_as_dict().items():
        assert section in example, f"config.example.toml lacks [{section}]"
        for key, default in keys.items():
            assert key in example[section], f"config.example.toml lacks {section}.{key}"
            assert example[section][key] == default, f"{section}.{key}: example {example[section][key]!r} != {default!r}"
    assert "vault" in example


def test_config_errors_are_one_line(tmp_path):
    with pytest.raises(ConfigError, match="memd init"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("vault = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="unknown key writer.nope"):
        config_from_dict({"vault": "/v", "writer": {"nope": 1}})
    with pytest.raises(ConfigError, match="settle_seconds must be a number"):
        config_from_dict({"vault": "/v", "writer": {"settle_seconds": "soon"}})
    with pytest.raises(ConfigError, match="vault"):
        config_from_dict({})


def test_render_config_round_trips(tmp_path):
    cfg = config_from_dict({"vault": str(tmp_path), "extract": {"backend": "openai"}, "import": {"me": ["Ann"]}},
                           tmp_path / "c.toml")
    path = tmp_path / "c.toml"
    path.write_text(render_config(cfg))
    again = load_config(path)
    assert again.extract.backend == "openai" and again.import_.me == ["Ann"] and again.vault == tmp_path.resolve()
