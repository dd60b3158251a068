"""botocore's data loader without its two slowest habits on a cold sign-in.

1. ``Loader.load_service_model`` first lists the services that have a model of the asked type,
   which reads every folder of its data (about 900, once per model type): some 40 ms, to learn
   whether "sts" exists. Here that question looks only in the folders of the service asked for;
   the full list is still built, the same way, when anything iterates it.
2. Every client reads ``endpoints.json`` (1.2 MB, ~20 ms to parse) for the few lines of its own
   service. Here the part for the services trayapp's sessions build clients for is kept in
   trayapp's cache folder, named by botocore's version and the file's size and time; any other
   service, or any iteration, loads the whole file as botocore would. A user's own endpoints file
   (``AWS_DATA_PATH``, ``~/.aws/models``) is always read whole.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

# The clients built from trayapp's sessions: its own (STS, Organizations) and those botocore's
# credential providers make (AssumeRole, IAM Identity Center, aws login).
ENDPOINT_SERVICES = ("sts", "organizations", "sso", "sso-oidc", "signin")


class KnownServices(Sequence[str]):
    """The services with a model of ``type_name``: ``in`` asks one service's folders, the rest lists all."""

    def __init__(self, has_versions: Callable[[str], bool], list_all: Callable[[], list[str]]) -> None:
        self._has_versions = has_versions
        self._list_all = list_all
        self._all: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or os.sep in name:
            return name in self._names()
        return self._has_versions(name)

    def _names(self) -> list[str]:
        if self._all is None:
            self._all = self._list_all()
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self._names()[index]


class PartitionServices(Mapping[str, Any]):
    """One partition's ``services`` of endpoints.json: ours at hand, anything else from the whole file."""

    def __init__(self, kept: dict[str, Any], whole: Callable[[], Mapping[str, Any]]) -> None:
        self._kept = kept
        self._whole = whole

    def __getitem__(self, name: str) -> Any:
        if name in self._kept:
            return self._kept[name]
        if name in ENDPOINT_SERVICES:
            raise KeyError(name)  # the whole file has no such entry either: the part was cut from it
        return self._whole()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())


def endpoints_part(whole: Mapping[str, Any]) -> dict[str, Any]:
    """endpoints.json with only ENDPOINT_SERVICES left in each partition (everything else as it was)."""
    part = {key: value for key, value in whole.items() if key != "partitions"}
    part["partitions"] = [
        {
            **partition,
            "services": {k: v for k, v in partition["services"].items() if k in ENDPOINT_SERVICES},
        }
        for partition in whole["partitions"]
    ]
    return part


def with_lazy_services(part: dict[str, Any], load_whole: Callable[[], Mapping[str, Any]]) -> dict[str, Any]:
    """The part, each partition's services backed by the whole file (loaded once, on first need)."""
    loaded: list[Mapping[str, Any]] = []

    def whole_services(index: int) -> Mapping[str, Any]:
        if not loaded:
            loaded.append(load_whole())
        return dict(loaded[0]["partitions"][index]["services"])

    for index, partition in enumerate(part["partitions"]):
        partition["services"] = PartitionServices(
            partition["services"], functools.partial(whole_services, index)
        )
    return part


def quick_loader(search_path_string: str | None, cache_folder: Path | None = None) -> Any:
    """A botocore Loader for ``AWS_DATA_PATH``-style paths, as ``botocore.loaders.create_loader`` makes one."""
    from botocore.exceptions import DataNotFoundError
    from botocore.loaders import Loader

    class QuickLoader(Loader):  # type: ignore[misc]
        def list_available_services(self, type_name: str) -> KnownServices:
            def has_versions(name: str) -> bool:
                try:
                    return bool(self.list_api_versions(name, type_name))
                except (DataNotFoundError, OSError):  # no such folder, or a file of that name
                    return False

            return KnownServices(has_versions, lambda: Loader.list_available_services(self, type_name))

        def load_data_with_path(self, name: str) -> tuple[Any, str]:
            builtin = os.path.join(self.BUILTIN_DATA_PATH, "endpoints")  # botocore's path: no extension
            if name != "endpoints" or cache_folder is None or self._found(name) != builtin + ".json":
                found: tuple[Any, str] = Loader.load_data_with_path(self, name)
                return found
            whole = functools.partial(Loader.load_data_with_path, self, name)
            return endpoints_from_cache(cache_folder, builtin + ".json", lambda: whole()[0]), builtin

        def _found(self, name: str) -> str | None:
            """The file botocore would read for ``name``: the first search path that has it, .json first."""
            for folder in self.search_paths:
                for ext in (".json", ".json.gz"):
                    if os.path.isfile(os.path.join(folder, name + ext)):
                        return os.path.join(folder, name + ext)
            return None

    if search_path_string is None:
        return QuickLoader()
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in search_path_string.split(os.pathsep)]
    return QuickLoader(extra_search_paths=paths)


def endpoints_from_cache(folder: Path, builtin: str, load_whole: Callable[[], Any]) -> dict[str, Any]:
    """Our part of botocore's endpoints.json, from trayapp's cache when it was cut from this very file."""
    import botocore

    from trayapp.core.files import atomic_write

    stat = os.stat(builtin)
    kept = folder / f"endpoints-{botocore.__version__}-{stat.st_size}-{stat.st_mtime_ns}.json"
    try:
        part = json.loads(kept.read_bytes(), object_pairs_hook=OrderedDict)
        if not isinstance(part, dict) or not isinstance(part.get("partitions"), list):
            raise ValueError("not endpoints data")
    except (OSError, ValueError, RecursionError):
        whole = load_whole()
        part = endpoints_part(whole)
        with contextlib.suppress(OSError):  # WriteError too: a cache that cannot be written only costs time
            atomic_write(kept, json.dumps(part))
        return with_lazy_services(part, lambda: whole)
    return with_lazy_services(part, load_whole)


def use_quick_loader(session: Any, cache_folder: Path | None = None) -> Any:
    """Give a botocore session the quick loader (before anything loads data); returns the session.

    ``cache_folder`` keeps the endpoints part; None (a memory session cache: nothing on disk) reads it whole.
    """
    loader = quick_loader(session.get_config_variable("data_path"), cache_folder)
    session.register_component("data_loader", loader)
    return session
