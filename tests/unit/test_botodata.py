"""The quick botocore loader answers exactly as botocore's own Loader does (botocore is the reference)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

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


def _resolvers(tmp_path: Path) -> tuple[Any, Any]:
    """botocore's own endpoint resolver, and one built from the quick loader's endpoints (cache in tmp_path)."""
    from botocore.regions import EndpointResolver

    reference = botocore.session.Session()._get_internal_component("endpoint_resolver")
    quick = quick_loader(None, tmp_path)
    data, path = quick.load_data_with_path("endpoints")
    assert quick.is_builtin_path(path)
    return reference, EndpointResolver(data, uses_builtin_data=True)


def outcome(call: Any, *args: Any) -> Any:
    """What ``call`` returns, or the text of what it raises."""
    try:
        return call(*args)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def test_endpoints_are_botocore_s_for_every_service_region_and_partition(tmp_path: Path) -> None:
    """The cached part answers exactly as the whole file, for our services and (from the whole) for others."""
    for attempt in ("writes the part", "reads the part back"):
        reference, quick = _resolvers(tmp_path)
        assert len(list(tmp_path.glob("endpoints-*.json"))) == 1, attempt
        partitions = reference.get_available_partitions()
        assert quick.get_available_partitions() == partitions
        for service in ("sts", "organizations", "sso", "sso-oidc", "signin", "iam", "s3", "route53"):
            for partition in partitions:
                regions = reference.get_available_endpoints(service, partition, allow_non_regional=True)
                assert quick.get_available_endpoints(service, partition, allow_non_regional=True) == regions
                for region in [*regions, "eu-west-1", "us-gov-west-1", "cn-north-1", "aws-global"]:
                    assert outcome(quick.construct_endpoint, service, region) == outcome(
                        reference.construct_endpoint, service, region
                    ), (service, region)
                    assert outcome(quick.get_partition_for_region, region) == outcome(
                        reference.get_partition_for_region, region
                    )


def test_the_part_read_back_does_not_parse_the_whole_file_for_our_services(tmp_path: Path) -> None:
    from trayapp.core.botodata import endpoints_from_cache

    builtin = str(Path(botocore.__file__).parent / "data" / "endpoints.json")
    whole = botocore.loaders.create_loader().load_data("endpoints")
    endpoints_from_cache(tmp_path, builtin, lambda: whole)
    reads: list[str] = []
    part = endpoints_from_cache(tmp_path, builtin, lambda: reads.append("whole") or whole)
    aws = next(p for p in part["partitions"] if p["partition"] == "aws")
    assert aws["services"]["sts"] == whole["partitions"][0]["services"]["sts"]
    assert "organizations" in aws["services"] and "sso" in aws["services"]
    assert reads == []
    assert (
        aws["services"]["iam"] == whole["partitions"][0]["services"]["iam"]
    )  # another service: the whole file
    assert "no-such-service" not in aws["services"]
    assert reads == ["whole"]


def test_a_damaged_part_is_cut_again_and_a_user_s_own_endpoints_file_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference, _ = _resolvers(tmp_path)
    (kept,) = tmp_path.glob("endpoints-*.json")
    kept.write_text('{"partitions": ')
    _, quick = _resolvers(tmp_path)
    assert quick.construct_endpoint("sts", "eu-west-1") == reference.construct_endpoint("sts", "eu-west-1")
    assert json.loads(kept.read_text())["partitions"]
    own = tmp_path / "models"
    own.mkdir()
    (own / "endpoints.json").write_text(json.dumps({"partitions": [], "version": 3}))
    loader = quick_loader(str(own), tmp_path / "other")
    assert loader.load_data_with_path("endpoints") == (
        {"partitions": [], "version": 3},
        str(own / "endpoints"),
    )
    assert not (tmp_path / "other").exists()
