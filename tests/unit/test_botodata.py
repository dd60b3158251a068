"""The quick botocore loader answers exactly as botocore's own Loader does (botocore is the reference)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError

from trayapp.core.botodata import quick_loader, use_quick_loader

NAMES = [
    "sts",
    "organizations",
    "sso",
    "signin",
    "no-such-service",
    "",
    ".",
    "..",
    "sts/../iam",
    "endpoints.json",
]


@pytest.mark.parametrize("type_name", ["service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2"])
def test_which_services_exist_is_botocore_s_answer(type_name: str) -> None:
    reference = botocore.loaders.create_loader().list_available_services(type_name)
    known = quick_loader(None).list_available_services(type_name)
    assert [name in known for name in NAMES] == [name in reference for name in NAMES]
    assert list(known) == reference and len(known) == len(reference) and known[0] == reference[0]


def test_models_and_unknown_service_errors_are_botocore_s() -> None:
    reference, quick = botocore.loaders.create_loader(), quick_loader(None)
    for service in ("sts", "organizations", "sso"):
        assert quick.load_service_model(service, "service-2") == reference.load_service_model(
            service, "service-2"
        )
    with pytest.raises(UnknownServiceError) as expected:
        reference.load_service_model("no-such-service", "service-2")
    with pytest.raises(UnknownServiceError) as got:
        quick.load_service_model("no-such-service", "service-2")
    assert str(got.value) == str(expected.value)


def test_a_model_in_aws_data_path_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service model the user added under AWS_DATA_PATH (as botocore documents it) is loaded from there."""
    builtin = Path(botocore.__file__).parent / "data" / "sts" / "2011-06-15"
    custom = tmp_path / "models" / "sts-copy" / "2011-06-15"
    custom.mkdir(parents=True)
    shutil.copy(builtin / "service-2.json.gz", custom / "service-2.json.gz")
    (tmp_path / "models" / "extra" / "2020-01-01").mkdir(parents=True)
    (tmp_path / "models" / "extra" / "2020-01-01" / "service-2.json").write_text(json.dumps({"metadata": {}}))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path / "models"))
    session = use_quick_loader(botocore.session.Session())
    loader = session.get_component("data_loader")
    assert loader.search_paths[0] == str(tmp_path / "models")
    assert loader.load_service_model("extra", "service-2") == {"metadata": {}}
    assert "sts-copy" in loader.list_available_services("service-2")
    assert "extra" not in loader.list_available_services("paginators-1")
    client = session.create_client(
        "sts", region_name="eu-west-1", aws_access_key_id="A", aws_secret_access_key="B"
    )
    assert client.meta.endpoint_url == "https://sts.eu-west-1.amazonaws.com"
