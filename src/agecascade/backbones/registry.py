"""Every backbone module of `agecascade.backbones`, found by its `BACKBONE`: the one list of
backbones the rest of the package derives from."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from agecascade.backbones.spec import Backbone

PACKAGE = "agecascade.backbones"
NOT_BACKBONES = ("registry", "spec")


@functools.lru_cache(maxsize=1)
def registry() -> dict[str, Backbone]:
    """{name: Backbone} of every module of the package that defines `BACKBONE`, by name."""
    package = importlib.import_module(PACKAGE)
    found = {}
    for module in pkgutil.iter_modules(package.__path__):
        if module.name in NOT_BACKBONES:
            continue
        spec = getattr(importlib.import_module(f"{PACKAGE}.{module.name}"), "BACKBONE", None)
        if isinstance(spec, Backbone):
            found[spec.name] = spec
    return dict(sorted(found.items()))


def names() -> tuple[str, ...]:
    """The backbones' names, sorted."""
    return tuple(registry())


def backbone(name: str) -> Backbone:
    """The backbone called `name`; a ValueError naming the known ones otherwise."""
    known = registry()
    if name not in known:
        raise ValueError(f"Unknown backbone. Expected one of {tuple(known)}. Received: name={name!r}")
    return known[name]
