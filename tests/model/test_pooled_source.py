"""The ``pooled`` source: a scope too rare to calibrate its own map still reads the task."""

from __future__ import annotations

import random

import numpy as np

from scopecast.catalogue import Catalogue, ToolSpec
from scopecast.model import train_predictor
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace

TOOLS = {
    "send_email": ("mail:send", "Send an email to a recipient.", "send an email to {}"),
    "search_calendar": ("cal:read", "Search the calendar events.", "search the calendar for {}"),
    "post_message": ("chat:write", "Post a message in a channel.", "post a message about {}"),
    "fetch_webpage": ("web:fetch", "Fetch a webpage by its URL.", "fetch the webpage of {}"),
    "read_balance": ("bank:read", "Read the account balance.", "read the balance of {}"),
    "create_file": ("drive:write", "Create a new file in the drive.", "create a file about {}"),
}
RARE = "drive:write"


def _catalogue() -> Catalogue:
    return Catalogue(
        tools=tuple(
            ToolSpec(name=name, scopes=(scope,), description=description)
            for name, (scope, description, _) in TOOLS.items()
        )
    )


def _traces(seed: int = 3) -> list[Trace]:
    """Forty templates naming one of the five common tools each; one names ``create_file``.

    Every task asks for what its words name; a few runs also make a call the task does not
    name, so that the words are strong evidence, not proof.
    """
    rng = random.Random(seed)
    subjects = ["budget", "offsite", "hiring", "launch", "roadmap", "invoice", "retro", "audit"]
    common = [name for name in TOOLS if name != "create_file"]
    traces = []
    for g in range(41):
        tool = "create_file" if g == 40 else common[g % len(common)]
        scope, _, phrase = TOOLS[tool]
        for r in range(2 if g == 40 else 4):
            calls = [Call(tool=tool, scopes=(scope,))]
            if rng.random() < 0.15:
                other = rng.choice(common)
                calls.append(Call(tool=other, scopes=(TOOLS[other][0],)))
            traces.append(
                Trace(
                    trace_id=f"synthetic/t-{g:010x}/{r:03d}",
                    task=phrase.format(rng.choice(subjects)) + " please",
                    context={},
                    calls=tuple(calls),
                )
            )
    return traces


def test_a_scope_of_one_template_takes_the_match_score_under_the_shared_map() -> None:
    traces = _traces()
    model, _ = train_predictor(traces, _catalogue(), group_pattern=r"/(t-[0-9a-f]{10})/")
    j = model.scopes_.index(RARE)
    assert model.sources_[j] == "pooled"
    assert f"brier[{RARE},pooled]" in model.cv_results_
    # its own map would be flat: the prior beat every source of its own
    own = {k: v for k, v in model.cv_results_.items() if k.startswith(f"brier[{RARE},")}
    assert own[f"brier[{RARE},prior]"] == min(
        v for k, v in own.items() if not k.endswith("pooled]")
    )
    named, other = model.predict_scopes(
        [TaskInput("create a new file with the notes"), TaskInput("send an email to dana")]
    )
    base_rate = sum(RARE in t.needed_scopes for t in traces) / len(traces)
    assert named[RARE] > 2 * base_rate
    assert named[RARE] > 5 * other[RARE]
    # every pooled scope shares one calibration map
    pooled = [k for k, m in enumerate(model.modelled_) if model.sources_[m] == "pooled"]
    assert pooled
    assert np.allclose(model.sigmoid_[pooled], model.sigmoid_[pooled[0]])
