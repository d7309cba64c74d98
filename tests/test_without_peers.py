"""tests/without_peers.py (NERVE_TEST_WITHOUT): a hidden package looks exactly like one not installed."""

import importlib
import importlib.util
import sys

import pytest

import without_peers


@pytest.fixture
def probe(tmp_path, monkeypatch):
    """An importable package 'nerve_peer_probe' (with a submodule), and a meta path restored afterwards."""
    package = tmp_path / "nerve_peer_probe"
    package.mkdir()
    (package / "__init__.py").write_text("VALUE = 1\n")
    (package / "sub.py").write_text("VALUE = 2\n")
    (tmp_path / "nerve_peer_kept.py").write_text("VALUE = 3\n")          # a name beside it, not hidden
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    yield "nerve_peer_probe"
    for name in ("nerve_peer_probe", "nerve_peer_probe.sub", "nerve_peer_kept"):
        sys.modules.pop(name, None)


def test_a_hidden_package_is_not_found_and_the_rest_is(probe):
    assert importlib.util.find_spec(probe) is not None
    without_peers.hide([probe])
    assert importlib.util.find_spec(probe) is None
    for name in (probe, f"{probe}.sub"):
        with pytest.raises(ModuleNotFoundError, match=f"No module named '{probe}'"):
            importlib.import_module(name)
    assert probe not in sys.modules
    assert importlib.import_module("nerve_peer_kept").VALUE == 3           # found through the wrapped finders


def test_hide_refuses_an_imported_or_dotted_name(probe, monkeypatch):
    importlib.import_module(probe)
    with pytest.raises(RuntimeError, match="imported before the tests started"):
        without_peers.hide([probe])
    with pytest.raises(ValueError, match="top-level package names"):
        without_peers.hide(["torch.nn"])


def test_the_names_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(without_peers.ENV, " torch, keras,,jax ")
    assert without_peers.hidden_names() == ["torch", "keras", "jax"]
    monkeypatch.delenv(without_peers.ENV)
    assert without_peers.hidden_names() == []
