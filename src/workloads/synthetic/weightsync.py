"""Weight transfer from trainer rank 0 to the generation server, over a process group of their
own: its own TCPStore on sync_port (rank 0 = trainer, hosting the store; ranks 1.. = server
workers), independent of the trainers' torchrun group. NCCL on GPU, gloo on CPU. Parameters go
in buckets (flattened, concatenated, at most `bucket_bytes` each), as vLLM's
StatelessProcessGroup + PyNcclCommunicator do for TRL."""

from __future__ import annotations

from datetime import timedelta

import torch
import torch.distributed as dist

STORE_PREFIX = "grpo_bench/weight_sync"


def layout(model: torch.nn.Module) -> list[list]:
    """[name, shape, dtype] of every parameter (tied ones once), in the order they are sent."""
    return [[n, list(p.shape), str(p.dtype).replace("torch.", "")] for n, p in model.named_parameters()]


def buckets(params: list[torch.Tensor], bucket_bytes: int) -> list[list[int]]:
    """Consecutive parameter indices grouped so each bucket holds at most bucket_bytes (a larger
    parameter goes alone) of one dtype."""
    out: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i, p in enumerate(params):
        b = p.numel() * p.element_size()
        if current and (size + b > bucket_bytes or p.dtype != params[current[0]].dtype):
            out.append(current)
            current, size = [], 0
        current.append(i)
        size += b
    if current:
        out.append(current)
    return out


def param_bytes(model: torch.nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


class SyncGroup:
    """One member of the weight-sync group. Rank 0 (the trainer) hosts the store; create it
    before telling the server to join (the server's clients retry until it listens)."""

    def __init__(self, host: str, port: int, rank: int, world_size: int, device: torch.device, timeout_s: float = 600.0) -> None:
        self.rank, self.world_size, self.device = rank, world_size, device
        self.timeout = timedelta(seconds=timeout_s)
        self.store = dist.TCPStore(host, port, world_size, rank == 0, self.timeout, wait_for_workers=False)
        self.pg = None
        self.backend = "nccl" if device.type == "cuda" else "gloo"

    def connect(self) -> None:
        """Builds the process group (gloo: blocks until every rank has joined; NCCL: lazily, at the
        first collective, hence warm_up())."""
        store = dist.PrefixStore(STORE_PREFIX, self.store)
        if self.backend == "nccl":
            if not dist.is_nccl_available():
                raise RuntimeError("weight sync on cuda needs NCCL, and this torch build has none")
            opts = dist.ProcessGroupNCCL.Options()
            opts.is_high_priority_stream = False
            if hasattr(opts, "_timeout"):
                opts._timeout = self.timeout
            torch.cuda.set_device(self.device)
            self.pg = dist.ProcessGroupNCCL(store, self.rank, self.world_size, opts)
        else:
            self.pg = dist.ProcessGroupGloo(store, self.rank, self.world_size, self.timeout)

    def broadcast(self, tensor: torch.Tensor) -> None:
        opts = dist.BroadcastOptions()
        opts.rootRank = 0
        opts.rootTensor = 0
        self.pg.broadcast([tensor], opts).wait()

    def warm_up(self) -> None:
        """One small collective so the communicator is built now, not inside step 0's sync."""
        t = torch.ones(1, device=self.device)
        self.broadcast(t)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def close(self) -> None:
        """Local, collective-free teardown of this member's side; idempotent, best-effort.
        NCCL: abort() (ncclCommAbort frees this rank's resources without the peers), never
        shutdown()/destroy, whose graceful ncclCommFinalize/ncclCommDestroy waits for the other
        ranks to tear down too and hangs when a peer is alive but not tearing down. Both sides
        call this: the server (on /close, in each replica's worker thread) and the trainer (after
        /close has answered, and on every exit path), so the order between them does not matter."""
        pg, self.pg = self.pg, None
        if pg is None:
            return
        names = ("abort",) if self.backend == "nccl" else ("abort", "shutdown")
        for name in names:
            fn = getattr(pg, name, None)
            if fn is not None:
                try:
                    fn()
                    break
                except Exception:  # closing is best-effort: the process is ending
                    pass


def header(step: int, nbuckets: int, numel: int, device: torch.device) -> torch.Tensor:
    return torch.tensor([step, nbuckets, numel], dtype=torch.int64, device=device)


@torch.no_grad()
def send(group: SyncGroup, model: torch.nn.Module, step: int, bucket_bytes: int) -> tuple[int, int]:
    """Rank 0: broadcast a header [step, buckets, numel], then every bucket. Returns (bytes, buckets)."""
    params = [p for _, p in model.named_parameters()]
    plan = buckets(params, bucket_bytes)
    numel = sum(p.numel() for p in params)
    group.broadcast(header(step, len(plan), numel, group.device))
    sent = 0
    for idx in plan:
        flat = torch.cat([params[i].detach().reshape(-1) for i in idx])
        group.broadcast(flat)
        sent += flat.numel() * flat.element_size()
    return sent, len(plan)


@torch.no_grad()
def receive(group: SyncGroup, model: torch.nn.Module, bucket_bytes: int) -> tuple[int, int, int]:
    """Ranks 1..: receive what `send` sends into `model`'s parameters. Returns (step, bytes, buckets).
    Fails loudly when the sender's layout differs from ours."""
    params = [p for _, p in model.named_parameters()]
    plan = buckets(params, bucket_bytes)
    numel = sum(p.numel() for p in params)
    h = header(-1, 0, 0, group.device)
    group.broadcast(h)
    step, nb, n = (int(x) for x in h.tolist())
    if nb != len(plan) or n != numel:
        raise RuntimeError(
            f"weight sync: the trainer sends {nb} buckets / {n} elements, this server expects "
            f"{len(plan)} / {numel} (different preset or bucket size?)"
        )
    received = 0
    for idx in plan:
        dtype = params[idx[0]].dtype
        flat = torch.empty(sum(params[i].numel() for i in idx), dtype=dtype, device=group.device)
        group.broadcast(flat)
        off = 0
        for i in idx:
            p = params[i]
            p.copy_(flat[off : off + p.numel()].view_as(p))
            off += p.numel()
        received += flat.numel() * flat.element_size()
    return step, received, len(plan)
