"""A model trained on Chinese tasks learns from their words (pairs of letters), and says so.

Before the unspaced-bigram tokenizer, a Chinese task was one word per run of letters ("请把
文件发送给张三" a single token seen once), so the model learned nothing from such tasks and
scored every one alike. The model now records the tokenizer in its files, in a format version
an older scopecast refuses; a model trained on other text is written as before.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from scopecast import _task_tokens
from scopecast._model_files import (
    COMPACT_FORMAT_VERSION,
    FORMAT_VERSION,
    UNSPACED_COMPACT_FORMAT_VERSION,
    UNSPACED_FORMAT_VERSION,
    sealed_metadata,
)
from scopecast._task_tokens import TOKENIZER_UNSPACED_BIGRAMS, TOKENIZER_WORDS
from scopecast.catalogue import Catalogue, ToolSpec
from scopecast.exceptions import ArtifactError
from scopecast.features import TaskFeaturizer
from scopecast.model import ScopePredictor, load_model, save_model, train_predictor
from scopecast.runtime import CompactScorer, load_compact
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace

MAIL = "google:gmail.send"
FILE = "google:drive.file"
GROUPS = r"/(t-[0-9a-f]{10})/"

NAMES = ["张三", "李四", "王五", "赵六", "陈明", "刘洋", "周杰", "吴芳"]
THINGS = ["预算", "报告", "合同", "发票", "计划", "会议纪要"]
TEMPLATES = [
    ("请发送邮件给{name}，附上{thing}", "email.send"),
    ("发送邮件通知{name}关于{thing}的事", "email.send"),
    ("给{name}发送一封邮件说明{thing}", "email.send"),
    ("请创建文件保存{name}的{thing}", "drive.create"),
    ("创建一个新文件，写下{thing}和{name}", "drive.create"),
    ("为{name}创建文件夹和{thing}文件", "drive.create"),
]
TOOLS = {"email.send": MAIL, "drive.create": FILE}
HELD_OUT = [
    ("发送邮件给孙丽说明预算", MAIL),
    ("请发送邮件通知马可", MAIL),
    ("创建文件记录孙丽的发票", FILE),
    ("请创建文件保存马可的合同", FILE),
]


def _traces(per_template: int = 5) -> list[Trace]:
    rng = random.Random(0)
    traces = []
    for t, (template, tool) in enumerate(TEMPLATES):
        for r in range(per_template):
            task = template.format(name=rng.choice(NAMES), thing=rng.choice(THINGS))
            traces.append(
                Trace(
                    trace_id=f"zh/t-{t:010x}/{r:03d}",
                    task=task,
                    calls=(Call(tool=tool, scopes=(TOOLS[tool],)),),
                )
            )
    return traces


def _catalogue() -> Catalogue:
    return Catalogue(
        tools=(
            ToolSpec(name="email.send", scopes=(MAIL,), description="Send an email."),
            ToolSpec(name="drive.create", scopes=(FILE,), description="Create a file."),
        )
    )


def _train() -> ScopePredictor:
    model, _ = train_predictor(
        _traces(),
        _catalogue(),
        predictor=ScopePredictor(C=(10.0,), cv=3, random_state=0),
        group_pattern=GROUPS,
    )
    return model


def _mail_probability(model: ScopePredictor, tasks: list[str]) -> np.ndarray:
    scores = model.predict_scopes([TaskInput(task, {}) for task in tasks])
    return np.array([row[MAIL] for row in scores])


@pytest.fixture(scope="module")
def chinese_model() -> ScopePredictor:
    return _train()


def test_chinese_tasks_are_told_apart(chinese_model: ScopePredictor) -> None:
    feat = chinese_model.featurizer_
    assert feat is not None
    assert feat.tokenizer == TOKENIZER_UNSPACED_BIGRAMS
    assert {"w:发送", "w:邮件", "w:创建", "w:文件"} <= set(feat.text_vocabulary_)
    mail = _mail_probability(chinese_model, [t for t, s in HELD_OUT if s == MAIL])
    file = _mail_probability(chinese_model, [t for t, s in HELD_OUT if s == FILE])
    assert mail.min() > file.max() + 0.3, (mail, file)


def test_the_old_tokenizer_could_not_tell_them_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every run of letters one word (the tokenizer of old), the words are phrases: only
    a phrase repeated whole is learned, a new task has none of them, and every new task gets
    the same probabilities."""
    monkeypatch.setattr(_task_tokens, "text_words", _words_of_old)
    model = _train()
    feat = model.featurizer_
    assert feat is not None
    assert feat.tokenizer == TOKENIZER_WORDS
    phrases = {part for trace in _traces() for part in trace.task.split("，")}
    assert {token[2:] for token in feat.text_vocabulary_} <= phrases
    for task, _ in HELD_OUT:
        assert not set(_task_tokens.text_tokens(task, (1, 2), None, tokenizer=1)) & set(
            feat.text_vocabulary_
        )
    probabilities = _mail_probability(model, [task for task, _ in HELD_OUT])
    assert np.ptp(probabilities) == 0.0, probabilities


def _words_of_old(text: str, tokenizer: int) -> list[str]:
    return _task_tokens._WORD.findall(text)


def test_the_files_record_the_tokenizer_and_both_loaders_agree(
    chinese_model: ScopePredictor, tmp_path: Path
) -> None:
    directory = save_model(chinese_model, tmp_path / "zh", catalogue=_catalogue())
    metadata = json.loads((directory / "metadata.json").read_text(encoding="utf-8"))
    spec = json.loads((directory / "compact.json").read_text(encoding="utf-8"))
    assert metadata["format_version"] == UNSPACED_FORMAT_VERSION == FORMAT_VERSION + 1
    assert spec["format_version"] == UNSPACED_COMPACT_FORMAT_VERSION == COMPACT_FORMAT_VERSION + 1
    assert spec["featurizer"]["text_tokenizer"] == TOKENIZER_UNSPACED_BIGRAMS
    compact = load_compact(directory).scorer
    assert compact.text_tokenizer == TOKENIZER_UNSPACED_BIGRAMS
    loaded = load_model(directory)
    inputs = [TaskInput(task, {}) for task, _ in HELD_OUT]
    inputs.append(TaskInput("Please send report.pdf发送邮件 to Bob", {}))
    np.testing.assert_allclose(
        compact.predict_proba(inputs), loaded.predict_proba(inputs), rtol=0, atol=1e-9
    )


def test_a_model_of_other_text_records_no_tokenizer(tmp_path: Path) -> None:
    """Korean is written with spaces: its words stay whole, and the model is saved as one
    trained before the tokenizer existed (format version 4, nothing more in the files)."""
    traces = [
        Trace(trace_id=f"ko/t-{t:010x}/{r:03d}", task=task, calls=(Call(tool=tool, scopes=(s,)),))
        for t, (task, tool, s) in enumerate(
            [
                ("메일을 보내 주세요", "email.send", MAIL),
                ("파일을 만들어 주세요", "drive.create", FILE),
                ("Send the mail", "email.send", MAIL),
            ]
        )
        for r in range(4)
    ]
    model, _ = train_predictor(
        traces,
        _catalogue(),
        predictor=ScopePredictor(C=(10.0,), cv=2, random_state=0),
        group_pattern=GROUPS,
    )
    assert model.featurizer_ is not None
    assert not hasattr(model.featurizer_, "text_tokenizer_")
    assert "w:메일을" in model.featurizer_.text_vocabulary_
    directory = save_model(model, tmp_path / "ko", catalogue=_catalogue())
    metadata = json.loads((directory / "metadata.json").read_text(encoding="utf-8"))
    spec = json.loads((directory / "compact.json").read_text(encoding="utf-8"))
    assert metadata["format_version"] == FORMAT_VERSION
    assert spec["format_version"] == COMPACT_FORMAT_VERSION
    assert "text_tokenizer" not in spec["featurizer"]
    assert load_compact(directory).scorer.text_tokenizer == TOKENIZER_WORDS


def test_refitting_on_other_text_forgets_the_tokenizer() -> None:
    feat = TaskFeaturizer(min_df=1).fit([TaskInput("发送邮件", {})])
    assert feat.tokenizer == TOKENIZER_UNSPACED_BIGRAMS
    feat.fit([TaskInput("send mail", {})])
    assert feat.tokenizer == TOKENIZER_WORDS
    assert not hasattr(feat, "text_tokenizer_")


def _spec_and_arrays(directory: Path) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    spec = json.loads((directory / "compact.json").read_text(encoding="utf-8"))
    with np.load(directory / "compact.npz", allow_pickle=False) as npz:
        return spec, {name: npz[name] for name in npz.files}


def test_a_tokenizer_this_scopecast_does_not_know_is_refused(
    chinese_model: ScopePredictor, tmp_path: Path
) -> None:
    spec, arrays = _spec_and_arrays(
        save_model(chinese_model, tmp_path / "m", catalogue=_catalogue())
    )
    featurizer = spec["featurizer"]
    assert isinstance(featurizer, dict)
    featurizer["text_tokenizer"] = 3
    with pytest.raises(ArtifactError, match=r"tokenizer 3, which this scopecast .* Upgrade"):
        CompactScorer(spec, arrays)
    featurizer["text_tokenizer"] = "2"
    with pytest.raises(ArtifactError, match="does not know"):
        CompactScorer(spec, arrays)
    featurizer["text_tokenizer"] = TOKENIZER_UNSPACED_BIGRAMS
    spec["format_version"] = COMPACT_FORMAT_VERSION  # what an older scopecast reads
    with pytest.raises(ArtifactError, match="tokenizer 2, which its version 3 does not have"):
        CompactScorer(spec, arrays)
    del featurizer["text_tokenizer"]
    spec["format_version"] = UNSPACED_COMPACT_FORMAT_VERSION
    with pytest.raises(ArtifactError, match="tokenizer 1, which its version 4 does not have"):
        CompactScorer(spec, arrays)


def test_a_metadata_version_that_disagrees_with_the_tokenizer_is_refused(
    chinese_model: ScopePredictor, tmp_path: Path
) -> None:
    """Format 4 metadata over a model that splits unspaced scripts: the files do not belong
    together (the digest is recomputed, as someone editing the directory could)."""
    directory = save_model(chinese_model, tmp_path / "m", catalogue=_catalogue())
    path = directory / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata["format_version"] = FORMAT_VERSION
    path.write_text(json.dumps(sealed_metadata(metadata)), encoding="utf-8")
    with pytest.raises(ArtifactError, match="tokenizer 2, a model of format version 5, but"):
        load_compact(directory)
    with pytest.raises(ArtifactError, match="do not belong together"):
        load_model(directory)


def test_a_format_version_this_scopecast_does_not_read_is_refused(
    chinese_model: ScopePredictor, tmp_path: Path
) -> None:
    directory = save_model(chinese_model, tmp_path / "m", catalogue=_catalogue())
    path = directory / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata["format_version"] = UNSPACED_FORMAT_VERSION + 1
    path.write_text(json.dumps(sealed_metadata(metadata)), encoding="utf-8")
    with pytest.raises(ArtifactError, match=r"reads versions 4 and 5\. Retrain"):
        load_compact(directory)


def test_a_spec_without_its_featurizer_is_malformed(
    chinese_model: ScopePredictor, tmp_path: Path
) -> None:
    spec, arrays = _spec_and_arrays(
        save_model(chinese_model, tmp_path / "m", catalogue=_catalogue())
    )
    del spec["featurizer"]
    spec["format_version"] = COMPACT_FORMAT_VERSION
    with pytest.raises(ArtifactError, match="spec is malformed"):
        CompactScorer(spec, arrays)
