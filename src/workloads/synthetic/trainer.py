"""Trainer of the synthetic GRPO workload (docs/workloads.md, "synthetic"). One process per
training device, launched by torchrun; DDP over NCCL (GPU) or gloo (CPU).

Each optimizer step, as TRL's GRPOTrainer does it:
  [wake] → weight_sync (weights to the generator) → generate → [sleep] → reward →
  [ref_logprobs] → forward_backward → optimizer → [slowdown]
server mode: rank 0 gathers every rank's prompts, sends one /generate request (n = G) and
scatters the completions back; weights go to the server over their own process group.
colocate mode: each rank generates its own share from an in-process inference copy.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager, nullcontext
from datetime import timedelta

WORKLOADS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[0] = WORKLOADS  # not this folder: its module names must not shadow the shared `common` package

from common.events import EventLog, Started  # noqa: E402

# The `imports` start-up part: torch and what follows, before the event log can be opened.
IMPORTS = Started.now()

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from torch.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

from common.memory import device_free  # noqa: E402
from common.presets import build_model, synthetic_prompt_ids  # noqa: E402
from synthetic import config as cfgmod  # noqa: E402
from synthetic import grpo, weightsync  # noqa: E402
from synthetic.engine import EOS_ID, PAD_ID, Engine  # noqa: E402
from synthetic.runtime import guarded, http_json, raise_on_signals, wait_healthy  # noqa: E402


def prompt_seed(seed: int, step: int, rank: int) -> int:
    return (seed * 1_000_003 + step * 10_007 + rank * 101 + 17) % (2**63 - 1)


@contextmanager
def device_free_around(fields: dict, phase: str):
    """The device's free memory before and after an engine's sleep or wake-up (as vLLM reports its
    own), beside the bytes the engine says it released or took back."""
    before = device_free()
    yield
    after = device_free()
    if before is not None and after is not None:
        fields.update(device_free_before=before[0], device_free_after=after[0])


class Trainer:
    def __init__(self, cfg: cfgmod.SyntheticConfig, log: EventLog, rank: int, world: int, local_rank: int) -> None:
        self.cfg, self.log, self.rank, self.world = cfg, log, rank, world
        # GRPO_BENCH_SLOWDOWN: the same known slowdown set by a scenario variant's env, so a run's
        # variants can differ by it (an A/B of the regression gate within one run).
        self.slowdown = float(os.environ.get("GRPO_BENCH_SLOWDOWN", cfg.slowdown))
        self.device = cfgmod.resolve_device(cfg, local_rank)
        self.sync = cfgmod.device_sync(self.device)
        self.cuda = self.device.type == "cuda"
        dtype = cfg.dtype()
        # Models first, then the process group: each start-up part is one block (docs/events.md).
        with log.startup("model_load"):
            self.model = build_model(cfg.preset, dtype, self.device, cfg.seed)
            self.model.config.use_cache = False
            self.model.train()
            self.ref = None
            if cfg.beta > 0:
                self.ref = build_model(cfg.preset, dtype, self.device, cfg.seed).eval().requires_grad_(False)
        self.vocab = self.model.config.vocab_size
        with log.startup("trainer_setup"):
            dist.init_process_group(
                "nccl" if self.cuda else "gloo",
                rank=rank,
                world_size=world,
                timeout=timedelta(seconds=cfg.server_timeout_s),
                device_id=self.device if self.cuda else None,
            )
            self.ddp = DDP(self.model, device_ids=[self.device.index] if self.cuda else None)
            # AdamW on the model's own dtype (pure bf16 on GPU: state in bf16 too, no fp32 master copy).
            self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.learning_rate, weight_decay=0.0)
        self.param_bytes = weightsync.param_bytes(self.model)
        self.parameters = sum(p.numel() for p in self.model.parameters())
        self.engine: Engine | None = None
        self.group: weightsync.SyncGroup | None = None
        self.base = None
        if cfg.mode == "colocate":
            with log.startup("engine_start"):
                self.engine = Engine(build_model(cfg.preset, dtype, self.device, cfg.seed), cfg.backend, self.device)
        elif rank == 0:
            s = cfg.server
            self.base = f"http://{cfgmod.connect_host(s.host)}:{s.port}"
        if self.cuda:
            torch.cuda.reset_peak_memory_stats(self.device)
            log.track_peaks()

    def connect(self) -> None:
        """Server mode, rank 0: wait for the server, then form the weight-sync group with it."""
        if self.base is None:
            return
        c, s, log = self.cfg, self.cfg.server, self.log
        wait_healthy(self.base, c.server_timeout_s)
        http_json(log, self.base, "GET", "/health")
        # Rank 0 hosts the sync store, tells the server to join, then joins itself.
        self.group = weightsync.SyncGroup(s.sync_host, s.sync_port, 0, s.world_size, self.device, c.server_timeout_s)
        answer = http_json(
            log, self.base, "POST", "/init_weight_sync", {"host": s.sync_host, "port": s.sync_port, "world_size": s.world_size}
        )
        ours = weightsync.layout(self.model)
        if answer["layout"] != ours:
            raise RuntimeError(
                "the server's model differs from the trainer's (parameter names, shapes or dtypes); "
                f"server: {answer['layout'][:3]}…, trainer: {ours[:3]}…"
            )
        self.group.connect()
        self.group.warm_up()

    # -- events -------------------------------------------------------------------------------------------
    @contextmanager
    def phase(self, step: int, name: str, **extra):
        with self.log.phase(step, name, self.sync, **extra) as fields:
            yield fields
        if self.cuda:
            self.log.memory(name, step)

    def describe(self) -> dict:
        c = self.cfg
        return {
            "workload": "synthetic",
            "role": "trainer",
            "mode": c.mode,
            "preset": c.preset,
            "parameters": self.parameters,
            "param_bytes": self.param_bytes,
            "dtype": str(c.dtype()).replace("torch.", ""),
            "device": str(self.device),
            "world_size": self.world,
            "ddp_backend": dist.get_backend(),
            "backend": c.backend,
            "completions": c.completions,
            "per_device_train_batch_size": c.per_device_train_batch_size,
            "gradient_accumulation_steps": c.gradient_accumulation_steps,
            "samples_per_rank": c.samples_per_rank,
            "prompts_per_rank": c.prompts_per_rank,
            "num_generations": c.num_generations,
            "max_prompt_length": c.max_prompt_length,
            "max_completion_length": c.max_completion_length,
            "learning_rate": c.learning_rate,
            "beta": c.beta,
            "epsilon": c.epsilon,
            "temperature": c.temperature,
            "top_k": 0,
            "top_p": 1.0,
            "sleep": c.sleep,
            "slowdown": self.slowdown,
            "optimizer": "AdamW (state in parameter dtype)",
            "reference_model": self.ref is not None,
            "loss": "clipped GRPO, token-level mean, old logprobs = detached",
            "reward": "fraction of even token ids",
            "step_counts": "per rank (sum over ranks for the step's total)",
            "weight_sync": (
                {"backend": self.group.backend, "bucket_bytes": c.weight_sync_bucket_bytes, "world_size": c.server.world_size}
                if self.group
                else {"backend": "in-process copy"}
                if c.mode == "colocate"
                else {"backend": "rank 0 only"}
            ),
            "prompts_sent": (
                "trainer rank 0 sends every rank's prompts in one request, n=num_generations"
                if c.mode == "server"
                else "each rank generates its own prompts' completions in-process"
            ),
            "seed": c.seed,
            "steps": c.steps,
        }

    # -- one step -------------------------------------------------------------------------------------
    def weights_to_generator(self, step: int) -> None:
        c = self.cfg
        if c.mode == "colocate":
            if self.engine.asleep:
                with self.phase(step, "wake") as f, device_free_around(f, "wake"):
                    f["bytes"] = self.engine.wake()
            with self.phase(step, "weight_sync") as f:
                f["bytes"] = self.engine.load_from(self.model)
                f["buckets"] = 0
        elif self.rank == 0:
            with self.phase(step, "weight_sync") as f:
                http_json(self.log, self.base, "POST", "/update_weights", {"step": step}, step=step)
                f["bytes"], f["buckets"] = weightsync.send(self.group, self.model, step, c.weight_sync_bucket_bytes)

    def generate(self, step: int, prompts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c = self.cfg
        G, C = c.num_generations, c.max_completion_length
        min_tokens = C if c.completions == "fixed" else 0
        seed = prompt_seed(c.seed, step, self.rank) + 1
        if c.mode == "colocate":
            with self.phase(step, "generate") as f:
                comp, lengths = self.engine.generate(prompts, G, C, min_tokens, c.temperature, seed)
                f["tokens"] = int(lengths.sum())
            if c.sleep:
                with self.phase(step, "sleep") as f, device_free_around(f, "sleep"):
                    f["bytes"] = self.engine.sleep()
            return comp, lengths
        # server: gather prompts on rank 0, one request with n = G, scatter completions (+ lengths).
        with self.phase(step, "generate", waiting=True) as f:
            prompts = prompts.to(self.device)
            gathered = [torch.empty_like(prompts) for _ in range(self.world)] if self.rank == 0 else None
            dist.gather(prompts, gathered, dst=0)
            out = torch.empty(prompts.shape[0] * G, C + 1, dtype=torch.long, device=self.device)
            chunks = None
            if self.rank == 0:
                allp = torch.cat(gathered)
                answer = http_json(
                    self.log,
                    self.base,
                    "POST",
                    "/generate",
                    {
                        "prompts": allp.tolist(),
                        "n": G,
                        "max_tokens": C,
                        "min_tokens": min_tokens,
                        "temperature": c.temperature,
                        "top_k": 0,
                        "top_p": 1.0,
                        "seed": seed,
                        "step": step,
                    },
                    timeout=c.server_timeout_s,
                    step=step,
                )
                ids = answer["completion_ids"]
                if len(ids) != allp.shape[0] * G:
                    raise RuntimeError(f"server returned {len(ids)} completions for {allp.shape[0]} prompts × n={G}")
                rows = torch.full((len(ids), C + 1), PAD_ID, dtype=torch.long)
                for i, seq in enumerate(ids):
                    if len(seq) > C or (min_tokens and len(seq) != C):
                        raise RuntimeError(f"server returned a completion of {len(seq)} tokens (max {C}, min {min_tokens})")
                    rows[i, : len(seq)] = torch.tensor(seq, dtype=torch.long)
                    rows[i, C] = len(seq)
                chunks = list(rows.to(self.device).chunk(self.world))
            dist.scatter(out, chunks, src=0)
            comp, lengths = out[:, :C], out[:, C].clone()
            f["tokens"] = int(lengths.sum())
            if self.rank == 0:
                f["tokens_all_ranks"] = sum(len(s) for s in ids)
        return comp, lengths

    def train_step(self, step: int) -> None:
        c = self.cfg
        t0, m0 = time.time(), time.monotonic()
        self.weights_to_generator(step)
        g = torch.Generator().manual_seed(prompt_seed(c.seed, step, self.rank))
        prompts = synthetic_prompt_ids(g, c.prompts_per_rank, c.max_prompt_length, self.vocab).to(self.device)
        comp, lengths = self.generate(step, prompts)
        G, C, P = c.num_generations, c.max_completion_length, c.max_prompt_length

        with self.phase(step, "reward"):
            mask = grpo.completion_mask(lengths, C)
            rewards = grpo.reward(comp, mask)
            adv = grpo.advantages(rewards, G)
            input_ids = torch.cat([prompts.repeat_interleave(G, 0), comp], dim=1)

        ref_logp = None
        if self.ref is not None:
            with self.phase(step, "ref_logprobs"), torch.no_grad():
                ref_logp = torch.cat(
                    [grpo.token_logprobs(self.ref, mb, C, c.temperature) for mb in input_ids.split(c.per_device_train_batch_size)]
                )

        with self.phase(step, "forward_backward") as f:
            total_loss, kls = 0.0, []
            n_micro = c.gradient_accumulation_steps
            per = c.per_device_train_batch_size
            for k in range(n_micro):
                sl = slice(k * per, (k + 1) * per)
                last = k == n_micro - 1
                ctx = self.ddp.no_sync() if not last else nullcontext()
                with ctx:
                    logp = grpo.token_logprobs(self.ddp, input_ids[sl], C, c.temperature)
                    loss, kl = grpo.loss(
                        logp, logp.detach(), adv[sl], mask[sl], c.epsilon, c.beta, None if ref_logp is None else ref_logp[sl]
                    )
                    (loss / n_micro).backward()
                total_loss += float(loss.detach()) / n_micro
                if kl is not None:
                    kls.append(kl)
            f["micro_batches"] = n_micro

        with self.phase(step, "optimizer"):
            self.opt.step()
            self.opt.zero_grad(set_to_none=True)

        if self.slowdown > 0:
            elapsed = time.monotonic() - m0
            with self.phase(step, "slowdown") as f:
                f["seconds"] = self.slowdown * elapsed
                time.sleep(self.slowdown * elapsed)

        samples = comp.shape[0]
        extra = {"rank": self.rank, "reward_mean": float(rewards.mean())}
        if kls:
            extra["kl"] = sum(kls) / len(kls)
        self.log.step(
            step,
            t0,
            t0 + (time.monotonic() - m0),
            prompt_tokens=samples * P,
            completion_tokens=int(lengths.sum()),
            samples=samples,
            loss=total_loss,
            **extra,
        )

    def all_finished(self) -> None:
        """Waits until every rank has finished its steps, through the rendezvous store (hosted by
        torchrun's agent, which outlives the ranks) rather than a gloo/NCCL barrier. A rank may
        leave a gloo barrier while its last message to a peer is still in flight; tearing the
        group down right after can then fail that peer's barrier ("Connection closed by peer").
        Once every rank is here, every collective has completed on every rank, so teardown has
        nothing in flight."""
        if self.world == 1:
            return
        store = dist.TCPStore(
            os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]), is_master=False, timeout=timedelta(seconds=self.cfg.server_timeout_s)
        )
        if store.add("grpo_bench/finished", 1) == self.world:
            store.set("grpo_bench/all_finished", "1")
        store.wait(["grpo_bench/all_finished"])

    def close(self) -> None:
        """Server mode, rank 0: /close (the server aborts its side of the weight-sync group once
        its queued jobs are done, then answers), then abort ours. Both teardowns are local
        (weightsync.SyncGroup.close), so neither waits for the other process."""
        if self.base is not None:
            try:
                http_json(self.log, self.base, "POST", "/close", {})
            finally:
                self.close_sync()

    def close_sync(self) -> None:
        if self.group is not None:
            self.group.close()


def run(log: EventLog) -> None:
    log.startup_done("imports", IMPORTS)
    raise_on_signals()
    cfg = cfgmod.parse()
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if "RANK" not in os.environ:
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", "29500")
    t = Trainer(cfg, log, rank, world, local_rank)
    try:
        devices = [f"cuda:{t.device.index}" if t.cuda else "cpu"]
        extra = {"visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}
        if t.cuda:
            extra["device_name"] = torch.cuda.get_device_name(t.device)
        log.start(cfg.mode, devices, **extra)
        t.connect()
        log.config(t.describe())
        for step in range(cfg.steps):
            t.train_step(step)
        t.all_finished()
        t.close()
    finally:
        # On every exit path (a failed step too): abort the weight-sync communicator now, so no
        # NCCL teardown that needs the server is left for the interpreter's exit.
        t.close_sync()
        if dist.is_initialized():
            dist.destroy_process_group()


def main() -> None:
    rank = int(os.environ.get("RANK", "0"))
    guarded(lambda: EventLog("trainer", rank), run)


if __name__ == "__main__":
    main()
