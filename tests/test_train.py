"""Agentic SFT (sixg.train) on the shipped Forge sample, with a micro model (hidden 128, a few steps)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sixg.errors import SixgError, UserError

SAMPLE = Path(__file__).parent / "data" / "forge-sample"


def _run(out: Path, **kw):
    from sixg.train.data import Selection
    from sixg.train.sft import SFTRun
    from sixg.train.tiny import TinyConfig

    base = dict(
        corpus=str(SAMPLE),
        out=str(out),
        tiny=TinyConfig(vocab_size=2048, hidden=128, intermediate=256),
        selection=Selection(limit=2),
        max_steps=2,
        save_steps=1,
        grad_accum=1,
        logging_steps=1,
        learning_rate=3e-3,
        progress=False,
    )
    return SFTRun(**(base | kw))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A micro SFT run on two sample records: (its record, the model directory)."""
    import torch

    from sixg.train.sft import run_sft

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("sft") / "tiny"
    return run_sft(_run(out)), out


# --- without a model -----------------------------------------------------------------------


def test_selection_filters_by_source_tier_and_domain():
    """Only records of the named sources, tiers and domains are kept; a filter that keeps nothing is a typed error."""
    from sixg.forge.records import load_records
    from sixg.train.data import Selection, select_records

    every = load_records(SAMPLE)
    tier = every[0].meta.tier
    kept = select_records(SAMPLE, Selection(tiers=(tier,))).records
    assert [r.id for r in kept] == [r.id for r in every if r.meta.tier == tier]
    src = every[0].meta.source
    dom = every[0].meta.domain
    kept = select_records(SAMPLE, Selection(sources=(src,), domains=(dom,))).records
    assert kept and all(r.meta.source == src and r.meta.domain == dom for r in kept)
    with pytest.raises(SixgError, match="widen --source/--tier/--domain"):
        select_records(SAMPLE, Selection(sources=("ns3-real",), tiers=("L9",)))


def test_compact_tools_keep_names_arguments_and_required():
    """The compact view keeps each tool's name, argument names and required list, and is far shorter."""
    from sixg.agents.llm.prompt import present_tools
    from sixg.forge.records import Corpus

    tools = Corpus(SAMPLE).tools()
    compact = present_tools(tools, "compact")
    assert len(json.dumps(compact)) < len(json.dumps(list(tools))) / 5
    for full, small in zip(tools, compact, strict=True):
        f, s = full["function"], small["function"]
        assert s["name"] == f["name"]
        assert set(s["parameters"]["properties"]) == set(f["parameters"].get("properties", {}))
        assert s["parameters"]["required"] == list(f["parameters"].get("required", []))
    assert present_tools(tools, "full") == list(tools)
    with pytest.raises(UserError, match="choose one of full, compact"):
        present_tools(tools, "tiny")


def test_signature_tools_keep_names_and_argument_names_in_a_third_of_compact():
    """The signatures view names every tool and each of its arguments, in under a third of the compact view's text."""
    from sixg.agents.llm.prompt import present_tools
    from sixg.forge.records import Corpus

    tools = Corpus(SAMPLE).tools()
    sig = present_tools(tools, "signatures")
    assert len(json.dumps(sig)) < len(json.dumps(present_tools(tools, "compact"))) / 3
    assert [(t["name"], t["arguments"]) for t in sig] == [(f["function"]["name"], list(f["function"]["parameters"].get("properties", {}))) for f in tools]


def test_fingerprint_follows_the_data():
    """The data fingerprint is stable for the same records and changes with the selection."""
    from sixg.train.data import Selection, select_records

    a = select_records(SAMPLE, Selection(limit=2)).fingerprint()
    assert a == select_records(SAMPLE, Selection(limit=2)).fingerprint()
    assert a != select_records(SAMPLE, Selection(limit=3)).fingerprint()


def test_cli_refuses_lora_without_a_model(tmp_path, capsys):
    """--lora on the tiny preset is refused with a message naming --model."""
    from sixg.train.__main__ import main

    assert main(["sft", "--corpus", str(SAMPLE), "--out", str(tmp_path / "o"), "--lora"]) == 2
    assert "--model PATH" in capsys.readouterr().err


def test_react_hf_refuses_an_unknown_tool_view(tmp_path):
    """react-hf refuses a tool view it does not know, and a prompt file naming one, when it is built."""
    from sixg.agents import make_agent
    from sixg.agents.llm.prompt import PROMPT_FILE

    with pytest.raises(SixgError, match="tool_view='short' is not valid"):
        make_agent("react-hf", model=str(tmp_path), tool_view="short")
    (tmp_path / PROMPT_FILE).write_text('{"tool_view": "short"}')
    with pytest.raises(UserError, match="names tool view 'short'"):
        make_agent("react-hf", model=str(tmp_path))
    assert make_agent("react-hf", model=str(tmp_path), tool_view="full").tool_view == "full"


@pytest.mark.llm
def test_a_template_without_assistant_marks_is_refused():
    """A model whose chat template trl cannot mark for assistant-only loss is refused with a typed error, not trained on nothing."""
    from sixg.train.data import Selection, UnmaskedTemplateError, select_records, sft_dataset, sft_rows
    from sixg.train.tiny import build_tokenizer

    selected = select_records(SAMPLE, Selection(limit=1))
    tok = build_tokenizer(sft_rows(selected, "compact"), 600)
    tok.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    with pytest.raises(UnmaskedTemplateError, match="generation"):
        sft_dataset(selected, "compact", tok)


# --- with the micro model ------------------------------------------------------------------


def _assistant_spans(tok, messages, tools):
    """Token spans [start, end) of each assistant turn's content and <|im_end|>, as the eval template renders them."""
    from sixg.agents.llm.hf import _template_messages

    msgs = _template_messages(json.loads(json.dumps(list(messages))))
    spans = []
    for i, m in enumerate(msgs):
        if m["role"] == "assistant":
            start = len(tok.apply_chat_template(msgs[:i], tools=tools, add_generation_prompt=True, return_dict=False))
            end = len(tok.apply_chat_template(msgs[: i + 1], tools=tools, return_dict=False)) - 1  # the "\n" after <|im_end|>
            spans.append((start, end))
    return spans


@pytest.mark.llm
def test_loss_mask_covers_only_assistant_turns(trained):
    """The labelled tokens are every assistant turn (text, tool call, <|im_end|>) and nothing of the system, user or tool turns."""
    from sixg.agents.llm.prompt import present_tools
    from sixg.train.sft import make_trainer

    _, out = trained
    trainer, selected = make_trainer(_run(out, resume=True))
    tok = trainer.processing_class
    tools = present_tools(selected.tools, "compact")
    for k, row in enumerate(trainer.train_dataset):
        ids, labels = row["input_ids"], row["labels"]
        spans = _assistant_spans(tok, selected.records[k].messages, tools)
        inside = set()
        for start, end in spans:
            assert all(labels[i] == ids[i] for i in range(start, end)), "an assistant token is not a target"
            # The template's generation block may take the newline around the turn with it.
            inside.update(range(start - 1, end + 1))
        labelled = {i for i, lab in enumerate(labels) if lab != -100}
        assert labelled <= inside, tok.decode([ids[i] for i in sorted(labelled - inside)])
        assert len(spans) == sum(1 for m in selected.records[k].messages if m["role"] == "assistant")


@pytest.mark.llm
def test_training_text_is_what_react_hf_shows(trained):
    """Replaying a record through react-hf loaded from the trained directory, every prompt it feeds the model is
    the training example's token prefix up to that turn, and the history it keeps equals the record's messages."""
    import torch

    from sixg.agents import make_agent
    from sixg.agents.llm.prompt import present_tools
    from sixg.sim.briefing import Observation
    from sixg.train.data import template_messages
    from sixg.train.sft import make_trainer

    _, out = trained
    trainer, selected = make_trainer(_run(out, resume=True))
    record, row = selected.records[0], trainer.train_dataset[0]
    tools = present_tools(selected.tools, "compact")
    train_ids = row["input_ids"]
    spans = _assistant_spans(trainer.processing_class, record.messages, tools)

    agent = make_agent("react-hf", model=str(out), max_new_tokens=4096)
    agent.reset(intent=record.intent, tools=list(record.tools), seed=0)
    prompts = []

    def generate(input_ids, **kw):
        prompts.append(input_ids[0].tolist())
        start, end = spans[len(prompts) - 1]
        assert len(prompts[-1]) == start
        return torch.tensor([input_ids[0].tolist() + train_ids[start:end]])

    agent._model.generate = generate
    observations = [m for m in record.messages if m["role"] in ("user", "tool")]
    for step, m in enumerate(observations):
        agent.act(Observation(text=m["content"], step=step, t=0.0))
    assert len(prompts) == len(spans)
    for prompt in prompts:
        assert prompt == train_ids[: len(prompt)]
    assert template_messages(agent.messages) == template_messages(record.messages)
    assert agent.describe()["tool_view"] == "compact"


@pytest.mark.llm
def test_sft_loss_goes_down_on_a_fixed_batch(trained):
    """Optimising the trainer's model on one collated batch lowers its assistant-only loss."""
    import torch

    from sixg.train.sft import make_trainer

    _, out = trained
    trainer, _ = make_trainer(_run(out, resume=True))
    batch = next(iter(trainer.get_train_dataloader()))
    model = trainer.model
    model.train()
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(6):
        loss = model(input_ids=batch["input_ids"], labels=batch["labels"]).loss
        losses.append(loss.item())
        loss.backward()
        optim.step()
        optim.zero_grad()
    assert losses[-1] < losses[0] * 0.9, losses


@pytest.mark.llm
def test_run_writes_a_loadable_model_with_its_record(trained):
    """The output directory holds safetensors weights, the tool view and the run record with the data fingerprint."""
    from sixg.agents.llm.prompt import read_tool_view
    from sixg.train.data import Selection, select_records
    from sixg.train.sft import RUN_FILE

    record, out = trained
    assert (out / "model.safetensors").is_file() and read_tool_view(out) == "compact"
    saved = json.loads((out / RUN_FILE).read_text())
    assert saved["data"]["fingerprint"] == select_records(SAMPLE, Selection(limit=2)).fingerprint()
    assert saved["config"]["selection"]["limit"] == 2 and saved["config"]["tiny"]["hidden"] == 128
    assert record["steps"] == 2 and len(record["losses"]) == 2


@pytest.mark.llm
def test_trained_directory_completes_an_episode(trained):
    """react-hf loads the trained directory and plays an episode on the surrogate through the tool boundary."""
    from sixg.agents import make_agent
    from sixg.sim.env import NetOpsEnv
    from sixg.sim.runner import run_episode

    _, out = trained
    agent = make_agent("react-hf", model=str(out), max_new_tokens=24)
    env = NetOpsEnv(backend="surrogate")
    try:
        result = run_episode(env, agent, seed=3, options={"max_steps": 3})
        steps = env.trajectory.steps
    finally:
        env.close()
        agent.close()
    assert 1 <= result.steps <= 3 and len(steps) == result.steps
    for s in steps:
        assert s["result"]["tool"] or s["result"]["error"]["message"]


@pytest.mark.llm
def test_lora_on_a_pretrained_directory_saves_a_merged_model(trained, tmp_path):
    """--model DIR --lora trains adapters and saves a plain model of the base's size that react-hf loads with the same tool view,
    with the base's own training record kept in its record."""
    from sixg.agents import make_agent
    from sixg.train.data import Selection
    from sixg.train.sft import run_sft

    _, base = trained
    out = tmp_path / "lora"
    record = run_sft(_run(out, model=str(base), lora=True, lora_rank=4, max_steps=1, selection=Selection(limit=1)))
    assert record["steps"] == 1 and record["config"]["lora"] and record["config"]["tiny"] is None
    base_record = json.loads((base / "sixg-train.json").read_text())
    assert record["parameters"] == base_record["parameters"] and not (out / "adapter_config.json").exists()
    assert json.loads((out / "sixg-train.json").read_text())["init"] == base_record  # how the starting model was made
    agent = make_agent("react-hf", model=str(out))
    assert agent.tool_view == "compact"


@pytest.mark.llm
def test_resume_continues_from_the_last_checkpoint(trained, tmp_path):
    """A run started again with resume continues from checkpoint-2 to step 3; without resume it refuses the directory."""
    from sixg.train.sft import run_sft

    _, out = trained
    with pytest.raises(UserError, match="pass --resume"):
        run_sft(_run(out))
    record = run_sft(_run(out, max_steps=3, resume=True))
    assert record["resumed_from"].endswith("checkpoint-2")
    assert record["steps"] == 3 and len(record["losses"]) == 3
    with pytest.raises(UserError, match="found no checkpoint"):
        run_sft(_run(tmp_path / "new", resume=True))


def test_several_corpora_are_read_in_turn_each_record_once(tmp_path):
    """Two corpora train together: records in the order given, a record both hold read once, --limit over both; other tools are refused."""
    from sixg.errors import DataError
    from sixg.forge.pipeline import shipped_pool
    from sixg.forge.records import Corpus, load_records
    from sixg.train.data import Selection, select_records

    sample, pool = load_records(SAMPLE), load_records(shipped_pool())
    both = select_records([SAMPLE, shipped_pool()])
    expected = [r.id for r in sample] + [r.id for r in pool if r.id not in {s.id for s in sample}]
    assert [r.id for r in both.records] == expected
    assert len(set(expected)) == len(expected)
    assert both.fingerprint() != select_records(SAMPLE).fingerprint()
    twice = select_records([SAMPLE, SAMPLE])
    assert [r.id for r in twice.records] == [r.id for r in sample]
    capped = select_records([SAMPLE, shipped_pool()], Selection(limit=len(sample) + 2))
    assert [r.id for r in capped.records] == expected[: len(sample) + 2]
    other = Corpus(tmp_path / "other")
    tools = [dict(t) for t in Corpus(SAMPLE).tools()][:-1]
    other.create(tools, config={})
    with pytest.raises(DataError, match="offers other tools"):
        select_records([SAMPLE, tmp_path / "other"])


def test_cli_trains_on_two_corpora_and_records_both(tmp_path):
    """`sft --corpus A --corpus B` trains on both and saves both paths and their joint fingerprint with the model."""
    import torch

    from sixg.forge.pipeline import shipped_pool
    from sixg.train.__main__ import main
    from sixg.train.data import Selection, select_records

    torch.set_num_threads(1)
    n = len(select_records(SAMPLE).records)
    out = tmp_path / "two"
    argv = ["sft", "--corpus", str(SAMPLE), "--corpus", str(shipped_pool()), "--out", str(out), "--limit", str(n + 1),
            "--max-steps", "1", "--grad-accum", "1", "--hidden", "64", "--layers", "1", "--vocab-size", "1024", "--max-length", "8192"]
    assert main(argv) == 0
    saved = json.loads((out / "sixg-train.json").read_text())
    assert saved["data"]["corpus"] == [str(SAMPLE), str(shipped_pool())]
    assert saved["data"]["records"] == n + 1
    assert saved["data"]["fingerprint"] == select_records([SAMPLE, shipped_pool()], Selection(limit=n + 1)).fingerprint()


def test_a_max_length_shorter_than_every_prompt_is_refused(tmp_path, capsys):
    """A --max-length that cuts every example before the assistant speaks is a clear CLI error, not a sampler crash."""
    from sixg.train.__main__ import main

    argv = ["sft", "--corpus", str(SAMPLE), "--out", str(tmp_path / "o"), "--limit", "2", "--max-steps", "1",
            "--hidden", "64", "--layers", "1", "--vocab-size", "1024", "--max-length", "64"]
    assert main(argv) == 2
    assert "raise --max-length" in capsys.readouterr().err
