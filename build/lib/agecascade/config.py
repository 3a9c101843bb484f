"""Loading and validating the workflow configuration.

The Snakefile and the command-line tools validate the config against the schema shipped inside
the package (`agecascade/config.schema.yaml`; `schemas/config.schema.yaml` at the top of the
repository links to it); the schema's defaults fill missing keys. An error names the bad key
by its dotted path (`datasets.imdb.margin`), not by its place in the schema.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import jsonschema
import yaml

SCHEMA = Path(__file__).resolve().with_name("config.schema.yaml")  # package data: installed with the wheel


class ConfigError(ValueError):
    """The configuration does not match the schema."""


def _with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def load_schema(path: str | Path = SCHEMA) -> dict:
    return yaml.safe_load(Path(path).read_text())


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    return load_schema()


def schema_default(*keys: str):
    """The schema's default of a config key, e.g. `schema_default("training", "augment")` or
    `schema_default("datasets", "fgnet", "min_confidence")`: the one place a default is written;
    the package's dataclasses and the command-line tools take theirs from here."""
    schema = _schema()
    node = schema
    for key in keys:
        while "$ref" in node:
            node = schema["definitions"][node["$ref"].rsplit("/", 1)[1]]
        node = node["properties"][key]
    while "$ref" in node:
        node = schema["definitions"][node["$ref"].rsplit("/", 1)[1]]
    if "default" not in node:
        raise KeyError(f"{'.'.join(keys)} has no default in {SCHEMA}")
    return copy.deepcopy(node["default"])


def validate(config: dict, schema: dict | None = None) -> dict:
    """Validate `config` in place (filling defaults) and return it.

    Raises:
        ConfigError: naming every offending key and what is wrong with it.
    """
    schema = schema or load_schema()
    validator = _with_defaults(jsonschema.Draft7Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for error in errors:
            key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
            message = error.message
            if error.validator == "additionalProperties":
                message = f"unknown key(s): {message.split('(')[-1].rstrip(')')}"
            elif error.validator == "oneOf":
                message = f"{error.instance!r} is not a valid value here"
            lines.append(f"  {key}: {message}")
        raise ConfigError("Invalid configuration:\n" + "\n".join(lines))
    return config


def deep_update(base: dict, override: dict) -> dict:
    """Recursively merge `override` into a copy of `base` (as Snakemake layers --configfile)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_update(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load(*paths: str | Path) -> dict:
    """Load config files, each layered over the previous one, and validate the result."""
    config: dict = {}
    for path in paths:
        config = deep_update(config, yaml.safe_load(Path(path).read_text()) or {})
    return validate(config)
