// `grpo-bench variants setup <scenario>`: makes each variant's environment from its pins, on a
// machine with a package index. A variant whose python is `<dir>/bin/python` and does not exist
// yet gets a virtual environment at <dir> (python -m venv), then pip installs what its `expect:`
// pins (`trl: 1.16.0` → trl==1.16.0). `--over PY` layers the new environment over another
// Python's packages (a .pth file: they come after the environment's own, so its pins shadow
// them), `--system-site-packages` over the base interpreter's; `--no-deps` installs only the
// pinned packages (a TRL release over the torch, transformers and vLLM already there).
// Offline hosts use a bundle's variant folders instead (docs/offline-hosts.md "Variants").
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { UserError } from '../../errors.ts';
import { loadScenarioFile } from '../../scenario/load.ts';
import { probeVariants, variantNames, variantProblems, expandVars } from '../../env/variant-probe.ts';
import { projectRoot, resolvePython } from '../../env/python.ts';

export interface VariantsSetupOptions {
  scenario: string;
  /** The interpreter new environments are made with (default: the workload Python). */
  python?: string;
  /** Layer new environments over this Python's packages. */
  over?: string;
  systemSitePackages?: boolean;
  noDeps?: boolean;
  log?: (line: string) => void;
}

/** What the probe reports that is not a pip package. */
const NOT_PACKAGES = new Set(['python', 'cuda', 'nccl', 'driver']);

export async function variantsSetupCommand(o: VariantsSetupOptions): Promise<number> {
  const log = o.log ?? ((l: string) => console.error(l));
  const { scenario, file } = await loadScenarioFile(o.scenario);
  if (!scenario.variants)
    throw new UserError(`${file}: the scenario has no variants to set up`, 'Add `variants:` (docs/scenarios.md "Variants").');
  const base = o.python ?? resolvePython();
  for (const name of variantNames(scenario)) {
    const v = scenario.variants[name]!;
    const python = path.resolve(expandVars(v.python, `variants.${name}.python`));
    const pins = Object.entries(v.expect)
      .filter(([pkg]) => !NOT_PACKAGES.has(pkg))
      .map(([pkg, ver]) => `${pkg}==${ver}`);
    if (!existsSync(python)) {
      if (path.basename(path.dirname(python)) !== 'bin') {
        throw new UserError(
          `variants.${name}.python: ${python} does not exist and is not <environment>/bin/python, so no environment can be made for it`,
        );
      }
      const dir = path.dirname(path.dirname(python));
      log(`variant ${name}: creating ${dir} (${base} -m venv${o.systemSitePackages ? ' --system-site-packages' : ''})`);
      await execa(base, ['-m', 'venv', ...(o.systemSitePackages ? ['--system-site-packages'] : []), dir], { stdio: 'inherit' });
      if (o.over) await layerOver(python, o.over);
    }
    if (pins.length) {
      log(`variant ${name}: pip install ${o.noDeps ? '--no-deps ' : ''}${pins.join(' ')}`);
      const r = await execa(
        python,
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...(o.noDeps ? ['--no-deps'] : []), ...pins],
        { stdio: 'inherit', reject: false },
      );
      if (r.exitCode !== 0) throw new UserError(`variant ${name}: pip install ${pins.join(' ')} failed (exit ${r.exitCode})`);
    }
  }
  const probed = await probeVariants(scenario, projectRoot()).catch((err: unknown) => {
    if (err instanceof UserError) throw new UserError(`after setup, ${err.message}`, err.hint);
    throw err;
  });
  for (const v of probed) {
    if (variantProblems(v).length === 0)
      log(
        `variant ${v.name}: ${v.python}: ${Object.entries(v.info.libraries)
          .filter(([k, x]) => x && !k.includes('['))
          .map(([k, x]) => `${k} ${x}`)
          .join(', ')}`,
      );
  }
  return 0;
}

/** The site folders of `python` added to the new environment's by a .pth file, after its own. */
async function layerOver(python: string, over: string): Promise<void> {
  const sites = async (py: string) =>
    (await execa(py, ['-c', "import sysconfig; p = sysconfig.get_paths(); print(p['purelib']); print(p['platlib'])"])).stdout
      .split('\n')
      .filter(Boolean);
  const [own] = await sites(python);
  await writeFile(path.join(own!, 'grpo-bench-base.pth'), [...new Set(await sites(over))].join('\n') + '\n');
}
