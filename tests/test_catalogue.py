"""The scope catalogue: load/save, implies closure, cycles, providers, derive and merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

import scopecast
from scopecast import (
    Call,
    Catalogue,
    CatalogueError,
    DataValidationError,
    ScopeSpec,
    ToolSpec,
    Trace,
    derive_catalogue,
    load_catalogue,
    merge_catalogues,
    provider_of,
    save_catalogue,
)

WRITTEN = {
    "tools": [
        {"name": "send", "scopes": ["google:gmail.send"], "description": "Send mail."},
        {"name": "clock", "scopes": []},
    ],
    "scopes": [
        {"name": "google:gmail.modify", "risk": 0.7, "implies": ["google:gmail.readonly"]},
        {"name": "google:gmail.readonly", "risk": 0.2},
        {"name": "google:gmail.send", "risk": 0.6, "description": "Send as the user"},
        {"name": "bank:payments.write", "risk": 1.0, "jit_only": True},
        {"name": "admin:all", "implies": ["google:gmail.modify", "bank:payments.write"]},
    ],
}


def _catalogue_file(tmp_path: Path, data: object, name: str = "cat.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    return load_catalogue(_catalogue_file(tmp_path, WRITTEN))


def test_lookups_and_defaults(catalogue: Catalogue) -> None:
    assert catalogue.tool("send") == ToolSpec(
        name="send", scopes=("google:gmail.send",), description="Send mail."
    )
    assert catalogue.tool("unknown") is None
    assert catalogue.risk("google:gmail.send") == 0.6
    assert catalogue.risk("slack:chat:write") == 0.5  # undescribed: the format's default
    assert catalogue.is_jit_only("bank:payments.write")
    assert not catalogue.is_jit_only("google:gmail.send")
    assert catalogue.providers == {"google", "bank", "admin"}
    assert catalogue.scope("admin:all").provider == "admin"


def test_provider_of_scope() -> None:
    assert provider_of("slack:chat:write") == "slack"
    with pytest.raises(ValueError, match="no provider"):
        provider_of("nocolon")


def test_closure_is_transitive(catalogue: Catalogue) -> None:
    assert catalogue.closure(["admin:all"]) == {
        "admin:all",
        "google:gmail.modify",
        "google:gmail.readonly",
        "bank:payments.write",
    }
    assert catalogue.closure(["x:unknown"]) == {"x:unknown"}
    assert catalogue.covers(["google:gmail.modify"], ["google:gmail.readonly"])
    assert not catalogue.covers(["google:gmail.readonly"], ["google:gmail.modify"])
    assert catalogue.missing(["google:gmail.modify"], ["google:gmail.readonly", "g:x"]) == {"g:x"}


def test_implies_cycle_in_a_file_is_a_catalogue_error_naming_it(tmp_path: Path) -> None:
    data = {
        "scopes": [
            {"name": "a:one", "implies": ["a:two"]},
            {"name": "a:two", "implies": ["a:three"]},
            {"name": "a:three", "implies": ["a:one"]},
        ]
    }
    path = _catalogue_file(tmp_path, data)
    with pytest.raises(
        CatalogueError, match=r"cat\.json: .*cycle: a:one -> a:two -> a:three -> a:one"
    ):
        load_catalogue(path)
    self_loop = _catalogue_file(tmp_path, {"scopes": [{"name": "a:x", "implies": ["a:x"]}]})
    with pytest.raises(CatalogueError, match="a:x -> a:x"):
        load_catalogue(self_loop)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"tools": [{"name": "t"}]}, "tools.0.scopes", "required field is missing"),
        ({"tools": [{"name": "t", "scopes": ["bad"]}]}, "tools.0.scopes.0", "scope string"),
        ({"scopes": [{"name": "a:b", "risk": 1.5}]}, "scopes.0.risk", "from 0 to 1"),
        ({"scopes": [{"name": "a:b", "risk": "high"}]}, "scopes.0.risk", "expected a number"),
        ({"scopes": [{"name": "a:b", "jit_only": "yes"}]}, "scopes.0.jit_only", "true or false"),
        ({"scopes": [{"name": "a:b", "riks": 0.1}]}, "scopes.0.riks", "unknown field"),
        ({"tools": [{"name": "t", "scopes": []}] * 2}, "", "listed twice"),
    ],
)
def test_invalid_catalogue_names_file_and_field(
    tmp_path: Path, data: object, field: str, message: str
) -> None:
    path = _catalogue_file(tmp_path, data)
    with pytest.raises(DataValidationError) as info:
        load_catalogue(path)
    (issue,) = info.value.issues
    assert (issue.source, issue.field) == (str(path), field)
    assert message in issue.message
    if field == "":  # the whole catalogue: never echoed as "got {'tools': [...], ...}"
        assert issue.got is None


def test_unparseable_files_are_data_errors(tmp_path: Path) -> None:
    bad_json = tmp_path / "c.json"
    bad_json.write_text("{", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"(?s)is not valid JSON .*Fix the syntax"):
        load_catalogue(bad_json)
    bad_yaml = tmp_path / "c.yaml"
    bad_yaml.write_text("tools: [", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"(?s)is not valid YAML .*Fix the syntax"):
        load_catalogue(bad_yaml)
    yaml_named_json = tmp_path / "yaml.json"
    yaml_named_json.write_text("tools:\n  email.send: [google:gmail.send]\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"It reads as YAML: rename it to \.yaml"):
        load_catalogue(yaml_named_json)
    with pytest.raises(DataValidationError, match="cannot be read"):
        load_catalogue(tmp_path / "missing.json")


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_save_and_load_round_trip(catalogue: Catalogue, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    save_catalogue(catalogue, path)
    assert load_catalogue(path) == catalogue
    text = path.read_text(encoding="utf-8")
    assert ("{" in text) == (suffix == ".json")


def test_shared_catalogues_load_and_round_trip(shared_data: Path, tmp_path: Path) -> None:
    for path in sorted(shared_data.glob("*.catalogue.json")):
        catalogue = load_catalogue(path)
        assert catalogue.tools
        save_catalogue(catalogue, tmp_path / "c.yaml")
        assert load_catalogue(tmp_path / "c.yaml") == catalogue


def _trace(trace_id: str, *calls: Call) -> Trace:
    return Trace(trace_id=trace_id, task="t", calls=calls)


def test_derive_catalogue_unions_scopes_per_tool() -> None:
    traces = [
        _trace("1", Call(tool="send", scopes=("google:gmail.send",))),
        _trace(
            "2",
            Call(tool="send", scopes=("google:gmail.send", "google:contacts.read")),
            Call(tool="invented", scopes=(), status="error"),
            Call(tool="clock", scopes=()),
        ),
    ]
    derived = derive_catalogue(traces)
    assert derived.tool("send") == ToolSpec(
        name="send", scopes=("google:contacts.read", "google:gmail.send")
    )
    assert derived.tool("clock") == ToolSpec(name="clock", scopes=())
    assert derived.tool("invented") is None
    assert derived.scope("google:gmail.send") == ScopeSpec(name="google:gmail.send")


def test_merge_written_wins_and_conflicts_are_reported(catalogue: Catalogue) -> None:
    derived = derive_catalogue(
        [
            _trace(
                "1",
                Call(tool="send", scopes=("google:gmail.send", "google:contacts.read")),
                Call(tool="new_tool", scopes=("slack:chat:write",)),
                Call(tool="clock", scopes=()),
            )
        ]
    )
    merged, conflicts = merge_catalogues(catalogue, derived)
    assert merged.tool("send") == catalogue.tool("send")
    assert merged.tool("new_tool") == ToolSpec(name="new_tool", scopes=("slack:chat:write",))
    assert merged.scope("google:gmail.send") == catalogue.scope("google:gmail.send")
    assert merged.has_scope("slack:chat:write")
    assert [c.tool for c in conflicts] == ["send"]
    assert "keeping the written one" in str(conflicts[0])


def test_derive_from_shared_traces_agrees_with_the_written_catalogue(shared_data: Path) -> None:
    traces = scopecast.read_traces(shared_data / "agentdojo.jsonl")
    written = load_catalogue(shared_data / "agentdojo.catalogue.json")
    merged, conflicts = merge_catalogues(written, derive_catalogue(traces))
    assert conflicts == []
    assert merged.tools == written.tools


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_catalogue_with_a_utf8_bom_loads_as_trace_files_do(tmp_path, suffix) -> None:
    # Trace files skip a leading BOM (some Windows editors write one); a .json catalogue
    # with one failed with "Unexpected UTF-8 BOM ... It reads as YAML: rename it to .yaml".
    path = tmp_path / f"catalogue{suffix}"
    text = '{"tools": [{"name": "mail.send", "scopes": ["google:gmail.send"]}]}'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_catalogue(path).closure({"google:gmail.send"}) == {"google:gmail.send"}


def test_a_copy_with_new_scopes_answers_with_them_not_the_cached_ones() -> None:
    catalogue = Catalogue(
        tools=(ToolSpec(name="bank.pay", scopes=("bank:payments.write",)),),
        scopes=(ScopeSpec(name="bank:payments.write", risk=0.4),),
    )
    assert not catalogue.scope("bank:payments.write").jit_only  # the lookup is cached now
    stricter = catalogue.model_copy(
        update={"scopes": (ScopeSpec(name="bank:payments.write", risk=1.0, jit_only=True),)}
    )
    assert stricter.scope("bank:payments.write").jit_only
    assert stricter.risk("bank:payments.write") == 1.0
    assert stricter.implies_jit_only("bank:payments.write")
    assert catalogue.model_copy() == catalogue
    with pytest.raises(ValidationError, match="listed twice"):
        catalogue.model_copy(update={"scopes": (ScopeSpec(name="a:b"), ScopeSpec(name="a:b"))})


@pytest.mark.parametrize(
    ("yaml_text", "field", "got"),
    [
        ("scopes:\n- name: a:b\n  risk: .nan\n", "scopes.0.risk", "nan"),
        (
            "tools:\n- name: a.b\n  scopes: [a:b]\n  description: 2026-01-01\n",
            "tools.0.description",
            "datetime.date(2026, 1, 1)",
        ),
    ],
)
def test_a_yaml_value_json_cannot_hold_is_named_by_its_field(
    tmp_path: Path, yaml_text: str, field: str, got: str
) -> None:
    # It said "holds a value that is not plain JSON data: Object of type date ..." with no
    # field: the user searched the file for it.
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_catalogue(path)
    (issue,) = info.value.issues
    assert (issue.field, issue.got) == (field, got)
    assert "quote a YAML date" in issue.message
