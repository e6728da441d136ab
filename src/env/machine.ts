// How many GPUs the plan may use and how much memory the smallest has.
import { execa } from 'execa';

export interface MachineGpus {
  count: number;
  minMemoryBytes: number | undefined;
}

export async function machineGpus(): Promise<MachineGpus> {
  try {
    const { stdout } = await execa('nvidia-smi', ['--query-gpu=index,memory.total', '--format=csv,noheader,nounits'], { timeout: 20_000 });
    const mib = stdout.trim().split('\n').filter(Boolean).map((l) => Number(l.split(',')[1]));
    if (mib.length === 0) return { count: 0, minMemoryBytes: undefined };
    return { count: mib.length, minMemoryBytes: Math.min(...mib) * 1024 * 1024 };
  } catch {
    return { count: 0, minMemoryBytes: undefined }; // no nvidia-smi: a CPU machine
  }
}
