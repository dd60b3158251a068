"""botocore's data loader without its slowest habit: listing every service folder to find one service.

botocore's ``Loader.load_service_model`` first lists the services that have a model of the asked
type, which reads every folder of its data (about 900 on disk, once per model type): some 40 ms
of a cold sign-in, to learn whether "sts" exists. Here that question looks only in the folders of
the service asked for; the full list is still built, the same way, when anything iterates it
(botocore's UnknownServiceError names every known service).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload


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


def quick_loader(search_path_string: str | None) -> Any:
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

    if search_path_string is None:
        return QuickLoader()
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in search_path_string.split(os.pathsep)]
    return QuickLoader(extra_search_paths=paths)


def use_quick_loader(session: Any) -> Any:
    """Give a botocore session the quick loader (before anything loads data); returns the session."""
    session.register_component("data_loader", quick_loader(session.get_config_variable("data_path")))
    return session
