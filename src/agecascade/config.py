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

from agecascade import vocabulary

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
    """The schema, its names filled from the vocabulary (the backbones' modules, the datasets'
    descriptors): the YAML file leaves those enums and patterns empty."""
    schema = yaml.safe_load(Path(path).read_text())
    names = vocabulary.schema_names()
    for definition, (key, value) in names.items():
        schema["definitions"][definition][key] = value
    return schema


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    return load_schema()


def schema_default(*keys: str):
    """The schema's default of a config key, e.g. `schema_default("training", "augment")` or
    `schema_default("seed")` (a dataset's: `dataset_default`): the one place a default is written;
    the package's dataclasses and the command-line tools take theirs from here."""
    schema = _schema()
    node = schema
    for key in keys:
        node = _resolve(node, schema)["properties"][key]
    node = _resolve(node, schema)
    if "default" not in node:
        raise KeyError(f"{'.'.join(keys)} has no default in {SCHEMA}")
    return copy.deepcopy(node["default"])


def dataset_default(*keys: str):
    """The schema's generic default of a `datasets.<name>` key (`#/definitions/dataset`), e.g.
    `dataset_default("min_confidence")`; for an object (`cleaning`) the defaults of its keys."""
    schema = _schema()
    node = schema["definitions"]["dataset"]
    for key in keys:
        node = _resolve(_resolve(node, schema)["properties"][key], schema)
    if "default" in node:
        return copy.deepcopy(node["default"])
    defaults = {k: v["default"] for k, v in node.get("properties", {}).items() if "default" in v}
    if not defaults:
        raise KeyError(f"datasets.<name>.{'.'.join(keys)} has no default in {SCHEMA}")
    return copy.deepcopy(defaults)


def _resolve(node: dict, schema: dict) -> dict:
    """A schema node with its `$ref`s followed (JSON pointers into the schema: `#/definitions/fit`)."""
    while "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _types(node: dict, schema: dict) -> set:
    """The JSON types a schema node allows (its `type`, its `oneOf` branches', its enum values')."""
    node = _resolve(node, schema)
    types = {node["type"]} if isinstance(node.get("type"), str) else set(node.get("type", []))
    for branch in node.get("oneOf", []):
        types |= _types(branch, schema)
    for value in node.get("enum", []):
        types.add({bool: "boolean", int: "integer", float: "number", type(None): "null"}.get(type(value), "string"))
    return types


def _scalar(text: str, types: set):
    """`text` as the number, boolean or null the schema wants (as YAML would read it), else as is."""
    candidates = (("null", lambda t: None if t in ("null", "None", "~") else text),
                  ("boolean", lambda t: {"true": True, "false": False}.get(t.lower(), text)),
                  ("integer", lambda t: int(t) if t.lstrip("+-").isdigit() else text),
                  ("number", float))
    for kind, parse in candidates:
        if kind in types:
            try:
                value = parse(text)
            except ValueError:
                continue
            if value is not text:
                return value
    return text


def coerce(value, node: dict, schema: dict):
    """Strings where the schema wants numbers, booleans or null: Snakemake's `--config` passes
    nested values as strings (`--config 'benchmarks={fgnet: {run_folds: [1, 2]}}'`)."""
    node = _resolve(node, schema)
    if isinstance(value, dict):
        branches = [node, *(_resolve(b, schema) for b in node.get("oneOf", []))]
        properties = {k: v for b in branches for k, v in b.get("properties", {}).items()}
        others = next((b["additionalProperties"] for b in branches if isinstance(b.get("additionalProperties"), dict)),
                      None)  # an object keyed by names (backbones, datasets): one schema for every value
        return {k: coerce(v, properties.get(k, others), schema) if k in properties or others else v
                for k, v in value.items()}
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [coerce(v, node["items"], schema) for v in value]
    return _scalar(value, _types(node, schema)) if isinstance(value, str) else value


def _dataset_defaults(config: dict) -> None:
    """Fill what a dataset's descriptor sets when its config entry leaves it out (`detector`)."""
    from agecascade.datasets import dataset

    for name, entry in (config.get("datasets") or {}).items():
        try:
            defaults = dataset(name).defaults
        except ValueError:
            continue  # the schema names the unknown dataset
        if isinstance(entry, dict):
            for key, value in defaults.items():
                entry.setdefault(key, copy.deepcopy(value))


def validate(config: dict, schema: dict | None = None) -> dict:
    """Validate `config` in place (filling defaults; strings read as the numbers and booleans the
    schema wants, see `coerce`) and return it.

    Raises:
        ConfigError: naming every offending key and what is wrong with it.
    """
    schema = schema or load_schema()
    config.update(coerce(config, schema, schema))
    _dataset_defaults(config)
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


class _StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key written twice in one mapping (the later one would win silently)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigError(f"{self.name}: the key {key!r} is written twice (lines {seen[key] + 1} and "
                                  f"{key_node.start_mark.line + 1}); keep one.")
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def read_yaml(path: str | Path) -> dict:
    """A YAML config file; a key written twice in a mapping is an error (`ConfigError`)."""
    with open(path) as handle:
        return yaml.load(handle, Loader=_StrictLoader) or {}


def load(*paths: str | Path) -> dict:
    """Load config files, each layered over the previous one, and validate the result."""
    config: dict = {}
    for path in paths:
        config = deep_update(config, read_yaml(path))
    return validate(config)
