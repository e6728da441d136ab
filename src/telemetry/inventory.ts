// Machine facts for the manifest fingerprint and for `doctor`: GPUs from nvidia-smi, host from
// systeminformation. Fast (one parallel round of queries, each time-limited) and never throws:
// a missing nvidia-smi means no GPUs, with the reason.
import si from 'systeminformation';
import { num, parseRows, smiQuery } from './nvidia-smi.ts';

export const INVENTORY_FIELDS = ['index', 'name', 'uuid', 'memory.total', 'driver_version', 'clocks.max.sm', 'power.limit'] as const;

export interface GpuInfo {
  index: number;
  name: string;
  uuid: string;
  memory_total_mib: number | null;
  driver_version: string;
  clocks_max_sm_mhz: number | null;
  power_limit_w: number | null;
}

export interface Inventory {
  gpus: GpuInfo[];
  /** Why `gpus` is empty (no nvidia-smi, it failed, no devices); absent when GPUs were found. */
  gpus_reason?: string;
  /** CUDA version the driver supports (nvidia-smi's banner), or null. */
  cuda_version: string | null;
  host: {
    cpu_model: string;
    cpu_cores: number;
    cpu_physical_cores: number;
    memory_total_mib: number;
    os: string;
    kernel: string;
    arch: string;
  };
}

export function parseGpuInventory(out: string): GpuInfo[] {
  return parseRows(out, INVENTORY_FIELDS.length, 1).map(([index, name, uuid, mem, driver, clock, power]) => ({
    index: num(index) ?? -1,
    name: name ?? '',
    uuid: uuid ?? '',
    memory_total_mib: num(mem),
    driver_version: driver ?? '',
    clocks_max_sm_mhz: num(clock),
    power_limit_w: num(power),
  }));
}

/** "CUDA Version: 12.4" from nvidia-smi's banner (also in `nvidia-smi -q` as "CUDA Version : 12.4"). */
export function parseCudaVersion(banner: string): string | null {
  return /CUDA Version\s*:\s*([\d.]+)/.exec(banner)?.[1] ?? null;
}

export async function inventory(o: { smi?: string; timeoutMs?: number } = {}): Promise<Inventory> {
  const smi = o.smi ?? 'nvidia-smi';
  const timeoutMs = o.timeoutMs ?? 1500;
  const [gpus, banner, host] = await Promise.all([
    smiQuery(smi, [`--query-gpu=${INVENTORY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'], timeoutMs).then(
      (out) => ({ gpus: parseGpuInventory(out) }),
      (e: Error & { code?: string }) => ({
        gpus: [] as GpuInfo[],
        reason: /ENOENT/.test(e.message) ? `${smi} not found on PATH` : e.message.split('\n')[0]!,
      }),
    ),
    smiQuery(smi, [], timeoutMs).catch(() => ''),
    hostFacts(),
  ]);
  const reason = 'reason' in gpus ? gpus.reason : gpus.gpus.length === 0 ? `${smi} lists no GPU` : undefined;
  return { gpus: gpus.gpus, ...(reason ? { gpus_reason: reason } : {}), cuda_version: parseCudaVersion(banner), host };
}

async function hostFacts(): Promise<Inventory['host']> {
  const [cpu, mem, os] = await Promise.all([si.cpu(), si.mem(), si.osInfo()]);
  return {
    cpu_model: `${cpu.manufacturer} ${cpu.brand}`.trim(),
    cpu_cores: cpu.cores,
    cpu_physical_cores: cpu.physicalCores,
    memory_total_mib: Math.round(mem.total / 1024 / 1024),
    os: `${os.distro} ${os.release}`.trim(),
    kernel: os.kernel,
    arch: os.arch,
  };
}

/** The facts that must match between compared runs (Fingerprint.environment). */
export function environmentFingerprint(inv: Inventory): Record<string, string | number | null> {
  const g = inv.gpus;
  const same = <T>(f: (x: GpuInfo) => T): T | 'mixed' | null =>
    g.length === 0 ? null : g.every((x) => f(x) === f(g[0]!)) ? f(g[0]!) : 'mixed';
  return {
    gpu_name: same((x) => x.name),
    gpu_count: g.length,
    gpu_memory_mib: same((x) => x.memory_total_mib),
    driver_version: same((x) => x.driver_version),
    cuda_version: inv.cuda_version,
    gpu_max_sm_clock_mhz: same((x) => x.clocks_max_sm_mhz),
    gpu_power_limit_w: same((x) => x.power_limit_w),
    cpu_model: inv.host.cpu_model,
    cpu_cores: inv.host.cpu_cores,
    memory_total_mib: inv.host.memory_total_mib,
  };
}

/** Memory of the smallest GPU in bytes, for plan-time fit estimates; undefined without GPUs. */
export function smallestGpuMemoryBytes(inv: Inventory): number | undefined {
  const mib = inv.gpus.map((g) => g.memory_total_mib).filter((m): m is number => m !== null);
  return mib.length ? Math.min(...mib) * 2 ** 20 : undefined;
}
