"""Agentic SFT on a Forge corpus with trl's SFTTrainer (assistant-only loss).

The output directory is a model ``react-hf`` loads as it is: the weights (safetensors), the
tokenizer with its chat template, the tool view the model read (:data:`~sixg.agents.llm.prompt.PROMPT_FILE`)
and ``sixg-train.json`` (the run's configuration, the data fingerprint and the final loss; for a run
that went on from a model trained here, that model's own record under ``init``).
Checkpoints go to ``OUT/checkpoints``; a run started again with ``resume`` continues from the last one.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sixg.agents.llm.prompt import ToolView, write_tool_view
from sixg.errors import DependencyNotInstalled, UserError
from sixg.train.data import Selection, select_records, sft_dataset, sft_rows
from sixg.train.tiny import TinyConfig, build_model, build_tokenizer

__all__ = ["SFTRun", "RUN_FILE", "checkpoint_to_resume", "last_checkpoint", "make_trainer", "run_sft"]

#: The run record written beside the model.
RUN_FILE = "sixg-train.json"


@dataclass(frozen=True)
class SFTRun:
    """Everything one SFT run depends on (saved with the model)."""

    corpus: str | tuple[str, ...]  # one corpus directory, or several read in turn
    out: str
    model: str | None = None  # None: the tiny preset
    tiny: TinyConfig = field(default_factory=TinyConfig)
    selection: Selection = field(default_factory=Selection)
    tool_view: ToolView = "compact"
    lora: bool = False
    lora_rank: int = 16
    device: str = "cpu"
    bf16: bool = False
    max_steps: int = -1
    epochs: float = 1.0
    batch_size: int = 1
    grad_accum: int = 4
    learning_rate: float = 1e-3
    max_length: int = 8192
    save_steps: int = 50
    save_total_limit: int = 2
    logging_steps: int = 5
    seed: int = 0
    resume: bool = False
    progress: bool = True

    def __post_init__(self):
        if self.lora and self.model is None:
            raise UserError("--lora adapts a pretrained model: pass --model PATH with it (the tiny preset trains every weight)")
        for name in ("batch_size", "grad_accum", "max_length", "save_steps", "logging_steps", "lora_rank"):
            if getattr(self, name) < 1:
                raise UserError(f"{name.replace('_', '-')} must be >= 1, not {getattr(self, name)}")
        if self.max_steps == 0 or self.max_steps < -1:
            raise UserError(f"max-steps must be a positive number of steps (or -1 for --epochs), not {self.max_steps}")

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tiny"] = self.tiny.as_dict() if self.model is None else None
        d["selection"] = self.selection.as_dict()
        return d


def _imports():
    try:
        import torch  # noqa: F401
        import trl  # noqa: F401
    except ImportError as exc:
        raise DependencyNotInstalled(f"training needs torch, transformers, trl and datasets ({exc}): pip install sixg") from exc


def _load_pretrained(run: SFTRun):
    from sixg.agents.llm.hf import load_local_lm

    path = run.model
    model, tok = load_local_lm(path, dtype="bfloat16" if run.bf16 else "float32")
    if not tok.chat_template:
        raise UserError(f"the tokenizer in {path!r} has no chat template: use an instruction-tuned model")
    return model, tok


def last_checkpoint(out: str | Path) -> Path | None:
    """The newest ``checkpoint-N`` under ``OUT/checkpoints``, or None."""
    found = [p for p in Path(out, "checkpoints").glob("checkpoint-*") if p.name.split("-")[-1].isdigit()]
    return max(found, key=lambda p: int(p.name.split("-")[-1]), default=None)


def checkpoint_to_resume(out: str | Path, *, resume: bool) -> Path | None:
    """The checkpoint a run into ``out`` continues from (None for a fresh run).

    Raises:
        UserError: ``resume`` with no checkpoint there, or a fresh run into a folder that holds some.
    """
    found = last_checkpoint(out)
    ckpts = Path(out, "checkpoints")
    if resume and found is None:
        raise UserError(f"--resume found no checkpoint under {ckpts}: start without --resume")
    if not resume and found is not None:
        raise UserError(f"{ckpts} already holds checkpoints: pass --resume to continue that run, or pick a new --out")
    return found


def make_trainer(run: SFTRun, *, model=None, tokenizer=None):
    """The configured SFTTrainer for ``run`` and the selected records (builds the tiny model unless given one)."""
    _imports()
    from trl import SFTConfig, SFTTrainer

    selected = select_records(run.corpus, run.selection)
    if model is None:
        if run.model is None:
            resumed = last_checkpoint(run.out) if run.resume else None
            if resumed is not None:
                from transformers import PreTrainedTokenizerFast

                # The checkpoint's own tokenizer: the ids its weights were trained on.
                tokenizer = PreTrainedTokenizerFast.from_pretrained(resumed, local_files_only=True)
            else:
                tokenizer = build_tokenizer(sft_rows(selected, run.tool_view), run.tiny.vocab_size)
            model = build_model(tokenizer, run.tiny, seed=run.seed)
        else:
            model, tokenizer = _load_pretrained(run)
    peft_config = None
    if run.lora:
        from peft import LoraConfig

        peft_config = LoraConfig(r=run.lora_rank, lora_alpha=2 * run.lora_rank, target_modules="all-linear", task_type="CAUSAL_LM")
    args = SFTConfig(
        output_dir=str(Path(run.out) / "checkpoints"),
        # The dataset arrives tokenized with its assistant_masks (sixg.train.data.sft_dataset says why);
        # SFTTrainer turns those into the labels, so only the assistant's tokens are targets.
        assistant_only_loss=False,
        max_length=run.max_length,
        per_device_train_batch_size=run.batch_size,
        gradient_accumulation_steps=run.grad_accum,
        learning_rate=run.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=0.05,
        max_steps=run.max_steps,
        num_train_epochs=run.epochs,
        save_strategy="steps",
        save_steps=run.save_steps,
        save_total_limit=run.save_total_limit,
        logging_steps=run.logging_steps,
        seed=run.seed,
        data_seed=run.seed,
        use_cpu=run.device == "cpu",
        bf16=run.bf16,
        report_to="none",
        disable_tqdm=not run.progress,
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=sft_dataset(selected, run.tool_view, tokenizer, max_length=run.max_length),
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    return trainer, selected


def run_sft(run: SFTRun) -> dict[str, Any]:
    """Train, save the model with its record into ``run.out`` and return that record."""
    out = Path(run.out)
    resumed = checkpoint_to_resume(out, resume=run.resume)
    started = time.perf_counter()
    trainer, selected = make_trainer(run)
    result = trainer.train(resume_from_checkpoint=str(resumed) if run.resume else None)
    model = trainer.model
    if run.lora:
        model = model.merge_and_unload()
    model.save_pretrained(out)
    trainer.processing_class.save_pretrained(out)
    write_tool_view(out, run.tool_view)
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    record = {
        "stage": "sft",
        "config": run.as_dict(),
        "data": {
            "corpus": [str(c) for c in selected.corpora] if len(selected.corpora) > 1 else str(selected.corpora[0]),
            "records": len(selected.records),
            "fingerprint": selected.fingerprint(),
        },
        "parameters": sum(p.numel() for p in model.parameters()),
        "steps": trainer.state.global_step,
        "resumed_from": str(resumed) if run.resume else None,
        "train_loss": result.training_loss,
        "losses": losses,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if run.model is not None and Path(run.model, RUN_FILE).is_file():
        # Training went on from a model this framework trained: keep how that one was made.
        record["init"] = json.loads(Path(run.model, RUN_FILE).read_text())
    (out / RUN_FILE).write_text(json.dumps(record, indent=1) + "\n")
    return record
