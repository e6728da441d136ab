"""The trl workload's trainer: TRL's GRPOTrainer, configured from the plan, writing grpo-bench events.

Launched by `accelerate launch … train.py --config JSON` (one process per training device); the
JSON follows schemas/trl-config.schema.json (generated from config.ts) and is validated first.
Events go to GRPO_BENCH_EVENTS with {rank} substituted:
  start, config (GRPOConfig as constructed, engine settings, prompts, what this TRL lacks),
  phase (TRL's own timers via capture.py; forward_backward and optimizer from this file),
  step (one per optimizer step), memory (CUDA only), end.
Exit status 3: TRL's timers are not where capture.py expects them (the run would mis-measure).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import traceback
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # src/workloads: common.*
sys.path.insert(0, HERE)

from common.events import EventLog, Started, package_version  # noqa: E402

# The `imports` start-up part runs from here to the end of the library imports in run().
IMPORTS = Started.now()

from common.contract import ContractError, load_config  # noqa: E402
from common.memory import PeakMemory, device_free, parse_memory_error  # noqa: E402
from common.phases import PhaseStack  # noqa: E402
from capture import CaptureError, TimerCapture, required_phases, verify  # noqa: E402
from client_requests import find_client, record_requests  # noqa: E402
from engine import SleepCapture, engine_memory, engine_of, time_engine_start, verify_sleep  # noqa: E402
from ipc_client import SYNC_PHASES, SyncTimer, install as install_ipc, verify as verify_ipc  # noqa: E402

# GRPOConfig fields the harness sets; `trl.config` may not override them (they say where to set each).
OWNED = {
    "output_dir": "the run folder",
    "max_steps": "steps",
    "seed": "seed",
    "data_seed": "seed",
    "per_device_train_batch_size": "grpo",
    "num_generations": "grpo",
    "max_prompt_length": "grpo",
    "max_completion_length": "grpo",
    "gradient_accumulation_steps": "grpo",
    "learning_rate": "grpo",
    "beta": "grpo",
    "temperature": "grpo",
    "steps_per_generation": "trl",
    "num_iterations": "trl",
    "loss_type": "trl",
    "scale_rewards": "trl",
    "importance_sampling_level": "trl",
    "vllm_importance_sampling_correction": "trl",
    "gradient_checkpointing": "trl",
    "bf16": "trl.dtype",
    "generation_kwargs": "completions",
    "use_vllm": "modes",
    "vllm_mode": "modes",
    "vllm_server_base_url": "modes.server",
    "vllm_server_host": "modes.server",
    "vllm_server_port": "modes.server",
    "vllm_server_timeout": "trl",
    "vllm_group_port": "modes.server",
    "vllm_gpu_memory_utilization": "modes.colocate.vllm",
    "vllm_tensor_parallel_size": "modes.colocate.vllm",
    "vllm_enable_sleep_mode": "modes.colocate.vllm",
    "vllm_max_model_length": "modes.colocate.vllm",
    "report_to": "(fixed: none)",
    "logging_steps": "(fixed: 1)",
    "save_strategy": "(fixed: no)",
    "use_cpu": "device",
}


def build_config_kwargs(cfg: dict[str, Any], fields: dict[str, dataclasses.Field]) -> tuple[dict[str, Any], list[str]]:
    """GRPOConfig keyword arguments from the plan, and the pinned names this TRL's GRPOConfig lacks."""
    g, t, mode = cfg["grpo"], cfg["trl"], cfg["mode"]
    cuda = cfg["device"] == "cuda"
    dtype = t["dtype"] if t["dtype"] != "auto" else ("bfloat16" if cuda else "float32")
    fixed = cfg["completions"] == "fixed"
    L = g["max_completion_length"]
    want: dict[str, Any] = {
        "output_dir": cfg["output_dir"],
        "max_steps": cfg["steps"],
        "seed": cfg["seed"],
        "data_seed": cfg["seed"],
        "per_device_train_batch_size": g["per_device_train_batch_size"],
        "num_generations": g["num_generations"],
        "max_prompt_length": g["max_prompt_length"],
        "max_completion_length": L,
        "gradient_accumulation_steps": g["gradient_accumulation_steps"],
        "learning_rate": g["learning_rate"],
        "beta": g["beta"],
        "temperature": g["temperature"],
        "top_p": 1.0,
        "num_iterations": t["num_iterations"],
        "loss_type": t["loss_type"],
        "importance_sampling_level": t["importance_sampling_level"],
        "gradient_checkpointing": t["gradient_checkpointing"],
        "bf16": dtype == "bfloat16",
        "report_to": [],
        "logging_steps": 1,
        "save_strategy": "no",
        "disable_tqdm": True,
        "log_completions": False,
        "remove_unused_columns": False,
        "dataloader_num_workers": 0,
        "mask_truncated_completions": False,
        "use_vllm": mode != "hf",
    }
    if t.get("steps_per_generation") is not None:
        want["steps_per_generation"] = t["steps_per_generation"]
    sr = fields.get("scale_rewards")
    if sr is not None:  # a bool before TRL 0.22, a string since
        want["scale_rewards"] = t["scale_rewards"] if isinstance(sr.default, str) else t["scale_rewards"] != "none"
    if not cuda:
        want["use_cpu"] = True
    if fixed:
        want["generation_kwargs"] = {"min_new_tokens": L} if mode == "hf" else {"min_tokens": L, "ignore_eos": True}
    v = cfg.get("vllm")
    if v is not None:
        want["vllm_mode"] = v["mode"]
        want["vllm_importance_sampling_correction"] = t["vllm_importance_sampling_correction"]
        if v["mode"] == "server":
            want.update(
                vllm_server_base_url=v["base_url"],
                vllm_server_host=v["host"],
                vllm_server_port=v["port"],
                vllm_group_port=v["group_port"],
                vllm_server_timeout=t["vllm_server_timeout"],
            )
        else:
            want.update(
                vllm_tensor_parallel_size=v["tensor_parallel_size"],
                vllm_gpu_memory_utilization=v["gpu_memory_utilization"],
                vllm_enable_sleep_mode=v["enable_sleep_mode"],
                vllm_max_model_length=v["max_model_length"],
            )
    missing = sorted(k for k in want if k not in fields)
    if fixed and "generation_kwargs" in missing:
        raise SystemExit(
            "grpo-bench: completions: fixed needs GRPOConfig.generation_kwargs, which this TRL lacks "
            "(TRL >= 0.20); use completions: natural or a newer TRL"
        )
    kwargs = {k: val for k, val in want.items() if k in fields}
    extra = t.get("config") or {}
    unknown = sorted(k for k in extra if k not in fields)
    if unknown:
        raise SystemExit(f"grpo-bench: trl.config: GRPOConfig (trl {package_version('trl')}) has no field(s) {', '.join(unknown)}")
    owned = sorted(k for k in extra if k in OWNED)
    if owned:
        raise SystemExit("grpo-bench: trl.config may not set " + ", ".join(f"{k} (set it via {OWNED[k]})" for k in owned))
    kwargs.update(extra)
    return kwargs, missing


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        if isinstance(value, dict):
            return {str(k): _jsonable(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [_jsonable(v) for v in value]
        return str(value)


def make_recorder(log: EventLog, stack: PhaseStack, sync):
    from transformers import TrainerCallback

    class StepRecorder(TrainerCallback):
        """One `step` event per optimizer step, and the phases TRL does not time (forward_backward,
        optimizer), opened and closed on the same PhaseStack as TRL's timers so theirs nest in them."""

        def __init__(self) -> None:
            self.pending: dict[str, Any] | None = None
            self._fb: dict[str, Any] | None = None
            self._opt: dict[str, Any] | None = None
            self._reset()

        def _reset(self) -> None:
            self.t0 = (time.time(), time.monotonic())
            self.prompt_tokens: Any = 0
            self.completion_tokens: Any = 0
            self.samples = 0
            self.generations: set[int] = set()

        # Called by the trainer subclass.
        def consumed(self, inputs: dict[str, Any], generation: int, step: int) -> None:
            self.prompt_tokens = self.prompt_tokens + inputs["prompt_mask"].sum()  # stays on the device until the step ends
            self.completion_tokens = self.completion_tokens + inputs["completion_mask"].sum()
            self.samples += int(inputs["completion_ids"].size(0))
            self.generations.add(generation)
            self._fb = stack.open("forward_backward", step, source="grpo-bench", generation=self._generation())

        def backward_done(self) -> None:
            if self._fb is not None:
                sync()
                stack.close(self._fb, synced=True)
                self._fb = None

        def _generation(self) -> int | None:
            return min(self.generations) if self.generations else None

        def _flush(self) -> None:
            if self.pending is not None:
                log.emit("step", **self.pending)
                self.pending = None

        def on_step_begin(self, args, state, control, **kw):
            self._flush()
            self._reset()

        def on_pre_optimizer_step(self, args, state, control, **kw):
            self._opt = stack.open("optimizer", state.global_step, source="grpo-bench", generation=self._generation())

        def on_optimizer_step(self, args, state, control, **kw):
            if self._opt is not None:
                sync()
                stack.close(self._opt, synced=True)
                self._opt = None

        def on_step_end(self, args, state, control, **kw):
            dur = time.monotonic() - self.t0[1]
            self.pending = {
                "step": state.global_step - 1,
                "t0": self.t0[0],
                "t1": self.t0[0] + dur,
                "prompt_tokens": int(self.prompt_tokens),
                "completion_tokens": int(self.completion_tokens),
                "samples": self.samples,
                "generations": sorted(self.generations),
                **({"generation": self._generation()} if self.generations else {}),
            }

        def on_log(self, args, state, control, logs=None, **kw):
            if self.pending is not None and logs and "loss" in logs:
                self.pending["loss"] = logs.get("loss")
                self.pending["reward_mean"] = logs.get("reward")
                self._flush()

        def on_train_end(self, args, state, control, **kw):
            self._flush()

    return StepRecorder()


def make_trainer_class(GRPOTrainer, recorder, capture: TimerCapture):
    class BenchGRPOTrainer(GRPOTrainer):
        """GRPOTrainer plus bookkeeping: which generation a batch came from, tokens per step, backward's end."""

        _bench_generation = -1

        def _generate_and_score_completions(self, *args, **kwargs):
            if self.model.training:
                self._bench_generation += 1
            return super()._generate_and_score_completions(*args, **kwargs)

        def _prepare_inputs(self, *args, **kwargs):
            inputs = super()._prepare_inputs(*args, **kwargs)
            if self.model.training:
                recorder.consumed(inputs, max(self._bench_generation, 0), self.state.global_step)
            return inputs

        def training_step(self, *args, **kwargs):
            out = super().training_step(*args, **kwargs)
            recorder.backward_done()
            return out

    for name in ("_get_per_token_logps_and_entropies", "_get_per_token_logps"):
        if hasattr(GRPOTrainer, name):

            def logps(self, model, *args, __name=name, **kwargs):
                ref = getattr(self, "ref_model", None)
                capture.logps_label = "ref_logprobs" if ref is not None and model is ref else "old_logprobs"
                return getattr(super(BenchGRPOTrainer, self), __name)(model, *args, **kwargs)

            setattr(BenchGRPOTrainer, name, logps)
            break
    return BenchGRPOTrainer


# TRL's generation object (VLLMGeneration in TRL 1.x, the trainer itself before) holds the
# settings of both modes whatever the mode. Each mode records only the fields that configure it:
# the in-process engine's fields say nothing in server mode (the server's command line sets
# those) and would make e.g. the memory share look equal; the server's address and weight-sync
# port mean nothing in colocate mode and would show up as a difference between the modes.
ENGINE_SHARED = ("mode", "generation_kwargs", "logprobs")
ENGINE_COLOCATE_ONLY = (
    "tensor_parallel_size",
    "gpu_memory_utilization",
    "max_model_length",
    "max_num_seqs",
    "enable_sleep_mode",
    "model_impl",
)
ENGINE_SERVER_ONLY = ("server_base_url", "group_port")


def engine_record(cfg: dict[str, Any], trainer: Any) -> dict[str, Any]:
    """The generation engine's effective settings, as far as the trainer side knows them."""
    mode = cfg["mode"]
    if mode == "hf":
        gen = getattr(trainer, "generation_config", None)
        return {
            "engine": "transformers.generate",
            "generation_config": gen.to_diff_dict() if gen is not None else None,
            "prompts_sent": "each rank generates its own batch (prompts duplicated num_generations times)",
        }
    vg = getattr(trainer, "vllm_generation", None) or trainer
    attrs = (*ENGINE_SHARED, *(ENGINE_COLOCATE_ONLY if mode == "colocate" else ENGINE_SERVER_ONLY))
    out: dict[str, Any] = {"engine": "vllm", **{a: _jsonable(getattr(vg, a)) for a in attrs if hasattr(vg, a)}}
    if mode == "colocate":
        out["prompts_sent"] = "each rank sends its prompts duplicated num_generations times, n=1"
        llm = getattr(vg, "llm", None)
        vllm_config = getattr(getattr(llm, "llm_engine", None), "vllm_config", None)
        out["vllm_config"] = str(vllm_config) if vllm_config is not None else None
        out["fixed_by_trl"] = {
            "max_num_batched_tokens": 4096,
            "distributed_executor_backend": "external_launcher",
            "logprobs_mode": "processed_logprobs",
        }
    else:
        out["prompts_sent"] = "main process sends unique prompts once, n=num_generations"
        out["server"] = "settings in the server's config event (events/server-0.jsonl)"
        transfer = (cfg.get("vllm") or {}).get("weight_transfer", "nccl")
        out["weight_transfer"] = transfer
        if transfer == "ipc":
            out["layout"] = IPC_LAYOUT
    return out


def ipc_transfer(cfg: dict[str, Any]) -> bool:
    v = cfg.get("vllm")
    return bool(v and v["mode"] == "server" and v.get("weight_transfer") == "ipc")


def sleep_mode(cfg: dict[str, Any]) -> bool:
    v = cfg.get("vllm")
    return bool(v and v["mode"] == "colocate" and v["enable_sleep_mode"])


class Where:
    """How far the run got, for a failure's account: the stage, and the phases open on the stack."""

    def __init__(self) -> None:
        self.stage = "setup"
        self.stack: PhaseStack | None = None

    def phase_path(self) -> list[str]:
        if self.stack is not None:
            if self.stack.failed_in:
                return self.stack.failed_in
            if self.stack.path():
                return self.stack.path()
        return [self.stage]


def run(cfg: dict[str, Any], log: EventLog, rank: int, where: Where) -> None:
    installed = package_version("trl")
    if installed != cfg["trl_version"]:
        raise SystemExit(f"grpo-bench: the plan was made for trl {cfg['trl_version']}, but this Python has trl {installed}; plan again")
    problems = verify(cfg["mode"]) + (verify_sleep() if sleep_mode(cfg) else []) + (verify_ipc() if ipc_transfer(cfg) else [])
    if problems:
        raise CaptureError("cannot capture TRL's profiling timers with this TRL:\n  " + "\n  ".join(problems))

    import torch
    from transformers import AutoModelForCausalLM
    from trl import GRPOConfig, GRPOTrainer
    from datasets import Dataset

    from inputs import load_prompts, load_tokenizer, resolve_model, reward_function

    log.startup_done("imports", IMPORTS)
    cuda = cfg["device"] == "cuda"
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if cuda:
        torch.cuda.set_device(local_rank)
        torch.cuda.init()
    log.start(cfg["mode"], [f"cuda:{local_rank}" if cuda else "cpu"], trl_style=cfg["server_style"])
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    where.stage = "load_model"
    fields = {f.name: f for f in dataclasses.fields(GRPOConfig)}
    kwargs, missing = build_config_kwargs(cfg, fields)
    args = GRPOConfig(**kwargs)
    with log.startup("model_load"):
        model_path = resolve_model(cfg["model"])
        tokenizer = load_tokenizer(model_path)
        dtype = torch.bfloat16 if args.bf16 else torch.float32
        model = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype)

    g = cfg["grpo"]
    world = int(os.environ.get("WORLD_SIZE", "1"))
    per_step = g["per_device_train_batch_size"] * world * g["gradient_accumulation_steps"] // g["num_generations"]
    count = max(64, 2 * cfg["steps"] * max(1, per_step))
    prompts, prompt_record = load_prompts(cfg["trl"]["prompts"], count, g["max_prompt_length"], tokenizer, cfg["seed"])
    dataset = Dataset.from_dict({"prompt": prompts})
    reward = reward_function(cfg["trl"]["reward"], g["max_completion_length"], cfg["seed"] + rank)

    # Memory events where the device's use turns: after generating, after the optimizer, around sleep and wake.
    stack = PhaseStack(
        emit=log.phase_done,
        peaks=PeakMemory.create() if cuda else None,
        on_close=lambda name, step: log.memory(name, step) if name in MEMORY_AFTER else None,
    )
    where.stack = stack
    capture = TimerCapture(stack)
    recorder = make_recorder(log, stack, sync)
    Trainer = make_trainer_class(GRPOTrainer, recorder, capture)
    capture.install()
    sleeping = SleepCapture(stack, step=lambda: int(trainer.state.global_step), generation=lambda: trainer._bench_generation, sync=sync)
    # Installed before the trainer exists: TRL constructs its client (and opens the transfer) in __init__.
    uninstall_ipc = (
        install_ipc(SyncTimer(stack, step=lambda: int(trainer.state.global_step), generation=lambda: trainer._bench_generation, sync=sync))
        if ipc_transfer(cfg)
        else None
    )
    untime_engine = time_engine_start(log) if cfg["mode"] == "colocate" else (lambda: None)
    try:
        where.stage = "engine_start" if cfg["mode"] == "colocate" else "trainer_init"
        with log.startup("trainer_setup"):
            trainer = Trainer(
                model=model, reward_funcs=[reward], args=args, train_dataset=dataset, processing_class=tokenizer, callbacks=[recorder]
            )
        untime_engine()
        engine = engine_record(cfg, trainer)
        client = find_client(trainer) if cfg["mode"] == "server" else None
        if client is not None:
            record_requests(client, log, step=lambda: int(trainer.state.global_step))
        if cfg["mode"] == "colocate":
            engine["memory"] = engine_memory(engine_of(trainer))
            if sleep_mode(cfg):
                sleeping.install(engine_of(trainer))
        generate_every = trainer.args.steps_per_generation * trainer.num_iterations
        free = device_free()
        log.config(
            {
                "workload": "trl",
                "mode": cfg["mode"],
                "trl_version": installed,
                "server_style": cfg["server_style"],
                "model": {**cfg["model"], "path": model_path, "dtype": str(dtype).replace("torch.", "")},
                "completions": cfg["completions"],
                "prompts": prompt_record,
                "reward": reward.__name__,
                "grpo_config": _jsonable({k: v for k, v in trainer.args.to_dict().items() if not k.startswith(("hub_", "push_to_hub"))}),
                "pinned": _jsonable(kwargs),
                "pinned_but_not_in_this_trl": missing,
                "generation_every_micro_steps": generate_every,
                "engine": engine,
                "world_size": world,
                **({"device_memory": {"total_bytes": free[1], "free_before_training_bytes": free[0]}} if free else {}),
            }
        )
        where.stage = "train"
        trainer.train()
        phases = required_phases(cfg["mode"], trainer.accelerator.is_main_process)
        ipc_phases = set(SYNC_PHASES) if ipc_transfer(cfg) and trainer.accelerator.is_main_process else set()
        capture.require(phases | ({"sleep", "wake"} if sleep_mode(cfg) else set()) | ipc_phases)
    finally:
        untime_engine()
        sleeping.uninstall()
        capture.uninstall()
        if uninstall_ipc is not None:
            uninstall_ipc()


MEMORY_AFTER = ("generate", "optimizer", "sleep", "wake")
IPC_LAYOUT = (
    "server mode on a shared GPU with IPC weight transfer — not a layout TRL supports "
    "(the trainer's VLLMClient replaced by ipc_client.IPCVLLMClient, unpacked CUDA IPC handles over HTTP)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="the run configuration as JSON (schemas/trl-config.schema.json)")
    text = parser.parse_args().config
    rank = int(os.environ.get("RANK", "0"))
    log = EventLog("trainer", rank)
    where = Where()
    try:
        try:
            cfg = load_config("trl-config", text)
        except ContractError as e:
            raise SystemExit(f"grpo-bench trl workload: {e}") from None
        run(cfg, log, rank, where)
    except CaptureError as err:
        sys.stderr.write(f"grpo-bench: {err}\n")
        log.end("error", str(err))
        raise SystemExit(3)
    except SystemExit as err:
        if err.code not in (0, None):
            message = str(err.code)
            sys.stderr.write(message + "\n")
            log.end("error", message)
            raise SystemExit(2)
        raise
    except BaseException as err:
        text = "".join(traceback.format_exception_only(type(err), err)).strip()
        memory = parse_memory_error(text)
        if memory is not None:
            path = where.phase_path()
            memory.update(phase=path[-1], phase_path=path)
        log.end("error", text, **({"memory_error": memory} if memory else {}))
        raise
    log.end("ok")


if __name__ == "__main__":
    main()
