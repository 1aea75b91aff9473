"""A tiny in-memory task corpus and a session-scoped fitted model for the model tests."""

from __future__ import annotations

import random
import re

import pytest
from typer.testing import CliRunner

from scopecast.catalogue import Catalogue, ScopeSpec, ToolSpec, save_catalogue
from scopecast.cli import _commands, app  # noqa: F401  (_commands registers every command)
from scopecast.model import ScopePredictor, train_predictor
from scopecast.traces import Call, Trace, write_traces

TOOLS = {
    "email.send": ("google:gmail.send", "Send an email message to a recipient."),
    "email.search": ("google:gmail.readonly", "Search the inbox for email messages."),
    "calendar.create": ("google:calendar.events", "Create a calendar event or meeting."),
    "calendar.search": ("google:calendar.events.readonly", "Find events in the calendar."),
    "slack.post": ("slack:chat:write", "Post a message to a Slack channel."),
    "bank.pay": ("bank:payments.write", "Pay a bill or send money."),
}

TEMPLATES = [
    ("Send an email to {name} about the {topic}", "work", ["email.search", "email.send"]),
    ("Email {name} the {topic} notes", "work", ["email.send"]),
    (
        "Schedule a meeting with {name} on the {topic}",
        "work",
        ["calendar.search", "calendar.create"],
    ),
    ("Book a call with {name} to discuss the {topic}", "work", ["calendar.create"]),
    ("Post the {topic} update in the team channel for {name}", "chat", ["slack.post"]),
    ("Tell the channel that {name} finished the {topic}", "chat", ["slack.post"]),
    ("Pay the {topic} invoice from {name}", "money", ["bank.pay"]),
    ("What is on my calendar with {name} about {topic}?", "work", ["calendar.search"]),
]
NAMES = ["Carlos", "Dana", "Lee", "Mira", "Sam", "Ola", "Ivan", "Zoe"]
TOPICS = ["budget", "roadmap", "hiring", "launch", "audit", "offsite"]


def make_traces(n_per_template: int = 8, seed: int = 0) -> list[Trace]:
    """Paraphrase-like traces: each template filled with names and topics, some calls dropped."""
    rng = random.Random(seed)
    traces = []
    for t, (template, domain, tools) in enumerate(TEMPLATES):
        for r in range(n_per_template):
            task = template.format(name=rng.choice(NAMES), topic=rng.choice(TOPICS))
            used = [tool for tool in tools if rng.random() > 0.15] or tools[-1:]
            calls = tuple(Call(tool=tool, scopes=(TOOLS[tool][0],)) for tool in used)
            traces.append(
                Trace(
                    trace_id=f"synthetic/t-{t:010x}/{r:03d}",
                    task=task,
                    context={"domain": domain},
                    calls=calls,
                )
            )
    return traces


def make_catalogue() -> Catalogue:
    return Catalogue(
        tools=tuple(
            ToolSpec(name=name, scopes=(scope,), description=desc)
            for name, (scope, desc) in TOOLS.items()
        ),
        scopes=(
            ScopeSpec(name="bank:payments.write", risk=1.0, jit_only=True),
            ScopeSpec(name="google:drive.share", risk=0.9, description="Share a file."),
        ),
    )


@pytest.fixture(scope="session")
def corpus() -> list[Trace]:
    return make_traces()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return make_catalogue()


@pytest.fixture(scope="session")
def fitted(corpus: list[Trace], catalogue: Catalogue) -> ScopePredictor:
    model, _ = train_predictor(
        corpus,
        catalogue,
        predictor=ScopePredictor(C=(1.0, 10.0), cv=3, random_state=0),
        group_pattern=r"/(t-[0-9a-f]{10})/",
    )
    return model


REGISTERED_NAME = "scopecast-test"


@pytest.fixture(scope="session")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite tracking DB for the whole session (its migrations take seconds)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture(scope="session")
def registered(tracking_uri: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """``scopecast train`` on :func:`make_traces`, tracked and registered: version, model dir."""
    work = tmp_path_factory.mktemp("train")
    traces = work / "train.jsonl"
    write_traces(make_traces(), traces)
    cat = work / "catalogue.json"
    save_catalogue(make_catalogue(), cat)
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(traces),
            "--catalogue",
            str(cat),
            "--out",
            str(work / "model"),
            "--tracking-uri",
            tracking_uri,
            "--experiment",
            "scopecast-tests",
            "--register-name",
            REGISTERED_NAME,
            "--group-pattern",
            r"/(t-[0-9a-f]{10})/",
        ],
    )
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())  # rich wraps long lines
    match = re.search(rf"registered {REGISTERED_NAME} version (\d+)", flat)
    assert match is not None, flat
    version = match.group(1)
    return {"version": version, "model_dir": str(work / "model")}
