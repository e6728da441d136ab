"""The harness's side of the contract, read from the JSON Schema files in schemas/ (generated from
the zod definitions the TypeScript side uses; docs/events.md, docs/workloads.md).

    load_config(name, text)        a workload's --config: parsed, validated, defaults applied
                                   (part=: one field's sub-schema, for a document passed on its own)
    validate(name, document)       the messages of every violation, each naming its field
    phase_names()                  the phases the event protocol names
    startup_parts()                the parts of start-up it names

    python contract.py events FILE...   checks event files line by line; exit 1 on a violation
"""

from __future__ import annotations

import json
import os
import sys
from functools import lru_cache
from typing import Any, Iterator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCHEMAS = os.path.join(ROOT, "schemas")


class ContractError(Exception):
    """A document that does not follow its schema; the message names every bad field."""


class Record(dict):
    """A validated JSON object whose fields also read as attributes (`cfg.server.port`); nested
    objects are Records too. The schema, not this class, says which fields exist."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, value in self.items():
            if isinstance(value, dict) and not isinstance(value, Record):
                self[key] = Record(value)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    path = os.path.join(SCHEMAS, f"{name}.schema.json")
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise ContractError(f"{path} is missing: the workloads need the project's schemas/ folder beside src/") from None


def _node(name: str, part: str | None) -> dict[str, Any]:
    return schema(name) if part is None else schema(name)["properties"][part]


@lru_cache(maxsize=None)
def _validator(name: str, part: str | None = None):
    try:
        from jsonschema import Draft202012Validator
    except ImportError:
        raise ContractError(
            "the Python package jsonschema is not installed: pip install -r requirements-harness.txt; "
            "offline, a harness bundle (grpo-bench bundle) ships it"
        ) from None
    return Draft202012Validator(_node(name, part))


def phase_names() -> tuple[str, ...]:
    return tuple(schema("events")["$defs"]["PhaseName"]["enum"])


def startup_parts() -> tuple[str, ...]:
    return tuple(schema("events")["$defs"]["StartupPart"]["enum"])


def _field(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "(document)"


def _leaf_errors(error: Any) -> Iterator[Any]:
    """The errors that say what is wrong. A failed oneOf/anyOf (a union, e.g. an event type or a
    prompt source) is narrowed to the branch whose discriminating constant matches, so the
    message names the bad field rather than 'not valid under any of the given schemas'."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[int, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        matching = [errs for errs in branches.values() if not any(e.validator == "const" for e in errs)]
        if len(matching) == 1:
            for sub in matching[0]:
                yield from _leaf_errors(sub)
            return
    yield error


def _describe(error: Any) -> str:
    """The validator's message, with the known fields for an unknown one and the field's own
    description for a bad value."""
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = ", ".join(sorted(error.schema.get("properties", {})))
        return f"{error.message} (known fields: {known})"
    described = error.schema.get("description") if error.validator != "required" else None
    return f"{error.message}{f' ({described})' if described else ''}"


def validate(name: str, document: Any, part: str | None = None) -> list[str]:
    """One line per violation: `<field>: <what is wrong>`; empty when the document is valid."""
    out = []
    for error in sorted(_validator(name, part).iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        for leaf in _leaf_errors(error):
            out.append(f"{_field(leaf.absolute_path)}: {_describe(leaf)}")
    return out


def _apply_defaults(node: dict[str, Any], document: Any) -> None:
    """Fills absent fields that the schema gives a default, in nested objects and in the branch
    of a union whose constants match."""
    if not isinstance(document, dict):
        return
    for branch in node.get("oneOf", []) + node.get("anyOf", []):
        props = branch.get("properties", {})
        consts = {k: p["const"] for k, p in props.items() if "const" in p}
        if consts and all(document.get(k) == v for k, v in consts.items()):
            _apply_defaults(branch, document)
    for key, prop in node.get("properties", {}).items():
        if key not in document and "default" in prop:
            document[key] = json.loads(json.dumps(prop["default"]))
        if key in document:
            _apply_defaults(prop, document[key])


def load_config(name: str, text: str, what: str = "--config", part: str | None = None) -> Record:
    """A workload's configuration document: JSON, valid against schemas/<name>.schema.json (or
    the sub-schema of its field `part`), with the schema's defaults filled in. Raises
    ContractError naming each bad field."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise ContractError(f"{what} is not JSON: {e}") from None
    problems = validate(name, document, part)
    if problems:
        where = f"schemas/{name}.schema.json" + (f" (its field {part})" if part else "")
        raise ContractError(f"{what} does not match {where}:\n  " + "\n  ".join(problems))
    _apply_defaults(_node(name, part), document)
    return Record(document)


def check_event_files(paths: list[str]) -> list[str]:
    """Every line of every file against the events schema; the first line must be the protocol header."""
    out = []
    for path in paths:
        with open(path) as f:
            lines = f.read().splitlines()
        for number, line in enumerate(lines, 1):
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                out.append(f"{path}:{number}: not JSON")
                continue
            if number == 1 and event.get("type") != "protocol":
                out.append(f"{path}:1: the first line is not the protocol header")
            out.extend(f"{path}:{number}: {p}" for p in validate("events", event))
    return out


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "events":
        raise SystemExit("usage: contract.py events FILE...")
    found = check_event_files(sys.argv[2:])
    print("\n".join(found) if found else f"ok: {len(sys.argv) - 2} event file(s) follow schemas/events.schema.json")
    sys.exit(1 if found else 0)
