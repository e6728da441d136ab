"""Server mode on the trainer's own GPU: TRL's VLLMClient with vLLM's CUDA-IPC weight transfer.

TRL (1.11 and later) reaches `vllm serve` through `trl.generation.vllm_client.VLLMClient` and pushes
weights over NCCL only; NCCL refuses two ranks on one device, so TRL's server mode needs a GPU for
the server and another for the trainer. vLLM (0.26) also ships a CUDA-IPC weight-transfer backend
(`--weight-transfer-config '{"backend": "ipc"}'`) for a trainer and a server on the same GPU. This
module swaps TRL's client for a subclass that overrides only `init_communicator` and
`update_named_params` (and times `reset_prefix_cache`): generation requests, the server's update
endpoints (`/start_weight_update`, `/update_weights`, `/finish_weight_update`,
`/reset_prefix_cache`) and TRL's `sync_weights` that drives them stay TRL's and vLLM's own.

The handles travel in `/update_weights` as vLLM's HTTP transport sends them (a base64 pickle under
`ipc_handles_pickled`), which the server unpickles only with VLLM_ALLOW_INSECURE_SERIALIZATION=1;
the plan sets that on the server process alone and binds the server to 127.0.0.1.

The sync's parts are written as phases inside TRL's `weight_sync` (docs/workload-trl.md):
  ipc:start_update        POST /start_weight_update (the server prepares a layerwise reload)
  ipc:pack_handles        TRL's parameter walk and one CUDA IPC handle per tensor, then a device
                          synchronise (the server reads these tensors from another process)
  ipc:send_and_load       POST /update_weights: the handles, and the server opening them and
                          loading the weights (the request returns when the load is done)
  ipc:finish_update       POST /finish_weight_update (the server finalises the reload)
  ipc:reset_prefix_cache  POST /reset_prefix_cache
"""

from __future__ import annotations

import base64
import pickle
from contextlib import contextmanager
from typing import Any, Callable, Iterator

# The phases of one sync, in the order they run.
SYNC_PHASES = ("ipc:start_update", "ipc:pack_handles", "ipc:send_and_load", "ipc:finish_update", "ipc:reset_prefix_cache")


class SyncTimer:
    """Opens and closes the sync's parts on the process's PhaseStack (inside TRL's weight_sync)."""

    def __init__(self, stack: Any, step: Callable[[], int], generation: Callable[[], int | None], sync: Callable[[], None]) -> None:
        self.stack, self.step, self.generation, self.sync = stack, step, generation, sync

    def open(self, name: str) -> dict[str, Any]:
        return self.stack.open(name, self.step(), source="grpo-bench", generation=self.generation())

    def close(self, frame: dict[str, Any], *, failed: bool = False, synced: bool = False) -> None:
        self.stack.close(frame, failed=failed, synced=synced)

    @contextmanager
    def timed(self, name: str):
        frame = self.open(name)
        ok = False
        try:
            yield
            ok = True
        finally:
            self.close(frame, failed=not ok)


def http_update_info(update_info: Any) -> dict[str, Any]:
    """vLLM's IPC update as its HTTP transport sends it: the handles pickled and base64-encoded
    (IPCWeightTransferEngine._do_send, send_mode="http"), the other fields as they are."""
    fields: dict[str, Any] = {
        "names": update_info.names,
        "dtype_names": update_info.dtype_names,
        "shapes": update_info.shapes,
        "packed": update_info.packed,
    }
    if update_info.tensor_sizes is not None:
        fields["tensor_sizes"] = update_info.tensor_sizes
    fields["ipc_handles_pickled"] = base64.b64encode(pickle.dumps(update_info.ipc_handles)).decode("utf-8")
    return fields


def server_backend(server_info: dict[str, Any]) -> str | None:
    """The weight-transfer backend in vLLM's /server_info?config_format=json, None when it is not said."""
    config = server_info.get("vllm_config")
    transfer = config.get("weight_transfer_config") if isinstance(config, dict) else None
    return transfer.get("backend") if isinstance(transfer, dict) else None


def make_ipc_client_class(base: type, timer: SyncTimer | None) -> type:
    """A subclass of TRL's VLLMClient `base` that transfers weights through CUDA IPC handles."""

    class IPCVLLMClient(base):  # type: ignore[misc, valid-type]
        weight_transfer = "ipc"

        @contextmanager
        def _timed(self, name: str):
            if timer is None:
                yield
            else:
                with timer.timed(name):
                    yield

        def init_communicator(self, device: Any = 0):
            import torch

            device = torch.device("cuda", device) if isinstance(device, int) else torch.device(device)
            if device.type != "cuda":
                raise NotImplementedError(f"IPC weight transfer shares CUDA memory with the server; the trainer's device is '{device}'")
            if device.index is not None:
                torch.cuda.set_device(device)
            try:
                from vllm.distributed.weight_transfer.ipc_engine import IPCWeightTransferEngine  # noqa: F401
            except ImportError as err:
                # vLLM 0.26's ipc_engine imports ray at module level, though vLLM does not require it.
                raise RuntimeError(
                    f"vLLM's IPC weight-transfer engine cannot be imported here ({err}); "
                    "vllm/distributed/weight_transfer/ipc_engine.py of vLLM 0.26 needs ray: pip install ray"
                ) from err
            response = self.session.get(f"{self.base_url}/server_info", params={"config_format": "json"})
            if response.status_code == 200:
                backend = server_backend(response.json())
                if backend is not None and backend != "ipc":
                    raise RuntimeError(
                        f"the vLLM server at {self.base_url} transfers weights with '{backend}', not 'ipc': "
                        """start it with --weight-transfer-config '{"backend": "ipc"}'"""
                    )
            # IPC needs no group; the call still goes through the server's lifecycle, as TRL's does.
            self._post(f"{self.base_url}/init_weight_transfer_engine", json={"init_info": {}})

        def update_named_params(self, metadata: list[tuple[str, str, list[int]]], named_params: Iterator[tuple[str, Any]]):
            import torch
            from vllm.distributed.weight_transfer.ipc_engine import IPCTrainerSendWeightsArgs, IPCWeightTransferEngine

            announced = [name for name, _, _ in metadata]
            if not self._updating_weights:
                with self._timed("ipc:start_update"):
                    self._start_weight_update()
            pack = timer.open("ipc:pack_handles") if timer is not None else None
            sent: list[bool] = []

            def send(update_info: Any) -> None:
                if list(update_info.names) != announced:
                    raise RuntimeError("the parameters streamed differ from those TRL announced in the weight metadata")
                # The server reads these tensors from its own process: the optimizer's writes must be done.
                torch.cuda.synchronize()
                if pack is not None:
                    timer.close(pack, synced=True)
                with self._timed("ipc:send_and_load"):
                    self._post(f"{self.base_url}/update_weights", json={"update_info": http_update_info(update_info)})
                sent.append(True)

            try:
                # Unpacked: one handle per parameter, no copy; the whole model in one request.
                IPCWeightTransferEngine.trainer_send_weights(iterator=named_params, trainer_args=IPCTrainerSendWeightsArgs(send_mode=send))
            finally:
                if pack is not None and not sent:
                    timer.close(pack, failed=True)
            if not self._updating_weights:
                with self._timed("ipc:finish_update"):
                    self._finish_weight_update()

        def reset_prefix_cache(self):
            with self._timed("ipc:reset_prefix_cache"):
                return super().reset_prefix_cache()

    IPCVLLMClient.__qualname__ = IPCVLLMClient.__name__ = "IPCVLLMClient"
    return IPCVLLMClient


def install(timer: SyncTimer | None, generation_module: Any = None) -> Callable[[], None]:
    """Makes TRL's generation helper construct the IPC client; returns the undo."""
    if generation_module is None:
        from trl.generation import vllm_generation as generation_module
    original = generation_module.VLLMClient
    generation_module.VLLMClient = make_ipc_client_class(original, timer)

    def uninstall() -> None:
        generation_module.VLLMClient = original

    return uninstall


def verify(generation_module: Any = None, client_module: Any = None) -> list[str]:
    """Problems that stop the IPC client from taking TRL's place in this TRL; empty when none."""
    import inspect

    if generation_module is None or client_module is None:
        from trl.generation import vllm_client as client_module, vllm_generation as generation_module
    problems: list[str] = []
    base = getattr(client_module, "VLLMClient", None)
    if base is None:
        return ["trl.generation.vllm_client no longer defines VLLMClient"]
    if getattr(generation_module, "VLLMClient", None) is not base:
        problems.append("trl.generation.vllm_generation no longer uses VLLMClient by that name")
    for name in (
        "init_communicator",
        "update_named_params",
        "reset_prefix_cache",
        "_start_weight_update",
        "_finish_weight_update",
        "_post",
    ):
        if not callable(getattr(base, name, None)):
            problems.append(f"VLLMClient has no {name}")
    source = inspect.getsource(generation_module)
    for call in ("VLLMClient(", ".init_communicator(", ".update_named_params(", ".reset_prefix_cache("):
        if call not in source:
            problems.append(f"TRL's VLLMGeneration no longer calls {call.strip('.(')}")
    return problems
